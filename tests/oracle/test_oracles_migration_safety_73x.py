"""Oracles for the migration-safety rules ORM730 and up (issue 16, rules 7-11): the operation
the rule reports fails (or locks) on a real database, and the spelling its message suggests
works. PostgreSQL runs on the drift oracle's throwaway cluster (as in
test_oracles_migration_safety.py, whose fixtures these share); SQLite is the stdlib's.
"""

from __future__ import annotations

import pytest

pytest.importorskip("alembic")
sqlalchemy = pytest.importorskip("sqlalchemy")

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column  # noqa: E402

from tests.oracle import test_oracles_migration_safety as orm72x_oracles  # noqa: E402
from tests.oracle.test_oracles_migration_safety import _operations, _sqlstate, _table_locks  # noqa: E402
from tests.test_drift_oracle import postgresql_server  # noqa: E402,F401  (a fixture)

engine = orm72x_oracles.engine  # the fixture: a populated `invoices` table on PostgreSQL

sa = sqlalchemy


@pytest.fixture
def sqlite_connection(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'app.db'}")
    with engine.begin() as connection:
        connection.execute(text(
            "CREATE TABLE invoices (id INTEGER PRIMARY KEY, number VARCHAR(20) UNIQUE, "
            "code VARCHAR(20), note TEXT)"
        ))
        connection.execute(text("CREATE INDEX ix_invoices_code ON invoices (code)"))
        connection.execute(text(
            "INSERT INTO invoices (number, code, note) VALUES ('n1', 'c1', 'a'), ('n2', 'c2', 'b')"
        ))
    with engine.connect() as connection:
        yield connection
    engine.dispose()


@pytest.mark.parametrize(("operation", "error", "says"), [
    (lambda op: op.create_unique_constraint("uq_invoices_note", "invoices", ["note"]),
     NotImplementedError, "No support for ALTER of constraints in SQLite dialect"),
    (lambda op: op.create_foreign_key("fk", "invoices", "invoices", ["code"], ["id"]),
     NotImplementedError, "No support for ALTER of constraints in SQLite dialect"),
    (lambda op: op.drop_constraint("uq", "invoices", type_="unique"),
     NotImplementedError, "No support for ALTER of constraints in SQLite dialect"),
    (lambda op: op.alter_column("invoices", "note", nullable=False),
     sa.exc.OperationalError, 'near "ALTER": syntax error'),
    (lambda op: op.alter_column("invoices", "note", type_=sa.String(50)),
     sa.exc.OperationalError, 'near "ALTER": syntax error'),
    (lambda op: op.alter_column("invoices", "note", server_default="x"),
     sa.exc.OperationalError, 'near "ALTER": syntax error'),
    (lambda op: op.drop_column("invoices", "number"),
     sa.exc.OperationalError, 'cannot drop UNIQUE column: "number"'),
    (lambda op: op.drop_column("invoices", "code"),
     sa.exc.OperationalError, "error in index ix_invoices_code after drop column"),
])
def test_orm730_sqlite_fails_outside_batch_mode(sqlite_connection, operation, error, says):
    with pytest.raises(error, match=says):
        operation(_operations(sqlite_connection))


def test_orm730_what_the_rule_leaves_alone_runs_on_sqlite(sqlite_connection):
    op = _operations(sqlite_connection)
    op.alter_column("invoices", "note", new_column_name="remark")
    op.drop_column("invoices", "remark")
    columns = [row[1] for row in sqlite_connection.execute(text("PRAGMA table_info(invoices)"))]
    assert columns == ["id", "number", "code"]


def test_orm730_batch_mode_runs_and_keeps_the_rows(sqlite_connection):
    op = _operations(sqlite_connection)
    with op.batch_alter_table("invoices") as batch_op:
        batch_op.create_unique_constraint("uq_invoices_note", ["note"])
        batch_op.alter_column("note", nullable=False, type_=sa.String(50), server_default="x")
        batch_op.drop_index("ix_invoices_code")  # else batch mode recreates it, and fails
        batch_op.drop_column("code")
    with op.batch_alter_table("invoices") as batch_op:
        batch_op.drop_constraint("uq_invoices_note", type_="unique")
        batch_op.drop_column("number")
    rows = sqlite_connection.execute(text("SELECT id, note FROM invoices ORDER BY id")).all()
    assert [tuple(row) for row in rows] == [(1, "a"), (2, "b")]
    info = {row[1]: row for row in sqlite_connection.execute(text("PRAGMA table_info(invoices)"))}
    assert list(info) == ["id", "note"] and info["note"][3] == 1  # NOT NULL


