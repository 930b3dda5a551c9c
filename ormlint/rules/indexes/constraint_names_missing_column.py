"""ORM404 constraint-names-missing-column: `Index`/`UniqueConstraint`/`PrimaryKeyConstraint` in
`__table_args__` names a column the table does not have"""

from __future__ import annotations

import difflib

from typing import Iterator, Sequence

import libcst as cst

from ormlint.model.extract import keyword_args, positional_args
from ormlint.model.names import string_value
from ormlint.model.types import ColumnDecl, FileModel, TableDecl

from ormlint.rules.base import Rule, Violation, example
from ormlint.rules.indexes._common import (
    CONSTRAINTS_WITH_COLUMNS,
    class_has_own_table,
    class_table_columns,
    column_key,
    constraint_column_strings,
)


_TABLE_ITEMS = CONSTRAINTS_WITH_COLUMNS | {"Column", "CheckConstraint"}

_TABLE_REFLECTION_KWARGS = {
    "autoload", "autoload_with", "extend_existing", "keep_existing", "must_exist",
    "resolve_fks", "include_columns",
}


def _label(symbol: str, call: cst.Call) -> str:
    name = None
    positional = positional_args(call)
    if symbol == "Index" and positional:
        name = string_value(positional[0].value)
    elif "name" in keyword_args(call):
        name = string_value(keyword_args(call)["name"].value)
    return f'{symbol} "{name}"' if name else symbol


def simple_table_keys(model: FileModel, table: TableDecl) -> set[str] | None:
    """Column keys of an imperative Table(...) whose every argument is read, else None."""
    if any(arg.star for arg in table.node.args):
        return None
    if _TABLE_REFLECTION_KWARGS & set(keyword_args(table.node)):
        return None
    for arg in positional_args(table.node)[2:]:
        value = arg.value
        if not isinstance(value, cst.Call) or model.imports.symbol(value.func) not in _TABLE_ITEMS:
            return None
    return {key for c in table.columns if (key := column_key(c))}


def _missing_column_advice(text: str, keys: set[str]) -> str:
    close = difflib.get_close_matches(text, sorted(keys), n=1, cutoff=0.6)
    if close:
        return f'did you mean "{close[0]}"?'
    if any(ch in text for ch in "() "):
        return (
            "a string here must be a column name: write an expression with "
            f'`text("{text}")` or `func.<name>(...)`'
        )
    names = sorted(keys)
    listed = ", ".join(f'"{k}"' for k in names[:8]) + (", ..." if len(names) > 8 else "")
    return f"name one of its columns: {listed}"


class ConstraintNamesMissingColumn(Rule):
    code = "ORM404"
    name = "constraint-names-missing-column"
    summary = "`Index`/`UniqueConstraint`/`PrimaryKeyConstraint` in `__table_args__` names a column the table does not have"
    catches = (
        "an `Index`/`UniqueConstraint`/… in `__table_args__` naming a column the table does not "
        "have"
    )
    message = (
        '{what} names column "{name}", but {table} has no such column: SQLAlchemy raises '
        "ConstraintColumnNotFoundError when the {owner} is created; {advice}"
    )
    what_it_does = """
        Checks the column names given as strings to `Index(...)` (after its first argument,
        which is the index's name), `UniqueConstraint(...)`, `PrimaryKeyConstraint(...)` and
        the local columns of `ForeignKeyConstraint([...], ...)`, in `__table_args__` and in
        imperative `Table(...)` definitions. A string must be the column's name in the table
        (its `key=` when one is given), not the Python attribute: `Index("ix", "email_addr")`
        fails when `email_addr = mapped_column("mail")`.

        Only reported when every column of the table is known: classes whose bases are
        imported from other modules, that use a `declared_attr` column the linter cannot read,
        call a helper that may return a column, or assign `__table__` are skipped. Mixins,
        abstract classes and declarative bases in the same file count. `CheckConstraint` is not
        checked: its argument is SQL text, not column names.
        """
    why_bad = """
        SQLAlchemy resolves the strings against the table's columns when the class is created,
        so the module cannot even be imported: `ConstraintColumnNotFoundError: Can't create
        Index on table 'users': no column named 'emial' is present.` (verified by this rule's
        oracle test, also for a string that names the attribute instead of the column, and
        for an expression written as a string such as `"lower(email)"`, which must be
        `func.lower(...)` or `text(...)`).
        """
    references = (
        "SQLAlchemy: Indexes and constraints, https://docs.sqlalchemy.org/en/20/core/constraints.html",
        "SQLAlchemy: Declarative Table Configuration (__table_args__), https://docs.sqlalchemy.org/en/20/orm/declarative_tables.html#declarative-table-configuration",
    )
    invalid = (
        example('''
            from sqlalchemy import Index, UniqueConstraint
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class User(Base):
                __tablename__ = "users"
                __table_args__ = (
                    Index("ix_users_email", "emial"),  # ORM404:33
                    UniqueConstraint("login_name"),  # ORM404:26
                )
                id: Mapped[int] = mapped_column(primary_key=True)
                email: Mapped[str]
                login_name: Mapped[str] = mapped_column("login")
            '''),
    )
    valid = (
        example('''
            from sqlalchemy import Index, UniqueConstraint
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class User(Base):
                __tablename__ = "users"
                __table_args__ = (
                    Index("ix_users_email", "email"),
                    UniqueConstraint("login"),
                )
                id: Mapped[int] = mapped_column(primary_key=True)
                email: Mapped[str]
                login_name: Mapped[str] = mapped_column("login")
            '''),
    )

    def check(self, model: FileModel) -> Iterator[Violation]:
        for cls in model.classes:
            if not class_has_own_table(cls) or cls.table_args.shape != "tuple":
                continue
            table = class_table_columns(model, cls)
            if table.has_table or not table.complete:
                continue
            label = f"table `{cls.tablename}`" if cls.tablename else f"the table of `{cls.name}`"
            by_attr = {c.attr: c for c in table.columns if c.attr}
            yield from self._check_items(
                model, cls.table_args.items, table.keys, by_attr, table.bound, label, "class"
            )
        for decl in model.tables:
            keys = simple_table_keys(model, decl)
            if keys is None:
                continue
            items = [arg.value for arg in positional_args(decl.node)[2:]]
            label = f"table `{decl.tablename or decl.variable}`"
            yield from self._check_items(model, items, keys, {}, set(), label, "Table")

    def _check_items(
        self,
        model: FileModel,
        items: Sequence[cst.BaseExpression],
        keys: set[str],
        by_attr: dict[str, ColumnDecl],
        bound: set[str],
        label: str,
        owner: str,
    ) -> Iterator[Violation]:
        for item in items:
            if not isinstance(item, cst.Call):
                continue
            references = constraint_column_strings(model, item)
            for text, node in references or ():
                if text in keys:
                    continue
                column = by_attr.get(text)
                if column is not None and column_key(column):
                    advice = (
                        f'`{text}` is the attribute, its column is named "{column_key(column)}": '
                        f'write "{column_key(column)}"'
                    )
                elif text in bound:
                    continue  # bound by something the linter does not read: do not guess
                else:
                    advice = _missing_column_advice(text, keys)
                symbol = model.imports.symbol(item.func) or "constraint"
                yield self.violation(
                    node, what=_label(symbol, item), name=text, table=label, advice=advice,
                    owner=owner,
                )
