"""ORM602 foreign-key-target-not-found: `ForeignKey("table.column")` whose table or column is not
defined in the project"""

from __future__ import annotations

from typing import Iterator

from ormlint.project import ProjectIndex
from ormlint.rules.base import ProjectRule, ProjectViolation, example
from ormlint.rules.foreign_keys._common import referenced_tables, targets_by_table


class ForeignKeyTargetNotFound(ProjectRule):
    code = "ORM602"
    name = "foreign-key-target-not-found"
    summary = '`ForeignKey("table.column")` whose table or column is not defined in the project'
    catches = '`ForeignKey("parnt.id")`: no such table or column in the project (project)'
    message = (
        '`ForeignKey("{target}")`: {problem}; check the spelling, or list the table in '
        "`external-tables` if it is defined outside the checked code"
    )
    what_it_does = """
        Checks every `ForeignKey("table.column")` of a mapped class against the tables the
        project defines (`__tablename__` of mapped classes, `Table(...)` objects) and their
        columns; those of classes and tables inside Alembic revision files (snapshots of the
        schema a revision once saw) are not judged. Runs only when a whole project is checked and every file could be analysed; a
        missing table is reported only when the table name of every mapped class is known: its
        `__tablename__`, or the name its library gives a class without one, which ormlint knows
        in three cases. Flask-SQLAlchemy's generated name (`UserRole` -> `user_role`), when
        Flask-SQLAlchemy 2.x and 3.x generate the same one (not for `ShortURL`, say), no mixin or
        abstract base binds `__tablename__`, and the project passes no `model_class` or
        `disable_autonaming`; below a mapped class only with a primary key of its own
        (otherwise it shares its parent's table). SQLModel's `cls.__name__.lower()` for a
        `table=True` class. A `declared_attr` `__tablename__` of the declarative base, an
        abstract base or a mixin whose body is exactly `return cls.__name__.lower()`, or that
        plus a string before or after it, for each subclass that does not override it. Any
        other computed name leaves the set of tables unknown. Tables named in
        `[tool.ormlint] external-tables` (`"schema.table"` for another schema's) and tables
        whose columns cannot all be seen are left alone. A target is looked up in its schema:
        `"users.identities.id"` names the table `identities` declared with `schema="users"`
        (in `__table_args__`, its own or a mixin's, or `Table(..., schema=...)`), and a missing
        one is reported only in a schema the project declares tables in (`auth.users` of a
        hosted database is not the project's); `"identities.id"` names a table of the
        default schema, or, when there is none of that name, one of those of other schemas
        (a MetaData's own `schema=` may make it theirs).
        """
    why_bad = """
        A misspelt target is resolved only when the table is created or the mappers are
        configured: `NoReferencedTableError: Foreign key associated with column
        'child.parent_id' could not find table 'parnt' with which to generate a foreign key to
        target column 'id'` (or `NoReferencedColumnError` for a missing column), verified by
        this rule's oracle test.
        """
    invalid = (
        example('''
            from typing import Optional

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
                parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("parnt.id"))  # ORM602:65
            '''),
    )
    valid = (
        example('''
            from typing import Optional

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
                parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("parent.id"))
            '''),
    )

    def check_project(self, index: ProjectIndex) -> Iterator[ProjectViolation]:
        if not index.whole_project or not index.complete:
            return
        schemas = {t.schema for targets in targets_by_table(index).values() for t in targets if t.schema_known}
        for facts in index.files:
            if facts.is_revision:
                continue  # a snapshot of the schema a revision once saw, not a model
            declared = [cls.columns for cls in facts.classes] + [table.columns for table in facts.tables]
            for columns in declared:
                for column in columns:
                    for target, where in column.foreign_keys:
                        problem = self._problem(index, target, schemas)
                        if problem is not None:
                            yield self.project_violation(facts.path, where, target=target, problem=problem)

    @staticmethod
    def _problem(index: ProjectIndex, target: str, schemas: set[str | None]) -> str | None:
        parts = target.split(".")
        if len(parts) not in (2, 3):
            return None
        schema, table, name = parts if len(parts) == 3 else (None, *parts)
        qualified = f"{schema}.{table}" if schema else table
        if qualified in index.external_tables:
            return None
        referenced = referenced_tables(index, schema, table)
        if referenced is None:
            return None
        if not referenced:
            if not index.table_names_complete or (schema is not None and schema not in schemas):
                return None  # a computed table name, or a schema the project leaves to others
            return f'no table "{qualified}" is defined'
        if any(t.columns is None or name in t.columns for t in referenced):
            return None
        return f'table "{referenced[0].qualifier}{table}" has no column "{name}"'
