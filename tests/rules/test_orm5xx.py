"""ORM501 table-args-not-tuple-or-dict and ORM502 table-args-dict-not-last."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from ormlint.model.extract import extract
from tests.helpers import lint


def shape(value: str, prelude: str = "from sqlalchemy import Index, UniqueConstraint\n") -> str:
    source = prelude + f"class A(Base):\n    __table_args__ = {value}\n"
    return extract(cst.parse_module(source), source, "m.py").classes[0].table_args.shape


def lines(source: str, code: str) -> list[int]:
    return [f.line for f in lint(textwrap.dedent(source)) if f.code == code]


def expected(source: str) -> list[int]:
    return [
        n for n, line in enumerate(textwrap.dedent(source).splitlines(), 1)
        if line.rstrip().endswith("# !")
    ]


# -- the model: TableArgs.shape ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected_shape"),
    [
        ("(Index('ix', 'a'),)", "tuple"),
        ("(Index('ix', 'a'), {'schema': 's'})", "tuple"),
        ("()", "tuple"),
        ("{'schema': 's'}", "dict"),
        ("{k: v for k, v in OPTIONS}", "dict"),
        ("dict(schema='s')", "dict"),
        ("None", "none"),
        ("(Index('ix', 'a'))", "other"),
        ("Index('ix', 'a')", "other"),
        ("UniqueConstraint('a', 'b')", "other"),
        ("[Index('ix', 'a')]", "other"),
        ("[c for c in CONSTRAINTS]", "other"),
        ("{Index('ix', 'a')}", "other"),
        ("'schema'", "other"),
        ("list(CONSTRAINTS)", "other"),
        ("SHARED_ARGS", "dynamic"),
        ("Base.__table_args__ + (Index('ix', 'a'),)", "dynamic"),
        ("make_args('a')", "dynamic"),
        ("(make_args('a'))", "dynamic"),
        ("tuple(CONSTRAINTS)", "dynamic"),
        ("ARGS if PG else {}", "dynamic"),
        ("ARGS[0]", "dynamic"),
    ],
)
def test_table_args_shapes(value, expected_shape):
    assert shape(value) == expected_shape


def test_a_constraint_resolved_by_import_or_spelling_but_not_a_local_helper():
    assert shape("sa.CheckConstraint('x > 0')", "import sqlalchemy as sa\n") == "other"
    assert shape("db.UniqueConstraint('a')", "from app import db\nx = db.Column()\n") == "other"
    # re-exported by the project (or not imported at all): the spelling decides
    assert shape("(Index('ix', 'a'))", "from app.db import Index\n") == "other"
    assert shape("(Index('ix', 'a'))", "") == "other"
    # a module-level helper of the same name is not SQLAlchemy's
    assert shape("Index('a')", "def Index(*columns):\n    return (columns,)\n") == "dynamic"
    assert shape("(Index('a'))", "Index = make_index_factory()\n") == "dynamic"


def test_starred_items_are_recorded():
    source = "class A(Base):\n    __table_args__ = (*Base.__table_args__, Index('a'), {'x': 1})\n"
    args = extract(cst.parse_module(source), source, "m.py").classes[0].table_args
    assert args.starred == (True, False, False) and len(args.items) == 3


# -- ORM501 ------------------------------------------------------------------------------------------


def test_orm501_every_spelling_and_style():
    source = """
        import sqlalchemy as sa
        from app import db
        from sqlalchemy import CheckConstraint, Column, Index, Integer, UniqueConstraint
        from sqlalchemy.orm import Mapped, mapped_column
        from sqlmodel import Field, SQLModel

        class A(Base):
            __table_args__ = (Index("ix_a_x", "x"))  # !
            x = Column(Integer)

        class B(db.Model):
            __table_args__ = (db.UniqueConstraint("x", "y"))  # !
            x = db.Column(db.Integer)

        class C(Base):
            __table_args__ = [sa.Index("ix_c_x", "x")]  # !

        class D(Base):
            __table_args__ = UniqueConstraint("x")  # !

        class TimestampMixin:
            __table_args__ = [CheckConstraint("x > 0")]  # !

        class Hero(SQLModel, table=True):
            __table_args__ = (UniqueConstraint("name"))  # !
            id: int | None = Field(default=None, primary_key=True)

        class E(Base):
            __table_args__: tuple = [Index("ix_e_x", "x")]  # !

        class F(Base):
            __table_args__ = "my_schema"  # !
    """
    assert lines(source, "ORM501") == expected(source)


def test_orm501_valid_and_unknown_shapes_are_not_reported():
    source = """
        import sqlalchemy as sa
        from sqlalchemy import Index
        from sqlalchemy.orm import declared_attr
        from app.db import SHARED_ARGS, table_args

        def make_args(*columns):
            return tuple(Index(f"ix_{c}", c) for c in columns)

        class A(Base):
            __table_args__ = (Index("ix_a_x", "x"),)
        class B(Base):
            __table_args__ = {"schema": "other"}
        class C(Base):
            __table_args__ = None
        class D(Base):
            __table_args__ = SHARED_ARGS
        class E(Base):
            __table_args__ = table_args("e")
        class F(Base):
            __table_args__ = (make_args("x"))
        class G(A):
            __table_args__ = A.__table_args__ + (Index("ix_g_y", "y"),)
        class H(Base):
            __table_args__ = dict(schema="other")
        class I(Base):
            @declared_attr
            def __table_args__(cls):
                return [Index(f"ix_{cls.__tablename__}_x", "x")]
        class J(Base):
            __table_args__ = ({"schema": "s"} if sa else {})
    """
    assert lines(source, "ORM501") == []


def test_orm501_message_gives_the_fix():
    (finding,) = lint(
        "from sqlalchemy import Index\nclass A(Base):\n    __table_args__ = (Index('ix', 'x'))\n"
    )
    assert "without a trailing comma" in finding.message
    assert finding.message.endswith("write `(Index('ix', 'x'),)`")
    (finding,) = lint(
        "from sqlalchemy import Index\nclass A(Base):\n    __table_args__ = [Index('ix', 'x'), Index('iy', 'y')]\n"
    )
    assert "this is a list" in finding.message
    assert finding.message.endswith("`(Index('ix', 'x'), Index('iy', 'y'),)`")


# -- ORM502 ------------------------------------------------------------------------------------------


def test_orm502_dict_before_other_elements():
    source = """
        import sqlalchemy as sa
        from sqlalchemy import Index, UniqueConstraint

        class A(Base):
            __table_args__ = ({"schema": "s"}, Index("ix_a_x", "x"))  # !
        class B(Base):
            __table_args__ = (
                UniqueConstraint("x"),
                {"comment": "b"},  # !
                Index("ix_b_y", "y"),
            )
        class C(Base):
            __table_args__ = (dict(schema="s"), sa.Index("ix_c", "x"))  # !
        class D(Base):
            __table_args__ = ({"comment": "one"}, {"schema": "two"})  # !
        class E(Base):
            __table_args__ = ({"comment": "e"}, *EXTRA, Index("ix_e", "x"))  # !
    """
    assert lines(source, "ORM502") == expected(source)


def test_orm502_dict_last_or_followed_only_by_unpacking_is_fine():
    source = """
        from sqlalchemy import Index

        def dict(**kwargs):
            return Index("ix", "x")

        class A(Base):
            __table_args__ = (Index("ix_a_x", "x"), {"schema": "s"})
        class B(Base):
            __table_args__ = ({"schema": "s"},)
        class C(Base):
            __table_args__ = (*Base.__table_args__, {"schema": "s"})
        class D(Base):
            __table_args__ = ({"schema": "s"}, *EXTRA)
        class E(Base):
            __table_args__ = (dict(), Index("ix_e", "x"))
        class F(Base):
            __table_args__ = {"schema": "s"}
    """
    assert lines(source, "ORM502") == []


def test_orm502_message():
    (finding,) = lint(
        "from sqlalchemy import Index\nclass A(Base):\n"
        "    __table_args__ = ({'schema': 's'}, Index('ix', 'x'), Index('iy', 'y'))\n"
    )
    assert "followed by `Index('ix', 'x')` and 1 more" in finding.message
    assert finding.message.endswith("move `{'schema': 's'}` to the end")


def test_orm501_list_turned_into_a_tuple_later_in_the_body_is_fine():
    source = """
        from sqlalchemy import Index, UniqueConstraint

        class Ranking(Mixin, Base):
            __tablename__ = "ranking"
            __table_args__ = [UniqueConstraint("period", "day")]
            __table_args__.extend(Mixin.__table_args__)
            __table_args__ = tuple(__table_args__)
    """
    assert lines(source, "ORM501") == []


def test_orm501_other_libraries_borrowing_the_name_are_not_reported():
    # A document-store ORM with SQLAlchemy-like dunders: no SQLAlchemy import at all.
    assert lines(
        """
        from docstore import Column, IndexSpec

        class Star(DocModel):
            __table_args__ = [IndexSpec("name")]
            name = Column()
        """,
        "ORM501",
    ) == []
    # SQLAlchemy imported for something else, the list holds another library's index objects.
    source = """
        import sqlalchemy
        from pymongo import ASCENDING, IndexModel
        from app.db import Index

        class Star(DocModel):
            __table_args__ = [IndexModel([("name", ASCENDING)])]

        class Planet(Base):
            __table_args__ = [Index("ix_planet_name", "name")]  # !
    """
    assert lines(source, "ORM501") == expected(source)
