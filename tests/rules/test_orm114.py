"""ORM114 secondary-required-column: which link-table columns the relationship leaves empty."""

from __future__ import annotations

import pytest

from tests.helpers import lint_project

HEADER = '''
from sqlalchemy import Column, Computed, ForeignKey, Identity, Integer, String, Table, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Group(Base):
    __tablename__ = "grp"
    id: Mapped[int] = mapped_column(primary_key=True)

'''


def _orm114(tmp_path, column: str, relationship: str = 'relationship(secondary=user_group)'):
    body = HEADER + f'''
user_group = Table(
    "user_group",
    Base.metadata,
    Column("user_id", ForeignKey("user_account.id"), primary_key=True),
    Column("group_id", ForeignKey("grp.id"), primary_key=True),
    {column},
)


class User(Base):
    __tablename__ = "user_account"
    id: Mapped[int] = mapped_column(primary_key=True)
    groups: Mapped[list[Group]] = {relationship}
'''
    return [line for _, line, code in lint_project({"models.py": body}, tmp_path) if code == "ORM114"]


@pytest.mark.parametrize("relationship", [
    'relationship(secondary=user_group)', 'relationship(secondary="user_group")',
    'relationship("Group", secondary=user_group, back_populates="users")',
])
def test_a_required_data_column_is_reported_on_the_relationship(tmp_path, relationship):
    found = _orm114(tmp_path, 'Column("role", String(20), nullable=False)', relationship)
    assert found == [HEADER.count("\n") + 14]


@pytest.mark.parametrize("column", [
    'Column("role", String(20))',
    'Column("role", String(20), nullable=False, default="member")',
    'Column("role", String(20), nullable=False, server_default="member")',
    'Column("created", Integer, nullable=False, server_default=text("0"))',
    'Column("seq", Integer, Identity(), nullable=False)',
    'Column("total", Integer, Computed("1 + 1"), nullable=False)',
    'Column("tenant_id", ForeignKey("tenant.id"), nullable=False)',  # a third key: not judged
    'Column("role", String(20), nullable=NULLABLE)',
    'Column("role", String(20), nullable=False, **extra)',
])
def test_columns_the_database_can_fill_are_fine(tmp_path, column):
    assert _orm114(tmp_path, column) == []


def test_a_viewonly_relationship_writes_nothing(tmp_path):
    column = 'Column("role", String(20), nullable=False)'
    assert _orm114(tmp_path, column, 'relationship(secondary=user_group, viewonly=True)') == []
    assert _orm114(tmp_path, column, 'relationship(secondary=user_group, **options)') == []


def test_a_table_a_class_maps_too_is_left_alone(tmp_path):
    column = 'Column("role", String(20), nullable=False)'
    mapped = 'relationship(secondary=user_group)\n\n\nclass Membership(Base):\n    __table__ = user_group\n    __tablename__ = "user_group"\n'
    assert _orm114(tmp_path, column, mapped) == []
