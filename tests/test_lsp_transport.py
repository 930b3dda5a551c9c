"""The language server's transport, driven with raw bytes on a real `ormlint lsp` subprocess:
framing errors cost only the broken message, never the server; the shutdown/exit sequence
follows the LSP specification; a huge document does not hold up other requests; and without
pygls, `ormlint lsp` says how to install it."""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

TIMEOUT = 30.0  # generous: these are correctness tests, and a wedged server fails instead of hanging
SERVER_COMMAND = (sys.executable, "-m", "ormlint", "lsp")
MODELS = """\
from sqlalchemy import Column, Integer, String
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class User(Base):
    __tablename__ = "users"
    id = Column(Integer, primary_key=True)
    created = Column(String, server_default="now()")
"""


def frame(message: Any, length: int | None = None, header: bytes = b"Content-Length") -> bytes:
    body = message if isinstance(message, bytes) else json.dumps(message).encode()
    size = len(body) if length is None else length
    return header + b": %d\r\n\r\n" % size + body


def request(id_: int, method: str, params: Any = None) -> dict:
    return {"jsonrpc": "2.0", "id": id_, "method": method, "params": params}


def notification(method: str, params: Any = None) -> dict:
    return {"jsonrpc": "2.0", "method": method, "params": params}


INITIALIZE = request(1, "initialize", {"processId": None, "rootUri": None, "capabilities": {}})


