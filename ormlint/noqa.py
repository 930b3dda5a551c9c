"""`# noqa` comments, with flake8's semantics: on the reported line, bare or with codes/prefixes."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ormlint.findings import Finding

# flake8's own pattern (flake8/defaults.py), so that one comment serves both tools.
NOQA = re.compile(r"# noqa(?::[\s]?(?P<codes>([A-Z]+[0-9]+(?:[,\s]+)?)+))?", re.IGNORECASE)
_CODE = re.compile(r"[A-Z]+[0-9]+", re.IGNORECASE)


def is_suppressed(line_text: str, code: str) -> bool:
    if "#" not in line_text:
        return False
    for match in NOQA.finditer(line_text):
        codes = match.group("codes")
        if codes is None:
            return True
        if any(code.startswith(c.upper()) for c in _CODE.findall(codes)):
            return True
    return False


def is_suppressed_finding(finding: Finding, lines: list[str]) -> bool:
    """Does a `# noqa` comment on the finding's line (of the file's `lines`) suppress it?"""
    if 1 <= finding.line <= len(lines):
        return is_suppressed(lines[finding.line - 1], finding.code)
    return False
