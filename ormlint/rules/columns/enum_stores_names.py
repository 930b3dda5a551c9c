"""ORM210 enum-stores-names: `Enum(Status)` of a Python enum whose values differ from its
names: the database holds the names (opt-in)"""

from __future__ import annotations

from typing import Iterator

from ormlint.project import ColumnFacts, Location, ProjectIndex
from ormlint.rules.base import ProjectRule, ProjectViolation, example
from ormlint.rules.columns._common import default_type_map

_HEADER = '''
    import enum

    import sqlalchemy as sa
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


    class Base(DeclarativeBase):
        pass


    class Status(enum.Enum):
        ACTIVE = "active"
        ON_HOLD = "on-hold"

'''


class EnumStoresNames(ProjectRule):
    code = "ORM210"
    name = "enum-stores-names"
    summary = "`Enum(Status)` of a Python enum whose values differ from its names: the database holds the names"
    catches = (
        "`Enum(Status)` or `Mapped[Status]` of a project enum whose values differ from its names "
        "(`ON_HOLD = \"on-hold\"`), without `values_callable`: the database holds `'ON_HOLD'` "
        "(project)"
    )
    default_enabled = False
    message = (
        "`{column}`: `{written}` stores the member names of `{enum}` ({names}), not their values "
        "({values}): raw SQL and other readers of the table see the names, and a row holding a "
        "value fails to load; to store the values, write "
        "`Enum({enum}, values_callable=lambda e: [m.value for m in e])` (existing rows then need "
        "a migration)"
    )
    what_it_does = """
        Checks columns typed `Enum(Status)` (also `sa.Enum`, `postgresql.ENUM`, or a
        `Mapped[Status]` annotation with no type, under SQLAlchemy's own type map and bases of
        the project) where
        `Status` is a Python enum class of the project, in any module, whose members are
        string literals and at least one value differs from its name (`ON_HOLD = "on-hold"`),
        and the column has no `values_callable=`. Enums whose values equal their names, and
        classes whose members are not certain (computed values, `auto()`, aliases), are left
        alone. Opt-in: storing the names is a valid choice when nothing else reads the
        column.
        """
    why_bad = """
        SQLAlchemy's `Enum` type persists a Python enum by member NAME: `Status.ON_HOLD` is
        stored as `'ON_HOLD'`, and PostgreSQL's type is `CREATE TYPE status AS ENUM ('ACTIVE',
        'ON_HOLD')`. Raw SQL (`WHERE status = 'on-hold'`), reports, other services and
        fixtures written with the values do not match; a row inserted with the value fails to
        load with `LookupError: 'on-hold' is not among the defined enum values` (verified by
        this rule's oracle test on SQLite, SQLAlchemy 2.0 and 2.1).
        """
    fix_safety = """
        No automatic fix: with `values_callable` the database must hold the values, so the
        stored rows (and on PostgreSQL the enum type's labels) need a migration first.
        """
    references = (
        "SQLAlchemy: Enum, https://docs.sqlalchemy.org/en/20/core/type_basics.html#sqlalchemy.types.Enum",
    )
    invalid = (
        example(_HEADER + '''
    class Ticket(Base):
        __tablename__ = "ticket"
        id: Mapped[int] = mapped_column(primary_key=True)
        status: Mapped[Status] = mapped_column(sa.Enum(Status))  # ORM210:5
        previous: Mapped[Status | None]  # ORM210:5
'''),
        # the enum in a module of its own
        example('''
    # file: app/enums.py
    from enum import Enum


    class Priority(str, Enum):
        LOW = "low"
        HIGH = "high"

    # file: app/models.py
    from sqlalchemy import Column, Enum, Integer
    from sqlalchemy.orm import declarative_base

    from app.enums import Priority

    Base = declarative_base()


    class Task(Base):
        __tablename__ = "task"
        id = Column(Integer, primary_key=True)
        priority = Column(Enum(Priority), nullable=False)  # ORM210:5
'''),
    )
    valid = (
        example(_HEADER + '''
    class Ticket(Base):
        __tablename__ = "ticket"
        id: Mapped[int] = mapped_column(primary_key=True)
        status: Mapped[Status] = mapped_column(
            sa.Enum(Status, values_callable=lambda e: [m.value for m in e])
        )
'''),
        # values equal to the names: nothing to confuse
        example('''
    import enum

    import sqlalchemy as sa
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


    class Base(DeclarativeBase):
        pass


    class Status(enum.Enum):
        ACTIVE = "ACTIVE"
        ON_HOLD = "ON_HOLD"


    class Ticket(Base):
        __tablename__ = "ticket"
        id: Mapped[int] = mapped_column(primary_key=True)
        status: Mapped[Status] = mapped_column(sa.Enum(Status))
'''),
    )

    def check_project(self, index: ProjectIndex) -> Iterator[ProjectViolation]:
        # `Mapped[Status]` alone is `Enum(Status)` only under SQLAlchemy's own type_annotation_map
        annotation_types = not any(f.custom_type_map for f in index.files)
        for facts in index.files:
            if facts.is_revision:
                continue
            columns = [
                (c, default_type_map(index, cls, annotation_types)) for cls in facts.classes for c in cls.columns
            ] + [(c, False) for table in facts.tables for c in table.columns]
            for column, type_map_known in columns:
                differing = _names_differing_from_values(index, column, type_map_known)
                if not differing:
                    continue
                enum = column.enum.enum_class.name  # type: ignore[union-attr]
                shown = differing[:2]
                yield self.project_violation(
                    facts.path, column.location or Location(1, 1, 1, 1),
                    column=column.attr or column.name,
                    written=f"Mapped[{enum}]" if column.sql_type_from_annotation else f"Enum({enum})",
                    enum=enum,
                    names=", ".join(f"'{n}'" for n, _ in shown) + (", ..." if len(differing) > 2 else ""),
                    values=", ".join(f"'{v}'" for _, v in shown) + (", ..." if len(differing) > 2 else ""),
                )


def _names_differing_from_values(
    index: ProjectIndex, column: ColumnFacts, type_map_known: bool
) -> list[tuple[str, str]]:
    """The (name, value) members of the column's enum class whose string value is not its
    name; [] when it stores values, is no enum class of the project, or is not certain.
    `type_map_known`: `Mapped[Status]` alone is `Enum(Status)` (default_type_map)."""
    enum = column.enum
    if enum is None or enum.enum_class is None or enum.by_value:
        return []
    if column.sql_type_from_annotation and not type_map_known:
        return []
    found = index.resolve_base(enum.enum_class)
    members = found[1].enum_members if found is not None else None
    if not members or any(value is None for _, value in members):
        return []  # int values, auto(): no string value to expect instead
    return [(name, value) for name, value in members if value != name]  # type: ignore[misc]
