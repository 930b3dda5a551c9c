"""`ormlint migrations`: the revision written from source alone brings the database to the models.

Oracle (PostgreSQL, a throwaway cluster from tests/test_drift_oracle.py, and SQLite, where
Alembic's batch mode recreates tables): for each drift fixture
project, migrate a fresh database to head, write the revision with `ormlint migrations revision`,
upgrade again; Alembic's `compare_metadata` (compare_type, compare_server_default) is then empty,
the history goes down to base and up again through the new revision's downgrade, and
`ormlint migrations check` exits 0.
"""

from __future__ import annotations

import ast
import json
import datetime

import pytest
from click.testing import CliRunner

from ormlint.cli import main
from ormlint.migrations.autogenerate import Plan
from ormlint.migrations.revision_file import BUILT_IN_TEMPLATE, revision_text, usable_template
from tests.test_drift_oracle import (  # noqa: F401  (postgresql_server is a fixture)
    alembic_diffs, copy_fixture, describe, fresh_database, postgresql_server, run_migrations,
)

# the fixtures' env.py set render_as_batch=True: table changes are written in batch_alter_table
# blocks, which SQLite needs (it cannot ALTER a column) and PostgreSQL runs as plain ALTERs
GENERATED_CASES = [
    pytest.param(name, backend, id=f"{name}-{backend}")
    for name in ("tables_columns", "types_nullable", "indexes_uniques", "defaults_fks", "pg_types")
    for backend in ("postgresql", "sqlite")
    # pg_types is PostgreSQL-only; defaults_fks changes unnamed foreign keys, which SQLite cannot
    # drop by name (test_an_unnamed_foreign_key_on_sqlite_is_left_to_the_author)
    if backend == "postgresql" or name not in ("pg_types", "defaults_fks")
]


def _versions(project):
    return sorted((project / "migrations" / "versions").glob("*.py"))


@pytest.mark.parametrize(("name", "backend"), GENERATED_CASES)
def test_the_written_revision_brings_the_database_to_the_models(name, backend, tmp_path, request):
    assert_the_revision_syncs(copy_fixture(name, tmp_path), backend, tmp_path, request)


def assert_the_revision_syncs(project, backend, tmp_path, request) -> str:
    """Migrate to head, write the revision, migrate again: Alembic sees no difference, the
    history goes down to base and up, `migrations check` exits 0. Returns the revision's text."""
    pytest.importorskip("alembic")
    (project / "pyproject.toml").write_text(f'[tool.ormlint]\ntarget-dialect = "{backend}"\n')
    url = fresh_database(backend, tmp_path, request)
    run_migrations(project, url, "head")
    assert alembic_diffs(project, url), "the fixture has drift to begin with"
    runner = CliRunner()
    check = runner.invoke(main, ["migrations", "check", str(project)])
    assert check.exit_code == 1, check.output
    before = _versions(project)
    written = runner.invoke(main, ["migrations", "revision", "-m", "Sync the models", str(project)])
    assert written.exit_code == 0, written.output
    [new] = sorted(set(_versions(project)) - set(before))
    assert new.name.endswith("_sync_the_models.py")
    text = new.read_text()
    ast.parse(text)
    assert "with op.batch_alter_table(" in text
    run_migrations(project, url, "head")
    diffs = alembic_diffs(project, url)
    assert diffs == [], f"{text}\n---\n{describe(diffs)}"
    run_migrations(project, url, "base")  # the new revision's downgrade, then the history's
    run_migrations(project, url, "head")
    assert alembic_diffs(project, url) == []
    after = runner.invoke(main, ["migrations", "check", str(project)])
    assert after.exit_code == 0, after.output
    return text


def _project(tmp_path, models: str, revision_body: str, tables: str):
    """A project with the fixtures' env.py, `models` as models.py and one revision that
    creates `tables` (comma-separated, dropped in reverse order going down)."""
    project = copy_fixture("indexes_uniques", tmp_path)
    for old in _versions(project):
        old.unlink()
    (project / "models.py").write_text(models)
    (project / "migrations" / "versions" / "a1b2c3d4e5f6_first.py").write_text(
        'from alembic import op\nimport sqlalchemy as sa\n\nrevision = "a1b2c3d4e5f6"\n'
        f"down_revision = None\n\n\ndef upgrade():\n{revision_body}\n\ndef downgrade():\n"
        + "".join(f"    op.drop_table({name!r})\n" for name in reversed(tables.split(",")))
    )
    return project


