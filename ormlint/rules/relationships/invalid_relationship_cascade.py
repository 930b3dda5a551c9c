"""ORM107 invalid-relationship-cascade: an invalid `cascade=` string, or `delete-orphan` on a
many-to-one or many-to-many without `single_parent=True`"""

from __future__ import annotations

import difflib
import re

from typing import Iterator

import libcst as cst

from ormlint.model.names import string_value
from ormlint.model.types import FileModel
from ormlint.project import ProjectIndex
from ormlint.rules.base import ProjectRule, ProjectViolation, Violation
from ormlint.rules.relationships._common import Schema, keyword_value, models_example, attribute_label


def _cascade_options(text: str) -> list[str]:
    """The options SQLAlchemy reads from a cascade string (`CascadeOptions.from_string`)."""
    return [c for c in re.split(r"\s*,\s*", text) if c]


_CASCADES = ("save-update", "merge", "expunge", "delete", "delete-orphan", "refresh-expire", "all", "none")


def _suggest_cascade(option: str) -> list[str]:
    """What a mistyped cascade option probably meant (possibly several, or none)."""
    words = option.strip().lower().replace("_", "-").split()
    fixed = []
    for word in words:
        if word in _CASCADES:
            fixed.append(word)
            continue
        close = difflib.get_close_matches(word, _CASCADES, n=1, cutoff=0.6)
        if close:
            fixed.append(close[0])
    return fixed


def _cascade_problem(text: str, single_parent: bool, many: str | None) -> tuple[str, str] | None:
    """(what is wrong, the string to write) for a literal cascade, or None."""
    options = _cascade_options(text)
    invalid = [o for o in options if o not in _CASCADES]
    if invalid:
        fixed: list[str] = []
        for option in options:
            for word in (_suggest_cascade(option) if option in invalid else [option]):
                if word not in fixed:
                    fixed.append(word)
        listed = ", ".join(f'"{o}"' for o in invalid)
        problem = f"not a cascade option: {listed} (ArgumentError)"
        return problem, ", ".join(fixed)
    effective = set(options)
    if "all" in effective:
        effective |= {"save-update", "merge", "refresh-expire", "expunge", "delete"}
    if "none" in effective:
        return None
    if "delete-orphan" in effective and "delete" not in effective:
        fixed = [o for o in options if o != "delete-orphan"] + ["delete", "delete-orphan"]
        return "`delete-orphan` without `delete` (SAWarning: requires 'delete')", ", ".join(fixed)
    if "delete-orphan" in effective and many and not single_parent:
        return (
            f"`delete-orphan` on a {many} relationship needs `single_parent=True` "
            "(ArgumentError at the first query)",
            text,
        )
    return None


def _has_delete_orphan(text: str | None) -> bool:
    if text is None:
        return False
    options = _cascade_options(text)
    return "delete-orphan" in options and "none" not in options and all(o in _CASCADES for o in options)


