"""Oracles of the dialect hazards (issue 18): what SQLAlchemy and the database do with each
rule's examples."""

from __future__ import annotations

import pytest
from sqlalchemy import exc, false, func, not_, select, text
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.dialects.postgresql.named_types import CreateEnumType
from sqlalchemy.schema import CreateTable

from ormlint.rules import RULES
from ormlint.rules.base import example_files
from tests.oracle.harness import load
from tests.test_drift_oracle import postgresql_server  # noqa: F401  (a fixture)


def models(source: str) -> str:
    """The models.py of a multi-file example."""
    return example_files(source)["models.py"]


def test_orm305_sqlite_reads_a_false_word_back_as_true_and_no_filter_matches_it():
    with load(models(RULES["ORM305"].invalid[0])) as example:
        Feature = example.Feature
        with example.sqlite_session() as session:
            session.add(Feature(id=1))
            session.commit()
            stored = session.execute(text("SELECT enabled, typeof(enabled) FROM feature")).one()
            assert tuple(stored) == ("false", "text")
            assert session.get(Feature, 1).enabled is True
            assert session.scalars(select(Feature.id).where(Feature.enabled)).all() == []
            assert session.scalars(select(Feature.id).where(not_(Feature.enabled))).all() == []
            assert session.scalars(select(Feature.id).where(Feature.enabled == false())).all() == []


@pytest.mark.parametrize("word", ["false", "False", "f", "no", "n", "off", "true", "yes", "on"])
def test_orm305_every_word_the_rule_reports_is_stored_as_text_on_sqlite(word):
    source = models(RULES["ORM305"].invalid[0]).replace('server_default="false"', f'server_default="{word}"')
    with load(source) as example:
        with example.sqlite_session() as session:
            session.add(example.Feature(id=1))
            session.commit()
            assert session.execute(text("SELECT typeof(enabled) FROM feature")).scalar_one() == "text"
            assert session.get(example.Feature, 1).enabled is True
            assert session.execute(select(func.count()).where(example.Feature.enabled)).scalar_one() == 0


def test_orm305_the_valid_defaults_are_integers_on_sqlite_and_booleans_on_postgresql():
    with load(models(RULES["ORM305"].valid[0])) as example:
        with example.sqlite_session() as session:
            session.add(example.Feature(id=1))
            session.commit()
            row = session.execute(text(
                "SELECT typeof(enabled), typeof(archived), typeof(visible) FROM feature"
            )).one()
            assert tuple(row) == ("integer", "integer", "integer")
            feature = session.get(example.Feature, 1)
            assert (feature.enabled, feature.archived, feature.visible) == (False, False, True)
    with load(RULES["ORM305"].valid[1]) as example:  # PostgreSQL: DEFAULT 'false' is boolean false
        assert "enabled BOOLEAN DEFAULT 'false' NOT NULL" in example.postgresql_ddl()


@pytest.mark.parametrize("dialect", [mysql.dialect(), mysql.dialect(is_mariadb=True)], ids=["mysql", "mariadb"])
def test_orm209_mysql_cannot_compile_create_table_for_a_string_without_length(dialect):
    for source in RULES["ORM209"].invalid:
        with load(models(source)) as example:
            table = example.metadata.sorted_tables[0]
            with pytest.raises(exc.CompileError, match="VARCHAR requires a length on dialect mysql"):
                CreateTable(table).compile(dialect=dialect)
            # the same table compiles for PostgreSQL and SQLite
            CreateTable(table).compile(dialect=postgresql.dialect())
            CreateTable(table).compile(dialect=sqlite.dialect())


def test_orm209_the_valid_examples_compile_for_mysql():
    for source in RULES["ORM209"].valid[:2]:
        with load(models(source)) as example:
            for table in example.metadata.sorted_tables:
                ddl = str(CreateTable(table).compile(dialect=mysql.dialect()))
                assert "VARCHAR(" in ddl


def test_orm210_the_database_holds_the_member_names_and_a_value_does_not_load():
    with load(RULES["ORM210"].invalid[0]) as example:
        Ticket, Status = example.Ticket, example.Status
        with example.sqlite_session() as session:
            session.add(Ticket(id=1, status=Status.ON_HOLD, previous=Status.ACTIVE))
            session.commit()
            assert tuple(session.execute(text("SELECT status, previous FROM ticket")).one()) == ("ON_HOLD", "ACTIVE")
            assert session.execute(text("SELECT count(*) FROM ticket WHERE status = 'on-hold'")).scalar_one() == 0
            session.execute(text("INSERT INTO ticket (id, status) VALUES (2, 'on-hold')"))
            with pytest.raises(LookupError, match="'on-hold' is not among the defined enum values"):
                session.get(Ticket, 2)
        # PostgreSQL's type has the names as its labels
        assert "status status NOT NULL" in example.postgresql_ddl()
        created = CreateEnumType(Ticket.__table__.c.status.type).compile(dialect=postgresql.dialect())
        assert str(created) == "CREATE TYPE status AS ENUM ('ACTIVE', 'ON_HOLD')"