class RawServer:
    """`ormlint lsp` in a subprocess: bytes in, parsed messages out (the server's own framing is
    trusted here), every wait bounded."""

    def __init__(self, cwd: Path, env: dict[str, str] | None = None) -> None:
        self.process = subprocess.Popen(
            SERVER_COMMAND, cwd=cwd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.messages: queue.Queue[dict] = queue.Queue()
        self.stderr = bytearray()
        threading.Thread(target=self._read_stdout, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def _read_stdout(self) -> None:
        stdout = self.process.stdout
        assert stdout is not None
        while True:
            length = None
            while True:
                line = stdout.readline()
                if not line:
                    return
                if not line.strip():
                    break
                name, _, value = line.decode().partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            assert length is not None
            self.messages.put(json.loads(stdout.read(length)))

    def _read_stderr(self) -> None:
        assert self.process.stderr is not None
        while chunk := self.process.stderr.read1(4096):
            self.stderr += chunk

    def send(self, data: bytes) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(data)
        self.process.stdin.flush()

    def next_message(self) -> dict:
        try:
            return self.messages.get(timeout=TIMEOUT)
        except queue.Empty:
            raise AssertionError(
                f"no message within {TIMEOUT} s; server stderr:\n{self.stderr.decode()}"
            ) from None

    def reply_to(self, id_: Any) -> dict:
        """The response to request `id_` (other messages before it are kept in `self.seen`)."""
        while True:
            message = self.next_message()
            if "method" not in message and message.get("id") == id_:
                return message
            self.seen.append(message)

    seen: list[dict] = []

    def wait_exit(self) -> int:
        try:
            return self.process.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"the server did not exit; stderr:\n{self.stderr.decode()}")

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(TIMEOUT)


@pytest.fixture
def server(tmp_path: Path):
    pytest.importorskip("pygls")
    server = RawServer(tmp_path)
    server.seen = []
    server.send(frame(INITIALIZE))
    assert "capabilities" in server.reply_to(1)["result"]
    server.send(frame(notification("initialized", {})))
    yield server
    server.kill()


def shuts_down_cleanly(server: RawServer, id_: int = 99) -> None:
    server.send(frame(request(id_, "shutdown")))
    assert server.reply_to(id_) == {"jsonrpc": "2.0", "id": id_, "result": None}
    server.send(frame(notification("exit")))
    assert server.wait_exit() == 0, server.stderr.decode()


# -- framing --------------------------------------------------------------------------------------


def test_content_length_too_small_is_completed_by_what_follows(server: RawServer) -> None:
    body = json.dumps(request(2, "shutdown")).encode()
    server.send(frame(body, length=len(body) - 5) + frame(notification("exit")))
    assert server.reply_to(2)["result"] is None
    assert server.wait_exit() == 0


def test_content_length_too_large_costs_only_that_message(server: RawServer) -> None:
    body = json.dumps(request(2, "textDocument/hover", {
        "textDocument": {"uri": "file:///nowhere.py"}, "position": {"line": 0, "character": 0},
    })).encode()
    server.send(frame(body, length=len(body) + 100))
    # The body parses as it is: answered at once, without waiting for 100 more bytes.
    assert server.reply_to(2) == {"jsonrpc": "2.0", "id": 2, "result": None}
    shuts_down_cleanly(server)


def test_content_length_too_large_then_more_messages(server: RawServer) -> None:
    server.send(frame(b'{"jsonrpc": "2.0", "id": 2, "method": "shut', length=1000))
    shuts_down_cleanly(server)


def test_content_length_counted_in_characters_instead_of_bytes(server: RawServer) -> None:
    text = '# caf\u00e9 \u2603\n' + MODELS
    opened = notification("textDocument/didOpen", {"textDocument": {
        "uri": "file:///tmp/models.py", "languageId": "python", "version": 1, "text": text,
    }})
    as_text = json.dumps(opened, ensure_ascii=False)
    server.send(frame(as_text.encode(), length=len(as_text)))
    published = server.next_message()
    assert published["method"] == "textDocument/publishDiagnostics"
    assert [d["code"] for d in published["params"]["diagnostics"]] == ["ORM301"]
    shuts_down_cleanly(server)


def test_header_names_are_case_insensitive(server: RawServer) -> None:
    server.send(frame(request(2, "shutdown"), header=b"content-length"))
    assert server.reply_to(2)["result"] is None
    server.send(frame(notification("exit"), header=b"CONTENT-LENGTH"))
    assert server.wait_exit() == 0


def test_a_body_without_header_is_skipped(server: RawServer) -> None:
    server.send(json.dumps(request(2, "shutdown")).encode() + b"\r\n")
    shuts_down_cleanly(server)


def test_a_huge_content_length_is_skipped_without_running_out_of_memory(server: RawServer) -> None:
    server.send(b"Content-Length: 1000000000000\r\n\r\n" + json.dumps(request(2, "shutdown")).encode())
    shuts_down_cleanly(server)
    assert b"MemoryError" not in server.stderr
    assert b"Content-Length" in server.stderr  # the skipped message is logged


def test_a_body_that_is_not_json_is_a_parse_error(server: RawServer) -> None:
    server.send(frame(b'{"jsonrpc": "2.0", "id": 2, "method": '))
    error = server.next_message()
    assert error["id"] is None and error["error"]["code"] == -32700
    server.send(frame(b"[1, 2]"))
    assert server.next_message()["error"]["code"] == -32600  # JSON, but no message
    shuts_down_cleanly(server)


# -- the shutdown and exit sequence ---------------------------------------------------------------


def test_requests_after_shutdown_are_invalid(server: RawServer) -> None:
    server.send(frame(request(2, "shutdown")))
    assert server.reply_to(2)["result"] is None
    server.send(frame(request(3, "textDocument/hover", {
        "textDocument": {"uri": "file:///nowhere.py"}, "position": {"line": 0, "character": 0},
    })))
    assert server.reply_to(3)["error"]["code"] == -32600
    server.send(frame(notification("exit")))
    assert server.wait_exit() == 0


def test_exit_without_shutdown_exits_1(server: RawServer) -> None:
    server.send(frame(notification("exit")))
    assert server.wait_exit() == 1


# -- big documents --------------------------------------------------------------------------------


def did_open(uri: str, text: str, version: int = 1) -> dict:
    return notification("textDocument/didOpen", {"textDocument": {
        "uri": uri, "languageId": "python", "version": version, "text": text,
    }})


def hover(id_: int, uri: str) -> dict:
    return request(id_, "textDocument/hover", {
        "textDocument": {"uri": uri}, "position": {"line": 0, "character": 0},
    })


def models(copies: int) -> str:
    """`copies` model classes: linting takes about a second per 25 kB here."""
    return MODELS + "".join(
        f"\n\nclass User{n}(Base):\n    __tablename__ = \"users_{n}\"\n"
        f"    id = Column(Integer, primary_key=True)\n"
        f"    created = Column(String, server_default=\"now()\")\n"
        for n in range(copies)
    )


def wait_for(server: RawServer, predicate: Any) -> dict:
    for message in server.seen:
        if predicate(message):
            server.seen.remove(message)
            return message
    while True:
        message = server.next_message()
        if predicate(message):
            return message
        server.seen.append(message)


def test_a_document_over_the_size_limit_is_not_linted_and_holds_up_nothing(
    server: RawServer, tmp_path: Path
) -> None:
    from ormlint.config import DEFAULT_MAX_FILE_SIZE

    uri = (tmp_path / "huge.py").as_uri()
    text = MODELS * (20 * 1024 * 1024 // len(MODELS))
    assert len(text) > DEFAULT_MAX_FILE_SIZE
    server.send(frame(did_open(uri, text)))
    server.send(frame(hover(2, uri)))
    assert server.reply_to(2)["result"] is None
    published = wait_for(server, lambda m: m.get("method") == "textDocument/publishDiagnostics")
    assert published["params"]["uri"] == uri and published["params"]["diagnostics"] == []
    logged = wait_for(server, lambda m: m.get("method") == "window/logMessage")
    assert "not linted" in logged["params"]["message"] and "max-file-size" in logged["params"]["message"]
    shuts_down_cleanly(server)


def test_a_slow_lint_holds_up_nothing_and_only_the_latest_version_is_published(
    server: RawServer, tmp_path: Path
) -> None:
    from ormlint.lsp_process import ProcessChecker

    uri = (tmp_path / "big.py").as_uri()
    server.send(frame(did_open(uri, models(3000))))  # about 0.5 MB: a lint of many seconds
    server.send(frame(hover(2, uri)))
    assert server.reply_to(2)["result"] is None  # answered while the lint runs
    time.sleep(ProcessChecker.CANCEL_AFTER_SECONDS + 0.5)  # long enough for the lint to be stopped
    server.send(frame(notification("textDocument/didChange", {
        "textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": MODELS}],
    })))
    published = wait_for(server, lambda m: m.get("method") == "textDocument/publishDiagnostics")
    assert published["params"]["version"] == 2  # version 1's lint was stopped, never published
    assert [d["code"] for d in published["params"]["diagnostics"]] == ["ORM301"]
    shuts_down_cleanly(server)


