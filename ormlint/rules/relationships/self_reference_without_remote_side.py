"""ORM111: a self-referential many-to-one without `remote_side` (SQLAlchemy makes it one-to-many)."""

from __future__ import annotations

from typing import Iterator

from ormlint.facts import ClassFacts, ProjectIndex
from ormlint.rules.base import ProjectRule, ProjectViolation, example

# Arguments that decide the direction themselves, or that this rule cannot read.
_DIRECTION_GIVEN = frozenset({"remote_side", "primaryjoin", "secondary", "secondaryjoin", "argument"})


class SelfReferenceWithoutRemoteSide(ProjectRule):
    code = "ORM111"
    name = "self-reference-without-remote-side"
    summary = "a self-referential many-to-one without `remote_side` (SQLAlchemy makes it one-to-many)"
    catches = (
        "`parent` beside `parent_id` (a foreign key to its own table) without `remote_side`: "
        "SQLAlchemy makes it one-to-many, so `root.parent` is a child (with a `children` "
        "backref/back_populates: `ArgumentError`) (project)"
    )
    message = (
        "`{owner}.{attr}` is named after `{column}`, the foreign key to its own table, but "
        "without `remote_side` SQLAlchemy makes it one-to-many: it loads the rows whose "
        "`{column}` points at this one, not the row `{column}` names; add `remote_side` naming `{owner}.{remote}`"
    )
    what_it_does = """
        Checks relationships from a mapped class to itself that are named after one of the
        class's own foreign-key columns to its own table (`parent` beside `parent_id`), whether
        declared directly or created by `backref="parent"` on the other side. Such a
        relationship is meant as the many-to-one along that column, and needs `remote_side`
        naming the referenced column. Silent when `remote_side`, `primaryjoin` or `secondary`
        is given, when the annotation is a collection (`Mapped[list["Node"]]` is one-to-many on
        purpose), and for relationships whose name matches no foreign-key column.
        """
    why_bad = """
        For a relationship between two rows of one table, SQLAlchemy cannot tell which side is
        "many" from the foreign key, and assumes one-to-many unless `remote_side` says
        otherwise. `parent: Mapped[Optional["Node"]] = relationship()` configures without error
        as ONETOMANY, so `child.parent` is None and `root.parent` is one of root's children
        (verified by this rule's oracle test); paired with a `children` collection by
        `back_populates` or `backref`, configuration fails instead: `ArgumentError:
        Node.children and back-reference Node.parent are both of the same direction
        <RelationshipDirection.ONETOMANY: 1>. Did you mean to set remote_side on the
        many-to-one side?`.
        """
    fix_safety = "No automatic fix: the rule names the column for `remote_side`, and the author adds it."
    references = (
        "SQLAlchemy: Adjacency List Relationships, https://docs.sqlalchemy.org/en/20/orm/self_referential.html",
    )
    invalid = (
        example('''
            from typing import Optional

            from sqlalchemy import ForeignKey
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


            class Base(DeclarativeBase):
                pass


            class Node(Base):
                __tablename__ = "node"
                id: Mapped[int] = mapped_column(primary_key=True)
                parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("node.id"))
                parent: Mapped[Optional["Node"]] = relationship()  # ORM111:5
            '''),
    )
    valid = (
        example('''
            from typing import Optional

            from sqlalchemy import ForeignKey
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


            class Base(DeclarativeBase):
                pass


            class Node(Base):
                __tablename__ = "node"
                id: Mapped[int] = mapped_column(primary_key=True)
                parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("node.id"))
                parent: Mapped[Optional["Node"]] = relationship(back_populates="children", remote_side=[id])
                children: Mapped[list["Node"]] = relationship(back_populates="parent")
            '''),
    )

    def check_project(self, index: ProjectIndex) -> Iterator[ProjectViolation]:
        for path, cls in index.classes():
            if cls.kind != "mapped" or not cls.tablename or not cls.relationships:
                continue
            self_keys = _self_foreign_keys(cls)
            if not self_keys:
                continue
            for rel in cls.relationships:
                if rel.target != cls.name or rel.has_unknown_kwargs or rel.keywords & _DIRECTION_GIVEN:
                    continue
                if index.resolve_class(rel.target, prefer_path=path) != (path, cls):
                    continue
                # the relationship itself, named after a foreign key
                if rel.annotation_shape != "collection" and rel.attr in self_keys:
                    column, remote = self_keys[rel.attr]
                    yield self.project_violation(path, rel.location, owner=cls.name, attr=rel.attr, column=column, remote=remote)
                # or the reverse side `backref="parent"` creates on the same class
                elif (rel.backref in self_keys and "remote_side" not in rel.backref_keywords
                      and "**" not in rel.backref_keywords and "primaryjoin" not in rel.backref_keywords):
                    column, remote = self_keys[rel.backref]
                    yield self.project_violation(path, rel.location, owner=cls.name, attr=rel.backref, column=column, remote=remote)


def _self_foreign_keys(cls: ClassFacts) -> dict[str, tuple[str, str]]:
    """Relationship name ("parent") -> (its foreign-key column "parent_id", the attribute of the
    column it references, else its name) for the class's own foreign keys to its own table."""
    attrs_by_name = {c.name or c.attr: c.attr for c in cls.columns if c.attr}
    found: dict[str, tuple[str, str]] = {}
    for column in cls.columns:
        if not column.attr or not column.attr.endswith("_id") or len(column.foreign_keys) != 1:
            continue
        table, _, referenced = column.foreign_keys[0][0].rpartition(".")
        if table != cls.tablename or not referenced:
            continue
        found[column.attr[: -len("_id")]] = (column.attr, attrs_by_name.get(referenced, referenced))
    return found
