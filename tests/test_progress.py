"""The progress line on a terminal: drawn only for runs longer than a second, throttled, erased
at the end, counting every analysed file whether the pool or the main process analysed it."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys

import pytest

from ormlint.config import Settings
from ormlint.engine import PARALLEL_THRESHOLD, run
from ormlint.progress import TerminalLine, reporting

MODEL = "from sqlalchemy import Column, DateTime\nclass A{n}(Base):\n    __tablename__ = 'a{n}'\n    a = Column(DateTime, server_default='now()')\n"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_nothing_is_drawn_in_the_first_second_then_throttled_then_erased():
    stream, clock = io.StringIO(), Clock()
    line = TerminalLine(stream, delay=1.0, clock=clock)
    line.begin(3)
    line.advance()
    assert stream.getvalue() == ""  # a short run shows nothing
    clock.now = 1.5
    line.advance()
    assert stream.getvalue() == "\rormlint: 2/3 files analysed"
    clock.now = 1.55
    line.advance()  # less than 0.1 s later: not redrawn
    assert stream.getvalue().count("\r") == 1
    line.end()
    assert stream.getvalue().endswith("\r" + " " * len("ormlint: 2/3 files analysed") + "\r")


@pytest.mark.parametrize("jobs", [1, 2])
def test_every_analysed_file_is_counted(tmp_path, jobs):
    count = PARALLEL_THRESHOLD + 3  # enough for the pool with jobs=2
    for n in range(count):
        (tmp_path / f"m{n}.py").write_text(MODEL.format(n=n))
    (tmp_path / "plain.py").write_text("x = 1\n")  # no model marker: answered in the main process
    line = TerminalLine(io.StringIO(), delay=0.0)
    with reporting(line):
        result = run([tmp_path], Settings(root=tmp_path), jobs=jobs)
    assert len([f for f in result.findings if f.code == "ORM301"]) == count
    assert line.total == line.done == count + 1


def test_no_line_when_standard_error_is_not_a_terminal(tmp_path):
    (tmp_path / "m.py").write_text(MODEL.format(n=1))
    done = subprocess.run(
        [sys.executable, "-m", "ormlint", "check", "--no-cache", str(tmp_path)],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 1 and "files analysed" not in done.stderr


@pytest.mark.skipif(not hasattr(pty, "openpty"), reason="no pseudo-terminals here")
def test_the_cli_draws_on_a_terminal_and_erases_the_line(tmp_path):
    for n in range(400):
        (tmp_path / f"m{n}.py").write_text(MODEL.format(n=n) * 5)
    controller, terminal = pty.openpty()
    env = {**os.environ, "ORMLINT_PROGRESS_DELAY": "0"}
    done = subprocess.run(
        [sys.executable, "-m", "ormlint", "check", "--no-cache", "-j", "1", str(tmp_path)],
        stdout=subprocess.PIPE, stderr=terminal, env=env, timeout=300,
    )
    os.close(terminal)
    shown = b""
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    os.close(controller)
    assert done.returncode == 1
    assert b"files analysed" in shown
    last = shown.rsplit(b"\r", 2)
    assert last[-1] == b"" and last[-2].strip() == b""  # erased: blanks, then back to column 0
    assert b"files analysed" not in done.stdout
