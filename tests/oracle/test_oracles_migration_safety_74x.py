"""Oracles for ORM740 (UPDATE/DELETE without WHERE) and ORM741 (a data change under the lock the
revision's DDL took) on a real PostgreSQL 15, the drift oracle's throwaway cluster (skipped,
with the reason, when the server binaries or a driver are missing). The table is the populated
`invoices` of test_oracles_migration_safety.py (1,000 rows)."""

from __future__ import annotations

import pytest

pytest.importorskip("alembic")
sqlalchemy = pytest.importorskip("sqlalchemy")

from sqlalchemy import text  # noqa: E402

from tests.oracle import test_oracles_migration_safety as orm72x_oracles  # noqa: E402
from tests.oracle.test_oracles_migration_safety import _operations, _sqlstate  # noqa: E402
from tests.test_drift_oracle import postgresql_server  # noqa: E402,F401  (a fixture)

engine = orm72x_oracles.engine  # the fixture: a populated `invoices` table on PostgreSQL

sa = sqlalchemy


def _numbers(engine) -> list[str]:
    with engine.connect() as connection:
        return connection.execute(text("SELECT number FROM invoices ORDER BY id")).scalars().all()


def test_orm740_an_update_without_where_changes_every_row(engine):
    from ormlint.rules.migration_safety.data_statements import data_statements

    sql = "UPDATE invoices SET number = (SELECT 'void' WHERE 1 = 1) -- WHERE id = 1"
    assert [s.every_row for s in data_statements(sql)] == [True]  # what ORM740 reads
    with engine.begin() as connection:
        changed = _operations(connection).get_bind().execute(text(sql)).rowcount
    assert changed == 1000 and set(_numbers(engine)) == {"void"}
    # with the WHERE the rule asks for: only the rows meant
    with engine.begin() as connection:
        changed = connection.execute(text("UPDATE invoices SET number = 'n1' WHERE id = 1")).rowcount
    assert changed == 1 and _numbers(engine).count("n1") == 1


def test_orm740_a_delete_without_where_deletes_every_row(engine):
    with engine.begin() as connection:
        _operations(connection).execute("DELETE FROM invoices")
    assert _numbers(engine) == []


def _locks_during_update(connection) -> set[str]:
    """Run a backfill that records, row by row, the locks its own session holds on `invoices`
    while it runs; the set of what it recorded."""
    connection.execute(text(
        "UPDATE invoices SET note = (SELECT string_agg(mode, ',' ORDER BY mode) FROM pg_locks "
        "WHERE relation = 'invoices'::regclass AND pid = pg_backend_pid() AND granted)"
    ))
    notes = connection.execute(text("SELECT DISTINCT note FROM invoices")).scalars().all()
    return {mode for note in notes for mode in note.split(",")}


def _read_waits(engine) -> bool:
    """Does a SELECT from another session wait for a lock (given up after 200 ms)?"""
    with engine.connect() as other:
        other.execute(text("SET lock_timeout = '200ms'"))
        try:
            other.execute(text("SELECT count(*) FROM invoices"))
        except sa.exc.OperationalError as error:
            assert _sqlstate(error) == "55P03"  # lock_not_available
            return True
        other.rollback()
        return False


def test_orm741_a_backfill_after_add_column_runs_under_access_exclusive(engine):
    with engine.connect() as connection:
        with connection.begin():
            op = _operations(connection)
            op.add_column("invoices", sa.Column("note", sa.Text(), nullable=True))
            held = _locks_during_update(connection)
            assert "AccessExclusiveLock" in held  # the ADD COLUMN's, for the whole backfill
            assert _read_waits(engine)  # nobody can even read the table meanwhile


def test_orm741_the_backfill_in_an_autocommit_block_holds_no_exclusive_lock(engine):
    from alembic.operations import Operations
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        context = MigrationContext.configure(connection)
        op = Operations(context)
        with context.begin_transaction():  # as env.py runs a revision
            op.add_column("invoices", sa.Column("note", sa.Text(), nullable=True))
            with op.get_context().autocommit_block():  # commits the ADD COLUMN first
                held = _locks_during_update(connection)
                assert not _read_waits(engine)
    assert held == {"RowExclusiveLock"}  # the UPDATE's own lock only: reads and writes go on


