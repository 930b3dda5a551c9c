"""ORM903 (backref-to-back-populates): what it reports, when it fixes, and that the fixed pair of
relationships is configured as SQLAlchemy configured the backref (the oracle)."""

from __future__ import annotations

import pytest

from ormlint.analysis import analyse_source
from ormlint.fixes import fix_source
from ormlint.rules import RULES
from ormlint.rules.base import strip_markers
from tests.oracle.harness import load
from tests.rules.test_orm901 import codes_with_one_modernisation_rule, schema_and_mappers

CODES = codes_with_one_modernisation_rule("ORM903")


def analyse(text: str):
    return analyse_source(text, "m.py", CODES)


def findings(source: str):
    return [f for f in analyse(source) if f.code == "ORM903"]


def fixed(source: str) -> str:
    result = fix_source(source, analyse, False)
    assert result.error is None
    return result.source


def relationships(source: str) -> list:
    """Every relationship as the configured mapper has it: what a backref and its explicit
    replacement must agree on."""
    def names(columns) -> list[str]:
        return sorted(str(c) for c in columns or ())

    with load(source) as example:
        example.configure()
        return sorted(
            (
                mapper.class_.__name__, r.key, r.direction.name, r.mapper.class_.__name__, r.uselist,
                r.back_populates, sorted(p.key for p in r._reverse_property), str(r.primaryjoin),
                str(r.secondaryjoin), str(r.secondary), names(r.remote_side), names(r._calculated_foreign_keys),
                names(r._user_defined_foreign_keys), [str(pair) for pair in r.local_remote_pairs],
                r.lazy, str(r.cascade), r.viewonly, r.post_update, r.passive_updates, r.passive_deletes,
                r.sync_backref, r.single_parent, str(r.order_by),
                # what the attribute holds: None, an InstrumentedList or set, an AppenderQuery
                # (a backref's collection_class is None where `Mapped[list[...]]` says list)
                type(getattr(mapper.class_(), r.key)).__name__, type(getattr(mapper.class_, r.key).impl).__name__,
            )
            for reg in example.registries
            for mapper in reg.mappers
            for r in mapper.relationships
        )


def assert_same_configuration(before: str, after: str) -> None:
    assert relationships(after) == relationships(before)
    assert schema_and_mappers(after) == schema_and_mappers(before)


@pytest.mark.parametrize("index", range(len(RULES["ORM903"].invalid)))
def test_example_fix_is_the_documented_text_and_keeps_the_mappers(index):
    rule = RULES["ORM903"]
    source = strip_markers(rule.invalid[index])
    after = fixed(source)
    assert after == rule.invalid[index].fixed
    assert findings(after) == [] and fixed(after) == after
    assert_same_configuration(source, after)


MODELS = '''{future}
from typing import Optional
from sqlalchemy import Column, ForeignKey, Integer, String, Table
from sqlalchemy.orm import DeclarativeBase, Mapped, backref, mapped_column, relationship

CASCADE = "all, delete-orphan"


class Base(DeclarativeBase):
    pass


tag_link = Table(
    "tag_link", Base.metadata,
    Column("post_id", ForeignKey("post.id"), primary_key=True),
    Column("tag_id", ForeignKey("tag.id"), primary_key=True),
)


class Author(Base):
    __tablename__ = "author"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))


class Post(Base):
    __tablename__ = "post"
    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("author.id"))
    author = relationship("Author", backref=backref("posts", cascade=CASCADE, lazy="selectin", order_by="Post.id"))
    tags = relationship("Tag", secondary=tag_link, backref="posts")
    profile = relationship("Profile", backref=backref("post", uselist=False), viewonly=True)


class Tag(Base):
    __tablename__ = "tag"
    id: Mapped[int] = mapped_column(primary_key=True)


class Avatar(Base):
    __tablename__ = "avatar"
    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("author.id"))
    author = relationship(Author, backref=backref("avatar", uselist=False))


class Profile(Base):
    __tablename__ = "profile"
    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[Optional[int]] = mapped_column(ForeignKey("post.id"))
    followers = relationship("Follower", backref=backref("profile", lazy="joined"))


class Follower(Base):
    __tablename__ = "follower"
    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id = mapped_column(ForeignKey("profile.id"))
    drafts = relationship("Draft", backref=backref("follower", uselist=False), post_update=True)


class Draft(Base):
    __tablename__ = "draft"
    id = Column(Integer, primary_key=True)
    follower_id = Column(ForeignKey("follower.id"))
    reply_to_id = Column(ForeignKey("draft.id"))
    reply_to = relationship("Draft", remote_side=[id], backref="replies")
'''


