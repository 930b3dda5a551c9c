"""ORM508 shared-sa-column: SQLModel's `Field(sa_column=Column(...))` on a base or mixin that
several `table=True` models inherit: one Column object for several tables (project)."""

from __future__ import annotations

from typing import Iterator

from ormlint.facts import ClassFacts, ProjectIndex
from ormlint.rules.base import ProjectRule, ProjectViolation, example


class SharedSaColumn(ProjectRule):
    code = "ORM508"
    name = "shared-sa-column"
    summary = (
        "SQLModel `Field(sa_column=Column(...))` on a base or mixin that several `table=True` "
        "models inherit: one Column object for several tables (project)"
    )
    message = (
        "`{owner}.{attr}` holds one `Column` object (`sa_column=`), and SQLModel hands that same "
        "object to every table model that inherits the field ({tables}): the second of them to "
        "be defined fails with `ArgumentError: Column object '{column}' already assigned to "
        "Table ...`; write `Field(sa_type=..., sa_column_kwargs={{...}})`, which builds a new "
        "Column for each table, or declare the field in each table model"
    )
    what_it_does = """
        Checks SQLModel fields declared with `sa_column=Column(...)` in a class that is not a
        table model itself (a SQLModel base without `table=True`, or a plain mixin) and finds
        the `table=True` models of the project that inherit the field. Reported when two or
        more do, at the `Column(...)`.

        Not reported: a table model that declares the field again, or any of whose bases
        (other than the one that holds the field) binds that name or is not in the project;
        a base inherited by one table model (and by schemas without `table=True`, which make
        no table); `sa_column=` given a variable or a call of a function.
        """
    why_bad = """
        SQLModel passes the `sa_column` object to the table as it is, and SQLAlchemy lets a
        Column belong to one table only. The first table model takes the Column; defining the
        second raises, at import: `sqlalchemy.exc.ArgumentError: Column object 'created_at'
        already assigned to Table 'hero'` (observed with SQLModel 0.0.50 and SQLAlchemy 2.1,
        also for a plain mixin class; this rule's oracle test reproduces SQLAlchemy's refusal,
        and runs the example itself when SQLModel is installed).
        """
    fix_safety = (
        "No automatic fix: `sa_type=` and `sa_column_kwargs=` do not carry every Column "
        "argument (a positional name, a ForeignKey), so the rewrite is the author's."
    )
    references = (
        "SQLModel: Field (sa_column, sa_type, sa_column_kwargs), https://sqlmodel.tiangolo.com/",
        "SQLAlchemy: Table (a Column belongs to one Table), https://docs.sqlalchemy.org/en/20/core/metadata.html#sqlalchemy.schema.Table",
        "SQLModel issue 370 (an `sa_column` field factored into a base class), https://github.com/fastapi/sqlmodel/issues/370",
    )
    invalid = (
        example("""
            from datetime import datetime

            from sqlalchemy import Column, DateTime, func
            from sqlmodel import Field, SQLModel


            class TimestampModel(SQLModel):
                created_at: datetime | None = Field(
                    default=None,
                    sa_column=Column(DateTime(timezone=True), server_default=func.now()),  # ORM508:19
                )


            class Hero(TimestampModel, table=True):
                id: int | None = Field(default=None, primary_key=True)


            class Team(TimestampModel, table=True):
                id: int | None = Field(default=None, primary_key=True)
            """),
    )
    valid = (
        example("""
            from datetime import datetime

            from sqlalchemy import DateTime, func
            from sqlmodel import Field, SQLModel


            class TimestampModel(SQLModel):
                created_at: datetime | None = Field(
                    default=None,
                    sa_type=DateTime(timezone=True),
                    sa_column_kwargs={"server_default": func.now()},
                )


            class Hero(TimestampModel, table=True):
                id: int | None = Field(default=None, primary_key=True)


            class Team(TimestampModel, table=True):
                id: int | None = Field(default=None, primary_key=True)
            """),
        example("""
            from datetime import datetime

            from sqlalchemy import Column, DateTime
            from sqlmodel import Field, SQLModel


            class HeroBase(SQLModel):
                created_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))


            class Hero(HeroBase, table=True):
                id: int | None = Field(default=None, primary_key=True)


            class HeroRead(HeroBase):
                id: int
            """),
    )

    def check_project(self, index: ProjectIndex) -> Iterator[ProjectViolation]:
        holders = [
            (path, cls, column) for path, cls in index.classes()
            if not _table_model(cls) for column in cls.columns
            if column.sa_column is not None and column.attr
        ]
        if not holders:
            return
        table_models = [(path, cls) for path, cls in index.classes() if _table_model(cls)]
        for path, holder, column in holders:
            tables = [
                cls.name for model_path, cls in table_models
                if _takes_field_from(index, model_path, cls, path, holder, column.attr)
            ]
            if len(tables) >= 2:
                yield self.project_violation(
                    path, column.sa_column, owner=holder.name, attr=column.attr,
                    tables=", ".join(f"`{name}`" for name in tables[:3]) + (", ..." if len(tables) > 3 else ""),
                    column=column.name or column.attr,
                )


def _table_model(cls: ClassFacts) -> bool:
    """A class declared with `table=True`: below a SQLModel class that holds a field, one of
    SQLModel's table models (its file may not show that it is a SQLModel class)."""
    return cls.sqlmodel_table or cls.table_keyword


def _takes_field_from(
    index: ProjectIndex, path: str, cls: ClassFacts, holder_path: str, holder: ClassFacts, attr: str
) -> bool:
    """Does the table model `cls` inherit `attr` from `holder`, and from no other class? Every
    base must be known, none of them (nor `cls`) may bind `attr` again, and the way up to the
    holder goes through no other table model."""
    if attr in cls.own_attributes:
        return False
    found_holder = False
    for found in index.ancestors(path, cls, through=lambda base: not _table_model(base)):
        if found is None:
            return False
        base_path, base = found
        if (base_path, base.name) == (holder_path, holder.name) and base is holder:
            found_holder = True
        elif attr in base.own_attributes:
            return False
    return found_holder
