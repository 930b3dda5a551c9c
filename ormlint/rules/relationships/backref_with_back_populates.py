"""ORM109: `backref=` and `back_populates=` on one relationship."""

from __future__ import annotations

from typing import Iterator

from ormlint.model.types import FileModel
from ormlint.rules.base import Rule, Violation, example


class BackrefWithBackPopulates(Rule):
    code = "ORM109"
    name = "backref-with-back-populates"
    summary = "`backref=` and `back_populates=` given together on one relationship"
    catches = (
        "`backref=` and `back_populates=` on one relationship (`ArgumentError` when the class is "
        "defined)"
    )
    message = (
        "`{attr}` gives both `backref=` and `back_populates=`, which SQLAlchemy refuses when the "
        "class is defined (ArgumentError): keep `back_populates=` and declare the other side's "
        "relationship explicitly, or keep only `backref=`"
    )
    what_it_does = """
        Checks every `relationship()` of a class (mapped, mixin or abstract base) for both
        `backref=` and `back_populates=` keyword arguments.
        """
    why_bad = """
        The two are two ways to declare the reverse side: `backref` creates it, while
        `back_populates` names one declared on the other class. `relationship()` rejects the
        pair as soon as it is called, which is when the class body runs, so the application
        does not import: `ArgumentError: backref and back_populates keyword arguments are
        mutually exclusive` (verified by this rule's oracle test).
        """
    fix_safety = "No automatic fix: which of the two the author meant cannot be known."
    references = (
        "SQLAlchemy: Using the legacy 'backref' relationship parameter, https://docs.sqlalchemy.org/en/20/orm/backref.html",
    )
    invalid = (
        example('''
            from sqlalchemy import ForeignKey
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


            class Base(DeclarativeBase):
                pass


            class Author(Base):
                __tablename__ = "author"
                id: Mapped[int] = mapped_column(primary_key=True)
                books: Mapped[list["Book"]] = relationship(back_populates="author", backref="writer")  # ORM109:73


            class Book(Base):
                __tablename__ = "book"
                id: Mapped[int] = mapped_column(primary_key=True)
                author_id: Mapped[int] = mapped_column(ForeignKey("author.id"))
                author: Mapped["Author"] = relationship(back_populates="books")
            '''),
    )
    valid = (
        example('''
            from sqlalchemy import ForeignKey
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


            class Base(DeclarativeBase):
                pass


            class Author(Base):
                __tablename__ = "author"
                id: Mapped[int] = mapped_column(primary_key=True)
                books: Mapped[list["Book"]] = relationship(back_populates="author")


            class Book(Base):
                __tablename__ = "book"
                id: Mapped[int] = mapped_column(primary_key=True)
                author_id: Mapped[int] = mapped_column(ForeignKey("author.id"))
                author: Mapped["Author"] = relationship(back_populates="books")
            '''),
    )

    def check(self, model: FileModel) -> Iterator[Violation]:
        for cls in model.classes:
            for rel in cls.relationships:
                if "backref" in rel.kwargs and "back_populates" in rel.kwargs:
                    yield self.violation(rel.kwargs["backref"], attr=rel.attr or "the relationship")
