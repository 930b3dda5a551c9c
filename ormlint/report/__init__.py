"""Reporters only format findings."""

from __future__ import annotations

import json
from typing import Callable, Sequence

from ormlint.docs_site import docs_url
from ormlint.findings import Finding
from ormlint.report.names import printable, without_surrogates

# Every output format, in the order `--format` lists them.
FORMATS = ("text", "json", "sarif", "github", "gitlab", "junit", "pylint")
LinesFor = Callable[[str], Sequence[str]]  # a file's lines, by the path findings name it with


def render(
    findings: Sequence[Finding], output_format: str, files_checked: int, *,
    lines_for: LinesFor | None = None, color: bool = False, show_source: bool = False,
    quiet: bool = False,
) -> str:
    """The findings in `output_format`. `lines_for` gives the source lines (for `show_source`
    and for fingerprints); `color`, `show_source` and `quiet` (no summary) are the text format's."""
    if output_format == "text":
        return render_text(findings, files_checked, lines_for if show_source else None, color, quiet)
    if output_format == "json":
        return json.dumps([_json_finding(f) for f in findings], indent=2) + "\n"
    if output_format == "sarif":
        from ormlint.report.sarif import render_sarif

        return render_sarif(findings, lines_for)
    if output_format == "github":
        from ormlint.report.github import render_github

        return render_github(findings)
    if output_format in ("gitlab", "junit", "pylint"):
        from ormlint.report import formats

        if output_format == "gitlab":
            return formats.render_gitlab(findings, lines_for)
        return formats.render_junit(findings) if output_format == "junit" else formats.render_pylint(findings)
    raise ValueError(f"unknown output format {output_format!r}; expected one of {', '.join(FORMATS)}")


# ANSI styles of the text format, as ruff colours its output
_BOLD, _RED, _CYAN, _DIM, _RESET = "\033[1m", "\033[31m", "\033[36m", "\033[2m", "\033[0m"


def render_text(
    findings: Sequence[Finding], files_checked: int, lines_for: LinesFor | None = None,
    color: bool = False, quiet: bool = False,
) -> str:
    lines = []
    for f in findings:
        lines.append(_finding_line(f, color))
        if lines_for is not None:
            lines += _source_excerpt(f, lines_for(f.path), color)
    if quiet:
        return "".join(line + "\n" for line in lines)
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


def _finding_line(f: Finding, color: bool) -> str:
    fix = "[*] " if _safe_fix(f) else ""
    if not color:
        return printable(f"{f.path}:{f.line}:{f.column}: {f.code} {fix}{f.message}")
    return (
        f"{_BOLD}{printable(f.path)}{_RESET}{_CYAN}:{_RESET}{f.line}{_CYAN}:{_RESET}{f.column}"
        f"{_CYAN}:{_RESET} {_BOLD}{_RED}{_linked(f.code)}{_RESET} {_CYAN}{fix}{_RESET}{printable(f.message)}"
    )


def _linked(code: str) -> str:
    """The code as a terminal hyperlink (OSC 8) to its published page, as ruff links its codes,
    when `ORMLINT_DOCS_URL` says where the site is; terminals without them show the code."""
    url = docs_url(code)
    return f"\033]8;;{url}\033\\{code}\033]8;;\033\\" if url else code


def _source_excerpt(f: Finding, lines: Sequence[str], color: bool) -> list[str]:
    """The finding's line with carets under what it spans (to the line's end when it goes on)."""
    if not 0 < f.line <= len(lines):
        return []
    text = lines[f.line - 1].rstrip("\r\n")
    end = f.end_column if f.end_line == f.line else len(text) + 1
    width = len(str(f.line))
    gutter = f"{' ' * width} |"
    carets = " " * (f.column - 1) + "^" * max(1, end - f.column)
    if color:
        gutter, carets = f"{_DIM}{gutter}{_RESET}", f"{_RED}{carets}{_RESET}"
    number = f"{_DIM}{f.line} |{_RESET}" if color else f"{f.line} |"
    url = docs_url(f.code)
    docs = [f"{gutter} = docs: {printable(url)}"] if url else []
    return [gutter, f"{number} {printable(text.expandtabs(1))}", f"{gutter} {carets}", *docs, ""]


def _safe_fix(finding: Finding) -> bool:
    return bool(finding.fix) and finding.fix.get("applicability") == "safe"


def _json_finding(finding: Finding) -> dict:
    data = finding.to_json()
    data["path"] = without_surrogates(data["path"])
    data["message"] = without_surrogates(data["message"])
    return data
