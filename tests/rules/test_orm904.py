"""ORM904 (dynamic-to-write-only): what it reports, what it leaves to ORM112, and that what its
message says changes for callers is what SQLAlchemy does."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ormlint.analysis import analyse_source
from ormlint.rules import RULES
from tests.oracle.harness import load
from tests.rules.test_orm901 import codes_with_one_modernisation_rule

CODES = codes_with_one_modernisation_rule("ORM904")

HEADER = '''
from sqlalchemy import Column, ForeignKey, Integer
from sqlalchemy.orm import DeclarativeBase, DynamicMapped, Mapped, backref, mapped_column, relationship
from sqlalchemy.orm import dynamic_loader
import sqlalchemy as sa


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "user_account"
    id = Column(Integer, primary_key=True)
'''
LINE = HEADER.count("\n") + 1


def findings(source: str):
    return [f for f in analyse_source(source, "m.py", CODES) if f.code == "ORM904"]


@pytest.mark.parametrize("attribute", [
    '    addresses = relationship("Address", lazy="dynamic")',
    '    addresses = sa.orm.relationship("Address", lazy="dynamic")',
    '    addresses: DynamicMapped["Address"] = relationship(lazy="dynamic")',
    '    owner = relationship("Group", backref=backref("members", lazy="dynamic"))',
])
def test_reported_without_a_fix(attribute):
    (finding,) = findings(HEADER + attribute + "\n")
    assert finding.line == LINE and finding.fix is None
    assert 'lazy="write_only"' in finding.message and "`.filter()`, `.all()`, `.count()`" in finding.message


def test_the_message_names_the_attribute_its_class_and_where_to_declare_a_backref():
    (own,) = findings(HEADER + '    addresses: DynamicMapped["Address"] = relationship(lazy="dynamic")\n')
    assert own.message.startswith('`addresses` uses `lazy="dynamic"`')
    assert '`addresses: WriteOnlyMapped["Address"] = relationship(..., lazy="write_only")`' in own.message
    assert "session.scalars(obj.addresses.select().where(...))" in own.message
    (back,) = findings(HEADER + '    groups = relationship("Group", backref=backref("members", lazy="dynamic"))\n')
    assert back.message.startswith('The backref `members` uses')
    assert '`members: WriteOnlyMapped["User"] = relationship(..., lazy="write_only")` on Group' in back.message


@pytest.mark.parametrize("attribute", [
    '    addresses: Mapped[list["Address"]] = relationship(lazy="dynamic")',  # ORM112's finding
    '    addresses = relationship("Address", lazy="select")',
    '    addresses = relationship("Address", lazy=LAZY)',
    '    addresses = relationship("Address", backref="user")',
    '    addresses = relationship("Address", backref=backref("user", lazy="joined"))',
])
def test_not_reported(attribute):
    assert findings(HEADER + attribute + "\n") == []


def test_orm112_alone_reports_a_dynamic_relationship_annotated_as_a_list():
    from tests.helpers import lint

    source = HEADER + '    addresses: Mapped[list["Address"]] = relationship(lazy="dynamic")\n'
    assert [f.code for f in lint(source, "ORM") if f.code in ("ORM112", "ORM904")] == ["ORM112"]


def test_opt_in():
    from ormlint.codes import RULE_CODES

    assert RULE_CODES["ORM904"] is False and RULES["ORM904"].default_enabled is False


# -- oracle: what changes for callers --------------------------------------------------------------

MODELS = '''
from sqlalchemy import ForeignKey
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, {wrapper}


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "user_account"
    id: Mapped[int] = mapped_column(primary_key=True)
    addresses: {wrapper}["Address"] = relationship(lazy="{lazy}")


class Address(Base):
    __tablename__ = "address"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
'''


def test_oracle_the_write_only_collection_drops_the_query_api_callers_use():
    with load(MODELS.format(wrapper="DynamicMapped", lazy="dynamic")) as example:
        example.configure()
        with example.sqlite_session() as session:
            user = example.User(id=1, addresses=[example.Address(id=1), example.Address(id=2)])
            session.add(user)
            session.commit()
            query = user.addresses
            assert query.filter(example.Address.id == 2).count() == 1 and len(query.all()) == 2
            assert [a.id for a in query] == [1, 2] and query[0].id == 1
    with load(MODELS.format(wrapper="WriteOnlyMapped", lazy="write_only")) as example:
        example.configure()
        with example.sqlite_session() as session:
            user = example.User(id=1, addresses=[example.Address(id=1), example.Address(id=2)])
            session.add(user)
            session.commit()
            collection = user.addresses
            assert type(collection).__name__ == "WriteOnlyCollection"
            for method in ("filter", "all", "count", "order_by", "paginate"):
                assert not hasattr(collection, method)
            with pytest.raises(TypeError):
                iter(collection)
            with pytest.raises(TypeError):
                collection[0]
            # the 2.0 spellings the message gives
            rows = session.scalars(collection.select().where(example.Address.id == 2)).all()
            assert [a.id for a in rows] == [2]
            collection.add(example.Address(id=3))
            session.commit()
            assert session.scalar(select(example.Address.user_id).where(example.Address.id == 3)) == 1
