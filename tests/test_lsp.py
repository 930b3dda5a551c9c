"""The language server (`ormlint lsp`): real LSP conversations with the server in a subprocess,
driven by pygls's client, plus unit tests of the pieces that have no transport (positions, fixes,
caches, settings)."""

from __future__ import annotations

import asyncio
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable

import pytest
from lsprotocol import types as lsp
from pygls.lsp.client import BaseLanguageClient
from pygls.uris import from_fs_path

import ormlint
from ormlint import lsp as ormlint_lsp
from ormlint.config import Settings
from ormlint.findings import Finding
from ormlint.lsp import (
    DocumentLinter,
    code_units,
    fix_to_code_action,
    rule_hover_text,
    to_diagnostic,
    to_lsp_position,
)
from ormlint.rules import RULES

TIMEOUT = 30.0  # seconds for any single reply: a broken server fails, it does not hang the run
SERVER_COMMAND = (sys.executable, "-c", "from ormlint.lsp import serve; serve()")

HEADER = """\
from sqlalchemy import Column, Integer, String
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class User(Base):
    __tablename__ = "users"
    id = Column(Integer, primary_key=True)
"""
BAD = HEADER + '    created = Column(String, server_default="now()")\n'
GOOD = HEADER + '    created = Column(String, server_default="0")\n'
# ORM301 on line 10 (0-based 9): the string `"now()"`.
BAD_LINE = 9
BAD_START = BAD.splitlines()[BAD_LINE].index('"now()"')
BAD_END = BAD_START + len('"now()"')
# A non-BMP character (two UTF-16 code units, one code point) before the finding on its line.
EMOJI = HEADER + '    created = Column(String, comment="😀", server_default="now()")\n'
EMOJI_START = EMOJI.splitlines()[BAD_LINE].index('"now()"')  # in code points
BROKEN = "import sqlalchemy\n\nclass (:\n    pass\n"


# -- a synchronous driver around pygls's asyncio client -------------------------------------------


