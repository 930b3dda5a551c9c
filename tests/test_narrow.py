"""The narrowed parse (ormlint/narrow.py) keeps every position, and never changes a finding.

Unit tests check the text: the same number of lines, every line outside a blanked body unchanged,
and which bodies are blanked. The soundness tests analyse the bundled fixtures and every rule's
documented examples (valid and invalid) with `analysis.NARROW_PARSE` on and off, file rules through
`analyse_source` and file plus project rules through `engine.run` on a one-file project, and
require identical findings, fix edits included.
"""

from __future__ import annotations

import ast
import gc
import re
import textwrap
from pathlib import Path

import libcst as cst
import pytest

import ormlint.analysis as analysis
import ormlint.engine as engine
from ormlint.codes import (
    BODY_PATTERNS, MODULE_FUNCTION_RETURNS, RULE_READS, all_codes, default_codes,
)
from ormlint.config import load_settings
from ormlint.narrow import narrowed_source, narrowed_text, parse_module, parse_narrowed
from ormlint.positions import node_positions
from ormlint.rules import RULES
from ormlint.rules.base import example_files, python_sources
from ormlint.sources import decode

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
FIXTURE_FILES = sorted(FIXTURES.rglob("*.py"))
EXAMPLES = [
    (f"{code}-{kind}-{i}", textwrap.dedent(source))
    for code, rule in RULES.items()
    for kind, sources in (("invalid", rule.invalid), ("valid", rule.valid))
    for i, source in enumerate(sources)
]
CODES = frozenset(all_codes())
_PYTHON_LINES = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def _narrow(source: str) -> str:
    source = textwrap.dedent(source)
    narrowed = narrowed_source(source, ast.parse(source))
    _assert_positions_kept(source, narrowed)
    return narrowed


def _assert_positions_kept(source: str, narrowed: str) -> None:
    """Same line count; a changed line is inside a blanked function: it is now empty, a closing
    `\"\"\"`, the indentation followed by `pass`, an opening `\"\"\"`, `@_` or `@_(\"\"\"` ...
    `\"\"\")` (for the decorators), or the `def` line cut after the name, which keeps its place,
    and followed by `(): \"\"\"`."""
    before, after = _PYTHON_LINES.findall(source), _PYTHON_LINES.findall(narrowed)
    assert len(before) == len(after)
    for old, new in zip(before, after):
        if old != new:
            body = new.rstrip("\r\n")
            if body.endswith('(): """') and body.lstrip().startswith(("def ", "async ")):
                assert old.startswith(body[: -len('(): """')]), (old, new)
            else:
                assert body in ("", '"""', '""")') or body.strip() in ("pass", '"""', "@_", '@_("""'), (old, new)
            assert new[len(body):] == old[len(old.rstrip("\r\n")):]  # the line ending is kept
    compile(narrowed, "<narrowed>", "exec")


def _blanked(source: str, narrowed: str) -> list[int]:
    """Numbers of the lines that changed."""
    pairs = zip(_PYTHON_LINES.findall(source), _PYTHON_LINES.findall(narrowed))
    return [number for number, (old, new) in enumerate(pairs, start=1) if old != new]


# -- the text ------------------------------------------------------------------------------------


def test_a_method_body_is_blanked_and_the_rest_is_untouched():
    source = textwrap.dedent('''\
        from sqlalchemy.orm import Mapped, mapped_column


        class Invoice(Base):
            __tablename__ = "invoice"
            id: Mapped[int] = mapped_column(primary_key=True)

            def total(self, items):
                amount = 0
                for item in items:
                    amount += item.price
                return amount

            note: Mapped[str] = mapped_column()
        ''')
    narrowed = _narrow(source)
    assert _blanked(source, narrowed) == [8, 9, 10, 11, 12]
    assert '    def total(): """\n\n\n\n"""\n' in narrowed  # the signature goes with the body
    assert 'note: Mapped[str] = mapped_column()' in narrowed


