"""How far a long run is: files analysed so far, on one line of a terminal's standard error.

The pipeline reports through `begin(total)` and `advance()`, which do nothing unless a face asked
for progress with `reporting(...)` (the CLI, when standard error is a terminal): no parameter is
threaded through the engine for it. The line appears only once a run has taken longer than
`delay` seconds, is redrawn at most ten times a second, and is erased when the run ends, so
short runs and output to files or pipes look exactly as without it.
"""

from __future__ import annotations

import os
import time
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Callable, Iterator, TextIO


def default_delay() -> float:
    """Seconds before the line appears: 1, or ORMLINT_PROGRESS_DELAY (tests, screen recordings)."""
    try:
        return max(0.0, float(os.environ.get("ORMLINT_PROGRESS_DELAY", "1")))
    except ValueError:
        return 1.0


class TerminalLine:
    def __init__(self, stream: TextIO, delay: float | None = None, clock: Callable[[], float] = time.monotonic):
        delay = default_delay() if delay is None else delay
        self.stream, self.delay, self.clock = stream, delay, clock
        self.started = clock()
        self.total = self.done = 0
        self.drawn_at: float | None = None
        self.width = 0

    def begin(self, total: int) -> None:
        self.total += total

    def advance(self) -> None:
        self.done += 1
        now = self.clock()
        if now - self.started < self.delay or (self.drawn_at is not None and now - self.drawn_at < 0.1):
            return
        text = f"ormlint: {self.done}/{self.total} files analysed"
        self.stream.write("\r" + text.ljust(self.width))
        self.stream.flush()
        self.width, self.drawn_at = len(text), now

    def end(self) -> None:
        if self.drawn_at is not None:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()
            self.drawn_at = None


_current: ContextVar[TerminalLine | None] = ContextVar("ormlint_progress", default=None)


@contextmanager
def reporting(line: TerminalLine | None) -> Iterator[None]:
    """Report the progress of the runs inside the block on `line` (None: not at all)."""
    token = _current.set(line)
    try:
        yield
    finally:
        _current.reset(token)
        if line is not None:
            line.end()


def begin(total: int) -> None:
    line = _current.get()
    if line is not None:
        line.begin(total)


def advance() -> None:
    line = _current.get()
    if line is not None:
        line.advance()
