"""Oracles for the project rules on relationships (ORM102-ORM104)."""

from __future__ import annotations

import pytest
from sqlalchemy import exc, select

from ormlint.rules import RULES
from tests.oracle.harness import load


def test_orm102_missing_back_populates_fails_at_configuration():
    with load(RULES["ORM102"].invalid[0]) as example:  # import succeeds
        with pytest.raises(exc.InvalidRequestError, match="has no property 'parent_node'"):
            example.configure()


def test_orm103_one_sided_pair_syncs_one_way_only():
    with load(RULES["ORM103"].invalid[0]) as example:
        example.configure()  # no error, no warning
        parent = example.Parent()
        child = example.Child(parent=parent)
        assert child not in parent.children  # the other direction is not synchronised
        other = example.Child()
        parent.children.append(other)
        assert other.parent is parent


def test_orm103_valid_pair_syncs_both_ways():
    with load(RULES["ORM103"].valid[0]) as example:
        parent = example.Parent()
        child = example.Child(parent=parent)
        assert child in parent.children


def test_orm104_misspelt_target_fails_at_configuration():
    with load(RULES["ORM104"].invalid[0]) as example:
        with pytest.raises(exc.InvalidRequestError, match="expression 'Adress' failed to locate a name"):
            example.configure()


def test_orm103_many_to_many_named_by_a_foreign_key_side_writes_the_foreign_key():
    with load(RULES["ORM103"].invalid[1]) as example:
        example.configure()  # no error, no warning
        with example.sqlite_session() as session:
            user, team = example.User(), example.Team()
            user.teams.append(team)  # meant: the user joins the team
            assert team.owner is user  # ...and the user became its owner
            session.add(user)
            session.commit()
            assert session.execute(select(example.Team.owner_id)).scalar_one() == user.id


def test_orm103_the_old_advice_makes_every_owner_a_member():
    # The back_populates the previous message asked for on `Team.owner`: still no error, and
    # now `Team(owner=user)` adds a membership row too.
    source = RULES["ORM103"].invalid[1].replace(
        "owner: Mapped[Optional[User]] = relationship()",
        'owner: Mapped[Optional[User]] = relationship(back_populates="teams")',
    )
    with load(source) as example:
        example.configure()
        with example.sqlite_session() as session:
            user = example.User()
            team = example.Team(owner=user)
            assert team in user.teams
            session.add(team)
            session.commit()
            assert session.execute(select(example.membership)).all() == [(user.id, team.id)]


def test_orm103_advised_spelling_keeps_membership_and_ownership_apart():
    with load(RULES["ORM103"].valid[1]) as example:
        example.configure()
        with example.sqlite_session() as session:
            user, other = example.User(), example.User()
            joined = example.Team()
            user.teams.append(joined)
            owned = example.Team(owner=other)
            assert joined.members == [user] and joined.owner is None
            assert owned in other.owned_teams and owned not in other.teams
            session.add_all([user, other])
            session.commit()
            assert session.execute(select(example.membership)).all() == [(user.id, joined.id)]
