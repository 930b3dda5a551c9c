"""Nothing ormlint reads from a checked repository runs: not the models, pyproject.toml,
alembic.ini, env.py, the revisions, the cache, nor a module that shadows one ormlint imports.
Checked for every face: the CLI (cold and warm), `python -m ormlint`, flake8 and the language
server. Each planted file, if executed, leaves a marker file behind."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import time
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
TIMEOUT = 120


def _planted(marker: Path, name: str) -> str:
    return f"open({str(marker / name)!r}, 'w').close()\n"


class _Pickled:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker / 'cache-pickle'}",))


@pytest.fixture
def hostile(tmp_path: Path) -> tuple[Path, Path]:
    """A project whose every file ormlint might read runs code when executed."""
    root, marker = tmp_path / "project", tmp_path / "markers"
    root.mkdir()
    marker.mkdir()
    (root / "pyproject.toml").write_text(
        '[tool.ormlint]\nextend-exclude = ["build"]\n[tool.alembic]\nscript_location = "migrations"\n'
    )
    (root / "alembic.ini").write_text("[alembic]\nscript_location = migrations\n")
    (root / "models.py").write_text(
        _planted(marker, "models")
        + "from sqlalchemy import Column, DateTime, Integer\n"
        "from sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n\n\n"
        "class Thing(Base):\n    __tablename__ = 'things'\n"
        "    id = Column(Integer, primary_key=True)\n"
        "    at = Column(DateTime, server_default='now()')\n"
    )
    versions = root / "migrations" / "versions"
    versions.mkdir(parents=True)
    (root / "migrations" / "env.py").write_text(
        _planted(marker, "env") + "from models import Base\ntarget_metadata = Base.metadata\n"
    )
    (versions / "0001_things.py").write_text(
        _planted(marker, "revision")
        + "import sqlalchemy as sa\nfrom alembic import op\n\nrevision = '0001'\n"
        "down_revision = None\n\n\ndef upgrade():\n" + "    " + _planted(marker, "upgrade")
        + "    op.create_table('things', sa.Column('id', sa.Integer(), primary_key=True),"
        " sa.Column('at', sa.DateTime(), server_default='now()'))\n"
    )
    # Modules named like ones ormlint, click, libcst, pygls or flake8 import (lazily too).
    for name in ("libcst", "click", "json", "pygls", "lsprotocol", "tomllib", "ormlint_plugins",
                 "sitecustomize", "usercustomize", "conftest", "setup", "tokenize", "difflib"):
        (root / f"{name}.py").write_text(_planted(marker, f"shadow-{name}"))
    cache = root / ".ormlint_cache"
    cache.mkdir()
    payload = pickle.dumps(_Pickled(marker))
    for name in ("results.pickle", "results-0.pickle", "results-0.json"):
        (cache / name).write_bytes(payload)
    return root, marker


def _no_markers(marker: Path) -> None:
    assert sorted(p.name for p in marker.iterdir()) == []


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def test_the_cli_runs_nothing_cold_warm_and_as_a_module(hostile):
    root, marker = hostile
    commands = [
        ([str(BIN / "ormlint"), "check", "."], "ORM301"),  # cold
        ([str(BIN / "ormlint"), "check", "."], "ORM301"),  # warm: reads the cache it wrote
        ([str(BIN / "ormlint"), "check", "models.py", "--format", "sarif"], "ORM301"),
        ([str(BIN / "ormlint"), "check", "--diff", "."], "text('now()')"),
        # the working directory is on sys.path here
        ([sys.executable, "-m", "ormlint", "check", "."], "ORM301"),
    ]
    for command, expected in commands:
        out = subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=TIMEOUT, env=_env())
        assert out.returncode == 1, out.stderr
        assert expected in out.stdout
    _no_markers(marker)


def test_flake8_runs_nothing(hostile):
    root, marker = hostile
    out = subprocess.run(
        [str(BIN / "flake8"), "--select", "ORM", "models.py", "migrations"],
        cwd=root, capture_output=True, text=True, timeout=TIMEOUT, env=_env(),
    )
    assert out.returncode == 1 and "ORM301" in out.stdout, out.stderr
    _no_markers(marker)


def test_the_language_server_runs_nothing(hostile):
    root, marker = hostile
    server = subprocess.Popen(
        [str(BIN / "ormlint"), "lsp"], cwd=root, env=_env(),
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )
    try:
        uri = (root / "models.py").as_uri()
        _send(server, {"jsonrpc": "2.0", "id": 1, "method": "initialize",
                       "params": {"processId": None, "rootUri": root.as_uri(), "capabilities": {}}})
        _receive(server, lambda m: m.get("id") == 1)
        _send(server, {"jsonrpc": "2.0", "method": "initialized", "params": {}})
        for path in (root / "models.py", root / "migrations" / "env.py",
                     root / "migrations" / "versions" / "0001_things.py", root / "pyproject.toml"):
            _send(server, {"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {
                "textDocument": {"uri": path.as_uri(), "languageId": "python", "version": 1,
                                 "text": path.read_text()}}})
        published = _receive(
            server,
            lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri,
        )
        assert any(d["code"] == "ORM301" for d in published["params"]["diagnostics"])
        _send(server, {"jsonrpc": "2.0", "method": "textDocument/didSave",
                       "params": {"textDocument": {"uri": uri}}})
        _send(server, {"jsonrpc": "2.0", "id": 2, "method": "shutdown"})
        _receive(server, lambda m: m.get("id") == 2)
        _send(server, {"jsonrpc": "2.0", "method": "exit"})
        server.wait(timeout=10)
    finally:
        server.kill()
    _no_markers(marker)


def _send(server: subprocess.Popen, message: dict) -> None:
    body = json.dumps(message).encode()
    server.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    server.stdin.flush()


def _receive(server: subprocess.Popen, wanted, timeout: float = 30.0) -> dict:
    import selectors

    deadline = time.monotonic() + timeout
    selector = selectors.DefaultSelector()
    selector.register(server.stdout, selectors.EVENT_READ)
    buffer = b""
    while time.monotonic() < deadline:
        while b"\r\n\r\n" in buffer:
            header, rest = buffer.split(b"\r\n\r\n", 1)
            length = int(header.split(b"Content-Length:")[1].split(b"\r\n")[0])
            if len(rest) < length:
                break
            message, buffer = json.loads(rest[:length]), rest[length:]
            if wanted(message):
                return message
        if selector.select(timeout=max(0.0, deadline - time.monotonic())):
            chunk = os.read(server.stdout.fileno(), 65536)
            if not chunk:
                break
            buffer += chunk
    raise AssertionError("the language server did not answer in time")
