"""Oracles for the migration-safety rules (ORM720, ORM721) on a real PostgreSQL 15 cluster.

Each test builds a populated table, runs the operation the rule reports through Alembic's
`Operations` (as a revision's `op` would) and observes the failure or the lock it takes in
`pg_locks`; then runs the spelling the rule's message suggests and observes that it works
without it. The cluster is the drift oracle's throwaway one (skipped, with the reason, when the
server binaries or a driver are missing).
"""

from __future__ import annotations

import threading
import time

import pytest

pytest.importorskip("alembic")
sqlalchemy = pytest.importorskip("sqlalchemy")

from sqlalchemy import create_engine, text  # noqa: E402

from tests.test_drift_oracle import fresh_database, postgresql_server  # noqa: E402,F401

sa = sqlalchemy


@pytest.fixture
def engine(tmp_path, request):
    engine = create_engine(fresh_database("postgresql", tmp_path, request))
    with engine.begin() as connection:
        connection.execute(text(
            "CREATE TABLE invoices (id serial PRIMARY KEY, number varchar(20) NOT NULL)"
        ))
        connection.execute(text(
            "INSERT INTO invoices (number) SELECT 'n' || g FROM generate_series(1, 1000) g"
        ))
    yield engine
    engine.dispose()


def _operations(connection):
    """Alembic's `op` on the connection, as a revision's upgrade() gets it (for autocommit
    blocks, run inside `op.get_context().begin_transaction()`, as env.py does)."""
    from alembic.operations import Operations
    from alembic.runtime.migration import MigrationContext

    return Operations(MigrationContext.configure(connection))


def _sqlstate(error: Exception) -> str | None:
    orig = getattr(error, "orig", error)
    return getattr(orig, "pgcode", None) or getattr(orig, "sqlstate", None)


def _table_locks(connection) -> set[str]:
    """The lock modes this session holds on `invoices`."""
    return set(connection.execute(text(
        "SELECT mode FROM pg_locks WHERE relation = 'invoices'::regclass "
        "AND pid = pg_backend_pid() AND granted"
    )).scalars())


def _insert_waits(engine) -> bool:
    """Does an INSERT from another session wait for a lock (given up after 200 ms)?"""
    with engine.connect() as other:
        other.execute(text("SET lock_timeout = '200ms'"))
        try:
            other.execute(text("INSERT INTO invoices (number) VALUES ('other')"))
        except sa.exc.OperationalError as error:
            assert _sqlstate(error) == "55P03"  # lock_not_available
            return True
        other.rollback()
        return False


def test_orm720_not_null_column_without_server_default_fails_on_rows(engine):
    from sqlalchemy.exc import IntegrityError

    with engine.connect() as connection, pytest.raises(IntegrityError) as failure:
        with connection.begin():
            _operations(connection).add_column(
                "invoices", sa.Column("currency", sa.String(3), nullable=False)
            )
    assert _sqlstate(failure.value) == "23502"  # not_null_violation
    assert "contains null values" in str(failure.value)
    # the suggested spelling: a server default gives existing rows a value
    with engine.begin() as connection:
        _operations(connection).add_column(
            "invoices", sa.Column("currency", sa.String(3), nullable=False, server_default="EUR")
        )
        assert connection.execute(text("SELECT DISTINCT currency FROM invoices")).scalars().all() == ["EUR"]
    # and the other one: nullable, filled, then NOT NULL
    with engine.begin() as connection:
        op = _operations(connection)
        op.add_column("invoices", sa.Column("paid", sa.Boolean(), nullable=True))
        op.execute("UPDATE invoices SET paid = false")
        op.alter_column("invoices", "paid", nullable=False)


def test_orm720_a_python_default_is_not_in_the_ddl():
    """Autogenerate renders the column without the model's Python default: no DEFAULT clause."""
    from alembic.autogenerate import render_python_code
    from alembic.operations import ops

    column = sa.Column("currency", sa.String(3), nullable=False, default="EUR")
    rendered = render_python_code(ops.UpgradeOps(ops=[ops.AddColumnOp("invoices", column)]))
    assert "server_default" not in rendered and "EUR" not in rendered


def test_orm721_create_index_blocks_writes_and_concurrently_does_not(engine):
    with engine.connect() as connection:
        with connection.begin():
            _operations(connection).create_index("ix_invoices_number", "invoices", ["number"])
            assert "ShareLock" in _table_locks(connection)
            assert _insert_waits(engine)
        with connection.begin():
            _operations(connection).drop_index("ix_invoices_number", table_name="invoices")
            assert "AccessExclusiveLock" in _table_locks(connection)
            assert _insert_waits(engine)

    # CONCURRENTLY inside the migration's transaction: an error
    with engine.connect() as connection, pytest.raises(sa.exc.InternalError) as failure:
        with connection.begin():
            _operations(connection).create_index(
                "ix_invoices_number", "invoices", ["number"], postgresql_concurrently=True,
            )
    assert _sqlstate(failure.value) == "25001"  # active_sql_transaction
    assert "cannot run inside a transaction block" in str(failure.value)

    # The suggested spelling, while another transaction holds a write on the table (the
    # concurrent build waits for it, which leaves time to look at its locks)
    blocker = engine.connect()
    blocker.begin()
    blocker.execute(text("INSERT INTO invoices (number) VALUES ('open')"))
    errors: list[BaseException] = []

    def build() -> None:
        try:
            with engine.connect() as connection:
                op = _operations(connection)
                with op.get_context().begin_transaction(), op.get_context().autocommit_block():
                    op.create_index(
                        "ix_invoices_number", "invoices", ["number"], postgresql_concurrently=True,
                    )
        except BaseException as error:  # reported by the main thread
            errors.append(error)

    builder = threading.Thread(target=build)
    builder.start()
    try:
        with engine.connect() as observer:
            modes: set[str] = set()
            deadline = time.monotonic() + 30
            while "ShareUpdateExclusiveLock" not in modes and time.monotonic() < deadline:
                modes = set(observer.execute(text(
                    "SELECT l.mode FROM pg_locks l JOIN pg_stat_activity a USING (pid) "
                    "WHERE l.relation = 'invoices'::regclass AND l.granted "
                    "AND a.query ILIKE 'CREATE INDEX CONCURRENTLY%'"
                )).scalars())
                observer.rollback()
            assert modes == {"ShareUpdateExclusiveLock"}, errors
        assert not _insert_waits(engine)  # writes go on during the build
    finally:
        blocker.commit()
        blocker.close()
        builder.join(60)
    assert not errors and not builder.is_alive()
    with engine.connect() as connection:
        valid = connection.execute(text(
            "SELECT indisvalid FROM pg_index WHERE indexrelid = 'ix_invoices_number'::regclass"
        )).scalar()
        assert valid is True
    with engine.connect() as connection:
        op = _operations(connection)
        with op.get_context().begin_transaction(), op.get_context().autocommit_block():
            op.drop_index("ix_invoices_number", table_name="invoices", postgresql_concurrently=True)
