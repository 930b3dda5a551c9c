"""The engine every front end calls: discover files, analyse each, filter, return findings."""

from __future__ import annotations

import ast
import dataclasses
import functools
import gc
import os
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Mapping, Sequence

from ormlint import progress
from ormlint.codes import PARSE_ERROR_CODE, RULE_CODES, RuleOptions
from ormlint.config import Settings
from ormlint.facts import (
    FileFacts, ProjectIndex, configures_type_map, flask_naming, text_facts, unparsed_facts,
)
from ormlint.findings import Finding
from ormlint.noqa import is_suppressed
from ormlint.sources import SkippedFile, decode, lines_on_disk, read_file, text_size, too_large
from ormlint.syntax import newline_of, python_lines, with_newline

# libcst and the rules are imported where a file is analysed: a run whose every result is cached
# never loads them.
if TYPE_CHECKING:
    import libcst as cst

    from ormlint.model.types import FileModel
    from ormlint.rules import Violation
    from ormlint.statements import StatementCache

# A file can hold something a rule reports only if it names SQLAlchemy (an import that the name
# resolution needs) or calls a Flask-SQLAlchemy handle (`db.Column(`): every rule resolves its
# constructs through one of these, so skipping files without them never loses a finding.
PREFILTER_MARKERS = ("sqlalchemy", "sqlmodel", "Column(", "relationship(", "mapped_column(")
# Below this many files a process pool costs more than it saves (editor, pre-commit).
PARALLEL_THRESHOLD = 16
# libcst parses the text with the function bodies no rule reads blanked (ormlint/narrow.py); the
# findings are the same either way, and tests turn it off to prove it.
NARROW_PARSE = True


def may_contain_models(source: str) -> bool:
    return any(marker in source for marker in PREFILTER_MARKERS)


# Any class statement, whatever follows the keyword (a non-ASCII name, a line continuation):
# broader than facts.text_facts' pattern, which only collects plain names.
_ANY_CLASS_STATEMENT = re.compile(r"^[ \t\f]*class\b", re.MULTILINE)


def may_declare_models(source: str) -> bool:
    """The second look, for a file that passes the prefilter: can its model hold anything at all?
    Only class statements and the constructors of `MODULE_DECLARATION_NAMES` put something in it,
    and both are written in the text (a class statement always begins a line; an identifier is
    compared as Python reads it, NFKC-normalised). A file without them (queries, services,
    endpoints, tests) has no findings and declares nothing, and libcst is not needed for it."""
    from ormlint.model.extract import MODULE_DECLARATION_NAMES
    from ormlint.syntax import as_python_reads

    if _ANY_CLASS_STATEMENT.search(source):
        return True
    text = as_python_reads(source)
    return any(name in text for name in MODULE_DECLARATION_NAMES)


def default_codes() -> list[str]:
    return [code for code, default in sorted(RULE_CODES.items()) if default] + [PARSE_ERROR_CODE]


def all_codes() -> list[str]:
    return [*sorted(RULE_CODES), PARSE_ERROR_CODE]


@dataclass(frozen=True)
class RunResult:
    findings: list[Finding]
    files_checked: int
    index: ProjectIndex | None = None  # the project phase's index (None: its findings were cached)
    warnings: list[str] = field(default_factory=list)  # for stderr: the run went on regardless
    files: tuple[Path, ...] = ()  # the files checked, as the run found them


# -- one file ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileResult:
    findings: list[Finding]
    facts: FileFacts  # what the file declares, for project rules
    # For an Alembic revision file of the run's migrations: the revision, read from the same parse.
    revision: Any = None


def analyse_source(
    source: str,
    path: str,
    codes: frozenset[str],
    ignored: Sequence[str] = (),
    apply_noqa: bool = True,
    tree: ast.Module | None = None,
    options: RuleOptions | None = None,
    statements: StatementCache | None = None,
) -> list[Finding]:
    """All findings for one file's text on its own, as `ormlint check FILE` gives them: file
    rules, then project rules over a one-file index (so "not found" verdicts stay silent). After
    per-file ignores and (unless the caller does it itself, as flake8 does) `# noqa` comments.
    `tree`: the caller's own `ast` parse of the text (flake8 has one), reused. `statements`:
    top-level statements parsed at earlier lints of the text (the language server)."""
    result = analyse_file(source, path, codes, ignored, apply_noqa, tree, options, statements=statements)
    index = ProjectIndex.build([result.facts], whole_project=False)
    lines = python_lines(source)
    project = project_findings(
        index, codes, {path: tuple(ignored)}, lines_for=lambda _: lines, apply_noqa=apply_noqa,
        options=options,
    )
    return sorted(result.findings + project) if project else result.findings