def _relfilenode(engine) -> int:
    """The file that holds the table's rows (a rewrite makes a new one)."""
    with engine.connect() as connection:
        return connection.execute(text(
            "SELECT relfilenode FROM pg_class WHERE oid = 'invoices'::regclass"
        )).scalar()


def test_orm731_the_functions_are_volatile(engine):
    from ormlint.rules.migration_safety.volatile_default_rewrites_table import volatile_call

    names = ["gen_random_uuid", "random", "clock_timestamp", "timeofday", "nextval"]
    with engine.connect() as connection:
        volatility = dict(connection.execute(text(
            "SELECT DISTINCT proname, provolatile FROM pg_proc WHERE proname = ANY(:names)"
        ), {"names": [*names, "now", "statement_timestamp"]}).all())
    assert {name: volatility[name] for name in names} == dict.fromkeys(names, "v")
    assert volatility["now"] == volatility["statement_timestamp"] == "s"  # stable: left alone
    assert all(volatile_call(f"{name}()") == f"{name}()" for name in names)
    assert volatile_call("now()") is None


def test_orm731_a_volatile_default_rewrites_the_table_under_an_exclusive_lock(engine):
    with engine.connect() as connection:
        before = _relfilenode(engine)
        with connection.begin():
            _operations(connection).add_column("invoices", sa.Column(
                "token", sa.Uuid(), server_default=sa.text("gen_random_uuid()"),
            ))
            assert "AccessExclusiveLock" in _table_locks(connection)
        assert _relfilenode(engine) != before  # a new file: every row was copied
        with connection.begin():
            assert connection.execute(text("SELECT count(DISTINCT token) FROM invoices")).scalar() == 1000
        # a STABLE default is stored once (PostgreSQL 11+): no rewrite
        before = _relfilenode(engine)
        with connection.begin():
            _operations(connection).add_column("invoices", sa.Column(
                "created_at", sa.DateTime(), server_default=sa.text("now()"),
            ))
        assert _relfilenode(engine) == before


def test_orm731_the_suggested_spelling_does_not_rewrite(engine):
    with engine.connect() as connection:
        before = _relfilenode(engine)
        with connection.begin():
            op = _operations(connection)
            op.add_column("invoices", sa.Column("token", sa.Uuid(), nullable=True))
            op.alter_column("invoices", "token", server_default=sa.text("gen_random_uuid()"))
        assert _relfilenode(engine) == before
        with connection.begin():  # new rows get the default; existing ones are filled later
            connection.execute(text("INSERT INTO invoices (number) VALUES ('new')"))
        with connection.begin():
            connection.execute(text("UPDATE invoices SET token = gen_random_uuid() WHERE token IS NULL"))
            assert connection.execute(text("SELECT count(DISTINCT token) FROM invoices")).scalar() == 1001



def _query_fails_on_number(engine, model) -> None:
    with Session(engine) as session, pytest.raises(sa.exc.ProgrammingError) as failure:
        session.scalars(sa.select(model)).all()
    assert _sqlstate(failure.value) == "42703"  # undefined_column
    assert "invoices.number does not exist" in str(failure.value)


def test_orm732_a_mapped_column_dropped_or_renamed_breaks_every_query(engine):
    class Base(DeclarativeBase):
        pass

    class Invoice(Base):
        __tablename__ = "invoices"
        id: Mapped[int] = mapped_column(primary_key=True)
        number: Mapped[str] = mapped_column(sa.String(20))

    with Session(engine) as session:
        assert len(session.scalars(sa.select(Invoice)).all()) == 1000
    with engine.begin() as connection:
        _operations(connection).alter_column("invoices", "number", new_column_name="code")
    _query_fails_on_number(engine, Invoice)
    with engine.begin() as connection:
        op = _operations(connection)
        op.alter_column("invoices", "code", new_column_name="number")
        op.drop_column("invoices", "number")
    _query_fails_on_number(engine, Invoice)


def test_orm732_a_column_the_model_no_longer_maps_drops_cleanly(engine):
    class Base(DeclarativeBase):
        pass

    class Invoice(Base):  # the model deployed first, without `number`
        __tablename__ = "invoices"
        id: Mapped[int] = mapped_column(primary_key=True)

    with engine.begin() as connection:
        _operations(connection).drop_column("invoices", "number")
    with Session(engine) as session:
        assert len(session.scalars(sa.select(Invoice)).all()) == 1000


