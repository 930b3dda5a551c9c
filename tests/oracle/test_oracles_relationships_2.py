"""Oracles for ORM105-ORM108: what SQLAlchemy (2.1) does with each rule's examples."""

from __future__ import annotations

import warnings

import pytest
from sqlalchemy import exc, select

from ormlint.rules import RULES
from ormlint.rules.base import example
from tests.oracle.harness import load


def configure_cleanly(example) -> None:
    """Configure with every warning an error: the valid examples must be quiet."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        example.configure()


# -- ORM105 --------------------------------------------------------------------------------------


def test_orm105_unlinked_pair_warns_at_configuration():
    with load(RULES["ORM105"].invalid[0]) as example:  # import is quiet
        with pytest.warns(
            exc.SAWarning,
            match=r"relationship 'Child.parent' will copy column parent.id to column child.parent_id, "
            r"which conflicts with relationship\(s\): 'Parent.children'",
        ):
            example.configure()


def test_orm105_unlinked_pair_loses_an_assignment():
    with load(RULES["ORM105"].invalid[0]) as example:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", exc.SAWarning)
            example.configure()
        with example.sqlite_session() as session:
            old, new = example.Parent(), example.Parent()
            child = example.Child(parent=old)
            assert child not in old.children  # no in-memory synchronisation either way
            session.add_all([old, new, child])
            session.flush()
            new.children.append(child)  # moves the row to `new`...
            session.flush()
            assert child.parent_id == new.id
            assert child.parent is old  # ...but the scalar side still says `old`
            child.parent = old  # so moving it back is no change at all
            session.commit()
            session.expire_all()
            assert child.parent_id == new.id  # the assignment was lost


def test_orm105_backref_beside_a_second_relationship_warns():
    with load(RULES["ORM105"].invalid[1]) as example:
        with pytest.warns(exc.SAWarning, match=r"'Child.parent' will copy column parent.id to column child.parent_id"):
            example.configure()


@pytest.mark.parametrize("index", range(len(RULES["ORM105"].valid)))
def test_orm105_linked_pairs_are_quiet_and_synchronised(index):
    with load(RULES["ORM105"].valid[index]) as example:
        configure_cleanly(example)
        parent = example.Parent()
        child = example.Child(parent=parent)
        assert parent.children == [child]


# -- ORM106 --------------------------------------------------------------------------------------


def test_orm106_uselist_false_with_a_list_annotation_is_a_single_object():
    with load(RULES["ORM106"].invalid[0]) as example:
        configure_cleanly(example)  # no error, no warning
        parent = example.Parent()
        assert parent.children is None  # not a list
        with pytest.raises(AttributeError, match="'list' object has no attribute '_sa_instance_state'"):
            parent.children = [example.Child()]
        with example.sqlite_session() as session:
            parent.children = example.Child()
            session.add(parent)
            session.commit()
            session.expire_all()
            assert isinstance(parent.children, example.Child)


def test_orm106_uselist_true_is_ignored_with_a_scalar_annotation():
    with load(RULES["ORM106"].invalid[1]) as example:
        configure_cleanly(example)
        assert example.Parent.children.property.uselist is False  # the annotation won
        with example.sqlite_session() as session:
            parent = example.Parent()
            session.add(parent)
            session.flush()
            session.add_all([example.Child(parent_id=parent.id), example.Child(parent_id=parent.id)])
            session.commit()
            session.expire_all()
            with pytest.warns(exc.SAWarning, match="Multiple rows returned with uselist=False"):
                loaded = parent.children
            assert isinstance(loaded, example.Child)  # one of the two children, silently


def test_orm106_list_annotation_on_a_many_to_one_loads_one_object():
    with load(RULES["ORM106"].invalid[2]) as example:
        configure_cleanly(example)
        assert example.Child.parents.property.uselist is False
        with example.sqlite_session() as session:
            parent = example.Parent()
            session.add(parent)
            session.flush()
            child = example.Child(parent_id=parent.id)
            session.add(child)
            session.commit()
            session.expire_all()
            assert isinstance(child.parents, example.Parent)  # not a list


def test_orm106_valid_one_to_many_and_one_to_one():
    with load(RULES["ORM106"].valid[0]) as example:
        configure_cleanly(example)
        assert example.Parent.children.property.uselist is True
        assert example.Parent.favourite.property.uselist is False  # the documented one-to-one


# -- ORM107 --------------------------------------------------------------------------------------

_CASCADE_MODULE = '''
    from typing import Optional

    from sqlalchemy import ForeignKey
    from sqlalchemy.orm import DeclarativeBase, Mapped, backref, mapped_column, relationship


    class Base(DeclarativeBase):
        pass


    class Parent(Base):
        __tablename__ = "parent"
        id: Mapped[int] = mapped_column(primary_key=True)
        children: Mapped[list["Child"]] = relationship({arguments})


    class Child(Base):
        __tablename__ = "child"
        id: Mapped[int] = mapped_column(primary_key=True)
        parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("parent.id"))
'''


def cascade_module(arguments: str) -> str:
    return example(_CASCADE_MODULE.replace("{arguments}", arguments))


def test_orm107_misspelt_option_fails_when_the_class_is_defined():
    with pytest.raises(exc.ArgumentError, match=r"Invalid cascade option\(s\): 'delete_orphan'"):
        with load(RULES["ORM107"].invalid[0]):
            pass


@pytest.mark.parametrize(
    ("cascade", "rejected"),
    [
        ("all delete-orphan", "'all delete-orphan'"),
        (" all, delete-orphan", "' all'"),
        ("all, delete-orphan ", "'delete-orphan '"),
        ("ALL", "'ALL'"),
        ("all,delete-orphans", "'delete-orphans'"),
    ],
)
def test_orm107_spaces_case_and_plurals_are_not_options(cascade, rejected):
    with pytest.raises(exc.ArgumentError, match=f"Invalid cascade option\\(s\\): {rejected}"):
        with load(cascade_module(f"cascade={cascade!r}")):
            pass


def test_orm107_invalid_option_in_backref_fails_at_configuration():
    source = cascade_module('backref=backref("parent", cascade="all, delete_orphan")')
    with load(source) as example:  # import succeeds
        with pytest.raises(exc.ArgumentError, match="Invalid cascade option"):
            example.configure()


def test_orm107_delete_orphan_without_delete_warns():
    with pytest.warns(exc.SAWarning, match="The 'delete-orphan' cascade option requires 'delete'"):
        with load(cascade_module('cascade="save-update, delete-orphan"')):
            pass


def test_orm107_delete_orphan_on_many_to_one_fails_at_configuration():
    with load(RULES["ORM107"].invalid[1]) as example:
        with pytest.raises(
            exc.ArgumentError,
            match="For many-to-one relationship Child.parent, delete-orphan cascade is normally "
            "configured only on the \"one\" side",
        ):
            example.configure()


def test_orm107_delete_orphan_in_a_many_to_one_backref_fails_too():
    source = cascade_module('backref=backref("parent", cascade="all, delete-orphan")')
    with load(source) as example:
        with pytest.raises(exc.ArgumentError, match="For many-to-one relationship Child.parent"):
            example.configure()


def test_orm107_single_parent_allows_it_and_the_valid_example_is_clean():
    source = RULES["ORM107"].invalid[1].replace(
        'cascade="all, delete-orphan")  # ORM107:5', 'cascade="all, delete-orphan", single_parent=True)'
    )
    with load(source) as example:
        configure_cleanly(example)
    with load(RULES["ORM107"].valid[0]) as example:
        configure_cleanly(example)
        with example.sqlite_session() as session:
            parent = example.Parent(children=[example.Child()])
            session.add(parent)
            session.flush()
            parent.children.clear()  # the orphan is deleted
            session.flush()
            assert session.scalars(select(example.Child)).all() == []


# -- ORM108 --------------------------------------------------------------------------------------


def test_orm108_two_paths_fail_at_configuration():
    with load(RULES["ORM108"].invalid[0]) as example:  # import succeeds
        with pytest.raises(
            exc.AmbiguousForeignKeysError,
            match="Could not determine join condition between parent/child tables on relationship "
            r"(Order.billing_address|Address.orders) - there are multiple foreign key paths",
        ):
            example.configure()


@pytest.mark.parametrize("side", ["Address.orders", "Order.billing_address"])
def test_orm108_each_side_is_ambiguous_on_its_own(side):
    source = RULES["ORM108"].invalid[0]
    keep = "orders:" if side == "Address.orders" else "billing_address:"
    lines = [
        line for line in source.splitlines()
        if "# ORM108" not in line or keep in line
    ]
    with load("\n".join(lines) + "\n") as example:
        with pytest.raises(exc.AmbiguousForeignKeysError, match=f"on relationship {side} -"):
            example.configure()


def test_orm108_foreign_keys_resolve_it():
    with load(RULES["ORM108"].valid[0]) as example:
        configure_cleanly(example)
        with example.sqlite_session() as session:
            home, office = example.Address(), example.Address()
            order = example.Order(billing_address=home, shipping_address=office)
            session.add(order)
            session.flush()
            assert (order.billing_address_id, order.shipping_address_id) == (home.id, office.id)
            assert home.billed_orders == [order]
