"""ORM403 identifier-too-long: an explicit table, index, constraint (or, for MySQL/SQL Server,
column) name longer than the target dialect allows"""

from __future__ import annotations

from typing import Iterator

import libcst as cst

from ormlint.model.extract import keyword_args, positional_args
from ormlint.model.names import string_value
from ormlint.model.types import ColumnDecl, FileModel, ModelClass

from ormlint.rules.base import Rule, Violation, example


IDENTIFIER_LIMITS = {"postgresql": 63, "mysql": 64, "mssql": 128}  # sqlite: no limit

_DIALECT_LABELS = {"postgresql": "PostgreSQL", "mysql": "MySQL", "mssql": "SQL Server"}

_NAMED_CONSTRAINTS = {"UniqueConstraint", "PrimaryKeyConstraint", "ForeignKeyConstraint"}


def _name_node(model: FileModel, call: cst.Call) -> tuple[str, cst.BaseExpression] | None:
    """The explicit name of an Index (first argument) or a constraint (`name=`), with its node."""
    symbol = model.imports.symbol(call.func)
    if symbol == "Index":
        positional = positional_args(call)
        node = positional[0].value if positional else None
    elif symbol in _NAMED_CONSTRAINTS or symbol == "ForeignKey":
        arg = keyword_args(call).get("name")
        node = arg.value if arg is not None else None
    else:
        return None
    text = string_value(node) if node is not None else None
    return (text, node) if text is not None and node is not None else None


def _explicit_name_node(column: ColumnDecl) -> cst.BaseExpression | None:
    """The string giving a column its name: the first positional argument or `name=`."""
    positional = positional_args(column.node)
    if positional and string_value(positional[0].value) is not None:
        return positional[0].value
    arg = column.kwargs.get("name")
    if arg is not None and string_value(arg.value) is not None:
        return arg.value
    return None


