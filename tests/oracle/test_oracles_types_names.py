"""Oracle tests for ORM203, ORM402, ORM403 and ORM801: each invalid example (and each pair or
name kind the rules report) fails for real with the installed SQLAlchemy, through SQLite or in
the DDL compiled for PostgreSQL/MySQL/SQL Server; the valid examples do what they promise.
(No `from __future__ import annotations`: the round trip builds `Mapped[...]` from variables.)"""


import datetime
import decimal
import uuid
import warnings

import pytest
import sqlalchemy as sa
from sqlalchemy import create_engine, create_mock_engine, exc, text
from sqlalchemy.dialects import mysql, postgresql
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from sqlalchemy.schema import CreateIndex, CreateTable

from ormlint.rules import RULES
from ormlint.rules.columns import TYPE_CONTRADICTIONS
from tests.oracle.harness import load

# -- ORM203 ----------------------------------------------------------------------------------------

# One Python value per annotation category, one SQLAlchemy type per SQL category.
_SAMPLES = {
    "str": (str, "42"),
    "int": (int, 7),
    "bool": (bool, True),
    "float": (float, 1.5),
    "decimal": (decimal.Decimal, decimal.Decimal("0.25")),
    "datetime": (datetime.datetime, datetime.datetime(2024, 5, 1, 13, 30)),
    "date": (datetime.date, datetime.date(2024, 5, 1)),
    "time": (datetime.time, datetime.time(13, 30)),
    "timedelta": (datetime.timedelta, datetime.timedelta(hours=2)),
    "uuid": (uuid.UUID, uuid.UUID("12345678-1234-5678-1234-567812345678")),
    "bytes": (bytes, b"abc"),
}
_SQL_TYPES = {
    "str": lambda: sa.String(50), "int": sa.Integer, "bool": sa.Boolean, "float": sa.Float,
    "decimal": lambda: sa.Numeric(10, 2), "datetime": sa.DateTime, "date": sa.Date,
    "time": sa.Time, "timedelta": sa.Interval, "uuid": sa.Uuid, "bytes": sa.LargeBinary,
}


def _round_trip(python_type, value, sql_type):
    """Declare `v: Mapped[python_type] = mapped_column(sql_type)`, store `value` in SQLite and
    load it back: the loaded value, or the exception raised on the way."""

    class Base(DeclarativeBase):
        pass

    class Row(Base):
        __tablename__ = "row"
        id: Mapped[int] = mapped_column(primary_key=True)
        v: Mapped[python_type] = mapped_column(sql_type)

    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. SQLite's Decimal warning for Numeric
            with Session(engine) as session:
                session.add(Row(id=1, v=value))
                session.commit()
            with Session(engine) as session:
                return session.get(Row, 1).v
    except Exception as error:  # noqa: BLE001 - the failure is what is observed
        return error
    finally:
        Base.registry.dispose()


@pytest.mark.parametrize("pair", sorted(TYPE_CONTRADICTIONS), ids="-".join)
def test_orm203_every_reported_pair_fails_or_loads_another_type(pair):
    annotated, sql = pair
    python_type, value = _SAMPLES[annotated]
    loaded = _round_trip(python_type, value, _SQL_TYPES[sql]())
    assert isinstance(loaded, Exception) or type(loaded) is not python_type or loaded != value, (
        f"Mapped[{python_type.__name__}] with {sql} round-tripped {value!r} unharmed"
    )


@pytest.mark.parametrize(
    ("python_type", "sql_type", "value"),
    [
        (float, sa.Integer, 2),
        (int, sa.Boolean, 1),
        (float, lambda: sa.Numeric(10, 2, asdecimal=False), 1.5),
        (decimal.Decimal, lambda: sa.Float(asdecimal=True), decimal.Decimal("0.25")),
        (str, lambda: sa.Uuid(as_uuid=False), "12345678-1234-5678-1234-567812345678"),
    ],
)
def test_orm203_pairs_left_alone_round_trip(python_type, sql_type, value):
    loaded = _round_trip(python_type, value, sql_type())
    assert not isinstance(loaded, Exception) and loaded == value


def test_orm203_invalid_example_ddl_follows_the_sql_type_and_values_change_type():
    with load(RULES["ORM203"].invalid[0]) as example:
        ddl = example.postgresql_ddl()
        assert "code INTEGER NOT NULL" in ddl  # Mapped[str] said VARCHAR
        assert "placed_at DATE NOT NULL" in ddl  # Mapped[datetime] said TIMESTAMP
        with example.sqlite_session() as session:
            session.add(example.Order(id=1, code="42", placed_at=datetime.datetime(2024, 5, 1, 13, 30)))
            session.commit()
            session.expire_all()
            order = session.get(example.Order, 1)
            assert order.code == 42 and type(order.code) is int
            assert order.placed_at == datetime.date(2024, 5, 1)
            assert type(order.placed_at) is datetime.date  # the time of day is gone


