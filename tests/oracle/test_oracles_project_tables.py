"""Oracles for the project rules on tables and foreign keys (ORM503, ORM602, ORM603)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import exc

from ormlint.rules import RULES
from tests.oracle.harness import load


def test_orm503_duplicate_tablename_fails_at_import():
    with pytest.raises(exc.InvalidRequestError, match="Table 'things' is already defined for this MetaData"):
        with load(RULES["ORM503"].invalid[0]):
            pass


def test_orm602_misspelt_foreign_key_table_fails_at_create():
    with load(RULES["ORM602"].invalid[0]) as example:
        with pytest.raises(exc.NoReferencedTableError, match="could not find table 'parnt'"):
            example.sqlite_session()


def test_orm602_missing_column_fails_at_create():
    source = RULES["ORM602"].valid[0].replace('ForeignKey("parent.id")', 'ForeignKey("parent.uid")')
    with load(source) as example:
        with pytest.raises(exc.NoReferencedColumnError, match="could not find .*'uid'|'parent.uid'"):
            example.sqlite_session()


def test_orm603_ddl_declares_incompatible_key_columns():
    with load(RULES["ORM603"].invalid[0]) as example:
        ddl = example.postgresql_ddl()
        assert re.search(r"account\s*\(\s*id UUID NOT NULL", ddl), ddl
        assert "account_id VARCHAR(36)" in ddl and "FOREIGN KEY(account_id) REFERENCES account (id)" in ddl


def test_orm603_valid_key_columns_match():
    with load(RULES["ORM603"].valid[0]) as example:
        assert "account_id UUID" in example.postgresql_ddl()