def test_a_two_line_and_a_one_line_body():
    source = "class A:\n    def f(self):\n        x = 1\n        return x\n\n    def g(self):\n        return 2\n"
    narrowed = _narrow(source)
    assert narrowed == 'class A:\n    def f(): """\n\n"""\n\n    def g(): """\n"""\n'


def test_a_signature_that_mentions_what_ormlint_reads_keeps_its_place():
    source = (
        "class A:\n    def f(self, c=Column(Integer)):\n        x = 1\n        return x\n"
        "\n    def g(self):\n        return 2\n"
    )
    narrowed = _narrow(source)
    assert narrowed == (
        'class A:\n    def f(self, c=Column(Integer)):\n        """\n"""\n\n    def g(): """\n"""\n'
    )


def test_a_name_split_from_its_def_keeps_the_signature():
    source = "class A:\n    async \\\n    def f(self):\n        print(1)\n        print(2)\n"
    assert _narrow(source) == 'class A:\n    async \\\n    def f(self):\n        """\n"""\n'


@pytest.mark.parametrize(
    "source",
    [
        "class A:\n    def f(self): return 1\n",  # the body on the def line
        "class A:\n    def f(\n        self,\n    ): return 1\n",  # after a multi-line signature
        "class A:\n    def f(self): x = 1; return x\n",
    ],
)
def test_a_body_that_shares_a_line_with_its_header_is_kept(source):
    assert _narrow(source) == source


def test_async_decorated_nested_and_module_level_functions():
    source = '''\
        import functools


        def plain(a):
            print(a)
            print(a)


        def helper():
            return compute()


        def unused_helper():
            return compute()


        class Service:
            default = helper()

            @functools.cache
            async def fetch(self, key):
                data = await self.client.get(key)
                print(data)

            def outer(self):
                def inner():
                    print(1)
                    print(2)
                print(inner)
                print(inner)
        '''
    source = textwrap.dedent(source)
    narrowed = _narrow(source)
    lines = narrowed.splitlines()
    assert lines[3] == 'def plain(): """'  # module level, no return
    assert lines[9] == "    return compute()"  # helper(): its returns are looked up by name
    assert lines[12] == 'def unused_helper(): """'  # its name is written nowhere else
    assert lines[19:21] == ["    @_", '    async def fetch(): """']  # still decorated and async
    assert lines[24] == '    def outer(): """'  # outer() blanked whole, inner() with it
    assert "inner" not in narrowed.partition("def outer")[2]


def test_a_function_inside_a_kept_function_is_narrowed_on_its_own():
    source = '''\
        def upgrade():
            op.add_column("t", sa.Column("x", sa.Integer()))

            def log(message):
                print(message)
                print(message)
            log("done")
        '''
    narrowed = _narrow(source)
    assert 'sa.Column("x"' in narrowed
    assert _blanked(textwrap.dedent(source), narrowed) == [4, 5, 6]


@pytest.mark.parametrize(
    "body",
    [
        "return sa.Column(sa.Integer)",
        "x = mapped_column()",
        "return relationship('User')",
        "self.parent = relationship('Parent')",
        "kind = sqlmodel.Relationship()",
        "name = 'declared_attr'",
        "cls.__tablename__ = 'x'",
        "cls.__table_args__ = ()",
        "from sqlalchemy import select",
        "import sqlmodel",
        "class Inner(Base): pass",
        "self.password = pwd_context.hash(value)",  # ORM801 reads method bodies
        "self.token = Fernet(key).encrypt(value)",
        "print(1)  # a comment naming a Column is enough",
    ],
)
def test_a_body_with_a_marker_is_kept(body):
    source = f"class A:\n    def f(self, value):\n        {body}\n        print(value)\n"
    assert _narrow(source) == source


