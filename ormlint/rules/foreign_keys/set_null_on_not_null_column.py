"""ORM601 set-null-on-not-null-column: `ondelete="SET NULL"` on a NOT NULL column, or `"SET
DEFAULT"` on a column without a server default"""

from __future__ import annotations

from typing import Iterator

from ormlint.model.names import bool_value
from ormlint.model.types import ColumnDecl, FileModel

from ormlint.rules.base import Rule, Violation, example
from ormlint.rules.indexes import annotation_used_by_column
from ormlint.rules.foreign_keys._common import (
    ActionSite,
    SHARED_REFERENCES,
    action_sites,
    normalize_action,
)


def not_null_reason(
    column: ColumnDecl, model: FileModel, annotation_used: bool = True
) -> str | None:
    """Why the column is NOT NULL in the DDL, or None when it may hold NULL (or cannot tell).
    `annotation_used`: False for a declared_attr on the mapped class itself, whose return
    annotation SQLAlchemy ignores."""
    if column.constructor == "sqlmodel.Field":
        return None  # SQLModel itself raises for ondelete="SET NULL" on a non-nullable field
    if bool_value(column.keyword("use_existing_column")) is True:
        return None
    if column.primary_key:
        return "it is a primary key"
    if "nullable" in column.kwargs:
        return "`nullable=False`" if column.nullable is False else None
    mapped = column.annotation
    if (
        annotation_used
        and column.constructor == "mapped_column"
        and mapped is not None
        and mapped.nullable is False
    ):
        annotation = model.module.code_for_node(mapped.node)
        if mapped.optional is not False:  # not the type: the Annotated alias's mapped_column()
            return f"the `Annotated` alias in `{annotation}` makes it NOT NULL"
        return f"`{annotation}` is not Optional, so mapped_column() makes it NOT NULL"
    return None


def has_server_default(column: ColumnDecl) -> bool:
    """It has a database default, or may have one (the model cannot read it)."""
    return column.server_default is not None or not column.server_default_known


