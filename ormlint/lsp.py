"""The language server: `ormlint lsp`, the Language Server Protocol over stdio (pygls 2).

Diagnostics come from the CLI's own entry points (`ormlint.api.check` for a document inside its
project, `ormlint.analysis.check_source` for its text alone); this module only decides *when* to
lint and how to present the findings:

- A document inside a project (`ormlint.discovery.project_root`: `[tool.ormlint]`, alembic.ini or a
  repository root) is linted inside it on didOpen and didSave, as `ormlint check FILE` checks it:
  cross-file and drift findings included, revision files too. One run lints every open document
  of the project, their editor texts standing for their files; the project's other files come
  from the content-hash cache (`.ormlint_cache`, shared with the CLI), so only changed files are
  analysed again. The result is published when it changes (always for the saved or opened one).
- That run takes the project phase's time (index, project rules, drift: about a second on a
  2,000-file project), so open and save first publish the document's lint alone at once, with
  the project findings of its last project lint carried over, then the project lint's result.
- The project's open documents are linted again when another file of it changes: an open
  document saved, or a file the client's watcher reports (`**/*.py`, `**/alembic.ini`,
  `**/pyproject.toml`, registered when the client can; at once after a quiet spell, else
  debounced `PROJECT_DEBOUNCE_SECONDS`).
  Reports about open documents are ignored: their text, not the disk, stands for them.
- didChange lints the text alone `DEBOUNCE_SECONDS` after the last change (a newer change, a save
  or a close cancels the pending lint): a project lint per keystroke would cost a project phase
  each. It keeps the project findings of the last project lint whose lines are unchanged
  (`carried_over`, moved with their lines); a finding on an edited line waits for the save.
  didClose clears the diagnostics.
- Each open document keeps its last result keyed on its text and settings, so a save without edits
  (or a change that restores the linted text) is answered without parsing again.
- Settings come from `[tool.ormlint]` as for the CLI, looked up once per directory. The lookup is
  repeated (and projects found again) when a `pyproject.toml` or `alembic.ini` is saved in the
  editor or reported changed by the client's file watcher, and a save re-checks (one `stat`)
  that the configuration file it came from is unchanged; keystrokes never touch the disk. A broken configuration is shown once and the defaults are used.
- Positions: ormlint counts code points; LSP counts UTF-16 code units unless the client offers
  another encoding (pygls picks the client's first supported one: utf-8, utf-16 or utf-32). Only
  lines with non-ASCII text before a position need converting.
- Document sync is `Full`: the client sends the whole text on each change. For model files that is
  a few kilobytes, and it keeps the server's copy exact whatever the line endings or form feeds
  (pygls's incremental sync splits lines with `str.splitlines`, which LSP clients do not).
- Navigation (`ormlint.model_map`): each project lint also returns the project's model files,
  kept as one ModelMap per project, which answers go to definition (from the strings naming a
  class, attribute, table or column, and from a revision's `op.*` calls), find references (of a
  class, table or column, across models and revisions) and document symbols while the document's
  text is the one linted, and completion of `back_populates` names and foreign-key targets (names only, so also
  while typing), in-process (a definition in a closed file reads its lines, for positions).
- Every handler catches its own exceptions and logs them (stderr and window/logMessage): a bad
  document, a bad configuration or a bug in a rule never ends the server.

Linting runs on background threads, so that a slow lint never holds up other requests: one for
lints of one text and one for project lints (each with its own process), so that a keystroke or
the first answer to a save never waits for a project lint. Each runs one lint at a time: a lint
asked for a document (or project) whose previous lint has not started replaces it, and a result is published only while the document is
still at the version that was linted. A document larger than `max-file-size` is not linted (one
message says so). Messages are read by `ormlint.jsonrpc` (framing errors cost only the broken
message) and handed to pygls; `exit` ends the server with status 0 after `shutdown`, 1 without,
and requests after `shutdown` are answered with InvalidRequest.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
import os
import re
import sys
import textwrap
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Callable, Sequence
from urllib.parse import unquote

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from ormlint import __version__
from ormlint.config import Settings, load_settings
from ormlint.discovery import project_root
from ormlint.analysis import check_source
from ormlint.sources import text_size
from ormlint.findings import Finding
from ormlint.jsonrpc import MessageReader, Received, frame
from ormlint.lsp_process import LintCancelled, ProcessChecker
from ormlint.model_map import ModelMap, Place, Symbol
from ormlint.rules import PARSE_ERROR_CODE, PARSE_ERROR_SUMMARY, RULES
from ormlint.syntax import python_lines

logger = logging.getLogger("ormlint.lsp")

SOURCE = "ormlint"
DEBOUNCE_SECONDS = 0.3
PYTHON_SUFFIXES = (".py", ".pyi", ".pyw")
CONFIG_FILE_NAME = "pyproject.toml"
ALEMBIC_INI = "alembic.ini"  # marks a project's root and says where its migrations are
WATCHED_FILES = ("**/*.py", f"**/{ALEMBIC_INI}", f"**/{CONFIG_FILE_NAME}")
# After another file of a project changes on disk, its open documents are linted again: at once
# for the first change after a quiet spell of this long, else once the changes stop for this long
# (a branch switch reports many files at once: one lint at its start, one after it).
PROJECT_DEBOUNCE_SECONDS = 0.05

# ormlint.model_map.Symbol kinds as LSP's.
SYMBOL_KINDS = {
    "class": lsp.SymbolKind.Class,
    "table": lsp.SymbolKind.Struct,
    "column": lsp.SymbolKind.Field,
    "relationship": lsp.SymbolKind.Property,
}

# Completion looks this many lines up for the start of a relationship's or an operation's statement.
STATEMENT_LINES = 10
COMPLETION_KINDS = {
    "column": lsp.CompletionItemKind.Field,
    "relationship": lsp.CompletionItemKind.Property,
    "table": lsp.CompletionItemKind.Struct,
}
MAX_COMPLETIONS = 100  # per answer; more is marked incomplete
_NAMES_TARGET = re.compile(r"\brelationship\(|\bMapped\[|\bop\.(?!f\()\w+\(")  # op.f(): an argument

PARSE_ERROR = -32700
INVALID_REQUEST = -32600

# LSP's line terminators, which are also Python's: "\r\n", "\r", "\n" (not "\f", "\v", "\u2028"...
# that str.splitlines() also splits on).
_LINE_BREAK = re.compile(r"\r\n|\r|\n")

UTF8 = lsp.PositionEncodingKind.Utf8.value
UTF16 = lsp.PositionEncodingKind.Utf16.value
UTF32 = lsp.PositionEncodingKind.Utf32.value


# -- positions -----------------------------------------------------------------------------------


def split_lines(text: str) -> list[str]:
    """The document's lines as LSP numbers them (the last one may be empty)."""
    return _LINE_BREAK.split(text)


