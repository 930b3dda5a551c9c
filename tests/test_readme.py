"""README's commands and snippets work as written: the quick start is what CI runs on a fresh
machine, the pre-commit snippet runs, and the CI snippet's SARIF step does not hide exit 2."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
BIN = Path(sys.executable).parent


def _block(heading: str, language: str, containing: str = "") -> str:
    """The first fenced block of `language` under the heading (that contains `containing`)."""
    section = README.split(heading, 1)[1]
    blocks = [b for b in re.findall(rf"```{language}\n(.*?)```", section, re.DOTALL) if containing in b]
    assert blocks, f"no {language} block under {heading}"
    return blocks[0]


def test_the_quick_start_is_what_ci_runs_on_a_fresh_machine():
    commands = [line.strip() for line in _block("## Quick start", "console").splitlines() if line.strip()]
    assert commands[0].startswith("python3 -m venv ")  # a virtual environment before pip
    ci = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    positions = []
    for command in commands:
        matching = [i for i, line in enumerate(ci) if line == command or line.startswith(command + " ")]
        assert matching, f"CI does not run the README's `{command}`"
        positions.append(matching[0])
    assert positions == sorted(positions)


@pytest.mark.skipif(shutil.which("git") is None, reason="pre-commit needs git")
def test_the_pre_commit_snippet_runs_as_written(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"),
           "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)

    git("init", "-q")
    (repo / ".pre-commit-config.yaml").write_text(_block("### pre-commit", "yaml"))
    (repo / "models.py").write_text(
        "from sqlalchemy import Column, DateTime\nclass A(Base):\n    __tablename__ = 'a'\n"
        "    created = Column(DateTime, server_default='now()')\n"
    )
    git("add", ".")
    out = subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", "--all-files"],
        cwd=repo, env=env, capture_output=True, text=True, timeout=300,
    )
    assert out.returncode == 1 and "models.py:4:" in out.stdout and "ORM301" in out.stdout, out.stdout


@pytest.mark.parametrize(("project", "status"), [("findings", 0), ("broken-config", 2), ("clean", 0)])
def test_the_ci_snippets_sarif_step_fails_only_on_errors(tmp_path, project, status):
    (line,) = [line for line in _block("### CI", "yaml", "- run: ormlint").splitlines() if "--format sarif" in line]
    command = line.split("- run: ", 1)[1].split("  #")[0].strip()
    (tmp_path / "models.py").write_text(
        "from sqlalchemy import Column, DateTime\nclass A(Base):\n    __tablename__ = 'a'\n"
        "    created = Column(DateTime, server_default='now()')\n" if project == "findings" else ""
    )
    if project == "broken-config":
        (tmp_path / "pyproject.toml").write_text("[tool.ormlint]\nno-such-key = 1\n")
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    out = subprocess.run(["bash", "-c", command], cwd=tmp_path, env=env, capture_output=True, timeout=120)
    assert (out.returncode == 0) == (status == 0), out.stderr
    if status == 0:
        assert (tmp_path / "ormlint.sarif").read_text().startswith("{")


def test_the_gitlab_snippet_writes_its_reports_and_fails_on_findings(tmp_path):
    gitlab = _block("**GitLab CI.**", "yaml")
    commands = [line.strip()[2:].split("  #")[0] for line in gitlab.splitlines() if line.strip().startswith("- ormlint ")]
    assert len(commands) == 3, gitlab
    (tmp_path / "models.py").write_text(
        "from sqlalchemy import Column, DateTime\nclass A(Base):\n    __tablename__ = 'a'\n"
        "    created = Column(DateTime, server_default='now()')\n"
    )
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", "CI_PROJECT_DIR": str(tmp_path)}
    statuses = [subprocess.run(["bash", "-c", c], cwd=tmp_path, env=env, capture_output=True, timeout=120).returncode
                for c in commands]
    assert statuses == [0, 0, 1]
    report = json.loads((tmp_path / "gl-code-quality-report.json").read_text())
    assert [item["check_name"] for item in report] == ["ORM301"]
    assert "ORM301" in (tmp_path / "ormlint-junit.xml").read_text()
