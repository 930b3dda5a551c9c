"""`ormlint check --jobs N`'s worker processes: a worker killed mid-run (as the out-of-memory
killer does) costs no file's findings, and workers never outlive the main process. Every run is a
subprocess with a timeout, found and killed through /proc (Linux only)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/task").is_dir(), reason="finds the worker processes in /proc"
)

TIMEOUT = 120.0  # a wedged run fails the test instead of hanging the suite
CLASSES_PER_FILE = 20
CHECK = (sys.executable, "-m", "ormlint", "check", "app", "--jobs", "2", "--no-cache")


def write_project(root: Path, files: int) -> list[str]:
    """`files` model files under root/app, each with CLASSES_PER_FILE ORM301 findings."""
    (root / "pyproject.toml").write_text("[tool.ormlint]\n")
    app = root / "app"
    app.mkdir()
    names = []
    for number in range(files):
        source = "from sqlalchemy import Column, Integer, String\n"
        source += "from sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n"
        for cls in range(CLASSES_PER_FILE):
            source += textwrap.dedent(f"""

                class Model{cls}(Base):
                    __tablename__ = "table_{number}_{cls}"
                    id = Column(Integer, primary_key=True)
                    created = Column(String, server_default="now()")
                """)
        (app / f"models_{number}.py").write_text(source)
        names.append(os.path.join("app", f"models_{number}.py"))
    return names


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except (OSError, ValueError):
            pass
    return found


def command_line(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def wait_for_children(process: subprocess.Popen, count: int) -> list[int]:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline and process.poll() is None:
        found = children(process.pid)
        if len(found) >= count:
            return found
        time.sleep(0.01)
    raise AssertionError(f"no {count} worker processes appeared (exit status {process.poll()})")


def is_gone(pid: int) -> bool:
    """Exited (a zombie counts: nobody may reap an orphan in a container)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state in ("Z", "X")


def wait_gone(pids: list[int], timeout: float) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alive = [pid for pid in pids if not is_gone(pid)]
        if not alive:
            return []
        time.sleep(0.05)
    return [pid for pid in pids if not is_gone(pid)]


def kill_all(process: subprocess.Popen, workers: list[int]) -> None:
    """Cleanup after a failed assertion: only the processes this test started."""
    if process.poll() is None:
        process.kill()
        process.wait(TIMEOUT)
    for pid in workers:
        if not is_gone(pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def test_a_worker_killed_mid_run_costs_no_findings(tmp_path: Path) -> None:
    names = write_project(tmp_path, 60)
    process = subprocess.Popen(
        [*CHECK, "--format", "json"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    workers: list[int] = []
    try:
        workers = wait_for_children(process, 2)
        os.kill(workers[0], signal.SIGKILL)
        output, errors = process.communicate(timeout=TIMEOUT)
    finally:
        kill_all(process, workers)
    assert process.returncode == 1, errors.decode()
    findings = json.loads(output)
    assert not [f for f in findings if f["code"] != "ORM301"]
    assert sorted({f["path"] for f in findings}) == sorted(names)
    assert len(findings) == len(names) * CLASSES_PER_FILE


# Runs the engine with workers that SIGKILL themselves on `always.py`, and on `once.py` the first
# time only; then again, from the cache, without the kills.
CRASHING_WORKERS = """
import multiprocessing, os, signal, sys
from pathlib import Path

multiprocessing.set_start_method("fork")  # the workers get this module's patched job function

from ormlint import engine
from ormlint.config import load_settings

main_pid = os.getpid()
analyse_job = engine._analyse_job


def dies_in_workers(job):
    name = os.path.basename(job[1])
    if os.getpid() != main_pid:
        if name == "always.py":
            os.kill(os.getpid(), signal.SIGKILL)
        if name == "once.py" and not Path("once.marker").exists():
            Path("once.marker").touch()
            os.kill(os.getpid(), signal.SIGKILL)
    return analyse_job(job)


settings = load_settings([Path("app")])
for patched in (dies_in_workers, analyse_job):
    engine._analyse_job = patched
    result = engine.run([Path("app")], settings, jobs=2, cache_dir=Path("cache"))
    for finding in result.findings:
        print(os.path.basename(finding.path), finding.code, finding.message, sep="|")
    print("--")
"""


def test_a_file_that_kills_its_worker_twice_is_orm999_and_others_are_retried(tmp_path: Path) -> None:
    write_project(tmp_path, 20)
    app = tmp_path / "app"
    (app / "models_0.py").rename(app / "always.py")
    (app / "models_1.py").rename(app / "once.py")
    done = subprocess.run(
        [sys.executable, "-c", CRASHING_WORKERS], cwd=tmp_path, capture_output=True, text=True,
        timeout=TIMEOUT,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "once.marker").exists()
    first, second, _ = done.stdout.split("--\n")
    rows = [line.split("|") for line in first.splitlines()]
    by_file: dict[str, list[str]] = {}
    for name, code, message in rows:
        by_file.setdefault(name, []).append(code)
    assert len(by_file) == 20
    assert by_file.pop("always.py") == ["ORM999"]
    assert all(codes == ["ORM301"] * CLASSES_PER_FILE for codes in by_file.values())
    [crash] = [message for name, _, message in rows if name == "always.py"]
    assert "crashed the worker process" in crash
    # The crash is not cached: the next run analyses the file again.
    again = [line.split("|")[:2] for line in second.splitlines()]
    assert ["always.py", "ORM999"] not in again
    assert again.count(["always.py", "ORM301"]) == CLASSES_PER_FILE


@pytest.mark.parametrize("kill_signal", [signal.SIGKILL, signal.SIGTERM])
def test_workers_exit_with_the_main_process(tmp_path: Path, kill_signal: int) -> None:
    write_project(tmp_path, 60)
    process = subprocess.Popen(CHECK, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    workers: list[int] = []
    try:
        workers = wait_for_children(process, 2)
        process.send_signal(kill_signal)
        process.wait(TIMEOUT)
        survivors = wait_gone(workers, timeout=10)
    finally:
        kill_all(process, workers)
    assert process.returncode == -kill_signal
    assert survivors == [], f"workers outlived the main process: {survivors}"


def test_the_language_servers_lint_process_exits_with_the_server(tmp_path: Path) -> None:
    pytest.importorskip("pygls")
    server = subprocess.Popen(
        (sys.executable, "-m", "ormlint", "lsp"), cwd=tmp_path, stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    workers: list[int] = []
    try:
        deadline = time.monotonic() + TIMEOUT
        while not workers and time.monotonic() < deadline:  # started at once, to load libcst
            workers = [pid for pid in children(server.pid) if b"spawn_main" in command_line(pid)]
            time.sleep(0.01)
        assert workers, "no lint process started"
        server.kill()
        server.wait(TIMEOUT)
        survivors = wait_gone(workers, timeout=10)
    finally:
        kill_all(server, workers)
    assert survivors == [], f"the lint process outlived the server: {survivors}"