def analyse_file(
    source: str,
    path: str,
    codes: frozenset[str],
    ignored: Sequence[str] = (),
    apply_noqa: bool = True,
    tree: ast.Module | None = None,
    options: RuleOptions | None = None,
    revision_name: str | None = None,
    statements: StatementCache | None = None,
) -> FileResult:
    """One file's findings and facts. `revision_name`: the file is also a revision of the run's
    migrations, read (as that name) from the same whole-text parse. `statements`: see
    `analyse_source`."""
    with _collector_paused():
        if revision_name is None:
            return _analyse_file(
                source, path, codes, ignored, apply_noqa, tree, options, statements=statements
            )
        from ormlint.migrations import parse_revision, read_revision

        trees: list = []
        result = _analyse_file(source, path, codes, ignored, apply_noqa, tree, options, trees)
        revision = (
            read_revision(revision_name, source, *trees) if trees
            else parse_revision(revision_name, source)
        )
        return dataclasses.replace(result, revision=revision)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused while one file is analysed: the syntax trees and
    the model hold no cycles, yet every collection would walk their hundreds of thousands of
    young objects (about an eighth of the time). Whatever the file left behind is collected
    after it, as usual."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _analyse_file(
    source: str,
    path: str,
    codes: frozenset[str],
    ignored: Sequence[str],
    apply_noqa: bool,
    tree: ast.Module | None,
    options: RuleOptions | None,
    whole_trees: list | None = None,
    statements: StatementCache | None = None,
) -> FileResult:
    """`whole_trees`: parse the whole text (no narrowing) and append the `ast` and libcst trees."""
    if ignored:
        codes = frozenset(c for c in codes if not any(c.startswith(p) for p in ignored))
    if not may_contain_models(source):
        return FileResult([], text_facts(path, source))
    from ormlint.narrow import narrowed_text, parse_module, parse_narrowed
    from ormlint.syntax import newer_syntax_tree, parse_python, tree_without_fstrings

    unparsed = unparsed_facts(path, source)
    # CPython's parser first: about a tenth of libcst's cost, and it turns away the pathological
    # nesting on which libcst's native parser takes minutes or overflows the C stack.
    syntax_error: SyntaxError | None = None
    try:
        if tree is None:
            tree = parse_python(source)
    except SyntaxError as error:
        # Maybe syntax newer than this interpreter (`type X = ...` on 3.11): libcst may know it.
        if "too many nested" in error.msg or _nests_too_deep(source):
            return FileResult(_unparsable(path, source, codes, error), unparsed)
        syntax_error = error
        tree = newer_syntax_tree(source)  # `class A[T]:` on 3.11: where things are, for narrowing
    except (RecursionError, ValueError, MemoryError) as error:
        return FileResult(_unparsable(path, source, codes, error), unparsed)
    if syntax_error is None and whole_trees is None and not may_declare_models(source):
        return FileResult([], FileFacts(
            path, custom_type_map=configures_type_map(source), flask_naming=flask_naming(source),
        ))
    narrow = NARROW_PARSE and tree is not None and whole_trees is None
    if narrow and statements is not None and syntax_error is None:
        module = statements.parse(narrowed_text(source, tree, codes), tree)
        if module is not None:
            try:
                return _checked(module, source, path, codes, apply_noqa, tree, options, True)
            except (_WholeParseNeeded, RecursionError):
                pass  # the whole parse below decides
            except Exception:
                if os.environ.get("ORMLINT_DEBUG"):
                    raise
    try:
        module = parse_narrowed(source, tree, codes) if narrow else parse_module(source)
    except Exception as error:
        return FileResult(_unparsable(path, source, codes, syntax_error or error), unparsed)
    if whole_trees is not None and tree is not None and syntax_error is None:
        whole_trees += [tree, module]
    if tree is None and syntax_error is not None and "f-string" in syntax_error.msg:
        tree = tree_without_fstrings(module, source)  # where things are, in 3.12's f-strings
    try:
        return _checked(module, source, path, codes, apply_noqa, tree, options)
    except RecursionError as error:  # libcst's code generation recurses once per nesting level
        return FileResult(_unparsable(path, source, codes, error), unparsed)
    except Exception as error:  # a bug in ormlint must not end the run
        if os.environ.get("ORMLINT_DEBUG"):
            raise
        return FileResult(_internal_error(path, codes, error), unparsed)


MAX_BRACKET_DEPTH = 200  # CPython's own limit; libcst crashes far beyond it
_BRACKETS_ONLY = re.compile(r"[^()\[\]{}]+")


def _nests_too_deep(source: str) -> bool:
    """Do brackets nest deeper than MAX_BRACKET_DEPTH (counting those in strings too)?"""
    if source.count("(") + source.count("[") + source.count("{") <= MAX_BRACKET_DEPTH:
        return False  # not that many brackets at all (counted without a loop in Python)
    depth = deepest = 0
    for char in _BRACKETS_ONLY.sub("", source):  # the loop sees the brackets alone
        if char in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")]}":
            depth = max(0, depth - 1)
    return deepest > MAX_BRACKET_DEPTH


