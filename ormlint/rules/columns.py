"""ORM2xx: column nullability and types."""

from __future__ import annotations

from typing import Iterator

from ormlint.model.names import bool_value
from ormlint.model.types import ColumnDecl, FileModel
from ormlint.rules.base import Rule, Violation, example

_REFERENCES = (
    "SQLAlchemy: mapped_column() derives the datatype and nullability from the Mapped annotation, "
    "https://docs.sqlalchemy.org/en/20/orm/declarative_tables.html#mapped-column-derives-the-datatype-and-nullability-from-the-mapped-annotation",
)


def _uses_existing_column(column: ColumnDecl) -> bool:
    """`use_existing_column=True`: when the column exists, its `nullable=` is ignored."""
    return bool_value(column.keyword("use_existing_column")) is True


class OptionalMappedNotNull(Rule):
    code = "ORM201"
    name = "optional-mapped-not-null"
    summary = "`Mapped[Optional[X]]` on a column that is NOT NULL (`nullable=False` or primary key)"
    message = (
        "`{annotation}` says `{attr}` may be None, but the column is NOT NULL ({reason}): "
        "drop `Optional`/`None` from the annotation, or make the column nullable"
    )
    what_it_does = """
        Checks columns annotated with an optional `Mapped[...]` (`Optional[X]`, `X | None`,
        `Union[X, None]`, also in string form) whose `mapped_column()`/`Column()` says
        `nullable=False` or `primary_key=True`.
        """
    why_bad = """
        An explicit `nullable=` wins over the annotation for the DDL, silently: the table gets
        `NOT NULL` while type checkers accept `None`. Code that leaves the attribute at `None`
        type-checks and then fails at flush with `IntegrityError: NOT NULL constraint failed`
        (verified by this rule's oracle test). If `None` is deliberately allowed only before the
        first flush (a server-generated value), say so with `# noqa: ORM201`.
        """
    references = _REFERENCES
    invalid = (
        example('''
            from typing import Optional

            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class User(Base):
                __tablename__ = "user_account"
                id: Mapped[int] = mapped_column(primary_key=True)
                nickname: Mapped[Optional[str]] = mapped_column(nullable=False)  # ORM201
            '''),
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
                nickname: Mapped[str] = mapped_column(nullable=False)
                bio: Mapped[Optional[str]] = mapped_column()
            '''),
    )

    def check(self, model: FileModel) -> Iterator[Violation]:
        for cls in model.classes:
            for column in cls.columns:
                mapped = column.annotation
                if mapped is None or mapped.optional is not True or column.nullable is True:
                    continue
                if _uses_existing_column(column):
                    continue
                if column.nullable is False:
                    reason = "`nullable=False`"
                elif column.primary_key:
                    reason = "it is a primary key"
                else:
                    continue
                yield self.violation(
                    mapped.node,
                    annotation=model.module.code_for_node(mapped.node),
                    attr=column.attr,
                    reason=reason,
                )


class MappedNotOptionalButNullable(Rule):
    code = "ORM202"
    name = "mapped-not-optional-but-nullable"
    summary = "`Mapped[X]` (not optional) on a column declared `nullable=True`"
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
    references = _REFERENCES
    invalid = (
        example('''
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class User(Base):
                __tablename__ = "user_account"
                id: Mapped[int] = mapped_column(primary_key=True)
                age: Mapped[int] = mapped_column(nullable=True)  # ORM202
            '''),
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
                if _uses_existing_column(column):
                    continue
                yield self.violation(
                    mapped.node,
                    annotation=model.module.code_for_node(mapped.node),
                    attr=column.attr,
                )
