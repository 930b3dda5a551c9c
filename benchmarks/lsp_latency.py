"""Lint-on-save latency of `ormlint lsp`: from sending a save to receiving its diagnostics.

    python benchmarks/lsp_latency.py                 # a generated ~300-line model file
    python benchmarks/lsp_latency.py app/models.py   # your own file (it is not modified)
    python benchmarks/lsp_latency.py --cycles 200

Starts the server as the editor would (a subprocess speaking JSON-RPC over stdio), opens the file,
then measures, in milliseconds:

- open: didOpen to the first publishDiagnostics (includes the first lint's warm-up);
- edited save: N cycles of a small edit (didChange with the whole text, as the server asks for
  Full sync) immediately followed by didSave, timed from sending the didChange to receiving the
  diagnostics for that version (the save cancels the debounced lint of the change and lints now);
- save after pause: N cycles of an edit, a pause long enough for the debounced lint of the edit
  to publish, then didSave, timed from the didSave (the usual rhythm: type, pause, save; the
  save is answered from the per-document cache);
- unchanged save: N didSave without an edit (answered from the per-document cache).

With `--project DIR` (a project: `[tool.ormlint]`, alembic.ini or a repository root), a copy of
DIR gets the generated model file and a second file whose class the first one's relationship
names, and the documents are linted inside the project (project and drift findings included):

- open: the first lint (the text alone), then the lint inside the project, cold (every file
  analysed, the cache filled);
- edited save and unchanged save, as above, with the project warm: the first diagnostics (the
  text alone, with the project findings of the last project lint carried over), then
  "+ project", the diagnostics of the lint inside the project;
- cross-file, saved document: the second file, open in the editor, renames its class (or
  restores it) and is saved; timed until the model file's diagnostics change (ORM104 comes or
  goes);
- cross-file, file watcher: the same change written by another program while the second file
  is closed, reported by `workspace/didChangeWatchedFiles`.

A plain JSON-RPC client is used, so the numbers are the server's plus the pipe, not a client
library's. This is a measurement tool, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import queue
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

SERVER = [sys.executable, "-m", "ormlint", "lsp"]  # what editors run (`ormlint lsp`)
TIMEOUT = 30.0
COLD_TIMEOUT = 900.0  # the first lint of a big project analyses every file


# -- a minimal JSON-RPC client over the server's stdio --------------------------------------------


class Client:
    def __init__(self, command: list[str], cwd: Path) -> None:
        self.process = subprocess.Popen(
            command, cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        self.messages: queue.Queue[dict[str, Any]] = queue.Queue()
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        while True:
            length = None
            while True:
                header = stream.readline()
                if not header:
                    return
                if header in (b"\r\n", b"\n"):
                    break
                name, _, value = header.decode("ascii").partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            if length is None:
                continue
            self.messages.put(json.loads(stream.read(length)))

    def send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def notify(self, method: str, params: Any) -> None:
        self.send({"method": method, "params": params})

    def request(self, method: str, params: Any) -> Any:
        self.next_id += 1
        self.send({"id": self.next_id, "method": method, "params": params})
        message = self.wait(lambda m: m.get("id") == self.next_id and "method" not in m)
        if "error" in message:
            raise RuntimeError(f"{method}: {message['error']}")
        return message.get("result")

    def wait(self, accept: Any, timeout: float = TIMEOUT) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("no reply from the server")
            message = self.messages.get(timeout=remaining)
            if accept(message):
                return message

    def wait_diagnostics(
        self, uri: str, version: int | None, having: Any = lambda codes: True,
        timeout: float = TIMEOUT,
    ) -> dict[str, Any]:
        """The next diagnostics for `uri` (at `version`) whose codes `having` accepts."""
        def accept(message: dict[str, Any]) -> bool:
            if message.get("method") != "textDocument/publishDiagnostics":
                return False
            params = message["params"]
            return (
                params["uri"] == uri and (version is None or params.get("version") == version)
                and having({d.get("code") for d in params["diagnostics"]})
            )

        return self.wait(accept, timeout)["params"]

    def close(self) -> None:
        try:
            self.request("shutdown", None)
            self.notify("exit", None)
            self.process.wait(timeout=10)
        finally:
            if self.process.poll() is None:
                self.process.kill()


# -- the model file -------------------------------------------------------------------------------

MODEL = '''

class {name}(Base):
    """Generated model {index}."""

    __tablename__ = "{table}"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False, index=True)
    email: Mapped[Optional[str]] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(20), server_default="active")
    score: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, server_default={created})
    updated_at: Mapped[Optional[datetime]] = mapped_column(DateTime, onupdate=func.now())
    notes: Mapped[{notes}] = mapped_column(Text, nullable=True)
    owner_id: Mapped[Optional[int]] = mapped_column(ForeignKey("{parent}.id"))
    owner: Mapped[Optional["{parent_class}"]] = relationship(remote_side=[id])

    __table_args__ = (Index("ix_{table}_status_score", "status", "score"),)
'''


def generate(classes: int = 15) -> str:
    """About 20 lines per model; every third model has findings (ORM301, ORM202)."""
    header = (
        "# Generated by benchmarks/lsp_latency.py\n"
        "from datetime import datetime\n"
        "from typing import Optional\n\n"
        "from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, func\n"
        "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship\n\n\n"
        "class Base(DeclarativeBase):\n"
        "    pass\n"
    )
    parts = [header]
    for index in range(classes):
        flawed = index % 3 == 0
        parts.append(
            MODEL.format(
                name=f"Model{index}",
                index=index,
                table=f"model_{index}",
                created='"now()"' if flawed else "func.now()",
                notes="str" if flawed else "Optional[str]",
                parent=f"model_{max(index - 1, 0)}",
                parent_class=f"Model{max(index - 1, 0)}",
            )
        )
    return "".join(parts)


def edited(text: str, cycle: int) -> str:
    """A small edit: the kind a user makes between two saves (one changed line, inside a model
    class in the middle of the file, so that the server re-parses that class). A file of your own
    gets its first line changed instead."""
    marker = '"""Generated model 7.'
    if marker in text:
        return text.replace(marker, f'"""Generated model 7, edit {cycle}.', 1)
    first, newline, rest = text.partition("\n")
    return f"{first}  # edit {cycle}{newline}{rest}" if not first.rstrip().endswith("\\") else text + f"\n# edit {cycle}\n"


