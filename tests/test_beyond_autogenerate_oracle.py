"""Oracle for the drift Alembic's autogenerate does not see (ORM711+), on PostgreSQL 15.

The fixture tests/data/beyond_autogenerate/checks_comments is migrated to head on a throwaway
cluster (tests/test_drift_oracle.py's, skipped with the reason when the server is absent). Then:

1. the database really holds the migrations' CHECK conditions (`pg_get_constraintdef`) and
   comments (`obj_description`, `col_description`), not the models';
2. Alembic's `compare_metadata` (compare_type, compare_server_default) reports none of the CHECK
   differences (it compares CHECK constraints not at all) but does report the comments;
3. ormlint reports each difference from source alone (ORM711, ORM712);
4. the revision `ormlint migrations revision` writes brings the database to the models: the same
   conditions and comments, no Alembic item, `ormlint migrations check` exits 0, and the history
   goes down to base and up again through the new revision.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from ormlint.cli import main
from ormlint.sql_expressions import expression_key
from tests.test_drift_oracle import (  # noqa: F401  (postgresql_server is a fixture)
    _flatten, alembic_diffs, fresh_database, load_metadata, ormlint_keys, postgresql_server, run_migrations,
)

FIXTURES = Path(__file__).parent / "data" / "beyond_autogenerate"

EXPECTED = {
    ("ORM711", "products", ("ck_products_price",)),
    ("ORM711", "products", ("ck_products_stock",)),
    ("ORM711", "orders", ("ck_orders_quantity",)),
    ("ORM712", "products", ()),
    ("ORM712", "products", ("price",)),
    ("ORM712", "products", ("note",)),
}


def _copy(name: str, tmp_path: Path) -> Path:
    import shutil

    project = tmp_path / name
    shutil.copytree(FIXTURES / name, project, ignore=shutil.ignore_patterns("__pycache__"))
    return project


def _query(url: str, sql: str, **params) -> list:
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql), params)]
    finally:
        engine.dispose()


def database_state(url: str, tables: list[str]) -> dict:
    """What PostgreSQL holds: each table's CHECK conditions (as keys) and comments."""
    state = {}
    for table in tables:
        checks = _query(url, (
            "SELECT pg_get_constraintdef(c.oid) FROM pg_constraint c JOIN pg_class t ON c.conrelid = t.oid "
            "WHERE c.contype = 'c' AND t.relname = :table"
        ), table=table)
        comment = _query(url, "SELECT obj_description(CAST(:table AS regclass), 'pg_class')", table=table)
        columns = _query(url, (
            "SELECT attname, col_description(attrelid, attnum) FROM pg_attribute "
            "WHERE attrelid = CAST(:table AS regclass) AND attnum > 0 AND NOT attisdropped"
        ), table=table)
        state[table] = {
            "checks": sorted(expression_key(_without_casts(text.removeprefix("CHECK "))) for (text,) in checks),
            "comment": comment[0][0],
            "columns": dict(columns),
        }
    return state


def _without_casts(deparsed: str) -> str:
    """PostgreSQL's text of a condition less the casts it adds (`(name)::text`)."""
    return re.sub(r"::[a-z_]+(?: [a-z_]+)*", "", deparsed)


def model_state(project: Path, tables: list[str]) -> dict:
    """The same, as the models declare it (SQLAlchemy's MetaData of models.py)."""
    from sqlalchemy import CheckConstraint

    metadata = load_metadata(project)
    state = {}
    for name in tables:
        table = metadata.tables[name]
        state[name] = {
            "checks": sorted(
                expression_key(str(c.sqltext))
                for c in [*table.constraints, *(k for column in table.columns for k in column.constraints)]
                if isinstance(c, CheckConstraint)
            ),
            "comment": table.comment,
            "columns": {column.name: column.comment for column in table.columns},
        }
    return state


def _migrated(tmp_path, request):
    pytest.importorskip("alembic")
    project = _copy("checks_comments", tmp_path)
    url = fresh_database("postgresql", tmp_path, request)
    run_migrations(project, url, "head")
    return project, url


TABLES = ["orders", "products"]


def test_the_database_differs_and_alembic_sees_only_the_comments(tmp_path, request):
    project, url = _migrated(tmp_path, request)
    database, models = database_state(url, TABLES), model_state(project, TABLES)
    assert database["products"]["checks"] != models["products"]["checks"]
    assert expression_key("price > 0") in database["products"]["checks"]  # the migrations' condition
    assert expression_key("stock >= 0") not in database["products"]["checks"]
    assert database["orders"]["checks"] == [expression_key("quantity < 1000")] != models["orders"]["checks"]
    assert (database["products"]["comment"], models["products"]["comment"]) == (None, "Things we sell")
    assert database["products"]["columns"]["price"] == "In euros"
    assert database["products"]["columns"]["note"] == "legacy"
    # Alembic: the comments, and not one of the three CHECK differences
    kinds = sorted(diff[0] for diff in _flatten(alembic_diffs(project, url)))
    assert kinds == ["add_table_comment", "modify_comment", "modify_comment"], kinds
    # ormlint, from source alone: all six
    assert ormlint_keys(_copy("checks_comments", tmp_path / "static")) == EXPECTED


def test_the_written_revision_brings_the_database_to_the_models(tmp_path, request):
    project, url = _migrated(tmp_path, request)
    runner = CliRunner()
    assert runner.invoke(main, ["migrations", "check", str(project)]).exit_code == 1
    versions = project / "migrations" / "versions"
    before = set(versions.glob("*.py"))
    written = runner.invoke(main, ["migrations", "revision", "-m", "checks and comments", str(project)])
    assert written.exit_code == 0, written.output
    [new] = set(versions.glob("*.py")) - before
    text = new.read_text()
    ast.parse(text)
    run_migrations(project, url, "head")
    assert database_state(url, TABLES) == model_state(project, TABLES), text
    assert list(_flatten(alembic_diffs(project, url))) == []
    after = runner.invoke(main, ["migrations", "check", str(project)])
    assert after.exit_code == 0, after.output + text
    run_migrations(project, url, "base")  # the new revision's downgrade, then the history's
    run_migrations(project, url, "head")
    assert database_state(url, TABLES) == model_state(project, TABLES)
