"""ormlint's targeted position pass gives exactly libcst's PositionProvider ranges."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from ormlint.positions import node_positions
from ormlint.rules import RULES
from ormlint.rules.base import python_sources

ROOT = Path(__file__).parent.parent
SOURCES = [p.read_text() for p in sorted((ROOT / "fixtures").rglob("*.py"))] + [
    module for rule in RULES.values() for src in rule.invalid for module in python_sources(src)
]


def test_every_node_gets_the_same_range_as_position_provider():
    for source in SOURCES:
        module = cst.parse_module(source)
        expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
        nodes = list(expected)
        got = node_positions(module, nodes)
        assert {n: got[n] for n in nodes} == {n: expected[n] for n in nodes}


def test_only_the_asked_nodes_are_recorded():
    module = cst.parse_module("x = 1\ny = f(a, b)\n")
    call = module.body[1].body[0].value
    got = node_positions(module, [call.args[1].value])
    assert got[call.args[1].value].start.line == 2 and got[call.args[1].value].start.column == 9
    assert call not in got


def test_statement_by_statement_positions_equal_position_provider():
    # With the ast tree, only the top-level statements holding the nodes are generated, each
    # placed by the ast's line: every node of every statement must still get libcst's range.
    import ast

    sources = SOURCES + [
        "import a; import b\n\n\n@dec(\n    1)\nclass A:\n    x = 1\n",
        "# header\n\nif x:\n    y = 1\nelif z:\n    pass\n\n\nasync def f():\n    return 1\n",
    ]
    for source in sources:
        module = cst.parse_module(source)
        tree = ast.parse(source)
        expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
        for stmt in module.body:
            inside = _descendants(stmt)
            nodes = [n for n in expected if n in inside]
            got = node_positions(module, nodes, tree)
            assert {n: got[n] for n in nodes} == {n: expected[n] for n in nodes}


CLASS_BODIES = [
    "class A(Base):\n\tx = Column(\n  Integer,\n\t\tnullable=True)\n\ty = 1; z = f(\n1)\n",
    "class A:\r\n    # comment\r\n\r\n    x = relationship(\r\n        'B', remote_side=[id])\r\n",
    "class A:\n    s = '''a\n    b''' + g(c)\n    t = h(\\\n        1)\n    u = 'ünï' + k(1)\n",
    "@dec\nclass A(B, metaclass=M):\n    if x:\n        y = 1\n    z = [\n        1,\n    ]\n",
]


def test_class_body_statement_positions_equal_position_provider():
    # Nodes inside one simple statement of a class body: only that statement is generated, and
    # its first line gets the body's indentation back.
    import ast

    for source in SOURCES + CLASS_BODIES:
        module = cst.parse_module(source)
        tree = ast.parse(source)
        expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
        for stmt in module.body:
            if not isinstance(stmt, cst.ClassDef) or not isinstance(stmt.body, cst.IndentedBlock):
                continue
            for child in stmt.body.body:
                inside = _descendants(child)
                nodes = [n for n in expected if n in inside and n is not child]
                got = node_positions(module, nodes, tree)
                assert {n: got[n] for n in nodes} == {n: expected[n] for n in nodes}, source


def _descendants(stmt) -> set:
    """The statement and the syntax nodes under it (what rules report: not whitespace)."""
    from ormlint.model.names import syntax_children

    found, stack = set(), [stmt]
    while stack:
        current = stack.pop()
        found.add(current)
        stack.extend(syntax_children(current))
    return found


def test_the_fast_ast_walk_keeps_ast_walks_order():
    import ast

    from ormlint.project import _walk

    for source in SOURCES:
        tree = ast.parse(source)
        assert list(_walk(tree)) == [n for n in ast.walk(tree) if not isinstance(n, ast.expr_context)]
