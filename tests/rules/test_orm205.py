"""ORM205 duplicate-mapped-attribute, and the class-body assignments it reads from the model."""

from __future__ import annotations

import textwrap

import libcst as cst

from ormlint.model.extract import extract
from tests.helpers import lint


def lines(source: str) -> list[int]:
    return [f.line for f in lint(textwrap.dedent(source)) if f.code == "ORM205"]


def expected(source: str) -> list[int]:
    return [
        n for n, line in enumerate(textwrap.dedent(source).splitlines(), 1)
        if line.rstrip().endswith("# !")
    ]


def check(source: str) -> None:
    assert lines(source) == expected(source)


# -- the model: ModelClass.assignments -------------------------------------------------------------


def test_assignments_in_order_with_kinds_and_branches():
    source = textwrap.dedent(
        """
        from sqlalchemy import Column, Integer
        from sqlalchemy.orm import relationship
        class A(Base):
            __tablename__ = "a"
            id = Column(Integer, primary_key=True)
            if FLAG:
                b = relationship("B")
            elif OTHER:
                b = Column(Integer)
            else:
                b = 1
            try:
                c = Column(Integer)
            except ImportError:
                c = None
            x = y = 2
            p, q = 1, 2
            label: str
            @property
            def size(self):
                return 1
            class Meta:
                pass
        """
    )
    (cls, meta) = extract(cst.parse_module(source), source, "m.py").classes
    got = [(a.attr, a.kind, a.branch) for a in cls.assignments]
    assert got == [
        ("__tablename__", "other", ()),
        ("id", "column", ()),
        ("b", "relationship", ((0, 0),)),
        ("b", "column", ((0, 1), (1, 0))),
        ("b", "other", ((0, 1), (1, 1))),
        ("c", "column", ((2, 0),)),
        ("c", "other", ((2, 1),)),
        ("x", "other", ()),
        ("y", "other", ()),
        ("p", "other", ()),
        ("q", "other", ()),
        ("size", "def", ()),
        ("Meta", "def", ()),
    ]
    by_attr = {a.attr: a for a in cls.assignments}
    assert by_attr["id"].column is not None and by_attr["id"].column.primary_key
    branches = [a for a in cls.assignments if a.attr == "b"]
    assert not branches[0].runs_with(branches[1]) and not branches[0].may_run_with(branches[1])
    assert by_attr["id"].may_run_with(branches[1]) and not by_attr["id"].runs_with(branches[1])
    assert meta.name == "Meta"


# -- the same attribute twice ----------------------------------------------------------------------


def test_repeated_columns_and_relationships_every_style():
    check(
        """
        import sqlalchemy as sa
        from app import db
        from sqlalchemy import Column, Integer, String
        from sqlalchemy.orm import Mapped, mapped_column, relationship, deferred
        from sqlmodel import Field, SQLModel

        class A(Base):
            __tablename__ = "a"
            id = Column(Integer, primary_key=True)
            name = Column(String(50), nullable=False)
            name = Column(String(100))  # !

        class B(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            owner = db.relationship("User")
            owner = db.relationship("User", lazy="joined")  # !

        class C(Base):
            __tablename__ = "c"
            id: Mapped[int] = mapped_column(primary_key=True)
            parent: Mapped[int] = mapped_column(sa.ForeignKey("c.id"))
            parent = relationship("C")  # !

        class D(Base):
            __tablename__ = "d"
            id: Mapped[int] = mapped_column(primary_key=True)
            body = Column(sa.Text)
            body = deferred(Column(sa.Text))  # !
            body = Column(sa.Text)  # !

        class Hero(SQLModel, table=True):
            id: int | None = Field(default=None, primary_key=True)
            name: str = Field(index=True)
            name: str = Field(max_length=50)  # !

        class TimestampMixin:
            created = Column(sa.DateTime)
            created = Column(sa.DateTime, nullable=False)  # !

        class E(Base):
            __tablename__ = "e"
            id = Column(Integer, primary_key=True)
            if FLAG:
                x = Column(Integer)
                x = Column(String)  # !
        """
    )