class InvalidRelationshipCascade(ProjectRule):
    code = "ORM107"
    name = "invalid-relationship-cascade"
    summary = "an invalid `cascade=` string, or `delete-orphan` on a many-to-one or many-to-many without `single_parent=True`"
    catches = (
        '`cascade="all, delete_orphan"` and other invalid options, `delete-orphan` without '
        "`delete`, or on a many-to-one/many-to-many without `single_parent=True` (project)"
    )
    message = "`cascade=\"{cascade}\"` on {name}: {problem}; {fix}"
    what_it_does = """
        Checks literal `cascade=` strings of `relationship()` and `backref()`: every option must
        be one of `save-update`, `merge`, `expunge`, `delete`, `delete-orphan`,
        `refresh-expire`, `all` or `none`, separated by commas (spaces are allowed around the
        commas only); `delete-orphan` needs `delete` (or `all`); and `delete-orphan` on the
        "many" side of a relationship (many-to-one, found through the foreign keys across files,
        or many-to-many through `secondary=`) needs `single_parent=True`.
        """
    why_bad = """
        Verified by this rule's oracle test: a misspelt option fails when the class is defined
        (`ArgumentError: Invalid cascade option(s): 'delete_orphan'`; inside `backref()` only at
        the first query), a stray space at either end of the string counts as part of an option
        (`' all'`), `delete-orphan` alone warns `SAWarning: The 'delete-orphan' cascade option
        requires 'delete'.`, and `delete-orphan` on a many-to-one fails at the first query:
        `ArgumentError: For many-to-one relationship Child.parent, delete-orphan cascade is
        normally configured only on the "one" side of a one-to-many relationship, and not on the
        "many" side of a many-to-one or many-to-many relationship. ... set the single_parent=True
        flag.`
        """
    references = (
        "SQLAlchemy: Cascades, https://docs.sqlalchemy.org/en/20/orm/cascades.html",
        "SQLAlchemy: delete-orphan and single_parent, https://sqlalche.me/e/20/bbf0",
    )
    invalid = (
        models_example('''

            class Parent(Base):
                __tablename__ = "parent"
                id: Mapped[int] = mapped_column(primary_key=True)
                children: Mapped[list["Child"]] = relationship(cascade="all, delete_orphan")  # ORM107:60


            class Child(Base):
                __tablename__ = "child"
                id: Mapped[int] = mapped_column(primary_key=True)
                parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("parent.id"))
            '''),
        models_example('''

            class Parent(Base):
                __tablename__ = "parent"
                id: Mapped[int] = mapped_column(primary_key=True)


            class Child(Base):
                __tablename__ = "child"
                id: Mapped[int] = mapped_column(primary_key=True)
                parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("parent.id"))
                parent: Mapped[Optional[Parent]] = relationship(cascade="all, delete-orphan")  # ORM107:5
            '''),
    )
    valid = (
        models_example('''

            class Parent(Base):
                __tablename__ = "parent"
                id: Mapped[int] = mapped_column(primary_key=True)
                children: Mapped[list["Child"]] = relationship(
                    back_populates="parent", cascade="all, delete-orphan"
                )


            class Child(Base):
                __tablename__ = "child"
                id: Mapped[int] = mapped_column(primary_key=True)
                parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("parent.id"))
                parent: Mapped[Optional[Parent]] = relationship(back_populates="children")
            '''),
    )

    def check(self, model: FileModel) -> Iterator[Violation]:
        for rel in model.relationships:
            name = f"`{rel.owner}.{rel.attr}`" if rel.owner and rel.attr else "this relationship"
            splat = any(arg.star for arg in rel.node.args)
            many = "many-to-many" if "secondary" in rel.kwargs else None
            calls = [(rel.kwargs, name, splat)]
            backref = keyword_value(rel, "backref")
            if isinstance(backref, cst.Call) and model.imports.symbol(backref.func) == "backref":
                inner = {a.keyword.value: a for a in backref.args if a.keyword is not None}
                args = [a for a in backref.args if a.keyword is None and not a.star]
                label = string_value(args[0].value) if args else None
                calls.append((inner, f"the backref `{label}`" if label else "the backref",
                              any(a.star for a in backref.args)))
            for kwargs, label, unknown in calls:
                arg = kwargs.get("cascade")
                text = string_value(arg.value) if arg is not None else None
                if text is None:
                    continue
                # viewonly=True: SQLAlchemy skips the single_parent check (it persists nothing)
                exempt = unknown or "single_parent" in kwargs or "viewonly" in kwargs
                found = _cascade_problem(text, exempt, many)
                if found is None:
                    continue
                problem, fixed = found
                if fixed == text:
                    fix = "add `single_parent=True` if each object has at most one owner, or move the cascade to the one-to-many side"
                else:
                    fix = f'write `cascade="{fixed}"`'
                yield self.violation(arg.value, cascade=text, name=label, problem=problem, fix=fix)

    def check_project(self, index: ProjectIndex) -> Iterator[ProjectViolation]:
        schema = Schema.of(index)
        for owner, rel in schema.relationships():
            own = _has_delete_orphan(rel.cascade) and "single_parent" not in rel.keywords
            via_backref = (
                _has_delete_orphan(rel.backref_cascade)
                and not rel.backref_keywords & {"single_parent", "**"}
            )
            if not (own or via_backref) or rel.keywords & {"remote_side", "viewonly"}:
                continue
            target = schema.target(owner.path, rel)
            if target is None or target.key == owner.key:
                continue
            paths = schema.paths(owner, rel, target)
            if not paths or len(paths) != 1:
                continue
            fix = "add `single_parent=True` if each object has at most one owner, or move the cascade to the one-to-many side"
            if own and paths[0].on_owner:
                yield self.project_violation(
                    owner.path, rel.location, cascade=rel.cascade, name=attribute_label(owner, rel),
                    problem=(
                        f"`delete-orphan` on a many-to-one relationship (foreign key "
                        f"{paths[0].describe()}) needs `single_parent=True` (ArgumentError at the "
                        "first query)"
                    ),
                    fix=fix,
                )
            if via_backref and not paths[0].on_owner:
                yield self.project_violation(
                    owner.path, rel.location, cascade=rel.backref_cascade,
                    name=f"the backref `{target.cls.name}.{rel.backref}`",
                    problem=(
                        f"`delete-orphan` on a many-to-one backref (foreign key "
                        f"{paths[0].describe()}) needs `single_parent=True` in `backref()` "
                        "(ArgumentError at the first query)"
                    ),
                    fix=fix,
                )