def _encoding_name(encoding: Any) -> str:
    value = getattr(encoding, "value", encoding)
    return value if value in (UTF8, UTF16, UTF32) else UTF16


def code_units(text: str, encoding: str) -> int:
    """Length of `text` in the code units of `encoding` ("utf-8", "utf-16" or "utf-32")."""
    if encoding == UTF32 or text.isascii():
        return len(text)
    if encoding == UTF8:
        return len(text.encode("utf-8", "surrogatepass"))
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def to_lsp_position(lines: Sequence[str], line: int, column: int, encoding: str) -> lsp.Position:
    """ormlint's 1-based (line, column) in code points as a 0-based LSP position in `encoding`.

    Positions outside the document (a SyntaxError just past the end) are clamped to it."""
    if not lines or line < 1:
        return lsp.Position(line=0, character=0)
    index = line - 1
    if index >= len(lines):
        index = len(lines) - 1
        column = len(lines[index]) + 1
    text = lines[index]
    prefix = text[: max(0, min(column - 1, len(text)))]
    return lsp.Position(line=index, character=code_units(prefix, encoding))


def from_lsp_position(lines: Sequence[str], position: lsp.Position, encoding: str) -> tuple[int, int]:
    """A 0-based LSP position in `encoding` as ormlint's 1-based (line, column) in code points."""
    text = lines[position.line] if 0 <= position.line < len(lines) else ""
    if encoding == UTF32 or text.isascii():
        column = min(max(position.character, 0), len(text))
    else:
        column = 0
        while column < len(text) and code_units(text[: column + 1], encoding) <= position.character:
            column += 1
    return position.line + 1, column + 1


def to_lsp_range(
    lines: Sequence[str], line: int, column: int, end_line: int, end_column: int, encoding: str
) -> lsp.Range:
    start = to_lsp_position(lines, line, column, encoding)
    end = to_lsp_position(lines, end_line, end_column, encoding)
    if (end.line, end.character) < (start.line, start.character):
        end = start
    return lsp.Range(start=start, end=end)


def _before_or_at(a: lsp.Position, b: lsp.Position) -> bool:
    return (a.line, a.character) <= (b.line, b.character)


def range_contains(range_: lsp.Range, position: lsp.Position) -> bool:
    """True when `position` is inside `range_` or touches either end (so empty ranges count)."""
    return _before_or_at(range_.start, position) and _before_or_at(position, range_.end)


def _range_key(range_: lsp.Range) -> tuple[int, int, int, int]:
    return (range_.start.line, range_.start.character, range_.end.line, range_.end.character)


def ranges_overlap(a: lsp.Range, b: lsp.Range) -> bool:
    return _before_or_at(a.start, b.end) and _before_or_at(b.start, a.end)


# -- findings as LSP data ------------------------------------------------------------------------


def to_diagnostic(finding: Finding, lines: Sequence[str], encoding: str) -> lsp.Diagnostic:
    return lsp.Diagnostic(
        range=to_lsp_range(
            lines, finding.line, finding.column, finding.end_line, finding.end_column, encoding
        ),
        message=finding.message,
        severity=(
            lsp.DiagnosticSeverity.Error
            if finding.code == PARSE_ERROR_CODE
            else lsp.DiagnosticSeverity.Warning
        ),
        code=finding.code,
        source=SOURCE,
    )


def fix_to_code_action(
    uri: str,
    finding: Finding,
    diagnostic: lsp.Diagnostic,
    lines: Sequence[str],
    encoding: str,
) -> lsp.CodeAction | None:
    """A finding's fix as a quick fix, or None when it has none (or one only meant for display).

    A fix is `{applicability, message, edits: [{line, column, end_line, end_column, content}]}`
    with the finding's conventions: 1-based, code points, the end just past the replaced text,
    every edit relative to the linted text. Raises (KeyError, TypeError, ValueError) on a
    malformed fix."""
    fix = finding.fix
    if not fix:
        return None
    applicability = str(fix.get("applicability") or "safe")
    if applicability in ("display", "display-only"):
        return None
    edits = [
        lsp.TextEdit(
            range=to_lsp_range(
                lines,
                int(edit["line"]),
                int(edit["column"]),
                int(edit["end_line"]),
                int(edit["end_column"]),
                encoding,
            ),
            new_text=str(edit["content"]),
        )
        for edit in fix.get("edits") or ()
    ]
    if not edits:
        return None
    title = f"{SOURCE} ({finding.code}): {fix.get('message') or 'apply the fix'}"
    if applicability != "safe":
        title += f" ({applicability})"
    return lsp.CodeAction(
        title=title,
        kind=lsp.CodeActionKind.QuickFix,
        diagnostics=[diagnostic],
        edit=lsp.WorkspaceEdit(changes={uri: edits}),
        is_preferred=applicability == "safe",
    )


def rule_hover_text(code: str, message: str = "", markdown: bool = True) -> str:
    """What a hover on a finding shows: the rule's summary and its "What it does" (no links)."""
    bold = (lambda text: f"**{text}**") if markdown else (lambda text: text)
    rule = RULES.get(code)
    if rule is None:
        name, summary = ("", "")
        if code == PARSE_ERROR_CODE:
            name, summary = "parse-error", PARSE_ERROR_SUMMARY
        parts = [f"{bold(code)} {name}".rstrip()]
        parts += [text for text in (summary, message) if text]
        return "\n\n".join(parts)
    return "\n\n".join(
        [
            f"{bold(code)} {rule.name}",
            rule.summary,
            bold("What it does"),
            textwrap.dedent(rule.what_it_does).strip(),
            f"Run `ormlint explain {code}` for the full page." if markdown
            else f"Run 'ormlint explain {code}' for the full page.",
        ]
    )


# -- per-document state and settings, independent of the transport -------------------------------


@dataclass
class LintResult:
    """One document's last lint: the key (text, settings, encoding) and what it produced."""

    text: str
    settings: Settings
    encoding: str
    findings: list[Finding]
    diagnostics: list[lsp.Diagnostic]
    lines: list[str]
    # A lint inside the project: the project rules' findings, which a keystroke lint (one file)
    # carries over (`carried_over`), and the project's generation it was linted at.
    project_findings: list[Finding] = field(default_factory=list)
    generation: int | None = None


def is_project_finding(finding: Finding) -> bool:
    """Found by a project rule (cross-file, drift), which one file's text cannot judge."""
    rule = RULES.get(finding.code)
    return rule is not None and rule.scope == "project"


