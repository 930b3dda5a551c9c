"""ORM506 polymorphic-identity: missing and duplicated identities, and what is left alone."""

from __future__ import annotations

import pytest

from tests.helpers import lint_project

HEADER = '''
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column


class Base(DeclarativeBase):
    pass


class Employee(Base):
    __tablename__ = "employee"
    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(20))
    __mapper_args__ = {"polymorphic_on": "type", "polymorphic_identity": "employee"}

'''


def _orm506(tmp_path, body: str, extra: dict | None = None):
    files = {"models.py": HEADER + body, **(extra or {})}
    offset = HEADER.count("\n")
    return [(path, line - offset if path == "models.py" else line)
            for path, line, code in lint_project(files, tmp_path) if code == "ORM506"]


def test_a_joined_subclass_without_identity_and_a_duplicate_in_another_file_are_reported(tmp_path):
    body = '''
class Manager(Employee):
    __tablename__ = "manager"
    id: Mapped[int] = mapped_column(ForeignKey("employee.id"), primary_key=True)
'''
    other = '''
from sqlalchemy.orm import Mapped, mapped_column
from models import Employee


class Boss(Employee):
    __mapper_args__ = {"polymorphic_identity": "employee"}
    bonus: Mapped[int] = mapped_column(nullable=True)
'''
    assert sorted(_orm506(tmp_path, body, {"other.py": other})) == [("models.py", 2), ("other.py", 6)]


@pytest.mark.parametrize("body", [
    # polymorphic_abstract, an identity computed or from a declared_attr, a mixin's mapper args
    '''
class Staff(Employee):
    __mapper_args__ = {"polymorphic_abstract": True}
''',
    '''
class Manager(Employee):
    __mapper_args__ = {"polymorphic_identity": IDENTITIES["manager"]}


class Engineer(Employee):
    __mapper_args__ = {"polymorphic_identity": IDENTITIES["engineer"]}
''',
    '''
class Manager(Employee):
    @declared_attr.directive
    def __mapper_args__(cls):
        return {"polymorphic_identity": cls.__name__.lower()}
''',
    '''
class IdentityMixin:
    @declared_attr.directive
    def __mapper_args__(cls):
        return {"polymorphic_identity": cls.__name__.lower()}


class Manager(IdentityMixin, Employee):
    pass
''',
    # an abstract class is no mapper
    '''
class Abstract(Employee):
    __abstract__ = True
''',
])
def test_what_is_not_missing_or_cannot_be_read_is_left_alone(tmp_path, body):
    assert _orm506(tmp_path, body) == []


def test_a_hierarchy_without_polymorphic_on_needs_no_identity(tmp_path):
    files = {"models.py": '''
from sqlalchemy import ForeignKey
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Parent(Base):
    __tablename__ = "parent"
    id: Mapped[int] = mapped_column(primary_key=True)


class Child(Parent):
    __tablename__ = "child"
    id: Mapped[int] = mapped_column(ForeignKey("parent.id"), primary_key=True)
'''}
    assert [f for f in lint_project(files, tmp_path) if f[2] == "ORM506"] == []
