"""Oracle tests for ORM205, ORM302-ORM304, ORM501 and ORM502: each invalid example fails for real
with the installed SQLAlchemy (exception, warning, wrong DDL or wrong data), as the docs state."""

from __future__ import annotations

import re
import time
import warnings
from datetime import timedelta

import pytest
from sqlalchemy import event, exc, select, text, update
from sqlalchemy.dialects import postgresql

from ormlint.rules import RULES
from tests.helpers import lint
from tests.oracle.harness import load

_SERVER_DEFAULT_TYPES = (
    "Argument 'arg' is expected to be one of type '<class 'str'>' or "
    "'<class 'sqlalchemy.sql.elements.ClauseElement'>' or "
    "'<class 'sqlalchemy.sql.elements.TextClause'>', got "
)


# -- ORM302 --------------------------------------------------------------------------------------


def test_orm302_two_rows_inserted_apart_get_the_same_timestamp():
    with load(RULES["ORM302"].invalid[0]) as example:
        with example.sqlite_session() as session:
            session.add(example.Event())
            session.commit()
            time.sleep(0.05)
            session.add(example.Event())
            session.commit()
            first, second = session.scalars(select(example.Event.created_at)).all()
            assert first == second


def test_orm302_frozen_uuid_primary_key_fails_on_the_second_insert():
    with load(RULES["ORM302"].invalid[1]) as example:
        with example.sqlite_session() as session:
            session.add(example.ApiKey(label="first"))
            session.commit()
            session.add(example.ApiKey(label="second"))
            with pytest.raises(exc.IntegrityError, match="UNIQUE constraint failed: api_key.id"):
                session.commit()


def test_orm302_helper_called_at_import_freezes_onupdate():
    with load(RULES["ORM302"].invalid[2]) as example:
        with example.sqlite_session() as session:
            a, b = example.Post(title="a"), example.Post(title="b")
            session.add_all([a, b])
            session.commit()
            session.execute(update(example.Post).where(example.Post.id == a.id).values(title="a2"))
            time.sleep(0.05)
            session.execute(update(example.Post).where(example.Post.id == b.id).values(title="b2"))
            session.commit()
            stamps = session.scalars(select(example.Post.updated_at)).all()
            assert stamps[0] == stamps[1]


def test_orm302_valid_defaults_differ_per_row():
    with load(RULES["ORM302"].valid[0]) as example:
        with example.sqlite_session() as session:
            session.add(example.Event())
            session.commit()
            time.sleep(0.05)
            session.add(example.Event())
            session.commit()
            rows = session.execute(select(example.Event.id, example.Event.created_at)).all()
            assert rows[0].id != rows[1].id and rows[0].created_at != rows[1].created_at


def test_orm302_calling_a_sql_function_class_is_evaluated_by_the_database():
    with load(RULES["ORM302"].valid[1]) as example:
        compiled = example.utcnow().compile(dialect=postgresql.dialect())
        assert str(compiled) == "TIMEZONE('utc', CURRENT_TIMESTAMP)"
        with example.sqlite_session() as session:
            statements: list[str] = []
            event.listen(
                session.get_bind(), "before_cursor_execute",
                lambda conn, cursor, statement, *rest: statements.append(statement),
            )
            session.add_all([example.Event(), example.Event()])
            session.commit()
            inserts = [s for s in statements if s.startswith("INSERT")]
            assert inserts and all("CURRENT_TIMESTAMP" in s for s in inserts), statements
            assert all(session.scalars(select(example.Event.created_at)).all())


def test_orm302_not_reported_for_the_sql_function_class():
    assert lint(RULES["ORM302"].valid[1]) == []


def _insert_two_audit_rows_in_different_seconds(example) -> list:
    """Build the tenant's model, insert a row, wait for the clock's next second, insert another;
    the `logged_at` values read back."""
    audit = example.audit_model("audit_acme")
    with example.sqlite_session() as session:
        session.add(audit(action="created"))
        session.commit()
        first_second = int(time.time())
        time.sleep(first_second + 1.05 - time.time())  # the next second on the wall clock
        assert int(time.time()) > first_second
        session.add(audit(action="renamed"))
        session.commit()
        return session.scalars(select(audit.logged_at).order_by(audit.id)).all()


def test_orm302_a_model_built_in_a_function_freezes_the_value_at_that_call():
    with load(RULES["ORM302"].invalid[3]) as example:
        first, second = _insert_two_audit_rows_in_different_seconds(example)
        assert first == second  # inserted in two different seconds, one value


def test_orm302_the_factory_with_a_callable_takes_the_time_per_row():
    with load(RULES["ORM302"].valid[2]) as example:
        first, second = _insert_two_audit_rows_in_different_seconds(example)
        assert second - first >= timedelta(seconds=0.05)


# -- ORM303 --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("index", "got"), [(0, "int"), (1, "bool")])
def test_orm303_non_string_server_default_fails_at_import(index, got):
    with pytest.raises(
        exc.ArgumentError, match=re.escape(_SERVER_DEFAULT_TYPES + f"'<class '{got}'>'")
    ):
        with load(RULES["ORM303"].invalid[index]):
            pass