def test_orm741_a_session_on_the_migrations_connection_runs_in_its_transaction(engine):
    """Why ORM741 reads `Session(bind=op.get_bind())`: the session joins the migration's
    transaction, so its backfill runs under the DDL's lock, and its commit() ends nothing."""
    from sqlalchemy import orm

    from tests.oracle.test_oracles_migration_safety import _table_locks

    with engine.connect() as connection:
        with connection.begin():
            op = _operations(connection)
            op.add_column("invoices", sa.Column("note", sa.Text(), nullable=True))
            session = orm.Session(bind=op.get_bind())
            held = _locks_during_update(session)
            session.commit()
            assert "AccessExclusiveLock" in held
            assert "AccessExclusiveLock" in _table_locks(connection)  # still the migration's
            assert _read_waits(engine)


def test_orm741_a_batch_blocks_ddl_runs_where_the_block_ends(engine):
    """Why ORM741 counts only data steps after a `batch_alter_table` block: Alembic runs the
    block's operations at its end, so a statement inside it runs before any of their locks."""
    from tests.oracle.test_oracles_migration_safety import _table_locks

    with engine.connect() as connection:
        with connection.begin():
            op = _operations(connection)
            with op.batch_alter_table("invoices") as batch_op:
                batch_op.add_column(sa.Column("note", sa.Text(), nullable=True))
                op.execute("UPDATE invoices SET number = number")
                inside = _table_locks(connection)
            after = _table_locks(connection)
    assert "AccessExclusiveLock" not in inside and "RowExclusiveLock" in inside
    assert "AccessExclusiveLock" in after


# -- ORM742: a lock request without lock_timeout ----------------------------------------------


def _waiting_for_exclusive(engine) -> bool:
    with engine.connect() as connection:
        return bool(connection.execute(text(
            "SELECT count(*) FROM pg_locks WHERE relation = 'invoices'::regclass "
            "AND mode = 'AccessExclusiveLock' AND NOT granted"
        )).scalar())


def _add_column_while_a_reader_holds_the_table(engine, lock_timeout: str | None) -> tuple[str, bool]:
    """A reader stays idle in its transaction on `invoices` while a migration adds a column:
    (how the migration ended, whether a third session's SELECT waited meanwhile)."""
    import threading
    import time

    outcome: dict[str, str] = {}

    def migrate() -> None:
        try:
            with engine.connect() as connection, connection.begin():
                if lock_timeout is not None:
                    connection.execute(text(f"SET LOCAL lock_timeout = '{lock_timeout}'"))
                _operations(connection).add_column("invoices", sa.Column("note", sa.Text()))
            outcome["migration"] = "done"
        except sa.exc.OperationalError as error:
            outcome["migration"] = _sqlstate(error)

    with engine.connect() as reader:
        reader.begin()
        reader.execute(text("SELECT count(*) FROM invoices"))  # holds ACCESS SHARE, then idles
        migration = threading.Thread(target=migrate)
        migration.start()
        deadline = time.monotonic() + 10
        while lock_timeout is None and not _waiting_for_exclusive(engine) and time.monotonic() < deadline:
            time.sleep(0.05)
        if lock_timeout is not None:
            migration.join(10)  # it gives up while the reader still holds the table
        select_waited = _read_waits(engine)
        reader.rollback()
    migration.join(10)
    return outcome["migration"], select_waited


def test_orm742_a_waiting_alter_queues_every_query_behind_it(engine):
    assert _add_column_while_a_reader_holds_the_table(engine, None) == ("done", True)


def test_orm742_with_lock_timeout_the_migration_gives_up_and_queries_run(engine):
    assert _add_column_while_a_reader_holds_the_table(engine, "300ms") == ("55P03", False)