def _checked(
    module: cst.Module, source: str, path: str, codes: frozenset[str], apply_noqa: bool,
    tree: ast.Module | None, options: RuleOptions | None, assembled: bool = False,
) -> FileResult:
    """The file rules' findings on a parsed module, and the file's facts. `assembled`: the module
    was put together statement by statement (`StatementCache`): positions must come from the
    statements, never from the module's own text, which lacks the lines between them."""
    from ormlint.model.extract import extract
    from ormlint.project import file_facts
    from ormlint.rules import RULES

    model = extract(module, source, path)
    violations = [
        v for code, rule in RULES.items() if code in codes for v in rule(options).check(model)
    ]
    findings = _to_findings(model, violations, source, path, apply_noqa, tree, assembled)
    return FileResult(findings, file_facts(model, tree))


class _WholeParseNeeded(Exception):
    """Positions in an assembled module could not be placed statement by statement."""


def _unparsable(path: str, source: str, codes: frozenset[str], error: Exception) -> list[Finding]:
    import libcst as cst

    if PARSE_ERROR_CODE not in codes:
        return []
    line, column = 1, 1
    if isinstance(error, SyntaxError):
        line, column = error.lineno or 1, error.offset or 1
        message = f"cannot parse: SyntaxError: {error.msg}"
    elif isinstance(error, cst.ParserSyntaxError):
        message = f"cannot parse with libcst (valid for this Python): {error.message}"
    elif isinstance(error, RecursionError):
        message = "cannot analyse: expressions nested too deeply"
    else:  # MemoryError, ValueError (null bytes)
        message = f"cannot parse: {short_reason(error)}"
    finding = Finding(path, line, column, PARSE_ERROR_CODE, message, line, column)
    return [] if _suppressed(finding, python_lines(source)) else [finding]


def _internal_error(path: str, codes: frozenset[str], error: Exception) -> list[Finding]:
    if PARSE_ERROR_CODE not in codes:
        return []
    message = f"ormlint internal error ({short_reason(error)}); please report it"
    return [Finding(path, 1, 1, PARSE_ERROR_CODE, message, 1, 1)]


MAX_REASON_LENGTH = 160


def short_reason(error: BaseException) -> str:
    """The exception's type and the first line of its text, truncated: some carry a whole
    syntax tree (a KeyError on a node)."""
    lines = str(error).strip().splitlines()
    reason = f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__
    return reason if len(reason) <= MAX_REASON_LENGTH else reason[: MAX_REASON_LENGTH - 3] + "..."


# An Alembic revision is history: a database that already ran it keeps what it did, whatever the
# file says now (and editing it hides the drift from ORM7xx). Its findings carry no fix.
REVISION_ADVICE = (
    " (not fixed in an Alembic revision, which databases may have run: write a new revision instead)"
)


def _to_findings(
    model: FileModel, violations: list[Violation], source: str, path: str, apply_noqa: bool,
    tree: ast.Module | None = None, by_statement_only: bool = False,
) -> list[Finding]:
    import libcst as cst

    if not violations:
        return []
    history = model.is_alembic_revision  # no fix rewrites one: see REVISION_ADVICE
    fix_nodes = [] if history else [n for v in violations if v.fix for n, _ in v.fix.replacements]
    positions = node_positions(
        model.module, [v.node for v in violations] + fix_nodes, tree, by_statement_only
    )
    lines = python_lines(source)
    newline = newline_of(source)
    findings = []
    for violation in violations:
        node = violation.node
        if node not in positions and isinstance(node, cst.Arg):
            node = node.value  # an argument synthesised from a dict entry (sqlmodel kwargs)
        span = positions[node]
        history_fix = history and violation.fix is not None
        finding = Finding(
            path=path,
            line=span.start.line,
            column=span.start.column + 1,
            code=violation.code,
            message=violation.message + REVISION_ADVICE if history_fix else violation.message,
            end_line=span.end.line,
            end_column=span.end.column + 1,
            fix=None if history else _fix_data(violation, positions, newline),
        )
        if not (apply_noqa and _suppressed(finding, lines)):
            findings.append(finding)
    return sorted(set(findings), key=lambda f: (f.path, f.line, f.column, f.code, f.message))


def _fix_data(violation: Violation, positions: Mapping[cst.CSTNode, Any], newline: str) -> dict | None:
    """A fix as plain data: text edits with 1-based positions (end exclusive), JSON-ready.
    Lines it inserts end with the file's `newline` (for every consumer: --fix, JSON, editors)."""
    fix = violation.fix
    if fix is None:
        return None
    edits = []
    for node, content in fix.replacements:
        span = positions.get(node)
        if span is None:
            return None  # a node without a position (synthesised): no fix rather than a wrong one
        edits.append({
            "line": span.start.line, "column": span.start.column + 1,
            "end_line": span.end.line, "end_column": span.end.column + 1,
            "content": with_newline(content, newline),
        })
    return {"applicability": fix.applicability, "message": fix.message, "edits": edits}


