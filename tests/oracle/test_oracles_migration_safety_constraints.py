"""Oracles for ORM722-ORM725 on a real PostgreSQL 15 cluster: constraints added to a populated
table, NOT NULL set on a nullable column, and a column type changed.

Each test runs the operation the rule reports through Alembic's `Operations` and observes what it
costs: the lock modes it holds (`pg_locks`), whether an INSERT from another session waits,
whether it read the whole table (`pg_stat_xact_user_tables.seq_scan`, counted inside the
transaction) or rewrote it (a new `relfilenode`); then runs the spelling the rule's message
suggests and observes that it does without. The shape is that of test_oracles_migration_safety.
"""

from __future__ import annotations

import pytest

pytest.importorskip("alembic")
sqlalchemy = pytest.importorskip("sqlalchemy")

from sqlalchemy import create_engine, text  # noqa: E402

from tests.oracle.test_oracles_migration_safety import _insert_waits, _operations, _sqlstate  # noqa: E402
from tests.test_drift_oracle import fresh_database, postgresql_server  # noqa: E402,F401

sa = sqlalchemy


@pytest.fixture
def engine(tmp_path, request):
    engine = create_engine(fresh_database("postgresql", tmp_path, request))
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE customers (id serial PRIMARY KEY)"))
        connection.execute(text("INSERT INTO customers SELECT FROM generate_series(1, 10)"))
        connection.execute(text(
            "CREATE TABLE invoices (id serial PRIMARY KEY, number varchar(20) NOT NULL, "
            "customer_id integer, amount integer, note varchar(20))"
        ))
        connection.execute(text(
            "INSERT INTO invoices (number, customer_id, amount, note) "
            "SELECT 'n' || g, 1 + g % 10, g, 'x' FROM generate_series(1, 1000) g"
        ))
    yield engine
    engine.dispose()


def _locks(connection, table: str = "invoices") -> set[str]:
    """The lock modes this session holds on `table`."""
    return set(connection.execute(text(
        f"SELECT mode FROM pg_locks WHERE relation = '{table}'::regclass "
        "AND pid = pg_backend_pid() AND granted"
    )).scalars())


def _scans(connection) -> int:
    """Sequential scans of `invoices` in this transaction so far."""
    return connection.execute(text(
        "SELECT seq_scan FROM pg_stat_xact_user_tables WHERE relname = 'invoices'"
    )).scalar()


def _file(connection) -> int:
    return connection.execute(text("SELECT relfilenode FROM pg_class WHERE oid = 'invoices'::regclass")).scalar()


def _validated(connection, name: str) -> bool:
    return connection.execute(text("SELECT convalidated FROM pg_constraint WHERE conname = :n"), {"n": name}).scalar()


def test_orm722_foreign_key_reads_the_table_and_blocks_writes(engine):
    with engine.connect() as connection, connection.begin():
        scans = _scans(connection)
        _operations(connection).create_foreign_key(
            "fk_invoices_customer", "invoices", "customers", ["customer_id"], ["id"],
        )
        assert _scans(connection) > scans  # every row checked, under the lock
        assert "ShareRowExclusiveLock" in _locks(connection)
        assert "ShareRowExclusiveLock" in _locks(connection, "customers")
        assert _insert_waits(engine)
        connection.rollback()

    # NOT VALID then VALIDATE in the same transaction: the first lock is held while validating
    with engine.connect() as connection, connection.begin():
        op = _operations(connection)
        op.create_foreign_key(
            "fk_invoices_customer", "invoices", "customers", ["customer_id"], ["id"],
            postgresql_not_valid=True,
        )
        op.execute("ALTER TABLE invoices VALIDATE CONSTRAINT fk_invoices_customer")
        assert "ShareRowExclusiveLock" in _locks(connection)
        assert _insert_waits(engine)
        connection.rollback()

    # the suggested spelling: NOT VALID (no scan), VALIDATE in a later transaction
    with engine.connect() as connection:
        with connection.begin():
            scans = _scans(connection)
            _operations(connection).create_foreign_key(
                "fk_invoices_customer", "invoices", "customers", ["customer_id"], ["id"],
                postgresql_not_valid=True,
            )
            assert _scans(connection) == scans
            assert not _validated(connection, "fk_invoices_customer")
        with connection.begin():
            _operations(connection).execute("ALTER TABLE invoices VALIDATE CONSTRAINT fk_invoices_customer")
            # the validating query's ACCESS SHARE besides: neither blocks writes
            assert _locks(connection) == {"ShareUpdateExclusiveLock", "AccessShareLock"}
            assert not _insert_waits(engine)  # writes go on while it validates
            assert _validated(connection, "fk_invoices_customer")


def test_orm722_check_constraint_reads_the_table_under_an_exclusive_lock(engine):
    with engine.connect() as connection, connection.begin():
        scans = _scans(connection)
        _operations(connection).create_check_constraint("ck_invoices_amount", "invoices", "amount > 0")
        assert _scans(connection) > scans
        assert "AccessExclusiveLock" in _locks(connection)
        assert _insert_waits(engine)
        connection.rollback()

    with engine.connect() as connection:
        with connection.begin():
            scans = _scans(connection)
            _operations(connection).create_check_constraint(
                "ck_invoices_amount", "invoices", "amount > 0", postgresql_not_valid=True,
            )
            assert _scans(connection) == scans
            assert not _validated(connection, "ck_invoices_amount")
        with connection.begin():
            _operations(connection).execute("ALTER TABLE invoices VALIDATE CONSTRAINT ck_invoices_amount")
            assert _locks(connection) == {"ShareUpdateExclusiveLock"}
            assert not _insert_waits(engine)
            assert _validated(connection, "ck_invoices_amount")


