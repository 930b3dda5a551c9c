"""GitHub Actions workflow commands: one `::error` annotation per finding."""

from __future__ import annotations

from typing import Sequence

from ormlint.findings import Finding
from ormlint.report.names import without_surrogates


def render_github(findings: Sequence[Finding]) -> str:
    return "".join(annotation(f) + "\n" for f in findings)


def annotation(f: Finding) -> str:
    properties = {
        "file": without_surrogates(f.path),
        "line": f.line,
        "col": f.column,
        "endLine": f.end_line,
        "endColumn": f.end_column,
        "title": f.code,
    }
    joined = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items())
    return f"::error {joined}::{escape_data(without_surrogates(f'{f.code} {f.message}'))}"


def escape_data(value: str) -> str:
    """The message part of a workflow command, escaped as the Actions runner unescapes it."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    """A `key=value` property: as data, plus the separators `:` and `,`."""
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")
