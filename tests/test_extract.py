"""Facts the extractor records in the FileModel, which every rule reads."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from ormlint.model.extract import extract
from ormlint.model.types import FileModel


def model(source: str) -> FileModel:
    source = textwrap.dedent(source)
    return extract(cst.parse_module(source), source, "m.py")


def kinds(source: str) -> dict[str, str]:
    return {c.name: c.kind for c in model(source).classes}


def test_class_kinds_for_each_declarative_style():
    assert kinds(
        """
        import sqlalchemy.orm as so
        from sqlalchemy.orm import DeclarativeBase, MappedAsDataclass, declarative_base, registry
        from sqlmodel import SQLModel
        from flask_sqlalchemy import SQLAlchemy
        from .base import ProjectBase

        db = SQLAlchemy()
        Legacy = declarative_base()
        reg = registry()

        class Base(MappedAsDataclass, so.DeclarativeBase): pass
        class Mixin: pass
        class Abstract(Base):
            __abstract__ = True
        class A(Mixin, Base): pass
        class B(Abstract): pass
        class C(Legacy): pass
        class D(db.Model): pass
        class E(SQLModel, table=True): pass
        class F(SQLModel): pass
        class G(ProjectBase): pass
        @reg.mapped
        class H: pass
        class I(A): pass
        """
    ) == {
        "Base": "base", "Mixin": "mixin", "Abstract": "abstract", "A": "mapped", "B": "mapped",
        "C": "mapped", "D": "mapped", "E": "mapped", "F": "mixin", "G": "unknown", "H": "mapped",
        "I": "mapped",
    }


def test_columns_and_their_facts():
    m = model(
        """
        import sqlalchemy as sa
        from typing import Optional
        from sqlalchemy.orm import Mapped, mapped_column, deferred
        class A(Base):
            __tablename__ = "a"
            id = sa.Column(sa.Integer, primary_key=True)
            name: Mapped[Optional[str]] = mapped_column("full_name", sa.String(50), nullable=False, index=True)
            parent_id = sa.Column(sa.ForeignKey("a.id", ondelete="CASCADE"), unique=True)
            body = deferred(sa.Column(sa.Text))
            not_a_column = sa.Column(sa.Integer),
            helper = compute()
        """
    )
    (cls,) = m.classes
    assert cls.tablename == "a"
    cols = {c.attr: c for c in cls.columns}
    assert set(cols) == {"id", "name", "parent_id", "body"}
    assert cols["id"].primary_key is True and cols["id"].constructor == "Column"
    name = cols["name"]
    assert (name.sql_name, name.name, name.nullable, name.index) == ("full_name", "full_name", False, True)
    assert name.annotation is not None and name.annotation.optional is True
    (fk,) = cols["parent_id"].foreign_keys
    assert (fk.target, fk.ondelete) == ("a.id", "CASCADE")
    assert cols["parent_id"].type_expr is None


def test_table_args_shapes():
    def shape(expr: str) -> str:
        return model(f"class A(Base):\n    __table_args__ = {expr}\n").classes[0].table_args.shape

    assert shape("(Index('x', 'a'),)") == "tuple"
    assert shape("{'schema': 'x'}") == "dict"
    assert shape("(Index('x', 'a'))") == "other"
    assert shape("[Index('x', 'a')]") == "other"
    assert shape("SHARED") == "dynamic"


def test_declared_attr_spellings_mark_table_args_dynamic():
    m = model(
        """
        import sqlalchemy as sa
        class A:
            @sa.orm.declared_attr.directive
            def __table_args__(cls):
                return ()
        """
    )
    assert m.classes[0].table_args.shape == "dynamic"


def test_flask_handle_only_when_used_like_one():
    m = model(
        """
        from app import db
        from django.db import models
        class A(db.Model):
            x = db.Column(db.Integer, index=True)
        class B(models.Model):
            y = models.CharField(max_length=10, db_index=True)
            class Meta:
                indexes = [models.Index(fields=["y"])]
        """
    )
    assert m.imports.flask_handles == {"db"}  # Django's `models` is not a SQLAlchemy handle
    assert [c.attr for c in m.classes[0].columns] == ["x"]
    assert m.classes[1].columns == () and m.classes[1].kind == "unknown"


def test_relationship_targets_and_owners():
    m = model(
        """
        from sqlalchemy.orm import relationship
        class A(Base):
            b = relationship("B", back_populates="a")
            c = relationship(C)
        A.d = relationship("D")
        """
    )
    assert [(r.owner, r.attr, r.target) for r in m.relationships] == [
        ("A", "b", "B"), ("A", "c", "C"), ("A", "d", "D"),
    ]


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("if (n := len(a)) > 10:", {"n"}),
        ("f(a := 1, b := 2)", {"a", "b"}),
        ("(y\n  := 2)", {"y"}),  # the name and the operator on two lines
        ("1abc := 3", {"abc"}),
        ("obj.x := 1", {"x"}),
        ("aéb := 2", {"aéb"}),
        (":= 5", set()),
        ("no walrus here", set()),
    ],
)
def test_walrus_targets_read_from_the_text(text, names):
    from ormlint.model.names import walrus_targets

    assert walrus_targets(text) == names


@pytest.mark.parametrize(
    "literal",
    ['"abc"', "'abc'", '""', '"""abc"""', "'''a\nb'''", '"a\\nb"', 'b"abc"', 'r"a\\d"', 'u"x"',
     '"a\'b"', "'a\"b'", '"ünï"', '"""a""b"""', '"a" "b"', 'f"{x}"'],
)
def test_string_values_are_python_s(literal):
    from ormlint.model.names import string_value

    node = cst.parse_expression(literal)
    expected = None
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        value = node.evaluated_value
        expected = value if isinstance(value, str) else None
    assert string_value(node) == expected


def test_the_node_types_checked_by_exact_type_have_no_subclasses():
    # dotted_name, string_value and calls_in compare `type(node) is ...` (isinstance() through
    # ABCMeta costs several times more): a libcst release that subclasses one of these must fail
    # here rather than hide nodes from the extractor.
    for node_type in (cst.Attribute, cst.Name, cst.SimpleString, cst.Call, cst.FunctionDef,
                      cst.ClassDef, cst.Lambda):
        assert node_type.__subclasses__() == [], node_type


def test_bare_mapped_annotations_are_in_the_model_once():
    found = model(
        """
        from sqlalchemy.orm import Mapped, WriteOnlyMapped

        class A(Base):
            __tablename__ = "a"
            name: Mapped[str]
            label: "Mapped[str | None]"
            raw: Mapped
            notes: WriteOnlyMapped["Note"]
            count: int
            if flag:
                hidden: Mapped[int]
            other: Mapped[int] = mapped_column()

        class B(Base): metadata: Mapped[int]
        """
    )
    a, b = found.classes
    assert [(bare.attr, bare.mapped and bare.mapped.wrapper) for bare in a.bare_mapped] == [
        ("name", "Mapped"), ("label", "Mapped"), ("raw", None), ("notes", "WriteOnlyMapped"),
    ]
    assert a.bare_mapped[1].mapped.optional is True
    assert all(isinstance(bare.node, cst.AnnAssign) for bare in a.bare_mapped)
    assert [bare.attr for bare in b.bare_mapped] == ["metadata"]  # a one-line body too


def test_classes_mapped_imperatively_and_their_tables():
    found = model(
        """
        from sqlalchemy.orm import Mapped, mapper, registry

        reg = registry()

        class A:
            id: Mapped[int]

        class B:
            id: Mapped[int]

        class C:
            id: Mapped[int]

        reg.map_imperatively(A, a_table)
        if legacy:
            mapper(class_=B, local_table=tables.b)
        make(C, c_table)
        """
    )
    facts = {c.name: (c.imperative, c.imperative_table, len(c.bare_mapped)) for c in found.classes}
    assert facts == {"A": (True, "a_table", 0), "B": (True, "tables.b", 0), "C": (False, None, 1)}
