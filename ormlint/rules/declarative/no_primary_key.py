"""ORM504: a mapped class whose table has no primary key column."""

from __future__ import annotations

from typing import Iterator

from ormlint.facts import ProjectIndex
from ormlint.rules.base import ProjectRule, ProjectViolation, example


class NoPrimaryKey(ProjectRule):
    code = "ORM504"
    name = "no-primary-key"
    summary = "a mapped class whose table has no primary key column"
    catches = (
        "a mapped class whose table has no primary key column when all its columns can be read: "
        'SQLAlchemy refuses the class ("could not assemble any primary key columns") (project)'
    )
    message = (
        '`{cls}` maps the table "{table}" but no column of it or of its bases is a primary key: '
        "SQLAlchemy refuses the class when it is defined (\"could not assemble any primary key "
        'columns\"); mark the key column `primary_key=True`'
    )
    what_it_does = """
        Checks each mapped class that has a table of its own and no mapped parent, when every
        column and table-level constraint of it and of its bases (mixins, abstract and
        declarative bases) could be read: one column must be `primary_key=True`, or
        `__table_args__` must hold a `PrimaryKeyConstraint`. Classes whose bases are outside
        the project, that set `__mapper_args__` (its `primary_key` option names the key
        itself), that map `__table__`, SQLModel classes and inheriting subclasses are left
        alone.
        """
    why_bad = """
        The mapper needs a primary key to tell rows apart, so the class statement itself fails
        and the application does not start: `ArgumentError: Mapper Mapper[Tag(tag)] could not
        assemble any primary key columns for mapped table 'tag'`. Verified by this rule's
        oracle test.
        """
    fix_safety = "No automatic fix: which column (or columns) identify a row is the author's choice."
    references = (
        "SQLAlchemy FAQ: How do I map a table that has no primary key?, https://docs.sqlalchemy.org/en/20/faq/ormconfiguration.html#how-do-i-map-a-table-that-has-no-primary-key",
    )
    invalid = (
        example('''
            from sqlalchemy import String
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Tag(Base):  # ORM504:1
                __tablename__ = "tag"
                name: Mapped[str] = mapped_column(String(40))
            '''),
    )
    valid = (
        example('''
            from sqlalchemy import PrimaryKeyConstraint, String
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class IdMixin:
                id: Mapped[int] = mapped_column(primary_key=True)


            class Tag(IdMixin, Base):
                __tablename__ = "tag"
                name: Mapped[str] = mapped_column(String(40))


            class Label(Base):
                __tablename__ = "label"
                __table_args__ = (PrimaryKeyConstraint("name"),)
                name: Mapped[str] = mapped_column(String(40))
            '''),
    )

    def check_project(self, index: ProjectIndex) -> Iterator[ProjectViolation]:
        for path, cls in ((f.path, c) for f in index.files if not f.is_revision for c in f.classes):
            if cls.sqlmodel_table or not cls.tablename or index.mapped_bases(cls) != []:
                continue  # an inheriting subclass takes its parent's key
            if not index.passes_prefilter(path):
                continue
            table = index.table_of(path, cls)
            if table is None or table.path != path or table.class_name != cls.name:
                continue
            if not all(part.bases_known and part.complete for part in table.parts):
                continue
            if any("__mapper_args__" in part.attributes or "__table__" in part.attributes for part in table.parts):
                continue
            if any(d.fact.primary_key or not d.fact.primary_key_known for d in table.columns):
                continue
            if any(d.fact.kind == "primary_key" for part in table.parts for d in part.indexes):
                continue
            yield self.project_violation(path, cls.location, cls=cls.name, table=table.name)
