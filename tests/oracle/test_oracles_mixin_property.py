"""Oracle for ORM507: SQLAlchemy refuses a mapper property declared directly on a mixin."""

from __future__ import annotations

import warnings

import pytest
from sqlalchemy import exc

from ormlint.rules import RULES
from ormlint.rules.base import example
from tests.oracle.harness import load

REFUSED = r"Mapper properties \(i\.e\. deferred,column_property\(\), relationship\(\), etc\.\) must be declared as @declared_attr callables on declarative mixin classes"


@pytest.mark.parametrize("index", range(len(RULES["ORM507"].invalid)))
def test_orm507_invalid_examples_fail_when_the_mapped_class_is_defined(index):
    with pytest.raises(exc.InvalidRequestError, match=REFUSED):
        with load(RULES["ORM507"].invalid[index]):
            pass


@pytest.mark.parametrize("value", [
    'column_property(Column("n", Integer) + 1)',
    'deferred(Column(Integer))',
    'synonym("owner_id")',
    'query_expression()',
    'composite(lambda a, b: (a, b), Column("p", Integer), Column("q", Integer))',
])
def test_orm507_every_constructor_it_names_is_refused(value):
    source = example(f'''
        from sqlalchemy import Column, Integer
        from sqlalchemy.orm import (
            DeclarativeBase, column_property, composite, deferred, query_expression, synonym,
        )


        class Base(DeclarativeBase):
            pass


        class Mixin:
            owner_id = Column(Integer)
            prop = {value}


        class Thing(Mixin, Base):
            __tablename__ = "thing"
            id = Column(Integer, primary_key=True)
        ''')
    with pytest.raises(exc.InvalidRequestError, match=REFUSED):
        with load(source):
            pass


def test_orm507_valid_example_gives_each_class_its_foreign_key_and_relationship():
    with load(RULES["ORM507"].valid[0]) as example_module:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            example_module.configure()
        for cls in (example_module.Document, example_module.Invoice):
            fks = [fk.target_fullname for fk in cls.__table__.c.owner_id.foreign_keys]
            assert fks == ["user_account.id"]  # a ForeignKey column on a mixin is copied
            assert cls.owner.property.mapper.class_ is example_module.User
            assert cls.owner.property.parent.class_ is cls
        with example_module.sqlite_session() as session:
            user = example_module.User(name="ann")
            document = example_module.Document(owner=user)
            session.add(document)
            session.commit()
            assert document.owner_name == "ann"
