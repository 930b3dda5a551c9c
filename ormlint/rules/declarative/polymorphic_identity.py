"""ORM506: a subclass without `polymorphic_identity`, or one identity on two classes, in a polymorphic hierarchy."""

from __future__ import annotations

from typing import Iterator

from ormlint.facts import ClassFacts, ProjectIndex
from ormlint.rules.base import ProjectRule, ProjectViolation, example


class PolymorphicIdentity(ProjectRule):
    code = "ORM506"
    name = "polymorphic-identity"
    summary = "a subclass without `polymorphic_identity`, or one identity on two classes, under `polymorphic_on`"
    catches = (
        "under `polymorphic_on`: a subclass without `polymorphic_identity` (saved with NULL in "
        "the type column), or one identity on two classes (rows load as the other class) "
        "(project)"
    )
    message = "`{cls}`: {problem}"
    what_it_does = """
        Checks the mapped subclasses of a class whose `__mapper_args__` set `polymorphic_on`:
        each must set its own `polymorphic_identity` (or `polymorphic_abstract=True`), and no
        two classes of the hierarchy may give the same literal identity. Hierarchies with a
        `__mapper_args__` ormlint cannot read (computed, a `declared_attr`, from a mixin) or a
        base outside the project are left alone.
        """
    why_bad = """
        A subclass without an identity gets none: SQLAlchemy warns `Mapper[Intern(employee)]
        does not indicate a 'polymorphic_identity', yet is part of an inheritance hierarchy
        that has a 'polymorphic_on' column`, and saving one writes NULL into the discriminator
        (`IntegrityError: NOT NULL constraint failed: employee.type` when it is NOT NULL; rows
        that load back as the base class otherwise). With one identity on two classes the
        later class takes it over (`SAWarning: Reassigning polymorphic association for identity
        'manager'`), so rows saved as the first load back as the second. Both verified by this
        rule's oracle test.
        """
    fix_safety = "No automatic fix: the identity is data stored in the table."
    references = (
        "SQLAlchemy: Mapping Class Inheritance Hierarchies, https://docs.sqlalchemy.org/en/20/orm/inheritance.html",
    )
    invalid = (
        example('''
            from sqlalchemy import String
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Employee(Base):
                __tablename__ = "employee"
                id: Mapped[int] = mapped_column(primary_key=True)
                type: Mapped[str] = mapped_column(String(20))
                __mapper_args__ = {"polymorphic_on": "type", "polymorphic_identity": "employee"}


            class Manager(Employee):
                __mapper_args__ = {"polymorphic_identity": "manager"}


            class Engineer(Employee):  # ORM506:1
                __mapper_args__ = {"polymorphic_identity": "manager"}


            class Intern(Employee):  # ORM506:1
                pass
            '''),
    )
    valid = (
        example('''
            from sqlalchemy import String
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Employee(Base):
                __tablename__ = "employee"
                id: Mapped[int] = mapped_column(primary_key=True)
                type: Mapped[str] = mapped_column(String(20))
                __mapper_args__ = {"polymorphic_on": "type", "polymorphic_identity": "employee"}


            class Staff(Employee):
                __mapper_args__ = {"polymorphic_abstract": True}


            class Manager(Staff):
                __mapper_args__ = {"polymorphic_identity": "manager"}


            class Engineer(Staff):
                __mapper_args__ = {"polymorphic_identity": "engineer"}
            '''),
    )

    def check_project(self, index: ProjectIndex) -> Iterator[ProjectViolation]:
        seen: dict[tuple[int, str], str] = {}  # (id(root), identity) -> the class that gave it
        for facts in index.files:
            if facts.is_revision:
                continue
            for cls in facts.classes:
                root = _polymorphic_root(index, facts.path, cls)
                if root is None:
                    continue
                args = dict(cls.mapper_args or ())
                if cls is not root and "polymorphic_identity" not in args and "polymorphic_abstract" not in args:
                    yield self.project_violation(facts.path, cls.location, cls=cls.name, problem=(
                        f"a subclass of the polymorphic `{root.name}` without `polymorphic_identity`: "
                        "SQLAlchemy saves its rows with no identity (NULL in the discriminator); give "
                        "it one, or `polymorphic_abstract=True` if it is never instantiated"
                    ))
                identity = args.get("polymorphic_identity")
                if identity is None:
                    continue
                first = seen.setdefault((id(root), identity), cls.name)
                if first != cls.name:
                    yield self.project_violation(facts.path, cls.location, cls=cls.name, problem=(
                        f"`polymorphic_identity` {identity} is `{first}`'s too: SQLAlchemy gives it "
                        f"to the class mapped last, so rows of one load as the other; give each its own"
                    ))


def _polymorphic_root(index: ProjectIndex, path: str, cls: ClassFacts) -> ClassFacts | None:
    """The class of the hierarchy whose `__mapper_args__` set `polymorphic_on`, when the class is
    mapped in it and every class from it up to there can be read; None otherwise."""
    here_path, here = path, cls
    for _ in range(30):
        if index.maps_table(here_path, here) is not True or here.mapper_args is None:
            return None
        if not index.passes_prefilter(here_path):
            return None
        part = index.class_part(here_path, here)
        if not part.bases_known or ("__mapper_args__" in part.attributes and "__mapper_args__" not in here.own_attributes):
            return None  # a base outside the project, or a mixin's __mapper_args__
        if any(key == "polymorphic_on" for key, _ in here.mapper_args):
            return here
        parents = index.mapped_bases(here)
        if not parents or len(parents) != 1:
            return None
        here_path, here = parents[0]
    return None
