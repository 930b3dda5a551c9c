"""ORM110: a relationship whose target comes from its `Mapped[...]` annotation names no class."""

from __future__ import annotations

from typing import Iterator

from ormlint.facts import ProjectIndex
from ormlint.rules.base import ProjectRule, ProjectViolation, example


class AnnotationTargetNotFound(ProjectRule):
    code = "ORM110"
    name = "annotation-target-not-found"
    summary = "a `relationship()` without a target argument whose annotation names no class of the project"
    catches = (
        '`addresses: Mapped[list["Adress"]] = relationship()`: the annotation\'s target is no '
        "class of the project; the first query fails to locate it (project)"
    )
    message = (
        '`{attr}` takes its target from the annotation, and "{target}" is not a class defined in '
        "the project: check the spelling, or list it in `external-models` if it is defined "
        "outside the checked code"
    )
    what_it_does = """
        Checks every `relationship()` given no target argument, whose target SQLAlchemy takes
        from the annotation (`addresses: Mapped[list["Address"]] = relationship()`): the class
        it names must be defined in some file of the project. Like ORM104 (which checks string
        arguments), it runs only when a whole project is checked, every file's class names are
        known, and the name is not listed in `[tool.ormlint] external-models`. A name the module
        binds (an import, also under `TYPE_CHECKING`, an alias, a `TypeVar`) is left alone:
        SQLAlchemy looks names up in the module too.
        """
    why_bad = """
        The name in the annotation is resolved lazily, at mapper configuration: the import
        succeeds and the first query raises `InvalidRequestError: When initializing mapper
        Mapper[User(user_account)], expression 'Adress' failed to locate a name ('Adress')`
        (verified by this rule's oracle test).
        """
    fix_safety = "No automatic fix: which class was meant cannot be known."
    references = (
        "SQLAlchemy: Basic Relationship Patterns (Declarative vs. Imperative Forms), https://docs.sqlalchemy.org/en/20/orm/basic_relationships.html",
    )
    invalid = (
        example('''
            from sqlalchemy import ForeignKey
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


            class Base(DeclarativeBase):
                pass


            class User(Base):
                __tablename__ = "user_account"
                id: Mapped[int] = mapped_column(primary_key=True)
                addresses: Mapped[list["Adress"]] = relationship()  # ORM110:28


            class Address(Base):
                __tablename__ = "address"
                id: Mapped[int] = mapped_column(primary_key=True)
                user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
            '''),
    )
    valid = (
        example('''
            from sqlalchemy import ForeignKey
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


            class Base(DeclarativeBase):
                pass


            class User(Base):
                __tablename__ = "user_account"
                id: Mapped[int] = mapped_column(primary_key=True)
                addresses: Mapped[list["Address"]] = relationship()


            class Address(Base):
                __tablename__ = "address"
                id: Mapped[int] = mapped_column(primary_key=True)
                user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
            '''),
    )

    def check_project(self, index: ProjectIndex) -> Iterator[ProjectViolation]:
        if not index.whole_project or not index.class_names_complete:
            return
        for path, cls in index.classes():
            for rel in cls.relationships:
                where = rel.annotation_target_location
                if where is None or not rel.target:
                    continue
                if rel.target in index.classes_by_name or rel.target in index.external_models:
                    continue
                yield self.project_violation(path, where, attr=rel.attr, target=rel.target)
