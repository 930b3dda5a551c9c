"""ORM115: two mapped classes of one name under one declarative base, named by a string."""

from __future__ import annotations

import os
from typing import Iterator

from ormlint.facts import ClassFacts, ProjectIndex
from ormlint.rules.base import ProjectRule, ProjectViolation, example


class DuplicateClassName(ProjectRule):
    code = "ORM115"
    name = "duplicate-class-name"
    summary = (
        "two mapped classes of the same name in two modules of one declarative base, and a "
        'relationship that names it by a string (`relationship("Account")`) (project)'
    )
    catches = (
        'two mapped classes `Account` in two modules of one base, and `relationship("Account")`: '
        '"Multiple classes found for path" at mapper configuration (project)'
    )
    message = (
        "{what} names `{name}` by a string, and {root} maps two classes of that name ({places}): "
        "SQLAlchemy raises InvalidRequestError at mapper configuration, 'Multiple classes found "
        "for path \"{name}\"'; {advice}"
    )
    what_it_does = """
        Checks every relationship whose target SQLAlchemy looks up by its bare name in the
        class registry: a string without a module path (`relationship("Account")`), or with no
        target argument a string annotation (`Mapped["Account"]`, or any annotation under
        `from __future__ import annotations`). Reports it when two mapped classes of that name,
        in two modules, belong to the declarative base (or Flask-SQLAlchemy / SQLModel
        application) of the class that declares the relationship. Classes under another base,
        mixins and abstract classes do not count, nor do targets given as the class itself or as
        a module path (`"app.billing.Account"`).
        """
    why_bad = """
        Each declarative base keeps one registry of its classes by name. Both modules import
        fine; the first relationship that looks the name up fails at mapper configuration (the
        first query in production): `InvalidRequestError: Multiple classes found for path
        "Account" in the registry of this declarative base. Please use a fully module-qualified
        path.` Verified by this rule's oracle test with SQLAlchemy 2.0 and 2.1, for
        `relationship("Account")` (also when the module imports the class it means) and for
        `relationship()` with `Mapped["Account"]`; the module path and the class object configure.
        """
    fix_safety = "No automatic fix: which class was meant is the author's to say."
    references = (
        "SQLAlchemy: Evaluation of relationship arguments, https://docs.sqlalchemy.org/en/20/orm/basic_relationships.html#orm-declarative-relationship-eval",
    )
    invalid = (
        example('''
            # file: app/__init__.py
            # file: app/base.py
            from sqlalchemy.orm import DeclarativeBase


            class Base(DeclarativeBase):
                pass
            # file: app/billing.py
            from sqlalchemy.orm import Mapped, mapped_column

            from app.base import Base


            class Account(Base):
                __tablename__ = "billing_account"
                id: Mapped[int] = mapped_column(primary_key=True)
            # file: app/auth.py
            from sqlalchemy.orm import Mapped, mapped_column

            from app.base import Base


            class Account(Base):
                __tablename__ = "auth_account"
                id: Mapped[int] = mapped_column(primary_key=True)
            # file: app/invoice.py
            from sqlalchemy import ForeignKey
            from sqlalchemy.orm import Mapped, mapped_column, relationship

            from app.base import Base


            class Invoice(Base):
                __tablename__ = "invoice"
                id: Mapped[int] = mapped_column(primary_key=True)
                account_id: Mapped[int] = mapped_column(ForeignKey("billing_account.id"))
                account: Mapped["Account"] = relationship("Account")  # ORM115:21
            '''),
    )
    valid = (
        example('''
            # file: app/__init__.py
            # file: app/base.py
            from sqlalchemy.orm import DeclarativeBase


            class Base(DeclarativeBase):
                pass
            # file: app/billing.py
            from sqlalchemy.orm import Mapped, mapped_column

            from app.base import Base


            class Account(Base):
                __tablename__ = "billing_account"
                id: Mapped[int] = mapped_column(primary_key=True)
            # file: app/auth.py
            from sqlalchemy.orm import Mapped, mapped_column

            from app.base import Base


            class Account(Base):
                __tablename__ = "auth_account"
                id: Mapped[int] = mapped_column(primary_key=True)
            # file: app/invoice.py
            from sqlalchemy import ForeignKey
            from sqlalchemy.orm import Mapped, mapped_column, relationship

            from app.base import Base
            from app.billing import Account


            class Invoice(Base):
                __tablename__ = "invoice"
                id: Mapped[int] = mapped_column(primary_key=True)
                account_id: Mapped[int] = mapped_column(ForeignKey("billing_account.id"))
                account: Mapped[Account] = relationship("app.billing.Account")
            '''),
    )

    def check_project(self, index: ProjectIndex) -> Iterator[ProjectViolation]:
        for path, cls in index.classes():
            for rel in cls.relationships:
                if not rel.target_by_name or not rel.target:
                    continue
                candidates = index.classes_by_name.get(rel.target, ())
                if len({candidate_path for candidate_path, _ in candidates}) < 2:
                    continue
                scope = _registry(index, path, cls)
                if scope is None:
                    continue
                same = sorted(
                    (candidate_path, candidate)
                    for candidate_path, candidate in candidates
                    if index.maps_table(candidate_path, candidate) is True
                    and _registry(index, candidate_path, candidate) == scope
                )
                if len({candidate_path for candidate_path, _ in same}) < 2:
                    continue
                modules = [_module(candidate_path, index) for candidate_path, _ in same]
                spelled = [f'`"{module}.{rel.target}"`' for module in modules if module]
                advice = (
                    f"write the module path of the one meant ({' or '.join(spelled)}), "
                    if len(spelled) == len(same) else "write the module path of the one meant, "
                ) + "pass the class itself, or rename one of them"
                yield self.project_violation(
                    path, rel.target_location or rel.annotation_target_location or rel.location,
                    what=(
                        f'`relationship("{rel.target}")`' if rel.target_location
                        else f"`{cls.name}.{rel.attr}`'s annotation"
                    ),
                    name=rel.target,
                    root=_describe(scope),
                    places=", ".join(
                        f"{candidate_path}:{candidate.location.line}" for candidate_path, candidate in same
                    ),
                    advice=advice,
                )


def _registry(index: ProjectIndex, path: str, cls: ClassFacts) -> tuple[str, str] | None:
    """The class registry a class is in: its declarative base's (one per application for a
    library's `db.Model` or `SQLModel`); None when not known."""
    root = index.declarative_root(path, cls)
    return index.metadata_scope(path, root) if root is not None else None


def _describe(scope: tuple[str, str]) -> str:
    where, name = scope
    if name in ("flask.Model", "sqlmodel.SQLModel"):
        label = "`db.Model`" if name == "flask.Model" else "`SQLModel`"
        return f"{label} ({where})" if where else label
    return f"the declarative base `{name}` ({where})"


def _module(path: str, index: ProjectIndex) -> str | None:
    """The dotted module path of a file inside packages (`app/billing.py` -> `app.billing`);
    None when its directory is no package."""
    packages = index.package_dirs()
    directory, stem = os.path.split(os.path.splitext(path)[0])
    if directory not in packages:
        return None
    parts = [] if stem == "__init__" else [stem]
    while directory in packages:
        directory, name = os.path.split(directory)
        parts.insert(0, name)
    return ".".join(parts)