class Session:
    """One server subprocess and a pygls client on a background event loop. Every wait has a
    timeout, and the server is killed if it does not exit when told to."""

    def __init__(self, cwd: Path | None = None, capabilities: lsp.ClientCapabilities | None = None):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.client = BaseLanguageClient("ormlint-tests", "0")
        self.changed = threading.Condition()
        self.published: dict[str, list[lsp.PublishDiagnosticsParams]] = {}
        self.shown: list[lsp.ShowMessageParams] = []
        self.logged: list[lsp.LogMessageParams] = []
        self.registrations: list[lsp.Registration] = []
        self.stderr = bytearray()
        self.versions: dict[str, int] = {}

        @self.client.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def on_diagnostics(ls: Any, params: lsp.PublishDiagnosticsParams) -> None:
            params.diagnostics = list(params.diagnostics)  # pygls's client makes it a tuple
            with self.changed:
                self.published.setdefault(params.uri, []).append(params)
                self.changed.notify_all()

        @self.client.feature(lsp.WINDOW_SHOW_MESSAGE)
        def on_show(ls: Any, params: lsp.ShowMessageParams) -> None:
            with self.changed:
                self.shown.append(params)
                self.changed.notify_all()

        @self.client.feature(lsp.CLIENT_REGISTER_CAPABILITY)
        def on_register(ls: Any, params: lsp.RegistrationParams) -> None:
            with self.changed:
                self.registrations.extend(params.registrations)
                self.changed.notify_all()

        @self.client.feature(lsp.WINDOW_LOG_MESSAGE)
        def on_log(ls: Any, params: lsp.LogMessageParams) -> None:
            with self.changed:
                self.logged.append(params)
                self.changed.notify_all()

        self.run(self._start(cwd))
        self.initialize_result: lsp.InitializeResult = self.run(
            self.client.initialize_async(
                lsp.InitializeParams(
                    process_id=None,
                    root_uri=from_fs_path(str(cwd)) if cwd else None,
                    capabilities=capabilities or lsp.ClientCapabilities(),
                )
            )
        )
        self.notify(self.client.initialized, lsp.InitializedParams())

    async def _start(self, cwd: Path | None) -> None:
        await self.client.start_io(*SERVER_COMMAND, cwd=str(cwd) if cwd else None)
        self.process = self.client._server
        # pygls pipes the server's stderr and never reads it: drain it (a full pipe would block
        # the server) and keep it for failure messages.
        asyncio.ensure_future(self._drain_stderr())

    async def _drain_stderr(self) -> None:
        assert self.process is not None and self.process.stderr is not None
        while chunk := await self.process.stderr.read(4096):
            self.stderr += chunk

    def run(self, coroutine: Any, timeout: float = TIMEOUT) -> Any:
        future = asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        try:
            return future.result(timeout)
        except TimeoutError:
            future.cancel()
            stderr = self.stderr.decode()
            raise AssertionError(f"no reply within {timeout} s; server stderr:\n{stderr}")

    def notify(self, method: Callable[[Any], None], params: Any) -> None:
        async def send() -> None:
            method(params)

        self.run(send())

    # -- documents --------------------------------------------------------------------------------

    def count(self, uri: str) -> int:
        with self.changed:
            return len(self.published.get(uri, []))

    def wait_published(
        self, uri: str, after: int, timeout: float = TIMEOUT
    ) -> lsp.PublishDiagnosticsParams:
        """The first diagnostics published for `uri` after the first `after` ones."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while len(self.published.get(uri, [])) <= after:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"no diagnostics for {uri} within {timeout} s; "
                        f"server stderr:\n{self.stderr.decode()}"
                    )
                self.changed.wait(remaining)
            return self.published[uri][after]

    def open(self, uri: str, text: str) -> lsp.PublishDiagnosticsParams:
        before = self.count(uri)
        self.versions[uri] = 1
        self.send_open(uri, text, "python")
        return self.wait_published(uri, before)

    def open_in_project(self, uri: str, text: str) -> lsp.PublishDiagnosticsParams:
        """Opens a document of a project: the server publishes its lint alone at once, then its
        lint inside the project; the second is returned."""
        before = self.count(uri)
        self.versions[uri] = 1
        self.send_open(uri, text, "python")
        self.wait_published(uri, before)
        return self.wait_published(uri, before + 1)

    def save_in_project(self, uri: str) -> lsp.PublishDiagnosticsParams:
        """Saves a document of a project: the second of the two lints it publishes."""
        before = self.count(uri)
        self.save(uri)
        self.wait_published(uri, before)
        return self.wait_published(uri, before + 1)

    def send_open(self, uri: str, text: str, language_id: str) -> None:
        self.notify(
            self.client.text_document_did_open,
            lsp.DidOpenTextDocumentParams(
                text_document=lsp.TextDocumentItem(
                    uri=uri, language_id=language_id, version=1, text=text
                )
            ),
        )

    def change(self, uri: str, text: str) -> None:
        self.versions[uri] += 1
        self.notify(
            self.client.text_document_did_change,
            lsp.DidChangeTextDocumentParams(
                text_document=lsp.VersionedTextDocumentIdentifier(
                    uri=uri, version=self.versions[uri]
                ),
                content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=text)],
            ),
        )

    def save(self, uri: str) -> None:
        self.notify(
            self.client.text_document_did_save,
            lsp.DidSaveTextDocumentParams(text_document=lsp.TextDocumentIdentifier(uri=uri)),
        )

    def close(self, uri: str) -> None:
        self.notify(
            self.client.text_document_did_close,
            lsp.DidCloseTextDocumentParams(text_document=lsp.TextDocumentIdentifier(uri=uri)),
        )

    def hover(self, uri: str, line: int, character: int) -> lsp.Hover | None:
        return self.run(
            self.client.text_document_hover_async(
                lsp.HoverParams(
                    text_document=lsp.TextDocumentIdentifier(uri=uri),
                    position=lsp.Position(line=line, character=character),
                )
            )
        )

    def code_actions(self, uri: str, range_: lsp.Range, diagnostics: list[lsp.Diagnostic]) -> Any:
        return self.run(
            self.client.text_document_code_action_async(
                lsp.CodeActionParams(
                    text_document=lsp.TextDocumentIdentifier(uri=uri),
                    range=range_,
                    context=lsp.CodeActionContext(diagnostics=diagnostics),
                )
            )
        )

    def shutdown(self) -> int | None:
        """shutdown, exit; the server's exit status (None if it had to be killed)."""
        try:
            self.run(self.client.shutdown_async(None))
            self.notify(self.client.exit, None)
            return self.run(self.process.wait(), timeout=TIMEOUT)
        finally:
            self.kill()

    def kill(self) -> None:
        if not self.loop.is_running():
            return  # already done
        if self.process.returncode is None:
            self.process.kill()
            self.run(self.process.wait())
        try:
            self.run(self.client.stop(), timeout=2)
        except AssertionError:
            pass
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(2)


