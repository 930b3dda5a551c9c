"""ORM110 annotation-target-not-found: which relationships take their target from the annotation."""

from __future__ import annotations

import pytest

from tests.helpers import lint_project

HEADER = '''
from typing import TYPE_CHECKING, List, Optional, TypeVar
from sqlalchemy import ForeignKey
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Address(Base):
    __tablename__ = "address"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))

'''


def _orm110(tmp_path, attribute: str, extra: dict | None = None, prelude: str = "", whole_project: bool = True):
    body = HEADER + prelude + f'''
class User(Base):
    __tablename__ = "user_account"
    id: Mapped[int] = mapped_column(primary_key=True)
    {attribute}
'''
    found = lint_project({"models.py": body, **(extra or {})}, tmp_path, whole_project=whole_project)
    return [line for _, line, code in found if code == "ORM110"]


@pytest.mark.parametrize("annotation", [
    'Mapped[list["Adress"]]', 'Mapped[List["Adress"]]', 'Mapped[Optional["Adress"]]',
    'Mapped["Adress"]', 'Mapped["Adress | None"]', 'Mapped[set["Adress"]]',
])
def test_a_misspelt_annotation_target_is_reported_on_its_line(tmp_path, annotation):
    line = HEADER.count("\n") + 5
    assert _orm110(tmp_path, f"addresses: {annotation} = relationship()") == [line]


@pytest.mark.parametrize("attribute", [
    'addresses: Mapped[list["Address"]] = relationship()',
    'addresses: Mapped[list["Address"]] = relationship(back_populates="user")',
    # a target argument wins over the annotation (ORM104 judges a string one)
    'addresses: Mapped[list["Adress"]] = relationship("Address")',
    'addresses: Mapped[list["Adress"]] = relationship(argument="Address")',
    'addresses: Mapped[list["Adress"]] = relationship(lambda: Address)',
    'addresses: Mapped[list["Adress"]] = relationship(**options)',
    # a name the module binds: SQLAlchemy's resolver reads the module's namespace too
    'addresses: Mapped[list["Remote"]] = relationship()',
    'addresses: Mapped[list["T"]] = relationship()',
    'addresses: Mapped[list["Lazy"]] = relationship()',
])
def test_found_or_unknown_targets_are_left_alone(tmp_path, attribute):
    prelude = '''
from elsewhere import Remote
T = TypeVar("T")
options = {}
if TYPE_CHECKING:
    from other_package import Lazy

'''
    assert _orm110(tmp_path, attribute, prelude=prelude) == []


def test_a_class_of_another_file_or_an_external_model_counts(tmp_path):
    other = '''
from models import Base


class Phone(Base):
    __tablename__ = "phone"
    id: int
'''
    assert _orm110(tmp_path, 'phones: Mapped[list["Phone"]] = relationship()', {"other.py": other}) == []
    config = '[tool.ormlint]\nexternal-models = ["billing.Invoice"]\n'
    assert _orm110(tmp_path, 'invoices: Mapped[list["Invoice"]] = relationship()', {"pyproject.toml": config}) == []


def test_only_a_whole_project_is_judged(tmp_path):
    assert _orm110(tmp_path, 'addresses: Mapped[list["Adress"]] = relationship()', whole_project=False) == []


def test_a_file_that_cannot_be_read_silences_it(tmp_path):
    (tmp_path / "broken.py").write_bytes(b"\xff\xfe not utf-8 \x81")
    assert _orm110(tmp_path, 'addresses: Mapped[list["Adress"]] = relationship()') == []


def test_a_class_statement_inside_a_function_of_the_file_counts(tmp_path):
    # mapped when the factory runs, before configuration: SQLAlchemy's registry then has it
    prelude = '''
def make_phone():
    class Phone(Base):
        __tablename__ = "phone"
        id: Mapped[int] = mapped_column(primary_key=True)
    return Phone

'''
    assert _orm110(tmp_path, 'phones: Mapped[list["Phone"]] = relationship()', prelude=prelude) == []
