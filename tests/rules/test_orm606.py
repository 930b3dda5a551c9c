"""ORM606 foreign-key-target-not-unique: what counts as unique, and what is left alone."""

from __future__ import annotations

import pytest

from tests.helpers import lint_project

HEADER = '''
from sqlalchemy import Column, ForeignKey, Index, Integer, PrimaryKeyConstraint, String, Table, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass

'''


def _orm606(tmp_path, body: str, extra: dict | None = None):
    files = {"models.py": HEADER + body, **(extra or {})}
    return [(path, line) for path, line, code in lint_project(files, tmp_path) if code == "ORM606"]


REFERRER = '''
class Ref(Base):
    __tablename__ = "ref"
    id: Mapped[int] = mapped_column(primary_key=True)
    target: Mapped[str] = mapped_column(ForeignKey("account.code"))
'''


@pytest.mark.parametrize("account", [
    # unique=True, a UniqueConstraint, a unique Index, the primary key
    'code: Mapped[str] = mapped_column(String(9), unique=True)',
    'code: Mapped[str] = mapped_column(String(9))\n    __table_args__ = (UniqueConstraint("code"),)',
    'code: Mapped[str] = mapped_column(String(9))\n    __table_args__ = (Index("ix", "code", unique=True),)',
])
def test_unique_targets_are_fine(tmp_path, account):
    body = f'''
class Account(Base):
    __tablename__ = "account"
    id: Mapped[int] = mapped_column(primary_key=True)
    {account}
''' + REFERRER
    assert _orm606(tmp_path, body) == []


def test_a_plain_column_and_one_part_of_a_composite_key_are_reported(tmp_path):
    body = '''
class Account(Base):
    __tablename__ = "account"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(9))


class Pair(Base):
    __tablename__ = "pair"
    a: Mapped[int] = mapped_column(primary_key=True)
    b: Mapped[int] = mapped_column(primary_key=True)


class Ref(Base):
    __tablename__ = "ref"
    id: Mapped[int] = mapped_column(primary_key=True)
    target: Mapped[str] = mapped_column(ForeignKey("account.code"))
    half: Mapped[int] = mapped_column(ForeignKey("pair.a"))
'''
    found = _orm606(tmp_path, body)
    assert [line for _, line in found] == [body.count("\n", 0, body.index('"account.code"')) + HEADER.count("\n") + 1,
                                            body.count("\n", 0, body.index('"pair.a"')) + HEADER.count("\n") + 1]


def test_a_table_object_is_judged_too(tmp_path):
    body = '''
account = Table("account", Base.metadata, Column("id", Integer, primary_key=True), Column("code", String(9)))


class Ref(Base):
    __tablename__ = "ref"
    id: Mapped[int] = mapped_column(primary_key=True)
    target: Mapped[str] = mapped_column(ForeignKey("account.code"))
'''
    assert len(_orm606(tmp_path, body)) == 1


def test_unknown_tables_are_left_alone(tmp_path):
    # a base from outside the project may declare the constraint; two tables of one name
    body = '''
from elsewhere import AuditMixin


class Account(AuditMixin, Base):
    __tablename__ = "account"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(9))
''' + REFERRER
    assert _orm606(tmp_path, body) == []
    other = '''
from sqlalchemy import Column, Integer, MetaData, String, Table

other = MetaData()
account = Table("account", other, Column("id", Integer, primary_key=True), Column("code", String(9), unique=True))
'''
    body = '''
class Account(Base):
    __tablename__ = "account"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(9))
''' + REFERRER
    assert _orm606(tmp_path, body, {"other.py": other}) == []


def test_a_primary_key_from_the_declarative_base_makes_the_key_composite(tmp_path):
    # SQLAlchemy 2.1: Team's primary key is (code, id), so neither team.code nor team.id alone
    # is unique
    files = {"models.py": '''
from typing import Annotated
from sqlalchemy import ForeignKey
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
intpk = Annotated[int, mapped_column(primary_key=True)]
class Base(DeclarativeBase):
    id: Mapped[int] = mapped_column(primary_key=True)
class Team(Base):
    __tablename__ = "team"
    code: Mapped[intpk]
class Player(Base):
    __tablename__ = "player"
    team_code: Mapped[int] = mapped_column(ForeignKey("team.code"))
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"))
'''}
    found = [(path, line) for path, line, code in lint_project(files, tmp_path) if code == "ORM606"]
    assert found == [("models.py", 13), ("models.py", 14)]
