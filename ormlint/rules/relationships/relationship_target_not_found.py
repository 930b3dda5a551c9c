"""ORM104 relationship-target-not-found: relationship target class (a string) is not defined
anywhere in the project"""

from __future__ import annotations

from typing import Iterator

from ormlint.project import ProjectIndex
from ormlint.rules.base import ProjectRule, ProjectViolation
from ormlint.rules.relationships._common import models_example


class RelationshipTargetNotFound(ProjectRule):
    code = "ORM104"
    name = "relationship-target-not-found"
    summary = "relationship target class (a string) is not defined anywhere in the project"
    catches = '`relationship("Adress")`: no such class anywhere in the project (project)'
    message = (
        'relationship target "{target}" is not a class defined in the project: check the '
        "spelling, or list it in `external-models` if it is defined outside the checked code"
    )
    what_it_does = """
        Checks that the class named by a string target, `relationship("Address")` or
        `relationship("app.models.Address")`, is defined in some file of the project. Runs only
        when a whole project is checked and the name is not listed in `[tool.ormlint]
        external-models`. A file that cannot be parsed still counts with the class statements of
        its text (`class Address` there silences the rule; a name it does not mention is judged);
        a file that cannot be read or decoded silences the rule.
        """
    why_bad = """
        Strings are resolved lazily, at mapper configuration: import succeeds and the first query
        raises `InvalidRequestError: When initializing mapper Mapper[User(user_account)],
        expression 'Adress' failed to locate a name ('Adress')` (verified by this rule's oracle
        test).
        """
    invalid = (
        models_example('''

            class User(Base):
                __tablename__ = "user_account"
                id: Mapped[int] = mapped_column(primary_key=True)
                addresses: Mapped[list["Address"]] = relationship("Adress")  # ORM104:55


            class Address(Base):
                __tablename__ = "address"
                id: Mapped[int] = mapped_column(primary_key=True)
                user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
            '''),
    )
    valid = (
        models_example('''

            class User(Base):
                __tablename__ = "user_account"
                id: Mapped[int] = mapped_column(primary_key=True)
                addresses: Mapped[list["Address"]] = relationship("Address")


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
                if rel.target_location is None or not rel.target:  # only string targets
                    continue
                if rel.target in index.classes_by_name or rel.target in index.external_models:
                    continue
                yield self.project_violation(path, rel.target_location, target=rel.target)