def uri_for(path: Path) -> str:
    return from_fs_path(str(path))


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory):
    """A server shared by the tests that do not care about its lifecycle."""
    root = tmp_path_factory.mktemp("lsp-session")
    session = Session(
        cwd=root,
        capabilities=lsp.ClientCapabilities(
            text_document=lsp.TextDocumentClientCapabilities(
                hover=lsp.HoverClientCapabilities(content_format=[lsp.MarkupKind.Markdown])
            ),
            workspace=lsp.WorkspaceClientCapabilities(
                did_change_watched_files=lsp.DidChangeWatchedFilesClientCapabilities(
                    dynamic_registration=True
                )
            ),
        ),
    )
    session.root = root
    yield session
    status = session.shutdown()
    assert status == 0, session.stderr.decode()


def assert_orm301(diagnostic: lsp.Diagnostic, start: int, end: int) -> None:
    assert diagnostic.code == "ORM301"
    assert diagnostic.source == "ormlint"
    assert diagnostic.severity == lsp.DiagnosticSeverity.Warning
    assert "server_default" in diagnostic.message
    assert diagnostic.range == lsp.Range(
        start=lsp.Position(line=BAD_LINE, character=start),
        end=lsp.Position(line=BAD_LINE, character=end),
    )


# -- whole conversations -------------------------------------------------------------------------


def test_conversation_open_change_hover_save_close_exit(tmp_path: Path) -> None:
    models = tmp_path / "models.py"
    models.write_text(BAD, encoding="utf-8")
    uri = uri_for(models)
    session = Session(cwd=tmp_path)
    try:
        info = session.initialize_result.server_info
        assert info is not None and (info.name, info.version) == ("ormlint", ormlint.__version__)
        capabilities = session.initialize_result.capabilities
        assert capabilities.hover_provider
        assert capabilities.code_action_provider

        opened = session.open(uri, BAD)
        assert opened.version == 1
        [diagnostic] = opened.diagnostics
        assert_orm301(diagnostic, BAD_START, BAD_END)

        hover = session.hover(uri, BAD_LINE, BAD_START + 2)
        assert hover is not None and hover.range == diagnostic.range
        text = hover.contents.value
        assert "ORM301" in text and RULES["ORM301"].summary in text and "What it does" in text
        assert "http" not in text
        assert session.hover(uri, 0, 0) is None  # no finding there

        [action] = session.code_actions(uri, diagnostic.range, [diagnostic])  # ORM301's quick fix
        assert action.kind == lsp.CodeActionKind.QuickFix and "text(" in action.title
        edits = [e for changes in action.edit.changes.values() for e in changes]
        assert any(e.new_text == 'text("now()")' and e.range == diagnostic.range for e in edits)

        count = session.count(uri)
        session.change(uri, GOOD)  # debounced: published about DEBOUNCE_SECONDS later
        fixed = session.wait_published(uri, count)
        assert fixed.diagnostics == [] and fixed.version == 2

        count = session.count(uri)
        session.change(uri, BAD)
        session.save(uri)  # the save lints at once and cancels the pending lint
        saved = session.wait_published(uri, count)
        assert [d.code for d in saved.diagnostics] == ["ORM301"] and saved.version == 3
        time.sleep(ormlint_lsp.DEBOUNCE_SECONDS + 0.2)
        assert session.count(uri) == count + 1, "the cancelled debounced lint still ran"

        count = session.count(uri)
        session.close(uri)
        assert session.wait_published(uri, count).diagnostics == []
        assert session.hover(uri, BAD_LINE, BAD_START) is None  # state dropped

        assert session.shutdown() == 0, session.stderr.decode()
    finally:
        session.kill()


