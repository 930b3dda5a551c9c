"""ORM208: a column annotated with a mapped class (`user_id: Mapped["User"] = mapped_column(ForeignKey(...))`)."""

from __future__ import annotations

from typing import Iterator

from ormlint.facts import ColumnFacts, ProjectIndex
from ormlint.rules.base import ProjectRule, ProjectViolation, example


class MappedClassColumnAnnotation(ProjectRule):
    code = "ORM208"
    name = "mapped-class-column-annotation"
    summary = "a column annotated `Mapped[SomeModel]`: the attribute holds the key value, not the object"
    catches = (
        '`user_id: Mapped["User"] = mapped_column(ForeignKey(...))`: a column annotated with a '
        "mapped class; it holds the key value (`MappedAnnotationError` without a foreign key or "
        "SQL type) (project)"
    )
    message = "`{attr}` is a column, but its annotation names the mapped class `{target}`: {consequence}"
    what_it_does = """
        Checks the `Mapped[...]` annotation of each column (`mapped_column()`, `Column()` or a
        bare annotation) of the project's mapped classes: when it names one class, optional
        or not, and that class is mapped in this project, the annotation describes a related
        object where the column holds a value. Names that resolve to no class, or to several,
        and classes that are not mapped (an `Enum`, a mixin) are left alone.
        """
    why_bad = """
        A column holds the foreign key's value, not the object. With a foreign key or an
        explicit SQL type the class works, but `post.user_id` is an `int` while type checkers
        and readers are told it is a `User` (verified by this rule's oracle test: the column is
        `INTEGER` and loads `int`). Without either, SQLAlchemy refuses the class when it is
        defined: `MappedAnnotationError: Could not locate SQLAlchemy Core type when resolving
        for Python type indicated by '<class 'User'>' inside the Mapped[] annotation`.
        """
    fix_safety = "No automatic fix: the key's Python type, and whether a relationship() was meant, are the author's."
    references = (
        "SQLAlchemy: Basic Relationship Patterns, https://docs.sqlalchemy.org/en/20/orm/basic_relationships.html#many-to-one",
    )
    invalid = (
        example('''
            from sqlalchemy import ForeignKey
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class User(Base):
                __tablename__ = "user"
                id: Mapped[int] = mapped_column(primary_key=True)


            class Post(Base):
                __tablename__ = "post"
                id: Mapped[int] = mapped_column(primary_key=True)
                user_id: Mapped["User"] = mapped_column(ForeignKey("user.id"))  # ORM208:5
            '''),
    )
    valid = (
        example('''
            from sqlalchemy import ForeignKey
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


            class Base(DeclarativeBase):
                pass


            class User(Base):
                __tablename__ = "user"
                id: Mapped[int] = mapped_column(primary_key=True)


            class Post(Base):
                __tablename__ = "post"
                id: Mapped[int] = mapped_column(primary_key=True)
                user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
                user: Mapped["User"] = relationship()
            '''),
    )

    def check_project(self, index: ProjectIndex) -> Iterator[ProjectViolation]:
        for facts in index.files:
            if facts.is_revision:
                continue
            for cls in facts.classes:
                if cls.sqlmodel_table:
                    continue  # SQLModel fields are Pydantic annotations
                for column in cls.columns:
                    if column.annotation_class is None or column.location is None or column.attr is None:
                        continue
                    found = index.resolve_base(column.annotation_class)
                    if found is None or index.maps_table(*found) is not True or not index.passes_prefilter(found[0]):
                        continue
                    yield self.project_violation(
                        facts.path, column.location, attr=column.attr, target=found[1].name,
                        consequence=_consequence(column),
                    )


def _consequence(column: ColumnFacts) -> str:
    if column.sql_type_from_annotation and not column.foreign_keys and not column.class_foreign_keys \
            and column.foreign_key_targets == ():
        return (
            "SQLAlchemy raises MappedAnnotationError when the class is defined; annotate the "
            "key's Python type (`Mapped[int]`, `Mapped[uuid.UUID]`...), and use relationship() for the object"
        )
    return (
        "the attribute holds the key's value, not the object; annotate its Python type "
        "(`Mapped[int]`, `Mapped[uuid.UUID]`...), and use relationship() for the object"
    )
