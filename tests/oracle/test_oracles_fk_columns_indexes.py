"""Oracle tests for ORM204, ORM206, ORM404, ORM405, ORM601, ORM604 and ORM605: each invalid
example fails for real with the installed SQLAlchemy (exception, warning, wrong DDL or wrong
data); the valid ones do what they promise."""

from __future__ import annotations

import re

import pytest
import sqlalchemy
from sqlalchemy import create_engine, event, exc, inspect, select, text
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.orm import exc as orm_exc

from ormlint.rules import RULES
from tests.oracle.harness import load

SA_VERSION = tuple(int(part) for part in re.findall(r"\d+", sqlalchemy.__version__)[:2])


def sqlite_with_foreign_keys(example):
    """An in-memory SQLite database that enforces foreign keys and referential actions."""
    engine = create_engine("sqlite://")

    @event.listens_for(engine, "connect")
    def _enable_foreign_keys(dbapi_connection, _record):
        dbapi_connection.execute("PRAGMA foreign_keys=ON")

    example.metadata.create_all(engine)
    return engine


# -- ORM601 ----------------------------------------------------------------------------------------


def test_orm601_set_null_on_mapped_int_fails_when_the_parent_is_deleted():
    with load(RULES["ORM601"].invalid[0]) as example:
        ddl = example.postgresql_ddl()
        assert "parent_id INTEGER NOT NULL" in ddl  # Mapped[int] made it NOT NULL
        assert "ON DELETE SET NULL" in ddl
        engine = sqlite_with_foreign_keys(example)
        with Session(engine) as session:
            session.add(example.Parent(id=1))
            session.flush()
            session.add(example.Child(id=1, parent_id=1))
            session.commit()
            with pytest.raises(
                exc.IntegrityError, match="NOT NULL constraint failed: child.parent_id"
            ):
                session.execute(text("DELETE FROM parent WHERE id = 1"))


def test_orm601_column_not_null_fails_and_set_default_without_server_default_stores_null():
    with load(RULES["ORM601"].invalid[1]) as example:
        ddl = example.postgresql_ddl()
        assert "parent_id INTEGER NOT NULL" in ddl
        assert re.search(r"backup_id INTEGER,", ddl) and "DEFAULT" not in ddl.split("backup_id")[1].split(",")[0]
        engine = sqlite_with_foreign_keys(example)
        with Session(engine) as session:
            session.add_all([example.Parent(id=1), example.Parent(id=2)])
            session.flush()
            session.add(example.Child(id=1, parent_id=1, backup_id=2))
            session.commit()
            # SET DEFAULT: the database knows no default (default=1 lives in Python): NULL.
            session.execute(text("DELETE FROM parent WHERE id = 2"))
            assert session.execute(text("SELECT backup_id FROM child")).scalar_one() is None
            with pytest.raises(
                exc.IntegrityError, match="NOT NULL constraint failed: child.parent_id"
            ):
                session.execute(text("DELETE FROM parent WHERE id = 1"))


def test_orm601_valid_actions_do_what_they_say():
    with load(RULES["ORM601"].valid[0]) as example:
        engine = sqlite_with_foreign_keys(example)
        with Session(engine) as session:
            session.add_all([example.Parent(id=1), example.Parent(id=2)])
            session.flush()
            session.add(example.Child(id=1, parent_id=2, owner_id=1, backup_id=2))
            session.commit()
            session.execute(text("DELETE FROM parent WHERE id = 2"))
            row = session.execute(text("SELECT parent_id, backup_id FROM child")).one()
            assert tuple(row) == (None, 1)  # SET NULL, and SET DEFAULT to the server default


def test_mapped_column_nullability_follows_the_annotation_but_column_ignores_it():
    """What ORM601 relies on: mapped_column() derives NOT NULL from a non-Optional `Mapped[X]`,
    a 1.x Column() does not (it is nullable unless it is a primary key)."""
    source = """
from typing import Optional
from sqlalchemy import Column, ForeignKey, Integer
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Parent(Base):
    __tablename__ = "parent"
    id: Mapped[int] = mapped_column(primary_key=True)


class Child(Base):
    __tablename__ = "child"
    id: Mapped[int] = mapped_column(primary_key=True)
    a: Mapped[int] = mapped_column(ForeignKey("parent.id"))
    b: Mapped[Optional[int]] = mapped_column(ForeignKey("parent.id"))
    c: Mapped[int] = Column(Integer, ForeignKey("parent.id"))
    d = mapped_column(ForeignKey("parent.id"))
"""
    with load(source) as example:
        columns = example.Child.__table__.c
        assert [columns[n].nullable for n in "abcd"] == [False, True, True, True]