def carried_over(findings: Sequence[Finding], old_text: str, new_text: str) -> list[Finding]:
    """`findings` located in `old_text`, moved to where their lines are in `new_text`; a
    finding any of whose lines was edited (or removed) is dropped."""
    if not findings:
        return []
    if old_text == new_text:
        return list(findings)
    from difflib import SequenceMatcher

    old_lines, new_lines = python_lines(old_text), python_lines(new_text)
    moved: dict[int, int] = {}  # 1-based line numbers of unchanged lines, old -> new
    matcher = SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for old_start, new_start, size in matcher.get_matching_blocks():
        for offset in range(size):
            moved[old_start + offset + 1] = new_start + offset + 1
    kept = []
    for finding in findings:
        start = moved.get(finding.line)
        spanned = range(finding.line, max(finding.line, finding.end_line) + 1)
        if start is not None and all(moved.get(line) == start + line - finding.line for line in spanned):
            shift = start - finding.line
            kept.append(dataclasses.replace(
                finding, line=finding.line + shift, end_line=finding.end_line + shift
            ))
    return kept


@dataclass
class _ConfigEntry:
    settings: Settings
    stamp: tuple[int, int] | None  # (mtime_ns, size) of settings.config_file when loaded
    error: str | None = None


def _stamp(path: Path | None) -> tuple[int, int] | None:
    if path is None:
        return None
    try:
        status = path.stat()
    except OSError:
        return None
    return (status.st_mtime_ns, status.st_size)


def document_path(uri: str) -> Path | None:
    """The file behind a `file:` URI; None for `untitled:` and other schemes."""
    try:
        path = to_fs_path(uri)
    except Exception:  # a URI pygls cannot take apart is not a file
        return None
    return Path(path) if path else None


@dataclass
class DocumentLinter:
    """Lints documents by URI and text: caches each document's last result and the settings of
    each directory. `on_config_error` receives each distinct configuration error once."""

    on_config_error: Callable[[str], None] = lambda message: None
    default_settings: Settings = field(default_factory=Settings)
    _results: dict[str, LintResult] = field(default_factory=dict)
    # Each document's last lint inside its project (kept apart: the two kinds of lint run on
    # two threads, and a keystroke lint carries the project findings over).
    _projects: dict[str, LintResult] = field(default_factory=dict)
    _configs: dict[Path, _ConfigEntry] = field(default_factory=dict)
    _reported_errors: set[str] = field(default_factory=set)
    # Top-level statements parsed at earlier lints: an edit re-parses only what it changed.
    _statements: Any = None
    # Instead of `check_source` here: check(uri, text, display, settings, path) -> findings.
    check: Callable[..., list[Finding]] | None = None
    # check_project(key, root, settings, {absolute path: text}) -> the findings in those files,
    # checked inside the project at `root`; None: documents are linted on their own.
    check_project: Callable[..., list[Finding]] | None = None
    _roots: dict[Path, Path | None] = field(default_factory=dict)  # directory -> project root
    # Bumped when a file of the project changes: results linted before are out of date.
    _generations: dict[Path, int] = field(default_factory=dict)

    def result(self, uri: str) -> LintResult | None:
        return self._results.get(uri)

    def project_result(self, uri: str) -> LintResult | None:
        """The document's last lint inside its project."""
        return self._projects.get(uri)

    def uris(self) -> list[str]:
        """The documents linted and not forgotten since."""
        return list(dict.fromkeys([*self._results, *self._projects]))

    def forget(self, uri: str) -> None:
        self._results.pop(uri, None)
        self._projects.pop(uri, None)

    def lint(
        self, uri: str, text: str, encoding: Any = UTF16, revalidate: bool = False
    ) -> LintResult:
        """The document's findings as diagnostics; reused when text and settings are unchanged.
        `revalidate` (on save) re-checks that the settings' configuration file is unchanged."""
        encoding = _encoding_name(encoding)
        path = document_path(uri)
        settings = self.settings_for(path, revalidate=revalidate)
        project = self._projects.get(uri)
        for cached in (project, self._results.get(uri)):
            if (
                cached is not None
                and cached.text == text
                and cached.encoding == encoding
                and cached.settings == settings
            ):
                self._results[uri] = cached
                return cached
        display = str(path) if path is not None else uri
        if self.check is not None:
            findings = self.check(uri, text, display, settings, path)
        else:
            if self._statements is None:
                from ormlint.statements import StatementCache

                self._statements = StatementCache()
            findings = check_source(text, display, settings, path, statements=self._statements)
        if project is not None and project.settings == settings and project.project_findings:
            carried = carried_over(project.project_findings, project.text, text)
            findings = sorted(set(findings).union(carried)) if carried else findings
        result = self._result(text, settings, encoding, findings)
        self._results[uri] = result
        return result

    @staticmethod
    def _result(text: str, settings: Settings, encoding: str, findings: list[Finding]) -> LintResult:
        lines = split_lines(text) if findings else []
        return LintResult(
            text=text,
            settings=settings,
            encoding=encoding,
            findings=findings,
            diagnostics=[to_diagnostic(finding, lines, encoding) for finding in findings],
            lines=lines,
        )

    # -- inside the project -----------------------------------------------------------------------

    def project_of(self, path: Path | None, settings: Settings) -> Path | None:
        """The project the file belongs to (`ormlint.discovery.project_root`), looked up once per
        directory; None: it is linted on its own."""
        if path is None or self.check_project is None:
            return None
        directory = path.parent
        if directory not in self._roots:
            self._roots[directory] = project_root(settings, [path])
        return self._roots[directory]

    def file_changed(self, path: Path) -> list[Path]:
        """A file changed on disk: the projects (known so far) holding it, now out of date."""
        changed = []
        for root in list(self._roots.values()) + list(self._generations):
            if root is not None and root not in changed and (root == path or root in path.parents):
                changed.append(root)
                self._generations[root] = self._generations.get(root, 0) + 1
        return changed

    def lint_project(
        self, root: Path, documents: Sequence[tuple[str, str]], encoding: Any = UTF16,
        revalidate: bool = False,
    ) -> dict[str, LintResult]:
        """The documents (uri, text), all of the project at `root`, linted inside it in one run
        (their texts stand for their files): their file, project and drift findings. Reused when
        every document has the text, settings and project generation it was last linted with."""
        assert self.check_project is not None
        encoding = _encoding_name(encoding)
        generation = self._generations.setdefault(root, 0)
        settings_by_uri = {
            uri: self.settings_for(document_path(uri), revalidate=revalidate) for uri, _ in documents
        }
        cached = {uri: self._projects.get(uri) for uri, _ in documents}
        if all(
            result is not None and result.generation == generation and result.text == text
            and result.encoding == encoding and result.settings == settings_by_uri[uri]
            for (uri, text), result in zip(documents, cached.values())
        ):
            return {uri: result for uri, result in cached.items() if result is not None}
        # Every document's text stands for its file, so one edited document can change what
        # the others find: all are linted again.
        texts = dict(documents)
        settings = settings_by_uri[documents[0][0]]  # one configuration: the project's
        paths = {uri: os.path.abspath(document_path(uri) or uri) for uri in texts}
        findings = self.check_project(
            f"project:{root}", root, settings, {paths[uri]: text for uri, text in texts.items()}
        )
        by_path: dict[str, list[Finding]] = {}
        for finding in findings:
            by_path.setdefault(os.path.abspath(finding.path), []).append(finding)
        results: dict[str, LintResult] = {}
        for uri, text in texts.items():
            found = sorted(by_path.get(paths[uri], []))
            result = self._result(text, settings_by_uri[uri], encoding, found)
            result.project_findings = [f for f in found if is_project_finding(f)]
            result.generation = generation
            self._projects[uri] = results[uri] = result
            latest = self._results.get(uri)
            if latest is None or latest.text == text:  # else a keystroke lint of another text
                self._results[uri] = result
        return results

    # -- settings ---------------------------------------------------------------------------------

    def settings_for(self, path: Path | None, revalidate: bool = False) -> Settings:
        if path is None:
            return self.default_settings
        directory = path.parent
        entry = self._configs.get(directory)
        if entry is not None and revalidate and self._is_stale(entry):
            entry = None
        if entry is None:
            entry = self._load(path)
            self._configs[directory] = entry
        return entry.settings

    def clear_settings(self) -> None:
        """Forget every directory's settings and project (a pyproject.toml changed)."""
        self._configs.clear()
        self._reported_errors.clear()
        self._roots.clear()
        for root in self._generations:
            self._generations[root] += 1

    @staticmethod
    def _is_stale(entry: _ConfigEntry) -> bool:
        if entry.error is not None:
            return True  # retried on each save, so fixing the file is picked up
        config = entry.settings.config_file
        return config is not None and _stamp(config) != entry.stamp

    def _load(self, path: Path) -> _ConfigEntry:
        try:
            settings = load_settings([path])
        except Exception as error:  # ConfigError, but also an unreadable pyproject.toml
            message = f"ormlint: {error}; using the default settings"
            logger.warning("%s", message)
            if message not in self._reported_errors:
                self._reported_errors.add(message)
                self.on_config_error(message)
            return _ConfigEntry(self.default_settings, None, error=message)
        return _ConfigEntry(settings, _stamp(settings.config_file))