class IdentifierTooLong(Rule):
    code = "ORM403"
    name = "identifier-too-long"
    summary = "an explicit table, index, constraint (or, for MySQL/SQL Server, column) name longer than the target dialect allows"
    catches = (
        "an explicit table, index or constraint name (MySQL/SQL Server: column name too) longer "
        "than `target-dialect` allows: 63 PostgreSQL, 64 MySQL, 128 SQL Server"
    )
    message = (
        '{what} "{name}" is {length} characters long, over {dialect}\'s limit of {limit} '
        "(target-dialect = \"{target}\"): {consequence}; shorten it to at most {limit} characters"
    )
    what_it_does = """
        Checks the names written in the models against the identifier limit of
        `[tool.ormlint] target-dialect`: PostgreSQL 63 characters (the default), MySQL 64,
        SQL Server 128; SQLite has none, so nothing is reported for it. Checked: `__tablename__`,
        `Table("name", ...)`, `Index("name", ...)` and the `name=` of `UniqueConstraint`,
        `PrimaryKeyConstraint`, `ForeignKeyConstraint` and `ForeignKey`, in `__table_args__`, in
        `Table(...)` and at module level; for MySQL and SQL Server also column names (the
        explicit name, else the attribute).

        Not reported: names SQLAlchemy generates (`index=True`, naming conventions), which it
        truncates itself; `CheckConstraint(name=...)`, which a `ck` naming convention with
        `%(constraint_name)s` (the one SQLAlchemy's docs recommend) rewrites and truncates;
        and PostgreSQL column names, which PostgreSQL truncates the same way in the DDL and in
        every query (verified with PostgreSQL 15: rows insert and load normally; only
        reflection shows the shortened name).
        """
    why_bad = """
        SQLAlchemy refuses an explicit name longer than the dialect's limit instead of
        shortening it, so the schema cannot be created. This rule's oracle test compiles the
        invalid example for PostgreSQL: `IdentifierError: Identifier
        'ix_subscription_invoice_adjustments_pending_reconciliation_created_at' exceeds maximum
        length of 63 characters`, and `create_all()` raises the same for a long `__tablename__`
        (and for SQL Server past 128). For MySQL, SQLAlchemy passes the name through (its MySQL
        dialect truncates only the names it generates, at 64) and the server rejects the
        statement; checked with MariaDB 10.11: `ERROR 1059 (42000): Identifier name '...' is
        too long` for index, constraint and column names, `ERROR 1103: Incorrect table name`
        for table names. Migrations written by hand or by Alembic carry the same name and fail
        the same way, or (PostgreSQL's silent truncation in raw SQL) leave a database whose names
        differ from the models, so autogenerate keeps proposing changes.
        """
    references = (
        "PostgreSQL: identifiers longer than NAMEDATALEN-1 (63) bytes, https://www.postgresql.org/docs/current/sql-syntax-lexical.html#SQL-SYNTAX-IDENTIFIERS",
        "MySQL: Identifier Length Limits, https://dev.mysql.com/doc/refman/8.0/en/identifier-length.html",
        "SQLAlchemy: Configuring Constraint Naming Conventions, https://docs.sqlalchemy.org/en/20/core/constraints.html#configuring-constraint-naming-conventions",
    )
    invalid = (
        example('''
            from datetime import datetime

            from sqlalchemy import Index, UniqueConstraint
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Adjustment(Base):
                __tablename__ = "subscription_invoice_adjustments"
                __table_args__ = (
                    Index(
                        "ix_subscription_invoice_adjustments_pending_reconciliation_created_at",  # ORM403:13
                        "created_at",
                    ),
                    UniqueConstraint(
                        "invoice_id",
                        "line",
                        name="uq_subscription_invoice_adjustments_invoice_id_line_number_unique",  # ORM403:18
                    ),
                )
                id: Mapped[int] = mapped_column(primary_key=True)
                invoice_id: Mapped[int]
                line: Mapped[int]
                created_at: Mapped[datetime]
            '''),
        example('''
            from sqlalchemy import Column, Integer
            from sqlalchemy.orm import declarative_base

            Base = declarative_base()


            class PendingReconciliation(Base):
                __tablename__ = "subscription_invoice_adjustments_pending_reconciliation_by_region"  # ORM403:21
                id = Column(Integer, primary_key=True)
            '''),
    )
    valid = (
        example('''
            from datetime import datetime

            from sqlalchemy import Index, UniqueConstraint
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Adjustment(Base):
                __tablename__ = "subscription_invoice_adjustments"
                __table_args__ = (
                    Index("ix_sub_invoice_adjustments_pending_created_at", "created_at"),
                    UniqueConstraint("invoice_id", "line", name="uq_sub_invoice_adjustments_invoice_line"),
                )
                id: Mapped[int] = mapped_column(primary_key=True)
                invoice_id: Mapped[int]
                line: Mapped[int]
                created_at: Mapped[datetime]
                reconciled_at: Mapped[datetime] = mapped_column(index=True)
            '''),
    )

    def check(self, model: FileModel) -> Iterator[Violation]:
        target = self.options.target_dialect
        limit = IDENTIFIER_LIMITS.get(target)
        if limit is None:
            return
        seen: set[int] = set()

        def report(what: str, name: str, node: cst.CSTNode, kind: str) -> Iterator[Violation]:
            if len(name) <= limit or id(node) in seen:
                return
            seen.add(id(node))
            if target == "mysql":
                consequence = (
                    "MySQL rejects the CREATE statement (\"Incorrect table name\")"
                    if kind == "table"
                    else "MySQL rejects the CREATE statement (\"Identifier name ... is too long\")"
                )
            elif kind == "column":
                consequence = "SQL Server rejects the CREATE TABLE (the identifier is too long)"
            else:
                consequence = "SQLAlchemy raises IdentifierError when it creates the schema"
            yield self.violation(
                node, what=what, name=name, length=len(name), dialect=_DIALECT_LABELS[target],
                limit=limit, target=target, consequence=consequence,
            )

        columns_checked = target in ("mysql", "mssql")
        for cls in model.classes:
            for assignment in cls.assignments:
                if assignment.attr == "__tablename__" and cls.tablename is not None:
                    value = assignment.value
                    if value is not None and string_value(value) == cls.tablename:
                        yield from report("table name", cls.tablename, value, "table")
            calls: list[cst.BaseExpression] = [ix.node for ix in cls.indexes if ix.origin != "column"]  # type: ignore[misc]
            if cls.table_args.shape == "tuple":
                calls += list(cls.table_args.items)
            yield from self._names(model, calls, cls.columns, report)
            if columns_checked:
                yield from self._columns(model, cls, report)
        for decl in model.tables:
            positional = positional_args(decl.node)
            if decl.tablename and positional:
                yield from report("table name", decl.tablename, positional[0].value, "table")
            items = [arg.value for arg in positional[2:]]
            yield from self._names(model, items, decl.columns, report)
            if columns_checked:
                for column in decl.columns:
                    node = _explicit_name_node(column)
                    if column.name and node is not None:
                        yield from report("column name", column.name, node, "column")

    @staticmethod
    def _names(model, calls, columns, report) -> Iterator[Violation]:
        for call in calls:
            if not isinstance(call, cst.Call):
                continue
            found = _name_node(model, call)
            if found is not None:
                symbol = model.imports.symbol(call.func)
                what = "index name" if symbol == "Index" else f"{symbol} name"
                yield from report(what, found[0], found[1], "constraint")
        for column in columns:
            for fk in column.foreign_keys:
                found = _name_node(model, fk.node)
                if found is not None:
                    yield from report("ForeignKey name", found[0], found[1], "constraint")

    @staticmethod
    def _columns(model: FileModel, cls: ModelClass, report) -> Iterator[Violation]:
        targets = {id(a.column): a.node for a in cls.assignments if a.column is not None}
        for column in cls.columns:
            name = column.name
            if not name:
                continue
            node = _explicit_name_node(column) or targets.get(id(column))
            if node is not None:
                yield from report("column name", name, node, "column")
        for bare in cls.bare_mapped:  # bare `name: Mapped[int]` columns
            yield from report("column name", bare.attr, bare.node.target, "column")