def test_orm303_uncalled_func_server_default_fails_at_import():
    with pytest.raises(
        exc.ArgumentError,
        match=re.escape(
            _SERVER_DEFAULT_TYPES + "'<class 'sqlalchemy.sql.functions._FunctionGenerator'>'"
        ),
    ):
        with load(RULES["ORM303"].invalid[2]):
            pass


def test_orm303_uncalled_func_default_fails_every_insert_and_onupdate_every_update():
    with load(RULES["ORM303"].invalid[3]) as example:  # import and configuration succeed
        example.configure()
        with example.sqlite_session() as session:
            session.add(example.Document(title="draft"))
            with pytest.raises(
                exc.StatementError,
                match=re.escape("SQLite DateTime type only accepts Python datetime and date"),
            ):
                session.commit()
            session.rollback()
            # With created_at given explicitly the INSERT works; the UPDATE then fails.
            from datetime import datetime

            doc = example.Document(title="draft", created_at=datetime(2024, 1, 1))
            session.add(doc)
            session.commit()
            doc.title = "final"
            with pytest.raises(
                exc.StatementError,
                match=re.escape("SQLite DateTime type only accepts Python datetime and date"),
            ):
                session.commit()


def test_orm303_valid_defaults_work():
    with load(RULES["ORM303"].valid[0]) as example:
        ddl = example.postgresql_ddl()
        assert "hits INTEGER DEFAULT '0' NOT NULL" in ddl
        assert "enabled BOOLEAN DEFAULT false NOT NULL" in ddl
        assert "created_at TIMESTAMP WITHOUT TIME ZONE DEFAULT now() NOT NULL" in ddl
        with example.sqlite_session() as session:
            doc = example.Document()
            session.add(doc)
            session.commit()
            assert (doc.hits, doc.enabled, doc.updated_at) == (0, False, None)
            doc.hits = 1
            session.commit()
            assert doc.updated_at is not None


# -- ORM304 --------------------------------------------------------------------------------------


def test_orm304_default_list_is_one_object_and_a_mutation_leaks_into_later_rows():
    with load(RULES["ORM304"].invalid[0]) as example:
        default = example.Playlist.__table__.c.tracks.default.arg
        with example.sqlite_session() as session:
            a, b = example.Playlist(), example.Playlist()
            session.add_all([a, b])
            session.flush()
            assert a.tracks is b.tracks is default
            a.tracks.append("song")  # not tracked for `a`, but it changes the shared default
            session.commit()
            c = example.Playlist()
            session.add(c)
            session.commit()
            stored = session.execute(text("SELECT id, tracks FROM playlist ORDER BY id")).all()
            assert [row.tracks for row in stored] == ["[]", "[]", '["song"]']


def test_orm304_default_dict_call_is_shared_too():
    with load(RULES["ORM304"].invalid[1]) as example:
        with example.sqlite_session() as session:
            a, b = example.Profile(), example.Profile()
            session.add_all([a, b])
            session.flush()
            assert a.settings is b.settings
            a.settings["theme"] = "dark"
            session.commit()
            c = example.Profile()
            session.add(c)
            session.commit()
            assert c.settings == {"theme": "dark"}


@pytest.mark.parametrize("index", [0, 1])
def test_orm304_valid_defaults_are_fresh_per_row(index):
    with load(RULES["ORM304"].valid[index]) as example:
        cls = example.Playlist if index == 0 else example.Profile
        attribute = "tracks" if index == 0 else "settings"
        with example.sqlite_session() as session:
            a, b = cls(), cls()
            session.add_all([a, b])
            session.flush()
            assert getattr(a, attribute) is not getattr(b, attribute)
            session.commit()
            stored = session.execute(text(f"SELECT {attribute} FROM {cls.__tablename__}")).all()
            assert len({row[0] for row in stored}) == 1


# -- ORM501 / ORM502 -----------------------------------------------------------------------------


@pytest.mark.parametrize("index", [0, 1, 2])
def test_orm501_table_args_not_tuple_or_dict_fails_at_import(index):
    with pytest.raises(
        exc.ArgumentError, match=re.escape("__table_args__ value must be a tuple, dict, or None")
    ):
        with load(RULES["ORM501"].invalid[index]):
            pass


def test_orm501_valid_table_args_apply():
    with load(RULES["ORM501"].valid[0]) as example:
        ddl = example.postgresql_ddl()
        assert "CREATE INDEX ix_users_name_email ON users (name, email)" in ddl
        assert example.Group.__table__.comment == "user groups"


def test_orm502_dict_before_a_constraint_fails_at_import():
    with pytest.raises(
        exc.ArgumentError,
        match=re.escape(
            "'SchemaItem' object, such as a 'Column' or a 'Constraint' expected, got "
            "{'comment': 'Registered users'}"
        ),
    ):
        with load(RULES["ORM502"].invalid[0]):
            pass


