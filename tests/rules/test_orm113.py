"""ORM113 secondary-mapped-class: which `secondary=` values name a mapped class."""

from __future__ import annotations

import pytest

from tests.helpers import lint_project

HEADER = '''
from sqlalchemy import Column, ForeignKey, Integer, Table
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class UserGroup(Base):
    __tablename__ = "user_group"
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("grp.id"), primary_key=True)


class GroupMixin:
    pass


link = Table("link", Base.metadata, Column("a", ForeignKey("user_account.id")), Column("b", ForeignKey("grp.id")))


class Group(Base):
    __tablename__ = "grp"
    id: Mapped[int] = mapped_column(primary_key=True)


class User(Base):
    __tablename__ = "user_account"
    id: Mapped[int] = mapped_column(primary_key=True)
'''
LINE = HEADER.count("\n") + 1


def _orm113(tmp_path, attribute: str, extra: dict | None = None):
    files = {"models.py": HEADER + attribute + "\n", **(extra or {})}
    return [line for _, line, code in lint_project(files, tmp_path) if code == "ORM113"]


@pytest.mark.parametrize("secondary", ['"UserGroup"', "UserGroup"])
def test_a_mapped_class_is_reported(tmp_path, secondary):
    assert _orm113(tmp_path, f'    groups: Mapped[list[Group]] = relationship(secondary={secondary})') == [LINE]


@pytest.mark.parametrize("secondary", [
    '"user_group"', "UserGroup.__table__", "link", '"link"', "lambda: UserGroup.__table__",
    '"GroupMixin"',  # not mapped: not this rule's to judge
    "Imported",  # a name from elsewhere that is no class of the project
])
def test_tables_and_expressions_are_left_alone(tmp_path, secondary):
    assert _orm113(tmp_path, f'    groups: Mapped[list[Group]] = relationship(secondary={secondary})') == []


def test_a_table_of_the_same_name_as_the_class_is_left_alone(tmp_path):
    other = '''
from sqlalchemy import Column, ForeignKey, MetaData, Table

UserGroup = Table("UserGroup", MetaData(), Column("a", ForeignKey("user_account.id")))
'''
    assert _orm113(tmp_path, '    groups: Mapped[list[Group]] = relationship(secondary="UserGroup")', {"tables.py": other}) == []
