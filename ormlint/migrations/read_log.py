"""What the reading of an Alembic environment's database (ormlint.migrations.dialect) looked at:
each file it read and each directory it listed or looked into, with its status. A later run
tells that the answer still holds by taking those statuses again, reading nothing: a fresh
process of a Flask project otherwise walks and reads the whole repository (indico: 80 ms) at
every run. The results cache keeps the answers with their logs (`ResultCache.environments`).

Recording is for one thread at a time (a run's project phase); the readers call `note_file`
and `note_directory`, which do nothing when nothing is recorded."""

from __future__ import annotations

import os
import stat
import time
from contextlib import contextmanager
from typing import Any, Iterator

from ormlint import cache
from ormlint.cache import status_key

ABSENT = "absent"


class ReadLog:
    def __init__(self) -> None:
        # path -> [kind ("f" a file, "d" a directory), its status or ABSENT]
        self.entries: dict[str, list] = {}
        self.settled = True  # False: something changed just now, the log is not to be kept
        # (a directory changed within the window of the look may change again unseen within the
        # same clock tick: not trusted, as the results cache's file statuses are not)
        self._recent = time.time_ns() - cache._RACY_NANOSECONDS

    def note(self, path: str, kind: str) -> None:
        if path in self.entries:
            return
        status = _status(path, kind)
        if status is None or (kind == "d" and status != ABSENT and max(status[0], status[1]) > self._recent):
            self.settled = False
        self.entries[path] = [kind, status]


_recording: ReadLog | None = None


@contextmanager
def recording() -> Iterator[ReadLog]:
    """Records what the code run inside looks at."""
    global _recording
    outer, _recording = _recording, ReadLog()
    try:
        yield _recording
    finally:
        _recording = outer


def note_file(path: Any) -> None:
    """The file at `path` is read (or looked for)."""
    if _recording is not None:
        _recording.note(os.path.abspath(path), "f")


def note_directory(path: Any) -> None:
    """The directory at `path` is listed, or a name in it is looked for."""
    if _recording is not None:
        _recording.note(os.path.abspath(path), "d")


def unkept() -> None:
    """What is recorded depends on more than the log holds: it is not to be kept."""
    if _recording is not None:
        _recording.settled = False


def still_holds(entries: Any) -> bool:
    """Is every path of a log (`ReadLog.entries`, as stored) as it was?"""
    if type(entries) is not dict:
        return False
    for path, recorded in entries.items():
        if type(path) is not str or type(recorded) is not list or len(recorded) != 2:
            return False
        kind, status = recorded
        if kind not in ("f", "d") or status is None or _status(path, kind) != status:
            return False
    return True


def _status(path: str, kind: str) -> Any:
    """A regular file looked for as a file ("f"): the results cache's `status_key` (None when it
    changed just now). A directory looked for as one ("d"): [mtime, ctime, inode, device].
    ABSENT when there is none of that kind there; None for a FIFO, a socket or a device (never
    kept)."""
    try:
        found = os.stat(path)
    except (OSError, ValueError):
        return ABSENT
    if stat.S_ISDIR(found.st_mode):
        return [found.st_mtime_ns, found.st_ctime_ns, found.st_ino, found.st_dev] if kind == "d" else ABSENT
    if stat.S_ISREG(found.st_mode):
        return status_key(found) if kind == "f" else ABSENT
    return None
