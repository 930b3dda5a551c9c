"""ORM738 enum-type-not-created (issue 16, rule 8): `op.add_column` of a named enum type that
nothing created, and what leaves it unknown."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import lint_project
from tests.rules.test_orm72x import _INI
from tests.rules.test_orm736_737 import _revision

_PLAIN = """
    op.create_table("invoices", sa.Column("id", sa.Integer(), primary_key=True))
"""
_ADD = 'op.add_column("invoices", sa.Column("status", {type}))'


def _orm738(tmp_path, *upgrades: str) -> list[tuple[str, int]]:
    """ORM738's findings on a chain of revisions (the last is the head)."""
    files = {"alembic.ini": _INI, "pyproject.toml": "[tool.ormlint]\n"}
    for number, upgrade in enumerate(upgrades, 1):
        down = f"{number - 1:04}" if number > 1 else None
        files[f"migrations/versions/{number:04}_r.py"] = _revision(f"{number:04}", down, upgrade)
    return [(Path(path).name, line) for path, line, code in lint_project(files, tmp_path) if code == "ORM738"]


@pytest.mark.parametrize("enum", [
    'sa.Enum("draft", "paid", name="invoice_status")',
    'postgresql.ENUM("draft", "paid", name="invoice_status")',
    'postgresql.ENUM("draft", "paid", name="invoice_status", create_type=False)',
])
def test_a_type_nothing_created(tmp_path, enum):
    assert _orm738(tmp_path, _PLAIN, _ADD.format(type=enum)) == [("0002_r.py", 10)]


@pytest.mark.parametrize("before", [
    # created by an earlier revision's table, or by this revision first
    'op.create_table("refunds", sa.Column("status", sa.Enum("draft", "paid", name="invoice_status")))',
    'postgresql.ENUM("draft", "paid", name="invoice_status").create(op.get_bind(), checkfirst=True)',
    "op.execute(\"CREATE TYPE invoice_status AS ENUM ('draft', 'paid')\")",
    # SQL or code that may have created any type: unknown
    "op.execute(some_sql)",
])
def test_a_type_that_may_exist(tmp_path, before):
    assert _orm738(tmp_path, _PLAIN, before + "\n" + _ADD.format(type='sa.Enum("draft", "paid", name="invoice_status")')) == []


def test_no_type_and_tables_the_history_did_not_create(tmp_path):
    native = 'sa.Enum("draft", "paid", name="invoice_status", native_enum=False)'
    assert _orm738(tmp_path, _PLAIN, _ADD.format(type=native)) == []
    # `customers` predates the history: so may its types
    other = 'op.add_column("customers", sa.Column("tier", sa.Enum("a", "b", name="tier")))'
    assert _orm738(tmp_path, _PLAIN, other) == []


def test_an_earlier_revision_that_may_have_made_any_type(tmp_path):
    add = _ADD.format(type='sa.Enum("draft", "paid", name="invoice_status")')
    assert _orm738(tmp_path, _PLAIN, "op.execute(some_sql)", add) == []
