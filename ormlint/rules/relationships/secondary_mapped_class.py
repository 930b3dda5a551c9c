"""ORM113: `secondary=` given a mapped class instead of a table."""

from __future__ import annotations

from typing import Iterator

from ormlint.facts import ProjectIndex
from ormlint.rules.base import ProjectRule, ProjectViolation, example


class SecondaryMappedClass(ProjectRule):
    code = "ORM113"
    name = "secondary-mapped-class"
    summary = "`secondary=` names a mapped class, not a table"
    catches = (
        '`secondary="UserGroup"` / `secondary=UserGroup` names a mapped class: `ArgumentError` '
        "at mapper configuration (project)"
    )
    message = (
        "`{owner}.{attr}` gives the mapped class `{target}` as `secondary=`, which SQLAlchemy "
        "refuses at mapper configuration (ArgumentError): give its table, "
        '`secondary="{table}"`, or use `{target}` as an association object with two relationships'
    )
    what_it_does = """
        Checks every `relationship(..., secondary=...)` whose value is a string or a name that
        finds a mapped class of the project (`secondary="UserGroup"`, `secondary=UserGroup`).
        Silent when a table of that name exists too, and for expressions
        (`UserGroup.__table__`, a lambda) and module-level `Table(...)` variables.
        """
    why_bad = """
        `secondary` must be a `Table` (or another FROM clause): rows of the link table are
        written by the relationship itself, independently of a class mapped to it. Import
        succeeds and the first query fails: `ArgumentError: secondary argument <class
        'UserGroup'> passed to to relationship() User.groups must be a Table object or other
        FROM clause; can't send a mapped class directly as rows in 'secondary' are persisted
        independently of a class that is mapped to that same table` (verified by this rule's
        oracle test, for the string and the class).
        """
    fix_safety = "No automatic fix: the table, or an association-object pattern, is the author's choice."
    references = (
        "SQLAlchemy: Many To Many, https://docs.sqlalchemy.org/en/20/orm/basic_relationships.html#many-to-many",
        "SQLAlchemy: Association Object, https://docs.sqlalchemy.org/en/20/orm/basic_relationships.html#association-object",
    )
    invalid = (
        example('''
            from sqlalchemy import ForeignKey
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


            class Base(DeclarativeBase):
                pass


            class UserGroup(Base):
                __tablename__ = "user_group"
                user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True)
                group_id: Mapped[int] = mapped_column(ForeignKey("grp.id"), primary_key=True)


            class User(Base):
                __tablename__ = "user_account"
                id: Mapped[int] = mapped_column(primary_key=True)
                groups: Mapped[list["Group"]] = relationship(secondary="UserGroup")  # ORM113:5


            class Group(Base):
                __tablename__ = "grp"
                id: Mapped[int] = mapped_column(primary_key=True)
            '''),
    )
    valid = (
        example('''
            from sqlalchemy import ForeignKey
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


            class Base(DeclarativeBase):
                pass


            class UserGroup(Base):
                __tablename__ = "user_group"
                user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True)
                group_id: Mapped[int] = mapped_column(ForeignKey("grp.id"), primary_key=True)


            class User(Base):
                __tablename__ = "user_account"
                id: Mapped[int] = mapped_column(primary_key=True)
                groups: Mapped[list["Group"]] = relationship(secondary="user_group", viewonly=True)


            class Group(Base):
                __tablename__ = "grp"
                id: Mapped[int] = mapped_column(primary_key=True)
            '''),
    )

    def check_project(self, index: ProjectIndex) -> Iterator[ProjectViolation]:
        table_names = {t.name for f in index.files for t in f.tables} | {
            c.tablename for _, c in index.classes() if c.tablename
        }
        for path, cls in index.classes():
            for rel in cls.relationships:
                if not rel.secondary_name or rel.secondary_name in table_names:
                    continue
                found = index.resolve_class(rel.secondary_name, prefer_path=path)
                if found is None or found[1].kind != "mapped":
                    continue
                target = found[1]
                yield self.project_violation(
                    path, rel.location, owner=cls.name, attr=rel.attr, target=target.name,
                    table=target.tablename or "its table",
                )
