"""ORM604 invalid-referential-action: `ondelete=`/`onupdate=` value that is not a referential
action (`"CASCADES"`, `"SET_NULL"`)"""

from __future__ import annotations

from typing import Iterator

from ormlint.model.types import FileModel

from ormlint.rules.base import Rule, Violation, example
from ormlint.rules.foreign_keys._common import (
    REFERENTIAL_ACTIONS,
    SHARED_REFERENCES,
    action_sites,
    is_referential_action,
    suggest_action,
)


class InvalidReferentialAction(Rule):
    code = "ORM604"
    name = "invalid-referential-action"
    summary = '`ondelete=`/`onupdate=` value that is not a referential action (`"CASCADES"`, `"SET_NULL"`)'
    catches = '`ondelete="CASCADES"`, `"SET_NULL"`, …: not a referential action'
    message = (
        '`{keyword}="{value}"` is not a referential action: the DDL says ON {clause} {value} and '
        "the database rejects CREATE TABLE; {advice}"
    )
    what_it_does = """
        Checks the `ondelete=` and `onupdate=` strings of `ForeignKey`, `ForeignKeyConstraint`
        and SQLModel's `Field(foreign_key=..., ondelete=...)` against the SQL referential
        actions: `CASCADE`, `SET NULL`, `SET DEFAULT`, `RESTRICT`, `NO ACTION` (any case and
        spacing), plus PostgreSQL 15's `SET NULL (column, ...)`. Values that are not literal
        strings are not judged.
        """
    why_bad = """
        SQLAlchemy pastes the value into the DDL. Its only check is a pattern for SQL words,
        so `"CASCADES"`, `"SET_NULL"` or `"delete"` compile without complaint (this rule's
        oracle test compiles `ON DELETE SET_NULL` for PostgreSQL); only punctuation is refused,
        with `CompileError: Unexpected SQL phrase: 'CASCADE;'`. The database then rejects the
        table: SQLite `OperationalError: near "SET_NULL": syntax error` (verified by the
        oracle test), PostgreSQL `syntax error at or near "SET_NULL"`. A migration generated
        from the model fails the same way at deploy time.
        """
    references = SHARED_REFERENCES
    invalid = (
        example('''
            from sqlalchemy import ForeignKey
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Parent(Base):
                __tablename__ = "parent"
                id: Mapped[int] = mapped_column(primary_key=True)


            class Child(Base):
                __tablename__ = "child"
                id: Mapped[int] = mapped_column(primary_key=True)
                parent_id: Mapped[int] = mapped_column(
                    ForeignKey("parent.id", ondelete="SET_NULL")  # ORM604:42
                )
            '''),
        example('''
            from sqlalchemy import Column, ForeignKey, ForeignKeyConstraint, Integer
            from sqlalchemy.orm import declarative_base

            Base = declarative_base()


            class Parent(Base):
                __tablename__ = "parent"
                id = Column(Integer, primary_key=True)


            class Child(Base):
                __tablename__ = "child"
                __table_args__ = (
                    ForeignKeyConstraint(["other_id"], ["parent.id"], onupdate="delete"),  # ORM604:68
                )
                id = Column(Integer, primary_key=True)
                parent_id = Column(Integer, ForeignKey("parent.id", ondelete="CASCADES"))  # ORM604:66
                other_id = Column(Integer)
            '''),
    )
    valid = (
        example('''
            from typing import Optional

            from sqlalchemy import ForeignKey
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Parent(Base):
                __tablename__ = "parent"
                id: Mapped[int] = mapped_column(primary_key=True)


            class Child(Base):
                __tablename__ = "child"
                id: Mapped[int] = mapped_column(primary_key=True)
                parent_id: Mapped[Optional[int]] = mapped_column(
                    ForeignKey("parent.id", ondelete="SET NULL", onupdate="cascade")
                )
            '''),
    )

    def check(self, model: FileModel) -> Iterator[Violation]:
        for site in action_sites(model):
            if is_referential_action(site.value):
                continue
            suggestion = suggest_action(site.value)
            if suggestion is not None:
                advice = f'write `{site.keyword}="{suggestion}"`'
            else:
                advice = "write one of " + ", ".join(f'"{a}"' for a in REFERENTIAL_ACTIONS)
            yield self.violation(
                site.node,
                keyword=site.keyword,
                value=site.value,
                clause="DELETE" if site.keyword == "ondelete" else "UPDATE",
                advice=advice,
            )