def test_newer_change_cancels_pending_lint(session: Session) -> None:
    uri = uri_for(session.root / "debounce.py")
    assert [d.code for d in session.open(uri, BAD).diagnostics] == ["ORM301"]
    count = session.count(uri)
    session.change(uri, GOOD)
    session.change(uri, BAD)
    session.change(uri, GOOD)
    latest = session.wait_published(uri, count)
    assert latest.version == 4 and latest.diagnostics == []
    time.sleep(ormlint_lsp.DEBOUNCE_SECONDS + 0.2)
    assert session.count(uri) == count + 1, "each change published instead of only the last"
    session.close(uri)


def test_utf16_columns_after_a_non_bmp_character(session: Session) -> None:
    # The default position encoding is UTF-16: the emoji counts two, so the range moves by one.
    uri = uri_for(session.root / "emoji.py")
    [diagnostic] = session.open(uri, EMOJI).diagnostics
    assert_orm301(diagnostic, EMOJI_START + 1, EMOJI_START + 1 + len('"now()"'))
    hover = session.hover(uri, BAD_LINE, EMOJI_START + 1)
    assert hover is not None and "ORM301" in hover.contents.value
    session.close(uri)


def test_utf32_negotiated_when_offered(tmp_path: Path) -> None:
    capabilities = lsp.ClientCapabilities(
        general=lsp.GeneralClientCapabilities(position_encodings=[lsp.PositionEncodingKind.Utf32])
    )
    session = Session(cwd=tmp_path, capabilities=capabilities)
    try:
        capabilities = session.initialize_result.capabilities
        assert capabilities.position_encoding == lsp.PositionEncodingKind.Utf32
        uri = uri_for(tmp_path / "emoji.py")
        [diagnostic] = session.open(uri, EMOJI).diagnostics
        assert_orm301(diagnostic, EMOJI_START, EMOJI_START + len('"now()"'))
        assert session.shutdown() == 0
    finally:
        session.kill()


def test_invalid_python_is_an_error_diagnostic_and_the_server_survives(session: Session) -> None:
    uri = uri_for(session.root / "broken.py")
    [diagnostic] = session.open(uri, BROKEN).diagnostics
    assert diagnostic.code == "ORM999"
    assert diagnostic.severity == lsp.DiagnosticSeverity.Error
    assert diagnostic.range.start.line == 2
    hover = session.hover(uri, diagnostic.range.start.line, diagnostic.range.start.character)
    assert hover is not None and "ORM999" in hover.contents.value
    # Garbage of every kind, then the server still answers.
    for text in ("\x00\x00", "import sqlalchemy\n" + "(" * 5000, "\ud800 sqlalchemy", ""):
        count = session.count(uri)
        session.change(uri, text)
        session.save(uri)
        session.wait_published(uri, count)
    count = session.count(uri)
    session.change(uri, BAD)
    session.save(uri)
    assert [d.code for d in session.wait_published(uri, count).diagnostics] == ["ORM301"]
    session.close(uri)


