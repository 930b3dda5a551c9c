"""How the CLI finds Alembic migrations, and how users turn the drift rules off."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from ormlint.cli import main
from ormlint.rules import RULES
from ormlint.rules.base import example_files, strip_markers

# ORM703's invalid example: a model column no migration adds, with alembic.ini at the root.
PROJECT = {name: strip_markers(text) for name, text in example_files(RULES["ORM703"].invalid[0]).items()}


def _write(root: Path, files: dict[str, str], config: str = "[tool.ormlint]\n") -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    (root / "pyproject.toml").write_text(config)
    return root


def _codes(root: Path, *args: str) -> list[tuple[str, str]]:
    result = CliRunner().invoke(
        main, ["check", str(root), "--no-cache", "--format", "json", *args], catch_exceptions=False
    )
    assert result.exit_code in (0, 1), result.output
    return sorted((Path(f["path"]).name, f["code"]) for f in json.loads(result.output))


def test_alembic_ini_beside_the_config_is_found(tmp_path):
    assert _codes(_write(tmp_path, PROJECT)) == [("models.py", "ORM703")]


def test_no_migrations_turns_the_drift_rules_off(tmp_path):
    assert _codes(_write(tmp_path, PROJECT), "--no-migrations") == []


def test_configured_migrations_directory(tmp_path):
    files = {k.replace("migrations/", "db/alembic/"): v for k, v in PROJECT.items() if k != "alembic.ini"}
    root = _write(tmp_path, files)
    assert _codes(root) == []  # no alembic.ini and no script.py.mako: nothing says it is Alembic's
    _write(tmp_path, files, '[tool.ormlint]\nmigrations = ["db/alembic"]\n')
    assert _codes(root) == [("models.py", "ORM703")]


def test_migrations_option_names_the_directory(tmp_path):
    files = {k.replace("migrations/", "db/alembic/"): v for k, v in PROJECT.items() if k != "alembic.ini"}
    root = _write(tmp_path, files)
    assert _codes(root, "--migrations", str(root / "db" / "alembic" / "versions")) == [("models.py", "ORM703")]


def test_flask_migrate_layout_is_found_from_env_py(tmp_path):
    # Flask-Migrate keeps alembic.ini inside migrations/ and runs from the app, not the ini
    files = {k: v for k, v in PROJECT.items() if k != "alembic.ini"}
    files["migrations/alembic.ini"] = "[alembic]\n"
    assert _codes(_write(tmp_path, files)) == [("models.py", "ORM703")]


def test_ignore_and_noqa_apply_to_drift_findings(tmp_path):
    root = _write(tmp_path, PROJECT)
    assert _codes(root, "--ignore", "ORM7") == []
    models = root / "models.py"
    models.write_text(models.read_text().replace("bio: Mapped[Optional[str]]", "bio: Mapped[Optional[str]]  # noqa: ORM703"))
    assert _codes(root) == []


def test_migrations_config_must_be_strings(tmp_path):
    _write(tmp_path, PROJECT, "[tool.ormlint]\nmigrations = 3\n")
    result = CliRunner().invoke(main, ["check", str(tmp_path)])
    assert result.exit_code == 2 and "migrations" in result.output


def test_cached_run_notices_a_changed_migration(tmp_path, monkeypatch):
    root = _write(tmp_path, PROJECT)
    monkeypatch.chdir(root)
    run = lambda: CliRunner().invoke(main, ["check", ".", "--format", "json"], catch_exceptions=False)  # noqa: E731
    assert [f["code"] for f in json.loads(run().output)] == ["ORM703"]
    revision = root / "migrations" / "versions" / "0001_init.py"
    revision.write_text(revision.read_text().replace(
        '        sa.PrimaryKeyConstraint("id"),',
        '        sa.Column("bio", sa.String(), nullable=True),\n        sa.PrimaryKeyConstraint("id"),',
    ))
    assert json.loads(run().output) == []
    shutil.rmtree(root / ".ormlint_cache")


def test_one_changed_file_checked_with_a_warm_cache_reports_what_a_cold_run_does(tmp_path, monkeypatch):
    # As a pre-commit hook runs: the changed file alone, inside its project, every other file
    # answered from the cache (by its status: files count as settled at once here).
    import ormlint.cache as cache_module

    monkeypatch.setattr(cache_module, "_RACY_NANOSECONDS", 0)
    files = {**PROJECT, "models.py": PROJECT["models.py"].replace("    bio: Mapped[Optional[str]]\n", "")}
    root = _write(tmp_path, files)
    monkeypatch.chdir(root)

    def run(*args: str) -> list[tuple[str, str]]:
        result = CliRunner().invoke(main, ["check", "--format", "json", *args], catch_exceptions=False)
        return [(f["path"], f["code"]) for f in json.loads(result.output)]

    assert run(".") == [] and run("models.py") == []  # the warm cache
    tags = root / "tags.py"  # a model added without its migration
    tags.write_text(
        "from sqlalchemy.orm import Mapped, mapped_column\nfrom models import Base\n\n\n"
        "class Tag(Base):\n    __tablename__ = 'tag'\n    id: Mapped[int] = mapped_column(primary_key=True)\n"
    )
    assert run("tags.py") == run("tags.py", "--no-cache") == [("tags.py", "ORM701")]
    assert run(".") == [("migrations/env.py", "ORM710"), ("tags.py", "ORM701")]
    models = root / "models.py"  # a column added without its migration
    models.write_text(models.read_text() + "    bio: Mapped[Optional[str]]\n")
    assert run("models.py") == run("models.py", "--no-cache") == [("models.py", "ORM703")]


def test_a_model_file_checked_alone_judges_no_revision_for_migration_safety(tmp_path, monkeypatch):
    # Only the named file's findings are reported, and the safety rules' are located in revisions.
    import ormlint.rules.migration_safety.judged as judged

    root = _write(tmp_path, PROJECT)
    monkeypatch.chdir(root)
    judged_in: list[str] = []
    real = judged._judged_operations
    monkeypatch.setattr(
        judged, "_judged_operations",
        lambda index, options: [judged_in.append(j.revision.path) or j for j in real(index, options)],
    )
    check = lambda name: CliRunner().invoke(main, ["check", "--no-cache", name], catch_exceptions=False)  # noqa: E731
    assert check("models.py").exit_code == 1 and judged_in == []
    revision = "migrations/versions/0001_init.py"
    assert check(revision).exit_code == 0 and judged_in == [revision]


MIGRATION_LOCATED = [
    (code, i, source) for code, rule in RULES.items() if getattr(rule, "located_in_migrations", False)
    for i, source in enumerate(rule.invalid)
]


@pytest.mark.parametrize(
    ("code", "index", "source"), MIGRATION_LOCATED, ids=[f"{c}-{i}" for c, i, _ in MIGRATION_LOCATED]
)
def test_a_rule_located_in_migrations_reports_in_revisions_and_env_py_only(code, index, source, tmp_path):
    # what lets a model file checked alone skip the rule
    from tests.helpers import project_findings

    files = example_files(source) or {"models.py": strip_markers(source)}
    findings = project_findings(files, tmp_path, extend_select=(code,))  # opt-in rules too
    paths = [Path(path).as_posix() for path, found in findings if found.code == code]
    assert paths and all("/versions/" in p or p.endswith("env.py") for p in paths), paths


def test_a_model_file_checked_alone_does_not_run_the_rules_located_in_migrations(tmp_path, monkeypatch):
    root = _write(tmp_path, PROJECT)
    monkeypatch.chdir(root)
    ran: list[str] = []
    for code in ("ORM709", "ORM710"):
        rule = RULES[code]
        monkeypatch.setattr(
            rule, "check_project",
            lambda self, index, real=rule.check_project: ran.append(self.code) or real(self, index),
        )
    check = lambda name: CliRunner().invoke(main, ["check", "--no-cache", name], catch_exceptions=False)  # noqa: E731
    assert check("models.py").exit_code == 1 and ran == []
    assert check("migrations/env.py").exit_code == 0 and sorted(ran) == ["ORM709", "ORM710"]


def test_unchanged_revisions_are_not_read_again(tmp_path, monkeypatch):
    import ormlint.migrations as migrations

    root = _write(tmp_path, PROJECT)
    monkeypatch.chdir(root)
    calls = []
    real, real_read = migrations.parse_revision, migrations.read_revision
    monkeypatch.setattr(migrations, "parse_revision", lambda path, source: calls.append(path) or real(path, source))
    monkeypatch.setattr(migrations, "read_revision", lambda path, *rest: calls.append(path) or real_read(path, *rest))
    run = lambda: CliRunner().invoke(main, ["check", ".", "--format", "json"], catch_exceptions=False)  # noqa: E731
    assert [f["code"] for f in json.loads(run().output)] == ["ORM703"]
    assert calls == ["migrations/versions/0001_init.py"]
    models = root / "models.py"  # a model change reruns the project rules, not the revision parse
    models.write_text(models.read_text().replace("bio: Mapped[Optional[str]]", "bio: Mapped[Optional[str]]\n    age: Mapped[int]"))
    assert [f["code"] for f in json.loads(run().output)] == ["ORM703", "ORM703"]
    assert calls == ["migrations/versions/0001_init.py"]


def test_a_checked_revision_file_is_parsed_once_for_models_and_migrations(tmp_path, monkeypatch):
    import ormlint.migrations.revisions as revisions
    import ormlint.narrow as narrow

    root = _write(tmp_path, PROJECT)
    monkeypatch.chdir(root)
    parsed = []
    real = narrow.parse_module

    def counting(source):
        parsed.append(source)
        return real(source)

    monkeypatch.setattr(narrow, "parse_module", counting)
    monkeypatch.setattr(revisions, "parse_module", counting)
    result = CliRunner().invoke(main, ["check", ".", "--no-cache", "--format", "json"], catch_exceptions=False)
    assert [f["code"] for f in json.loads(result.output)] == ["ORM703"]
    revision = (root / "migrations" / "versions" / "0001_init.py").read_text()
    assert parsed.count(revision) == 1


def test_revisions_stay_cached_through_a_run_that_does_not_read_them(tmp_path, monkeypatch):
    # The cache keeps the revisions pickled until a run needs them: a run without migrations
    # writes them back untouched, and the next run with migrations reads none again.
    import ormlint.migrations as migrations

    root = _write(tmp_path, PROJECT)
    monkeypatch.chdir(root)
    calls = []
    real, real_read = migrations.parse_revision, migrations.read_revision
    monkeypatch.setattr(migrations, "parse_revision", lambda path, source: calls.append(path) or real(path, source))
    monkeypatch.setattr(migrations, "read_revision", lambda path, *rest: calls.append(path) or real_read(path, *rest))
    run = lambda *args: CliRunner().invoke(main, ["check", ".", "--format", "json", *args], catch_exceptions=False)  # noqa: E731
    assert [f["code"] for f in json.loads(run().output)] == ["ORM703"]
    models = root / "models.py"
    models.write_text(models.read_text() + "\n# changed\n")
    assert json.loads(run("--no-migrations").output) == []
    models.write_text(models.read_text() + "\n# changed again\n")
    assert [f["code"] for f in json.loads(run().output)] == ["ORM703"]
    assert calls == ["migrations/versions/0001_init.py"]


def test_show_uncertain_says_which_tables_were_not_judged_and_why(tmp_path, monkeypatch):
    files = {
        "alembic.ini": "[alembic]\nscript_location = %(here)s/migrations\n",
        "migrations/env.py": "from models import Base\ntarget_metadata = Base.metadata\n",
        "migrations/versions/0001.py": (
            "import sqlalchemy as sa\nfrom alembic import op\nrevision = '1'\ndown_revision = None\n"
            "def upgrade():\n    op.create_table('a', sa.Column('id', sa.Integer(), primary_key=True))\n"
            "    op.execute(load_sql())\n"
            "    op.create_table('c', sa.Column('id', sa.Integer(), primary_key=True))\n"
        ),
        "models.py": (
            "from sqlalchemy import Column, Integer, String\nfrom sqlalchemy.orm import declarative_base\n"
            "Base = declarative_base()\nclass A(Base):\n    __tablename__ = 'a'\n"
            "    id = Column(Integer, primary_key=True)\n    x = Column(String)\n"
            "class C(Base):\n    __tablename__ = 'c'\n    id = Column(Integer, primary_key=True)\n"
            "    y = Column(String)\n"
        ),
    }
    root = _write(tmp_path, files)
    monkeypatch.chdir(root)
    for _ in range(2):  # the second run answers its findings from the cache
        result = CliRunner().invoke(main, ["check", ".", "--show-uncertain"])
        assert result.exit_code == 1 and "c.y" in result.stdout and "a.x" not in result.stdout
        withheld = [line for line in result.stderr.splitlines() if "not judged" in line]
        assert withheld == [
            "ormlint: not judged: migrations/versions: no table is called missing on either side: "
            "execute() of a statement that is not a literal (migrations/versions/0001.py:7)",
            "ormlint: not judged: migrations/versions: table `a`: "
            "execute() of a statement that is not a literal (migrations/versions/0001.py:7)",
        ]
    assert "not judged" not in CliRunner().invoke(main, ["check", "."]).stderr
