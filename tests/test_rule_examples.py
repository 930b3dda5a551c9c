"""Every rule's documented examples run as tests: invalid ones report exactly the marked lines."""

from __future__ import annotations

import pytest

from ormlint.engine import all_codes, analyse_source
from ormlint.rules import RULES
from ormlint.rules.base import example_files, expected_lines
from tests.helpers import is_modernisation, lint_project as lint_project_all

INVALID = [(code, i, src) for code, rule in RULES.items() for i, src in enumerate(rule.invalid)]
VALID = [(code, i, src) for code, rule in RULES.items() for i, src in enumerate(rule.valid)]


def lint(source: str, code: str):
    """Every rule but the modernisation ones, which run on their own examples only."""
    codes = frozenset(c for c in all_codes() if c == code or not is_modernisation(c))
    return analyse_source(source, "models.py", codes)


def lint_project(files: dict[str, str], tmp_path, code: str):
    return [f for f in lint_project_all(files, tmp_path) if f[2] == code or not is_modernisation(f[2])]


@pytest.mark.parametrize(("code", "index", "source"), INVALID, ids=[f"{c}-invalid-{i}" for c, i, _ in INVALID])
def test_invalid_example_reports_marked_lines(code, index, source, tmp_path):
    files = example_files(source)
    if files is not None:  # a project of several files: markers are per file
        expected = [(path, line) for path, text in files.items() for line in expected_lines(text, code)]
        assert expected, "an invalid example must mark at least one line"
        findings = lint_project(files, tmp_path, code)
        assert sorted((path, line) for path, line, c in findings if c == code) == sorted(expected)
        assert {c for _, _, c in findings} == {code}
        return
    expected = expected_lines(source, code)
    assert expected, "an invalid example must mark at least one line"
    if RULES[code].scope == "project":  # a one-file project
        findings = [(c, line) for _, line, c in lint_project({"models.py": source}, tmp_path, code)]
    else:
        findings = [(f.code, f.line) for f in lint(source, code)]
    assert [line for c, line in findings if c == code] == expected
    # and no other rule fires on a rule's example (examples stay focused)
    assert {c for c, _ in findings} == {code}


@pytest.mark.parametrize(("code", "index", "source"), VALID, ids=[f"{c}-valid-{i}" for c, i, _ in VALID])
def test_valid_example_is_clean(code, index, source, tmp_path):
    files = example_files(source)
    if files is not None:
        assert lint_project(files, tmp_path, code) == []
        return
    assert lint(source, code) == []
    assert lint_project({"models.py": source}, tmp_path, code) == []


@pytest.mark.parametrize("code", list(RULES))
def test_rule_has_complete_docs(code):
    rule = RULES[code]
    assert rule.code == code and rule.name and rule.summary and rule.message
    docs = rule.docs()
    for heading in ("## What it does", "## Why is this bad?", "## Example", "Use instead:"):
        assert heading in docs
    assert "# ORM" not in docs.split("## Example", 1)[1], "expectation markers leak into docs"