def test_orm203_invalid_column_example_uuid_fails_and_bool_loads_int():
    with load(RULES["ORM203"].invalid[1]) as example:
        with example.sqlite_session() as session:
            session.add(example.Device(id=1, serial=uuid.uuid4(), active=True))
            with pytest.raises(exc.ProgrammingError, match="type 'UUID' is not supported"):
                session.commit()
        with example.sqlite_session() as session:
            session.add(example.Device(id=1, serial=str(uuid.uuid4()), active=True))
            session.commit()
            session.expire_all()
            device = session.get(example.Device, 1)
            assert type(device.serial) is str
            assert device.active == 1 and type(device.active) is int and device.active is not True


def test_orm203_valid_example_round_trips_the_annotated_types():
    with load(RULES["ORM203"].valid[0]) as example:
        values = dict(
            code="A-1", quantity=3, placed_at=datetime.datetime(2024, 5, 1, 13, 30),
            due_on=datetime.date(2024, 6, 1), price=decimal.Decimal("9.99"), weight=1.25,
        )
        with example.sqlite_session() as session:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                session.add(example.Order(id=1, **values))
                session.commit()
                session.expire_all()
                order = session.get(example.Order, 1)
                for key, value in values.items():
                    assert getattr(order, key) == value and type(getattr(order, key)) is type(value)


# -- ORM402 ----------------------------------------------------------------------------------------


def test_orm402_the_second_index_of_the_same_name_cannot_be_created():
    with load(RULES["ORM402"].invalid[0]) as example:
        ddl = example.postgresql_ddl()
        assert ddl.count("CREATE INDEX ix_email ON") == 2  # PostgreSQL: relation "ix_email" already exists
        with pytest.raises(exc.OperationalError, match="index ix_email already exists"):
            example.metadata.create_all(create_engine("sqlite://"))


def test_orm402_an_index_named_like_a_table_collides_with_it():
    source = RULES["ORM402"].valid[0].replace('Index("ix_users_email"', 'Index("invitations"')
    with load(source) as example:
        with pytest.raises(exc.OperationalError, match="already an index named invitations"):
            example.metadata.create_all(create_engine("sqlite://"))


def test_orm402_sqlite_accepts_repeated_constraint_names_so_the_rule_stays_silent_there():
    source = RULES["ORM402"].invalid[0].replace(
        'Index("ix_email", "email")', 'UniqueConstraint("email", name="uq_email")'
    ).replace("from sqlalchemy import Index", "from sqlalchemy import UniqueConstraint")
    with load(source) as example:
        example.metadata.create_all(create_engine("sqlite://"))  # no error on SQLite
        assert example.postgresql_ddl().count("CONSTRAINT uq_email UNIQUE (email)") == 2


def test_orm402_valid_example_creates_both_indexes():
    with load(RULES["ORM402"].valid[0]) as example:
        engine = create_engine("sqlite://")
        example.metadata.create_all(engine)
        with engine.connect() as connection:
            names = connection.execute(
                text("SELECT name FROM sqlite_master WHERE type = 'index' ORDER BY name")
            ).scalars().all()
        assert names == ["ix_invitations_email", "ix_users_email"]


# -- ORM403 ----------------------------------------------------------------------------------------


def _create_all_for(dialect_url: str, metadata: sa.MetaData) -> list[str]:
    """create_all() against a dialect without a database: the statements it would send."""
    sent: list[str] = []
    engine = create_mock_engine(dialect_url, lambda sql, *a, **k: sent.append(str(sql.compile(dialect=engine.dialect))))
    metadata.create_all(engine, checkfirst=False)
    return sent


def test_orm403_explicit_index_and_constraint_names_raise_for_postgresql():
    with load(RULES["ORM403"].invalid[0]) as example:
        table = example.Adjustment.__table__
        (index,) = table.indexes
        with pytest.raises(exc.IdentifierError, match="exceeds maximum length of 63 characters"):
            CreateIndex(index).compile(dialect=postgresql.dialect())
        with pytest.raises(exc.IdentifierError, match="uq_subscription_invoice_adjustments_invoice_id_line_number_unique"):
            CreateTable(table).compile(dialect=postgresql.dialect())
        with pytest.raises(exc.IdentifierError):
            _create_all_for("postgresql://", example.metadata)