def test_requests_about_unknown_documents_do_not_fail(session: Session) -> None:
    uri = uri_for(session.root / "never-opened.py")
    assert session.hover(uri, 0, 0) is None
    start = lsp.Position(line=0, character=0)
    assert list(session.code_actions(uri, lsp.Range(start=start, end=start), [])) == []
    session.save(uri)  # a save of a document that was never opened: ignored
    session.close(uri)
    assert session.wait_published(uri, 0).diagnostics == []


def test_untitled_document_uses_default_settings(session: Session) -> None:
    uri = "untitled:Untitled-1"
    assert [d.code for d in session.open(uri, BAD).diagnostics] == ["ORM301"]
    session.close(uri)


def test_non_python_documents_are_not_linted(session: Session) -> None:
    uri = uri_for(session.root / "notes.txt")
    count = session.count(uri)
    session.send_open(uri, BROKEN, "plaintext")
    # A request round trip orders after the notification: nothing was published for it.
    assert session.hover(uri, 0, 0) is None
    assert session.count(uri) == count


def test_configuration_is_respected_and_reloaded_on_pyproject_save(session: Session) -> None:
    project = session.root / "configured"
    project.mkdir()
    pyproject = project / "pyproject.toml"
    pyproject.write_text('[tool.ormlint]\nignore = ["ORM301"]\n', encoding="utf-8")
    uri = uri_for(project / "models.py")
    assert session.open_in_project(uri, BAD).diagnostics == []  # the configuration makes a project
    # The user edits pyproject.toml in the editor and saves it: settings are looked up again.
    pyproject.write_text("[tool.ormlint]\nignore = []\n", encoding="utf-8")
    count = session.count(uri)
    session.save(uri_for(pyproject))
    assert [d.code for d in session.wait_published(uri, count).diagnostics] == ["ORM301"]
    session.close(uri)


def test_watchers_are_registered_and_pyproject_changes_reload_settings(session: Session) -> None:
    with session.changed:
        assert session.changed.wait_for(lambda: session.registrations, timeout=TIMEOUT)
    [registration] = session.registrations
    assert registration.method == lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES
    assert registration.register_options["watchers"] == [
        {"globPattern": "**/*.py"}, {"globPattern": "**/alembic.ini"},
        {"globPattern": "**/pyproject.toml"},
    ]

    project = session.root / "watched"
    project.mkdir()
    uri = uri_for(project / "models.py")
    assert [d.code for d in session.open(uri, BAD).diagnostics] == ["ORM301"]
    pyproject = project / "pyproject.toml"  # created outside the editor
    pyproject.write_text('[tool.ormlint]\nignore = ["ORM301"]\n', encoding="utf-8")
    count = session.count(uri)
    session.notify(
        session.client.workspace_did_change_watched_files,
        lsp.DidChangeWatchedFilesParams(
            changes=[lsp.FileEvent(uri=uri_for(pyproject), type=lsp.FileChangeType.Created)]
        ),
    )
    assert session.wait_published(uri, count).diagnostics == []
    session.close(uri)


def test_broken_configuration_falls_back_to_defaults_with_a_message(session: Session) -> None:
    project = session.root / "misconfigured"
    project.mkdir()
    (project / "pyproject.toml").write_text('[tool.ormlint]\nselcet = ["ORM"]\n', encoding="utf-8")
    uri = uri_for(project / "models.py")
    assert [d.code for d in session.open(uri, BAD).diagnostics] == ["ORM301"]
    with session.changed:
        assert session.changed.wait_for(
            lambda: any("selcet" in m.message for m in session.shown), timeout=TIMEOUT
        )
    shown = [m for m in session.shown if "selcet" in m.message]
    assert len(shown) == 1 and shown[0].type == lsp.MessageType.Warning
    # Settings are cached per directory: a second file there does not report the error again.
    other = uri_for(project / "other.py")
    assert [d.code for d in session.open(other, BAD).diagnostics] == ["ORM301"]
    assert len([m for m in session.shown if "selcet" in m.message]) == 1
    session.close(uri)
    session.close(other)


# -- units: positions, diagnostics, hover text, fixes ---------------------------------------------


