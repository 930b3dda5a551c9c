"""Oracle tests: each rule's invalid examples fail for real in SQLAlchemy; valid ones work.

These establish, with the installed SQLAlchemy, the facts each rule's docs state.
"""

from __future__ import annotations

import re
import warnings

import pytest
from sqlalchemy import exc, select, text

from ormlint.rules import RULES
from ormlint.rules.base import example_files
from tests.oracle.harness import load

# A multi-file example (models and migrations) is loaded through its models.py; one without
# models (ORM709's revision graphs) has its own oracle.
ALL_VALID = [
    (code, i, files["models.py"] if files is not None else src)
    for code, rule in RULES.items()
    for i, src in enumerate(rule.valid)
    if (files := example_files(src)) is None or "models.py" in files
]


@pytest.mark.parametrize(("code", "index", "source"), ALL_VALID, ids=[f"{c}-valid-{i}" for c, i, _ in ALL_VALID])
def test_valid_example_configures_and_round_trips(code, index, source):
    if "from sqlmodel import" in source:
        # SQLModel keeps one global MetaData, and is not a test dependency: such examples have
        # their own oracle (tests/oracle/test_oracles_unnamed_constraint.py for ORM508).
        pytest.skip("a SQLModel example: checked by its rule's own oracle")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with load(source) as example:
            example.configure()
            example.postgresql_ddl()
            with example.sqlite_session() as session:
                for mapper in example.registries[0].mappers:
                    session.execute(select(mapper.class_)).all()


# -- ORM101 --------------------------------------------------------------------------------------


def test_orm101_list_of_builtin_fails_at_configuration_not_import():
    with load(RULES["ORM101"].invalid[0]) as example:  # import succeeds
        with pytest.raises(
            exc.ArgumentError,
            match=re.escape(
                "Column expression expected for argument 'remote_side'; got <built-in function id>"
            ),
        ):
            example.configure()


def test_orm101_bare_builtin_is_called_as_a_lambda():
    with load(RULES["ORM101"].invalid[1]) as example:
        with pytest.raises(TypeError, match=r"id\(\) takes exactly one argument"):
            example.configure()


def test_orm101_valid_self_reference_links_parent_and_child():
    with load(RULES["ORM101"].valid[0]) as example:
        with example.sqlite_session() as session:
            root = example.Node()
            child = example.Node(parent=root)
            session.add_all([root, child])
            session.commit()
            assert child.parent_id == root.id


# -- ORM201 / ORM202 -----------------------------------------------------------------------------


def test_orm201_optional_annotation_gets_not_null_ddl_and_none_fails_at_flush():
    with load(RULES["ORM201"].invalid[0]) as example:
        assert "nickname VARCHAR NOT NULL" in example.postgresql_ddl()
        with example.sqlite_session() as session:
            session.add(example.User(nickname=None))  # the annotation allows it
            with pytest.raises(exc.IntegrityError, match="NOT NULL constraint failed"):
                session.flush()


def test_orm202_nullable_column_returns_none_for_an_int_annotation():
    with load(RULES["ORM202"].invalid[0]) as example:
        ddl = example.postgresql_ddl()
        assert re.search(r"\bage INTEGER,", ddl), ddl  # no NOT NULL
        with example.sqlite_session() as session:
            session.add(example.User())
            session.commit()
            user = session.scalars(select(example.User)).one()
            assert user.age is None
            with pytest.raises(TypeError):
                user.age + 1  # what the annotation promised would work


# -- ORM301 --------------------------------------------------------------------------------------


def test_orm301_string_server_default_is_a_quoted_literal():
    with load(RULES["ORM301"].invalid[0]) as example:
        assert "DEFAULT 'now()'" in example.postgresql_ddl()
        with example.sqlite_session() as session:
            # SQLite stores the text 'now()'; reading it back (at the INSERT's RETURNING or at a
            # later SELECT, depending on the SQLite version) cannot make a datetime of it.
            with pytest.raises(ValueError, match=re.escape("Invalid isoformat string: 'now()'")):
                session.add(example.Event())
                session.commit()
                session.scalars(select(example.Event)).one().created_at


def test_orm301_valid_server_default_is_sql():
    with load(RULES["ORM301"].valid[0]) as example:
        ddl = example.postgresql_ddl()
        assert "DEFAULT now()" in ddl and "DEFAULT 'now()'" not in ddl


# -- ORM401 --------------------------------------------------------------------------------------


def test_orm401_same_name_fails_create_all():
    with load(RULES["ORM401"].invalid[0]) as example:
        ddl = example.postgresql_ddl()
        assert ddl.count("CREATE INDEX ix_users_email ON users (email)") == 2
        with pytest.raises(exc.OperationalError, match="index ix_users_email already exists"):
            example.sqlite_session()


def test_orm401_unique_constraint_plus_unique_index_builds_two_indexes():
    with load(RULES["ORM401"].invalid[1]) as example:
        ddl = example.postgresql_ddl()
        assert "UNIQUE (login)" in ddl
        assert "CREATE UNIQUE INDEX ix_account_login ON account (login)" in ddl
        with example.sqlite_session() as session:
            indexes = session.execute(text("PRAGMA index_list('account')")).all()
            assert sorted(row.origin for row in indexes if row.unique) == ["c", "u"]


def test_repeated_unique_constraints_are_merged_so_orm401_stays_silent():
    source = """
from sqlalchemy import Column, Integer, String, UniqueConstraint
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class Team(Base):
    __tablename__ = "team"
    __table_args__ = (UniqueConstraint("code", name="uq_team_code"),)
    id = Column(Integer, primary_key=True)
    code = Column(String(10), unique=True)
"""
    from tests.helpers import lint

    assert lint(source) == []
    with load(source) as example:
        with example.sqlite_session() as session:
            indexes = session.execute(text("PRAGMA index_list('team')")).all()
            assert len([row for row in indexes if row.unique]) == 1


def test_orm401_valid_unique_index_is_one_index():
    with load(RULES["ORM401"].valid[0]) as example:
        ddl = example.postgresql_ddl()
        assert ddl.count("ON users (email)") == 1
