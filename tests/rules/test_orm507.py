"""ORM507 mixin-property-without-declared-attr: which classes are mixins, which calls count."""

from __future__ import annotations

import pytest

from tests.helpers import codes_and_lines


def _orm507_lines(source: str) -> list[int]:
    return [line for code, line in codes_and_lines(source, "ORM507") if code == "ORM507"]


@pytest.mark.parametrize("value", [
    'relationship("User")',
    'orm.relationship("User")',
    'column_property(Column("n", Integer) + 1)',
    'deferred(Column(Integer))',
    'synonym("owner_id")',
    'query_expression()',
])
def test_mapper_properties_on_a_plain_mixin(value):
    source = f'''
        from sqlalchemy import Column, Integer
        from sqlalchemy import orm
        from sqlalchemy.orm import column_property, deferred, query_expression, relationship, synonym

        class Mixin:
            owner_id = Column(Integer)
            prop = {value}
        '''
    assert _orm507_lines(source) == [8]


def test_flask_sqlalchemy_mixin_and_generic_mixin():
    source = '''
        from typing import Generic, TypeVar
        from flask_sqlalchemy import SQLAlchemy
        from sqlalchemy.orm import MappedAsDataclass, declarative_mixin, relationship

        db = SQLAlchemy()
        T = TypeVar("T")

        class Owned:
            owner = db.relationship("User")

        class Typed(Generic[T]):
            owner = relationship("User")

        @declarative_mixin
        class Marked(MappedAsDataclass):
            owner = relationship("User")

        class Derived(Owned):
            other = relationship("User")
        '''
    assert _orm507_lines(source) == [10, 13, 17, 20]


def test_columns_proxies_and_declared_attr_on_a_mixin_are_fine():
    source = '''
        from typing import TYPE_CHECKING
        from sqlalchemy import Column, ForeignKey, Integer
        from sqlalchemy.ext.associationproxy import association_proxy
        from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

        class Mixin:
            a_id = Column(Integer, ForeignKey("a.id"))
            b_id: Mapped[int] = mapped_column(ForeignKey("b.id"), deferred=True)
            name = association_proxy("a", "name")
            if TYPE_CHECKING:
                a = relationship("A")

            @declared_attr
            def b(cls):
                return relationship("B")
        '''
    assert _orm507_lines(source) == []


def test_classes_that_may_be_mapped_are_left_alone():
    # A base from another module, a decorated declarative base and what inherits it (the
    # corpus's appointment project), a metaclass, registry.mapped, and SQLModel.
    source = '''
        from sqlalchemy.orm import as_declarative, registry, relationship
        from sqlalchemy.orm.decl_api import DeclarativeMeta
        from sqlmodel import Field, Relationship, SQLModel
        from keystone.common import sql
        from app.db import Model

        reg = registry()

        class Region(sql.ModelBase, sql.ModelDictMixin):
            endpoints = relationship("Endpoint")

        class User(Model):
            addresses = relationship("Address")

        @as_declarative()
        class Base:
            pass

        class Calendar(Base):
            owner = relationship("Subscriber")

        class Legacy(metaclass=DeclarativeMeta):
            owner = relationship("Subscriber")

        @reg.mapped
        class Mapped:
            owner = relationship("Subscriber")

        class Hero(SQLModel):
            team = relationship("Team")
        '''
    assert _orm507_lines(source) == []


def test_an_abstract_class_is_checked_whatever_its_base():
    source = '''
        from sqlalchemy.orm import relationship
        from app.db import Base

        class Timestamped(Base):
            __abstract__ = True
            author = relationship("Author")

        class Concrete(Base):
            __abstract__ = False
            author = relationship("Author")
        '''
    assert _orm507_lines(source) == [7]