def test_code_units_per_encoding() -> None:
    text = 'a="😀é"'
    assert code_units(text, "utf-32") == 6
    assert code_units(text, "utf-16") == 7
    assert code_units(text, "utf-8") == len(text.encode("utf-8"))


def test_positions_are_clamped_to_the_document() -> None:
    lines = ["x = 1", ""]
    assert to_lsp_position(lines, 1, 99, "utf-16") == lsp.Position(line=0, character=5)
    assert to_lsp_position(lines, 7, 1, "utf-16") == lsp.Position(line=1, character=0)
    assert to_lsp_position(lines, 0, 0, "utf-16") == lsp.Position(line=0, character=0)
    assert to_lsp_position([], 3, 3, "utf-16") == lsp.Position(line=0, character=0)


def test_lines_split_as_lsp_does() -> None:
    # "\f" and "\u2028" are not line breaks for LSP or Python; "\r" alone is.
    text = 'a\fb\u2028c = 1\rd = "😀" + x\r\ne'
    assert ormlint_lsp.split_lines(text) == ["a\fb\u2028c = 1", 'd = "😀" + x', "e"]
    finding = Finding("m.py", 2, 12, "ORM301", "m", 2, 13)
    diagnostic = to_diagnostic(finding, ormlint_lsp.split_lines(text), "utf-16")
    assert diagnostic.range.start == lsp.Position(line=1, character=12)


def test_hover_text_is_the_rule_summary_and_what_it_does_without_links() -> None:
    for code, rule in RULES.items():
        text = rule_hover_text(code)
        assert text.startswith(f"**{code}** {rule.name}")
        assert rule.summary in text
        assert " ".join(rule.what_it_does.split()[:6]) in " ".join(text.split())
        assert "http" not in text
    plain = rule_hover_text("ORM301", markdown=False)
    assert "**" not in plain and "ORM301" in plain
    parse_error = rule_hover_text("ORM999", "cannot parse: SyntaxError: invalid syntax")
    assert "ORM999" in parse_error and "invalid syntax" in parse_error


def edit(line: int, column: int, end_line: int, end_column: int, content: str) -> dict[str, Any]:
    return {
        "line": line,
        "column": column,
        "end_line": end_line,
        "end_column": end_column,
        "content": content,
    }


def test_fix_becomes_a_quick_fix_workspace_edit() -> None:
    source = 'x = Column(comment="😀", server_default="now()")\n'
    lines = ormlint_lsp.split_lines(source)
    start = source.index('"now()"') + 1  # 1-based, code points
    fix = {
        "applicability": "safe",
        "message": "Use text()",
        "edits": [
            edit(1, start, 1, start + 7, 'text("now()")'),
            edit(1, 1, 1, 1, "# fixed\n"),
        ],
    }
    finding = Finding("m.py", 1, start, "ORM301", "message", 1, start + 7, fix=fix)
    diagnostic = to_diagnostic(finding, lines, "utf-16")
    action = fix_to_code_action("file:///m.py", finding, diagnostic, lines, "utf-16")
    assert action is not None
    assert action.kind == lsp.CodeActionKind.QuickFix
    assert action.title == "ormlint (ORM301): Use text()"
    assert action.is_preferred is True
    assert action.diagnostics == [diagnostic]
    [first, second] = action.edit.changes["file:///m.py"]
    assert first.new_text == 'text("now()")'
    assert first.range == lsp.Range(  # UTF-16: the emoji before it counts two
        start=lsp.Position(line=0, character=start), end=lsp.Position(line=0, character=start + 7)
    )
    assert first.range == diagnostic.range
    assert second.range.start == second.range.end == lsp.Position(line=0, character=0)

    unsafe_fix = {**fix, "applicability": "unsafe"}
    unsafe = Finding("m.py", 1, start, "ORM301", "m", 1, start + 7, fix=unsafe_fix)
    unsafe_action = fix_to_code_action("file:///m.py", unsafe, diagnostic, lines, "utf-16")
    assert unsafe_action is not None and not unsafe_action.is_preferred
    assert unsafe_action.title.endswith("(unsafe)")

    no_fix = Finding("m.py", 1, start, "ORM301", "m", 1, start + 7)
    assert fix_to_code_action("file:///m.py", no_fix, diagnostic, lines, "utf-16") is None
    malformed = Finding("m.py", 1, 1, "ORM301", "m", 1, 2, fix={"edits": [{"line": 1}]})
    with pytest.raises(KeyError):
        fix_to_code_action("file:///m.py", malformed, diagnostic, lines, "utf-16")