def test_an_import_alias_of_a_read_name_is_a_marker():
    source = '''\
        from sqlalchemy import Column as C
        import sqlalchemy.orm.declared_attr as da


        def make_id():
            x = C(Integer, primary_key=True)
            print(x)


        class Mixin:
            @da
            def owner(cls):
                print(cls)
                print(cls)

            def other(self):
                print(self)
                print(self)
        '''
    source = textwrap.dedent(source)
    narrowed = _narrow(source)
    assert "x = C(Integer" in narrowed
    assert "print(cls)" in narrowed  # the declared_attr body, through the alias
    assert _blanked(source, narrowed) == [16, 17, 18]


def test_declared_attr_bodies_are_kept():
    source = '''\
        class Mixin:
            @declared_attr
            def tenant_id(cls):
                print(cls)
                return make()

            @sa.orm.declared_attr.directive
            def __mapper_args__(cls):
                print(cls)
                return {}
        '''
    assert _narrow(source) == textwrap.dedent(source)


@pytest.mark.parametrize(
    "body",
    [
        '"""Only a docstring."""',
        '"""A docstring\n\n    over several lines.\n    """',
        "...",
    ],
)
def test_docstring_only_bodies(body):
    source = f"class A:\n    def f(self):\n        {body}\n"
    narrowed = _narrow(source)
    assert narrowed.count("\n") == source.count("\n")


def test_comment_lines_inside_and_after_a_body():
    source = textwrap.dedent('''\
        class A:
            def f(self):
                # leading comment
                print(1)
        # a comment at column 0 inside the body
                print(2)  # trailing comment
            # a comment after the body stays

            x = 1
        ''')
    narrowed = _narrow(source)
    assert _blanked(source, narrowed) == [2, 3, 4, 5, 6]  # from the def line to the last statement
    assert "# a comment after the body stays" in narrowed


def test_tab_indentation_and_crlf_line_endings():
    source = "class A:\r\n\tdef f(self):\r\n\t\tprint(1)\r\n\t\tprint(2)\r\n\tx = 1\r\n"
    narrowed = _narrow(source)
    assert narrowed == 'class A:\r\n\tdef f(): """\r\n\r\n"""\r\n\tx = 1\r\n'


def test_a_body_at_the_end_of_a_file_without_a_final_newline():
    source = "def f():\n    print(1)\n    print(2)"
    assert _narrow(source) == 'def f(): """\n\n"""'


def test_unicode_and_characters_that_str_splitlines_breaks_at():
    # \x0c, \x1c and \u2028 are not line ends for Python: they must not shift line numbers.
    source = (
        "class Café:\n"
        "    def f(self):\n"
        "        s = 'naïve \u2028 \x1c text'\n"
        "        print(s)\n"
        "    x = 'ünïcode'  # \u2028\n"
        "\x0c\n"
        "def g():\n"
        "    print('日本')\n"
        "    print('語')\n"
    )
    narrowed = _narrow(source)
    assert _blanked(source, narrowed) == [2, 3, 4, 7, 8, 9]
    assert narrowed.splitlines()[1] == '    def f(): """'


def test_a_lone_carriage_return_turns_narrowing_off():
    source = "def f():\r    print(1)\r    print(2)\r"
    assert narrowed_source(source, ast.parse(source)) is source


def test_parse_narrowed_gives_nodes_at_their_original_positions():
    source = "class A:\n    def f(self):\n        print(1)\n        print(2)\n    y = 2\n"
    module = parse_narrowed(source, ast.parse(source))
    cls = module.body[0]
    assignment = cls.body.body[1].body[0]
    positions = node_positions(module, [assignment])
    assert (positions[assignment].start.line, positions[assignment].start.column) == (5, 4)


# -- the parse without validation ----------------------------------------------------------------


def test_the_unvalidated_parse_builds_the_same_trees():
    sources = [decode(p.read_bytes()) for p in FIXTURE_FILES]
    sources += [module for _, source in EXAMPLES for module in python_sources(source)]
    for source in sources:
        assert parse_module(source).deep_equals(cst.parse_module(source)), source


