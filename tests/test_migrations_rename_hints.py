"""Rename hints in `ormlint migrations diff/revision`: a table dropped and one of the same
columns created in the same change is offered as `op.rename_table` in a comment, never applied."""

from __future__ import annotations

from tests.rules.test_orm715 import diff

MODELS = '''\
from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Customer(Base):
    __tablename__ = "{name}"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String({length}))
'''
CREATE_CLIENT = (
    'op.create_table("client", sa.Column("id", sa.Integer(), nullable=False),\n'
    '                sa.Column("email", sa.String(length=100), nullable=False), sa.PrimaryKeyConstraint("id"))'
)


def test_a_dropped_table_and_a_created_one_of_the_same_columns_is_a_possible_rename(tmp_path):
    upgrade, _ = diff(tmp_path, MODELS.format(name="customer", length=100), CREATE_CLIENT)
    assert "# possible rename: table `client` dropped and `customer` added with the same columns" in upgrade
    assert "op.rename_table('client', 'customer')" in upgrade
    # only offered: the revision still creates and drops
    assert "op.create_table(\n        'customer'" in upgrade and "op.drop_table('client')" in upgrade
    assert "\n    op.rename_table" not in upgrade


def test_tables_of_other_columns_are_no_rename(tmp_path):
    upgrade, _ = diff(tmp_path, MODELS.format(name="customer", length=200), CREATE_CLIENT)
    assert "rename_table" not in upgrade and "op.drop_table('client')" in upgrade
