"""ORM208 mapped-class-column-annotation: which annotations name a mapped class."""

from __future__ import annotations

import pytest

from tests.helpers import lint_project

HEADER = '''
import enum
from typing import Optional, TYPE_CHECKING
from sqlalchemy import Column, ForeignKey, Integer
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "user"
    id: Mapped[int] = mapped_column(primary_key=True)


class Status(enum.Enum):
    open = "open"

'''


def _orm208(tmp_path, body: str, extra: dict | None = None):
    files = {"models.py": HEADER + body, **(extra or {})}
    return [(path, line, message) for path, line, code, message in _findings(files, tmp_path) if code == "ORM208"]


def _findings(files, tmp_path):
    from pathlib import Path

    from ormlint.config import load_settings
    from ormlint.engine import run

    lint_project(files, tmp_path)  # writes the files
    result = run([Path(tmp_path)], load_settings([Path(tmp_path)]), jobs=1, whole_project=True)
    return [(str(Path(f.path).relative_to(tmp_path)), f.line, f.code, f.message) for f in result.findings]


@pytest.mark.parametrize("column, raises", [
    ('user_id: Mapped["User"] = mapped_column(ForeignKey("user.id"))', False),
    ('user_id: Mapped[Optional[User]] = mapped_column(Integer)', False),
    ('user_id: Mapped["User | None"] = Column(Integer, ForeignKey("user.id"))', False),
    ('user_id: Mapped[User] = mapped_column()', True),
    ('user: Mapped["User"]', True),
])
def test_a_column_annotated_with_a_mapped_class_is_reported(tmp_path, column, raises):
    body = f'''
class Post(Base):
    __tablename__ = "post"
    id: Mapped[int] = mapped_column(primary_key=True)
    {column}
'''
    [(_, line, message)] = _orm208(tmp_path, body)
    assert line == HEADER.count("\n") + 5
    assert ("MappedAnnotationError" in message) is raises


def test_a_class_imported_from_another_module_is_resolved(tmp_path):
    other = '''
from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column
from models import Base
from models import User


class Post(Base):
    __tablename__ = "post"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[User] = mapped_column(ForeignKey("user.id"))
'''
    assert [(p, line) for p, line, _ in _orm208(tmp_path, "", {"posts.py": other})] == [("posts.py", 11)]


@pytest.mark.parametrize("column", [
    'user: Mapped["User"] = relationship()',
    'status: Mapped[Status] = mapped_column()',
    'other: Mapped["Elsewhere"] = mapped_column(Integer)',
    'owner_id: Mapped[int] = mapped_column(ForeignKey("user.id"))',
])
def test_relationships_enums_unknown_names_and_plain_types_are_left_alone(tmp_path, column):
    body = f'''
class Post(Base):
    __tablename__ = "post"
    id: Mapped[int] = mapped_column(primary_key=True)
    {column}
'''
    assert _orm208(tmp_path, body) == []


def test_a_name_two_modules_define_is_left_alone(tmp_path):
    schemas = '''
class User:
    pass
'''
    posts = '''
from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column
from models import Base


class Post(Base):
    __tablename__ = "post"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped["User"] = mapped_column(ForeignKey("user.id"))
'''
    # a string annotation the file neither defines nor imports: which User is meant is not known
    assert _orm208(tmp_path, "", {"schemas.py": schemas, "posts.py": posts}) == []
