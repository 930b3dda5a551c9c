"""Where findings and fixes are: source ranges of the libcst nodes rules report, computed for
those nodes only (libcst's own position pass visits the whole tree)."""

from __future__ import annotations

import ast
import functools
from contextlib import contextmanager
from typing import Any, Mapping, Sequence

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from ormlint.model.names import syntax_children


class WholeParseNeeded(Exception):
    """Positions in an assembled module could not be placed statement by statement."""


def node_positions(
    module: cst.Module, nodes: Sequence[cst.CSTNode], tree: ast.Module | None = None,
    by_statement_only: bool = False,
) -> Mapping[cst.CSTNode, Any]:
    """Source ranges of `nodes` (and their descendants). A code-generation pass recording
    ranges only for these nodes: about a fifth of the cost of libcst's PositionProvider through
    MetadataWrapper, which also visits the whole tree for nothing. With the module's `ast` tree,
    only the top-level statements holding the nodes are generated, each placed at the line the
    `ast` tree gives it."""
    targets: set[cst.CSTNode] = set()
    stack = list(nodes)
    while stack:
        node = stack.pop()
        if node not in targets:
            targets.add(node)
            stack.extend(node.children)  # small subtrees: the reported expressions
    try:
        if tree is not None:
            found = _positions_by_statement(module, tree, nodes, frozenset(targets))
            if found is not None:
                return found
        if by_statement_only:
            raise WholeParseNeeded
        return _targeted_positions(module, frozenset(targets))
    except (WholeParseNeeded, MemoryError):
        raise  # (the public way needs more memory still)
    except Exception:  # libcst's internals moved: the public, slower way gives the same ranges
        if by_statement_only:
            raise WholeParseNeeded from None
        return MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)


def _ast_statements(statements: Sequence[cst.CSTNode], block: list[ast.stmt]) -> list[ast.stmt] | None:
    """The `ast` statement at the syntactic start of each libcst statement of a block (its
    keyword, or its first small statement); None when the two do not line up."""
    found = []
    position = 0
    for stmt in statements:
        if position >= len(block):
            return None
        found.append(block[position])
        position += len(stmt.body) if isinstance(stmt, cst.SimpleStatementLine) else 1
    return found if position == len(block) else None


def _positions_by_statement(
    module: cst.Module, tree: ast.Module, roots: Sequence[cst.CSTNode], targets: frozenset
) -> dict | None:
    placed = _ast_statements(module.body, tree.body)
    if placed is None:
        return None
    wanted = set(roots)
    chosen = []
    for index, stmt in enumerate(module.body):
        if not wanted:
            break
        inside = _wanted_inside(stmt, wanted)
        if inside:
            chosen.append((index, inside))
            wanted -= inside
    if wanted:
        return None  # a node outside every statement (the module's header): generate it all
    computed: dict = {}
    for index, inside in chosen:
        stmt = module.body[index]
        if not _positions_in_class_body(module, stmt, placed[index], inside, targets, computed):
            _place(module, stmt, placed[index], targets, computed)
    return computed


def _wanted_inside(stmt: cst.CSTNode, wanted: set) -> set:
    """The nodes of `wanted` that are `stmt` or under it."""
    inside = set()
    stack = [stmt]
    while stack:
        node = stack.pop()
        if node in wanted:
            inside.add(node)
        stack.extend(syntax_children(node))
    return inside


def _place(
    module: cst.Module, stmt: cst.CSTNode, placed: ast.stmt, targets: frozenset, into: dict,
    indents: Sequence[str] = (),
) -> None:
    """Positions in `stmt` from generating it alone, moved to the line `ast` gives it. `indents`:
    the indentation of the blocks around it, which its lines begin with."""
    from libcst._position import CodePosition, CodeRange  # internals: see node_positions' fallback

    relative = _targeted_positions(module, targets, root=stmt, indents=indents)
    shift = placed.lineno - relative[stmt].start.line
    for node, span in relative.items():
        if node is stmt and stmt not in targets:
            continue
        into[node] = CodeRange(
            CodePosition(span.start.line + shift, span.start.column),
            CodePosition(span.end.line + shift, span.end.column),
        )


def _positions_in_class_body(
    module: cst.Module, stmt: cst.CSTNode, placed: ast.stmt, inside: set, targets: frozenset,
    into: dict,
) -> bool:
    """A class whose wanted nodes all sit in simple statements of its body: only those statements
    are generated (a model class is most of a model file). False when that does not apply."""
    if not (
        isinstance(stmt, cst.ClassDef) and isinstance(placed, ast.ClassDef)
        and isinstance(stmt.body, cst.IndentedBlock)
    ):
        return False
    body = stmt.body.body
    body_placed = _ast_statements(body, placed.body)
    if body_placed is None:
        return False
    wanted = set(inside)
    chosen = []
    for index, child in enumerate(body):
        found = _wanted_inside(child, wanted) if wanted else set()
        if found:
            if not isinstance(child, cst.SimpleStatementLine):
                return False  # a nested block would lose its indentation when generated alone
            chosen.append(index)
            wanted -= found
    if wanted:
        return False  # the class itself, its name, bases or decorators
    indents = [stmt.body.indent if stmt.body.indent is not None else module.default_indent]
    for index in chosen:
        _place(module, body[index], body_placed[index], targets, into, indents)
    return True


def _targeted_positions(
    module: cst.Module, targets: frozenset[cst.CSTNode], root: cst.CSTNode | None = None,
    indents: Sequence[str] = (),
) -> dict:
    """Ranges of the `targets` under `root` (default: the whole module), and of `root` itself,
    from generating `root`'s code."""
    state = _targeted_state_class()(
        default_indent=module.default_indent,
        default_newline=module.default_newline,
        provider=PositionProvider(),
    )
    state.targets = targets
    state.root = root
    state.computed = {}
    state.indent_tokens.extend(indents)
    (root or module)._codegen(state)
    return state.computed


@functools.lru_cache(maxsize=None)
def _targeted_state_class() -> type:
    """The code-generation state recording ranges for its `targets` and `root` only. Made once:
    a class made per call would sit in a reference cycle with what its methods close over (the
    targets of every finding), kept until the paused collector runs, once per statement placed."""
    from libcst._position import CodePosition, CodeRange
    from libcst.metadata.position_provider import PositionProvidingCodegenState

    class TargetedState(PositionProvidingCodegenState):
        targets: frozenset
        root: Any
        computed: dict

        def wanted(self, node: cst.CSTNode) -> bool:
            return node in self.targets or node is self.root

        # Nodes without a syntactic range of their own get the whitespace-inclusive one, as in
        # libcst's PositionProvider.
        def before_codegen(self, node: cst.CSTNode) -> None:
            if self.wanted(node):
                self._stack.append(CodePosition(self.line, self.column))

        def after_codegen(self, node: cst.CSTNode) -> None:
            if self.wanted(node):
                start = self._stack.pop()
                if node not in self.computed:
                    self.computed[node] = CodeRange(start, CodePosition(self.line, self.column))

        @contextmanager
        def record_syntactic_position(self, node, *, start_node=None, end_node=None):
            if not self.wanted(node):
                yield
                return
            computed = self.computed
            start = CodePosition(self.line, self.column)
            yield
            end = CodePosition(self.line, self.column)
            if start_node is not None and start_node in computed:
                start = computed[start_node].start
            if end_node is not None and end_node in computed:
                end = computed[end_node].end
            computed[node] = CodeRange(start, end)

    return TargetedState