# -- the server ----------------------------------------------------------------------------------


def _is_config_uri(uri: str) -> bool:
    path = document_path(uri)
    return path is not None and path.name == CONFIG_FILE_NAME


def _is_alembic_ini(uri: str) -> bool:
    path = document_path(uri)
    return path is not None and path.name == ALEMBIC_INI


class LintWorker:
    """One daemon thread that runs the lints, the latest per document: a lint submitted for a
    document whose previous one has not started replaces it. (A daemon: a lint in progress never
    holds up the server's exit.)"""

    def __init__(self) -> None:
        self._jobs: dict[str, Callable[[], None]] = {}
        self._ready = threading.Condition()
        self._thread: threading.Thread | None = None

    def submit(self, key: str, job: Callable[[], None]) -> None:
        with self._ready:
            self._jobs.pop(key, None)
            self._jobs[key] = job
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="ormlint-lint", daemon=True)
                self._thread.start()
            self._ready.notify()

    def discard(self, key: str | None = None) -> None:
        """Drops the job not yet started for `key` (None: every job)."""
        with self._ready:
            if key is None:
                self._jobs.clear()
            else:
                self._jobs.pop(key, None)

    def _run(self) -> None:
        while True:
            with self._ready:
                while not self._jobs:
                    self._ready.wait()
                key = next(iter(self._jobs))
                job = self._jobs.pop(key)
            job()  # catches its own exceptions


