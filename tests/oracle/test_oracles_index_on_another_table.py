"""Oracle for ORM406: what SQLAlchemy does with another table's column in `__table_args__`."""

from __future__ import annotations

import pytest
from sqlalchemy import exc

from ormlint.rules import RULES
from tests.oracle.harness import load


def test_orm406_an_index_on_another_tables_column_fails_when_the_class_is_defined():
    with pytest.raises(
        exc.ArgumentError,
        match="Index 'ix_address_email' is against table 'user_account', and cannot be "
        "associated with table 'address'",
    ):
        with load(RULES["ORM406"].invalid[0]):
            pass


def test_orm406_a_unique_constraint_lands_on_both_tables_and_create_fails():
    with load(RULES["ORM406"].invalid[1]) as example:
        ddl = example.postgresql_ddl()
        unique = "CONSTRAINT uq_address_email UNIQUE (email)"
        assert ddl.count(unique) == 2, ddl  # in user_account's CREATE TABLE and in address's
        with pytest.raises(exc.OperationalError, match="no such column: email"):
            example.sqlite_session()


def test_orm406_beside_this_tables_column_the_constraint_fails_when_the_class_is_defined():
    source = RULES["ORM406"].invalid[1].replace(
        'UniqueConstraint(User.email, name="uq_address_email")',
        'UniqueConstraint("user_id", User.email, name="uq_address_user_email")',
    )
    with pytest.raises(
        exc.ConstraintColumnNotFoundError,
        match="Can't create UniqueConstraint on table 'user_account': no column named 'user_id'",
    ):
        with load(source):
            pass


def test_orm406_valid_indexes_are_on_their_own_tables():
    with load(RULES["ORM406"].valid[0]) as example:
        example.configure()
        tables = example.metadata.tables
        assert {ix.name for ix in tables["user_account"].indexes} == {"ix_user_account_email"}
        assert {ix.name for ix in tables["address"].indexes} == {"ix_address_email"}
        with example.sqlite_session() as session:
            session.add(example.User(email="a@example.com"))
            session.commit()
