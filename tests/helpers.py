"""Shared test helpers: run rules on a snippet, exactly as the CLI does."""

from __future__ import annotations

import textwrap

from ormlint.analysis import analyse_source
from ormlint.codes import all_codes


def is_modernisation(code: str) -> bool:
    """The opt-in SQLAlchemy 2.0 modernisation rules (ORM9xx) report every 1.x spelling, which
    test sources use on purpose: "every rule" leaves them out unless they are selected."""
    return code.startswith("ORM9") and code != "ORM999"


def lint(source: str, select: str | None = None, path: str = "models.py"):
    source = textwrap.dedent(source)
    codes = frozenset(
        c for c in all_codes() if (c.startswith(select) if select is not None else not is_modernisation(c))
    )
    return analyse_source(source, path, codes)


def codes_and_lines(source: str, select: str | None = None) -> list[tuple[str, int]]:
    return [(f.code, f.line) for f in lint(source, select)]


def lint_project(files: dict[str, str], tmp_path, whole_project: bool = True):
    """Run the engine over a project made of `files` (name -> source), project rules included:
    (path, line, code) of each finding."""
    return [(path, f.line, f.code) for path, f in project_findings(files, tmp_path, whole_project)]


def project_findings(
    files: dict[str, str], tmp_path, whole_project: bool = True, extend_select: tuple[str, ...] = (),
):
    """(path relative to the project, Finding) of each finding of `lint_project`; `extend_select`
    adds rules to the default selection (opt-in ones)."""
    from pathlib import Path

    from ormlint.config import load_settings
    from ormlint.engine import run

    if not (Path(tmp_path) / "pyproject.toml").exists() and "pyproject.toml" not in files:
        files = {**files, "pyproject.toml": "[tool.ormlint]\n"}  # stop the config search here
    for name, source in files.items():
        target = Path(tmp_path) / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(source))
    paths = [Path(tmp_path)] if whole_project else [Path(tmp_path) / n for n in files]
    settings = load_settings([Path(tmp_path)])
    if extend_select:
        settings = settings.with_overrides(extend_select=settings.extend_select + extend_select)
    result = run(paths, settings, jobs=1, whole_project=whole_project)
    return [(str(Path(f.path).relative_to(tmp_path)), f) for f in result.findings]