def test_after_each_lint_the_project_process_freezes_its_warm_heap(tmp_path: Path) -> None:
    """Full collections of the warm heap during a lint cost the project process 30-60 ms in
    one run of two on polar: the heap is collected and frozen after each lint instead."""
    import gc

    from ormlint.config import Settings
    from ormlint.lsp_process import ProcessChecker

    checker = ProcessChecker(settles=True)  # (as the server's project process is)
    try:
        path = tmp_path / "models.py"
        findings = checker(path.as_uri(), MODELS, str(path), Settings(), path)
        assert [f.code for f in findings] == ["ORM301"]
        pool = checker._current_pool()
        assert pool.submit(gc.get_freeze_count).result() > 0  # (runs after the settling)
    finally:
        checker.close()


# -- without the `lsp` extra ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "fake_pygls",
    [
        {"pygls/__init__.py": "raise ImportError('pygls is blocked by this test')"},
        {"pygls/__init__.py": "", "pygls/lsp/__init__.py": ""},  # pygls 1.x: no pygls.lsp.server
    ],
    ids=["missing", "pygls-1"],
)
def test_lsp_without_the_extra_says_how_to_install_it(tmp_path: Path, fake_pygls: dict) -> None:
    import os

    for name, text in fake_pygls.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    paths = [str(tmp_path), *filter(None, [os.environ.get("PYTHONPATH")])]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    done = subprocess.run(
        SERVER_COMMAND, cwd=tmp_path, env=env, stdin=subprocess.DEVNULL, capture_output=True,
        text=True, timeout=TIMEOUT,
    )
    assert done.returncode == 2
    assert 'pip install "ormlint[lsp]"' in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
