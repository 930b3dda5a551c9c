"""ORM105-ORM108: relationships whose foreign keys SQLAlchemy resolves at configuration.

Each case states its SQLAlchemy behaviour; the oracle tests (tests/oracle/
test_oracles_relationships_2.py) check the ones the docs quote, and the others were checked the
same way with SQLAlchemy 2.1.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from tests.helpers import lint, lint_project

HEADER = """
from typing import List, Optional, Set

from sqlalchemy import Column, ForeignKey, Integer, Table
from sqlalchemy.orm import DeclarativeBase, Mapped, backref, mapped_column, relationship


class Base(DeclarativeBase):
    pass
"""


def module(body: str) -> str:
    return HEADER + textwrap.dedent(body)


def found(files: dict[str, str] | str, tmp_path, code: str, whole_project: bool = True):
    """(file, line) of each `code` finding when the project is checked."""
    if isinstance(files, str):
        files = {"m.py": files}
    return [(path, line) for path, line, c in lint_project(files, tmp_path, whole_project) if c == code]


def found_in(files: dict[str, str], tmp_path, code: str, given: list[str]):
    """Only the files in `given` are checked (as pre-commit passes a list of changed files)."""
    from ormlint.config import load_settings
    from ormlint.engine import run

    files = {**files, "pyproject.toml": "[tool.ormlint]\n"}
    for name, source in files.items():
        target = Path(tmp_path) / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(source))
    result = run([Path(tmp_path) / n for n in given], load_settings([Path(tmp_path)]), jobs=1, whole_project=False)
    return [(str(Path(f.path).relative_to(tmp_path)), f.line) for f in result.findings if f.code == code]


def lines_of(source: str, *needles: str) -> list[int]:
    lines = source.splitlines()
    return [next(i for i, line in enumerate(lines, 1) if needle in line) for needle in needles]


# -- a multi-file project ------------------------------------------------------------------------

BASE = """
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass
"""
PARENT = """
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base


class Parent(Base):
    __tablename__ = "parent"
    id: Mapped[int] = mapped_column(primary_key=True)
    children: Mapped[list["Child"]] = relationship({children})
"""
CHILD = """
from typing import Optional

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base
from .mixins import ParentLink


class Child(ParentLink, Base):
    __tablename__ = "child"
    id: Mapped[int] = mapped_column(primary_key=True)
    parent: Mapped[Optional["Parent"]] = relationship({parent})
"""
MIXINS = """
from typing import Optional

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column


class ParentLink:
    parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("parent.id"))
