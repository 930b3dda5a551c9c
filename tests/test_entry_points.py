"""Every face reports what `ormlint check FILE` reports for a file of a project with models and
migrations: the CLI, standard input, flake8, the pre-commit hook and the language server, all
through `ormlint.api.check`: ORM7xx and the "not found" verdicts (ORM102, ORM602) included."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ormlint import api
from ormlint.api import CheckRequest, check
from ormlint.config import load_settings

ROOT = Path(__file__).parent.parent
BIN = Path(sys.executable).parent

PROJECT = {
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
    # no migration creates it (ORM701), a foreign key to a misspelt table (ORM602), a
    # back_populates naming nothing on the other class, in another file (ORM102), and a file rule
    "app/tags.py": (
        "from sqlalchemy import Column, DateTime, ForeignKey, Integer\n"
        "from sqlalchemy.orm import relationship\n\nfrom app.models import Base\n\n\n"
        "class Tag(Base):\n"
        "    __tablename__ = 'tags'\n"
        "    id = Column(Integer, primary_key=True)\n"
        "    user_id = Column(Integer, ForeignKey('userz.id'))\n"
        "    created = Column(DateTime, server_default='now()')\n"
        "    user = relationship('User', back_populates='tags')\n"
    ),
}
FILE = "app/tags.py"
EXPECTED_CODES = {"ORM102", "ORM301", "ORM602", "ORM701"}
TEXT_LINE = re.compile(r"^(?P<path>[^:\s]+):(?P<line>\d+):(?P<column>\d+): (?P<code>ORM\d{3}) ", re.M)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for name, text in PROJECT.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return tmp_path


def ormlint(*args: str, cwd: Path, input: str | None = None) -> subprocess.CompletedProcess:
    out = subprocess.run(
        [str(BIN / "ormlint"), "check", *args], cwd=cwd, input=input, capture_output=True,
        text=True, check=False,
    )
    assert out.returncode in (0, 1), out.stderr
    return out


def located_json(output: str) -> list[tuple[str, int, int]]:
    return sorted((r["code"], r["line"], r["column"]) for r in json.loads(output))


def located_text(output: str, path: str = FILE) -> list[tuple[str, int, int]]:
    return sorted(
        (m["code"], int(m["line"]), int(m["column"]))
        for m in TEXT_LINE.finditer(output) if os.path.normpath(m["path"]) == path
    )


def flake8(*args: str, cwd: Path) -> list[tuple[str, str, int, int]]:
    out = subprocess.run(
        [sys.executable, "-m", "flake8", "--format", "%(path)s|%(code)s|%(row)d|%(col)d", *args],
        cwd=cwd, capture_output=True, text=True, check=False,
    )
    assert out.returncode in (0, 1), out.stderr
    rows = []
    for line in out.stdout.splitlines():
        path, code, row, col = line.split("|")
        rows.append((os.path.normpath(path), code, int(row), int(col)))
    return rows


def test_cli_stdin_flake8_and_the_pre_commit_entry_report_the_same_findings(project):
    cli = located_json(ormlint("--format", "json", FILE, cwd=project).stdout)
    assert {code for code, *_ in cli} == EXPECTED_CODES
    stdin = ormlint(
        "--format", "json", "--stdin-filename", FILE, "-", cwd=project, input=PROJECT[FILE]
    )
    assert located_json(stdin.stdout) == cli
    assert sorted((c, r, col) for _, c, r, col in flake8("--select", "ORM", FILE, cwd=project)) == cli
    # the hook's entry, run as pre-commit runs it: the changed files appended
    hooks = (ROOT / ".pre-commit-hooks.yaml").read_text()
    entry = re.search(r"^- id: ormlint\n(?:  .*\n)*?  entry: (.*)$", hooks, re.M)[1]
    hook = subprocess.run(
        [str(BIN / entry.split()[0]), *entry.split()[1:], FILE, "app/models.py"],
        cwd=project, capture_output=True, text=True, check=False,
    )
    assert hook.returncode == 1, hook.stderr
    assert located_text(hook.stdout) == cli


def test_the_language_server_publishes_what_the_cli_reports(project):
    """Its lint of the opened file inside the project (the second diagnostics it publishes)."""
    pytest.importorskip("pygls")
    from tests.test_lsp import Session, uri_for

    session = Session(cwd=project)
    try:
        published = session.open_in_project(uri_for(project / FILE), PROJECT[FILE])
    finally:
        assert session.shutdown() == 0, session.stderr.decode()
    found = sorted(
        (str(d.code), d.range.start.line + 1, d.range.start.character + 1)  # ASCII: UTF-16 = columns
        for d in published.diagnostics
    )
    assert found == located_json(ormlint("--format", "json", FILE, cwd=project).stdout)


def test_flake8_over_the_whole_project_reports_what_the_cli_reports_for_it(project):
    """flake8 checks the files in several processes, each running the project once."""
    rows = flake8("--select", "ORM", "--jobs", "2", ".", cwd=project)
    whole = json.loads(ormlint("--format", "json", ".", cwd=project).stdout)
    assert sorted(rows) == sorted(
        (os.path.normpath(r["path"]), r["code"], r["line"], r["column"]) for r in whole
    )
    assert {c for path, c, *_ in rows if path == FILE} == EXPECTED_CODES
    assert (project / ".ormlint_cache").is_dir()  # the project's cache, shared with the CLI


OLD_REVISION = "migrations/versions/0002_index.py"


def test_flake8_judges_history_as_the_cli_does(project):
    """A revision that is not a head is judged when named (a new one, in a hook), not when
    flake8 finds it in a directory, as `ormlint check` does (ORM721: an index built without
    CONCURRENTLY on a table an earlier revision created)."""
    (project / OLD_REVISION).write_text(
        "from alembic import op\n\nrevision = '0002'\ndown_revision = '0001'\n\n\n"
        "def upgrade():\n    op.create_index('ix_users_id', 'users', ['id'])\n"
    )
    (project / "migrations/versions/0003_head.py").write_text(
        "revision = '0003'\ndown_revision = '0002'\n\n\ndef upgrade():\n    pass\n"
    )
    named = located_json(ormlint("--format", "json", OLD_REVISION, cwd=project).stdout)
    assert "ORM721" in {code for code, *_ in named}
    assert sorted((c, r, col) for _, c, r, col in flake8("--select", "ORM", OLD_REVISION, cwd=project)) == named
    in_directory = [
        (r["code"], r["line"], r["column"])
        for r in json.loads(ormlint("--format", "json", ".", cwd=project).stdout)
        if os.path.normpath(r["path"]) == OLD_REVISION
    ]
    assert "ORM721" not in {code for code, *_ in in_directory}
    walked = flake8("--select", "ORM", ".", cwd=project)
    assert sorted((c, r, col) for path, c, r, col in walked if path == OLD_REVISION) == sorted(in_directory)


def test_flake8_reads_the_text_on_standard_input_for_its_file(project):
    fixed = PROJECT[FILE].replace("'userz.id'", "'users.id'")
    out = subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "ORM", "--stdin-display-name", FILE,
         "--format", "%(code)s", "-"],
        cwd=project, input=fixed, capture_output=True, text=True, check=False,
    )
    assert sorted(out.stdout.split()) == sorted(EXPECTED_CODES - {"ORM602"}), out.stderr


@pytest.mark.skipif(shutil.which("git") is None, reason="pre-commit needs git")
def test_a_real_pre_commit_run_reports_what_the_cli_reports(project, tmp_path_factory):
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path_factory.mktemp("pre-commit")),
           "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    hooks = (ROOT / ".pre-commit-hooks.yaml").read_text()
    entry = re.search(r"^- id: ormlint\n(?:  .*\n)*?  entry: (.*)$", hooks, re.M)[1]
    (project / ".pre-commit-config.yaml").write_text(
        "repos:\n  - repo: local\n    hooks:\n      - id: ormlint\n        name: ormlint\n"
        f"        entry: {entry}\n        language: system\n        types: [python]\n"
        "        require_serial: true\n"
    )
    for args in (["init", "-q"], ["add", "."]):
        subprocess.run(["git", *args], cwd=project, env=env, check=True, capture_output=True)
    out = subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", "--files", FILE, "app/models.py"],
        cwd=project, env=env, capture_output=True, text=True, timeout=300,
    )
    assert out.returncode == 1, out.stdout + out.stderr
    cli = located_json(ormlint("--format", "json", FILE, cwd=project).stdout)
    assert located_text(out.stdout) == cli


def test_the_api_runs_a_remembered_project_once_per_process(project, monkeypatch):
    """flake8 asks for one file at a time: the second file of the project costs no run."""
    import ormlint.engine

    monkeypatch.chdir(project)
    monkeypatch.setattr(api, "_projects", {})
    calls = []
    real = ormlint.engine.run_project

    def counted(*args, **kwargs):
        calls.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(ormlint.engine, "run_project", counted)
    settings = load_settings([project / "app"])
    found = {}
    for name in ("app/tags.py", "app/models.py", "migrations/versions/0001_users.py"):
        request = CheckRequest([Path(name)], settings, remember_projects=True)
        found[name] = [(f.code, f.line, f.column) for f in check(request).findings]
    assert calls == [project]
    for name, findings in found.items():
        alone = check(CheckRequest([Path(name)], settings))
        assert findings == [(f.code, f.line, f.column) for f in alone.findings], name


def test_a_text_that_differs_from_its_file_is_not_answered_from_the_remembered_run(project, monkeypatch):
    monkeypatch.chdir(project)
    monkeypatch.setattr(api, "_projects", {})
    settings = load_settings([project / "app"])
    fixed = PROJECT[FILE].replace("'userz.id'", "'users.id'").encode()
    check(CheckRequest([Path("app/models.py")], settings, remember_projects=True))
    request = CheckRequest([Path(FILE)], settings, {Path(FILE): fixed}, remember_projects=True)
    assert {f.code for f in check(request).findings} == EXPECTED_CODES - {"ORM602"}


def test_fix_runs_through_the_same_request_and_reports_what_is_left(project, monkeypatch):
    monkeypatch.chdir(project)
    settings = load_settings([project / "app"])
    before = (project / FILE).read_text()
    diff = check(CheckRequest([Path(FILE)], settings, fix="safe"))
    assert (project / FILE).read_text() == before  # not written: findings of the fixed text
    assert [o.after != o.before for o in diff.fixes] == [True]
    assert {f.code for f in diff.findings} == EXPECTED_CODES - {"ORM301"}
    written = check(CheckRequest([Path(FILE)], settings, fix="safe", write=True))
    assert (project / FILE).read_text() == diff.fixes[0].after
    assert written.findings == diff.findings


def test_whole_project_false_checks_a_text_alone(project, monkeypatch):
    """The language server's keystroke lint: the text on its own, no project run."""
    monkeypatch.chdir(project)
    settings = load_settings([project / "app"])
    text = PROJECT[FILE].encode()
    alone = check(CheckRequest([Path(FILE)], settings, {Path(FILE): text}, whole_project=False))
    assert [f.code for f in alone.findings] == ["ORM301"]  # unknown is not wrong
    inside = check(CheckRequest([Path(FILE)], settings, {Path(FILE): text}))
    assert {f.code for f in inside.findings} == EXPECTED_CODES