def test_alternatives_overrides_and_non_assignments_are_fine():
    check(
        """
        import typing
        import sqlalchemy as sa
        from sqlalchemy import Column, Integer, String
        from sqlalchemy.ext.hybrid import hybrid_property
        from sqlalchemy.orm import column_property, relationship, synonym

        class A(Base):
            __tablename__ = "a"
            id = Column(Integer, primary_key=True)
            if sa.__version__ >= "2":
                data = Column(sa.JSON)
            else:
                data = Column(sa.Text)
            try:
                extra = Column(sa.JSON)
            except AttributeError:
                extra = Column(sa.Text)
            kind = Column(String)
            if POSTGRES:
                kind = Column(sa.Enum("a", "b", name="kind"))  # a deliberate override

            _email = Column("email", String)

            @hybrid_property
            def email(self):
                return self._email

            @email.setter
            def email(self, value):
                self._email = value

            @property
            def size(self):
                return 1

            @size.setter
            def size(self, value):
                pass

            @typing.overload
            def get(self, key: int) -> int: ...
            @typing.overload
            def get(self, key: str) -> str: ...
            def get(self, key):
                return key

            total = Column(Integer)
            total = column_property(id + 1)  # a mapped value that is not a column: not compared
            status: int
            status: int = Column(Integer)
            name = synonym("_name")
            _name = Column("name2", String)

        class B(Base):
            __tablename__ = "b"
            id = Column(Integer, primary_key=True)
            a = relationship("A")

        class C(B):
            a = relationship("A", lazy="joined")  # overrides the parent's: another class body
        """
    )


def test_repeat_after_an_unmapped_rebinding_is_not_reported():
    check(
        """
        from sqlalchemy import Column, Integer
        class A(Base):
            __tablename__ = "a"
            id = Column(Integer, primary_key=True)
            x = Column(Integer)
            x = None
            x = Column(Integer)
        """
    )


# -- two attributes, one column name --------------------------------------------------------------


def test_two_attributes_mapped_to_one_column_name():
    check(
        """
        import sqlalchemy as sa
        from app import db
        from sqlalchemy import Column, Integer, String
        from sqlalchemy.orm import Mapped, mapped_column
        from sqlmodel import Field, SQLModel

        class A(Base):
            __tablename__ = "a"
            id = Column(Integer, primary_key=True)
            a = Column("x", Integer)
            x = Column(String(10))  # !

        class B(Base):
            __tablename__ = "b"
            id: Mapped[int] = mapped_column(primary_key=True)
            label: Mapped[str] = mapped_column(name="title")
            title: Mapped[str] = mapped_column(String(50))  # !

        class C(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            first = db.Column("code", db.String)
            second = db.Column("code", db.String)  # !
            third = db.Column("code", db.String)  # !

        class Hero(SQLModel, table=True):
            id: int | None = Field(default=None, primary_key=True)
            alias: str = Field(sa_column_kwargs={"name": "nickname"})
            secret: str = Field(sa_column=sa.Column("nickname", sa.String))  # !

        class D(Base):
            __tablename__ = "d"
            id = Column(Integer, primary_key=True)
            a = Column("y", Integer)
            if FLAG:
                y = Column(Integer)  # !
        """
    )


def test_distinct_or_alternative_column_names_are_fine():
    check(
        """
        from sqlalchemy import Column, Integer, String

        class A(Base):
            __tablename__ = "a"
            id = Column(Integer, primary_key=True)
            a = Column("Name", String)
            name = Column(String)
            if FLAG:
                b = Column("code", String)
            else:
                code = Column(String)
            c = Column("renamed", String)
            c = None
            renamed_alias = Column("other", String)

        class Mixin:
            code = Column(String)

        class B(Mixin, Base):
            __tablename__ = "b"
            id = Column(Integer, primary_key=True)
            value = Column("value_", String)
        """
    )


def test_messages():
    first, second = lint(
        textwrap.dedent(
            """
            from sqlalchemy import Column, Integer, String
            class A(Base):
                __tablename__ = "a"
                id = Column(Integer, primary_key=True)
                x = Column(Integer)
                x = Column(String)
                label = Column("name", String)
                name = Column(String)
            """
        )
    )
    assert first.message.startswith("`x` is mapped again in class `A`")
    assert "silently dropped" in first.message and "delete one" in first.message
    assert second.message.startswith('`name` and `label` are both mapped to column "name"')
    assert "DuplicateColumnError" in second.message and "synonym()" in second.message


def test_an_exact_repeat_changes_nothing_and_is_not_reported():
    check(
        """
        from typing import Optional
        from sqlalchemy import Column, Integer, String
        from sqlalchemy.orm import Mapped, mapped_column

        class A(Base):
            __tablename__ = "a"
            id = Column(Integer, primary_key=True)
            code = Column(String(10), nullable=False)
            code = Column(String(10), nullable=False)
            note: Mapped[str] = mapped_column(String(50))
            note: Mapped[Optional[str]] = mapped_column(String(50))  # !
        """
    )