# -- ORM604 ----------------------------------------------------------------------------------------


def test_orm604_sqlalchemy_compiles_the_typo_and_the_database_rejects_it():
    with load(RULES["ORM604"].invalid[0]) as example:
        assert "ON DELETE SET_NULL" in example.postgresql_ddl()  # no validation of words
        with pytest.raises(exc.OperationalError, match='near "SET_NULL": syntax error'):
            example.sqlite_session()


def test_orm604_foreign_key_constraint_and_lowercase_typos():
    with load(RULES["ORM604"].invalid[1]) as example:
        ddl = example.postgresql_ddl()
        assert "ON DELETE CASCADES" in ddl and "ON UPDATE delete" in ddl
        with pytest.raises(exc.OperationalError, match="syntax error"):
            example.sqlite_session()


def test_orm604_sqlalchemy_only_rejects_punctuation():
    source = RULES["ORM604"].valid[0].replace('ondelete="SET NULL"', 'ondelete="CASCADE;"')
    with load(source) as example:
        with pytest.raises(exc.CompileError, match=re.escape("Unexpected SQL phrase: 'CASCADE;'")):
            example.postgresql_ddl()


def test_orm604_valid_any_case_works():
    with load(RULES["ORM604"].valid[0]) as example:
        ddl = example.postgresql_ddl()
        assert "ON DELETE SET NULL ON UPDATE cascade" in ddl
        engine = sqlite_with_foreign_keys(example)
        with Session(engine) as session:
            session.add(example.Parent(id=1))
            session.flush()
            session.add(example.Child(id=1, parent_id=1))
            session.commit()
            session.execute(text("UPDATE parent SET id = 5"))
            assert session.execute(text("SELECT parent_id FROM child")).scalar_one() == 5


# -- ORM605 ----------------------------------------------------------------------------------------

_TYPE_ERROR = re.escape(
    "Additional arguments should be named <dialectname>_<argument>, got 'ondelete'"
)


def test_orm605_ondelete_on_mapped_column_is_a_type_error_at_class_creation():
    with pytest.raises(TypeError, match=_TYPE_ERROR):
        with load(RULES["ORM605"].invalid[0]):
            pass


def test_orm605_ondelete_on_column_is_a_type_error_too():
    source = RULES["ORM605"].invalid[1].replace('onupdate="CASCADE"', 'ondelete="CASCADE"')
    with pytest.raises(TypeError, match=_TYPE_ERROR):
        with load(source):
            pass


def test_orm605_onupdate_string_is_written_into_the_foreign_key_column():
    with load(RULES["ORM605"].invalid[1]) as example:
        assert "ON UPDATE" not in example.postgresql_ddl()  # no referential action at all
        with example.sqlite_session() as session:
            session.add(example.Parent(id=1))
            session.add(example.Child(id=1, name="a", parent_id=1))
            session.commit()
            child = session.get(example.Child, 1)
            child.name = "b"  # any ORM UPDATE of the row
            session.commit()
            stored = session.execute(text("SELECT parent_id FROM child")).scalar_one()
            assert stored == "CASCADE"


def test_orm605_valid_onupdate_function_is_an_update_default():
    with load(RULES["ORM605"].valid[0]) as example:
        ddl = example.postgresql_ddl()
        assert "ON DELETE CASCADE ON UPDATE CASCADE" in ddl
        assert "updated_at TIMESTAMP WITHOUT TIME ZONE DEFAULT now() NOT NULL" in ddl


# -- ORM204 ----------------------------------------------------------------------------------------


def test_orm204_metadata_attribute_is_refused_or_warned():
    if SA_VERSION < (2, 1):
        with pytest.raises(
            exc.InvalidRequestError,
            match="Attribute name 'metadata' is reserved when using the Declarative API",
        ):
            with load(RULES["ORM204"].invalid[0]):
                pass
        return
    with pytest.warns(
        exc.SAWarning,
        match="Attribute name 'metadata' should be left reserved for the MetaData instance",
    ):
        with load(RULES["ORM204"].invalid[0]) as example:
            # Mapped anyway: Document.metadata is now a column, not a MetaData.
            assert isinstance(example.Document.metadata, InstrumentedAttribute)
            assert not isinstance(example.Document.metadata, sqlalchemy.MetaData)


