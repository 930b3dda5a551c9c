"""JSON-RPC messages read from a byte stream with the LSP base protocol's framing
(`Content-Length: N\\r\\n\\r\\n` then N bytes of JSON), tolerantly: a framing error costs the
message it broke, never the connection.

- Header names are matched case-insensitively, lines may end with `\\n` alone, and anything
  before a header (a body sent without one, the rest of a body whose length was too small) is
  skipped up to the next `Content-Length` header.
- A body whose length was counted in characters instead of bytes (too small) is completed with
  what follows it up to the next header, when that makes it parse.
- A body whose length is too large ends where the next header begins, or as soon as what came
  parses as JSON (no proper prefix of a JSON object does), so it is answered without waiting
  for bytes that never come.
- A length over `MAX_CONTENT_LENGTH` is skipped (the bytes are dropped as they arrive, up to the
  next header) and logged, never allocated.

No pygls here: `ormlint.lsp` hands the messages to it.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from typing import Any, Callable

logger = logging.getLogger("ormlint.lsp")

MAX_CONTENT_LENGTH = 64 * 1024 * 1024
CHUNK_SIZE = 1 << 16
# A header block is far shorter: skipped bytes keep this much for a header cut across reads.
HEADER_OVERLAP = 8192

_HEADER_BLOCK = re.compile(
    rb"content-length[ \t]*:[ \t]*(\d+)[ \t]*\r?\n"
    rb"(?:[A-Za-z][A-Za-z0-9-]*[ \t]*:[^\r\n]*\r?\n)*"  # other headers (Content-Type)
    rb"\r?\n",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Received:
    """One message: its JSON value, or why its body is not JSON (then `value` is None)."""

    value: Any = None
    error: str | None = None


class MessageReader:
    """Messages from `read(n)`, a blocking read of up to n bytes that returns what is available
    (`os.read` on a pipe), and b"" at the end of the stream."""

    def __init__(self, read: Callable[[int], bytes]) -> None:
        self._read = read
        self._buffer = bytearray()
        self._eof = False
        self._drained = False
        self._skipped = 0  # bytes skipped since the last header, logged once
        self._skipped_sample = b""

    def read_message(self) -> Received | None:
        """The next message; None at the end of the stream."""
        scanned = 0
        while True:
            start = self._next_header(scanned)
            if start is None:
                if self._eof:
                    self._skip(len(self._buffer))
                    self._log_skipped("before the end of input")
                    return None
                # No header in sight: keep only what may be the start of one.
                self._skip(len(self._buffer) - HEADER_OVERLAP)
                scanned = len(self._buffer)
                self._fill()
                continue
            self._skip(start)
            self._log_skipped("without a Content-Length header")
            header = _HEADER_BLOCK.match(self._buffer)
            assert header is not None
            length = int(header.group(1))
            del self._buffer[: header.end()]
            if length > MAX_CONTENT_LENGTH:
                self._drop_body(length)
                scanned = 0
                continue
            return self._body(length)

    def _body(self, length: int) -> Received:
        """The body after a header that declared `length` bytes, kept apart from what follows."""
        scanned = 0
        while True:
            end = self._next_header(scanned)
            if end is not None and end < length:  # the length was too large
                logger.warning("Content-Length %d, but the next header came after %d bytes",
                               length, end)
                return _parse(self._take(end))
            if len(self._buffer) >= length:
                break
            if self._drained and self._buffer[-64:].rstrip().endswith(b"}"):
                # Nothing more for now, and it may be whole: a JSON object is, only at its end.
                received = _parse(bytes(self._buffer))
                if received.error is None:
                    logger.warning("Content-Length %d, but the body ended after %d bytes",
                                   length, len(self._buffer))
                    self._buffer.clear()
                    return received
            scanned = len(self._buffer)
            if self._fill() == 0:
                return _parse(self._take(len(self._buffer)))
        body = self._take(length)
        received = _parse(body)
        if received.error is not None:
            # A length counted in characters falls short of the bytes: what came after it, up
            # to the next header, may complete the body.
            end = self._next_header(0)
            rest = bytes(self._buffer[: len(self._buffer) if end is None else end])
            if rest.strip():
                whole = _parse(body + rest)
                if whole.error is None:
                    logger.warning("Content-Length %d is short of the body's %d bytes",
                                   length, len(body) + len(rest))
                    del self._buffer[: len(rest)]
                    return whole
        return received

    def _drop_body(self, length: int) -> None:
        """Skips a body over the size limit as it arrives, keeping none of it: `length` bytes,
        or fewer when a header comes first (the length may be wrong)."""
        logger.warning("skipped a message of Content-Length %d (more than %d bytes)",
                       length, MAX_CONTENT_LENGTH)
        remaining = length
        while True:
            end = self._next_header(0)
            if end is not None and end < remaining:
                del self._buffer[:end]
                return
            if len(self._buffer) >= remaining:
                del self._buffer[:remaining]
                return
            droppable = max(0, len(self._buffer) - HEADER_OVERLAP)
            del self._buffer[:droppable]
            remaining -= droppable
            if self._fill() == 0:
                self._buffer.clear()
                return

    # -- the buffer -------------------------------------------------------------------------------

    def _fill(self) -> int:
        """Reads what is available (blocking until something is); the count, 0 at the end."""
        if self._eof:
            return 0
        data = self._read(CHUNK_SIZE)
        if not data:
            self._eof = True
        self._drained = len(data) < CHUNK_SIZE  # all there was, most likely
        self._buffer += data
        return len(data)

    def _next_header(self, scanned: int) -> int | None:
        """Where the next header block starts; the search begins a little before `scanned`
        (what was searched already), in case a header was cut there."""
        match = _HEADER_BLOCK.search(self._buffer, max(0, scanned - HEADER_OVERLAP))
        return None if match is None else match.start()

    def _take(self, count: int) -> bytes:
        body = bytes(self._buffer[:count])
        del self._buffer[:count]
        return body

    def _skip(self, count: int) -> None:
        if count <= 0:
            return
        skipped = self._take(count)
        if skipped.strip():
            self._skipped += count
            self._skipped_sample = self._skipped_sample or skipped.strip()[:80]

    def _log_skipped(self, why: str) -> None:
        if self._skipped:
            logger.warning("skipped %d bytes %s: %r...", self._skipped, why, self._skipped_sample)
        self._skipped, self._skipped_sample = 0, b""


def _parse(body: bytes) -> Received:
    try:
        return Received(value=json.loads(body))
    except (ValueError, RecursionError) as error:  # JSONDecodeError, UnicodeDecodeError
        reason = str(error) if len(body) else "empty body"
        return Received(error=f"{type(error).__name__}: {reason}")


def frame(message: Any) -> bytes:
    """`message` as JSON with its header (the length in bytes, as the protocol counts it)."""
    body = json.dumps(message).encode("utf-8")
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


__all__ = ["MAX_CONTENT_LENGTH", "MessageReader", "Received", "frame"]