def test_validation_and_the_collector_come_back_after_the_parse():
    for source in ("x = 1\n", "x = (\n"):  # a parse that succeeds and one that raises
        try:
            parse_module(source)
        except cst.ParserSyntaxError:
            pass
        assert gc.isenabled()
        with pytest.raises(cst.CSTValidationError):
            cst.Name("not a name")  # nodes built outside the parse are still validated
    gc.disable()
    try:
        parse_module("x = 1\n")
        assert not gc.isenabled()  # a caller's own choice is left alone
    finally:
        gc.enable()


# -- soundness: the findings ----------------------------------------------------------------------


def _findings(source: str, path: str, narrow: bool, monkeypatch: pytest.MonkeyPatch) -> list:
    with monkeypatch.context() as patch:
        patch.setattr(analysis, "NARROW_PARSE", narrow)
        return analysis.analyse_source(source, path, CODES)


def _comparable(findings: list) -> list:
    # Finding equality may leave the fix out: compare it explicitly.
    return [(f, f.fix) for f in findings]


def test_the_inputs_are_there():
    assert len(FIXTURE_FILES) >= 5
    assert len(EXAMPLES) >= 2 * len(RULES)


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fixture_findings_do_not_depend_on_narrowing(path, monkeypatch):
    source = decode(path.read_bytes())
    narrowed = _findings(source, str(path), True, monkeypatch)
    assert _comparable(narrowed) == _comparable(_findings(source, str(path), False, monkeypatch))


# Blankable code added to every input, so that the soundness tests do blank something before and
# inside each class (most rule examples have no function bodies of their own).
_MODULE_PROBE = """\
@_probe_decorator(
    "x",
)
def _narrowing_probe(
    values: list[int],
    scale: int = 2,
) -> None:
    total = 0
    for value in values:
        total += value
    print(total)


"""
_METHOD_PROBE = """\

@staticmethod
async def _narrowing_probe_method(self, values):
    seen = set()
    for value in values:
        seen.add(value)
    print(sorted(seen))
"""