def test_orm204_registry_attribute_hides_the_registry():
    if SA_VERSION >= (2, 1):
        with pytest.warns(
            exc.SAWarning,
            match="Attribute name 'registry' should be left reserved for the Declarative class registry",
        ):
            with load(RULES["ORM204"].invalid[1]) as example:
                assert isinstance(example.Package.registry, InstrumentedAttribute)
        return
    with load(RULES["ORM204"].invalid[1]) as example:  # 2.0 accepts it silently
        assert isinstance(example.Package.registry, InstrumentedAttribute)


def test_orm204_valid_keeps_the_column_name_and_the_metadata():
    with load(RULES["ORM204"].valid[0]) as example:
        assert "metadata" in example.Document.__table__.c
        assert isinstance(example.Document.metadata, sqlalchemy.MetaData)
        with example.sqlite_session() as session:
            session.add(example.Document(metadata_={"a": 1}))
            session.commit()
            assert session.scalars(select(example.Document)).one().metadata_ == {"a": 1}


# -- ORM206 ----------------------------------------------------------------------------------------


def test_orm206_type_checking_name_fails_at_class_creation():
    with pytest.raises(
        orm_exc.MappedAnnotationError,
        match=re.escape('Could not resolve all types within mapped annotation: "Mapped[Decimal]"'),
    ):
        with load(RULES["ORM206"].invalid[0]):
            pass


def test_orm206_quoted_annotation_without_future_import_fails_too():
    source = (
        RULES["ORM206"].invalid[0]
        .replace("from __future__ import annotations\n", "")
        .replace("Mapped[Decimal]", 'Mapped["Decimal"]')
    )
    with pytest.raises(orm_exc.MappedAnnotationError, match="Could not resolve all types"):
        with load(source):
            pass


def test_orm206_column_annotation_is_not_evaluated():
    """Why ORM206 leaves 1.x Column() alone: only mapped_column() derives its type."""
    source = RULES["ORM206"].invalid[0].replace(
        "mapped_column(String(20))", "Column(String(20))"
    ).replace("from sqlalchemy import String", "from sqlalchemy import Column, String")
    with load(source) as example:
        assert "price" in example.Product.__table__.c


def test_orm206_type_checking_mapped_wrapper_fails_even_on_relationships():
    source = """
from __future__ import annotations
from typing import TYPE_CHECKING
from sqlalchemy import Column, ForeignKey, Integer
from sqlalchemy.orm import DeclarativeBase, relationship
if TYPE_CHECKING:
    from sqlalchemy.orm import Mapped


class Base(DeclarativeBase):
    pass


class Parent(Base):
    __tablename__ = "parent"
    id = Column(Integer, primary_key=True)


class Child(Base):
    __tablename__ = "child"
    id = Column(Integer, primary_key=True)
    parent_id = Column(ForeignKey("parent.id"))
    parent: Mapped[Parent] = relationship()  # ORM206
"""
    from tests.helpers import codes_and_lines

    assert codes_and_lines(source) == [("ORM206", 23)]
    with pytest.raises(orm_exc.MappedAnnotationError, match="Could not interpret annotation"):
        with load(source):
            pass


def test_declared_attr_annotation_is_read_on_mixins_only():
    """What ORM206 and ORM601 rely on: a declared_attr's `-> Mapped[...]` is evaluated (and
    gives NOT NULL) on a mixin, and is ignored on the mapped class itself."""
    source = """
from typing import TYPE_CHECKING
from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column
if TYPE_CHECKING:
    from decimal import Decimal


class Base(DeclarativeBase):
    pass


class Parent(Base):
    __tablename__ = "parent"
    id: Mapped[int] = mapped_column(primary_key=True)


class ParentMixin:
    @declared_attr
    def mixin_parent_id(cls) -> Mapped[int]:
        return mapped_column(Integer, ForeignKey("parent.id"))


class Child(ParentMixin, Base):
    __tablename__ = "child"
    id: Mapped[int] = mapped_column(primary_key=True)

    @declared_attr
    def own_parent_id(cls) -> Mapped[int]:
        return mapped_column(Integer, ForeignKey("parent.id"))

    @declared_attr
    def price(cls) -> Mapped["Decimal"]:  # never evaluated
        return mapped_column(String(20))
"""
    with load(source) as example:
        columns = example.Child.__table__.c
        assert columns["mixin_parent_id"].nullable is False
        assert columns["own_parent_id"].nullable is True
    broken = source.replace("def mixin_parent_id(cls) -> Mapped[int]", 'def mixin_parent_id(cls) -> Mapped["Decimal"]')
    with pytest.raises(orm_exc.MappedAnnotationError, match="Could not resolve all types"):
        with load(broken):
            pass


