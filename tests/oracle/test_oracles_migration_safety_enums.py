"""Oracles for ORM736 and ORM737 (issue 16, rule 8: PostgreSQL enum types) on a real PostgreSQL 15
cluster (the drift oracle's throwaway one; skipped, with the reason, when the server binaries or a
driver are missing). Each `_operations(connection)` is one `alembic upgrade` run: SQLAlchemy
creates a named type once per run, so "a database that ran the earlier revision" is an earlier
call.
"""

from __future__ import annotations

import pytest

pytest.importorskip("alembic")
sqlalchemy = pytest.importorskip("sqlalchemy")

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.dialects import postgresql  # noqa: E402

from tests.oracle.test_oracles_migration_safety import _operations, _sqlstate  # noqa: E402
from tests.test_drift_oracle import fresh_database, postgresql_server  # noqa: E402,F401  (a fixture)

sa = sqlalchemy
DUPLICATE_OBJECT, UNDEFINED_OBJECT = "42710", "42704"


@pytest.fixture
def engine(tmp_path, request):
    engine = create_engine(fresh_database("postgresql", tmp_path, request))
    yield engine
    engine.dispose()


def _run(engine, *steps) -> None:
    """Each step in a run of its own (its own transaction and migration context)."""
    for step in steps:
        with engine.begin() as connection:
            step(_operations(connection))


def _fails(engine, sqlstate: str, message: str, *steps) -> None:
    with pytest.raises(sa.exc.ProgrammingError) as failure:
        _run(engine, *steps)
    assert _sqlstate(failure.value) == sqlstate
    assert message in str(failure.value)


def _enum_types(engine) -> list[str]:
    with engine.connect() as connection:
        return connection.execute(text(
            "SELECT typname FROM pg_type WHERE typtype = 'e' ORDER BY typname"
        )).scalars().all()


def _invoices(op):
    op.create_table(
        "invoices", sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("status", sa.Enum("draft", "paid", name="status"), nullable=False),
    )


def _refunds(status_type):
    return lambda op: op.create_table(
        "refunds", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("status", status_type),
    )


@pytest.mark.parametrize("status_type", [
    sa.Enum("draft", "paid", name="status"),
    postgresql.ENUM("draft", "paid", name="status"),
    postgresql.ARRAY(sa.Enum("draft", "paid", name="status")),
])
def test_orm736_a_table_that_creates_an_existing_type_fails(engine, status_type):
    _fails(engine, DUPLICATE_OBJECT, 'type "status" already exists', _invoices, _refunds(status_type))


@pytest.mark.parametrize("status_type", [
    postgresql.ENUM("draft", "paid", name="status", create_type=False),  # the suggested spelling
    sa.Enum("draft", "paid", name="status", create_type=False),
    sa.Enum("draft", "paid", name="status", native_enum=False),
])
def test_orm736_what_the_rule_leaves_alone_runs(engine, status_type):
    _run(engine, _invoices, _refunds(status_type))
    assert _enum_types(engine) == ["status"]


def test_orm736_one_run_creates_a_type_once_so_a_fresh_upgrade_hides_the_failure(engine):
    _run(engine, lambda op: (_invoices(op), _refunds(sa.Enum("draft", "paid", name="status"))(op)))
    assert _enum_types(engine) == ["status"]


def test_orm736_add_column_never_creates_the_type(engine):
    _run(engine, _invoices, lambda op: op.add_column(
        "invoices", sa.Column("previous", sa.Enum("draft", "paid", name="status")),
    ))
    _fails(engine, UNDEFINED_OBJECT, 'type "mood" does not exist', lambda op: op.add_column(
        "invoices", sa.Column("mood", sa.Enum("calm", name="mood")),
    ))


def test_orm736_explicit_creates(engine):
    # sa.Enum's create() does not check first (checkfirst=False), postgresql.ENUM's does
    _fails(engine, DUPLICATE_OBJECT, 'type "status" already exists',
           _invoices, lambda op: sa.Enum("draft", name="status").create(op.get_bind()))
    _run(engine, lambda op: postgresql.ENUM("draft", name="status").create(op.get_bind()))
    # a type created first in the same run: the table's CREATE TYPE fails all the same
    _fails(engine, DUPLICATE_OBJECT, 'type "status" already exists', lambda op: (
        sa.Enum("draft", "paid", name="status").create(op.get_bind(), checkfirst=True),
        _refunds(sa.Enum("draft", "paid", name="status"))(op),
    ))
    _fails(engine, DUPLICATE_OBJECT, 'type "status" already exists',
           lambda op: op.execute("CREATE TYPE status AS ENUM ('draft', 'paid')"))


def _downgrade(op):
    op.drop_table("invoices")


@pytest.mark.parametrize("downgrade_is_fixed", [False, True])
def test_orm737_upgrade_downgrade_upgrade(engine, downgrade_is_fixed):
    if not downgrade_is_fixed:
        _run(engine, _invoices, _downgrade)
        assert _enum_types(engine) == ["status"]  # left behind
        _fails(engine, DUPLICATE_OBJECT, 'type "status" already exists', _invoices)
        return
    # the spellings the message suggests
    _run(engine, _invoices, lambda op: (_downgrade(op), op.execute("DROP TYPE status")))
    assert _enum_types(engine) == []
    _run(engine, _invoices, lambda op: (_downgrade(op), sa.Enum(name="status").drop(op.get_bind())))
    assert _enum_types(engine) == []
    _run(engine, _invoices)


def test_orm737_drop_column_leaves_the_type_too(engine):
    def upgrade(op):
        sa.Enum("calm", name="mood").create(op.get_bind())
        op.add_column("invoices", sa.Column("mood", postgresql.ENUM(name="mood", create_type=False)))

    _run(engine, _invoices, upgrade, lambda op: op.drop_column("invoices", "mood"))
    assert _enum_types(engine) == ["mood", "status"]
    _fails(engine, DUPLICATE_OBJECT, 'type "mood" already exists', upgrade)


# -- ORM738: op.add_column of a type nothing created ------------------------------------------


def _plain_invoices(op):
    op.create_table("invoices", sa.Column("id", sa.Integer(), primary_key=True))


@pytest.mark.parametrize("status_type", [
    sa.Enum("draft", "paid", name="invoice_status"),  # what autogenerate writes
    postgresql.ENUM("draft", "paid", name="invoice_status"),
])
def test_orm738_add_column_of_a_type_nothing_created_fails(engine, status_type):
    _fails(
        engine, UNDEFINED_OBJECT, 'type "invoice_status" does not exist', _plain_invoices,
        lambda op: op.add_column("invoices", sa.Column("status", status_type)),
    )
    assert _enum_types(engine) == []


def test_orm738_the_suggested_spelling_and_native_enum_false_run(engine):
    def created_first(op):
        status = postgresql.ENUM("draft", "paid", name="invoice_status")
        status.create(op.get_bind(), checkfirst=True)
        op.add_column("invoices", sa.Column("status", status))

    _run(engine, _plain_invoices, created_first, lambda op: op.add_column(
        "invoices", sa.Column("kind", sa.Enum("a", "b", name="invoice_kind", native_enum=False)),
    ))
    assert _enum_types(engine) == ["invoice_status"]
    with engine.connect() as connection:
        columns = connection.execute(text(
            "SELECT column_name, udt_name FROM information_schema.columns "
            "WHERE table_name = 'invoices' ORDER BY ordinal_position"
        )).all()
    assert [tuple(c) for c in columns] == [("id", "int4"), ("status", "invoice_status"), ("kind", "varchar")]