@pytest.mark.parametrize("future", ["", "from __future__ import annotations"])
def test_fix_of_every_kind_of_relationship_keeps_the_mappers_and_schema(future):
    source = MODELS.format(future=future)
    after = fixed(source)
    assert findings(after) == [] and fixed(after) == after
    assert '    posts: Mapped[list["Post"]] = relationship("Post", back_populates="author", cascade=CASCADE, lazy="selectin", order_by="Post.id")\n' in after
    assert '    posts: Mapped[list["Post"]] = relationship("Post", back_populates="tags", secondary=tag_link)\n' in after
    assert '    post: Mapped[Optional["Post"]] = relationship("Post", back_populates="profile", viewonly=True, uselist=False)\n' in after
    assert '    avatar: Mapped[Optional["Avatar"]] = relationship("Avatar", back_populates="author", uselist=False)\n' in after
    # a many-to-one on an annotated class; on a class without annotations, none
    assert '    profile: Mapped[Optional["Profile"]] = relationship("Profile", back_populates="followers", lazy="joined")\n' in after
    assert '    follower = relationship("Follower", back_populates="drafts", post_update=True, uselist=False)\n' in after
    assert '    replies = relationship("Draft", back_populates="reply_to")\n' in after
    assert_same_configuration(source, after)


def test_a_many_to_one_backref_with_lazy_dynamic_is_a_dynamic_collection():
    source = MODELS.format(future="").replace(
        'backref=backref("posts", cascade=CASCADE, lazy="selectin", order_by="Post.id")',
        'backref=backref("posts", lazy="dynamic")',
    )
    after = fixed(source)
    assert '    posts: DynamicMapped["Post"] = relationship("Post", back_populates="author", lazy="dynamic")\n' in after
    assert "from sqlalchemy.orm import DeclarativeBase, Mapped, backref, mapped_column, relationship, DynamicMapped\n" in after
    assert_same_configuration(source, after)


FLASK = '''
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()


class Role(db.Model):
    __tablename__ = "roles"
    id = db.Column(db.Integer, primary_key=True)
    users = db.relationship("User", backref="role", lazy="dynamic")


class User(db.Model):
    __tablename__ = "users"
    id = db.Column(db.Integer, primary_key=True)
    role_id = db.Column(db.Integer, db.ForeignKey("roles.id"))
    followed = db.relationship("Follow", backref=db.backref("follower", lazy="joined"), cascade="all, delete-orphan")


class Follow(db.Model):
    __tablename__ = "follows"
    follower_id = db.Column(db.Integer, db.ForeignKey("users.id"), primary_key=True)
'''


def test_flask_sqlalchemy_relationships_use_the_same_callee():
    after = fixed(FLASK)
    assert '    role = db.relationship("Role", back_populates="users")\n' in after
    assert '    follower = db.relationship("User", back_populates="followed", lazy="joined")\n' in after
    assert 'db.relationship("User", back_populates="role", lazy="dynamic")' in after


