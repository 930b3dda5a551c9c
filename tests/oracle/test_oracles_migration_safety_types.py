"""Oracles for ORM725 and ORM726 on a real PostgreSQL 15 cluster: what `ALTER COLUMN ... TYPE`
does, type pair by type pair, against what ormlint's `type_change` module claims.

Each pair runs on a populated table inside a transaction that is rolled back: the change either
fails ("cannot be cast automatically") or runs, and a new `relfilenode` tells a rewritten table.
"""

from __future__ import annotations

import itertools

import pytest

pytest.importorskip("alembic")
sqlalchemy = pytest.importorskip("sqlalchemy")

from sqlalchemy import create_engine, text  # noqa: E402

from ormlint.rules.migration_safety.type_change import casts_automatically, rewrites_table  # noqa: E402
from tests.test_drift_oracle import fresh_database, postgresql_server  # noqa: E402,F401

# ormlint's normalised spellings, each also valid PostgreSQL DDL
TYPES = (
    "VARCHAR", "VARCHAR(10)", "VARCHAR(20)", "TEXT", "CHAR(5)", "SMALLINT", "INTEGER", "BIGINT",
    "NUMERIC", "NUMERIC(10, 2)", "NUMERIC(12, 2)", "NUMERIC(10, 3)", "FLOAT", "FLOAT(10)", "REAL",
    "DOUBLE PRECISION", "BOOLEAN", "DATE", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE", "TIME",
    "TIME WITH TIME ZONE", "INTERVAL", "BYTEA", "JSON", "JSONB", "UUID", "INET", "CIDR",
)


def _observe(connection, old: str, new: str) -> tuple[bool, bool | None]:
    """(converted without USING, table rewritten (None: the change failed))."""
    transaction = connection.begin()
    try:
        connection.execute(text(f"CREATE TABLE pairs (id serial PRIMARY KEY, value {old})"))
        connection.execute(text("INSERT INTO pairs (value) SELECT NULL FROM generate_series(1, 100)"))
        node = "SELECT relfilenode FROM pg_class WHERE oid = 'pairs'::regclass"
        before = connection.execute(text(node)).scalar()
        savepoint = connection.begin_nested()
        try:
            connection.execute(text(f"ALTER TABLE pairs ALTER COLUMN value TYPE {new}"))
        except sqlalchemy.exc.ProgrammingError as error:
            assert "cannot be cast automatically" in str(error), error
            savepoint.rollback()
            return False, None
        return True, connection.execute(text(node)).scalar() != before
    finally:
        transaction.rollback()


@pytest.fixture(scope="module")
def observed(postgresql_server, tmp_path_factory):  # noqa: F811
    engine = create_engine(postgresql_server)
    try:
        with engine.connect() as connection:
            yield {
                (old, new): _observe(connection, old, new)
                for old, new in itertools.product(TYPES, TYPES) if old != new
            }
    finally:
        engine.dispose()


def test_type_change_claims_hold_on_postgresql(observed):
    wrong = []
    for (old, new), (casts, rewrites) in observed.items():
        claimed_cast = casts_automatically(old, new)
        if claimed_cast is not None and claimed_cast != casts:
            wrong.append(f"cast {old} -> {new}: claimed {claimed_cast}, observed {casts}")
        claimed_rewrite = rewrites_table(old, new)
        if casts and claimed_rewrite is not None and claimed_rewrite != rewrites:
            wrong.append(f"rewrite {old} -> {new}: claimed {claimed_rewrite}, observed {rewrites}")
    assert not wrong, "\n".join(wrong)
