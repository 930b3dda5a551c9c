"""`--statistics`: a count per rule, most frequent first."""

from __future__ import annotations

from collections import Counter
from typing import Sequence

from ormlint.findings import Finding


def render_statistics(findings: Sequence[Finding], output_format: str = "text") -> str:
    """The table as text, or as JSON (`[{code, name, count, fixable}]`, as ruff writes it)."""
    from ormlint.rules import PARSE_ERROR_CODE, PARSE_ERROR_NAME, RULES

    counts = Counter(f.code for f in findings)
    fixable = Counter(f.code for f in findings if f.fix)
    rows = [
        (code, RULES[code].name if code in RULES else PARSE_ERROR_NAME if code == PARSE_ERROR_CODE else "", count)
        for code, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ]
    if output_format == "json":
        import json

        table = [
            {"code": code, "name": name, "count": count, "fixable": fixable[code]}
            for code, name, count in rows
        ]
        return json.dumps(table, indent=2) + "\n"
    lines = [f"{count:>5}  {code}  {name}" for code, name, count in rows]
    total = sum(counts.values())
    lines.append(f"Found {total} {'error' if total == 1 else 'errors'}." if total else "All checks passed!")
    return "\n".join(lines) + "\n"
