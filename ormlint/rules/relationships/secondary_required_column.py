"""ORM114: a `secondary=` table with a NOT NULL data column that has no default."""

from __future__ import annotations

from typing import Iterator

from ormlint.facts import ColumnFacts, ProjectIndex, TableFacts
from ormlint.rules.base import ProjectRule, ProjectViolation, example


class SecondaryRequiredColumn(ProjectRule):
    code = "ORM114"
    name = "secondary-required-column"
    summary = "a `secondary=` table has a NOT NULL data column without a default"
    catches = (
        "a `secondary=` Table with a NOT NULL data column without a default: adding to the "
        "relationship fails at flush (IntegrityError) (project)"
    )
    message = (
        "`{owner}.{attr}` writes rows of `{table}` through `secondary=`, setting only the key "
        "columns, but `{table}.{column}` is NOT NULL without a default, so adding to "
        "`{attr}` fails at flush (IntegrityError): give `{column}` a default, make it "
        "nullable, map `{table}` as an association object, or make `{attr}` viewonly"
    )
    what_it_does = """
        Checks every writable `relationship(..., secondary=...)` whose link table is a
        `Table("name", ...)` of the project (named by a string or by its module variable): a
        column of it that is not a foreign key and not part of the primary key must be
        nullable or have a `default=` / `server_default=`. Silent for `viewonly=True`, for
        tables a class also maps or that several `Table()` calls declare, and for columns whose
        default the database may give (Identity, Computed, a Sequence, `**kwargs`).
        """
    why_bad = """
        A many-to-many relationship inserts link rows itself and sets only the columns of its
        join conditions. The data column stays empty and the database refuses the row at
        flush: `IntegrityError: NOT NULL constraint failed: user_group.role` with `INSERT INTO
        user_group (user_id, group_id) VALUES (?, ?)` (verified on SQLite by this rule's oracle
        test). Link tables that carry data are association objects in SQLAlchemy's terms.
        """
    fix_safety = "No automatic fix: a default, a nullable column or an association object is the author's choice."
    references = (
        "SQLAlchemy: Association Object, https://docs.sqlalchemy.org/en/20/orm/basic_relationships.html#association-object",
    )
    invalid = (
        example('''
            from sqlalchemy import Column, ForeignKey, String, Table
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


            class Base(DeclarativeBase):
                pass


            user_group = Table(
                "user_group",
                Base.metadata,
                Column("user_id", ForeignKey("user_account.id"), primary_key=True),
                Column("group_id", ForeignKey("grp.id"), primary_key=True),
                Column("role", String(20), nullable=False),
            )


            class User(Base):
                __tablename__ = "user_account"
                id: Mapped[int] = mapped_column(primary_key=True)
                groups: Mapped[list["Group"]] = relationship(secondary=user_group)  # ORM114:5


            class Group(Base):
                __tablename__ = "grp"
                id: Mapped[int] = mapped_column(primary_key=True)
            '''),
    )
    valid = (
        example('''
            from sqlalchemy import Column, ForeignKey, String, Table
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


            class Base(DeclarativeBase):
                pass


            user_group = Table(
                "user_group",
                Base.metadata,
                Column("user_id", ForeignKey("user_account.id"), primary_key=True),
                Column("group_id", ForeignKey("grp.id"), primary_key=True),
                Column("role", String(20), nullable=False, default="member"),
                Column("note", String(200)),
            )


            class User(Base):
                __tablename__ = "user_account"
                id: Mapped[int] = mapped_column(primary_key=True)
                groups: Mapped[list["Group"]] = relationship(secondary=user_group)
                admin_groups: Mapped[list["Group"]] = relationship(secondary="user_group", viewonly=True)


            class Group(Base):
                __tablename__ = "grp"
                id: Mapped[int] = mapped_column(primary_key=True)
            '''),
    )

    def check_project(self, index: ProjectIndex) -> Iterator[ProjectViolation]:
        mapped_tables = {c.tablename for _, c in index.classes() if c.tablename}
        tables: dict[str, list[TableFacts]] = {}
        for facts in index.files:
            for table in facts.tables:
                tables.setdefault(table.name, []).append(table)
        for path, cls in index.classes():
            for rel in cls.relationships:
                name = rel.secondary_table
                if not name or name in mapped_tables or "viewonly" in rel.keywords or rel.has_unknown_kwargs:
                    continue
                found = tables.get(name, [])
                if len(found) != 1:
                    continue
                column = next((c for c in found[0].columns if _required_data_column(c)), None)
                if column is None:
                    continue
                yield self.project_violation(
                    path, rel.location, owner=cls.name, attr=rel.attr, table=name, column=column.name,
                )


def _required_data_column(column: ColumnFacts) -> bool:
    """NOT NULL, no default of any kind, and neither a key nor a foreign key."""
    return (
        column.nullable is False and not column.primary_key and column.primary_key_known
        and not column.foreign_keys and not column.class_foreign_keys and column.foreign_key_targets == ()
        and not column.python_default and column.server_default is None and column.server_default_known
        and column.name is not None
    )