def test_orm403_long_table_name_fails_create_all_for_postgresql():
    with load(RULES["ORM403"].invalid[1]) as example:
        with pytest.raises(
            exc.IdentifierError,
            match="'subscription_invoice_adjustments_pending_reconciliation_by_region' exceeds maximum length of 63",
        ):
            _create_all_for("postgresql://", example.metadata)
        assert _create_all_for("sqlite://", example.metadata)  # SQLite has no limit


def test_orm403_sql_server_refuses_past_128_and_accepts_128():
    for length, fails in ((129, True), (128, False)):
        metadata = sa.MetaData()
        sa.Table("t" * length, metadata, sa.Column("id", sa.Integer, primary_key=True))
        if fails:
            with pytest.raises(exc.IdentifierError, match="exceeds maximum length of 128"):
                _create_all_for("mssql://", metadata)
        else:
            assert _create_all_for("mssql://", metadata)


def test_orm403_mysql_passes_explicit_names_through_although_it_knows_the_limit_is_64():
    metadata = sa.MetaData()
    long_name = "ix_" + "x" * 62  # 65 characters
    table = sa.Table(
        "t" * 40, metadata, sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("c" * 65, sa.Integer), sa.Column("k" * 40, sa.Integer, index=True),
        sa.Index(long_name, "id"),
    )
    dialect = mysql.dialect()
    assert dialect.max_index_name_length == 64 and dialect.max_constraint_name_length == 64
    statements = _create_all_for("mysql://", metadata)
    # The explicit names reach the server unchanged: MariaDB 10.11 answers ERROR 1059
    # "Identifier name '...' is too long" for them (checked by hand).
    assert any(f"CREATE INDEX {long_name} ON" in s for s in statements)
    assert any("c" * 65 + " INTEGER" in s for s in statements)
    # while the name SQLAlchemy generates for index=True is cut to 64 with a hash suffix
    generated = [i for i in table.indexes if i.name != long_name]
    compiled = str(CreateIndex(generated[0]).compile(dialect=dialect))
    generated_name = compiled.split()[2]
    assert len(generated_name) <= 64 < len(f"ix_{'t' * 40}_{'k' * 40}")


def test_orm403_postgresql_column_names_are_not_checked_by_sqlalchemy():
    """Why the rule leaves PostgreSQL column names alone: SQLAlchemy emits them, PostgreSQL
    truncates them consistently in DDL and queries (checked with PostgreSQL 15: rows insert
    and load; only reflection shows the 63-character name)."""
    metadata = sa.MetaData()
    sa.Table("t", metadata, sa.Column("id", sa.Integer, primary_key=True), sa.Column("c" * 70, sa.Integer))
    assert any("c" * 70 in s for s in _create_all_for("postgresql://", metadata))


def test_orm403_valid_example_creates_on_postgresql():
    with load(RULES["ORM403"].valid[0]) as example:
        statements = _create_all_for("postgresql://", example.metadata)
        assert any("ix_sub_invoice_adjustments_pending_created_at" in s for s in statements)


# -- ORM801 ----------------------------------------------------------------------------------------


def test_orm801_the_secrets_come_back_as_typed_from_plain_sql():
    with load(RULES["ORM801"].invalid[0]) as example:
        ddl = example.postgresql_ddl()
        assert "password VARCHAR(128) NOT NULL" in ddl and "api_key VARCHAR NOT NULL" in ddl
        with example.sqlite_session() as session:
            session.add(example.User(
                id=1, email="a@example.com", password="hunter2", api_key="sk_live_51Hxyz",
            ))
            session.commit()
            row = session.execute(text("SELECT password, api_key FROM user_account")).one()
            assert tuple(row) == ("hunter2", "sk_live_51Hxyz")


def test_orm801_valid_example_keeps_only_derived_values():
    import hashlib

    with load(RULES["ORM801"].valid[0]) as example:
        digest = hashlib.sha256(b"sk_live_51Hxyz").hexdigest()
        with example.sqlite_session() as session:
            session.add(example.User(
                id=1, email="a@example.com", password_hash="$argon2id$v=19$...",
                api_key_digest=digest, api_key_prefix="sk_live_",
            ))
            session.commit()
            stored = " ".join(map(str, session.execute(text("SELECT * FROM user_account")).one()))
            assert "hunter2" not in stored and "sk_live_51Hxyz" not in stored