def test_an_extra_index_beside_an_agreed_unique_constraint_is_dropped_alone(tmp_path, request):
    # todo-api (0ui-labs): the migration's UniqueConstraint("name") agrees with unique=True; only
    # its plain index ix_tags_name is extra. The revision once also created the constraint again.
    project = _project(tmp_path, (
        "from sqlalchemy import Column, Integer, MetaData, String, Table\n\nmetadata_obj = MetaData()\n"
        "tags = Table('tags', metadata_obj, Column('id', Integer, primary_key=True),\n"
        "             Column('name', String(50), nullable=False, unique=True))\n"
    ), (
        "    op.create_table('tags', sa.Column('id', sa.Integer(), nullable=False),\n"
        "                    sa.Column('name', sa.String(length=50), nullable=False),\n"
        "                    sa.PrimaryKeyConstraint('id'), sa.UniqueConstraint('name'))\n"
        "    op.create_index(op.f('ix_tags_name'), 'tags', ['name'], unique=False)\n"
    ), "tags")
    text = assert_the_revision_syncs(project, "postgresql", tmp_path, request)
    upgrade = text.split("def downgrade", 1)[0]
    assert "drop_index('ix_tags_name')" in upgrade
    assert "unique_constraint" not in upgrade and "TODO by hand" not in text


def test_check_is_clean_and_revision_refuses_when_nothing_is_needed(tmp_path):
    project = copy_fixture("clean", tmp_path)
    runner = CliRunner()
    assert runner.invoke(main, ["migrations", "check", str(project)]).exit_code == 0
    refused = runner.invoke(main, ["migrations", "revision", "-m", "nothing", str(project)])
    assert refused.exit_code == 2 and "need no migration" in refused.output


def test_revision_refuses_several_heads(tmp_path):
    project = copy_fixture("tables_columns", tmp_path)
    head = _versions(project)[-1]
    text = head.read_text()
    down = ast.literal_eval(next(line.split("=", 1)[1] for line in text.splitlines() if line.startswith("down_revision")))
    (head.parent / "ffff0000aaaa_branch.py").write_text(
        f'revision = "ffff0000aaaa"\ndown_revision = {down!r}\n\ndef upgrade():\n    pass\n\ndef downgrade():\n    pass\n'
    )
    refused = CliRunner().invoke(main, ["migrations", "revision", "-m", "x", str(project)])
    assert refused.exit_code == 2 and "2 heads" in refused.output, refused.output


def test_a_template_with_code_is_never_run():
    assert usable_template(BUILT_IN_TEMPLATE)
    assert not usable_template("<%! import os; os.system('touch pwned') %>\n${message}\n")
    assert not usable_template("% for x in range(3):\n${message}\n% endfor\n")
    assert not usable_template("${__import__('os').system('touch pwned')}\n")


def test_the_revision_text_fills_alembics_template():
    plan = Plan(directory=None, upgrade=["op.add_column('t', sa.Column('c', sa.Integer(), nullable=True))"],
                downgrade=["op.drop_column('t', 'c')"], left_alone=["table `x`: an op.execute rewrites it"])
    text = revision_text(plan, "Add c", "abc123", "0001", BUILT_IN_TEMPLATE, datetime.datetime(2026, 12, 4))
    module = ast.parse(text)
    assert ast.get_docstring(module).startswith("Add c\n\nRevision ID: abc123\nRevises: 0001")
    values = {t.id: ast.literal_eval(n.value) for n in module.body if isinstance(n, ast.AnnAssign) for t in [n.target]}
    assert values == {"revision": "abc123", "down_revision": "0001", "branch_labels": None, "depends_on": None}
    assert "    # left alone: table `x`: an op.execute rewrites it\n    op.add_column('t'" in text
    assert "def downgrade() -> None:\n    op.drop_column('t', 'c')\n" in text


def test_an_unnamed_foreign_key_on_sqlite_is_left_to_the_author(tmp_path):
    project = copy_fixture("defaults_fks", tmp_path)
    (project / "pyproject.toml").write_text('[tool.ormlint]\ntarget-dialect = "sqlite"\n')
    diff = CliRunner().invoke(main, ["migrations", "diff", str(project)])
    assert diff.exit_code == 0, diff.output
    assert "# TODO by hand: `books`: the foreign key on (author_id) has no name to drop it by on sqlite" in diff.output
    upgrade = diff.output.split("def downgrade", 1)[0]
    assert "drop_constraint('books_author_id_fkey'" not in upgrade  # the name it would not have


@pytest.mark.parametrize("name", ["tables_columns", "types_nullable", "indexes_uniques", "defaults_fks", "pg_types"])
def test_each_safety_finding_on_the_revision_is_named_in_its_header(name, tmp_path):
    # conda-store (9177dc6) through drift_oracle --generate: 30 ORM72x findings on the revision,
    # none announced (SET NOT NULL, drop_index, a unique constraint on an existing table)
    project = copy_fixture(name, tmp_path)
    before = set(_versions(project))
    runner = CliRunner()
    assert runner.invoke(main, ["migrations", "revision", "-m", "sync", str(project)]).exit_code == 0
    [new] = set(_versions(project)) - before
    header = new.read_text().split("def downgrade", 1)[0]
    checked = runner.invoke(main, ["check", "--select", "ORM72,ORM73", "--all-revisions", "--format", "json",
                                   "--no-cache", str(project)])
    findings = [f for f in json.loads(checked.output) if f["path"].endswith(new.name)]
    silent = [f"{f['code']}:{f['line']} {f['message']}" for f in findings
              if f"# rewrite for safety: {f['code']}" not in header]
    assert silent == [], header
