"""ORM505 dataclass-field-order: the field order the dataclass __init__ takes, and what is not read."""

from __future__ import annotations

import pytest

from tests.helpers import codes_and_lines

HEADER = '''
from typing import ClassVar, Optional
from dataclasses import KW_ONLY
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import DeclarativeBase, Mapped, MappedAsDataclass, mapped_column, relationship


class Base(MappedAsDataclass, DeclarativeBase):
    pass

'''


def _lines(body: str) -> list[int]:
    return [line - HEADER.count("\n") for code, line in codes_and_lines(HEADER + body, "ORM505") if code == "ORM505"]


@pytest.mark.parametrize("default", ['mapped_column(default=None)', 'mapped_column(default_factory=list)', 'relationship(default=None)'])
def test_a_required_field_after_a_defaulted_one_is_reported(default):
    body = f'''
class User(Base):
    __tablename__ = "user"
    id: Mapped[int] = mapped_column(init=False, primary_key=True)
    extra: Mapped[Optional[str]] = {default}
    tag: ClassVar[int] = 3
    name: Mapped[str] = mapped_column(String(30))
'''
    assert _lines(body) == [7]


def test_a_default_inherited_from_a_mapped_parent_counts():
    body = '''
class Parent(Base):
    __tablename__ = "parent"
    id: Mapped[int] = mapped_column(init=False, primary_key=True)
    nickname: Mapped[Optional[str]] = mapped_column(default=None)


class Child(Parent):
    __tablename__ = "child"
    id: Mapped[int] = mapped_column(ForeignKey("parent.id"), init=False, primary_key=True)
    name: Mapped[str] = mapped_column(String(30))
'''
    assert _lines(body) == [11]


@pytest.mark.parametrize("body", [
    # init=False fields are no parameters, with or without a default
    '''
class User(Base):
    __tablename__ = "user"
    score: Mapped[int] = mapped_column(init=False, default=0)
    id: Mapped[int] = mapped_column(primary_key=True)
''',
    # kw_only: on the field, the class, or the KW_ONLY marker
    '''
class User(Base):
    __tablename__ = "user"
    nickname: Mapped[Optional[str]] = mapped_column(default=None, kw_only=True)
    id: Mapped[int] = mapped_column(primary_key=True)
''',
    '''
class User(Base, kw_only=True):
    __tablename__ = "user"
    nickname: Mapped[Optional[str]] = mapped_column(default=None)
    id: Mapped[int] = mapped_column(primary_key=True)
''',
    '''
class User(Base):
    __tablename__ = "user"
    nickname: Mapped[Optional[str]] = mapped_column(default=None)
    _: KW_ONLY
    id: Mapped[int] = mapped_column(primary_key=True)
''',
    # a helper may return a mapped_column() with a default; a base from elsewhere may add fields
    '''
from helpers import text_column


class User(Base):
    __tablename__ = "user"
    nickname: Mapped[Optional[str]] = text_column()
    id: Mapped[int] = mapped_column(primary_key=True)
''',
    '''
from mixins import Audited


class User(Audited, Base):
    __tablename__ = "user"
    id: Mapped[int] = mapped_column(primary_key=True)
''',
])
def test_what_is_not_a_parameter_or_cannot_be_read_is_left_alone(body):
    assert _lines(body) == []


def test_a_model_without_mapped_as_dataclass_is_not_a_dataclass():
    source = '''
from typing import Optional
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "user"
    nickname: Mapped[Optional[str]] = mapped_column(default=None)
    id: Mapped[int] = mapped_column(primary_key=True)
'''
    assert codes_and_lines(source, "ORM505") == []
