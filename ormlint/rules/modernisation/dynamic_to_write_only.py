"""ORM904: `lazy="dynamic"`, the legacy loader whose 2.0 successor is `WriteOnlyMapped` with
`lazy="write_only"`."""

from __future__ import annotations

from typing import Iterator

import libcst as cst

from ormlint.model.extract import keyword_args
from ormlint.model.names import string_value
from ormlint.model.types import FileModel, RelationshipDecl
from ormlint.project import annotation_shape
from ormlint.rules.base import Rule, Violation, example


class DynamicToWriteOnly(Rule):
    code = "ORM904"
    name = "dynamic-to-write-only"
    summary = '`lazy="dynamic"` instead of `WriteOnlyMapped[...]` with `lazy="write_only"` (SQLAlchemy 2.0 style)'
    catches = (
        '`lazy="dynamic"` (on a relationship or in a backref) instead of `WriteOnlyMapped[X]` with '
        '`lazy="write_only"` (SQLAlchemy 2.0 style; no fix: callers lose `.filter()`, `.all()`, '
        "`.count()` and iteration)"
    )
    message = (
        '{what} uses `lazy="dynamic"`, legacy since SQLAlchemy 2.0: declare it '
        '`{attr}: WriteOnlyMapped[{target}] = relationship(..., lazy="write_only")`{where}. Callers '
        "change: the attribute becomes a WriteOnlyCollection, without `.filter()`, `.all()`, "
        "`.count()`, iteration or indexing; read with `session.scalars({attr_ref}.select()"
        ".where(...))`, write with `.add()`, `.add_all()`, `.remove()`"
    )
    what_it_does = """
        Reports each `lazy="dynamic"` given to `relationship()` or to `backref()`. Opt-in, one of
        the SQLAlchemy 2.0 modernisation rules (ORM9xx). A dynamic relationship annotated
        `Mapped[list[...]]` is ORM112's finding (a bug, reported by default), not this rule's.
        """
    why_bad = """
        SQLAlchemy 2.0 calls the "dynamic" loader legacy: its `AppenderQuery` is a 1.x `Query`,
        which 2.0-style code does not use. Its successor, `WriteOnlyMapped[X]` with
        `lazy="write_only"`, loads nothing implicitly either, and builds 2.0 `select()`,
        `insert()`, `update()` and `delete()` statements for the collection; type checkers know
        what it holds.
        """
    fix_safety = """
        No automatic fix, safe or unsafe: the change is to the attribute's API, not only to its
        declaration. A WriteOnlyCollection has no `.filter()`, `.order_by()`, `.all()`,
        `.count()` or `.paginate()`, cannot be iterated, indexed or passed to `len()`, and
        cannot be assigned a list on a persistent object; every caller that reads the
        collection must be rewritten to `session.scalars(obj.attr.select()...)`. ormlint does
        not see every use of an attribute (other modules, templates, `getattr`), so it cannot
        prove there is none to break. Needs SQLAlchemy 2.0.
        """
    references = (
        "SQLAlchemy: Write Only Relationships, https://docs.sqlalchemy.org/en/20/orm/large_collections.html#write-only-relationships",
        "SQLAlchemy: Dynamic Relationship Loaders (legacy), https://docs.sqlalchemy.org/en/20/orm/large_collections.html#dynamic-relationship-loaders",
    )
    default_enabled = False
    invalid = (
        example('''
            from sqlalchemy import Column, ForeignKey, Integer
            from sqlalchemy.orm import DeclarativeBase, backref, relationship


            class Base(DeclarativeBase):
                pass


            class User(Base):
                __tablename__ = "user_account"
                id = Column(Integer, primary_key=True)
                addresses = relationship("Address", lazy="dynamic")  # ORM904:41


            class Address(Base):
                __tablename__ = "address"
                id = Column(Integer, primary_key=True)
                user_id = Column(ForeignKey("user_account.id"))


            class Group(Base):
                __tablename__ = "group"
                id = Column(Integer, primary_key=True)
                owner_id = Column(ForeignKey("user_account.id"))
                owner = relationship("User", backref=backref("groups", lazy="dynamic"))  # ORM904:60
            '''),
        example('''
            from sqlalchemy import ForeignKey
            from sqlalchemy.orm import DeclarativeBase, DynamicMapped, Mapped, mapped_column, relationship


            class Base(DeclarativeBase):
                pass


            class User(Base):
                __tablename__ = "user_account"
                id: Mapped[int] = mapped_column(primary_key=True)
                addresses: DynamicMapped["Address"] = relationship(lazy="dynamic")  # ORM904:56


            class Address(Base):
                __tablename__ = "address"
                id: Mapped[int] = mapped_column(primary_key=True)
                user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
            '''),
    )
    valid = (
        example('''
            from sqlalchemy import ForeignKey
            from sqlalchemy.orm import DeclarativeBase, Mapped, WriteOnlyMapped, mapped_column, relationship


            class Base(DeclarativeBase):
                pass


            class User(Base):
                __tablename__ = "user_account"
                id: Mapped[int] = mapped_column(primary_key=True)
                addresses: WriteOnlyMapped["Address"] = relationship(lazy="write_only")


            class Address(Base):
                __tablename__ = "address"
                id: Mapped[int] = mapped_column(primary_key=True)
                user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
            '''),
    )

    def check(self, model: FileModel) -> Iterator[Violation]:
        for rel in model.relationships:
            lazy = rel.kwargs.get("lazy")
            if lazy is not None and string_value(lazy.value) == "dynamic" and not _orm112_reports(model, rel):
                attr = rel.attr or "attr"
                yield self.violation(
                    lazy, what=f"`{rel.attr}`" if rel.attr else "A relationship", attr=attr,
                    target=_target(model, rel), where="", attr_ref=f"obj.{attr}",
                )
            backref = rel.kwargs.get("backref")
            if backref is None or not isinstance(backref.value, cst.Call):
                continue
            if model.imports.symbol(backref.value.func) != "backref":
                continue
            inner_lazy = keyword_args(backref.value).get("lazy")
            if inner_lazy is None or string_value(inner_lazy.value) != "dynamic":
                continue
            args = backref.value.args
            name = string_value(args[0].value) if args and args[0].keyword is None else None
            owner = rel.owner or "the class"
            yield self.violation(
                inner_lazy, what=f"The backref `{name}`" if name else "A backref", attr=name or "attr",
                target=_quoted(owner if rel.owner else None),
                where=f" on {rel.target or 'the target class'} (with `back_populates=`, see ORM903)",
                attr_ref=f"obj.{name or 'attr'}",
            )


def _orm112_reports(model: FileModel, rel: RelationshipDecl) -> bool:
    """ORM112 reports this `lazy="dynamic"` already: a bug (a `Mapped[list[...]]` annotation)
    outranks the modernisation, and one line gets one finding."""
    return rel.annotation is not None and annotation_shape(model, rel) == "collection"


def _target(model: FileModel, rel: RelationshipDecl) -> str:
    """The class the collection holds, as the annotation names it: the target, else the one of
    a `DynamicMapped[...]` annotation."""
    written = rel.annotation.node if rel.annotation is not None else None
    if rel.target is None and isinstance(written, cst.Subscript) and len(written.slice) == 1:
        return model.module.code_for_node(written.slice[0].slice)  # as written: `"Address"`
    return _quoted(rel.target)


def _quoted(name: str | None) -> str:
    return f'"{name}"' if name else "X"