def test_code_action_handler_turns_fixes_into_quick_fixes(monkeypatch: pytest.MonkeyPatch) -> None:
    """The handler path (not only the conversion), with a rule that pretends to have a fix."""
    server = ormlint_lsp.create_server()
    start = BAD.splitlines()[BAD_LINE].index('"now()"') + 1
    fix = {
        "applicability": "safe",
        "message": "Use text()",
        "edits": [edit(10, start, 10, start + 7, 'text("now()")')],
    }
    bad_fix = {"edits": [{"line": "x"}]}

    def fake_check(text: str, display: str, settings: Settings, path: Any = None, **_: Any) -> list[Finding]:
        return [
            Finding(display, 10, start, "ORM301", "m", 10, start + 7, fix=fix),
            Finding(display, 10, start, "ORM301", "m", 10, start + 7, fix=bad_fix),
            Finding(display, 1, 1, "ORM301", "elsewhere", 1, 5, fix=fix),
        ]

    monkeypatch.setattr(ormlint_lsp, "check_source", fake_check)

    class Document:
        uri, language_id, version, source = "untitled:a", "python", 1, BAD

    monkeypatch.setattr(server, "_open_document", lambda uri: Document())
    server.linter.lint("untitled:a", BAD)
    cursor = lsp.Position(line=BAD_LINE, character=start + 1)
    params = lsp.CodeActionParams(
        text_document=lsp.TextDocumentIdentifier(uri="untitled:a"),
        range=lsp.Range(start=cursor, end=cursor),
        context=lsp.CodeActionContext(diagnostics=[]),
    )
    handler = server.guarded(server.on_code_action, [])
    [action] = handler(params)  # the malformed fix is skipped, the one on line 1 is out of range
    assert action.edit.changes["untitled:a"][0].new_text == 'text("now()")'
    # Elsewhere on the line, but the client says it shows that diagnostic there.
    line_start = lsp.Position(line=BAD_LINE, character=0)
    params.range = lsp.Range(start=line_start, end=line_start)
    assert handler(params) == []
    params.context.diagnostics = [server.linter.result("untitled:a").diagnostics[0]]
    assert len(handler(params)) == 1
    params.context.only = [lsp.CodeActionKind.Refactor]
    assert handler(params) == []
    params.context.only = None
    Document.source = GOOD  # edited since the lint: stale fixes are not offered
    assert handler(params) == []


# -- units: the per-document cache and per-directory settings -------------------------------------


def test_unchanged_text_is_answered_from_the_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = ormlint_lsp.check_source

    def counting(*args: Any, **kwargs: Any) -> list[Finding]:
        calls.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(ormlint_lsp, "check_source", counting)
    linter = DocumentLinter()
    first = linter.lint("untitled:x", BAD)
    assert [d.code for d in first.diagnostics] == ["ORM301"]
    assert linter.lint("untitled:x", BAD, revalidate=True) is first  # a save without edits
    assert len(calls) == 1
    assert linter.lint("untitled:x", GOOD).diagnostics == []
    assert linter.lint("untitled:x", BAD) is not first  # a different text is linted again
    assert len(calls) == 3
    assert linter.lint("untitled:y", BAD) is not None and len(calls) == 4  # per document
    linter.forget("untitled:x")
    assert linter.result("untitled:x") is None


