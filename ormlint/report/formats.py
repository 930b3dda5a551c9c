"""The formats CI systems read besides SARIF and GitHub's: GitLab Code Quality, JUnit XML and
pylint's one-line format; and the fingerprint by which a finding is followed across commits."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from typing import Callable, Sequence
from xml.sax.saxutils import escape, quoteattr

from ormlint.findings import Finding
from ormlint.report.names import printable, without_surrogates

LinesFor = Callable[[str], Sequence[str]]


def fingerprints(findings: Sequence[Finding], lines_for: LinesFor | None) -> list[str]:
    """A hash of each finding's code, file, message and the text of its line (not the line's
    number: a finding keeps its fingerprint when lines above it move), with the count of earlier
    identical ones, so that two alike findings in one file differ."""
    seen: Counter[tuple[str, ...]] = Counter()
    found = []
    for f in findings:
        lines = lines_for(f.path) if lines_for is not None else ()
        text = lines[f.line - 1].strip() if 0 < f.line <= len(lines) else str(f.line)
        key = (f.code, without_surrogates(f.path), f.message, text)
        found.append(hashlib.sha256(repr((key, seen[key])).encode()).hexdigest()[:32])
        seen[key] += 1
    return found


def render_gitlab(findings: Sequence[Finding], lines_for: LinesFor | None = None) -> str:
    """GitLab's Code Quality report (a JSON list, `artifacts: reports: codequality`)."""
    report = [
        {
            "description": without_surrogates(f"{f.code} {f.message}"),
            "check_name": f.code,
            "fingerprint": fingerprint,
            "severity": "major",
            "location": {
                "path": without_surrogates(f.path),
                "lines": {"begin": f.line, "end": f.end_line},
            },
        }
        for f, fingerprint in zip(findings, fingerprints(findings, lines_for))
    ]
    return json.dumps(report, indent=2) + "\n"


def render_junit(findings: Sequence[Finding]) -> str:
    """JUnit XML: one test case per finding (a failure), or one passing case when there is none."""
    cases = [
        f'    <testcase name={quoteattr(f"{f.code} at {f.line}:{f.column}")} '
        f'classname={quoteattr(_xml_text(f.path))}>\n'
        f'      <failure message={quoteattr(_xml_text(f.message))}>'
        f'{escape(_xml_text(f"{f.path}:{f.line}:{f.column}: {f.code} {f.message}"))}</failure>\n'
        f"    </testcase>"
        for f in findings
    ] or ['    <testcase name="ormlint" classname="ormlint"/>']
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n'
        f'  <testsuite name="ormlint" tests="{max(len(findings), 1)}" failures="{len(findings)}">\n'
        + "\n".join(cases) + "\n  </testsuite>\n</testsuites>\n"
    )


def render_pylint(findings: Sequence[Finding]) -> str:
    """pylint's parseable format: `path:line: [CODE] message`."""
    return "".join(printable(f"{f.path}:{f.line}: [{f.code}] {f.message}") + "\n" for f in findings)


def _xml_text(text: str) -> str:
    """Text XML 1.0 can hold: control characters and undecodable bytes escaped as `\\xNN`."""
    return printable(text)