def test_orm206_valid_relationship_annotations_resolve_through_the_registry():
    with load(RULES["ORM206"].valid[0]) as example:
        example.configure()
        with example.sqlite_session() as session:
            product = example.Product(price="9.99", parts=[example.Part()])
            session.add(product)
            session.commit()
            assert session.scalars(select(example.Part)).one().product is product


# -- ORM404 ----------------------------------------------------------------------------------------


def test_orm404_misspelled_column_fails_at_class_creation():
    with pytest.raises(
        exc.ConstraintColumnNotFoundError,
        match=re.escape("Can't create Index on table 'users': no column named 'emial' is present."),
    ):
        with load(RULES["ORM404"].invalid[0]):
            pass


def test_orm404_attribute_name_instead_of_column_name_fails():
    source = RULES["ORM404"].invalid[0].replace(
        'Index("ix_users_email", "emial"),  # ORM404:33\n', ""
    )
    with pytest.raises(
        exc.ConstraintColumnNotFoundError,
        match="Can't create UniqueConstraint on table 'users': no column named 'login_name'",
    ):
        with load(source):
            pass


def test_orm404_expression_as_a_string_fails():
    source = RULES["ORM404"].valid[0].replace('"ix_users_email", "email"', '"ix_users_email", "lower(email)"')
    from tests.helpers import codes_and_lines

    assert [code for code, _ in codes_and_lines(source)] == ["ORM404"]
    with pytest.raises(exc.ConstraintColumnNotFoundError, match="no column named 'lower\\(email\\)'"):
        with load(source):
            pass


def test_orm404_valid_uses_column_names():
    with load(RULES["ORM404"].valid[0]) as example:
        ddl = example.postgresql_ddl()
        assert "UNIQUE (login)" in ddl and "CREATE INDEX ix_users_email ON users (email)" in ddl


# -- ORM405 ----------------------------------------------------------------------------------------


def _index_names(session, table):
    return sorted(row.name for row in session.execute(text(f"PRAGMA index_list('{table}')")))


def test_orm405_index_true_on_the_primary_key_is_a_second_index():
    with load(RULES["ORM405"].invalid[0]) as example:
        ddl = example.postgresql_ddl()
        assert "PRIMARY KEY (id)" in ddl
        assert "CREATE INDEX ix_users_id ON users (id)" in ddl
        with example.sqlite_session() as session:
            # The integer primary key is the rowid b-tree itself; ix_users_id is a second one.
            assert "ix_users_id" in _index_names(session, "users")


def test_orm405_index_on_a_text_primary_key_gives_two_indexes():
    with load(RULES["ORM405"].invalid[1]) as example:
        ddl = example.postgresql_ddl()
        assert "PRIMARY KEY (code)" in ddl
        assert "CREATE INDEX ix_country_code ON country (code)" in ddl
        with example.sqlite_session() as session:
            rows = session.execute(text("PRAGMA index_list('country')")).all()
            assert sorted(row.origin for row in rows) == ["c", "pk"]
            for row in rows:
                columns = session.execute(text(f"PRAGMA index_info('{row.name}')")).all()
                assert [c.name for c in columns] == ["code"]


def test_orm405_valid_has_only_the_primary_key_index():
    with load(RULES["ORM405"].valid[0]) as example:
        ddl = example.postgresql_ddl()
        assert "ON users (id)" not in ddl
        assert "CREATE INDEX ix_membership_group_id ON membership (group_id)" in ddl
        engine = create_engine("sqlite://")
        example.metadata.create_all(engine)
        assert [ix["name"] for ix in inspect(engine).get_indexes("users")] == ["ix_users_email"]