class OrmlintLanguageServer(LanguageServer):
    def __init__(self, checker: ProcessChecker | None = None) -> None:
        super().__init__(
            name="ormlint",
            version=__version__,
            text_document_sync_kind=lsp.TextDocumentSyncKind.Full,
        )
        self.linter = DocumentLinter(on_config_error=self._show_config_error)
        self.debounce_seconds = DEBOUNCE_SECONDS
        self._pending: dict[str, asyncio.TimerHandle] = {}
        self.lint_worker = LintWorker()
        self.checker = checker or ProcessChecker()
        self.linter.check = self.checker
        # Project lints take their own thread and process: a lint of one text (a keystroke, the
        # first answer to a save) never waits for a project's.
        self.project_worker = LintWorker()
        self.project_checker = ProcessChecker(settles=True)
        self.map_worker = LintWorker()  # navigation maps' indexes, after their diagnostics
        self.linter.check_project = self.project_checker.check_project
        self.project_debounce_seconds = PROJECT_DEBOUNCE_SECONDS
        self._changed_at: dict[Path, float] = {}  # project root -> when a file of it last changed
        self.shut_down = False  # `shutdown` was received: only `exit` is served now
        self._too_large: set[str] = set()  # documents reported as too large to lint
        self._published: dict[str, list[lsp.Diagnostic]] = {}
        # Opened or saved documents: their next project lint is published even if unchanged.
        self._answer: set[str] = set()
        # Each project's ModelMap from its last project lint, and the texts that lint read of
        # the open documents: a request on a document whose text differs is not answered (the
        # map's positions are those of the linted text).
        self._models: dict[Path, tuple[ModelMap, dict[str, str]]] = {}

    # -- plumbing ---------------------------------------------------------------------------------

    def guarded(self, handler: Callable[[Any], Any], default: Any = None) -> Callable[[Any], Any]:
        """`handler` with every exception caught and logged: the server outlives any input."""
        name = handler.__name__

        def run(params: Any) -> Any:
            try:
                return handler(params)
            except Exception as error:
                logger.exception("ormlint: %s failed", name)
                reason = f"{type(error).__name__}: {error}"
                self._log(lsp.MessageType.Error, f"ormlint: {name} failed: {reason}")
                return default

        run.__name__ = name
        return run

    def _log(self, kind: lsp.MessageType, message: str) -> None:
        try:
            self.window_log_message(lsp.LogMessageParams(type=kind, message=message))
        except Exception:
            logger.exception("ormlint: cannot send a log message")

    def _show_config_error(self, message: str) -> None:
        self._log(lsp.MessageType.Warning, message)
        try:
            self.window_show_message(
                lsp.ShowMessageParams(type=lsp.MessageType.Warning, message=message)
            )
        except Exception:
            logger.exception("ormlint: cannot show a message")

    def _encoding(self) -> str:
        return _encoding_name(self.workspace.position_encoding)

    def _open_document(self, uri: str) -> Any:
        """The open document, or None: never pygls's fallback that reads the file from disk."""
        documents = self.workspace.text_documents
        return documents.get(uri) or documents.get(unquote(uri))

    @staticmethod
    def _is_python(document: Any) -> bool:
        language = (document.language_id or "").lower()
        if language == "python":
            return True
        return not language and str(document.uri).endswith(PYTHON_SUFFIXES)

    def _publish(
        self, uri: str, diagnostics: list[lsp.Diagnostic], version: int | None = None
    ) -> None:
        self._published[uri] = diagnostics
        self.text_document_publish_diagnostics(
            lsp.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=version)
        )

    # -- linting ----------------------------------------------------------------------------------

    def lint_now(self, uri: str, revalidate: bool = False) -> None:
        """Lints the open document on the lint thread; its diagnostics are published if the
        document is still at the version linted."""
        self.cancel_pending(uri)
        document = self._open_document(uri)
        if document is None or not self._is_python(document):
            return
        text, version, encoding = document.source, document.version, self._encoding()
        settings = self.linter.settings_for(document_path(uri), revalidate=revalidate)
        if not self._fits(uri, document, settings):
            return
        loop = asyncio.get_running_loop()

        def lint() -> None:
            try:
                result, error = self.linter.lint(uri, text, encoding, revalidate=revalidate), None
            except LintCancelled:
                return
            except Exception as exception:
                result, error = None, exception
            loop.call_soon_threadsafe(self._linted, uri, version, text, result, error)

        self.checker.cancel(uri)
        self.lint_worker.submit(uri, lint)

    def _linted(
        self, uri: str, version: int | None, text: str, result: LintResult | None,
        error: Exception | None,
    ) -> None:
        if error is not None:
            logger.error("ormlint: linting %s failed", uri, exc_info=error)
            reason = f"{type(error).__name__}: {error}"
            self._log(lsp.MessageType.Error, f"ormlint: linting {uri} failed: {reason}")
            return
        document = self._open_document(uri)
        if document is None:  # closed meanwhile
            self.linter.forget(uri)
            return
        if document.version != version or document.source is not text:
            return  # a newer version's lint is on its way
        assert result is not None
        project = self.linter.project_result(uri)
        if project is not None and project.text == text and project.settings == result.settings:
            result = project  # the project lint of this text finished first: it knows more
        self._publish(uri, result.diagnostics, version)

    def _fits(self, uri: str, document: Any, settings: Settings) -> bool:
        """Is the document within `max-file-size`? (If not, it is said once and not linted.)"""
        size, limit = text_size(document.source), settings.max_file_size
        if size > limit:
            self._not_linted(uri, size, limit, document.version)
            return False
        self._too_large.discard(uri)
        return True

    def lint_in_project(self, uri: str, revalidate: bool = False) -> None:
        """Lints the open document (on open and save) at once on its own, the project findings
        of its last project lint carried over, then inside its project with the project's other
        open documents (a document outside any project: on its own only)."""
        document = self._open_document(uri)
        if document is None or not self._is_python(document):
            return
        self.lint_now(uri, revalidate)
        path = document_path(uri)
        root = self.linter.project_of(path, self.linter.settings_for(path, revalidate=revalidate))
        if root is not None:
            self._answer.add(uri)
            self.relink(root, revalidate)

    def relink(self, root: Path, revalidate: bool = False) -> None:
        """Lints the open documents of the project at `root` inside it, in one run on the lint
        thread; publishes the diagnostics that changed (and those of `_answer`) of documents
        still at the version linted."""
        key = f"project:{root}"
        self.cancel_pending(key)
        documents = []
        for uri, document in list(self.workspace.text_documents.items()):
            path = document_path(uri)
            if path is None or not self._is_python(document):
                continue
            settings = self.linter.settings_for(path, revalidate=revalidate)
            if self.linter.project_of(path, settings) != root or not self._fits(uri, document, settings):
                continue
            self.cancel_pending(uri)  # this lint is newer than a debounced one
            documents.append((uri, document.source, document.version))
        if not documents:
            return
        encoding = self._encoding()
        loop = asyncio.get_running_loop()

        def lint() -> None:
            texts = [(uri, text) for uri, text, _ in documents]
            try:
                results, error = self.linter.lint_project(root, texts, encoding, revalidate), None
                # (before the diagnostics: a client may navigate as soon as they come)
                kept = self._keep_models(root, dict(texts))
            except LintCancelled:
                return
            except Exception as exception:
                results, error, kept = {}, exception, None
            loop.call_soon_threadsafe(self._relinked, root, documents, results, error)
            if kept is not None:  # its index, now that the diagnostics are on their way
                self.map_worker.submit(key, functools.partial(self._build_map, root, kept))

        self.project_worker.submit(key, lint)

    @staticmethod
    def _build_map(root: Path, model_map: ModelMap) -> None:
        """Builds the map's index on the map thread: a newer project lint need not wait for it
        (70 ms on polar), and only the latest map of a project is built."""
        try:
            model_map.build()
        except Exception:  # (this thread must live on: a request builds it again)
            logger.exception("ormlint: the model map of %s could not be built", root)

    def _keep_models(self, root: Path, texts: dict[str, str]) -> ModelMap | None:
        """Keeps the model map of the project lint just run (on the project thread), and
        returns it (None: the checker holds none)."""
        files = self.project_checker.models(root)
        if files is None:
            return None
        kept = self._models.get(root)
        if kept is None or kept[0].files is not files:
            cache = {path: kept[0].revision_cache[path] for path in files if kept and path in kept[0].revision_cache}
            self._models[root] = (ModelMap(files, revision_cache=cache), texts)
        elif kept[1] != texts:
            self._models[root] = (kept[0], texts)
        return self._models[root][0]

    def _models_for(self, uri: str) -> tuple[ModelMap, Any] | None:
        """The model map of the open document's project, when the document's text is the one
        the map was built from; and the document."""
        document = self._open_document(uri)
        path = document_path(uri)
        if document is None or path is None:
            return None
        root = self.linter.project_of(path, self.linter.settings_for(path))
        kept = self._models.get(root) if root is not None else None
        if kept is None or kept[1].get(uri) != document.source:
            return None
        return kept[0], document

    def _lines_of(self, path: str) -> list[str]:
        """A file's lines (the open document's text, else the file's), to convert positions."""
        uri = from_fs_path(path)
        document = self._open_document(uri) if uri else None
        if document is not None:
            return split_lines(document.source)
        try:
            with open(path, encoding="utf-8", errors="replace", newline="") as file:
                return split_lines(file.read())
        except OSError:
            return []

    def _lsp_location(self, place: Place) -> lsp.Location | None:
        uri = from_fs_path(place.path)
        if uri is None:
            return None
        at = place.location
        lines = self._lines_of(place.path)
        return lsp.Location(
            uri=uri,
            range=to_lsp_range(lines, at.line, at.column, at.end_line, at.end_column, self._encoding()),
        )

    def _relinked(
        self, root: Path, documents: list[tuple[str, str, int | None]],
        results: dict[str, LintResult], error: Exception | None,
    ) -> None:
        if error is not None:
            logger.error("ormlint: linting the project %s failed", root, exc_info=error)
            reason = f"{type(error).__name__}: {error}"
            self._log(lsp.MessageType.Error, f"ormlint: linting the project {root} failed: {reason}")
            return
        for uri, text, version in documents:
            document = self._open_document(uri)
            result = results.get(uri)
            if document is None or result is None:
                continue
            if document.version != version or document.source is not text:
                continue  # a newer version's lint is on its way
            if uri in self._answer or self._published.get(uri) != result.diagnostics:
                self._answer.discard(uri)
                self._publish(uri, result.diagnostics, version)

    def schedule_relink(self, root: Path) -> None:
        """A file of the project at `root` changed on disk: its open documents are linted again
        at once after a quiet spell, else when the changes stop (PROJECT_DEBOUNCE_SECONDS)."""
        key = f"project:{root}"
        loop = asyncio.get_running_loop()
        now = loop.time()
        quiet = now - self._changed_at.get(root, float("-inf")) >= self.project_debounce_seconds
        self._changed_at[root] = now
        self.cancel_pending(key)
        if quiet:
            self.guarded(self.relink)(root)
            return
        self._pending[key] = loop.call_later(self.project_debounce_seconds, self._debounced_relink, root)

    def _debounced_relink(self, root: Path) -> None:
        self._pending.pop(f"project:{root}", None)
        self.guarded(self.relink)(root)

    def _not_linted(self, uri: str, size: int, limit: int, version: int | None) -> None:
        self.lint_worker.discard(uri)
        self.checker.cancel(uri)
        self.linter.forget(uri)
        self._publish(uri, [], version)
        if uri not in self._too_large:  # said once per document, not at each keystroke
            self._too_large.add(uri)
            self._log(
                lsp.MessageType.Warning,
                f"ormlint: {uri} is not linted: {size} bytes, more than max-file-size ({limit})",
            )

    def schedule_lint(self, uri: str) -> None:
        self.cancel_pending(uri)
        self.checker.cancel(uri)
        loop = asyncio.get_running_loop()
        self._pending[uri] = loop.call_later(self.debounce_seconds, self._debounced_lint, uri)

    def _debounced_lint(self, uri: str) -> None:
        self._pending.pop(uri, None)
        self.guarded(self.lint_now)(uri)

    def cancel_pending(self, uri: str | None = None) -> None:
        uris = list(self._pending) if uri is None else [uri]
        for key in uris:
            handle = self._pending.pop(key, None)
            if handle is not None:
                handle.cancel()

    def config_changed(self) -> None:
        self.linter.clear_settings()
        for uri in self.linter.uris():
            self.guarded(self.lint_in_project)(uri)

    # -- handlers ---------------------------------------------------------------------------------

    def on_initialized(self, params: lsp.InitializedParams) -> None:
        """Ask the client to report pyproject.toml changes, when it can register watchers."""
        self.checker.warm_up()  # (the project process starts with the first project lint)
        capabilities = self.client_capabilities
        watched = capabilities.workspace and capabilities.workspace.did_change_watched_files
        if not (watched and watched.dynamic_registration):
            return
        options = lsp.DidChangeWatchedFilesRegistrationOptions(
            watchers=[lsp.FileSystemWatcher(glob_pattern=pattern) for pattern in WATCHED_FILES]
        )
        registration = lsp.Registration(
            id="ormlint-config-watcher",
            method=lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES,
            register_options=options,
        )
        future = self.client_register_capability(
            lsp.RegistrationParams(registrations=[registration])
        )
        future.add_done_callback(self._registration_done)

    @staticmethod
    def _registration_done(future: Any) -> None:
        if not future.cancelled() and future.exception() is not None:
            logger.warning("ormlint: no pyproject.toml watcher: %s", future.exception())

    def on_did_open(self, params: lsp.DidOpenTextDocumentParams) -> None:
        self.lint_in_project(params.text_document.uri)

    def on_did_change(self, params: lsp.DidChangeTextDocumentParams) -> None:
        self.schedule_lint(params.text_document.uri)

    def on_did_save(self, params: lsp.DidSaveTextDocumentParams) -> None:
        uri = params.text_document.uri
        if _is_config_uri(uri) or _is_alembic_ini(uri):
            self.config_changed()
        else:
            self.lint_in_project(uri, revalidate=True)

    def on_did_close(self, params: lsp.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        self.cancel_pending(uri)
        self.lint_worker.discard(uri)
        self.checker.cancel(uri)
        self.linter.forget(uri)
        self._too_large.discard(uri)
        self._answer.discard(uri)
        self._publish(uri, [])
        self._published.pop(uri, None)
        path = document_path(uri)
        if path is not None:
            self.linter.file_changed(path)  # the project now sees the file on disk, not the text

    def on_did_change_watched_files(self, params: lsp.DidChangeWatchedFilesParams) -> None:
        """A configuration or alembic.ini change reloads the settings and projects; another
        file's change re-links the open documents of its project (debounced). Changes to open
        documents are left out: their text, not the disk, stands for them."""
        if any(_is_config_uri(change.uri) or _is_alembic_ini(change.uri) for change in params.changes):
            self.config_changed()
            return
        roots: list[Path] = []
        for change in params.changes:
            path = document_path(change.uri)
            if path is None or self._open_document(change.uri) is not None:
                continue
            roots += [root for root in self.linter.file_changed(path) if root not in roots]
        for root in roots:
            self.schedule_relink(root)

    def on_shutdown(self, params: Any) -> None:
        self.shut_down = True
        self.cancel_pending()
        self.lint_worker.discard()
        self.project_worker.discard()
        self.map_worker.discard()

    def on_hover(self, params: lsp.HoverParams) -> lsp.Hover | None:
        result = self.linter.result(params.text_document.uri)
        if result is None:
            return None
        hits = [
            (finding, diagnostic)
            for finding, diagnostic in zip(result.findings, result.diagnostics)
            if range_contains(diagnostic.range, params.position)
        ]
        if not hits:
            return None
        markdown = self._client_takes_markdown()
        seen: set[str] = set()
        sections = []
        for finding, _ in hits:
            if finding.code not in seen:
                seen.add(finding.code)
                sections.append(rule_hover_text(finding.code, finding.message, markdown))
        separator = "\n\n---\n\n" if markdown else "\n\n"
        return lsp.Hover(
            contents=lsp.MarkupContent(
                kind=lsp.MarkupKind.Markdown if markdown else lsp.MarkupKind.PlainText,
                value=separator.join(sections),
            ),
            range=hits[0][1].range,
        )

    def on_definition(self, params: lsp.DefinitionParams) -> list[lsp.Location] | None:
        """From a string naming a model (`relationship("X")`, `Mapped["X"]`,
        `back_populates="y"`, `ForeignKey("t.c")`, `secondary="t"`) to its declaration, from
        the project's last lint (none while the document has unsaved edits since)."""
        uri = params.text_document.uri
        found = self._models_for(uri)
        path = document_path(uri)
        if found is None or path is None:
            return None
        models, document = found
        lines = split_lines(document.source)
        line, column = from_lsp_position(lines, params.position, self._encoding())
        line_text = lines[line - 1] if line <= len(lines) else ""
        places = models.definition(str(path), line, column, line_text, document.source)
        locations = [location for place in places if (location := self._lsp_location(place))]
        return locations or None

    def on_references(self, params: lsp.ReferenceParams) -> list[lsp.Location] | None:
        """Where the class, table or column named under the cursor (a class's name, a
        `relationship("X")` target, a `__tablename__`, a column's attribute, a
        `ForeignKey("t.c")`, a revision operation's table or column) is named across the
        project's models and revisions, from its last lint (none while the document has unsaved
        edits since)."""
        uri = params.text_document.uri
        found = self._models_for(uri)
        path = document_path(uri)
        if found is None or path is None:
            return None
        models, document = found
        lines = split_lines(document.source)
        line, column = from_lsp_position(lines, params.position, self._encoding())
        line_text = lines[line - 1] if line <= len(lines) else ""
        named = models.named_at(str(path), line, column, line_text, document.source)
        if named is None:
            return None
        texts = {
            str(p): d.source for u, d in list(self.workspace.text_documents.items())
            if (p := document_path(u)) is not None
        }
        places = models.references(named, texts, params.context.include_declaration)
        locations = [location for place in places if (location := self._lsp_location(place))]
        return locations or None

    def on_document_symbol(self, params: lsp.DocumentSymbolParams) -> list[lsp.DocumentSymbol] | None:
        """The document's classes and Table()s with their columns and relationships, from the
        project's last lint (none while the document has unsaved edits since)."""
        uri = params.text_document.uri
        found = self._models_for(uri)
        path = document_path(uri)
        if found is None or path is None:
            return None
        models, document = found
        lines, encoding = split_lines(document.source), self._encoding()

        def convert(symbol: Symbol) -> lsp.DocumentSymbol:
            children = [convert(child) for child in symbol.children]
            at = symbol.location
            selection = to_lsp_range(lines, at.line, at.column, at.end_line, at.end_column, encoding)
            end = max([selection.end, *(child.range.end for child in children)], key=lambda p: (p.line, p.character))
            return lsp.DocumentSymbol(
                name=symbol.name,
                kind=SYMBOL_KINDS[symbol.kind],
                range=lsp.Range(start=selection.start, end=end),
                selection_range=selection,
                children=children or None,
            )

        return [convert(symbol) for symbol in models.symbols(str(path))]

    def on_completion(self, params: lsp.CompletionParams) -> lsp.CompletionList | None:
        """In `back_populates="`: the relationships of the target class; in `ForeignKey("`:
        every known "table.column". Names from the project's last lint (the text being typed
        may differ from it: only names are taken from the map, no positions)."""
        uri = params.text_document.uri
        document = self._open_document(uri)
        path = document_path(uri)
        root = self.linter.project_of(path, self.linter.settings_for(path)) if path else None
        kept = self._models.get(root) if root is not None else None
        if document is None or kept is None:
            return None
        lines, encoding = split_lines(document.source), self._encoding()
        line, column = from_lsp_position(lines, params.position, encoding)
        before = lines[line - 1][: column - 1] if line <= len(lines) else ""
        start = line - 1  # the statement: from the nearest line naming the relationship or Mapped
        while start > max(0, line - 1 - STATEMENT_LINES) and not _NAMES_TARGET.search(lines[start]):
            start -= 1
        statement = "\n".join([*lines[start : line - 1], before])
        typed_from, found = kept[0].completions(before, statement)
        if not found:
            return None
        replaced = lsp.Range(
            start=to_lsp_position(lines, line, typed_from + 1, encoding),
            end=to_lsp_position(lines, line, column, encoding),
        )
        items = [
            lsp.CompletionItem(
                label=item.label,
                kind=COMPLETION_KINDS[item.kind],
                detail=item.detail,
                text_edit=lsp.TextEdit(range=replaced, new_text=item.label),
            )
            for item in found[:MAX_COMPLETIONS]
        ]
        # Cut short: the client asks again as more is typed (a large project has thousands).
        return lsp.CompletionList(is_incomplete=len(found) > MAX_COMPLETIONS, items=items)

    def _client_takes_markdown(self) -> bool:
        document = self.client_capabilities.text_document
        formats = document and document.hover and document.hover.content_format
        return not formats or lsp.MarkupKind.Markdown in formats

    def on_code_action(self, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
        """Quick fixes for the findings in the range whose fix is known (none yet: no rule has a
        fix). Offered only while the document still has the text that was linted."""
        only = params.context.only
        if only and not any(
            lsp.CodeActionKind.QuickFix.value.startswith(str(getattr(kind, "value", kind)))
            for kind in only
        ):
            return []
        uri = params.text_document.uri
        result = self.linter.result(uri)
        document = self._open_document(uri)
        if result is None or document is None or document.source != result.text:
            return []
        # The client sends the cursor or selection, and the diagnostics it shows there.
        shown = {(str(d.code), _range_key(d.range)) for d in params.context.diagnostics or ()}
        actions = []
        for finding, diagnostic in zip(result.findings, result.diagnostics):
            if finding.fix is None:
                continue
            if not ranges_overlap(diagnostic.range, params.range) and (
                (finding.code, _range_key(diagnostic.range)) not in shown
            ):
                continue
            try:
                action = fix_to_code_action(uri, finding, diagnostic, result.lines, result.encoding)
            except (KeyError, TypeError, ValueError, AttributeError) as error:
                logger.warning("ormlint: malformed fix for %s: %r", finding.code, error)
                continue
            if action is not None:
                actions.append(action)
        return actions


def create_server(checker: ProcessChecker | None = None) -> OrmlintLanguageServer:
    """A language server with ormlint's handlers registered, ready for `run_stdio()`."""
    server = OrmlintLanguageServer(checker)
    quick_fix = lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix])
    completion = lsp.CompletionOptions(trigger_characters=['"', "'", "."])
    handlers: list[tuple[str, Callable[[Any], Any], Any, Any]] = [
        (lsp.INITIALIZED, server.on_initialized, None, None),
        (lsp.TEXT_DOCUMENT_DID_OPEN, server.on_did_open, None, None),
        (lsp.TEXT_DOCUMENT_DID_CHANGE, server.on_did_change, None, None),
        (lsp.TEXT_DOCUMENT_DID_SAVE, server.on_did_save, None, None),
        (lsp.TEXT_DOCUMENT_DID_CLOSE, server.on_did_close, None, None),
        (lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES, server.on_did_change_watched_files, None, None),
        (lsp.SHUTDOWN, server.on_shutdown, None, None),
        (lsp.TEXT_DOCUMENT_HOVER, server.on_hover, None, None),
        (lsp.TEXT_DOCUMENT_DEFINITION, server.on_definition, None, None),
        (lsp.TEXT_DOCUMENT_REFERENCES, server.on_references, None, None),
        (lsp.TEXT_DOCUMENT_DOCUMENT_SYMBOL, server.on_document_symbol, None, None),
        (lsp.TEXT_DOCUMENT_COMPLETION, server.on_completion, completion, None),
        (lsp.TEXT_DOCUMENT_CODE_ACTION, server.on_code_action, quick_fix, []),
    ]
    for method, handler, options, default in handlers:
        server.feature(method, options)(server.guarded(handler, default))
    return server