# -- measurement ----------------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def summary(label: str, values: list[float]) -> str:
    median, p90 = statistics.median(values), percentile(values, 0.9)
    return (
        f"{label:<17} median {median:7.2f} ms   p90 {p90:7.2f} ms"
        f"   min {min(values):7.2f} ms   max {max(values):7.2f} ms   (n={len(values)})"
    )


# The project mode's second file, and the class of the model file that names its class.
TARGET = """from sqlalchemy.orm import Mapped, mapped_column

from lsp_bench_models import Base


class {name}(Base):
    __tablename__ = "lsp_bench_target"
    id: Mapped[int] = mapped_column(primary_key=True)
"""
OWNER = """

class LspBenchOwner(Base):
    __tablename__ = "lsp_bench_owner"
    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("lsp_bench_target.id"))
    target = relationship("LspBenchTarget")
"""


def target(cycle: int) -> str:
    """The second file: the class the model file names on even cycles, another name on odd."""
    return TARGET.format(name="LspBenchTarget" if cycle % 2 == 0 else f"LspBenchRenamed{cycle}")


def has_orm104(cycle: int) -> Any:
    return lambda codes: ("ORM104" in codes) == (cycle % 2 == 1)


def project_mode(project: Path, cycles: int) -> int:
    with tempfile.TemporaryDirectory(prefix="ormlint-lsp-bench-") as workdir:
        root = Path(workdir) / project.name
        shutil.copytree(project, root, symlinks=True, ignore=shutil.ignore_patterns(".ormlint_cache"))
        path, other = root / "lsp_bench_models.py", root / "lsp_bench_target.py"
        text = generate() + OWNER
        path.write_text(text, encoding="utf-8")
        other.write_text(target(0), encoding="utf-8")
        uri, other_uri = path.as_uri(), other.as_uri()
        client = Client(SERVER, cwd=root)
        try:
            capabilities = {"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": True}}}
            client.request(
                "initialize", {"processId": os.getpid(), "rootUri": root.as_uri(), "capabilities": capabilities}
            )
            client.notify("initialized", {})
            sent = time.perf_counter()
            document = {"uri": uri, "languageId": "python", "version": 1, "text": text}
            client.notify("textDocument/didOpen", {"textDocument": document})
            client.wait_diagnostics(uri, 1, timeout=COLD_TIMEOUT)
            opened = (time.perf_counter() - sent) * 1000
            first = client.wait_diagnostics(uri, 1, timeout=COLD_TIMEOUT)  # the project lint's
            opened_project = (time.perf_counter() - sent) * 1000
            version, saves, saves_project, unchanged, unchanged_project = 1, [], [], [], []
            for cycle in range(cycles):
                version += 1
                sent = time.perf_counter()
                client.notify("textDocument/didChange", {
                    "textDocument": {"uri": uri, "version": version},
                    "contentChanges": [{"text": edited(text, cycle)}],
                })
                client.notify("textDocument/didSave", {"textDocument": {"uri": uri}})
                client.wait_diagnostics(uri, version)  # the text alone, project findings carried
                saves.append((time.perf_counter() - sent) * 1000)
                client.wait_diagnostics(uri, version)  # inside the project
                saves_project.append((time.perf_counter() - sent) * 1000)
            for _ in range(cycles):
                sent = time.perf_counter()
                client.notify("textDocument/didSave", {"textDocument": {"uri": uri}})
                client.wait_diagnostics(uri, version)
                unchanged.append((time.perf_counter() - sent) * 1000)
                client.wait_diagnostics(uri, version)
                unchanged_project.append((time.perf_counter() - sent) * 1000)

            saved_other = []
            document = {"uri": other_uri, "languageId": "python", "version": 1, "text": target(0)}
            client.notify("textDocument/didOpen", {"textDocument": document})
            client.wait_diagnostics(other_uri, 1)
            client.wait_diagnostics(other_uri, 1)
            for cycle in range(1, cycles + 1):
                other.write_text(target(cycle), encoding="utf-8")
                sent = time.perf_counter()
                client.notify("textDocument/didChange", {
                    "textDocument": {"uri": other_uri, "version": cycle + 1},
                    "contentChanges": [{"text": target(cycle)}],
                })
                client.notify("textDocument/didSave", {"textDocument": {"uri": other_uri}})
                client.wait_diagnostics(uri, version, has_orm104(cycle))
                saved_other.append((time.perf_counter() - sent) * 1000)
            client.notify("textDocument/didClose", {"textDocument": {"uri": other_uri}})

            watched = []
            for cycle in range(cycles + 1, 2 * cycles + 1):
                other.write_text(target(cycle), encoding="utf-8")
                sent = time.perf_counter()
                change = {"uri": other_uri, "type": 2}  # Changed
                client.notify("workspace/didChangeWatchedFiles", {"changes": [change]})
                client.wait_diagnostics(uri, version, has_orm104(cycle))
                watched.append((time.perf_counter() - sent) * 1000)
        finally:
            client.close()
    files = sum(1 for _ in project.rglob("*.py"))
    print(f"project: {project} ({files} Python files), file: generated ({len(text.splitlines())} "
          f"lines, {len(first['diagnostics'])} diagnostics)")
    print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs")
    print(f"{'open':<17} {opened:7.2f} ms (the text alone), {opened_project:.0f} ms (inside "
          "the project, cold)")
    print(summary("edited save", saves))
    print(summary("  + project", saves_project))
    print(summary("unchanged save", unchanged))
    print(summary("  + project", unchanged_project))
    print(summary("cross-file, saved", saved_other))
    print(summary("cross-file, watched", watched))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", nargs="?", type=Path, help="a model file (default: generated)")
    parser.add_argument("--cycles", type=int, default=50, help="save cycles per measure (50)")
    parser.add_argument("--project", type=Path, help="lint inside a copy of this project")
    args = parser.parse_args(argv)
    if args.project is not None:
        return project_mode(args.project.resolve(), args.cycles)

    with tempfile.TemporaryDirectory(prefix="ormlint-lsp-bench-") as workdir:
        if args.file is not None:
            path = args.file.resolve()
            text = path.read_text(encoding="utf-8")
        else:
            path = Path(workdir) / "models.py"
            text = generate()
            path.write_text(text, encoding="utf-8")
        uri = path.as_uri()
        client = Client(SERVER, cwd=Path(workdir))
        try:
            started = time.perf_counter()
            client.request(
                "initialize",
                {"processId": os.getpid(), "rootUri": path.parent.as_uri(), "capabilities": {}},
            )
            client.notify("initialized", {})
            initialized = time.perf_counter()

            version = 1
            sent = time.perf_counter()
            document = {"uri": uri, "languageId": "python", "version": version, "text": text}
            client.notify("textDocument/didOpen", {"textDocument": document})
            first = client.wait_diagnostics(uri, version)
            opened = (time.perf_counter() - sent) * 1000

            saves = []
            for cycle in range(args.cycles):
                version += 1
                sent = time.perf_counter()
                client.notify(
                    "textDocument/didChange",
                    {
                        "textDocument": {"uri": uri, "version": version},
                        "contentChanges": [{"text": edited(text, cycle)}],
                    },
                )
                client.notify("textDocument/didSave", {"textDocument": {"uri": uri}})
                client.wait_diagnostics(uri, version)
                saves.append((time.perf_counter() - sent) * 1000)

            paused = []
            for cycle in range(args.cycles):
                version += 1
                client.notify(
                    "textDocument/didChange",
                    {
                        "textDocument": {"uri": uri, "version": version},
                        "contentChanges": [{"text": edited(text, args.cycles + cycle)}],
                    },
                )
                client.wait_diagnostics(uri, version)  # the debounced lint of the typing pause
                sent = time.perf_counter()
                client.notify("textDocument/didSave", {"textDocument": {"uri": uri}})
                client.wait_diagnostics(uri, version)
                paused.append((time.perf_counter() - sent) * 1000)

            unchanged = []
            for _ in range(args.cycles):
                sent = time.perf_counter()
                client.notify("textDocument/didSave", {"textDocument": {"uri": uri}})
                client.wait_diagnostics(uri, version)
                unchanged.append((time.perf_counter() - sent) * 1000)
        finally:
            client.close()

    print(f"file: {path if args.file else 'generated'} ({len(text.splitlines())} lines, "
          f"{len(first['diagnostics'])} diagnostics)")
    print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs")
    print(f"server start + initialize: {(initialized - started) * 1000:.0f} ms")
    print(f"{'open':<17} {opened:7.2f} ms (first lint)")
    print(summary("edited save", saves))
    print(summary("save after pause", paused))
    print(summary("unchanged save", unchanged))
    return 0


if __name__ == "__main__":
    sys.exit(main())