def node_positions(
    module: cst.Module, nodes: Sequence[cst.CSTNode], tree: ast.Module | None = None,
    by_statement_only: bool = False,
) -> Mapping[cst.CSTNode, Any]:
    """Source ranges of `nodes` (and their descendants). A code-generation pass recording
    ranges only for these nodes: about a fifth of the cost of libcst's PositionProvider through
    MetadataWrapper, which also visits the whole tree for nothing. With the module's `ast` tree,
    only the top-level statements holding the nodes are generated, each placed at the line the
    `ast` tree gives it."""
    from libcst.metadata import MetadataWrapper, PositionProvider

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
            raise _WholeParseNeeded
        return _targeted_positions(module, frozenset(targets))
    except (_WholeParseNeeded, MemoryError):
        raise  # (the public way needs more memory still)
    except Exception:  # libcst's internals moved: the public, slower way gives the same ranges
        if by_statement_only:
            raise _WholeParseNeeded from None
        return MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)


def _ast_statements(statements: Sequence[cst.CSTNode], block: list[ast.stmt]) -> list[ast.stmt] | None:
    """The `ast` statement at the syntactic start of each libcst statement of a block (its
    keyword, or its first small statement); None when the two do not line up."""
    import libcst as cst

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
    from ormlint.model.names import syntax_children

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
    from libcst._position import CodePosition, CodeRange

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
    import libcst as cst

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
    from libcst.metadata import PositionProvider

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
    from contextlib import contextmanager

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


def _suppressed(finding: Finding, lines: list[str]) -> bool:
    if 1 <= finding.line <= len(lines):
        return is_suppressed(lines[finding.line - 1], finding.code)
    return False


def check_file(
    path: Path, display: str, codes: frozenset[str], ignored: Sequence[str] = ()
) -> list[Finding]:
    data = read_file(path)
    if isinstance(data, OSError):
        return _unreadable(display, codes, data).findings
    return analyse_bytes(data, display, codes, ignored).findings


def analyse_bytes(
    data: bytes,
    display: str,
    codes: frozenset[str],
    ignored: Sequence[str] = (),
    options: RuleOptions | None = None,
    revision_name: str | None = None,
    apply_noqa: bool = True,
) -> FileResult:
    try:
        source = decode(data)
    except (SyntaxError, UnicodeDecodeError, LookupError) as error:
        return _unreadable(display, codes, error)  # the migration reader says so for itself
    return analyse_file(
        source, display, codes, ignored, apply_noqa, options=options, revision_name=revision_name
    )


def _unreadable(display: str, codes: frozenset[str], error: Exception, what: str = "file") -> FileResult:
    if isinstance(error, SkippedFile):
        message = str(error)
    elif isinstance(error, OSError):
        message = f"cannot read {what}: {error.strerror or type(error).__name__}"
    else:
        message = f"cannot decode file: {error}"
    findings = [Finding(display, 1, 1, PARSE_ERROR_CODE, message, 1, 1)]
    return FileResult(findings if PARSE_ERROR_CODE in codes else [], FileFacts(display, parsed=False))


# -- many files ----------------------------------------------------------------------------------


def discover(
    paths: Iterable[Path], settings: Settings,
    unreadable: list[tuple[str, OSError]] | None = None,
) -> list[tuple[Path, str]]:
    """Python files under `paths` as (path, display path). Explicitly named files always count
    (unless `force_exclude`), whatever their type: reading them says what is wrong. Directories
    the walk cannot list are added to `unreadable` as (display path, error)."""
    paths = list(paths)
    found: list[tuple[Path, str]] = []
    seen: set[object] = set()
    for given in paths:
        if settings.force_exclude and is_excluded_when_named(given, settings):
            continue
        if os.path.isdir(given):  # False, not an error, for a path that cannot be stat'ed
            candidates = list(_walk(given, settings, unreadable))
        else:
            candidates = [(given, str(given))]
        if len(paths) == 1:  # one walk lists each file once: no need to resolve every path
            found.extend(candidates)
            continue
        for path, display in candidates:
            key = _file_identity(path)
            if key not in seen:
                seen.add(key)
                found.append((path, display))
    return found


def _file_identity(path: Path) -> object:
    """Which file a path names, so that each is listed once: its device and inode, one system
    call where resolving every link of the path takes one per directory of it (a tenth of a
    warm run on 2,000 files); the resolved path when it cannot be stat'ed."""
    try:
        status = os.stat(path)
    except (OSError, ValueError):
        return path.resolve()
    if not status.st_ino:  # a file system without inode numbers
        return path.resolve()
    return (status.st_dev, status.st_ino)


def is_excluded_when_named(path: Path, settings: Settings) -> bool:
    """Would `force_exclude` skip this path named on the command line (or `--stdin-filename`):
    an exclude pattern or, with `respect_gitignore`, git's ignore rules?"""
    if settings.is_excluded(path):
        return True
    if not settings.respect_gitignore:
        return False
    from ormlint.gitignore import is_ignored

    return is_ignored(os.fspath(path))


