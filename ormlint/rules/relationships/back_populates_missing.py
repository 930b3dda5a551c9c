"""ORM102 back-populates-missing: `back_populates` names an attribute the target class does not
have"""

from __future__ import annotations

from typing import Iterator

from ormlint.project import ProjectIndex
from ormlint.rules.base import ProjectRule, ProjectViolation
from ormlint.rules.relationships._common import models_example


class BackPopulatesMissing(ProjectRule):
    code = "ORM102"
    name = "back-populates-missing"
    summary = "`back_populates` names an attribute the target class does not have"
    catches = '`back_populates="x"` where the target class (in any file) has no `x` (project)'
    message = (
        '`back_populates="{attr}"`: class `{target}` ({target_path}) has no attribute `{attr}`; '
        "name the relationship on `{target}` that points back to `{owner}`"
    )
    what_it_does = """
        Checks every `relationship(..., back_populates="name")` against the target class found
        anywhere in the project: the class, its mixins and bases must define `name`. Runs only
        when a whole project is checked (a directory), and stays silent when the target class or
        one of its bases cannot be found or lies in a file that cannot be parsed, since what is
        unknown is not wrong. Another file that cannot be parsed silences it only when the file
        cannot be read at all.
        """
    why_bad = """
        Nothing fails at import. At mapper configuration, which is the first query in production,
        SQLAlchemy raises `InvalidRequestError: Mapper 'Mapper[Child(child)]' has no property
        'parent_node'` (verified by this rule's oracle test). A rename on one side of a pair is
        the usual cause.
        """
    invalid = (
        models_example('''

            class Parent(Base):
                __tablename__ = "parent"
                id: Mapped[int] = mapped_column(primary_key=True)
                children: Mapped[list["Child"]] = relationship(back_populates="parent_node")  # ORM102:67


            class Child(Base):
                __tablename__ = "child"
                id: Mapped[int] = mapped_column(primary_key=True)
                parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("parent.id"))
                parent: Mapped[Optional[Parent]] = relationship(back_populates="children")
            '''),
    )
    valid = (
        models_example('''

            class Parent(Base):
                __tablename__ = "parent"
                id: Mapped[int] = mapped_column(primary_key=True)
                children: Mapped[list["Child"]] = relationship(back_populates="parent")


            class Child(Base):
                __tablename__ = "child"
                id: Mapped[int] = mapped_column(primary_key=True)
                parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("parent.id"))
                parent: Mapped[Optional[Parent]] = relationship(back_populates="children")
            '''),
    )

    def check_project(self, index: ProjectIndex) -> Iterator[ProjectViolation]:
        if not index.whole_project or not index.class_names_complete:
            return
        for path, cls in index.classes():
            for rel in cls.relationships:
                if not rel.back_populates or not rel.target:
                    continue
                found = index.resolve_class(rel.target, prefer_path=path)
                if found is None:
                    continue
                target_path, target = found
                attributes = index.attributes(target_path, target)
                if attributes is None or rel.back_populates in attributes:
                    continue
                yield self.project_violation(
                    path, rel.back_populates_location or rel.location,
                    attr=rel.back_populates, target=target.name, target_path=target_path,
                    owner=cls.name,
                )
