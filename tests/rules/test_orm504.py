"""ORM504 no-primary-key: where the key may come from, and what is left alone."""

from __future__ import annotations

import pytest

from tests.helpers import lint_project

HEADER = '''
from typing import Annotated
from sqlalchemy import Column, ForeignKey, Integer, PrimaryKeyConstraint, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass

'''


def _orm504(tmp_path, body: str, extra: dict | None = None):
    files = {"models.py": HEADER + body, **(extra or {})}
    return [(path, line) for path, line, code in lint_project(files, tmp_path) if code == "ORM504"]


def test_a_table_without_a_key_column_is_reported_at_its_class(tmp_path):
    body = '''
class Tag(Base):
    __tablename__ = "tag"
    name: Mapped[str] = mapped_column(String(40))
    count = Column(Integer)
'''
    assert _orm504(tmp_path, body) == [("models.py", HEADER.count("\n") + 2)]


@pytest.mark.parametrize("key", [
    'id = Column(Integer, primary_key=True)',
    '__table_args__ = (PrimaryKeyConstraint("name"),)',
    '__mapper_args__ = {"primary_key": ["name"]}',
    'id: Mapped[intpk]',
    'id = Column(Integer, primary_key=settings.KEYED)',  # not read: may be True
])
def test_a_key_column_constraint_or_mapper_key_is_fine(tmp_path, key):
    body = f'''
intpk = Annotated[int, mapped_column(primary_key=True)]


class Tag(Base):
    __tablename__ = "tag"
    name: Mapped[str] = mapped_column(String(40))
    {key}
'''
    assert _orm504(tmp_path, body) == []


def test_a_key_from_a_mixin_or_the_declarative_base_in_another_file_is_fine(tmp_path):
    mixins = '''
from sqlalchemy.orm import Mapped, mapped_column


class IdMixin:
    id: Mapped[int] = mapped_column(primary_key=True)
'''
    body = '''
from mixins import IdMixin


class Tag(IdMixin, Base):
    __tablename__ = "tag"
    name: Mapped[str] = mapped_column(String(40))
'''
    assert _orm504(tmp_path, body, {"mixins.py": mixins}) == []


@pytest.mark.parametrize("body", [
    # a base outside the project may hold the key
    '''
from elsewhere import IdMixin


class Tag(IdMixin, Base):
    __tablename__ = "tag"
    name: Mapped[str] = mapped_column(String(40))
''',
    # a key ormlint cannot read: an Annotated alias from another module
    '''
from types_ import intpk


class Tag(Base):
    __tablename__ = "tag"
    id: Mapped[intpk]
''',
    # an inheriting subclass: its parent's key identifies its rows
    '''
class Parent(Base):
    __tablename__ = "parent"
    id: Mapped[int] = mapped_column(primary_key=True)


class Child(Parent):
    __tablename__ = "child"
    parent_id: Mapped[int] = mapped_column(ForeignKey("parent.id"))
''',
    # an abstract base and a mixin map no table
    '''
class Abstract(Base):
    __abstract__ = True
    name: Mapped[str] = mapped_column(String(40))


class NamedMixin:
    name: Mapped[str] = mapped_column(String(40))
''',
])
def test_what_cannot_be_known_or_needs_no_key_is_left_alone(tmp_path, body):
    assert _orm504(tmp_path, body) == []