def _walk(
    root: Path, settings: Settings, unreadable: list[tuple[str, OSError]] | None = None
) -> Iterator[tuple[Path, str]]:
    """Regular `.py` files under `root`, depth first in name order, past excludes and (with
    `respect_gitignore`) git's ignore rules. FIFOs, sockets and devices are passed over; a
    symbolic link to a directory is not followed, one to nothing is kept (reading it reports it)."""
    from ormlint.gitignore import GIT_DIR, IGNORE_FILE, GitIgnore

    # Strings until a file is kept: pathlib costs more than the rest of a warm run's walk.
    top = os.fspath(root)
    gitignore = GitIgnore.above(top) if settings.respect_gitignore else None
    stack = [(top, os.path.abspath(top), gitignore)]
    while stack:
        directory, absolute, gitignore = stack.pop()
        try:
            with os.scandir(directory) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError as error:
            if unreadable is not None:
                unreadable.append((os.path.normpath(directory), error))
            continue
        if gitignore is not None:
            names = {entry.name for entry in entries if entry.name in (GIT_DIR, IGNORE_FILE)}
            gitignore = gitignore.entering(absolute, GIT_DIR in names, IGNORE_FILE in names)
        subdirectories = []
        # Joined by concatenation: os.path.join per entry was a third of the walk's own time.
        prefix, absolute_prefix = os.path.join(directory, ""), os.path.join(absolute, "")
        for entry in entries:
            name = entry.name
            path = prefix + name
            if name.endswith(".py") and _is_regular_or_broken(entry):
                is_dir = False
            elif _is_real_directory(entry):
                is_dir = True
            else:
                continue
            if settings.is_excluded(path, walking=True):
                continue
            if gitignore is not None and gitignore.levels and gitignore.ignores(absolute_prefix + name, is_dir):
                continue
            if is_dir:
                subdirectories.append((path, absolute_prefix + name, gitignore))
            else:
                yield Path(path), os.path.normpath(path)
        stack.extend(reversed(subdirectories))


def _is_regular_or_broken(entry: os.DirEntry) -> bool:
    """A regular file, or a link whose target cannot be reached (reported when read)."""
    try:
        if entry.is_file():
            return True
        if not entry.is_symlink():
            return False
        entry.stat()
        return False  # a link to a FIFO, a device, a directory named *.py
    except OSError:
        return True