def with_probes(source: str) -> str:
    """`source` with a blankable function before its first top-level def or class and a
    blankable method at the end of every class whose body has lines of its own."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    inserts: list[tuple[int, str]] = []  # (insert before this 0-based line, text)
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.body[0].lineno > node.lineno:
            indent = " " * node.body[0].col_offset
            method = "".join(indent + line if line.strip() else line
                             for line in _METHOD_PROBE.splitlines(keepends=True))
            inserts.append((node.end_lineno, method))
    first = next((n for n in tree.body if isinstance(n, (ast.ClassDef, ast.FunctionDef))), None)
    if first is not None:
        start = min([first.lineno] + [d.lineno for d in first.decorator_list])
        inserts.append((start - 1, _MODULE_PROBE))
    for at, text in sorted(inserts, key=lambda item: item[0], reverse=True):
        lines.insert(at, text)
    return "".join(lines)


def _run(directory: Path, narrow: bool, monkeypatch: pytest.MonkeyPatch) -> list:
    with monkeypatch.context() as patch:
        patch.setattr(analysis, "NARROW_PARSE", narrow)
        # the example's own configuration (ORM730's target-dialect) applies
        settings = load_settings([directory]).with_overrides(select=("ALL",))
        return engine.run([directory], settings, jobs=1, cache_dir=None).findings


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_probed_fixture_findings_do_not_depend_on_narrowing(path, monkeypatch):
    source = with_probes(decode(path.read_bytes()))
    narrowed = _findings(source, str(path), True, monkeypatch)
    assert _comparable(narrowed) == _comparable(_findings(source, str(path), False, monkeypatch))


@pytest.mark.parametrize("probed", [False, True], ids=["as-documented", "probed"])
@pytest.mark.parametrize(("name", "source"), EXAMPLES, ids=[name for name, _ in EXAMPLES])
def test_rule_example_findings_do_not_depend_on_narrowing(name, source, probed, monkeypatch, tmp_path):
    files = example_files(source)  # a project (models and migrations), or one module
    if probed:
        if files is None:
            source = with_probes(source)
        else:
            files = {p: with_probes(textwrap.dedent(t)) if p.endswith(".py") else t for p, t in files.items()}
    if files is None:
        narrowed = _findings(source, "models.py", True, monkeypatch)
        assert _comparable(narrowed) == _comparable(_findings(source, "models.py", False, monkeypatch))
        files = {"models.py": source}
    # File and project rules through `engine.run`.
    (tmp_path / "pyproject.toml").write_text("[tool.ormlint]\n", encoding="utf-8")
    for path, text in files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(textwrap.dedent(text), encoding="utf-8")
    with_narrowing = _run(tmp_path, True, monkeypatch)
    assert _comparable(with_narrowing) == _comparable(_run(tmp_path, False, monkeypatch))
    if "-invalid-" in name and not probed:  # the example really was analysed
        assert name.partition("-")[0] in {f.code for f in with_narrowing}


@pytest.mark.parametrize("probed", [False, True], ids=["as-documented", "probed"])
def test_file_facts_do_not_depend_on_narrowing(probed, monkeypatch):
    sources = [(str(p), decode(p.read_bytes())) for p in FIXTURE_FILES]
    sources += [(f"{name}.py", module) for name, source in EXAMPLES for module in python_sources(source)]
    for path, source in sources:
        source = with_probes(source) if probed else source
        with monkeypatch.context() as patch:
            patch.setattr(analysis, "NARROW_PARSE", False)
            whole = analysis.analyse_file(source, path, CODES).facts
        assert analysis.analyse_file(source, path, CODES).facts == whole, path


def test_findings_with_the_default_rules_do_not_depend_on_narrowing(monkeypatch):
    """Without ORM801 selected, the methods it reads are blanked too."""
    default = frozenset(default_codes())
    assert "ORM801" not in default
    sources = [(str(p), decode(p.read_bytes())) for p in FIXTURE_FILES]
    sources += [(f"{name}.py", module) for name, source in EXAMPLES for module in python_sources(source)]
    for path, source in sources:
        for text in (source, with_probes(source)):
            with monkeypatch.context() as patch:
                patch.setattr(analysis, "NARROW_PARSE", False)
                whole = analysis.analyse_file(text, path, default)
            narrowed = analysis.analyse_file(text, path, default)
            assert (_comparable(narrowed.findings), narrowed.facts) == (_comparable(whole.findings), whole.facts)


def test_findings_of_the_rules_that_declare_no_reads_do_not_depend_on_narrowing(monkeypatch):
    """With no rule that declares a read selected, every declared read is blanked too: no other
    rule reads anything beyond what the model extractor keeps."""
    declaring = {code for code in RULES if code in BODY_PATTERNS or code in RULE_READS}
    assert declaring  # (the test is not vacuous)
    codes = CODES - declaring
    sources = [(str(p), decode(p.read_bytes())) for p in FIXTURE_FILES]
    sources += [(f"{name}.py", module) for name, source in EXAMPLES for module in python_sources(source)]
    for path, source in sources:
        for text in (source, with_probes(source)):
            with monkeypatch.context() as patch:
                patch.setattr(analysis, "NARROW_PARSE", False)
                whole = analysis.analyse_file(text, path, codes)
            narrowed = analysis.analyse_file(text, path, codes)
            assert (_comparable(narrowed.findings), narrowed.facts) == (_comparable(whole.findings), whole.facts)


def test_helper_returns_are_kept_only_while_a_rule_that_reads_them_is_selected():
    source = "def utcnow():\n    print(1)\n    return now()\n\n\nclass Event:\n    created = utcnow()\n"
    tree = ast.parse(source)
    readers = {code for code, reads in RULE_READS.items() if MODULE_FUNCTION_RETURNS in reads}
    assert narrowed_text(source, tree, CODES) == source
    assert narrowed_text(source, tree, readers) == source
    blanked = narrowed_text(source, tree, CODES - readers)
    assert blanked.splitlines()[:4] == ['def utcnow(): """', "", '"""', ""]


def test_credential_methods_are_kept_only_when_orm801_is_selected():
    source = "class A:\n    def set_password(self, value):\n        self.password = pwd_context.hash(value)\n"
    tree = ast.parse(source)
    assert narrowed_source(source, tree, [BODY_PATTERNS["ORM801"]]) == source
    assert narrowed_source(source, tree, []) == 'class A:\n    def set_password(): """\n"""\n'


def test_narrowing_blanks_something_in_the_inputs():
    """The soundness tests above are not vacuous: narrowing changes some of their texts."""
    sources = [decode(p.read_bytes()) for p in FIXTURE_FILES]
    sources += [module for _, source in EXAMPLES for module in python_sources(source)]
    assert any(narrowed_source(s, ast.parse(s)) != s for s in sources)
    probed = [with_probes(s) for s in sources]
    changed = [s for s in probed if narrowed_source(s, ast.parse(s)) != s]
    assert len(changed) > len(sources) // 2  # every input with a def or class


# Inputs whose findings DO depend on a function body: blanking that body would change them.
# Each is checked both ways: identical findings with the real narrowing, different ones when
# every body is blanked (so the case really exercises a body ormlint reads).
BODY_READING_CASES = {
    "alembic-upgrade-columns": '''\
        import sqlalchemy as sa
        from alembic import op


        def upgrade():
            op.add_column("t", sa.Column("created", sa.DateTime(), server_default="now()"))
            print("done")
        ''',
    "aliased-column-in-a-factory": '''\
        from sqlalchemy import Column as C, DateTime


        def created_column():
            made = C(DateTime, server_default="now()")
            print(made)
            print(made)
        ''',
    "frozen-default-helper": '''\
        from datetime import datetime, timezone

        from sqlalchemy import Column, DateTime
        from sqlalchemy.orm import declarative_base

        Base = declarative_base()


        def utcnow():
            print("called")
            return datetime.now(timezone.utc)


        class Event(Base):
            __tablename__ = "event"
            created = Column(DateTime, default=utcnow())
        ''',
    "declared-attr-column": '''\
        from sqlalchemy import DateTime
        from sqlalchemy.orm import Mapped, declared_attr as da, mapped_column


        class Stamped:
            @da
            def created(cls) -> Mapped[int | None]:
                print(cls)
                return mapped_column(DateTime, server_default="now()")
        ''',
    "orm801-hashing-method": '''\
        from sqlalchemy import String
        from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


        class Base(DeclarativeBase):
            pass


        class Account(Base):
            __tablename__ = "account"
            id: Mapped[int] = mapped_column(primary_key=True)
            password: Mapped[str] = mapped_column(String(200))

            def set_password(self, raw):
                print("setting")
                self.password = bcrypt_it(raw)
        ''',
}


def _blank_every_body(monkeypatch: pytest.MonkeyPatch) -> None:
    import ormlint.narrow as narrow

    monkeypatch.setattr(narrow, "_may_blank", lambda *args: True)


@pytest.mark.parametrize("name", sorted(BODY_READING_CASES))
def test_bodies_ormlint_reads_are_kept(name, monkeypatch):
    source = textwrap.dedent(BODY_READING_CASES[name])
    plain = _findings(source, "models.py", False, monkeypatch)
    assert _comparable(_findings(source, "models.py", True, monkeypatch)) == _comparable(plain)
    with monkeypatch.context() as patch:
        _blank_every_body(patch)
        assert _comparable(_findings(source, "models.py", True, patch)) != _comparable(plain)


@pytest.mark.parametrize("decorated", ["@functools.wraps(g)\n        def inner():", "@a\n        @b\n        def inner():"])
def test_a_body_that_begins_with_a_decorated_definition(decorated):
    # The body starts at the decorator, not at the `def`/`class` line that ast calls its lineno
    # (regression: the decorator was left in place above the blanked body, which then failed to
    # parse).
    source = f"""\
