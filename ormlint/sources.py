"""Reading sources: regular files only, within a size limit, decoded as Python reads them.

Everything ormlint reads from a checked repository as text comes through here: model files,
revision files, env.py. A FIFO, socket or device is refused on the opened descriptor (so a file
swapped after the walk cannot make a run hang), and so is a file larger than `max-file-size`.
"""

from __future__ import annotations

import io
import os
import stat
import tokenize
from pathlib import Path

from ormlint.syntax import python_lines


def decode(data: bytes) -> str:
    """Source text as Python would read it (PEP 263 coding cookie, BOM)."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    text = data.decode(encoding)
    return text[1:] if text.startswith("\ufeff") else text


def encode(text: str) -> bytes:
    """The bytes `decode` reads back as `text` (an editor's text standing for its file): in the
    encoding its coding cookie declares, else (no cookie, or one the text cannot be written in)
    UTF-8."""
    data = text.encode("utf-8", "surrogatepass")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        if encoding not in ("utf-8", "utf-8-sig"):
            return text.encode(encoding)
    except (SyntaxError, LookupError, UnicodeError):
        pass
    return data


class SkippedFile(OSError):
    """A file `read_file` refuses to read: not a regular file (a FIFO would wait forever for a
    writer, a device might never end), or larger than the size limit."""


# Opening a FIFO waits for a writer unless non-blocking; a terminal must not become ours.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)


def read_file(path: Path | str, max_size: int | None = None) -> bytes | OSError:
    """A regular file's bytes, or why not: the type and size are checked on the opened
    descriptor, so a file swapped for a FIFO after the walk cannot make the run hang."""
    try:
        descriptor = os.open(path, _OPEN_FLAGS)
    except OSError as error:
        return error
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            return SkippedFile("skipped: not a regular file")
        if max_size is not None and status.st_size > max_size:
            return too_large(status.st_size, max_size)
        # os.read on the descriptor: a file object would cost another fstat and a buffer.
        parts = []
        size = 0
        want = status.st_size + 1  # one read for the whole file, one to see its end
        while chunk := os.read(descriptor, want):
            parts.append(chunk)
            size += len(chunk)
            if max_size is not None and size > max_size:  # it grew meanwhile
                return too_large(size, max_size)
            want = 1 << 16
        return parts[0] if len(parts) == 1 else b"".join(parts)
    except OSError as error:
        return error
    finally:
        os.close(descriptor)


def too_large(size: int, max_size: int) -> SkippedFile:
    return SkippedFile(f"skipped: file is larger than max-file-size ({size} > {max_size} bytes)")


def text_size(source: str) -> int:
    """The text's size in UTF-8, what `max-file-size` limits when there is no file to stat."""
    return len(source) if source.isascii() else len(source.encode("utf-8", "surrogatepass"))


def lines_on_disk(path: Path | str, max_size: int | None = None) -> list[str]:
    """A file's lines as Python numbers them (the findings' line numbers): for `# noqa` comments
    read from disk and the reporters' source excerpts; [] when it cannot be read."""
    data = read_file(path, max_size)
    if isinstance(data, OSError):
        return []
    try:
        return python_lines(decode(data))
    except (SyntaxError, UnicodeDecodeError, LookupError):
        return python_lines(data.decode("utf-8", "replace"))
