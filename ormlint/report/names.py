"""File names (and messages that quote them) made safe for an output format."""

from __future__ import annotations

import re

# A file name is any bytes but "/" and NUL on POSIX: a newline in one could forge an output line,
# and bytes that are not UTF-8 reach Python as lone surrogates (PEP 383), which no encoder writes.

# Lone surrogates; C0 and C1 controls (newline, carriage return, escape, NEL...); the Unicode
# line and paragraph separators; the bidirectional overrides and isolates, which can make a line
# read as something else.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _escape(match: re.Match) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # a byte that is not UTF-8, as os.fsdecode carries it
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def printable(text: str) -> str:
    """One line of text output: control characters, line separators, bidirectional controls and
    undecodable bytes written as `\\xNN` (`\\uNNNN` above 0xFF), as `ls --quoting-style=escape`
    does; a backslash stays as it is (Windows paths)."""
    return _UNPRINTABLE.sub(_escape, text)


def without_surrogates(text: str) -> str:
    """Text every encoder accepts: undecodable bytes of a name written as `\\xNN`, the rest kept
    (JSON escapes controls itself)."""
    return _SURROGATE.sub(_escape, text)