class A:
    def f(self, g):
        {decorated}
            print(1)
        print(2)

    x = 1
"""
    narrowed = _narrow(source)
    blank_lines = "\n" * (source.count("\n") - 4)
    assert narrowed == f'class A:\n    def f(): """{blank_lines}"""\n\n    x = 1\n'


def test_decorators_over_several_lines_become_one_string():
    source = (
        "class Tests:\n"
        "    @pytest.mark.parametrize(\n"
        "        \"a\",\n"
        "        [1, 2],\n"
        "    )\n"
        "    def test_a(self, a):\n"
        "        print(a)\n"
        "        print(a)\n"
    )
    narrowed = _narrow(source)
    assert narrowed.splitlines() == [
        "class Tests:", '    @_("""', "", "", '""")', '    def test_a(): """', "", '"""',
    ]
    method = parse_module(narrowed).body[0].body.body[0]
    assert method.name.value == "test_a" and len(method.decorators) == 1


def test_read_names_count_as_whole_identifiers_only():
    source = "def where(q):\n    q = q.where(ColumnElement)\n    print(q)\n"
    assert _narrow(source) == 'def where(): """\n\n"""\n'


def test_a_helper_whose_name_is_written_nowhere_else_loses_its_returns():
    source = "def called():\n    print(1)\n    return now()\n\n\ndef alone():\n    print(1)\n    return now()\n\n\nx = called\n"
    narrowed = _narrow(source)
    assert "return now()" in narrowed.partition("def alone")[0]
    assert "return now()" not in narrowed.partition("def alone")[2]


def test_a_helper_called_only_inside_blanked_bodies_loses_its_returns():
    # Only a call in the narrowed text can reach ORM302 (`default=helper()`); an app factory
    # calling its setup helpers is blanked with them.
    source = (
        "def configure(app):\n    print(1)\n    return app\n\n\n"
        "def create_app():\n    app = make()\n    configure(app)\n\n\n"
        "def stamp():\n    print(1)\n    return now()\n\n\n"
        "class Event:\n    created = stamp()\n"
    )
    narrowed = _narrow(source)
    assert narrowed.splitlines()[0] == 'def configure(): """'
    assert "return now()" in narrowed


