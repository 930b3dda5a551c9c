"""ORM112: `lazy="dynamic"` on a relationship annotated `Mapped[list[...]]`."""

from __future__ import annotations

from typing import Iterator

from ormlint.model.names import string_value
from ormlint.model.types import FileModel
from ormlint.project import annotation_shape
from ormlint.rules.base import Rule, Violation, example


class DynamicWithListAnnotation(Rule):
    code = "ORM112"
    name = "dynamic-with-list-annotation"
    summary = '`lazy="dynamic"` on a relationship annotated as a collection (`Mapped[list[...]]`)'
    catches = (
        '`Mapped[list[X]] = relationship(lazy="dynamic")`: the attribute is an AppenderQuery, '
        "not a list (`len()` raises TypeError); annotate `DynamicMapped[X]`"
    )
    message = (
        '`{attr}` is annotated `Mapped[...]` as a collection, but `lazy="dynamic"` makes it a '
        "query object (AppenderQuery), not a list: annotate it `DynamicMapped[X]` (the class "
        "alone, not `list[X]`), or drop `lazy=\"dynamic\"` to get a list"
    )
    what_it_does = """
        Checks every `relationship(..., lazy="dynamic")` whose annotation is `Mapped[...]` of a
        collection (`list[X]`, `set[X]`, `List[X]`, ...). SQLAlchemy 2.0 spells a dynamic
        relationship `DynamicMapped[X]` (or, its successor, `WriteOnlyMapped[X]`).
        """
    why_bad = """
        SQLAlchemy configures the relationship without a warning, and the attribute is then an
        `AppenderQuery`, not the list the annotation promises: `len(user.addresses)` raises
        `TypeError: object of type 'AppenderQuery' has no len()`, `user.addresses + [...]` and
        `.sort()` fail, and `user.addresses == []` is always False (verified by this rule's
        oracle test). Type checkers believe the annotation, so they do not catch these.
        """
    fix_safety = (
        "No automatic fix: which of `DynamicMapped`, `WriteOnlyMapped` or a plain list the code "
        "using the attribute expects cannot be known."
    )
    references = (
        "SQLAlchemy: Dynamic Relationship Loaders, https://docs.sqlalchemy.org/en/20/orm/large_collections.html#dynamic-relationship-loaders",
    )
    invalid = (
        example('''
            from sqlalchemy import ForeignKey
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


            class Base(DeclarativeBase):
                pass


            class User(Base):
                __tablename__ = "user_account"
                id: Mapped[int] = mapped_column(primary_key=True)
                addresses: Mapped[list["Address"]] = relationship(lazy="dynamic")  # ORM112:55


            class Address(Base):
                __tablename__ = "address"
                id: Mapped[int] = mapped_column(primary_key=True)
                user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
            '''),
    )
    valid = (
        example('''
            from sqlalchemy import ForeignKey
            from sqlalchemy.orm import DeclarativeBase, DynamicMapped, Mapped, mapped_column, relationship


            class Base(DeclarativeBase):
                pass


            class User(Base):
                __tablename__ = "user_account"
                id: Mapped[int] = mapped_column(primary_key=True)
                addresses: DynamicMapped["Address"] = relationship(lazy="dynamic")
                emails: Mapped[list["Address"]] = relationship(viewonly=True)


            class Address(Base):
                __tablename__ = "address"
                id: Mapped[int] = mapped_column(primary_key=True)
                user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
            '''),
    )

    def check(self, model: FileModel) -> Iterator[Violation]:
        for cls in model.classes:
            for rel in cls.relationships:
                lazy = rel.kwargs.get("lazy")
                if lazy is None or string_value(lazy.value) != "dynamic":
                    continue
                if rel.annotation is None or annotation_shape(model, rel) != "collection":
                    continue
                yield self.violation(lazy, attr=rel.attr or "the relationship")