def test_orm502_valid_dict_last_applies_the_options():
    with load(RULES["ORM502"].valid[0]) as example:
        table = example.User.__table__
        assert table.comment == "Registered users"
        assert "uq_users_email" in {c.name for c in table.constraints}


# -- ORM205 --------------------------------------------------------------------------------------


def test_orm205_repeated_attribute_silently_drops_the_first_column():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # not even a warning
        with load(RULES["ORM205"].invalid[0]) as example:
            ddl = example.postgresql_ddl()
    assert "email VARCHAR(320)," in ddl
    assert "NOT NULL" not in ddl.split("email", 1)[1].split(",", 1)[0]
    assert "UNIQUE" not in ddl and "VARCHAR(255)" not in ddl


def test_orm205_repeated_relationship_keeps_only_the_second():
    source = """
from sqlalchemy import ForeignKey
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Child(Base):
    __tablename__ = "child"
    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int] = mapped_column(ForeignKey("parent.id"))


class Parent(Base):
    __tablename__ = "parent"
    id: Mapped[int] = mapped_column(primary_key=True)
    children = relationship("Child", order_by="Child.id.desc()")
    children = relationship("Child", lazy="selectin")
"""
    assert [(f.code, f.line) for f in lint(source)] == [("ORM205", 20)]
    with load(source) as example:
        example.configure()
        prop = example.Parent.__mapper__.relationships["children"]
        assert prop.lazy == "selectin" and prop.order_by is False


def test_orm205_two_attributes_for_one_column_fail_at_import():
    with pytest.warns(exc.SAWarning, match="Column object 'name' named directly multiple times"):
        with pytest.raises(
            exc.DuplicateColumnError,
            match=re.escape("A column with name 'name' is already present in table 'item'."),
        ):
            with load(RULES["ORM205"].invalid[1]):
                pass


def test_orm205_conditional_definitions_are_fine():
    source = """
import os

from sqlalchemy import JSON, Column, Integer, Text
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class Blob(Base):
    __tablename__ = "blob"
    id = Column(Integer, primary_key=True)
    if os.environ.get("ORMLINT_NEVER_SET"):
        payload = Column(JSON)
    else:
        payload = Column(Text)
"""
    assert lint(source) == []
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with load(source) as example:
            assert "payload TEXT" in example.postgresql_ddl()


def test_orm205_valid_synonym_gives_a_second_name():
    with load(RULES["ORM205"].valid[0]) as example:
        with example.sqlite_session() as session:
            session.add(example.Item(name="widget"))
            session.commit()
            assert session.scalars(select(example.Item.label)).one() == "widget"


def test_orm205_an_exact_repeat_gives_the_same_table_so_it_is_not_reported():
    template = """
from sqlalchemy import Column, Integer, String
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class A(Base):
    __tablename__ = "a"
    id = Column(Integer, primary_key=True)
    code = Column(String(10), nullable=False)
{repeat}
"""
    once = template.format(repeat="")
    twice = template.format(repeat="    code = Column(String(10), nullable=False)")
    assert lint(twice) == []
    with load(once) as example:
        expected = example.postgresql_ddl()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with load(twice) as example:
            assert example.postgresql_ddl() == expected


_LITERAL_SOURCE = """
import sqlalchemy as sa
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class Thing(Base):
    __tablename__ = "thing"
    id = sa.Column(sa.Integer, primary_key=True)
    value = sa.Column({type}, {keyword}={value})
"""


@pytest.mark.parametrize(
    ("type_", "keyword", "value", "got"),
    [
        ("sa.Float", "server_default", "1.5", "float"),
        ("sa.Integer", "server_default", "-1", "int"),
        ("sa.JSON", "server_default", "[]", "list"),
        ("sa.JSON", "server_default", "{}", "dict"),
        ("sa.JSON", "server_default", "(1, 2)", "tuple"),
        ("sa.DateTime", "server_onupdate", "sa.func.now", "sqlalchemy.sql.functions._FunctionGenerator"),
    ],
)
def test_orm303_every_reported_server_value_fails_at_import(type_, keyword, value, got):
    source = _LITERAL_SOURCE.format(type=type_, keyword=keyword, value=value)
    assert [(f.code, f.line) for f in lint(source)] == [("ORM303", 11)]
    with pytest.raises(
        exc.ArgumentError, match=re.escape(_SERVER_DEFAULT_TYPES + f"'<class '{got}'>'")
    ):
        with load(source):
            pass


def test_orm303_uncalled_func_default_fails_on_any_column_type():
    source = _LITERAL_SOURCE.format(type="sa.String(20)", keyword="default", value="sa.func.now")
    assert [(f.code, f.line) for f in lint(source)] == [("ORM303", 11)]
    with load(source) as example:
        with example.sqlite_session() as session:
            session.add(example.Thing())
            with pytest.raises(
                exc.ProgrammingError, match="Error binding parameter 1: type 'now' is not supported"
            ):
                session.commit()