# -- the connection: messages from ormlint.jsonrpc, handed to pygls -----------------------------


class _StreamWriter:
    """pygls's writer interface on a binary stream."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream

    def write(self, data: bytes) -> None:
        self._stream.write(data)
        self._stream.flush()

    def close(self) -> None:
        self._stream.close()


def _request_id(message: Any) -> int | str | None:
    id_ = message.get("id") if isinstance(message, dict) else None
    return id_ if isinstance(id_, (int, str)) and not isinstance(id_, bool) else None


class _Connection:
    """Reads messages on a thread and handles each on the event loop, where pygls runs."""

    def __init__(self, server: OrmlintLanguageServer, reader: MessageReader, writer: _StreamWriter):
        self.server = server
        self.reader = reader
        self.writer = writer

    async def serve(self) -> int:
        self.loop = asyncio.get_running_loop()
        self.done: asyncio.Future[int] = self.loop.create_future()
        threading.Thread(target=self._read_all, name="ormlint-lsp-reader", daemon=True).start()
        return await self.done

    def _read_all(self) -> None:
        try:
            while (received := self.reader.read_message()) is not None:
                self.loop.call_soon_threadsafe(self.dispatch, received)
        except Exception:  # OSError on stdin: the client is gone
            logger.exception("ormlint: cannot read from the client")
        self.loop.call_soon_threadsafe(self.finish, None)

    def finish(self, status: int | None) -> None:
        """Ends the server (None: the input ended, without `exit`)."""
        if not self.done.done():
            self.done.set_result(status if status is not None else 0 if self.server.shut_down else 1)

    def dispatch(self, received: Received) -> None:
        if received.error is not None:
            self.send_error(None, PARSE_ERROR, f"Parse error: {received.error}")
            return
        message = received.value
        if not (
            isinstance(message, dict)
            and message.get("jsonrpc") == "2.0"
            and (isinstance(message.get("method"), str) or "result" in message or "error" in message)
        ):
            reason = "Invalid request: not a JSON-RPC 2.0 message"
            self.send_error(_request_id(message), INVALID_REQUEST, reason)
            return
        method = message.get("method")
        is_request = method is not None and "id" in message
        if method == lsp.EXIT:
            self.finish(0 if self.server.shut_down else 1)
            return
        if self.server.shut_down and method is not None:
            if is_request:
                reason = f"Invalid request: {method} after shutdown"
                self.send_error(_request_id(message), INVALID_REQUEST, reason)
            return
        protocol = self.server.protocol
        try:
            structured = protocol.structure_message(message)
        except JsonRpcException as error:
            logger.warning("ormlint: invalid %s message: %s", method, error)
            if is_request:
                self.send_error(_request_id(message), error.code, error.message)
            return
        try:
            protocol.handle_message(structured)
        except BrokenPipeError:
            self.finish(1)
        except Exception:
            logger.exception("ormlint: cannot handle %s", method)

    def send_error(self, id_: int | str | None, code: int, message: str) -> None:
        error = {"jsonrpc": "2.0", "id": id_, "error": {"code": code, "message": message}}
        try:
            self.writer.write(frame(error))
        except BrokenPipeError:
            self.finish(1)


def run_stdio(
    server: OrmlintLanguageServer, stdin: BinaryIO | None = None, stdout: BinaryIO | None = None
) -> int:
    """Serves one client over stdin/stdout until `exit` or the end of the input; the exit
    status (0 after `shutdown`, 1 otherwise, as the LSP specification says)."""
    stdin = stdin or sys.stdin.buffer
    writer = _StreamWriter(stdout or sys.stdout.buffer)
    server.protocol.set_writer(writer)
    reader = MessageReader(functools.partial(os.read, stdin.fileno()))
    try:
        return asyncio.run(_Connection(server, reader, writer).serve())
    except BrokenPipeError:
        logger.error("ormlint: the connection to the client is lost")
        return 1
    finally:
        server.checker.close()
        server.project_checker.close()
        server.shutdown()


def serve(checker: ProcessChecker | None = None) -> None:
    """Run the server over stdin/stdout until the client says exit (`ormlint lsp`). `checker`:
    its lint process, when the caller started it early."""
    logging.basicConfig(
        stream=sys.stderr, level=logging.WARNING, format="ormlint-lsp %(levelname)s: %(message)s"
    )
    sys.exit(run_stdio(create_server(checker)))


__all__ = [
    "DEBOUNCE_SECONDS",
    "DocumentLinter",
    "LintResult",
    "OrmlintLanguageServer",
    "create_server",
    "fix_to_code_action",
    "rule_hover_text",
    "run_stdio",
    "serve",
    "to_diagnostic",
    "to_lsp_position",
]
