"""ORM105 overlapping-relationships-not-linked: two relationships write the same foreign-key column
and are not linked by `back_populates`"""

from __future__ import annotations

from collections import defaultdict

from typing import Iterator

from ormlint.project import ProjectIndex, RelationshipFacts
from ormlint.rules.base import ProjectRule, ProjectViolation, example
from ormlint.rules.relationships._common import TableKey, MappedInfo, Schema, models_example, attribute_label


def _linked(a: RelationshipFacts, b: RelationshipFacts) -> bool:
    """One names the other in `back_populates`, or one's `backref=` is the other's name."""
    return b.attr in (a.back_populates, a.backref) or a.attr in (b.back_populates, b.backref)


class OverlappingRelationshipsNotLinked(ProjectRule):
    code = "ORM105"
    name = "overlapping-relationships-not-linked"
    summary = "two relationships write the same foreign-key column and are not linked by `back_populates`"
    catches = (
        "two relationships write the same foreign-key column without `back_populates`/`backref` "
        'linking them (nor `viewonly`/`overlaps`): SAWarning "will copy column … conflicts", and '
        "one side's changes are lost (project)"
    )
    message = "{name} writes `{column}`, as {others} also does, but they are not linked: {fix}"
    what_it_does = """
        Finds relationships that SQLAlchemy would have write the same foreign-key column when
        they are not linked to each other: the usual case is `Parent.children =
        relationship("Child")` and `Child.parent = relationship("Parent")` with no
        `back_populates` on either, or a `backref="parent"` on one side while the other side
        declares its own differently named relationship. Relationships with `viewonly=`,
        `overlaps=`, `primaryjoin=` or `secondary=` are left alone, and so are those whose classes,
        tables or foreign keys cannot all be seen (the classes may be in different files).
        """
    why_bad = """
        SQLAlchemy warns when the mappers are configured, that is at the first query:
        `SAWarning: relationship 'Child.parent' will copy column parent.id to column
        child.parent_id, which conflicts with relationship(s): 'Parent.children' (copies
        parent.id to child.parent_id)`. The two attributes are then unaware of each other, and
        data is lost: in this rule's oracle test a child moved with
        `new_parent.children.append(child)` still has `child.parent` pointing at the old
        parent, so a later `child.parent = old_parent` changes nothing and the row stays with the
        new parent in the database.
        """
    references = (
        "SQLAlchemy: Relationships overlapping (the 'qzyx' warning), https://sqlalche.me/e/20/qzyx",
        "SQLAlchemy: Using the legacy 'backref' relationship parameter, https://docs.sqlalchemy.org/en/20/orm/backref.html",
    )
    invalid = (
        models_example('''

            class Parent(Base):
                __tablename__ = "parent"
                id: Mapped[int] = mapped_column(primary_key=True)
                children: Mapped[list["Child"]] = relationship()  # ORM105:5


            class Child(Base):
                __tablename__ = "child"
                id: Mapped[int] = mapped_column(primary_key=True)
                parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("parent.id"))
                parent: Mapped[Optional[Parent]] = relationship()  # ORM105:5
            '''),
        example('''
            from sqlalchemy import Column, ForeignKey, Integer
            from sqlalchemy.orm import declarative_base, relationship

            Base = declarative_base()


            class Parent(Base):
                __tablename__ = "parent"
                id = Column(Integer, primary_key=True)
                children = relationship("Child", backref="owner")  # ORM105:5


            class Child(Base):
                __tablename__ = "child"
                id = Column(Integer, primary_key=True)
                parent_id = Column(Integer, ForeignKey("parent.id"))
                parent = relationship("Parent")  # ORM105:5
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
        example('''
            from sqlalchemy import Column, ForeignKey, Integer
            from sqlalchemy.orm import declarative_base, relationship

            Base = declarative_base()


            class Parent(Base):
                __tablename__ = "parent"
                id = Column(Integer, primary_key=True)
                children = relationship("Child", backref="parent")
                recent_children = relationship("Child", viewonly=True, order_by="Child.id.desc()")


            class Child(Base):
                __tablename__ = "child"
                id = Column(Integer, primary_key=True)
                parent_id = Column(Integer, ForeignKey("parent.id"))
            '''),
    )

    def check_project(self, index: ProjectIndex) -> Iterator[ProjectViolation]:
        schema = Schema.of(index)
        writers: dict[tuple[TableKey, str], list[tuple[MappedInfo, RelationshipFacts, MappedInfo]]] = defaultdict(list)
        for owner, rel in schema.relationships():
            keywords = rel.keywords
            if keywords & {"viewonly", "overlaps"}:
                continue
            if ("back_populates" in keywords and rel.back_populates is None) or (
                "backref" in keywords and rel.backref is None
            ):
                continue  # linked to something we cannot name
            target = schema.target(owner.path, rel)
            if target is None or ("remote_side" in keywords and target.key != owner.key):
                continue
            paths = schema.paths(owner, rel, target)
            if paths is None or len(paths) != 1:
                continue  # none: not ours; several: ambiguous (ORM108)
            writers[(paths[0].table, paths[0].column)].append((owner, rel, target))
        for (table, column), group in writers.items():
            for owner, rel, target in group:
                partners = [
                    (o, r, t) for o, r, t in group
                    if r is not rel and self._conflict((owner, rel, target), (o, r, t))
                ]
                if not partners:
                    continue
                others = ", ".join(attribute_label(o, r) for o, r, _ in partners)
                reverse = (
                    len(partners) == 1 and partners[0][0].key == target.key and partners[0][2].key == owner.key
                )
                if reverse and rel.backref and partners[0][1].backref:
                    other_owner, other, _ = partners[0]
                    fix = (
                        f'replace both `backref=` arguments: `back_populates="{other.attr}"` here and '
                        f'`back_populates="{rel.attr}"` on {attribute_label(other_owner, other)}'
                    )
                elif reverse and (rel.backref or partners[0][1].backref):
                    other_owner, other, _ = partners[0]
                    with_backref, plain = ((owner, rel), (other_owner, other)) if rel.backref else ((other_owner, other), (owner, rel))
                    fix = (
                        f'replace `backref="{with_backref[1].backref}"` on {attribute_label(*with_backref)} with '
                        f'`back_populates="{plain[1].attr}"` and add `back_populates="{with_backref[1].attr}"` '
                        f"to {attribute_label(*plain)}"
                    )
                elif reverse:
                    other_owner, other, _ = partners[0]
                    fix = (
                        f'add `back_populates="{other.attr}"` here and `back_populates="{rel.attr}"` '
                        f"to {attribute_label(other_owner, other)} (or `viewonly=True` on the one that only reads)"
                    )
                else:
                    fix = (
                        "pair the two directions of one link with `back_populates`, and mark the "
                        "relationships that only read `viewonly=True` (or name the others in `overlaps=`)"
                    )
                yield self.project_violation(
                    owner.path, rel.location, name=attribute_label(owner, rel), column=f"{table[1]}.{column}",
                    others=others, fix=fix,
                )

    @staticmethod
    def _conflict(a, b) -> bool:
        (owner_a, rel_a, target_a), (owner_b, rel_b, target_b) = a, b
        if _linked(rel_a, rel_b):
            return False
        # SQLAlchemy does not compare relationships across branches of one inheritance
        # hierarchy, nor a relationship with the one it overrides in a subclass.
        if any(
            Schema.is_sibling(x, y)
            for x, y in ((owner_a, owner_b), (target_a, target_b), (owner_a, target_b), (target_a, owner_b))
        ):
            return False
        if rel_a.attr == rel_b.attr and (owner_a.key in owner_b.hierarchy or owner_b.key in owner_a.hierarchy):
            return False
        return True
