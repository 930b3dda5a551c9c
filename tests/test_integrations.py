"""The other ways users run ormlint give the same findings as `ormlint check`."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from ormlint.cli import main

ROOT = Path(__file__).parent.parent
FIXTURES = ROOT / "fixtures"
BIN = Path(sys.executable).parent


def cli_json(*args: str, cwd: Path) -> list[dict]:
    out = subprocess.run(
        [str(BIN / "ormlint"), "check", "--format", "json", *args],
        cwd=cwd, capture_output=True, text=True, check=False,
    )
    assert out.returncode in (0, 1), out.stderr
    return json.loads(out.stdout)


def flake8(*args: str, cwd: Path, stdin: str | None = None) -> list[tuple[str, int, int, str]]:
    out = subprocess.run(
        [sys.executable, "-m", "flake8", "--format", "%(path)s|%(row)d|%(col)d|%(code)s", *args],
        cwd=cwd, capture_output=True, text=True, input=stdin, check=False,
    )
    assert out.returncode in (0, 1), out.stderr
    rows = []
    for line in out.stdout.splitlines():
        path, row, col, code = line.split("|")
        rows.append((os.path.normpath(path), int(row), int(col), code))
    return rows


# -- flake8 --------------------------------------------------------------------------------------


def test_flake8_and_cli_agree_on_the_fixtures():
    expected = sorted(
        (d["path"], d["line"], d["column"], d["code"]) for d in cli_json("fixtures", cwd=ROOT)
    )
    found = sorted(flake8("--select", "ORM", "fixtures", cwd=ROOT))
    assert found == expected
    assert len(found) >= 9


def test_flake8_reads_stdin_and_reports_as_stdin():
    source = (FIXTURES / "shop" / "customers.py").read_text()
    rows = flake8("--select", "ORM", "-", cwd=ROOT, stdin=source)
    assert [(r[0], r[1], r[3]) for r in rows] == [
        ("stdin", 14, "ORM201"), ("stdin", 15, "ORM202"), ("stdin", 17, "ORM301")
    ]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "models.py").write_text(
        "from sqlalchemy import Column, DateTime\n"
        "class A(Base):\n"
        "    a = Column(DateTime, server_default='now()')\n"
        "    b = Column(DateTime, server_default='now()')  # noqa: ORM301\n"
        "    c = Column(DateTime, server_default='now()')  # noqa: E501\n"
    )
    return tmp_path


def test_flake8_noqa_select_and_per_file_ignores(project):
    assert [(r[1], r[3]) for r in flake8("--select", "ORM", "models.py", cwd=project)] == [
        (3, "ORM301"), (5, "ORM301")
    ]
    assert len(flake8("--select", "ORM", "--disable-noqa", "models.py", cwd=project)) == 3
    assert flake8("--select", "ORM", "--per-file-ignores", "models.py:ORM3", "models.py", cwd=project) == []
    assert flake8("--select", "E9", "models.py", cwd=project) == []
    extended = flake8("--select", "E9", "--extend-select", "ORM301", "models.py", cwd=project)
    assert [r[3] for r in extended] == ["ORM301", "ORM301"]


def test_flake8_leaves_syntax_errors_to_e999(tmp_path):
    (tmp_path / "broken.py").write_text("import sqlalchemy\ndef f(:\n")
    codes = [r[3] for r in flake8("--select", "ORM,E999", "broken.py", cwd=tmp_path)]
    assert codes == ["E999"]


def test_flake8_plugin_is_silent_and_cheap_on_files_without_models(tmp_path):
    (tmp_path / "plain.py").write_text("def f(x):\n    return id(x)\n")
    assert flake8("--select", "ORM", "plain.py", cwd=tmp_path) == []


# -- stdin ---------------------------------------------------------------------------------------


def run(*args: str, input: str | None = None, cwd: Path | None = None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def test_stdin_reports_with_the_given_filename(project, monkeypatch):
    monkeypatch.chdir(project)
    source = (project / "models.py").read_text()
    result = run("check", "--stdin-filename", "app/models.py", "--format", "json", "-", input=source)
    assert result.exit_code == 1
    assert [(d["path"], d["line"]) for d in json.loads(result.output)] == [
        ("app/models.py", 3), ("app/models.py", 5)  # `# noqa: E501` does not cover ORM301
    ]


def test_stdin_without_filename(project, monkeypatch):
    monkeypatch.chdir(project)
    result = run("check", "-", input=(project / "models.py").read_text())
    assert result.output.startswith("-:3:")


def test_stdin_applies_config_and_per_file_ignores_of_that_path(project, monkeypatch):
    (project / "pyproject.toml").write_text(
        '[tool.ormlint]\nper-file-ignores = { "legacy/*" = ["ORM3"] }\n'
    )
    (project / "legacy").mkdir()
    monkeypatch.chdir(project / "legacy")  # config is found from the stdin filename, not cwd
    source = (project / "models.py").read_text()
    assert run("check", "--stdin-filename", "models.py", "-", input=source).exit_code == 0
    monkeypatch.chdir(project)
    assert run("check", "--stdin-filename", "models.py", "-", input=source).exit_code == 1


def test_stdin_cannot_mix_with_paths(project, monkeypatch):
    monkeypatch.chdir(project)
    result = CliRunner().invoke(main, ["check", "-", "models.py"], input="")
    assert result.exit_code == 2


def test_stdin_and_file_give_the_same_findings():
    source = (FIXTURES / "shop" / "catalog.py").read_text()
    from_stdin = run("check", "--format", "json", "--stdin-filename", "fixtures/shop/catalog.py", "-", input=source)
    from_file = run("check", "--format", "json", "fixtures/shop/catalog.py")
    assert json.loads(from_stdin.output) == json.loads(from_file.output) != []


# -- CLI conveniences ----------------------------------------------------------------------------


def test_statistics_and_exit_zero(project, monkeypatch):
    monkeypatch.chdir(project)
    result = run("check", "--statistics", ".")
    assert result.exit_code == 1
    assert re.match(r"\s+2  ORM301  server-default-sql-string\nFound 2 errors\.\n$", result.output)
    assert run("check", "--exit-zero", ".").exit_code == 0
    # a table as json too (as ruff)
    assert CliRunner().invoke(main, ["check", "--statistics", "--format", "json", "."]).exit_code == 1
    # Another format: its report on standard output, the table on standard error.
    both = CliRunner().invoke(main, ["check", "--statistics", "--format", "sarif", "."])
    assert both.exit_code == 1 and json.loads(both.stdout)["runs"][0]["results"]
    assert both.stderr.splitlines()[-1].startswith("Found ")


def test_force_exclude_applies_to_named_files(project, monkeypatch):
    monkeypatch.chdir(project)
    (project / "pyproject.toml").write_text('[tool.ormlint]\nextend-exclude = ["models.py"]\n')
    assert run("check", "models.py").exit_code == 1
    assert run("check", "--force-exclude", "models.py").exit_code == 0


# -- pre-commit ----------------------------------------------------------------------------------


@pytest.mark.skipif(shutil.which("git") is None, reason="pre-commit needs git")
def test_pre_commit_hook_fails_on_a_bad_model_and_passes_a_clean_one(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "GIT_AUTHOR_NAME": "t",
           "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com"}

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)

    def try_repo() -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), "ormlint", "--all-files"],
            cwd=repo, env=env, capture_output=True, text=True, timeout=600,
        )

    git("init", "-q")
    (repo / "models.py").write_text(
        "from sqlalchemy import Column, DateTime\n"
        "class A(Base):\n"
        "    __tablename__ = 'a'\n"
        "    created = Column(DateTime, server_default='now()')\n"
    )
    git("add", ".")
    failing = try_repo()
    assert failing.returncode == 1, failing.stdout + failing.stderr
    assert "models.py:4:" in failing.stdout and "ORM301" in failing.stdout

    (repo / "models.py").write_text(
        "from sqlalchemy import Column, DateTime, func\n"
        "class A(Base):\n"
        "    __tablename__ = 'a'\n"
        "    created = Column(DateTime, server_default=func.now())\n"
    )
    git("add", ".")
    passing = try_repo()
    assert passing.returncode == 0, passing.stdout + passing.stderr

    # A finding between two files survives pre-commit's splitting of the file list into one
    # chunk per core (the hooks declare require_serial).
    (repo / "base.py").write_text(
        "from sqlalchemy.orm import DeclarativeBase\nclass Base(DeclarativeBase):\n    pass\n"
    )
    for name in ("t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8"):  # chunks of at least 4 files
        (repo / f"{name}.py").write_text(
            "from sqlalchemy import Column, Integer\nfrom base import Base\n"
            f"class {name.upper()}(Base):\n    __tablename__ = 'things'\n"
            "    id = Column(Integer, primary_key=True)\n"
        )
    git("add", ".")
    cross = try_repo()
    assert cross.returncode == 1, cross.stdout + cross.stderr
    assert cross.stdout.count("ORM503") == 7, cross.stdout  # every class after the first


def test_every_way_of_running_gives_the_same_findings_for_one_file(tmp_path, monkeypatch):
    """CLI on the file, stdin, flake8 and the engine entry used by the editor agree, project
    rules that need only this file (ORM103) included."""
    from ormlint.analysis import check_source
    from ormlint.config import Settings
    from ormlint.rules import RULES

    source = RULES["ORM103"].invalid[0] + "\nclass Event(Base):\n    __tablename__ = 'e'\n    id: Mapped[int] = mapped_column(primary_key=True, server_default='now()')\n"
    (tmp_path / "models.py").write_text(source)
    (tmp_path / "pyproject.toml").write_text("[tool.ormlint]\n")
    monkeypatch.chdir(tmp_path)
    cli = [(d["line"], d["code"]) for d in cli_json("models.py", cwd=tmp_path)]
    stdin = json.loads(run("check", "--format", "json", "--stdin-filename", "models.py", "-", input=source).output)
    via_flake8 = [(r[1], r[3]) for r in flake8("--select", "ORM", "models.py", cwd=tmp_path)]
    editor = [(f.line, f.code) for f in check_source(source, "models.py", Settings(root=tmp_path))]
    assert {code for _, code in cli} == {"ORM103", "ORM301"}
    assert cli == [(d["line"], d["code"]) for d in stdin] == sorted(via_flake8) == editor


# -- files checked inside their project ----------------------------------------------------------

PROJECT_FILES = {
    "alembic.ini": "[alembic]\nscript_location = %(here)s/migrations\n",
    "migrations/env.py": "from app.models import Base\ntarget_metadata = Base.metadata\n",
    "migrations/versions/0001_users.py": (
        "import sqlalchemy as sa\nfrom alembic import op\n\nrevision = '0001'\ndown_revision = None\n\n\n"
        "def upgrade():\n    op.create_table('users', sa.Column('id', sa.Integer(), primary_key=True))\n"
    ),
    "app/__init__.py": "",
    "app/models.py": (
        "from sqlalchemy import Column, Integer\nfrom sqlalchemy.orm import declarative_base\n\n"
        "Base = declarative_base()\n\n\nclass User(Base):\n    __tablename__ = 'users'\n"
        "    id = Column(Integer, primary_key=True)\n"
    ),
    # added without its migration, with a foreign key to a misspelt table
    "app/tags.py": (
        "from sqlalchemy import Column, ForeignKey, Integer\nfrom app.models import Base\n\n\n"
        "class Tag(Base):\n    __tablename__ = 'tags'\n    id = Column(Integer, primary_key=True)\n"
        "    user_id = Column(Integer, ForeignKey('userz.id'))\n"
    ),
}


@pytest.fixture
def app_project(tmp_path):
    for name, text in PROJECT_FILES.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return tmp_path


def _located(rows: list[dict]) -> list[tuple[str, int, str]]:
    return sorted((r["path"], r["line"], r["code"]) for r in rows)


def test_a_named_file_is_checked_inside_its_project(app_project):
    whole = [r for r in cli_json(".", cwd=app_project) if r["path"] == "app/tags.py"]
    assert {r["code"] for r in whole} == {"ORM701", "ORM602"}
    # what a pre-commit hook passes: the one changed file
    assert _located(cli_json("app/tags.py", cwd=app_project)) == _located(whole)
    # from another directory, named by an absolute path: the same project
    absolute = cli_json(str(app_project / "app" / "tags.py"), cwd=app_project.parent)
    assert [(r["line"], r["code"]) for r in absolute] == [(r[1], r[2]) for r in _located(whole)]
    # findings located in other files are not the named file's
    assert cli_json("app/models.py", cwd=app_project) == []


def test_standard_input_stands_for_its_file_in_the_project(app_project):
    source = (app_project / "app" / "tags.py").read_text()
    out = subprocess.run(
        [str(BIN / "ormlint"), "check", "--format", "json", "--stdin-filename", "app/tags.py", "-"],
        cwd=app_project, input=source, capture_output=True, text=True, check=False,
    )
    assert out.returncode == 1, out.stderr
    assert _located(json.loads(out.stdout)) == _located(cli_json("app/tags.py", cwd=app_project))
    # the text on standard input is what counts, not the file on disk
    fixed = source.replace("'userz.id'", "'users.id'")
    out = subprocess.run(
        [str(BIN / "ormlint"), "check", "--format", "json", "--stdin-filename", "app/tags.py", "-"],
        cwd=app_project, input=fixed, capture_output=True, text=True, check=False,
    )
    assert [r["code"] for r in json.loads(out.stdout)] == ["ORM701"]


@pytest.mark.skipif(shutil.which("git") is None, reason="pre-commit needs git")
def test_the_commit_that_adds_a_model_without_its_migration_fails(app_project, tmp_path_factory):
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path_factory.mktemp("pre-commit")),
           "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    readme = (ROOT / "README.md").read_text()
    hook = readme.split("### pre-commit", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    (app_project / ".pre-commit-config.yaml").write_text(hook)
    for args in (["init", "-q"], ["add", "."]):
        subprocess.run(["git", *args], cwd=app_project, env=env, check=True, capture_output=True)
    out = subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", "--files", "app/tags.py"],
        cwd=app_project, env=env, capture_output=True, text=True, timeout=300,
    )
    assert out.returncode == 1 and "app/tags.py:6:5: ORM701" in out.stdout, out.stdout


def test_a_file_outside_any_project_is_checked_alone(tmp_path):
    (tmp_path / "lone.py").write_text(PROJECT_FILES["app/tags.py"])
    # no configuration, alembic.ini or repository above it: nothing to look the table up in
    assert [r["code"] for r in cli_json("lone.py", cwd=tmp_path)] == []


# -- flake8 under [tool.ormlint] -----------------------------------------------------------------

CONFIGURED = {
    "pyproject.toml": (
        '[tool.ormlint]\nextend-exclude = ["legacy"]\ntarget-dialect = "mysql"\n'
        'per-file-ignores = { "app/quiet.py" = ["ORM301"] }\n'
    ),
    "app/models.py": (
        "from sqlalchemy import Column, DateTime, Integer, String\n"
        "from sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n\n\n"
        "class User(Base):\n    __tablename__ = 'users'\n    id = Column(Integer, primary_key=True)\n"
        "    password = Column(String(100))\n"
        "    at = Column(DateTime, server_default='now()')\n"
        # 64 characters: too long for PostgreSQL (63), not for MySQL (64)
        "    __table_args__ = ({'comment': 'x'},)\n"
    ),
    "app/quiet.py": (
        "from sqlalchemy import Column, DateTime, Integer\nfrom app.models import Base\n\n\n"
        "class Event(Base):\n    __tablename__ = 'e" + "x" * 63 + "'\n"
        "    id = Column(Integer, primary_key=True)\n    at = Column(DateTime, server_default='now()')\n"
    ),
    "legacy/old.py": (
        "from sqlalchemy import Column, DateTime\nclass Old(Base):\n    __tablename__ = 'old'\n"
        "    at = Column(DateTime, server_default='now()')\n"
    ),
}


def test_flake8_follows_tool_ormlint_and_its_own_selection_of_opt_in_rules(tmp_path):
    for name, text in CONFIGURED.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    cli = sorted((d["path"], d["line"], d["code"]) for d in cli_json("app", "legacy/old.py", "--force-exclude", cwd=tmp_path))
    found = sorted((p, r, c) for p, r, _, c in flake8("--select", "ORM", "app", "legacy", cwd=tmp_path))
    assert [c for _, _, c in found] == ["ORM301"]  # models.py; quiet.py ignores it, legacy/ excluded
    assert found == [f for f in cli if f[2] != "ORM403"] == cli  # mysql: no identifier too long
    with_opt_in = flake8("--select", "ORM", "--extend-select", "ORM801", "app", cwd=tmp_path)
    assert sorted(c for *_, c in with_opt_in) == ["ORM301", "ORM801"]
    assert [c for *_, c in flake8("--select", "ORM8", "app", cwd=tmp_path)] == ["ORM801"]