def test_the_new_attribute_goes_after_the_last_attribute_keeping_comments_and_crlf():
    source = (
        "from sqlalchemy import Column, ForeignKey, Integer\n"
        "from sqlalchemy.orm import DeclarativeBase, relationship\n\n\n"
        "class Base(DeclarativeBase):\n    pass\n\n\n"
        "class A(Base):\n    __tablename__ = 'a'\n    id = Column(Integer, primary_key=True)\n"
        "    bs = relationship('B', backref='a')  # the children\n\n\n"
        "class B(Base):\n    __tablename__ = 'b'\n    id = Column(Integer, primary_key=True)\n"
        "    a_id = Column(ForeignKey('a.id'))  # the parent\n\n    def __repr__(self):\n        return 'B'\n"
    )
    after = fixed(source)
    assert "    bs = relationship('B', back_populates='a')  # the children\n" in after
    assert (
        "    a_id = Column(ForeignKey('a.id'))  # the parent\n"
        "    a = relationship('A', back_populates='bs')\n\n    def __repr__" in after
    )
    assert fixed(source.replace("\n", "\r\n")) == after.replace("\n", "\r\n")
    assert_same_configuration(source, after)


HEADER = '''
from sqlalchemy import Column, ForeignKey, Integer
from sqlalchemy.orm import DeclarativeBase, backref, relationship
from other import Remote


class Base(DeclarativeBase):
    pass


class B(Base):
    __tablename__ = "b"
    id = Column(Integer, primary_key=True)
    a_id = Column(ForeignKey("a.id"))
{b_extra}

LATER = 1


class A(Base):
    __tablename__ = "a"
    id = Column(Integer, primary_key=True)
    order = 1
    bs = {relationship}
'''


@pytest.mark.parametrize(("relationship", "b_extra", "why"), [
    ('relationship("Remote", backref="a")', "", "Remote is not in this file"),
    ('relationship(Remote, backref="a")', "", "Remote is not in this file"),
    ('relationship("B", backref="a")', "    a = 1", "B already binds `a`"),
    ('relationship("B", backref="a")', "    def a(self):\n        pass", "B already binds `a`"),
    ('relationship("B", backref="a", primaryjoin="A.id == B.a_id")', "", "a custom join condition"),
    ('relationship("B", backref=backref("a", order_by=id))', "", "an argument would mean something else"),
    ('relationship("B", backref=backref("a", order_by=order))', "", "an argument would mean something else"),
    ('relationship("B", backref=backref("a", info={"n": LATER}))', "", "an argument would mean something else"),
    ('relationship("B", backref=backref("a", **options))', "", ""),
    ('relationship("B", backref=backref(name))', "", ""),
    ('relationship("B", backref=("a", {}))', "", ""),
    ('relationship("B", "b_link", backref="a")', "", ""),
    ('relationship("pkg.B", backref="a")', "", ""),
])
def test_reported_without_a_fix(relationship, b_extra, why):
    source = HEADER.format(relationship=relationship, b_extra=b_extra)
    (finding,) = findings(source)
    assert finding.fix is None
    if why:
        assert f"(no automatic fix: {why}" in finding.message
    else:
        assert "fix" not in finding.message


def test_an_argument_bound_before_the_other_class_is_copied():
    source = HEADER.format(relationship='relationship("B", backref=backref("a", lazy="joined", innerjoin=bool(1)))', b_extra="")
    (finding,) = findings(source)
    assert finding.fix is not None
    assert '    a = relationship("A", back_populates="bs", lazy="joined", innerjoin=bool(1))\n' in fixed(source)


def test_no_fix_when_a_subclass_of_the_target_binds_the_name_or_one_class_inherits_the_other():
    source = HEADER.format(relationship='relationship("B", backref="a")', b_extra="") + (
        "\n\nclass C(B):\n    a = 2\n"
    )
    assert findings(source)[0].fix is None
    inherits = HEADER.format(relationship='relationship("B", backref="a")', b_extra="").replace(
        "class A(Base):", "class A(B):"
    )
    assert findings(inherits)[0].fix is None