def test_a_helper_named_in_a_kept_helper_is_kept_too():
    # Keeping `outer` brings its body back, and the call of `inner` in it (a second round).
    source = (
        "def inner():\n    print(1)\n    return now()\n\n\n"
        "def outer():\n    print(1)\n    return inner()\n\n\n"
        "class Event:\n    created = outer()\n"
    )
    assert _narrow(source) == source


def test_names_in_other_unicode_forms_are_matched_as_python_reads_them():
    # `ｕtcnow` and `Ｃ` are `utcnow` and `C` to Python (NFKC), and libcst keeps them as written.
    source = (
        "from sqlalchemy import Column as Ｃ\n\n\n"
        "def utcnow():\n    print(1)\n    return now()\n\n\n"
        "def factory():\n    made = Ｃ(Integer)\n    print(made)\n\n\n"
        "x = ｕtcnow()\n"
    )
    assert _narrow(source) == source


def test_decorated_and_async_helpers_lose_their_returns_even_when_named_elsewhere():
    # ORM302 follows only plain module-level helpers (`_is_frozen_helper` turns decorated and
    # async ones away): pytest fixtures and async helpers, however often named, are blanked.
    source = (
        "@fixture\ndef user():\n    print(1)\n    return make()\n\n\n"
        "async def load():\n    print(1)\n    return await fetch()\n\n\n"
        "def plain():\n    print(1)\n    return now()\n\n\n"
        "x = [user, load, plain]\n"
    )
    narrowed = _narrow(source)
    assert "return make()" not in narrowed and "return await fetch()" not in narrowed
    assert "return now()" in narrowed