def test_orm733_an_imported_model_of_today_fails_on_an_older_schema(engine):
    class Base(DeclarativeBase):
        pass

    class Invoice(Base):  # today's model: `currency` comes with a later revision
        __tablename__ = "invoices"
        id: Mapped[int] = mapped_column(primary_key=True)
        number: Mapped[str] = mapped_column(sa.String(20))
        currency: Mapped[str] = mapped_column(sa.String(3))

    # the revision's data step, run where the database is at this revision (fresh upgrade)
    with Session(engine) as session, pytest.raises(sa.exc.ProgrammingError) as failure:
        for invoice in session.query(Invoice):
            invoice.number = invoice.number.strip()
    assert _sqlstate(failure.value) == "42703"  # undefined_column
    assert "invoices.currency does not exist" in str(failure.value)
    # the suggested spelling names only the columns the revision needs
    with engine.begin() as connection:
        invoices = sa.table("invoices", sa.column("id"), sa.column("number"))
        _operations(connection).execute(invoices.update().values(number=sa.func.trim(invoices.c.number)))
        assert connection.execute(sa.select(sa.func.count()).select_from(invoices)).scalar() == 1000


def test_orm734_a_new_enum_value_cannot_be_used_in_its_transaction(engine):
    with engine.begin() as connection:
        connection.execute(text("CREATE TYPE status AS ENUM ('open', 'closed')"))
        connection.execute(text("ALTER TABLE invoices ADD COLUMN status status NOT NULL DEFAULT 'open'"))
    with engine.connect() as connection, pytest.raises(sa.exc.DBAPIError) as failure:
        with connection.begin():
            op = _operations(connection)
            op.execute("ALTER TYPE status ADD VALUE 'archived'")
            op.execute("UPDATE invoices SET status = 'archived' WHERE id <= 10")
    assert _sqlstate(failure.value) == "55P04"  # unsafe_new_enum_value_usage
    assert 'unsafe use of new value "archived"' in str(failure.value)
    # ADD VALUE alone runs in a transaction (PostgreSQL 12+): the rule leaves it alone
    with engine.begin() as connection:
        _operations(connection).execute("ALTER TYPE status ADD VALUE 'draft'")
    # the suggested spelling: the autocommit block commits the value before its use
    with engine.connect() as connection:
        op = _operations(connection)
        with op.get_context().begin_transaction():
            with op.get_context().autocommit_block():
                op.execute("ALTER TYPE status ADD VALUE IF NOT EXISTS 'archived'")
            op.execute("UPDATE invoices SET status = 'archived' WHERE id <= 10")
    with engine.connect() as connection:
        assert connection.execute(text(
            "SELECT count(*) FROM invoices WHERE status = 'archived'"
        )).scalar() == 10


@pytest.mark.parametrize("type_", ["foreignkey", None])
def test_orm735_a_constraint_named_none_cannot_be_dropped(engine, type_):
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE customers (id serial PRIMARY KEY)"))
        connection.execute(text("ALTER TABLE invoices ADD COLUMN customer_id int REFERENCES customers (id)"))
    with engine.connect() as connection, pytest.raises(sa.exc.CompileError, match="it has no name|no name"):
        with connection.begin():
            _operations(connection).drop_constraint(None, "invoices", type_=type_)
    # a foreign-key naming convention has no columns to fill its tokens
    from alembic.operations import Operations
    from alembic.runtime.migration import MigrationContext

    convention = sa.MetaData(naming_convention={"fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"})
    with engine.connect() as connection, pytest.raises(Exception) as failure:
        with connection.begin():
            Operations(MigrationContext.configure(
                connection, opts={"target_metadata": convention},
            )).drop_constraint(None, "invoices", type_="foreignkey")
    assert type(failure.value).__name__ in ("IndexError", "CompileError")
    # the suggested spelling: the name the database gave it
    with engine.begin() as connection:
        _operations(connection).drop_constraint("invoices_customer_id_fkey", "invoices", type_="foreignkey")


def test_orm735_batch_mode_cannot_find_an_unnamed_constraint(sqlite_connection):
    sqlite_connection.execute(text("CREATE TABLE customers (id INTEGER PRIMARY KEY)"))
    sqlite_connection.execute(text(
        "CREATE TABLE payments (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers (id))"
    ))
    op = _operations(sqlite_connection)
    with pytest.raises(ValueError, match="Constraint must have a name"):
        with op.batch_alter_table("payments") as batch_op:
            batch_op.drop_constraint(None, type_="foreignkey")