def test_classes_on_a_base_from_another_module_are_fixed_but_not_an_abstract_owner():
    source = (
        "from sqlalchemy import Column, ForeignKey, Integer\n"
        "from sqlalchemy.orm import relationship\n"
        "from app.db import Base\n\n\n"
        "class A(Base):\n    __tablename__ = 'a'\n    id = Column(Integer, primary_key=True)\n"
        "    bs = relationship('B', backref='a')\n\n\n"
        "class B(Base):\n    __tablename__ = 'b'\n    id = Column(Integer, primary_key=True)\n"
        "    a_id = Column(ForeignKey('a.id'))\n"
    )
    assert "    a = relationship('A', back_populates='bs')\n" in fixed(source)
    # SQLAlchemy refuses a plain relationship() on an abstract class or a mixin: no owner to fix
    abstract = source.replace("    __tablename__ = 'a'\n", "    __abstract__ = True\n", 1)
    assert findings(abstract)[0].fix is None


def test_self_referential_backrefs():
    base = (
        "from sqlalchemy import Column, ForeignKey, Integer\n"
        "from sqlalchemy.orm import DeclarativeBase, backref, relationship\n\n\n"
        "class Base(DeclarativeBase):\n    pass\n\n\n"
        "class Node(Base):\n    __tablename__ = 'node'\n    id = Column(Integer, primary_key=True)\n"
        "    parent_id = Column(ForeignKey('node.id'))\n"
    )
    many_to_one = base + "    parent = relationship('Node', remote_side=[id], backref='children')\n    name = Column(Integer)\n"
    after = fixed(many_to_one)
    assert (
        "    parent = relationship('Node', remote_side=[id], back_populates='children')\n"
        "    children = relationship('Node', back_populates='parent')\n    name = Column" in after
    )
    assert_same_configuration(many_to_one, after)
    # without remote_side on either side SQLAlchemy refuses the pair (ORM111): nothing to keep
    (broken,) = findings(base + "    children = relationship('Node', backref='parent')\n")
    assert broken.fix is None
    # a name of the class body that the new attribute, placed after this one, would see rebound
    rebinding = base + "    children = relationship('Node', backref=backref('parent', remote_side=[id], info={'x': children}))\n"
    assert findings(rebinding)[0].fix is None


@pytest.mark.parametrize("source", [
    'from sqlalchemy.orm import relationship\nclass A:\n    bs = relationship("B", back_populates="a")\n',
    'from sqlalchemy.orm import relationship\nclass A:\n    bs = relationship("B", backref=None)\n',
    'from sqlalchemy.orm import relationship\nclass A:\n    bs = relationship("B", backref="a", back_populates="a")\n',  # ORM109
])
def test_not_reported(source):
    assert findings(source) == []


def test_the_message_names_both_sides_and_the_missing_ones_plainly():
    (finding,) = findings(HEADER.format(relationship='relationship("B", backref="a")', b_extra=""))
    assert finding.message.startswith(
        '`bs` creates `a` on `B` with `backref=`, legacy since SQLAlchemy 2.0: write `back_populates="a"` '
        'here and declare `a` on `B` with `back_populates="bs"`; the fix does so'
    )
    (unnamed,) = findings("from sqlalchemy.orm import relationship\nrelationship(backref=backref_name)\n")
    assert unnamed.message.startswith("A relationship creates `...` on the other class with `backref=`")


def test_opt_in():
    from ormlint.codes import RULE_CODES

    assert RULE_CODES["ORM903"] is False and RULES["ORM903"].default_enabled is False


def test_oracle_a_backref_is_created_on_the_target_class_and_paired_both_ways():
    """What the fix reproduces: the backref's direction, uselist and pairing, read from SQLAlchemy."""
    source = strip_markers(RULES["ORM903"].invalid[1])
    with load(source) as example:
        example.configure()
        addresses = example.User.__mapper__.relationships["addresses"]
        assert (addresses.direction.name, addresses.uselist, addresses.back_populates) == ("ONETOMANY", True, "user")
        parent = example.Node.__mapper__.relationships["parent"]
        assert (parent.direction.name, parent.uselist, parent.back_populates) == ("MANYTOONE", False, "children")
        assert example.Address.__mapper__.relationships["user"].back_populates == "addresses"
