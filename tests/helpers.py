"""Shared test helpers: run rules on a snippet, exactly as the CLI does."""

from __future__ import annotations

import textwrap

from ormlint.engine import all_codes, analyse_source


def lint(source: str, select: str | None = None, path: str = "models.py"):
    source = textwrap.dedent(source)
    codes = frozenset(c for c in all_codes() if select is None or c.startswith(select))
    return analyse_source(source, path, codes)


def codes_and_lines(source: str, select: str | None = None) -> list[tuple[str, int]]:
    return [(f.code, f.line) for f in lint(source, select)]