class SetNullOnNotNullColumn(Rule):
    code = "ORM601"
    name = "set-null-on-not-null-column"
    summary = (
        '`ondelete="SET NULL"` on a NOT NULL column, or `"SET DEFAULT"` on a column without a '
        "server default"
    )
    catches = (
        '`ondelete="SET NULL"` on a NOT NULL column (deleting the parent fails), `SET DEFAULT` '
        "without a server default"
    )
    message = (
        '`{keyword}="{action}"` on column `{column}`, but {reason}: {consequence}; {advice}'
    )
    what_it_does = """
        Checks `ForeignKey(..., ondelete="SET NULL")` (and `ForeignKeyConstraint`, and the same
        for `onupdate=`) on a column that is NOT NULL: `nullable=False`, a primary key, or a 2.0
        `Mapped[X]` annotation that is not `Optional` on a `mapped_column()` without an explicit
        `nullable=` (mapped_column derives NOT NULL from it; a 1.x `Column()` does not, it is
        nullable unless it is a primary key, and neither is a `declared_attr` written on the
        mapped class itself, whose return annotation SQLAlchemy ignores). An annotation naming
        a type imported from the project (which may be an alias of `Optional[...]`) is not
        trusted; builtins, standard-library and SQLAlchemy types and classes of the module are.

        Also checks `ondelete="SET DEFAULT"` on a column with no server default
        (`server_default=`, `DefaultClause`, `Identity`, `Computed`, `Sequence`) that is either
        NOT NULL or has a Python-side `default=`/`insert_default=`. A nullable column with no
        default at all is not reported: SET DEFAULT then stores NULL, exactly like SET NULL.
        SQLModel fields are left to SQLModel, which raises `RuntimeError: ondelete="SET NULL"
        requires nullable=True` itself.
        """
    why_bad = """
        The DDL is accepted, and the mistake waits for the first delete of a referenced row:
        the database sets the child's column to NULL and the NOT NULL constraint rejects it, so
        the parent can never be deleted. Verified by this rule's oracle test on SQLite with
        `PRAGMA foreign_keys=ON`: `IntegrityError: NOT NULL constraint failed: child.parent_id`;
        PostgreSQL says `null value in column "parent_id" of relation "child" violates not-null
        constraint`. With SET DEFAULT the database uses its own default, never SQLAlchemy's
        Python-side `default=`: without a server default the column becomes NULL (the oracle
        shows both the failure and the silent NULL).
        """
    references = SHARED_REFERENCES + (
        "squawk#1136 and pgmodeler#2045 (the same check requested for SQL schemas)",
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
                    ForeignKey("parent.id", ondelete="SET NULL")  # ORM601:42
                )
            '''),
        example('''
            from sqlalchemy import Column, ForeignKey, Integer
            from sqlalchemy.orm import declarative_base

            Base = declarative_base()


            class Parent(Base):
                __tablename__ = "parent"
                id = Column(Integer, primary_key=True)


            class Child(Base):
                __tablename__ = "child"
                id = Column(Integer, primary_key=True)
                parent_id = Column(
                    Integer, ForeignKey("parent.id", ondelete="SET NULL"), nullable=False  # ORM601:51
                )
                backup_id = Column(
                    Integer, ForeignKey("parent.id", ondelete="SET DEFAULT"), default=1  # ORM601:51
                )
            '''),
    )
    valid = (
        example('''
            from typing import Optional

            from sqlalchemy import ForeignKey, text
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
                    ForeignKey("parent.id", ondelete="SET NULL")
                )
                owner_id: Mapped[int] = mapped_column(ForeignKey("parent.id", ondelete="CASCADE"))
                backup_id: Mapped[int] = mapped_column(
                    ForeignKey("parent.id", ondelete="SET DEFAULT"), server_default=text("1")
                )
            '''),
    )

    def check(self, model: FileModel) -> Iterator[Violation]:
        annotation_used = annotation_used_by_column(model)
        for site in action_sites(model, include_loose=False):
            action = normalize_action(site.value)
            if action not in ("SET NULL", "SET DEFAULT"):
                continue
            for column in site.columns:
                used = annotation_used.get(id(column), True)
                yield from self._check_column(model, site, action, column, used)

    def _check_column(
        self,
        model: FileModel,
        site: ActionSite,
        action: str,
        column: ColumnDecl,
        annotation_used: bool,
    ) -> Iterator[Violation]:
        reason = not_null_reason(column, model, annotation_used)
        name = column.attr or column.name or "?"
        if action == "SET NULL":
            if reason is None:
                return
            yield self.violation(
                site.node,
                keyword=site.keyword,
                action=site.value,
                column=name,
                reason=f"the column is NOT NULL ({reason})",
                consequence=(
                    "deleting the referenced row fails with a NOT NULL violation"
                    if site.keyword == "ondelete"
                    else "changing the referenced key fails with a NOT NULL violation"
                ),
                advice=(
                    "make the column nullable (`Mapped[Optional[...]]` or `nullable=True`), "
                    'or use `ondelete="CASCADE"`/`"RESTRICT"`'
                ),
            )
            return
        if has_server_default(column) or column.constructor == "sqlmodel.Field":
            return
        python_default = "default" in column.kwargs or "insert_default" in column.kwargs
        if reason is not None:
            detail = f"the column is NOT NULL ({reason}) and has no server default"
            consequence = "the database sets it to NULL and the delete fails"
        elif python_default:
            detail = "its `default=` is applied by SQLAlchemy, not by the database"
            consequence = "the database sets the column to NULL instead"
        else:
            return
        yield self.violation(
            site.node,
            keyword=site.keyword,
            action=site.value,
            column=name,
            reason=detail,
            consequence=consequence,
            advice="give the column a `server_default=`, or use another action",
        )