"""


def project(children: str = "", parent: str = "", **extra: str) -> dict[str, str]:
    files = {
        "app/__init__.py": "",
        "app/base.py": BASE,
        "app/parent.py": PARENT.format(children=children),
        "app/child.py": CHILD.format(parent=parent),
        "app/mixins.py": MIXINS,
    }
    files.update({f"app/{name}.py": source for name, source in extra.items()})
    return files


# -- ORM105 --------------------------------------------------------------------------------------


def test_orm105_both_sides_in_different_files_with_the_key_from_a_mixin(tmp_path):
    assert found(project(), tmp_path, "ORM105") == [("app/child.py", 14), ("app/parent.py", 10)]


def test_orm105_message_names_the_other_side_and_the_fix(tmp_path):
    messages = [
        f.message for f in _run(project(), tmp_path) if f.code == "ORM105" and f.path.endswith("parent.py")
    ]
    assert messages == [
        '`Parent.children` writes `child.parent_id`, as `Child.parent` also does, but they are not '
        'linked: add `back_populates="parent"` here and `back_populates="children"` to '
        "`Child.parent` (or `viewonly=True` on the one that only reads)"
    ]


def _run(files, tmp_path):
    from ormlint.config import load_settings
    from ormlint.engine import run

    lint_project(files, tmp_path)  # writes the files
    return run([Path(tmp_path)], load_settings([Path(tmp_path)]), jobs=1, whole_project=True).findings


def test_orm105_linked_pairs_are_silent(tmp_path):
    # one-sided back_populates links both (the one-sidedness is ORM103's finding)
    assert found(project(children='back_populates="parent"'), tmp_path / "a", "ORM105") == []
    assert found(project(parent='back_populates="children"'), tmp_path / "b", "ORM105") == []
    assert found(project(children='viewonly=True'), tmp_path / "c", "ORM105") == []
    assert found(project(parent='overlaps="children"'), tmp_path / "d", "ORM105") == []


def test_orm105_unknown_arguments_are_silent(tmp_path):
    # back_populates from a variable, relationship(**options), primaryjoin, secondary
    assert found(project(children="back_populates=NAME"), tmp_path / "a", "ORM105") == []
    assert found(project(children="**OPTIONS"), tmp_path / "b", "ORM105") == []
    assert found(project(parent='primaryjoin="Parent.id == Child.parent_id"'), tmp_path / "c", "ORM105") == []


def test_orm105_partial_runs(tmp_path):
    files = project()
    # every class, base and mixin among the given files: the verdict stands
    assert found_in(files, tmp_path, "ORM105", list(files)) == [("app/child.py", 14), ("app/parent.py", 10)]
    # the mixin holding the foreign key is not given: silent
    given = [n for n in files if not n.endswith("mixins.py")]
    assert found_in(files, tmp_path, "ORM105", given) == []
    # one file alone (flake8, an editor): silent
    assert found_in(files, tmp_path, "ORM105", ["app/child.py"]) == []


def test_orm105_base_from_outside_the_project_is_silent(tmp_path):
    files = project()
    files["app/child.py"] = files["app/child.py"].replace("from .mixins import ParentLink", "from elsewhere import ParentLink")
    assert found(files, tmp_path, "ORM105") == []


def test_orm105_flask_sqlalchemy_backref_and_a_second_relationship(tmp_path):
    files = {
        "app/__init__.py": "from flask_sqlalchemy import SQLAlchemy\n\ndb = SQLAlchemy()\n",
        "app/models.py": """
            from app import db


            class Author(db.Model):
                __tablename__ = "author"
                id = db.Column(db.Integer, primary_key=True)
                books = db.relationship("Book", backref="writer", lazy="dynamic")


            class Book(db.Model):
                __tablename__ = "book"
                id = db.Column(db.Integer, primary_key=True)
                author_id = db.Column(db.Integer, db.ForeignKey("author.id"))
                author = db.relationship("Author")
                # the backref alone is the right way: no second relationship
                editor_id = db.Column(db.Integer, db.ForeignKey("editor.id"))


            class Editor(db.Model):
                __tablename__ = "editor"
                id = db.Column(db.Integer, primary_key=True)
                books = db.relationship("Book", backref="editor")
        """,
    }
    assert found(files, tmp_path, "ORM105") == [("app/models.py", 8), ("app/models.py", 15)]


def test_orm105_aliases_and_1x_columns(tmp_path):
    source = """
        import sqlalchemy as sa
        import sqlalchemy.orm as so
        from sqlalchemy.orm import relationship as rel

        Base = so.declarative_base()


        class Node(Base):
            __tablename__ = "node"
            id = sa.Column(sa.Integer, primary_key=True)
            parent_id = sa.Column(sa.Integer, sa.ForeignKey("node.id"))
            children = rel("Node")
            parent = so.relationship("Node", remote_side=[id])
    """
    # self-referential: both copy node.id to node.parent_id
    assert found(source, tmp_path, "ORM105") == [("m.py", 13), ("m.py", 14)]


def test_orm105_two_many_to_one_on_one_class(tmp_path):
    source = module('''
        class Parent(Base):
            __tablename__ = "parent"
            id: Mapped[int] = mapped_column(primary_key=True)


        class Child(Base):
            __tablename__ = "child"
            id: Mapped[int] = mapped_column(primary_key=True)
            parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("parent.id"))
            parent: Mapped[Optional[Parent]] = relationship()
            owner: Mapped[Optional[Parent]] = relationship()
            reader: Mapped[Optional[Parent]] = relationship(viewonly=True)
    ''')
    assert found(source, tmp_path, "ORM105") == [
        (("m.py", n)) for n in lines_of(source, "parent: Mapped", "owner: Mapped")
    ]


def test_orm105_foreign_keys_argument_is_resolved(tmp_path):
    source = module('''
        class Address(Base):
            __tablename__ = "address"
            id: Mapped[int] = mapped_column(primary_key=True)
            billed: Mapped[list["Order"]] = relationship(foreign_keys="Order.billing_address_id")
            shipped: Mapped[list["Order"]] = relationship(
                foreign_keys="[Order.shipping_address_id]", back_populates="shipping_address"
            )


        class Order(Base):
            __tablename__ = "order"
            id: Mapped[int] = mapped_column(primary_key=True)
            billing_address_id: Mapped[int] = mapped_column(ForeignKey("address.id"))
            shipping_address_id: Mapped[int] = mapped_column(ForeignKey("address.id"))
            billing_address: Mapped[Address] = relationship(foreign_keys=[billing_address_id])
            shipping_address: Mapped[Address] = relationship(
                foreign_keys=shipping_address_id, back_populates="shipped"
            )
    ''')
    assert found(source, tmp_path, "ORM105") == [
        ("m.py", n) for n in lines_of(source, "billed: Mapped", "billing_address: Mapped")
    ]


def test_orm105_inheritance_siblings_and_overrides_are_silent(tmp_path):
    source = module('''
        class Company(Base):
            __tablename__ = "company"
            id: Mapped[int] = mapped_column(primary_key=True)


        class Employee(Base):
            __tablename__ = "employee"
            id: Mapped[int] = mapped_column(primary_key=True)
            type: Mapped[str]
            company_id: Mapped[Optional[int]] = mapped_column(ForeignKey("company.id"))
            company: Mapped[Optional[Company]] = relationship()
            __mapper_args__ = {"polymorphic_on": "type", "polymorphic_identity": "employee"}


        class Engineer(Employee):
            company: Mapped[Optional[Company]] = relationship(lazy="joined")  # overrides
            __mapper_args__ = {"polymorphic_identity": "engineer"}


        class Manager(Employee):
            employer: Mapped[Optional[Company]] = relationship()
            __mapper_args__ = {"polymorphic_identity": "manager"}


        class Intern(Employee):
            employer: Mapped[Optional[Company]] = relationship()
            __mapper_args__ = {"polymorphic_identity": "intern"}
    ''')
    # Manager.employer and Intern.employer are siblings (SQLAlchemy compares neither with the
    # other, nor Engineer.company with either), but both conflict with Employee.company, which
    # Engineer.company overrides (same name: not compared).
    lines = source.splitlines()
    employer = [i for i, line in enumerate(lines, 1) if "employer:" in line]
    company = lines.index("    company: Mapped[Optional[Company]] = relationship()") + 1
    assert found(source, tmp_path, "ORM105") == [("m.py", company)] + [("m.py", n) for n in employer]


def test_orm105_ambiguous_paths_are_left_to_orm108(tmp_path):
    source = module('''
        class Parent(Base):
            __tablename__ = "parent"
            id: Mapped[int] = mapped_column(primary_key=True)
            children: Mapped[list["Child"]] = relationship()


        class Child(Base):
            __tablename__ = "child"
            id: Mapped[int] = mapped_column(primary_key=True)
            parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("parent.id"))
            other_parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("parent.id"))
            parent: Mapped[Optional[Parent]] = relationship()
    ''')
    assert found(source, tmp_path, "ORM105") == []
    assert len(found(source, tmp_path, "ORM108")) == 2


def test_orm105_mixin_relationships_and_computed_tables_are_silent(tmp_path):
    source = module('''
        from sqlalchemy.orm import declared_attr


        class HasParent:
            parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("parent.id"))

            @declared_attr
            def parent(cls) -> Mapped[Optional["Parent"]]:
                return relationship()


        class Parent(Base):
            __tablename__ = "parent"
            id: Mapped[int] = mapped_column(primary_key=True)
            children: Mapped[list["Child"]] = relationship()
            pets: Mapped[list["Pet"]] = relationship()


        class Child(HasParent, Base):
            __tablename__ = "child"
            id: Mapped[int] = mapped_column(primary_key=True)


        class Pet(Base):
            @declared_attr.directive
            def __tablename__(cls) -> str:
                return cls.__name__.lower()

            id: Mapped[int] = mapped_column(primary_key=True)
            parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("parent.id"))
            parent: Mapped[Optional["Parent"]] = relationship()
    ''')
    # SQLAlchemy warns for both pairs, but Child.parent comes from a declared_attr (not read)
    # and Pet's table name is computed: what cannot be seen is not reported
    assert found(source, tmp_path, "ORM105") == []


def test_orm105_two_declarative_bases_do_not_mix(tmp_path):
    # (SQLAlchemy cannot resolve either the name or the key across registries: not this rule's)
    source = module('''
        class Other(DeclarativeBase):
            pass


        class Parent(Base):
            __tablename__ = "parent"
            id: Mapped[int] = mapped_column(primary_key=True)
            children: Mapped[list["Child"]] = relationship()


        class Child(Other):
            __tablename__ = "child"
            id: Mapped[int] = mapped_column(primary_key=True)
            parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("parent.id"))
            parent: Mapped[Optional["Parent"]] = relationship()
    ''')
    assert found(source, tmp_path, "ORM105") == []


# -- ORM106 --------------------------------------------------------------------------------------


def test_orm106_uselist_against_annotation_in_every_spelling():
    source = module('''
        import typing
        import sqlalchemy.orm as so


        class Child(Base):
            __tablename__ = "child"
            id: Mapped[int] = mapped_column(primary_key=True)
            parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("parent.id"))


        class Parent(Base):
            __tablename__ = "parent"
            id: Mapped[int] = mapped_column(primary_key=True)
            a: Mapped[List["Child"]] = relationship(uselist=False, viewonly=True)
            b: so.Mapped[Set["Child"]] = so.relationship("Child", uselist=False, viewonly=True)
            c: "Mapped[list[Child]]" = relationship(uselist=False, viewonly=True)
            d: Mapped[Optional["Child"]] = relationship(uselist=True, viewonly=True)
            e: Mapped["Child | None"] = relationship(uselist=True, viewonly=True)
            f: Mapped[typing.Optional["Child"]] = relationship(uselist=True, viewonly=True)
            g: Mapped[Child] = relationship(uselist=True, viewonly=True)
    ''')
    reported = [f.line for f in lint(source) if f.code == "ORM106"]
    assert reported == lines_of(source, *(f"    {x}: " for x in "abcdefg"))


def test_orm106_consistent_or_unknown_annotations_are_silent(tmp_path):
    source = module('''
        from sqlalchemy.orm import DynamicMapped, WriteOnlyMapped

        Children = list["Child"]
        FLAG = False


        class Parent(Base):
            __tablename__ = "parent"
            id: Mapped[int] = mapped_column(primary_key=True)
            a: Mapped[Optional["Child"]] = relationship(uselist=False)
            b: Mapped[list["Child"]] = relationship(uselist=True)
            c = relationship("Child", uselist=False)
            d: Mapped[Children] = relationship(uselist=True)
            d2: Mapped["Children"] = relationship(uselist=True)
            e: WriteOnlyMapped["Child"] = relationship()
            f: DynamicMapped["Child"] = relationship()
            g: Mapped[list["Child"]] = relationship(uselist=FLAG)
            h: Mapped["Child"] = relationship()  # one-to-one, as SQLAlchemy documents it


        class Child(Base):
            __tablename__ = "child"
            id: Mapped[int] = mapped_column(primary_key=True)
            parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("parent.id"))
    ''')
    assert found(source, tmp_path, "ORM106") == []


def test_orm106_flask_sqlalchemy_mapped():
    source = """
        from typing import Optional
        from sqlalchemy.orm import Mapped
        from app import db


        class Parent(db.Model):
            __tablename__ = "parent"
            id = db.Column(db.Integer, primary_key=True)
            settings: Mapped[list["Settings"]] = db.relationship("Settings", uselist=False)
    """
    assert [f.line for f in lint(source) if f.code == "ORM106"] == [10]


def test_orm106_collection_on_a_many_to_one_across_files(tmp_path):
    files = project()
    files["app/child.py"] = files["app/child.py"].replace(
        'parent: Mapped[Optional["Parent"]] = relationship()', 'parents: Mapped[list["Parent"]] = relationship()'
    )
    files["app/parent.py"] = files["app/parent.py"].replace('children: Mapped[list["Child"]] = relationship()\n', "")
    assert found(files, tmp_path, "ORM106") == [("app/child.py", 14)]
    given = [n for n in files if not n.endswith("base.py")]
    assert found_in(files, tmp_path / "partial", "ORM106", given) == []


def test_orm106_direction_negatives(tmp_path):
    source = module('''
        assoc = Table(
            "assoc", Base.metadata,
            Column("a_id", ForeignKey("a.id"), primary_key=True),
            Column("b_id", ForeignKey("b.id"), primary_key=True),
        )


        class A(Base):
            __tablename__ = "a"
            id: Mapped[int] = mapped_column(primary_key=True)
            bs: Mapped[list["B"]] = relationship(secondary=assoc)
            children: Mapped[list["B"]] = relationship()


        class B(Base):
            __tablename__ = "b"
            id: Mapped[int] = mapped_column(primary_key=True)
            a_id: Mapped[Optional[int]] = mapped_column(ForeignKey("a.id"))
            node_id: Mapped[Optional[int]] = mapped_column(ForeignKey("b.id"))
            nodes: Mapped[list["B"]] = relationship()
            a_list: Mapped[list["A"]] = relationship(uselist=True, viewonly=True)
    ''')
    assert found(source, tmp_path, "ORM106") == []


# -- ORM107 --------------------------------------------------------------------------------------


def _messages(source: str, code: str) -> list[tuple[int, str]]:
    return [(f.line, f.message) for f in lint(source) if f.code == code]


def test_orm107_invalid_options_and_their_fixes():
    source = module('''
        class Parent(Base):
            __tablename__ = "parent"
            id: Mapped[int] = mapped_column(primary_key=True)
            a: Mapped[list["Child"]] = relationship(cascade="all, delete_orphan")
            b: Mapped[list["Child"]] = relationship(cascade="all delete-orphan")
            c: Mapped[list["Child"]] = relationship(cascade=" all, delete-orphan")
            d: Mapped[list["Child"]] = relationship(cascade="ALL")
            e: Mapped[list["Child"]] = relationship(cascade="save-update, delete-orphan")
            f = relationship("Child", backref=backref("parent", cascade="all,delete-orphans"))
    ''')
    fixes = [message.rpartition("; ")[2] for _, message in _messages(source, "ORM107")]
    assert fixes == [
        'write `cascade="all, delete-orphan"`',
        'write `cascade="all, delete-orphan"`',
        'write `cascade="all, delete-orphan"`',
        'write `cascade="all"`',
        'write `cascade="save-update, delete, delete-orphan"`',
        'write `cascade="all, delete-orphan"`',
    ]
    assert "the backref `parent`" in _messages(source, "ORM107")[-1][1]


def test_orm107_valid_strings_are_silent():
    source = module('''
        CASCADE = "all, delete-orphan"  # a name: not read


        class Parent(Base):
            __tablename__ = "parent"
            id: Mapped[int] = mapped_column(primary_key=True)
            a: Mapped[list["Child"]] = relationship(cascade="all, delete-orphan")
            b: Mapped[list["Child"]] = relationship(cascade="all,delete-orphan")
            c: Mapped[list["Child"]] = relationship(cascade="save-update,\\n merge, refresh-expire, expunge")
            d: Mapped[list["Child"]] = relationship(cascade="")
            e: Mapped[list["Child"]] = relationship(cascade="none")
            f: Mapped[list["Child"]] = relationship(cascade="delete, delete-orphan")
            g: Mapped[list["Child"]] = relationship(cascade=CASCADE)
            h: Mapped[list["Child"]] = relationship(cascade="all, delete-orphan, " "merge")
    ''')
    assert _messages(source, "ORM107") == []


def test_orm107_sqlmodel_and_flask_spellings():
    source = """
        from typing import Optional
        from sqlmodel import Field, Relationship, SQLModel
        from app import db


        class Team(SQLModel, table=True):
            id: Optional[int] = Field(default=None, primary_key=True)
            heroes: list["Hero"] = Relationship(sa_relationship_kwargs={"cascade": "all, delete_orphan"})


        class Author(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            books = db.relationship("Book", backref=db.backref("author", cascade="all, orphan"))
    """
    assert [line for line, _ in _messages(source, "ORM107")] == [9, 14]


def test_orm107_many_to_many_needs_single_parent():
    source = module('''
        assoc = Table(
            "assoc", Base.metadata,
            Column("a_id", ForeignKey("a.id"), primary_key=True),
            Column("b_id", ForeignKey("b.id"), primary_key=True),
        )


        class A(Base):
            __tablename__ = "a"
            id: Mapped[int] = mapped_column(primary_key=True)
            bs: Mapped[list["B"]] = relationship(secondary=assoc, cascade="all, delete-orphan")
            cs: Mapped[list["B"]] = relationship(secondary=assoc, cascade="all, delete-orphan", single_parent=True)
            vs: Mapped[list["B"]] = relationship(secondary=assoc, cascade="all, delete-orphan", viewonly=True)
            ds: Mapped[list["B"]] = relationship(secondary=assoc, backref=backref("as_", cascade="all, delete-orphan"))
            es: Mapped[list["B"]] = relationship(secondary=assoc, cascade="all, delete-orphan", **OPTIONS)


        class B(Base):
            __tablename__ = "b"
            id: Mapped[int] = mapped_column(primary_key=True)
    ''')
    assert [line for line, _ in _messages(source, "ORM107")] == lines_of(source, "bs: Mapped", "ds: Mapped")


def test_orm107_delete_orphan_on_many_to_one_across_files(tmp_path):
    files = project(parent='cascade="all, delete-orphan"', children='back_populates="parent"')
    files["app/child.py"] = files["app/child.py"].replace("relationship(", 'relationship(back_populates="children", ')
    assert found(files, tmp_path, "ORM107") == [("app/child.py", 14)]
    # with single_parent=True it is allowed; on the one-to-many side it is the usual setting
    fixed = project(parent='cascade="all, delete-orphan", single_parent=True, back_populates="children"',
                    children='back_populates="parent", cascade="all, delete-orphan"')
    assert found(fixed, tmp_path / "fixed", "ORM107") == []
    # the base is not among the checked files: silent
    given = [n for n in files if not n.endswith("base.py")]
    assert found_in(files, tmp_path / "partial", "ORM107", given) == []


def test_orm107_backref_on_the_many_to_one_side(tmp_path):
    source = """
        from sqlalchemy import Column, ForeignKey, Integer
        from sqlalchemy.orm import backref, declarative_base, relationship

        Base = declarative_base()


        class Parent(Base):
            __tablename__ = "parent"
            id = Column(Integer, primary_key=True)
            children = relationship("Child", backref=backref("parent", cascade="all, delete-orphan"))
            pets = relationship("Pet", backref=backref("owner", cascade="all, delete-orphan", single_parent=True))


        class Child(Base):
            __tablename__ = "child"
            id = Column(Integer, primary_key=True)
            parent_id = Column(Integer, ForeignKey("parent.id"))


        class Pet(Base):
            __tablename__ = "pet"
            id = Column(Integer, primary_key=True)
            parent_id = Column(Integer, ForeignKey("parent.id"))
    """
    assert found(source, tmp_path, "ORM107") == [("m.py", 11)]


# -- ORM108 --------------------------------------------------------------------------------------

ADDRESS = """
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base


class Address(Base):
    __tablename__ = "address"
    id: Mapped[int] = mapped_column(primary_key=True)
    orders: Mapped[list["Order"]] = relationship({orders})
"""
ORDER = """
from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base
from .mixins import Shipping


class Order(Shipping, Base):
    __tablename__ = "order"
    id: Mapped[int] = mapped_column(primary_key=True)
    billing_address_id: Mapped[int] = mapped_column(ForeignKey("address.id"))
    billing_address: Mapped["Address"] = relationship({billing})
"""
SHIPPING = """
from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column


class Shipping:
    shipping_address_id: Mapped[int] = mapped_column(ForeignKey("address.id"))
"""


def orders(orders: str = "", billing: str = "") -> dict[str, str]:
    return {
        "app/__init__.py": "",
        "app/base.py": BASE,
        "app/address.py": ADDRESS.format(orders=orders),
        "app/order.py": ORDER.format(billing=billing),
        "app/mixins.py": SHIPPING,
    }


def test_orm108_both_sides_across_files_with_a_key_from_a_mixin(tmp_path):
    assert found(orders(), tmp_path, "ORM108") == [("app/address.py", 10), ("app/order.py", 13)]


def test_orm108_message_lists_the_paths_and_the_fix(tmp_path):
    messages = [f.message for f in _run(orders(), tmp_path) if f.code == "ORM108" and f.path.endswith("order.py")]
    assert messages == [
        "`Order.billing_address`: 2 foreign keys link `order` and `address` (order.billing_address_id "
        "-> address.id, order.shipping_address_id -> address.id), so SQLAlchemy cannot tell which one "
        'this relationship follows; name it with `foreign_keys="Order.billing_address_id"` or '
        '`foreign_keys="Order.shipping_address_id"`'
    ]


def test_orm108_disambiguated_or_unknown_is_silent(tmp_path):
    files = orders(orders='foreign_keys="Order.billing_address_id"', billing="foreign_keys=[billing_address_id]")
    assert found(files, tmp_path / "a", "ORM108") == []
    files = orders(orders="primaryjoin=JOIN", billing="**OPTIONS")
    assert found(files, tmp_path / "b", "ORM108") == []
    files = orders()
    files["app/order.py"] = files["app/order.py"].replace("from .mixins import Shipping", "from shared import Shipping")
    assert found(files, tmp_path / "c", "ORM108") == []


def test_orm108_partial_run(tmp_path):
    files = orders()
    assert found_in(files, tmp_path, "ORM108", ["app/order.py", "app/address.py"]) == []
    assert found_in(files, tmp_path / "all", "ORM108", list(files)) == [("app/address.py", 10), ("app/order.py", 13)]


def test_orm108_mutual_keys_and_self_reference(tmp_path):
    source = module('''
        class User(Base):
            __tablename__ = "user"
            id: Mapped[int] = mapped_column(primary_key=True)
            current_order_id: Mapped[Optional[int]] = mapped_column(ForeignKey("orders.id"))
            orders: Mapped[list["Order"]] = relationship()


        class Order(Base):
            __tablename__ = "orders"
            id: Mapped[int] = mapped_column(primary_key=True)
            user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))


        class Node(Base):
            __tablename__ = "node"
            id: Mapped[int] = mapped_column(primary_key=True)
            parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("node.id"))
            previous_id: Mapped[Optional[int]] = mapped_column(ForeignKey("node.id"))
            children: Mapped[list["Node"]] = relationship()
            parent: Mapped[Optional["Node"]] = relationship(remote_side=[id])
    ''')
    assert found(source, tmp_path, "ORM108") == [
        ("m.py", n) for n in lines_of(source, "orders: Mapped", "children: Mapped", "parent: Mapped")
    ]


def test_orm108_joined_subclass_uses_its_own_table_first(tmp_path):
    source = module('''
        class Address(Base):
            __tablename__ = "address"
            id: Mapped[int] = mapped_column(primary_key=True)


        class Employee(Base):
            __tablename__ = "employee"
            id: Mapped[int] = mapped_column(primary_key=True)
            type: Mapped[str]
            home_id: Mapped[Optional[int]] = mapped_column(ForeignKey("address.id"))
            __mapper_args__ = {"polymorphic_on": "type", "polymorphic_identity": "employee"}


        class Manager(Employee):
            __tablename__ = "manager"
            id: Mapped[int] = mapped_column(ForeignKey("employee.id"), primary_key=True)
            office_id: Mapped[Optional[int]] = mapped_column(ForeignKey("address.id"))
            office: Mapped[Optional[Address]] = relationship()
            __mapper_args__ = {"polymorphic_identity": "manager"}
    ''')
    assert found(source, tmp_path, "ORM108") == []


def test_orm108_flask_sqlalchemy_1x(tmp_path):
    files = {
        "app/__init__.py": "from flask_sqlalchemy import SQLAlchemy\n\ndb = SQLAlchemy()\n",
        "app/models.py": """
            from app import db


            class User(db.Model):
                __tablename__ = "users"
                id = db.Column(db.Integer, primary_key=True)


            class Message(db.Model):
                __tablename__ = "messages"
                id = db.Column(db.Integer, primary_key=True)
                sender_id = db.Column(db.Integer, db.ForeignKey("users.id"))
                recipient_id = db.Column(db.Integer, db.ForeignKey("users.id"))
                sender = db.relationship("User", backref="sent")
                recipient = db.relationship("User", foreign_keys=[recipient_id])
        """,
    }
    assert found(files, tmp_path, "ORM108") == [("app/models.py", 15)]


def test_relationships_declared_in_both_branches_of_an_if_are_not_judged(tmp_path):
    source = module('''
        import os


        class Parent(Base):
            __tablename__ = "parent"
            id: Mapped[int] = mapped_column(primary_key=True)
            children: Mapped[list["Child"]] = relationship(back_populates="parent")


        class Child(Base):
            __tablename__ = "child"
            id: Mapped[int] = mapped_column(primary_key=True)
            parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("parent.id"))
            if os.environ.get("LEGACY"):
                parent: Mapped[Optional[Parent]] = relationship(cascade="all, delete-orphan", single_parent=True)
            else:
                parent: Mapped[Optional[Parent]] = relationship(back_populates="children")
    ''')
    findings = [c for _, _, c in lint_project({"m.py": source}, tmp_path)]
    assert [c for c in findings if c in ("ORM105", "ORM106", "ORM107", "ORM108")] == []


def test_abstract_declarative_base_and_a_diamond_of_abstract_bases(tmp_path):
    # `class Model(DeclarativeBase): __abstract__ = True`, then abstract bases that meet again
    # (id and timestamps in two branches): the classes still belong to one registry.
    files = {
        "app/__init__.py": "",
        "app/base.py": """
            from datetime import datetime
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Model(DeclarativeBase):
                __abstract__ = True


            class IDModel(Model):
                __abstract__ = True
                id: Mapped[int] = mapped_column(primary_key=True)


            class TimestampedModel(Model):
                __abstract__ = True
                created_at: Mapped[datetime] = mapped_column()


            class RecordModel(IDModel, TimestampedModel):
                __abstract__ = True
        """,
        "app/models.py": """
            from sqlalchemy import ForeignKey
            from sqlalchemy.orm import Mapped, mapped_column, relationship

            from app.base import RecordModel


            class Address(RecordModel):
                __tablename__ = "address"


            class Order(RecordModel):
                __tablename__ = "order"
                billing_address_id: Mapped[int] = mapped_column(ForeignKey("address.id"))
                shipping_address_id: Mapped[int] = mapped_column(ForeignKey("address.id"))
                billing_address: Mapped[Address] = relationship()
        """,
    }
    assert found(files, tmp_path, "ORM108") == [("app/models.py", 16)]


def test_foreign_keys_written_as_class_attributes(tmp_path):
    files = {
        "app/__init__.py": "",
        "app/base.py": BASE,
        "app/user.py": """
            from sqlalchemy.orm import Mapped, mapped_column

            from .base import Base


            class User(Base):
                __tablename__ = "users"
                id: Mapped[int] = mapped_column(primary_key=True)
        """,
        "app/message.py": """
            from sqlalchemy import ForeignKey
            from sqlalchemy.orm import Mapped, mapped_column, relationship

            from .base import Base
            from .user import User


            class Message(Base):
                __tablename__ = "messages"
                id: Mapped[int] = mapped_column(primary_key=True)
                sender_id: Mapped[int] = mapped_column(ForeignKey(User.id))
                recipient_id: Mapped[int] = mapped_column(ForeignKey(User.id, ondelete="CASCADE"))
                sender: Mapped[User] = relationship()
                recipient: Mapped[User] = relationship(foreign_keys=[recipient_id])
                # a target that is no class of the project: unseen, so not counted
                other_id: Mapped[int] = mapped_column(ForeignKey(Other.id))
        """,
    }
    assert found(files, tmp_path, "ORM108") == [("app/message.py", 14)]


def test_orm108_tables_of_a_schema(tmp_path):
    # Both tables in schema "sales": the keys "sales.address.id" link them twice. A key to the
    # default schema's `address` (another table) does not link them.
    source = module('''
        class Address(Base):
            __tablename__ = "address"
            __table_args__ = {"schema": "sales"}
            id: Mapped[int] = mapped_column(primary_key=True)


        class Order(Base):
            __tablename__ = "order"
            __table_args__ = {"schema": "sales"}
            id: Mapped[int] = mapped_column(primary_key=True)
            billing_address_id: Mapped[int] = mapped_column(ForeignKey("sales.address.id"))
            shipping_address_id: Mapped[int] = mapped_column(ForeignKey("sales.address.id"))
            billing_address: Mapped[Address] = relationship()


        class Invoice(Base):
            __tablename__ = "invoice"
            __table_args__ = {"schema": "sales"}
            id: Mapped[int] = mapped_column(primary_key=True)
            address_id: Mapped[int] = mapped_column(ForeignKey("sales.address.id"))
            old_address_id: Mapped[int] = mapped_column(ForeignKey("address.id"))
            address: Mapped[Address] = relationship()
    ''')
    assert found(source, tmp_path, "ORM108") == [("m.py", line) for line in lines_of(source, "billing_address: Mapped")]


def test_orm108_flask_models_with_a_mixin(tmp_path):
    # `class Order(Timestamped, db.Model)`: the mixin leads to no other root, the class is
    # db.Model's (ProjectIndex.declarative_root, which the relationship rules now read too)
    source = '''
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()


class Timestamped:
    created_at = db.Column(db.DateTime)


class Address(Timestamped, db.Model):
    __tablename__ = "address"
    id = db.Column(db.Integer, primary_key=True)


class Order(Timestamped, db.Model):
    __tablename__ = "order"
    id = db.Column(db.Integer, primary_key=True)
    billing_address_id = db.Column(db.Integer, db.ForeignKey("address.id"))
    shipping_address_id = db.Column(db.Integer, db.ForeignKey("address.id"))
    billing_address = db.relationship("Address")
'''
    assert found(source, tmp_path, "ORM108") == [("m.py", line) for line in lines_of(source, "billing_address = ")]
