"""Every rule's documented examples run as tests: invalid ones report exactly the marked lines
(and columns, where a marker pins one: `# ORM302:37`), and their fixes leave the declared text."""

from __future__ import annotations

import ast

import pytest

from ormlint.analysis import analyse_source
from ormlint.codes import all_codes
from ormlint.fixes import fix_source
from ormlint.rules import RULES
from ormlint.rules.base import Invalid, example_files, expected_findings, python_sources, strip_markers
from tests.helpers import is_modernisation, project_findings

INVALID = [(code, i, src) for code, rule in RULES.items() for i, src in enumerate(rule.invalid)]
VALID = [(code, i, src) for code, rule in RULES.items() for i, src in enumerate(rule.valid)]


def lint(source: str, code: str):
    """Every rule but the modernisation ones, which run on their own examples only."""
    codes = frozenset(c for c in all_codes() if c == code or not is_modernisation(c))
    return analyse_source(source, "models.py", codes)


def lint_project(files: dict[str, str], tmp_path, code: str):
    """(path, Finding) of every default rule but the modernisation ones, and `code` (opt-in
    or not)."""
    return [
        (path, f) for path, f in project_findings(files, tmp_path, extend_select=(code,))
        if f.code == code or not is_modernisation(f.code)
    ]


def matches(found: list[tuple], marked: list[tuple]) -> bool:
    """Found (path, line, column) against marked (path, line, column or None: any column)."""
    found, marked = sorted(found), sorted(marked, key=lambda position: position[:2])
    return [f[:2] for f in found] == [m[:2] for m in marked] and all(
        m[2] in (None, f[2]) for f, m in zip(found, marked)
    )


@pytest.mark.parametrize(("code", "index", "source"), INVALID, ids=[f"{c}-invalid-{i}" for c, i, _ in INVALID])
def test_invalid_example_reports_marked_lines(code, index, source, tmp_path):
    files = example_files(source)
    if files is None:
        files = {"models.py": source}
    expected = [(path, *position) for path, text in files.items() for position in expected_findings(text, code)]
    assert expected, "an invalid example must mark at least one line"
    if RULES[code].scope == "project" or len(files) > 1:
        findings = lint_project(files, tmp_path, code)
    else:
        findings = [("models.py", f) for f in lint(source, code)]
    found = [(path, f.line, f.column) for path, f in findings if f.code == code]
    assert matches(found, expected), f"found {sorted(found)}, marked {expected}"
    # and no other rule fires on a rule's example (examples stay focused)
    assert {f.code for _, f in findings} == {code}


FIXED = [(code, i, src) for code, i, src in INVALID if isinstance(src, Invalid)]


@pytest.mark.parametrize(("code", "index", "source"), FIXED, ids=[f"{c}-invalid-{i}" for c, i, _ in FIXED])
def test_fixes_leave_the_declared_text(code, index, source):
    assert example_files(source) is None, "a fix's expected text is declared for one-file examples"
    result = fix_source(strip_markers(source), lambda text: analyse_source(text, "models.py", frozenset({code})), source.unsafe)
    assert result.error is None
    assert result.source == source.fixed
    assert [f for f in result.remaining if f.code == code and f.fix] == []


@pytest.mark.parametrize(("code", "index", "source"), VALID, ids=[f"{c}-valid-{i}" for c, i, _ in VALID])
def test_valid_example_is_clean(code, index, source, tmp_path):
    files = example_files(source)
    if files is not None:
        assert lint_project(files, tmp_path, code) == []
        return
    assert lint(source, code) == []
    assert lint_project({"models.py": source}, tmp_path, code) == []


@pytest.mark.parametrize(("code", "index", "source"), VALID, ids=[f"{c}-valid-{i}" for c, i, _ in VALID])
def test_every_python_file_of_a_valid_example_parses(code, index, source):
    # a file the prefilter skips (an env.py naming no SQLAlchemy) is never parsed by ormlint
    for text in python_sources(source):
        ast.parse(text)


@pytest.mark.parametrize("code", list(RULES))
def test_rule_has_complete_docs(code):
    rule = RULES[code]
    assert rule.code == code and rule.name and rule.summary and rule.message
    docs = rule.docs()
    for heading in ("## What it does", "## Why is this bad?", "## Example", "Use instead:"):
        assert heading in docs
    assert "# ORM" not in docs.split("## Example", 1)[1], "expectation markers leak into docs"


ONE_FILE = [(code, i, src) for code, i, src in INVALID if example_files(src) is None]


@pytest.mark.parametrize(("code", "index", "source"), ONE_FILE, ids=[f"{c}-invalid-{i}" for c, i, _ in ONE_FILE])
def test_an_example_with_a_fix_declares_the_fixed_text(code, index, source):
    fixable = [f for f in analyse_source(source, "models.py", frozenset({code})) if f.fix]
    assert isinstance(source, Invalid) or not fixable, (
        "its findings carry a fix: write it as Invalid(example(...), fixed=example(...))"
    )


def test_a_marker_pins_the_column_when_it_gives_one():
    assert expected_findings("x = f()  # ORM302:5\ny = 2  # ORM302\n", "ORM302") == [(1, 5), (2, None)]
    assert strip_markers("x = f()  # ORM302:5\n") == "x = f()\n"
    assert matches([("m.py", 1, 5)], [("m.py", 1, None)]) and matches([("m.py", 1, 5)], [("m.py", 1, 5)])
    assert not matches([("m.py", 1, 5)], [("m.py", 1, 6)]) and not matches([("m.py", 1, 5)], [("m.py", 2, 5)])


def test_an_example_with_its_fixed_text_survives_a_copy_and_a_pickle():
    import copy
    import pickle

    example = Invalid("x = f()  # ORM302:5\n", fixed="x = f\n", unsafe=True)
    for twin in (copy.deepcopy(example), pickle.loads(pickle.dumps(example))):
        assert (twin, twin.fixed, twin.unsafe) == (example, "x = f\n", True) and isinstance(twin, Invalid)
