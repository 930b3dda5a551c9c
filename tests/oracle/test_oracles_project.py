"""Oracles for the project rules on relationships (ORM102-ORM104)."""

from __future__ import annotations

import pytest
from sqlalchemy import exc

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
