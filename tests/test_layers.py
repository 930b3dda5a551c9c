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


def test_only_project_rules_read_the_migrations():
    # The migrations (and the database models_dialect infers from them) are replayed in the
    # project phase, after the file pass whose findings are cached by each file's content: a file
    # rule cannot read them. ORM306/ORM307 (file rules) judge for `target-dialect` alone for
    # this reason; ORM209/ORM305 are project rules and follow the inferred database.
    import inspect

    from ormlint.codes import MIGRATIONS
    from ormlint.rules import RULES

    readers = {code: rule.scope for code, rule in RULES.items() if MIGRATIONS in rule.reads}
    assert readers and set(readers.values()) == {"project"}
    calls_models_dialect = {
        path.stem for path in (PACKAGE / "rules").rglob("*.py")
        if "models_dialect" in path.read_text(encoding="utf-8")
    }
    file_rules = {Path(inspect.getfile(rule)).stem for rule in RULES.values() if rule.scope == "file"}
    assert calls_models_dialect and not calls_models_dialect & file_rules
