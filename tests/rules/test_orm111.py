"""ORM111 self-reference-without-remote-side: which self-referential relationships are meant as many-to-one."""

from __future__ import annotations

import pytest

from tests.helpers import lint_project

HEADER = '''
from typing import Optional
from sqlalchemy import Column, ForeignKey, Integer
from sqlalchemy.orm import DeclarativeBase, Mapped, backref, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Node(Base):
    __tablename__ = "node"
    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("node.id"))
'''


def _orm111(tmp_path, body: str):
    source = HEADER + body
    return [line for _, line, code in lint_project({"models.py": source}, tmp_path) if code == "ORM111"]


FIRST = HEADER.count("\n") + 1  # the line of the body's first statement


@pytest.mark.parametrize("body", [
    '    parent: Mapped[Optional["Node"]] = relationship()\n',
    '    parent: Mapped["Node"] = relationship(foreign_keys=[parent_id])\n',
    '    parent = relationship("Node", uselist=False)\n',
    '    parent = relationship("Node")\n',  # a list of the children, named "parent"
    '    parent: Mapped[Optional["Node"]] = relationship(back_populates="children")\n',
    '    children = relationship("Node", backref="parent")\n',
    '    children = relationship("Node", backref=backref("parent", lazy="joined"))\n',
])
def test_a_relationship_named_after_its_own_foreign_key_needs_remote_side(tmp_path, body):
    assert _orm111(tmp_path, body) == [FIRST]


@pytest.mark.parametrize("body", [
    '    parent: Mapped[Optional["Node"]] = relationship(remote_side=[id])\n',
    '    parent: Mapped[Optional["Node"]] = relationship(remote_side="Node.id")\n',
    '    parent = relationship("Node", primaryjoin="Node.parent_id == remote(Node.id)")\n',
    '    parent = relationship("Node", **options)\n',
    # one-to-many on purpose: a collection, or a name that is no foreign key's
    '    parent: Mapped[list["Node"]] = relationship()\n',
    '    children: Mapped[list["Node"]] = relationship()\n',
    '    successor: Mapped[Optional["Node"]] = relationship()\n',
    '    children = relationship("Node", backref=backref("parent", remote_side=[id]))\n',
    '    children = relationship("Node", backref=backref("parent", **more))\n',
    '    children = relationship("Node", remote_side=[parent_id], backref="parent")\n',
])
def test_remote_side_or_a_one_to_many_meaning_is_left_alone(tmp_path, body):
    assert _orm111(tmp_path, body) == []


def test_a_foreign_key_to_another_table_or_a_relationship_to_another_class_is_not_self_referential(tmp_path):
    body = '''    owner_id: Mapped[int] = mapped_column(ForeignKey("owner.id"))
    owner: Mapped["Owner"] = relationship()


class Owner(Base):
    __tablename__ = "owner"
    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("node.id"))
    parent: Mapped[Optional["Node"]] = relationship()
'''
    assert _orm111(tmp_path, body) == []


def test_the_advice_names_the_referenced_column(tmp_path):
    from ormlint.config import load_settings
    from ormlint.engine import run

    (tmp_path / "pyproject.toml").write_text("[tool.ormlint]\n")
    (tmp_path / "models.py").write_text(HEADER + '    parent: Mapped[Optional["Node"]] = relationship()\n')
    [finding] = [f for f in run([tmp_path], load_settings([tmp_path]), jobs=1, whole_project=True).findings if f.code == "ORM111"]
    assert "`parent_id`" in finding.message and "`Node.id`" in finding.message
