"""ORM503 duplicate-tablename: the same `__tablename__` on two mapped classes of one declarative
base"""

from __future__ import annotations

from typing import Iterator

from ormlint.project import ProjectIndex
from ormlint.rules.base import ProjectRule, ProjectViolation, example


class DuplicateTablename(ProjectRule):
    code = "ORM503"
    name = "duplicate-tablename"
    summary = "the same `__tablename__` on two mapped classes of one declarative base"
    catches = "two mapped classes of one declarative base with the same `__tablename__` (project)"
    message = (
        "{declared} is also declared by `{other}` ({other_path}) under the same "
        "declarative base: {advice}"
    )
    what_it_does = """
        Checks that no two mapped classes under the same declarative base (a `DeclarativeBase`
        subclass, a `declarative_base()` result, Flask-SQLAlchemy's `db.Model`, SQLModel) declare
        the same `__tablename__`, across all files of the project, or get the same name without
        one (see ORM602 for the names ormlint knows then), in the same schema (`schema=` of
        its own `__table_args__` or a mixin's: `archive.things` is not `things`). Classes under
        different bases (different MetaData), a schema that cannot be read, `extend_existing`
        and a Flask-SQLAlchemy subclass without a primary key of its own (its table is its
        parent's) are left alone, and so is any class whose chain of bases cannot be followed. SQLModel's metadata and `db.Model`
        are compared within one top-level package: separate applications in one repository
        (each its own process and database) may reuse table names.
        """
    why_bad = """
        The second class fails at import: `InvalidRequestError: Table 'things' is already defined
        for this MetaData instance. Specify 'extend_existing=True' to redefine options and
        columns on an existing Table object.` (verified by this rule's oracle test). When the two
        classes live in modules imported by different entry points, the failure appears only in
        the process that imports both, often the migration tool or a worker.
        """
    invalid = (
        example('''
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Thing(Base):
                __tablename__ = "things"
                id: Mapped[int] = mapped_column(primary_key=True)


            class ArchivedThing(Base):
                __tablename__ = "things"  # ORM503:5
                id: Mapped[int] = mapped_column(primary_key=True)
            '''),
    )
    valid = (
        example('''
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Thing(Base):
                __tablename__ = "things"
                id: Mapped[int] = mapped_column(primary_key=True)


            class ArchivedThing(Base):
                __tablename__ = "archived_things"
                id: Mapped[int] = mapped_column(primary_key=True)
            '''),
    )

    def check_project(self, index: ProjectIndex) -> Iterator[ProjectViolation]:
        first: dict[tuple[tuple[str, str], str | None, str], tuple[str, str]] = {}
        for path, cls in index.classes():
            if not cls.tablename or cls.kind in ("mixin", "abstract", "base"):
                continue
            if cls.table_options & {"extend_existing", "keep_existing", "?"}:
                continue
            table = index.table_of(path, cls)
            if table is None or table.class_name != cls.name or table.path != path or not table.schema_known:
                continue  # (Flask-SQLAlchemy drops the table of a subclass without a primary key)
            root = index.declarative_root(path, cls)
            if root is None:
                continue
            key = (index.metadata_scope(path, root), table.schema, cls.tablename)
            if key not in first:
                first[key] = (path, cls.name)
                continue
            other_path, other = first[key]
            advice = (
                f"rename one table, or make `{cls.name}` a subclass of `{other}` without its own "
                "`__tablename__` (single-table inheritance)"
                if cls.name != other else "rename one table, or keep one of the two classes"
            )
            declared = (
                f'The table name "{cls.tablename}" that `{cls.name}` gets without `__tablename__`'
                if cls.tablename_implicit else f'`__tablename__ = "{cls.tablename}"`'
            )
            yield self.project_violation(
                path, cls.tablename_location or cls.location,
                declared=declared, other=other, other_path=other_path, advice=advice,
            )
