"""ORM4xx: indexes and constraints."""

from __future__ import annotations

from typing import Iterator, Sequence

from ormlint.model.types import FileModel, IndexDecl
from ormlint.rules.base import Rule, Violation, example


class DuplicateIndex(Rule):
    code = "ORM401"
    name = "duplicate-index"
    summary = "the same column list is indexed twice in one table (`index=True` plus `Index(...)`)"
    message = (
        "{redundant} duplicates {kept} in {table}: the database builds and maintains "
        "two indexes on ({columns}); {advice}"
    )
    name_clash_message = (
        '{redundant} takes the name "{name}" that SQLAlchemy generates for `index=True` on '
        "column `{column}`: CREATE INDEX fails with \"already exists\"; rename it"
    )
    what_it_does = """
        Checks each table for two indexes on the same ordered column list: `index=True` plus an
        `Index(...)`, two `Index(...)`, a unique constraint (`unique=True` or `UniqueConstraint`)
        plus an `Index(...)` or `index=True` on the same columns, and an explicit index named
        like the one `index=True` generates (`ix_<table>_<column>`). `unique=True, index=True`
        together are one unique index and are fine. Partial indexes and indexes with dialect
        options are different indexes and are not compared. Repeated UNIQUE constraints alone
        are not reported: they are part of CREATE TABLE, and PostgreSQL and SQLite merge them.
        """
    why_bad = """
        Each `Index(...)`/`index=True` becomes its own CREATE INDEX beside the table's UNIQUE
        constraints: the table carries two identical indexes, every write maintains both, and
        migrations keep both for years. When the two share a name, `create_all()` fails
        outright (SQLite: `index ix_users_email already exists`; PostgreSQL: `relation
        "ix_users_email" already exists`). Both verified by this rule's oracle tests.
        """
    references = (
        "SQLAlchemy: Indexes, https://docs.sqlalchemy.org/en/20/core/constraints.html#indexes",
        "pallets-eco/flask-sqlalchemy#634, sqlalchemy/alembic#1511 (duplicate indexes)",
    )
    invalid = (
        example('''
            from sqlalchemy import Index
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class User(Base):
                __tablename__ = "users"
                __table_args__ = (Index("ix_users_email", "email"),)
                id: Mapped[int] = mapped_column(primary_key=True)
                email: Mapped[str] = mapped_column(index=True)  # ORM401
            '''),
        example('''
            from sqlalchemy import Column, Index, Integer, String
            from sqlalchemy.orm import declarative_base

            Base = declarative_base()


            class Account(Base):
                __tablename__ = "account"
                __table_args__ = (Index("ix_account_login", "login", unique=True),)
                id = Column(Integer, primary_key=True)
                login = Column(String(50), unique=True)  # ORM401
            '''),
    )
    valid = (
        example('''
            from sqlalchemy import Index
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class User(Base):
                __tablename__ = "users"
                __table_args__ = (Index("ix_users_name_email", "name", "email"),)
                id: Mapped[int] = mapped_column(primary_key=True)
                name: Mapped[str]
                email: Mapped[str] = mapped_column(index=True, unique=True)
            '''),
    )

    def check(self, model: FileModel) -> Iterator[Violation]:
        for cls in model.classes:
            label = f"table `{cls.tablename}`" if cls.tablename else f"the table of class `{cls.name}`"
            yield from self._check_table(label, cls.tablename, cls.indexes, model)
        for table in model.tables:
            label = f"table `{table.tablename or table.variable}`"
            yield from self._check_table(label, table.tablename, table.indexes, model)

    def _check_table(
        self, label: str, tablename: str | None, indexes: Sequence[IndexDecl], model: FileModel
    ) -> Iterator[Violation]:
        groups: dict[tuple[str, ...], list[tuple[int, IndexDecl]]] = {}
        constraint_seen: set[tuple[str, ...]] = set()
        for position, index in enumerate(indexes):
            if not (index.plain and index.columns):
                continue
            if index.kind == "unique_constraint":
                # UNIQUE constraints are clauses of one CREATE TABLE; the database merges repeats.
                if index.columns in constraint_seen:
                    continue
                constraint_seen.add(index.columns)
            groups.setdefault(index.columns, []).append((position, index))
        for columns, group in groups.items():
            if len(group) < 2:
                continue
            # Keep the unique one, then the explicit declaration, then the first written.
            ranked = sorted(
                group, key=lambda item: (not item[1].unique, item[1].origin == "column", item[0])
            )
            kept = ranked[0][1]
            for _, redundant in ranked[1:]:
                if redundant.origin == "column":
                    flag = "unique=True" if redundant.kind == "unique_constraint" else "index=True"
                    advice = f"remove `{flag}`"
                else:
                    advice = "remove this declaration"
                yield self.violation(
                    redundant.node,
                    redundant=redundant.describe(),
                    kept=kept.describe(),
                    table=label,
                    columns=", ".join(columns),
                    advice=advice,
                )
        if tablename is None or model.custom_index_naming:
            return
        generated = {
            f"ix_{tablename}_{ix.columns[0]}": ix
            for ix in indexes
            if ix.origin == "column" and ix.kind != "unique_constraint" and ix.columns
        }
        for index in indexes:
            source = generated.get(index.name or "")
            if index.origin != "column" and source is not None and index.columns != source.columns:
                yield Violation(
                    self.code,
                    index.node,
                    self.name_clash_message.format(
                        redundant=index.describe(), name=index.name, column=source.columns[0]
                    ),
                )