def test_orm723_unique_constraint_builds_its_index_under_an_exclusive_lock(engine):
    with engine.connect() as connection, connection.begin():
        _operations(connection).create_unique_constraint("uq_invoices_number", "invoices", ["number"])
        assert "AccessExclusiveLock" in _locks(connection)
        assert _insert_waits(engine)
        connection.rollback()
    with engine.begin() as connection:  # a table without a primary key, for the next one
        connection.execute(text("ALTER TABLE invoices DROP CONSTRAINT invoices_pkey"))
    with engine.connect() as connection, connection.begin():
        _operations(connection).create_primary_key("pk_invoices", "invoices", ["id"])
        assert "AccessExclusiveLock" in _locks(connection)
        assert _insert_waits(engine)
        connection.rollback()

    # the suggested spelling: a unique index built concurrently, then the constraint using it
    with engine.connect() as connection:
        op = _operations(connection)
        with op.get_context().begin_transaction(), op.get_context().autocommit_block():
            op.create_index(
                "uq_invoices_number", "invoices", ["number"], unique=True,
                postgresql_concurrently=True,
            )
            op.create_index("pk_invoices", "invoices", ["id"], unique=True, postgresql_concurrently=True)
    with engine.connect() as connection, connection.begin():
        op = _operations(connection)
        scans = _scans(connection)
        op.execute("ALTER TABLE invoices ADD CONSTRAINT uq_invoices_number UNIQUE USING INDEX uq_invoices_number")
        op.execute("ALTER TABLE invoices ADD CONSTRAINT pk_invoices PRIMARY KEY USING INDEX pk_invoices")
        assert _scans(connection) == scans  # no scan, no index build: the lock is brief
        kinds = connection.execute(text(
            "SELECT contype FROM pg_constraint WHERE conrelid = 'invoices'::regclass ORDER BY contype"
        )).scalars().all()
        assert kinds == ["p", "u"]


def test_orm724_set_not_null_reads_the_table_under_an_exclusive_lock(engine):
    with engine.connect() as connection, connection.begin():
        scans = _scans(connection)
        _operations(connection).alter_column("invoices", "note", nullable=False)
        assert _scans(connection) > scans
        assert "AccessExclusiveLock" in _locks(connection)
        assert _insert_waits(engine)
        connection.rollback()

    # PostgreSQL 12+: a validated CHECK (note IS NOT NULL) spares SET NOT NULL its scan
    with engine.connect() as connection:
        with connection.begin():
            _operations(connection).create_check_constraint(
                "ck_invoices_note_not_null", "invoices", "note IS NOT NULL", postgresql_not_valid=True,
            )
        with connection.begin():
            _operations(connection).execute("ALTER TABLE invoices VALIDATE CONSTRAINT ck_invoices_note_not_null")
        with connection.begin():
            op = _operations(connection)
            scans = _scans(connection)
            op.alter_column("invoices", "note", nullable=False)
            assert _scans(connection) == scans
            op.drop_constraint("ck_invoices_note_not_null", "invoices", type_="check")
        assert connection.execute(text(
            "SELECT attnotnull FROM pg_attribute WHERE attrelid = 'invoices'::regclass AND attname = 'note'"
        )).scalar() is True


def test_orm725_a_type_change_rewrites_the_table_under_an_exclusive_lock(engine):
    with engine.connect() as connection, connection.begin():
        before = _file(connection)
        _operations(connection).alter_column("invoices", "amount", type_=sa.BigInteger())
        assert _file(connection) != before  # rewritten
        assert "AccessExclusiveLock" in _locks(connection)
        assert _insert_waits(engine)
        connection.rollback()
    # USING a conversion function rewrites it too
    with engine.connect() as connection, connection.begin():
        before = _file(connection)
        _operations(connection).alter_column(
            "invoices", "number", type_=sa.Integer(), postgresql_using="id",
        )
        assert _file(connection) != before
        connection.rollback()
    # varchar(20) -> varchar(40) and -> text keep the table's file (and still lock it, briefly)
    with engine.connect() as connection, connection.begin():
        before = _file(connection)
        op = _operations(connection)
        op.alter_column("invoices", "note", type_=sa.String(40))
        op.alter_column("invoices", "note", type_=sa.Text())
        assert _file(connection) == before


def test_orm726_a_type_without_an_automatic_cast_fails_without_using(engine):
    with engine.connect() as connection, pytest.raises(sa.exc.ProgrammingError) as failure:
        with connection.begin():
            _operations(connection).alter_column("invoices", "number", type_=sa.Integer())
    assert _sqlstate(failure.value) == "42804"  # datatype_mismatch
    assert 'column "number" cannot be cast automatically to type integer' in str(failure.value)
    # the suggested spelling
    with engine.begin() as connection:
        connection.execute(text("UPDATE invoices SET number = id"))
        _operations(connection).alter_column(
            "invoices", "number", type_=sa.Integer(), postgresql_using="number::integer",
        )
        assert connection.execute(text("SELECT sum(number) FROM invoices")).scalar() == 500500
