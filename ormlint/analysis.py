"""One file's analysis: its text decoded, prefiltered, parsed (narrowed), its file rules run and
their violations turned into findings with positions and fixes; and its facts, for the project
phase."""

from __future__ import annotations

import ast
import dataclasses
import gc
import os
import re
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Mapping, Sequence

from ormlint import prefilter
from ormlint.codes import PARSE_ERROR_CODE, RuleOptions, all_codes, default_codes
from ormlint.config import Settings
from ormlint.facts import (
    FileFacts, ProjectIndex, configures_type_map, flask_naming, names_naming_convention, text_facts,
    unparsed_facts,
)
from ormlint.findings import Finding
from ormlint.noqa import is_suppressed_finding
from ormlint.project_phase import project_findings
from ormlint.sources import SkippedFile, decode, text_size, too_large
from ormlint.syntax import (
    newer_syntax_tree, newline_of, parse_python, python_lines, tree_without_fstrings, with_newline,
)

# libcst, the rules and positions are imported where a file is parsed: a run whose every result
# is cached never loads them.
if TYPE_CHECKING:
    import libcst as cst

    from ormlint.model.types import FileModel
    from ormlint.rules import Violation
    from ormlint.statements import StatementCache


# libcst parses the text with the function bodies no rule reads blanked (ormlint/narrow.py); the
# findings are the same either way, and tests turn it off to prove it.
NARROW_PARSE = True


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
    with collector_paused():
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
def collector_paused() -> Iterator[None]:
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
    if not prefilter.may_contain_models(source):
        return FileResult([], text_facts(path, source))
    from ormlint.narrow import narrowed_text, parse_module, parse_narrowed
    from ormlint.positions import WholeParseNeeded

    # CPython's parser first: about a tenth of libcst's cost, and it turns away the pathological
    # nesting on which libcst's native parser takes minutes or overflows the C stack.
    syntax_error: SyntaxError | None = None
    try:
        if tree is None:
            tree = parse_python(source)
    except SyntaxError as error:
        # Maybe syntax newer than this interpreter (`type X = ...` on 3.11): libcst may know it.
        if "too many nested" in error.msg or _nests_too_deep(source):
            return FileResult(_unparsable(path, source, codes, error), unparsed_facts(path, source))
        syntax_error = error
        tree = newer_syntax_tree(source)  # `class A[T]:` on 3.11: where things are, for narrowing
    except (RecursionError, ValueError, MemoryError) as error:
        return FileResult(_unparsable(path, source, codes, error), unparsed_facts(path, source))
    if syntax_error is None and whole_trees is None and not prefilter.may_declare_models(source):
        return FileResult([], FileFacts(
            path, custom_type_map=configures_type_map(source), flask_naming=flask_naming(source),
            names_naming_convention=names_naming_convention(source),
        ))
    narrow = NARROW_PARSE and tree is not None and whole_trees is None
    if narrow and statements is not None and syntax_error is None:
        module = statements.parse(narrowed_text(source, tree, codes), tree)
        if module is not None:
            try:
                return _checked(module, source, path, codes, apply_noqa, tree, options, True)
            except (WholeParseNeeded, RecursionError):
                pass  # the whole parse below decides
            except Exception:
                if os.environ.get("ORMLINT_DEBUG"):
                    raise
    try:
        module = parse_narrowed(source, tree, codes) if narrow else parse_module(source)
    except Exception as error:
        return FileResult(
            _unparsable(path, source, codes, syntax_error or error), unparsed_facts(path, source)
        )
    if whole_trees is not None and tree is not None and syntax_error is None:
        whole_trees += [tree, module]
    if tree is None and syntax_error is not None and "f-string" in syntax_error.msg:
        tree = tree_without_fstrings(module, source)  # where things are, in 3.12's f-strings
    try:
        return _checked(module, source, path, codes, apply_noqa, tree, options)
    except RecursionError as error:  # libcst's code generation recurses once per nesting level
        return FileResult(_unparsable(path, source, codes, error), unparsed_facts(path, source))
    except Exception as error:  # a bug in ormlint must not end the run
        if os.environ.get("ORMLINT_DEBUG"):
            raise
        return FileResult(_internal_error(path, codes, error), unparsed_facts(path, source))


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
    return [] if is_suppressed_finding(finding, python_lines(source)) else [finding]


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

    from ormlint.positions import node_positions

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
        if not (apply_noqa and is_suppressed_finding(finding, lines)):
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
        return unreadable(display, codes, error)  # the migration reader says so for itself
    return analyse_file(
        source, display, codes, ignored, apply_noqa, options=options, revision_name=revision_name
    )


def unreadable(display: str, codes: frozenset[str], error: Exception, what: str = "file") -> FileResult:
    if isinstance(error, SkippedFile):
        message = str(error)
    elif isinstance(error, OSError):
        message = f"cannot read {what}: {error.strerror or type(error).__name__}"
    else:
        message = f"cannot decode file: {error}"
    findings = [Finding(display, 1, 1, PARSE_ERROR_CODE, message, 1, 1)]
    return FileResult(findings if PARSE_ERROR_CODE in codes else [], FileFacts(display, parsed=False))


def fixable_findings(
    source: str, display: str, settings: Settings, path: Path | None = None
) -> list[Finding]:
    """One round of `--fix` on one file's text: the findings of the file pass every run makes
    (`analyse_file`, with the codes, per-file ignores and options the engine gives it), which
    are the only ones that carry fixes (no project rule does). `path` (default: `display`)
    decides per-file ignores; a text larger than `max-file-size` is not analysed."""
    if text_size(source) > settings.max_file_size:
        return []
    codes = settings.enabled_codes(all_codes(), default_codes())
    ignored = settings.ignored_for(path or Path(display))
    return analyse_file(source, display, codes, ignored, options=settings.rule_options).findings


def check_source(
    source: str, display: str, settings: Settings, path: Path | None = None,
    statements: StatementCache | None = None, apply_noqa: bool = True,
) -> list[Finding]:
    """One file's text checked alone with `settings`, as `ormlint check` checks a file outside
    any project (`ormlint.api.check` decides when). `path` (default: `display`) decides per-file
    ignores; `statements`: see `analyse_source`."""
    codes = settings.enabled_codes(all_codes(), default_codes())
    if text_size(source) > settings.max_file_size:
        return unreadable(display, codes, too_large(text_size(source), settings.max_file_size)).findings
    ignored = settings.ignored_for(path or Path(display))
    return analyse_source(
        source, display, codes, ignored, apply_noqa, options=settings.rule_options,
        statements=statements,
    )