def test_orm210_values_callable_stores_the_values():
    with load(RULES["ORM210"].valid[0]) as example:
        with example.sqlite_session() as session:
            session.add(example.Ticket(id=1, status=example.Status.ON_HOLD))
            session.commit()
            assert session.execute(text("SELECT status FROM ticket")).scalar_one() == "on-hold"


def _new_york_engine(tmp_path, request):
    """A throwaway PostgreSQL database whose sessions run in America/New_York (UTC-5 in winter,
    UTC-4 in summer)."""
    pytest.importorskip("psycopg2")
    from sqlalchemy import create_engine, event

    from tests.test_drift_oracle import fresh_database

    engine = create_engine(fresh_database("postgresql", tmp_path, request))

    @event.listens_for(engine, "connect")
    def new_york(connection, _):
        with connection.cursor() as cursor:
            cursor.execute("SET TIME ZONE 'America/New_York'")

    return engine


def _session_offset_hours(session) -> float:
    """The session time zone's offset from UTC now, as PostgreSQL sees it (-5 in New York's
    winter, -4 in its summer)."""
    from sqlalchemy import text

    return float(session.execute(text("SELECT EXTRACT(TIMEZONE FROM now())")).scalar_one()) / 3600


def test_orm306_postgresql_reads_a_naive_default_in_the_session_time_zone(tmp_path, request):
    from datetime import datetime, timezone

    from sqlalchemy.orm import Session

    engine = _new_york_engine(tmp_path, request)
    try:
        with load(RULES["ORM306"].invalid[0]) as example:
            example.metadata.create_all(engine)
            with Session(engine, expire_on_commit=False) as session:
                before = datetime.now(timezone.utc)
                event_row = example.Event(id=1)
                session.add(event_row)
                session.commit()
                assert event_row.created_at.tzinfo is None  # the naive default, until reloaded
                with pytest.raises(TypeError, match="can't compare offset-naive and offset-aware datetimes"):
                    event_row.created_at < before
                session.refresh(event_row)
                assert event_row.created_at.tzinfo is not None
                hours_off = (event_row.created_at - before).total_seconds() / 3600
                # UTC wall time read as New York time
                assert round(hours_off) == -_session_offset_hours(session)
            example.metadata.drop_all(engine)
        with load(RULES["ORM306"].valid[0]) as example:
            example.metadata.create_all(engine)
            with Session(engine) as session:
                before = datetime.now(timezone.utc)
                session.add(example.Event(id=1))
                session.commit()
                created_at = session.get(example.Event, 1).created_at
                assert abs((created_at - before).total_seconds()) < 60
    finally:
        engine.dispose()


def test_orm307_postgresql_converts_an_aware_default_to_the_session_wall_time(tmp_path, request):
    from datetime import datetime, timezone

    from sqlalchemy.orm import Session

    engine = _new_york_engine(tmp_path, request)
    try:
        with load(RULES["ORM307"].invalid[0]) as example:
            example.metadata.create_all(engine)
            with Session(engine, expire_on_commit=False) as session:
                before = datetime.now(timezone.utc)
                event_row = example.Event(id=1, updated_at=before.replace(tzinfo=None))
                session.add(event_row)
                session.commit()
                assert event_row.created_at.tzinfo is not None  # the aware default, until reloaded
                with pytest.raises(TypeError, match="can't compare offset-naive and offset-aware datetimes"):
                    event_row.created_at < before.replace(tzinfo=None)
                session.refresh(event_row)
                assert event_row.created_at.tzinfo is None
                hours_off = (event_row.created_at - before.replace(tzinfo=None)).total_seconds() / 3600
                # New York's wall time, read as if it were UTC
                assert round(hours_off) == _session_offset_hours(session)
            example.metadata.drop_all(engine)
        with load(RULES["ORM307"].valid[0]) as example:
            example.metadata.create_all(engine)
            with Session(engine) as session:
                before = datetime.now(timezone.utc)
                session.add(example.Event(id=1))
                session.commit()
                logged_at = session.get(example.Event, 1).logged_at
                assert abs((logged_at - before.replace(tzinfo=None)).total_seconds()) < 60
    finally:
        engine.dispose()
