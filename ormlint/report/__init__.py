"""Reporters only format findings."""

from __future__ import annotations

import json
from typing import Sequence

from ormlint.findings import Finding
from ormlint.report.names import printable, without_surrogates

# Every output format, in the order `--format` lists them.
FORMATS = ("text", "json", "sarif", "github")


def render(findings: Sequence[Finding], output_format: str, files_checked: int) -> str:
    if output_format == "text":
        return render_text(findings, files_checked)
    if output_format == "json":
        return json.dumps([_json_finding(f) for f in findings], indent=2) + "\n"
    if output_format == "sarif":
        from ormlint.report.sarif import render_sarif

        return render_sarif(findings)
    if output_format == "github":
        from ormlint.report.github import render_github

        return render_github(findings)
    raise ValueError(f"unknown output format {output_format!r}; expected one of {', '.join(FORMATS)}")


def render_text(findings: Sequence[Finding], files_checked: int) -> str:
    lines = [
        printable(f"{f.path}:{f.line}:{f.column}: {f.code} {'[*] ' if _safe_fix(f) else ''}{f.message}")
        for f in findings
    ]
    files = f"{files_checked} {'file' if files_checked == 1 else 'files'} checked"
    if findings:
        noun = "error" if len(findings) == 1 else "errors"
        lines += ["", f"Found {len(findings)} {noun} in {files}."]
        safe = sum(1 for f in findings if _safe_fix(f))
        unsafe = sum(1 for f in findings if f.fix and not _safe_fix(f))
        if safe:
            lines.append(f"[*] {safe} fixable with the `--fix` option.")
        if unsafe:
            lines.append(f"({unsafe} more fixable with `--fix --unsafe-fixes`.)")
    else:
        lines.append(f"All checks passed! ({files})")
    return "\n".join(lines) + "\n"


def _safe_fix(finding: Finding) -> bool:
    return bool(finding.fix) and finding.fix.get("applicability") == "safe"


def _json_finding(finding: Finding) -> dict:
    data = finding.to_json()
    data["path"] = without_surrogates(data["path"])
    data["message"] = without_surrogates(data["message"])
    return data
