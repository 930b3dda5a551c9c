"""ORM103 back-populates-not-reciprocal: a `back_populates` pair that does not point back (the
other side is one-way)"""

from __future__ import annotations

from collections import Counter

from typing import Iterator

from ormlint.project import ProjectIndex, RelationshipFacts
from ormlint.rules.base import ProjectRule, ProjectViolation
from ormlint.rules.relationships._common import models_example
from ormlint.rules.relationships.back_populates_missing import BackPopulatesMissing


def _through_secondary(rel: RelationshipFacts) -> bool:
    return "secondary" in rel.keywords


def _not_a_pair(
    owner: str, rel: RelationshipFacts, target: str, other: RelationshipFacts
) -> tuple[str, str]:
    """ORM103's problem and advice when one side goes through an association table and the
    other joins on a foreign key: two links, which `back_populates` would write into each other."""
    this, that = f"{owner}.{rel.attr}", f"{target}.{other.attr}"
    many = rel if _through_secondary(rel) else other
    secondary = many.secondary_table or many.secondary_name
    table = f"the association table `{secondary}`" if secondary else "an association table"
    if many is rel:
        problem = f"joins on a foreign key while `{this}` goes through {table}"
    else:
        problem = f"goes through {table} while `{this}` joins on a foreign key"
    advice = (
        f"two different links, which SQLAlchemy would write into each other (a change to "
        f"`{this}` also changes `{that}`); do not pair them: pair the many-to-many with a "
        f"relationship through the same `secondary=`, the foreign key with one that joins on "
        f"it, or drop this `back_populates`"
    )
    return problem, advice


class BackPopulatesNotReciprocal(ProjectRule):
    code = "ORM103"
    name = "back-populates-not-reciprocal"
    summary = "a `back_populates` pair that does not point back (the other side is one-way)"
    catches = (
        "a `back_populates` pair whose other side does not point back: it syncs one way only "
        "(project)"
    )
    message = "`{owner}.{attr}` has `back_populates=\"{other}\"`, but `{target}.{other}` {problem}: {advice}"
    what_it_does = """
        Checks that when `A.x = relationship("B", back_populates="y")`, the relationship `B.y`
        names `x` in its own `back_populates`. Both sides must be found in the checked files.
        Silent when either side is `viewonly` (nothing synchronises into it) and when several
        relationships name `B.y` (it can point back to one of them only). When one side goes
        through an association table (`secondary=`) and the other does not, they are two
        different links that can never be a pair: the message says so instead of asking for the
        missing `back_populates`.
        """
    why_bad = """
        SQLAlchemy configures this without error or warning, and the pair then synchronises in
        one direction only: appending to `parent.children` sets `child.parent`, but
        `Child(parent=parent)` does not appear in `parent.children` until the session is
        flushed and the collection reloaded (verified by this rule's oracle test). Code that reads
        the collection in the same unit of work sees stale data.

        A many-to-many through an association table that names a many-to-one (or one-to-many)
        on a foreign key in `back_populates` is worse: SQLAlchemy 2.0 and 2.1 configure it
        silently and write one link from the other. In the oracle test, `user.teams.append(team)`
        also made the user the team's `owner` (`team.owner_id` set on flush); adding the
        `back_populates` the other side lacks would also add a `membership` row for every
        `Team(owner=user)`. The two sides need two pairs: the many-to-many with a relationship
        through the same `secondary=` table, the foreign key with its own reverse relationship.
        """
    invalid = (
        models_example('''

            class Parent(Base):
                __tablename__ = "parent"
                id: Mapped[int] = mapped_column(primary_key=True)
                children: Mapped[list["Child"]] = relationship(back_populates="parent")  # ORM103:67


            class Child(Base):
                __tablename__ = "child"
                id: Mapped[int] = mapped_column(primary_key=True)
                parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("parent.id"))
                parent: Mapped[Optional[Parent]] = relationship()
            '''),
        models_example('''
            from sqlalchemy import Column, Table

            membership = Table(
                "membership",
                Base.metadata,
                Column("user_id", ForeignKey("user_account.id"), primary_key=True),
                Column("team_id", ForeignKey("team.id"), primary_key=True),
            )


            class User(Base):
                __tablename__ = "user_account"
                id: Mapped[int] = mapped_column(primary_key=True)
                teams: Mapped[list["Team"]] = relationship(secondary=membership, back_populates="owner")  # ORM103:85


            class Team(Base):
                __tablename__ = "team"
                id: Mapped[int] = mapped_column(primary_key=True)
                owner_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
                owner: Mapped[Optional[User]] = relationship()
            '''),
    )
    valid = (
        *BackPopulatesMissing.valid,
        models_example('''
            from sqlalchemy import Column, Table

            membership = Table(
                "membership",
                Base.metadata,
                Column("user_id", ForeignKey("user_account.id"), primary_key=True),
                Column("team_id", ForeignKey("team.id"), primary_key=True),
            )


            class User(Base):
                __tablename__ = "user_account"
                id: Mapped[int] = mapped_column(primary_key=True)
                teams: Mapped[list["Team"]] = relationship(secondary=membership, back_populates="members")
                owned_teams: Mapped[list["Team"]] = relationship(back_populates="owner")


            class Team(Base):
                __tablename__ = "team"
                id: Mapped[int] = mapped_column(primary_key=True)
                owner_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
                owner: Mapped[Optional[User]] = relationship(back_populates="owned_teams")
                members: Mapped[list[User]] = relationship(secondary=membership, back_populates="teams")
            '''),
    )

    def check_project(self, index: ProjectIndex) -> Iterator[ProjectViolation]:
        # (target class, attribute) -> how many relationships name it in `back_populates`: one
        # attribute can point back to one of them only, so several make one-way pairs by design
        # (an "active key" and "old keys" view of one foreign key), and any fix breaks another.
        claims: Counter[tuple[str, str, str]] = Counter()
        pending = []
        for path, cls in index.classes():
            for rel in cls.relationships:
                if not rel.back_populates or not rel.target:
                    continue
                found = index.resolve_class(rel.target, prefer_path=path)
                if found is None:
                    continue
                claims[found[0], found[1].name, rel.back_populates] += 1
                pending.append((path, cls, rel, found))
        for path, cls, rel, (target_path, target) in pending:
            if claims[target_path, target.name, rel.back_populates] > 1:
                continue
            other = next((r for r in target.relationships if r.attr == rel.back_populates), None)
            if other is None or other.back_populates == rel.attr or other.has_unknown_kwargs:
                continue
            if "viewonly" in rel.keywords or "viewonly" in other.keywords:
                continue  # nothing synchronises into a viewonly side: the advice would change nothing
            if other.back_populates is None:
                problem = "has no `back_populates`"
            elif other.target == cls.name:
                own = index.attributes(path, cls)
                if own is None or other.back_populates not in own:
                    continue  # `other` names a missing attribute: that is ORM102's finding
                problem = f'points back to `{other.back_populates}` instead'
            else:
                continue  # it pairs with another class (e.g. a subclass): not ours to judge
            advice = f'add `back_populates="{rel.attr}"` to `{target.name}.{rel.back_populates}`'
            if not rel.has_unknown_kwargs and _through_secondary(rel) != _through_secondary(other):
                problem, advice = _not_a_pair(cls.name, rel, target.name, other)
            yield self.project_violation(
                path, rel.back_populates_location or rel.location,
                owner=cls.name, attr=rel.attr, other=rel.back_populates,
                target=target.name, problem=problem, advice=advice,
            )