def _is_real_directory(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir(follow_symlinks=False)
    except OSError:
        return False


def check_source(
    source: str, display: str, settings: Settings, path: Path | None = None,
    statements: StatementCache | None = None, apply_noqa: bool = True,
) -> list[Finding]:
    """One file's text checked alone with `settings`, as `ormlint check` checks a file outside
    any project (`ormlint.api.check` decides when). `path` (default: `display`) decides per-file
    ignores; `statements`: see `analyse_source`."""
    codes = settings.enabled_codes(all_codes(), default_codes())
    if text_size(source) > settings.max_file_size:
        return _unreadable(display, codes, too_large(text_size(source), settings.max_file_size)).findings
    ignored = settings.ignored_for(path or Path(display))
    return analyse_source(
        source, display, codes, ignored, apply_noqa, options=settings.rule_options,
        statements=statements,
    )


_MARKER_BYTES = tuple(marker.encode() for marker in PREFILTER_MARKERS)


def _may_need_parsing(data: bytes) -> bool:
    return any(marker in data for marker in _MARKER_BYTES)


def _worker_crashed(display: str, codes: frozenset[str]) -> FileResult:
    """A file whose analysis killed its worker process twice, once alone (memory, most likely):
    `ormlint.pool` never runs it in the main process, which it would kill too."""
    message = "cannot analyse: analysis crashed the worker process twice (out of memory?)"
    findings = [Finding(display, 1, 1, PARSE_ERROR_CODE, message, 1, 1)]
    return FileResult(findings if PARSE_ERROR_CODE in codes else [], FileFacts(display, parsed=False))


def _analyse_job(
    job: tuple[bytes, str, frozenset[str], tuple[str, ...], RuleOptions, str | None, bool]
) -> FileResult:
    return analyse_bytes(*job)


def run(
    paths: Sequence[Path],
    settings: Settings,
    jobs: int | None = None,
    cache_dir: Path | None = None,
    whole_project: bool | None = None,
    sources: Mapping[str, bytes] | None = None,
    need_index: bool = False,
    apply_noqa: bool = True,
) -> RunResult:
    """Check files and directories: file rules on each file, then project rules on the index
    of all of them. With `cache_dir`, files whose content was checked before with the same rules
    and ormlint are not analysed again. `whole_project` (default: a directory was given) lets
    project rules say that something is not defined anywhere. `sources`: the content of some
    files (by absolute path) instead of what is on disk (standard input, an unsaved editor).
    `need_index`: build the project index even when the project findings are cached.
    `apply_noqa`: False keeps the findings `# noqa` comments suppress (flake8 --disable-noqa).

    Files named alone (a pre-commit hook's list, an editor's one file) are checked inside their
    project (`project_root`): every file of it is analysed (from the cache when unchanged), and
    the findings located in the named files are reported, project and drift findings included,
    so that a model added without its migration fails the commit that adds it."""
    if whole_project is None and paths and not any(os.path.isdir(p) for p in paths):
        root = project_root(settings, paths)
        if root is not None:
            return _run_in_project(
                paths, root, settings, jobs, cache_dir, sources, need_index, apply_noqa
            )
    return _run_paths(
        paths, settings, jobs, cache_dir, whole_project, sources, need_index, apply_noqa=apply_noqa
    )


def project_root(settings: Settings, paths: Sequence[Path]) -> Path | None:
    """The project the files belong to: the directory of the `[tool.ormlint]` configuration,
    else the nearest directory above them with an `alembic.ini`, else their repository's root
    (`.git`, `.hg`); None when there is none (the files are checked on their own)."""
    if settings.config_file is not None:
        return settings.config_file.parent
    directories = [os.path.dirname(os.path.abspath(p)) for p in paths if str(p) != "-"]
    if not directories:
        return None
    start = Path(os.path.commonpath(directories))
    for marker in ("alembic.ini", ".git", ".hg"):
        for directory in (start, *start.parents):
            if os.path.exists(directory / marker):
                return directory
    return None


def _run_in_project(
    paths: Sequence[Path], root: Path, settings: Settings, jobs: int | None, cache_dir: Path | None,
    sources: Mapping[str, bytes] | None = None,
    need_index: bool = False,
    apply_noqa: bool = True,
) -> RunResult:
    named = discover(paths, settings)  # excludes apply as usual (--force-exclude)
    shown = {os.path.abspath(path): display for path, display in named}
    result = run_project(
        root, settings, jobs, cache_dir, [path for path, _ in named], sources, need_index,
        apply_noqa, only_named_findings=True,
    )
    findings = sorted(
        dataclasses.replace(f, path=shown[os.path.abspath(f.path)])
        for f in result.findings if os.path.abspath(f.path) in shown
    )
    return RunResult(
        findings, len(named), result.index, result.warnings, tuple(p for p, _ in named)
    )


def run_project(
    root: Path, settings: Settings, jobs: int | None = None, cache_dir: Path | None = None,
    named: Sequence[Path] = (), sources: Mapping[str, bytes] | None = None,
    need_index: bool = False, apply_noqa: bool = True, only_named_findings: bool = False,
    named_files: bool = True,
) -> RunResult:
    """Every file of the project at `root`, and the `named` files (which its walk may exclude),
    checked as files named alone are checked inside it (`run`): the findings of all of them, each
    file's being what `run([file])` reports for it. Files are named as the walk names them
    (relative to the working directory when the root is under it). `only_named_findings`: the
    caller wants the named files' findings only (project rules may skip the others').
    `named_files` False: checked as `run([root])` checks them (the migration-safety rules judge
    the head revisions only, not every revision as for a named one)."""
    relative = os.path.relpath(root)
    walk_from = Path(relative if not relative.startswith("..") else root)
    return _run_paths(
        [walk_from, *named], settings, jobs, cache_dir, True, sources, need_index,
        named_files=named_files, apply_noqa=apply_noqa,
        reported=frozenset(map(os.path.abspath, named)) if only_named_findings else None,
    )


def _run_paths(
    paths: Sequence[Path],
    settings: Settings,
    jobs: int | None = None,
    cache_dir: Path | None = None,
    whole_project: bool | None = None,
    sources: Mapping[str, bytes] | None = None,
    need_index: bool = False,
    named_files: bool = False,
    apply_noqa: bool = True,
    reported: frozenset[str] | None = None,
) -> RunResult:
    """`reported`: the absolute paths of the only files whose findings the caller uses."""
    from ormlint.cache import ResultCache, content_digest, fingerprint

    codes = settings.enabled_codes(all_codes(), default_codes())
    unreadable_directories: list[tuple[str, OSError]] = []
    files = discover(paths, settings, unreadable_directories)
    # (the cache keeps the findings `# noqa` suppressed apart from those of ordinary runs)
    varies = (settings.per_file_ignores, settings.rule_options) + (() if apply_noqa else ("noqa off",))
    cache = ResultCache(cache_dir, fingerprint(codes, varies)) if cache_dir is not None else None
    # The Alembic migrations (ORM7xx), found beside the configuration or among the files. A
    # revision file that is also checked is read for both from one parse, in the file pass.
    locations = []
    if any(code.startswith("ORM7") for code in codes):
        from ormlint.migrations.discovery import migration_locations

        locations = migration_locations(settings, paths, files)
    revision_names = _revision_names(locations, paths)
    results: list[FileResult] = [
        _unreadable(d, codes, error, "directory") for d, error in unreadable_directories
    ]
    pending: list[tuple[Path, bytes, tuple]] = []
    ignored_by_path: dict[str, tuple[str, ...]] = {}
    digests: list[tuple[str, bytes]] = []
    given: dict[str, bytes] = {}  # display -> the text standing for the file (`sources`)
    for path, display in files:
        ignored_by_path[display] = settings.ignored_for(path)
        data = sources.get(os.path.abspath(path)) if sources else None
        if data is not None:
            given[display] = data
        if data is None and cache is not None:
            unchanged = cache.unchanged(path, display, settings.max_file_size)
            if unchanged is not None:  # neither read nor hashed
                digests.append((display, unchanged[0]))
                results.append(FileResult(*unchanged[1]))
                continue
        if data is None:
            data = read_file(path, settings.max_file_size)
        elif len(data) > settings.max_file_size:
            data = too_large(len(data), settings.max_file_size)
        if isinstance(data, OSError):
            results.append(_unreadable(display, codes, data))
            continue
        digest = content_digest(data) if cache is not None else b""
        digests.append((display, digest))
        cached = cache.get(path, digest, display) if cache is not None else None
        if cached is not None:
            results.append(FileResult(*cached))
        else:
            revision_name = revision_names.get(os.path.abspath(path)) if revision_names else None
            job = (
                data, display, codes, ignored_by_path[display], settings.rule_options,
                revision_name, apply_noqa,
            )
            pending.append((path, digest, job))
    jobs = jobs or os.cpu_count() or 1
    jobs_args = [job for _, _, job in pending]
    fresh: list[Any] = [None] * len(jobs_args)
    progress.begin(len(jobs_args))
    # Files whose bytes show no prefilter marker are answered here from their text (an encoding
    # that hides a marker from a bytes search is still analysed in full, here): sending them to
    # the pool would cost more than they do.
    remote = [i for i, job in enumerate(jobs_args) if _may_need_parsing(job[0])]
    crashed: set[str] = set()  # displays of files that killed their worker: not cached
    if jobs > 1 and len(remote) >= PARALLEL_THRESHOLD:
        from ormlint.pool import map_in_workers

        # Largest files first, one at a time: a big file handed out last, or a chunk of them,
        # would keep one core busy while the others wait.
        remote.sort(key=lambda i: len(jobs_args[i][0]), reverse=True)
        # Loaded once, before the workers are forked with them (where processes are forked):
        # the project phase needs the rules too, after the workers are done.
        import ormlint.narrow  # noqa: F401  (libcst and the rules)
        import ormlint.project  # noqa: F401

        # What is loaded now is kept out of the collector's scans while the workers run: their
        # collections would otherwise write to every object and copy each page they share.
        # Thawed afterwards, so a process that calls run() again can still free it.
        gc.freeze()

        def analyse_here() -> Iterator[None]:  # while the workers run
            for i in set(range(len(jobs_args))).difference(remote):
                fresh[i] = _analyse_job(jobs_args[i])
                progress.advance()
                yield

        def worker_crashed(job: tuple) -> FileResult:
            crashed.add(job[1])
            return _worker_crashed(job[1], codes)

        try:
            done = map_in_workers(
                _analyse_job, [jobs_args[i] for i in remote], jobs, worker_crashed, analyse_here()
            )
            for i, result in zip(remote, done):
                fresh[i] = result
        finally:
            gc.unfreeze()
    else:
        for i, job in enumerate(jobs_args):
            fresh[i] = _analyse_job(job)
            progress.advance()
    for (path, digest, job), result in zip(pending, fresh):
        results.append(result)
        if cache is not None and job[1] not in crashed:
            cache.put(path, digest, result.findings, result.facts)
    findings = [f for result in results for f in result.findings]
    if whole_project is None:
        whole_project = any(os.path.isdir(p) for p in paths)
    # Project findings depend on every file (and on noqa comments read from disk, which are part
    # of the digests): an unchanged set of files reuses them.
    project_key = None
    if cache is not None:
        project_key = content_digest(repr((
            sorted((display, digest) for display, digest in digests),
            whole_project, settings.external_models, settings.external_tables, named_files,
            sorted(reported) if reported is not None else None,
            [(str(file), digest) for file, digest in _migration_digests(locations, content_digest)],
        )).encode())
    cached_project = (
        cache.project_findings(project_key) if cache is not None and not need_index else None
    )
    index = None
    if cached_project is not None:
        findings += cached_project
    else:
        index = ProjectIndex.build(
            [r.facts for r in results], whole_project, settings.external_models,
            settings.external_tables,
        )
        index.named_files = named_files
        index.reported_files = reported
        if locations:
            read = {r.revision.path: r.revision for r in fresh if r.revision is not None}
            index.migrations = _load_migrations(
                locations, paths, cache, read, settings.target_dialect
            )
        project = project_findings(
            index, codes, ignored_by_path, lines_for=_lines_of(given), apply_noqa=apply_noqa,
            options=settings.rule_options,
        )
        findings += project
        if cache is not None:
            cache.put_project_findings(project_key, project)
    warnings = []
    if cache is not None:
        cache.save()
        if cache.warning:
            warnings.append(cache.warning)
    return RunResult(sorted(findings), len(files), index, warnings, tuple(p for p, _ in files))


def _migration_digests(locations, digest: Callable[[bytes], bytes]) -> list[tuple[Path, bytes]]:
    """What the migrations' findings depend on: every revision file and env.py, by content."""
    from ormlint.migrations.discovery import revision_files

    found = []
    for versions, env in locations:
        files = [f for directory in versions for f in revision_files(directory)]
        for file in files + ([env] if env is not None else []):
            data = read_file(file)
            found.append((file, digest(data) if isinstance(data, bytes) else b""))
    return found


def _revision_names(locations, paths: Sequence[Path]) -> dict[str, str]:
    """Each revision file of `locations`, by absolute path, as the migration reader names it."""
    from ormlint.migrations.discovery import display_path, revision_files

    absolute = any(Path(p).is_absolute() for p in paths)
    return {
        os.path.abspath(file): display_path(file, absolute)
        for versions, _ in locations for directory in versions for file in revision_files(directory)
    }


def _load_migrations(
    locations, paths: Sequence[Path], cache, read: dict[str, Any], dialect: str | None = None
) -> Any:
    """Read and replay the migrations, reusing the revisions the file pass (`read`, by name) or
    the cache read before."""
    from ormlint.cache import content_digest
    from ormlint.drift import load_migrations
    from ormlint.migrations.discovery import display_path

    absolute = any(Path(p).is_absolute() for p in paths)
    if cache is None:
        return load_migrations(locations, absolute, dict(read), dialect)
    files = {display_path(file, absolute): (file, digest)
             for file, digest in _migration_digests(locations, content_digest)}
    parsed = {}
    for display, (file, digest) in files.items():
        revision = cache.revision(file, digest)
        if revision is not None:  # named as this run names files
            parsed[display] = dataclasses.replace(revision, path=display)
    known = set(parsed)
    parsed.update((name, revision) for name, revision in read.items() if name not in known)
    migrations = load_migrations(locations, absolute, parsed, dialect)
    for display, revision in parsed.items():
        if display not in known and display in files:
            file, digest = files[display]
            cache.put_revision(file, digest, revision)
    return migrations


def _lines_of(given: Mapping[str, bytes]) -> Callable[[str], list[str]]:
    """A file's lines for its `# noqa` comments: from the text standing for it (standard input,
    an editor's unsaved text) when there is one, else from the disk."""

    def lines_for(path: str) -> list[str]:
        data = given.get(path)
        if data is None:
            return lines_on_disk(path)
        try:
            return python_lines(decode(data))
        except (SyntaxError, UnicodeDecodeError, LookupError):
            return []

    return lines_for


def project_findings(
    index: ProjectIndex,
    codes: frozenset[str],
    ignored_by_path: dict[str, tuple[str, ...]],
    lines_for: Callable[[str], list[str]] | None = None,
    apply_noqa: bool = True,
    options: RuleOptions | None = None,
) -> list[Finding]:
    """Project rules over the index of every file's facts, with per-file ignores and `# noqa`
    (read from `lines_for(path)`, by default from the file on disk)."""
    from ormlint.rules import RULES

    project_rules = [
        rule(options) for code, rule in RULES.items()
        if code in codes and rule.scope == "project" and _may_report(rule, index)
    ]
    if not project_rules:
        return []
    findings = []
    lines_by_path: dict[str, list[str]] = {}
    for rule in project_rules:
        for violation in rule.check_project(index):
            if any(violation.code.startswith(p) for p in ignored_by_path.get(violation.path, ())):
                continue
            loc = violation.location
            finding = Finding(
                violation.path, loc.line, loc.column, violation.code, violation.message,
                loc.end_line, loc.end_column,
            )
            if not apply_noqa:
                findings.append(finding)
                continue
            if violation.path not in lines_by_path:
                lines_by_path[violation.path] = (lines_for or lines_on_disk)(violation.path)
            if not _suppressed(finding, lines_by_path[violation.path]):
                findings.append(finding)
    return findings


def _may_report(rule: Any, index: ProjectIndex) -> bool:
    """Can the project rule find something in the files the run reports? One whose findings
    lie in the migration files only has nothing to say about a model file checked alone."""
    if index.reported_files is None or not rule.located_in_migrations:
        return True
    paths = index.migrations.paths if index.migrations is not None else ()
    return any(os.path.abspath(path) in index.reported_files for path in paths)


def drift_for_project(root: Path) -> list:
    """The drift (`ormlint.drift.DriftItem`s) ormlint finds in the project at `root`, as
    comparable keys (for the oracle tests and tools)."""
    from ormlint.config import load_settings
    from ormlint.drift import project_drift

    settings = load_settings([root]).with_overrides(select=tuple(all_codes()))
    result = run([root], settings, jobs=1, whole_project=True)
    return [d.item for d in project_drift(result.index)] if result.index is not None else []
