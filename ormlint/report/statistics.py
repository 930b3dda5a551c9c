"""`--statistics`: a count per rule, most frequent first."""

from __future__ import annotations

from collections import Counter
from typing import Sequence

from ormlint.findings import Finding


def render_statistics(findings: Sequence[Finding]) -> str:
    from ormlint.rules import PARSE_ERROR_CODE, PARSE_ERROR_NAME, RULES

    counts = Counter(f.code for f in findings)
    lines = []
    for code, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        name = RULES[code].name if code in RULES else PARSE_ERROR_NAME if code == PARSE_ERROR_CODE else ""
        lines.append(f"{count:>5}  {code}  {name}")
    total = sum(counts.values())
    lines.append(f"Found {total} {'error' if total == 1 else 'errors'}." if total else "All checks passed!")
    return "\n".join(lines) + "\n"
