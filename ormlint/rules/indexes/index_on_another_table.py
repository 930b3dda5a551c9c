"""ORM406: an index or constraint in one class's `__table_args__` built from another table's columns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import libcst as cst

from ormlint.facts import ClassFacts, ProjectIndex, TableArgsColumn
from ormlint.model.names import dotted_name, string_value
from ormlint.model.types import FileModel, ModelClass
from ormlint.rules.base import ProjectRule, ProjectViolation, Violation, example
from ormlint.table_args_columns import COLUMN_ARGUMENTS, column_attributes


@dataclass(frozen=True)
class _ForeignColumn:
    node: cst.Attribute
    table: str  # the table the column belongs to
    column: str
    owner: str  # the class or Table variable whose `__table_args__` or table should hold the item
    other_columns: frozenset[str]  # the column names of that table declared in this file


class IndexOnAnotherTable(ProjectRule):
    code = "ORM406"
    name = "index-on-another-table"
    summary = (
        "an `Index`/`UniqueConstraint`/… in one class's `__table_args__` built from another "
        "class's columns (`Index(\"ix\", User.email)` in `Address`)"
    )
    catches = (
        "`Index(\"ix\", User.email)` in another class's `__table_args__`: ArgumentError at import; "
        "a `UniqueConstraint`/`CheckConstraint`/`ForeignKeyConstraint` lands on both tables"
    )
    message = (
        "`{reference}` in `{cls}.__table_args__` is a column of table `{other_table}`, not of "
        "`{table}`: {effect}; {advice}"
    )
    what_it_does = """
        Checks the `Index(...)`, `UniqueConstraint(...)`, `CheckConstraint(...)` and the local
        columns of `ForeignKeyConstraint(...)` in a mapped class's `__table_args__` tuple for a
        column of another table: another mapped class's column attribute (`User.email`, also
        inside an expression such as `func.lower(User.email)`), its `User.__table__.c.email`,
        or a `Table(...)` variable's `log.c.id` of the same file; the class may be one of the
        same file or one imported by name from another module of the project (`from app.users
        import User`), whose table the project index knows. Silent when the other class has no
        table name of its own, shares this class's table, or is defined after this class in
        the same file, and for `ForeignKeyConstraint`'s referenced columns, which name the
        other table on purpose.
        """
    why_bad = """
        A class attribute such as `User.email` is the column of `User`'s table, wherever it is
        written. For an `Index`, SQLAlchemy refuses at import, when the class is defined:
        `ArgumentError: Index 'ix_address_email' is against table 'user_account', and cannot be
        associated with table 'address'`. Beside a column of the class's own table, an index or
        a unique constraint fails the same way: `ConstraintColumnNotFoundError: Can't create
        Index on table 'user_account': no column named 'city' is present.` Otherwise a
        constraint is attached to both tables: in the
        oracle test `UniqueConstraint(User.email)` in `Address` put `UNIQUE (email)` into the
        CREATE TABLE of `user_account` (a constraint nobody asked for there) and of `address`,
        whose creation then failed, `no such column: email` on SQLite. When the class has a
        column of the same name, the DDL succeeds and silently constrains both tables. Verified
        with SQLAlchemy 2.0 and 2.1.
        """
    references = (
        "SQLAlchemy: Table Configuration with Declarative, https://docs.sqlalchemy.org/en/20/orm/declarative_tables.html#orm-declarative-table-configuration",
        "SQLAlchemy: Indexes, https://docs.sqlalchemy.org/en/20/core/constraints.html#indexes",
    )
    invalid = (
        example('''
            from sqlalchemy import ForeignKey, Index, String
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class User(Base):
                __tablename__ = "user_account"
                id: Mapped[int] = mapped_column(primary_key=True)
                email: Mapped[str] = mapped_column(String(100))


            class Address(Base):
                __tablename__ = "address"
                __table_args__ = (Index("ix_address_email", User.email),)  # ORM406:49
                id: Mapped[int] = mapped_column(primary_key=True)
                user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
                email: Mapped[str] = mapped_column(String(100))
            '''),
        example('''
            from sqlalchemy import ForeignKey, String, UniqueConstraint
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class User(Base):
                __tablename__ = "user_account"
                id: Mapped[int] = mapped_column(primary_key=True)
                email: Mapped[str] = mapped_column(String(100))


            class Address(Base):
                __tablename__ = "address"
                __table_args__ = (UniqueConstraint(User.email, name="uq_address_email"),)  # ORM406:40
                id: Mapped[int] = mapped_column(primary_key=True)
                user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
                city: Mapped[str] = mapped_column(String(50))
            '''),
    )
    valid = (
        example('''
            from sqlalchemy import ForeignKey, ForeignKeyConstraint, Index, String
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class User(Base):
                __tablename__ = "user_account"
                __table_args__ = (Index("ix_user_account_email", "email"),)
                id: Mapped[int] = mapped_column(primary_key=True)
                email: Mapped[str] = mapped_column(String(100))


            class Address(Base):
                __tablename__ = "address"
                __table_args__ = (
                    Index("ix_address_email", "email"),
                    ForeignKeyConstraint(["user_id"], [User.id]),
                )
                id: Mapped[int] = mapped_column(primary_key=True)
                user_id: Mapped[int]
                email: Mapped[str] = mapped_column(String(100))
            '''),
    )

    def check(self, model: FileModel) -> Iterator[Violation]:
        order = {id(cls): number for number, cls in enumerate(model.classes)}
        for cls in model.classes:
            if cls.tablename is None or cls.kind not in ("mapped", "unknown") or cls.has_table:
                continue
            if cls.table_args.shape != "tuple":
                continue
            bound_in_body = {assignment.attr for assignment in cls.assignments}  # once per class
            for item, starred in zip(cls.table_args.items, cls.table_args.starred):
                if starred or not isinstance(item, cst.Call):
                    continue
                what = model.imports.symbol(item.func)
                if what not in COLUMN_ARGUMENTS:
                    continue
                found = next(
                    (f for node in column_attributes(item, what)
                     if (f := _foreign_column(node, cls, model, order, bound_in_body)) is not None),
                    None,
                )
                if found is None:
                    continue
                first = 1 if what == "Index" else 0
                named = [t for a in item.args[first:] if a.keyword is None and (t := string_value(a.value)) is not None]
                index_name = string_value(item.args[0].value) if what == "Index" and item.args else None
                has_column = cls.column(found.column) is not None
                yield self.violation(
                    found.node,
                    reference=model.module.code_for_node(found.node),
                    cls=cls.name,
                    table=cls.tablename,
                    other_table=found.table,
                    column=found.column,
                    effect=_effect(what, named, index_name, found.table, found.other_columns, found.column,
                                   has_column, cls.tablename),
                    advice=_advice(what, cls.name, cls.tablename, found.column, found.owner, has_column),
                )

    def check_project(self, index: ProjectIndex) -> Iterator[ProjectViolation]:
        """The columns of classes imported from other modules (the same file's: `check`)."""
        for facts in index.files:
            for cls in facts.classes:
                reported: set[int] = set()  # one finding per item, as in one file
                for reference in cls.table_args_imported_columns:
                    if reference.item_number in reported:
                        continue
                    found = _imported_column(index, facts.path, cls, reference)
                    if found is None:
                        continue
                    reported.add(reference.item_number)
                    other_table, column, owner, other_columns, has_column = found
                    yield self.project_violation(
                        facts.path, reference.location,
                        reference=reference.reference,
                        cls=cls.name,
                        table=cls.tablename,
                        other_table=other_table,
                        column=column,
                        effect=_effect(reference.item, list(reference.named_columns), reference.index_name,
                                       other_table, other_columns, column, has_column, cls.tablename),
                        advice=_advice(reference.item, cls.name, cls.tablename, column, owner, has_column),
                    )


def _effect(
    what: str, named: list[str], index_name: str | None, other_table: str,
    other_columns: frozenset[str] | None, column: str, has_column: bool, table: str | None,
) -> str:
    """What SQLAlchemy does with the item. `named`: the columns it names by string;
    `other_columns`: the other table's column names (None: not all known); `has_column`: the
    class's own table has a column of that name."""
    if what in ("Index", "UniqueConstraint") and other_columns is not None:
        missing = next((t for t in named if t not in other_columns), None)
        if missing is not None:  # SQLAlchemy looks for the column it names in the other table
            return (
                "SQLAlchemy raises ConstraintColumnNotFoundError when the class is defined "
                f"(the {what} is on table '{other_table}', which has no column named "
                f"'{missing}')"
            )
    if what == "Index":
        label = f"Index '{index_name}'" if index_name else "the index"
        return (
            f"SQLAlchemy raises ArgumentError when the class is defined ({label} is against "
            f"table '{other_table}')"
        )
    if has_column:
        return (
            f"SQLAlchemy attaches the {what} to `{other_table}` as well: both CREATE TABLE "
            f"statements carry it, so it constrains `{other_table}` too"
        )
    return (
        f"SQLAlchemy attaches the {what} to `{other_table}` as well (both CREATE TABLE "
        f"statements carry it), and `{table}`'s fails unless it has a column "
        f"`{column}`"
    )


def _advice(what: str, cls: str, table: str | None, column: str, owner: str, has_column: bool) -> str:
    if has_column:
        return f'write `"{column}"` for `{cls}`\'s own column, or declare the {what} with `{owner}`\'s table'
    return f"declare the {what} with `{owner}`'s table, or name a column of `{table}`"


def _imported_column(
    index: ProjectIndex, path: str, cls: ClassFacts, reference: TableArgsColumn,
) -> tuple[str, str, str, frozenset[str] | None, bool] | None:
    """(the other table, the column's name, the other class, the other table's column names
    or None when not all known, whether the class's own table has that column) when
    `reference` is a column of another table the project index knows; None otherwise (a
    relationship or hybrid, an inherited column, a class outside the project, the same table)."""
    if cls.tablename is None or cls.kind not in ("mapped", "unknown"):
        return None
    found = index.resolve_base(reference.target)
    if found is None or found[0] == path:
        return None
    other_path, other = found
    if other.kind not in ("mapped", "unknown") or other.tablename is None:
        return None
    own, theirs = index.table_of(path, cls), index.table_of(other_path, other)
    if own is None or theirs is None or (own.name, own.schema) == (theirs.name, theirs.schema):
        return None
    if not (own.path == path and own.class_name == cls.name):
        return None  # the class puts its columns into a parent's table
    if reference.via_table:
        declared = next((d.fact for d in theirs.columns if d.fact.name == reference.column), None)
    else:
        # the other class's own column attribute (as in one file: not a relationship, a hybrid
        # or an inherited column)
        declared = next((c for c in other.columns if c.attr == reference.column), None)
    if declared is None:
        return None
    column = declared.name or reference.column
    other_columns = frozenset(d.fact.name for d in theirs.columns if d.fact.name) if theirs.complete else None
    has_column = any(d.fact.name == column for d in own.columns)
    return theirs.name, column, other.name, other_columns, has_column


def _foreign_column(
    node: cst.Attribute,
    cls: ModelClass,
    model: FileModel,
    order: dict[int, int],
    bound_in_body: set[str],
) -> _ForeignColumn | None:
    """`User.email`, `User.__table__.c.email` or `log.c.id` when it is a column of another table
    of this file, defined before `cls`."""
    dotted = dotted_name(node)
    if dotted is None:
        return None
    parts = dotted.split(".")
    head = parts[0]
    if head in bound_in_body:
        return None
    column = parts[-1]
    if len(parts) == 2 or (len(parts) == 4 and parts[1] == "__table__" and parts[2] in ("c", "columns")):
        other = model.class_named(head)
        if (
            other is None
            or other is cls
            or order.get(id(other), len(order)) >= order[id(cls)]
            or other.kind not in ("mapped", "unknown")
            or other.tablename is None
            or other.tablename == cls.tablename
        ):
            return None
        if len(parts) == 2 and not any(c.attr == column for c in other.columns):
            return None  # a relationship, a hybrid, an inherited column: not judged
        declared = other.column(column)
        name = (declared.name if declared is not None else None) or column
        names = frozenset(c.name for c in other.columns if c.name)
        return _ForeignColumn(node, other.tablename, name, other.name, names)
    if len(parts) == 3 and parts[1] in ("c", "columns"):
        table = next((t for t in model.tables if t.variable == head), None)
        if table is None or table.tablename is None or table.tablename == cls.tablename:
            return None
        table_at, class_at = _statement_number(model, table.node), _statement_number(model, cls.node)
        if table_at is None or class_at is None or table_at >= class_at:
            return None
        names = frozenset(c.name for c in table.columns if c.name)
        return _ForeignColumn(node, table.tablename, column, head, names)
    return None


def _statement_number(model: FileModel, node: cst.CSTNode) -> int | None:
    """The number of the module-level statement that is `node` (a class) or assigns it (a
    `Table(...)` call); None when it is nested deeper."""
    for number, stmt in enumerate(model.module.body):
        if stmt is node:
            return number
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, (cst.Assign, cst.AnnAssign)) and small.value is node:
                    return number
    return None
