"""ORM606: a foreign key to a column that is neither the primary key nor unique."""

from __future__ import annotations

from typing import Iterator

from ormlint.facts import Location, ProjectIndex
from ormlint.rules.base import ProjectRule, ProjectViolation, example


class ForeignKeyTargetNotUnique(ProjectRule):
    code = "ORM606"
    name = "foreign-key-target-not-unique"
    summary = "a foreign key to a column that is neither the primary key nor unique"
    catches = (
        '`ForeignKey("account.email")` where `email` is neither the primary key nor unique, or '
        'only part of a composite key: PostgreSQL refuses the table ("there is no unique '
        'constraint matching given keys") (project)'
    )
    message = (
        '`ForeignKey("{target}")`: {reason}, so the database refuses the foreign key (PostgreSQL: '
        '"there is no unique constraint matching given keys"); point it at the primary key, or '
        "make `{column}` unique"
    )
    what_it_does = """
        Checks every single-column `ForeignKey("table.column")` of the project's models against
        the table it names, when every column and constraint of that table could be read: the
        target column must be the whole primary key, `unique=True`, or alone in a unique
        constraint or unique index. A column that is one part of a composite primary key or of
        a multi-column unique constraint does not count. Tables whose columns or constraints
        come from where ormlint cannot see (a base outside the project, a computed
        `__table_args__`) and classes inside Alembic revision files are left alone.
        """
    why_bad = """
        A foreign key must reference a set of columns the database knows to be unique. On
        PostgreSQL `CREATE TABLE` (and so `metadata.create_all()` and the migration
        autogenerate writes) fails: `InvalidForeignKey: there is no unique constraint matching
        given keys for referenced table "account"`; MySQL needs an index, and SQLite accepts
        the table but fails the first write with foreign keys on ("foreign key mismatch").
        Verified on PostgreSQL by this rule's oracle test.
        """
    fix_safety = "No automatic fix: whether the target is the wrong column or should be unique is the author's choice."
    references = (
        "PostgreSQL: Foreign Keys, https://www.postgresql.org/docs/current/ddl-constraints.html#DDL-CONSTRAINTS-FK",
    )
    invalid = (
        example('''
            from sqlalchemy import ForeignKey, String
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Account(Base):
                __tablename__ = "account"
                id: Mapped[int] = mapped_column(primary_key=True)
                email: Mapped[str] = mapped_column(String(200))


            class Invoice(Base):
                __tablename__ = "invoice"
                id: Mapped[int] = mapped_column(primary_key=True)
                account_email: Mapped[str] = mapped_column(ForeignKey("account.email"))  # ORM606:59
            '''),
    )
    valid = (
        example('''
            from sqlalchemy import ForeignKey, String, UniqueConstraint
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Account(Base):
                __tablename__ = "account"
                __table_args__ = (UniqueConstraint("code"),)
                id: Mapped[int] = mapped_column(primary_key=True)
                email: Mapped[str] = mapped_column(String(200), unique=True)
                code: Mapped[str] = mapped_column(String(20))


            class Invoice(Base):
                __tablename__ = "invoice"
                id: Mapped[int] = mapped_column(primary_key=True)
                account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
                account_email: Mapped[str] = mapped_column(ForeignKey("account.email"))
                account_code: Mapped[str] = mapped_column(ForeignKey("account.code"))
            '''),
    )

    def check_project(self, index: ProjectIndex) -> Iterator[ProjectViolation]:
        if not index.complete:
            return
        tables = _unique_keys(index)
        for facts in index.files:
            if facts.is_revision:
                continue
            columns = [c for cls in facts.classes for c in cls.columns] + [
                c for table in facts.tables for c in table.columns
            ]
            for column in columns:
                for target, where in column.foreign_keys:
                    parts = target.split(".")
                    if len(parts) != 2:
                        continue  # schema-qualified: left alone
                    table, name = parts
                    known = tables.get(table)
                    if known is None or known is _UNKNOWN:
                        continue
                    columns_of, unique_sets = known
                    if name not in columns_of or (name,) in unique_sets:
                        continue
                    in_composite = any(name in key for key in unique_sets)
                    reason = (
                        f'"{name}" is only part of a multi-column key of "{table}"' if in_composite
                        else f'"{table}.{name}" is neither its primary key nor unique'
                    )
                    yield self.project_violation(facts.path, where or Location(1, 1, 1, 1), target=target, reason=reason, column=name)


_UNKNOWN = object()


def _unique_keys(index: ProjectIndex) -> dict:
    """Table name -> (its column names, the column tuples it holds unique), or _UNKNOWN when
    the table's columns or constraints are not all known, or several tables share the name."""
    found: dict = {}

    def add(name: str, value) -> None:
        found[name] = _UNKNOWN if name in found else value

    for path, cls in index.classes():
        table = index.table_of(path, cls)
        if table is None:
            if cls.tablename:
                found[cls.tablename] = _UNKNOWN
            continue
        if table.path != path or table.class_name != cls.name:
            continue  # a single-table subclass: its parent's table
        if table.schema is not None or not table.schema_known or not all(p.bases_known and p.complete for p in table.parts):
            found[table.name] = _UNKNOWN
            continue
        facts = [d.fact for p in table.parts for d in p.columns]
        indexes = [d.fact for p in table.parts for d in p.indexes]
        add(table.name, _keys(facts, indexes))
    for file in index.files:
        for declared in file.tables:
            if declared.schema is not None or not declared.schema_known or not declared.constraints_complete:
                found[declared.name] = _UNKNOWN
                continue
            add(declared.name, _keys(declared.columns, declared.indexes))
    return found


def _keys(columns, indexes):
    names = {c.name for c in columns if c.name}
    if any(c.name is None for c in columns):
        return _UNKNOWN
    primary = tuple(sorted(c.name for c in columns if c.primary_key))
    unique = {(c.name,) for c in columns if c.unique}
    if primary:
        unique.add(primary)
    for index in indexes:
        if index.columns is None:
            continue
        if index.unique or index.kind in ("unique_index", "unique_constraint", "primary_key"):
            unique.add(tuple(sorted(index.columns)))
    return names, unique
