"""ORM112 dynamic-with-list-annotation: which annotations promise a collection."""

from __future__ import annotations

import pytest

from tests.helpers import lint

HEADER = '''
from typing import List, Optional, Set
from sqlalchemy.orm import DeclarativeBase, DynamicMapped, Mapped, WriteOnlyMapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "user_account"
    id: Mapped[int] = mapped_column(primary_key=True)
'''
LINE = HEADER.count("\n") + 1


def _orm112(attribute: str):
    return [f.line for f in lint(HEADER + attribute + "\n") if f.code == "ORM112"]


@pytest.mark.parametrize("attribute", [
    '    addresses: Mapped[list["Address"]] = relationship(lazy="dynamic")',
    '    addresses: Mapped[List["Address"]] = relationship("Address", lazy="dynamic")',
    '    addresses: Mapped[set["Address"]] = relationship(lazy="dynamic", order_by="Address.id")',
    '    addresses: Mapped["list[Address]"] = relationship(lazy="dynamic")',
])
def test_a_collection_annotation_with_a_dynamic_loader_is_reported(attribute):
    assert _orm112(attribute) == [LINE]


@pytest.mark.parametrize("attribute", [
    '    addresses: DynamicMapped["Address"] = relationship(lazy="dynamic")',
    '    addresses: WriteOnlyMapped["Address"] = relationship()',
    '    addresses: Mapped[list["Address"]] = relationship(lazy="selectin")',
    '    addresses = relationship("Address", lazy="dynamic")',  # no annotation to contradict
    '    addresses: Mapped[list["Address"]] = relationship(lazy=LAZY)',
    '    addresses: Mapped[Addresses] = relationship(lazy="dynamic")',  # an alias: unclear
])
def test_other_loaders_and_annotations_are_left_alone(attribute):
    assert _orm112(attribute) == []
