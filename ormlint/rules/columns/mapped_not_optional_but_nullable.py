"""ORM202 mapped-not-optional-but-nullable: `Mapped[X]` (not optional) on a column declared
`nullable=True`"""

from __future__ import annotations

from typing import Iterator

from ormlint.rules.edits import typing_name

from ormlint.model.types import FileModel, MappedAnnotation
from ormlint.rules.base import Fix, Invalid, Rule, Violation, example
from ormlint.rules.columns._common import REFERENCES, uses_existing_column


def _add_optional(model: FileModel, mapped: MappedAnnotation) -> Fix | None:
    """`Mapped[X]` -> `Mapped[Optional[X]]` (or `X | None` without a typing import). Unsafe."""
    code = model.module.code_for_node(mapped.inner)
    optional = typing_name(model, "Optional")
    new = f"{optional}[{code}]" if optional else f"{code} | None"
    return Fix(f"Annotate `Mapped[{new}]`", ((mapped.inner, new),), applicability="unsafe")


class MappedNotOptionalButNullable(Rule):
    code = "ORM202"
    name = "mapped-not-optional-but-nullable"
    summary = "`Mapped[X]` (not optional) on a column declared `nullable=True`"
    catches = "`Mapped[X]` on a column declared `nullable=True` (rows come back with `None`)"
    message = (
        "`{annotation}` says `{attr}` is never None, but `nullable=True` lets the column hold "
        "NULL: write `Mapped[Optional[...]]` (or `... | None`), or drop `nullable=True`"
    )
    what_it_does = """
        Checks columns annotated with a non-optional `Mapped[X]` whose `mapped_column()`/`Column()`
        says `nullable=True`.
        """
    why_bad = """
        The explicit `nullable=True` wins for the DDL, silently: the column accepts NULL, rows
        come back with `None`, and code that the type checker accepted (`user.age + 1`) fails at
        run time with `TypeError` (verified by this rule's oracle test).

        Not reported: columns of a single-table-inheritance subclass (no `__tablename__` and no
        primary key of its own), whose shared column must be nullable for the other classes, and
        `use_existing_column=True` columns, whose `nullable=` is ignored when the column exists.
        """
    references = REFERENCES
    fix_safety = """
        Unsafe (applied with `--unsafe-fixes`): the annotation becomes `Mapped[Optional[X]]`
        (`X | None` when the module does not import `Optional`), which makes it agree with the
        table; type checkers will then ask every reader to handle `None`. If the column should
        be NOT NULL instead, change the column (and migrate the data).
        """
    invalid = (
        Invalid(example('''
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class User(Base):
                __tablename__ = "user_account"
                id: Mapped[int] = mapped_column(primary_key=True)
                age: Mapped[int] = mapped_column(nullable=True)  # ORM202:10
            '''), fixed=example('''
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class User(Base):
                __tablename__ = "user_account"
                id: Mapped[int] = mapped_column(primary_key=True)
                age: Mapped[int | None] = mapped_column(nullable=True)
            '''), unsafe=True),
    )
    valid = (
        example('''
            from typing import Optional

            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class User(Base):
                __tablename__ = "user_account"
                id: Mapped[int] = mapped_column(primary_key=True)
                age: Mapped[Optional[int]] = mapped_column(nullable=True)
                score: Mapped[int] = mapped_column(nullable=False)
            '''),
    )

    def check(self, model: FileModel) -> Iterator[Violation]:
        for cls in model.classes:
            if cls.shares_parent_table:
                continue  # single-table inheritance: the shared column must be nullable
            for column in cls.columns:
                mapped = column.annotation
                if mapped is None or mapped.optional is not False or column.nullable is not True:
                    continue
                if uses_existing_column(column):
                    continue
                yield self.violation(
                    mapped.node,
                    autofix=_add_optional(model, mapped),
                    annotation=model.module.code_for_node(mapped.node),
                    attr=column.attr,
                )