def test_settings_are_cached_per_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[tool.ormlint]\nignore = ["ORM301"]\n', encoding="utf-8")
    (tmp_path / "sub").mkdir()
    loads = []
    real = ormlint_lsp.load_settings

    def counting(paths: Any) -> Settings:
        loads.append(list(paths))
        return real(loads[-1])

    monkeypatch.setattr(ormlint_lsp, "load_settings", counting)
    linter = DocumentLinter()
    a, b, c = (uri_for(tmp_path / name) for name in ("a.py", "b.py", "sub/c.py"))
    assert linter.lint(a, BAD).diagnostics == []
    for text in (GOOD, BAD, GOOD):  # keystrokes
        linter.lint(a, text)
    assert linter.lint(b, BAD).diagnostics == []
    assert len(loads) == 1
    assert linter.lint(c, BAD).diagnostics == []  # another directory: one more lookup
    assert len(loads) == 2
    # A save re-checks the configuration file it came from, and reloads it when it changed.
    linter.lint(a, BAD, revalidate=True)
    assert len(loads) == 2
    pyproject.write_text("[tool.ormlint]\nignore = []\n# changed\n", encoding="utf-8")
    assert [d.code for d in linter.lint(a, BAD, revalidate=True).diagnostics] == ["ORM301"]
    assert len(loads) == 3


def test_config_error_falls_back_to_default_settings_once(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text("[tool.ormlint]\nselect = 3\n", encoding="utf-8")
    errors: list[str] = []
    linter = DocumentLinter(on_config_error=errors.append)
    uri = uri_for(tmp_path / "models.py")
    assert [d.code for d in linter.lint(uri, BAD).diagnostics] == ["ORM301"]
    linter.lint(uri, GOOD)
    linter.lint(uri, BAD, revalidate=True)  # retried on save, not reported twice
    assert len(errors) == 1 and "select" in errors[0] and "default settings" in errors[0]
    pyproject.write_text('[tool.ormlint]\nignore = ["ORM301"]\n', encoding="utf-8")
    assert linter.lint(uri, BAD, revalidate=True).diagnostics == []  # fixed config picked up


def test_handlers_never_raise() -> None:
    server = ormlint_lsp.create_server()

    def explode(params: Any) -> None:
        raise RuntimeError("boom")

    explode.__name__ = "explode"
    sent = []
    server.window_log_message = sent.append  # type: ignore[method-assign]
    assert server.guarded(explode, [])(None) == []
    assert "boom" in sent[0].message and sent[0].type == lsp.MessageType.Error


def test_importing_ormlint_does_not_import_pygls() -> None:
    import subprocess

    code = "import sys, ormlint.engine, ormlint.cli; print('pygls' in sys.modules)"
    command = [sys.executable, "-c", code]
    output = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert output.returncode == 0, output.stderr
    assert output.stdout.strip() == "False"


def test_a_change_on_disk_relinks_at_once_after_a_quiet_spell_and_a_burst_once_more_after_it(tmp_path):
    from ormlint.lsp import create_server

    server = create_server(checker=lambda *args: [])
    server.project_debounce_seconds = 0.05
    relinks: list[float] = []
    server.relink = lambda root, revalidate=False: relinks.append(asyncio.get_running_loop().time())

    async def changes() -> None:
        loop = asyncio.get_running_loop()
        start = loop.time()
        server.schedule_relink(tmp_path)  # the first change after a quiet spell
        assert len(relinks) == 1 and relinks[0] - start < 0.01
        for _ in range(5):  # a burst (a branch switch): one more lint, once it ends
            await asyncio.sleep(0.01)
            server.schedule_relink(tmp_path)
        assert len(relinks) == 1
        await asyncio.sleep(0.1)
        assert len(relinks) == 2 and relinks[1] - start >= 0.05 + 0.05
        await asyncio.sleep(0.06)  # quiet again
        server.schedule_relink(tmp_path)
        assert len(relinks) == 3

    asyncio.run(changes())
