"""The package's layers (issue 14): rules sit below the pipeline that runs them, and the fix
applier above it. Imports are read from the source, function-level ones included."""

from __future__ import annotations

import ast
from pathlib import Path

import ormlint

PACKAGE = Path(ormlint.__file__).resolve().parent
# The pipeline's steps and what stands above them: a rule importing one of these would close a
# cycle through the engine, which imports the rules.
ABOVE_THE_RULES = (
    "ormlint.analysis", "ormlint.api", "ormlint.cache", "ormlint.cli", "ormlint.discovery",
    "ormlint.engine", "ormlint.fixes", "ormlint.narrow", "ormlint.positions",
    "ormlint.prefilter", "ormlint.project_phase",
)


def _imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
            modules.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
    return modules


def _imports_any(modules: set[str], prefixes: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == p or m.startswith(p + ".") for p in prefixes))


def test_rules_and_their_fix_helpers_import_nothing_above_them():
    offending = {
        str(path.relative_to(PACKAGE)): found
        for path in sorted((PACKAGE / "rules").rglob("*.py"))
        if (found := _imports_any(_imported_modules(path), ABOVE_THE_RULES))
    }
    assert offending == {}


def test_the_fix_applier_names_no_rule():
    # Rule-specific fix builders live beside the rules (ormlint/rules/edits.py, the rule modules).
    assert _imports_any(_imported_modules(PACKAGE / "fixes.py"), ("ormlint.rules",)) == []
