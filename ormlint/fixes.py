"""Applying fixes: text edits, re-parsed before anything is written, repeated until none apply,
written atomically and only if the file did not change meanwhile."""

from __future__ import annotations

import difflib
import os
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import libcst as cst

from ormlint.analysis import fixable_findings
from ormlint.discovery import discover
from ormlint.findings import Finding
from ormlint.prefilter import may_contain_models
from ormlint.sources import decode, read_file
from ormlint.syntax import newline_of, python_lines, with_newline

MAX_ROUNDS = 10


# -- applying edits --------------------------------------------------------------------------------


@dataclass
class FixResult:
    source: str
    fixed: list[Finding]  # findings whose fix was applied
    error: str | None = None  # why fixing stopped early (a fix that would not parse)
    remaining: list[Finding] = field(default_factory=list)  # the findings of `source`


def _offsets(source: str) -> list[int]:
    """Where each line starts, lines numbered as Python (and so the findings) number them."""
    starts = [0]
    for line in python_lines(source):
        starts.append(starts[-1] + len(line))
    return starts


def apply_edits(source: str, findings: Sequence[Finding]) -> tuple[str, list[Finding]]:
    """Apply the fixes of `findings` that do not overlap one another (first come, first
    served); the others wait for the next round. Returns the new text and the findings fixed.
    A line a fix inserts ends with the file's own newline (fixes write "\n")."""
    starts = _offsets(source)
    newline = newline_of(source)

    def offset(line: int, column: int) -> int:
        return starts[line - 1] + column - 1

    taken: list[tuple[int, int]] = []
    chosen: list[tuple[int, int, str]] = []
    applied: list[Finding] = []
    for finding in findings:
        edits = [
            (
                offset(e["line"], e["column"]), offset(e["end_line"], e["end_column"]),
                with_newline(e["content"], newline),
            )
            for e in finding.fix["edits"]
        ]
        if any(s < te and ts < e or s == e == ts for s, e, _ in edits for ts, te in taken):
            continue
        taken += [(s, e) for s, e, _ in edits]
        chosen += edits
        applied.append(finding)
    for start, end, content in sorted(chosen, reverse=True):
        source = source[:start] + content + source[end:]
    return source, applied


def parses(source: str) -> bool:
    from ormlint.syntax import parse_python

    try:
        parse_python(source)
    except SyntaxError:
        try:  # syntax newer than this interpreter: libcst's verdict
            cst.parse_module(source)
        except Exception:
            return False
    except Exception:
        return False
    return True


def fix_source(
    source: str,
    analyse: Callable[[str], list[Finding]],
    unsafe: bool = False,
) -> FixResult:
    """Apply fixes round after round until none is left (bounded); a round whose result would
    not parse is dropped and ends fixing. The result's `remaining` are the findings left."""
    fixed: list[Finding] = []
    current = source
    for _ in range(MAX_ROUNDS):
        findings = analyse(current)
        fixable = [f for f in findings if f.fix and (unsafe or f.fix["applicability"] == "safe")]
        if not fixable:
            break
        candidate, applied = apply_edits(current, fixable)
        if candidate == current:
            break
        if not parses(candidate):
            codes = ", ".join(sorted({f.code for f in applied}))
            error = f"a fix for {codes} would not parse; not applied"
            return FixResult(current, fixed, error, findings)
        fixed += applied
        current = candidate
    else:
        findings = analyse(current)  # the last round's fixes were applied after its analysis
    return FixResult(current, fixed, remaining=findings)


def unified_diff(path: str, before: str, after: str) -> str:
    from ormlint.report.names import printable

    name = printable(path)  # a newline in a file name must not forge a diff header
    return "".join(
        difflib.unified_diff(
            python_lines(before), python_lines(after), fromfile=f"a/{name}", tofile=f"b/{name}",
        )
    )


# A fix's temp file: `.<name>.<random>.ormlint-tmp` beside the file (not `*.py`, so never
# discovered); one a killed run left behind is removed at the next write of the same file.
TEMP_SUFFIX = ".ormlint-tmp"
CHANGED_ON_DISK = "the file changed on disk while it was being fixed; left alone"
NOT_WRITABLE = "not writable; left alone"


