"""ORM605 referential-action-on-column: `ondelete=`/`onupdate="CASCADE"` passed to
`Column`/`mapped_column` instead of `ForeignKey`"""

from __future__ import annotations

from typing import Iterator

from ormlint.model.names import string_value
from ormlint.model.types import FileModel

from ormlint.rules.base import Rule, Violation, example
from ormlint.rules.foreign_keys._common import SHARED_REFERENCES, real_keyword, is_referential_action


class ReferentialActionOnColumn(Rule):
    code = "ORM605"
    name = "referential-action-on-column"
    summary = "`ondelete=`/`onupdate=\"CASCADE\"` passed to `Column`/`mapped_column` instead of `ForeignKey`"
    catches = (
        "`ondelete=` given to `Column`/`mapped_column` instead of `ForeignKey` (`TypeError` at "
        "import)"
    )
    message = "{problem}: move it into the foreign key, {fix}"
    what_it_does = """
        Checks `Column(...)` and `mapped_column(...)` calls (also Flask-SQLAlchemy's
        `db.Column`, SQLModel's `sa_column=Column(...)` and `sa_column_kwargs`) that are given
        `ondelete=`, which only `ForeignKey`/`ForeignKeyConstraint` accept, or `onupdate=` with a
        referential action string such as `"CASCADE"`. `onupdate=` with a function or SQL
        expression (`onupdate=func.now()`) is the column's Python-side update default and is
        fine, and so is SQLModel's own `Field(foreign_key=..., ondelete=...)`.
        """
    why_bad = """
        `ondelete=` on a column raises `TypeError: Additional arguments should be named
        <dialectname>_<argument>, got 'ondelete'` when the class is created, for `Column` and
        `mapped_column` alike (verified by this rule's oracle test). `onupdate="CASCADE"` is
        worse because it is accepted: the foreign key gets no ON UPDATE clause, and the string
        becomes the column's update default, so every ORM UPDATE of the row writes the text
        `'CASCADE'` into the foreign-key column (the oracle test reads it back from SQLite).
        """
    references = SHARED_REFERENCES + (
        "SQLAlchemy: Column INSERT/UPDATE defaults (onupdate=), https://docs.sqlalchemy.org/en/20/core/defaults.html",
    )
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
                    ForeignKey("parent.id"), ondelete="CASCADE"  # ORM605:34
                )
            '''),
        example('''
            from sqlalchemy import Column, ForeignKey, Integer, String
            from sqlalchemy.orm import declarative_base

            Base = declarative_base()


            class Parent(Base):
                __tablename__ = "parent"
                id = Column(Integer, primary_key=True)


            class Child(Base):
                __tablename__ = "child"
                id = Column(Integer, primary_key=True)
                name = Column(String(50))
                parent_id = Column(Integer, ForeignKey("parent.id"), onupdate="CASCADE")  # ORM605:58
            '''),
    )
    valid = (
        example('''
            from datetime import datetime

            from sqlalchemy import ForeignKey, func
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
                    ForeignKey("parent.id", ondelete="CASCADE", onupdate="CASCADE")
                )
                updated_at: Mapped[datetime] = mapped_column(
                    server_default=func.now(), onupdate=func.now()
                )
            '''),
    )

    def check(self, model: FileModel) -> Iterator[Violation]:
        for column in model.columns:
            if column.constructor not in ("Column", "mapped_column", "sqlmodel.Field"):
                continue
            for keyword in ("ondelete", "onupdate"):
                arg = column.kwargs.get(keyword)
                if arg is None:
                    continue
                if column.constructor == "sqlmodel.Field":
                    # Only what reaches Column() through sa_column_kwargs; Field's own
                    # ondelete= is SQLModel's supported spelling.
                    if real_keyword(column.node, keyword) is arg:
                        continue
                    where = "`sa_column_kwargs`"
                else:
                    where = f"`{column.constructor}()`"
                value = string_value(arg.value)
                if keyword == "onupdate" and (value is None or not is_referential_action(value)):
                    continue  # a Python-side update default such as func.now()
                written = model.module.code_for_node(arg.value)
                if keyword == "ondelete":
                    problem = (
                        f"`ondelete={written}` given to {where}, which does not accept it "
                        "(TypeError when the class is created)"
                    )
                else:
                    problem = (
                        f"`onupdate={written}` given to {where} is the column's update default, "
                        f"not a referential action: every UPDATE of the row writes the text "
                        f"{written} into it"
                    )
                if column.constructor == "sqlmodel.Field":
                    fix = f"`Field(foreign_key=..., {keyword}={written})`"
                elif column.foreign_keys:
                    fix = f"`ForeignKey(..., {keyword}={written})`"
                else:
                    fix = f'e.g. `ForeignKey("table.id", {keyword}={written})`'
                yield self.violation(arg, problem=problem, fix=fix)