def write_atomically(path: Path, new_text: str, original: bytes, encoding: str) -> str | None:
    """Replace the file's content by `new_text` unless it changed since it was read
    (`original`). Returns None when written, else why the file was left alone.

    The file stays the file it was. A symlink is kept and its target written. A file without
    write permission (for anyone, so also when running as root) is left alone. Normally a temp
    file beside it, given its mode, owner and group, is renamed over it, so a crash leaves
    either version. A file with several hard links, whose owner or group cannot be given to
    the temp file, or in a directory we may not write to, is rewritten in place through its
    own inode instead (as editors do, e.g. vim's backupcopy): its links and owner are kept,
    at the cost of atomicity."""
    target = Path(os.path.realpath(path))
    try:
        data = new_text.encode(encoding)
        before = os.stat(target)
        if not (os.access(target, os.W_OK) and before.st_mode & 0o222):
            return NOT_WRITABLE
        if target.read_bytes() != original:
            return CHANGED_ON_DISK
        _remove_stale_temps(target)
        if before.st_nlink == 1 and os.access(target.parent, os.W_OK | os.X_OK):
            return _replace(target, data, original, before)
        return _write_in_place(target, data, original, before)
    except UnicodeEncodeError as error:
        return f"cannot encode the fixed text as {encoding} ({error.reason}); left alone"
    except OSError as error:
        return f"cannot write: {error.strerror or error}; left alone"


def _unchanged(target: Path, original: bytes, before: os.stat_result) -> bool:
    now = os.stat(target)
    return (
        (now.st_dev, now.st_ino, now.st_mtime_ns, now.st_size)
        == (before.st_dev, before.st_ino, before.st_mtime_ns, before.st_size)
        and target.read_bytes() == original
    )


def _replace(target: Path, data: bytes, original: bytes, before: os.stat_result) -> str | None:
    """Write a temp file and rename it over `target` (in place when the temp file cannot have
    the target's owner and group)."""
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=TEMP_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        made = os.stat(temp)
        if (made.st_uid, made.st_gid) != (before.st_uid, before.st_gid):
            try:  # root may give it away; others only to a group of theirs
                os.chown(temp, before.st_uid, before.st_gid)
            except (PermissionError, AttributeError):  # (no chown on Windows)
                os.unlink(temp)
                return _write_in_place(target, data, original, before)
        os.chmod(temp, stat.S_IMODE(before.st_mode))  # after chown, which clears setuid bits
        # The last look, right before the rename: what is left is the rename syscall itself.
        if not _unchanged(target, original, before):
            os.unlink(temp)
            return CHANGED_ON_DISK
        os.replace(temp, target)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise
    return None


def _write_in_place(target: Path, data: bytes, original: bytes, before: os.stat_result) -> str | None:
    with open(target, "r+b") as handle:
        now = os.fstat(handle.fileno())
        if (now.st_dev, now.st_ino) != (before.st_dev, before.st_ino) or handle.read() != original:
            return CHANGED_ON_DISK
        # What is left is the window between that read and this write, through the same inode.
        try:
            handle.seek(0)
            handle.write(data)
            handle.truncate()
            handle.flush()
            os.fsync(handle.fileno())
        except OSError as error:  # not atomic: say so rather than "left alone"
            return f"writing in place failed ({error.strerror or error}); the file may be partly written"
    return None


def _remove_stale_temps(target: Path) -> None:
    prefix = f".{target.name}."
    for name in os.listdir(target.parent):
        if name.startswith(prefix) and name.endswith(TEMP_SUFFIX):
            try:
                os.unlink(target.parent / name)
            except FileNotFoundError:
                pass


@dataclass
class FileFix:
    display: str
    before: str
    after: str
    fixed: list[Finding]
    written: bool = False
    error: str | None = None
    path: Path | None = None  # the file (None: a text not read from disk)
    encoding: str = "utf-8"  # the file's, for writing `after`


def fix_text(
    data: bytes, display: str, analyse: Callable[[str], list[Finding]], unsafe: bool
) -> FileFix | None:
    """Fix one file's bytes in memory, `analyse` checking each round's text; None when the
    bytes cannot be decoded."""
    try:
        source = decode(data)
    except (SyntaxError, UnicodeDecodeError, LookupError):
        return None
    if not may_contain_models(source):  # nothing to fix, and nothing to analyse
        return FileFix(display, source, source, [], encoding=_encoding(data))
    result = fix_source(source, analyse, unsafe)
    return FileFix(display, source, result.source, result.fixed, error=result.error,
                   encoding=_encoding(data))


def fix_paths(paths: Sequence[Path], settings, unsafe: bool, write: bool) -> list[FileFix]:
    """Fix every checked file that has fixable findings; write the result when `write`."""
    results: list[FileFix] = []
    for path, display in discover(paths, settings):
        data = read_file(path, settings.max_file_size)  # a larger file is not parsed to fix it
        if isinstance(data, OSError):
            continue
        outcome = fix_text(
            data, display, lambda text: fixable_findings(text, display, settings, path), unsafe
        )
        if outcome is None or (outcome.after == outcome.before and outcome.error is None):
            continue
        outcome.path = path
        if write and outcome.after != outcome.before:
            outcome.error = write_atomically(path, outcome.after, data, outcome.encoding)
            outcome.written = outcome.error is None
        results.append(outcome)
    return results


def _encoding(data: bytes) -> str:
    import io
    import tokenize

    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return "utf-8" if encoding == "utf-8-sig" and not data.startswith(b"\xef\xbb\xbf") else encoding
