from tests.helpers import codes_and_lines

HEADER = "from sqlalchemy import Column, ForeignKey, Integer\nfrom sqlalchemy.orm import relationship, backref, declared_attr\n"


def check(body: str):
    return codes_and_lines(HEADER + body, "ORM101")


def test_builtin_in_list_and_bare():
    assert check(
        "class Node(Base):\n"
        "    node_id = Column(Integer, primary_key=True)\n"
        "    parent = relationship('Node', remote_side=[id])\n"
        "    other = relationship('Node', order_by=id, foreign_keys=type)\n"
    ) == [("ORM101", 5), ("ORM101", 6), ("ORM101", 6)]


def test_own_column_assigned_earlier_is_not_the_builtin():
    assert check(
        "class Node(Base):\n"
        "    id = Column(Integer, primary_key=True)\n"
        "    parent = relationship('Node', remote_side=[id], order_by=id)\n"
    ) == []


def test_column_assigned_after_the_relationship_is_still_the_builtin():
    assert check(
        "class Node(Base):\n"
        "    parent = relationship('Node', remote_side=[id])\n"
        "    id = Column(Integer, primary_key=True)\n"
    ) == [("ORM101", 4)]


def test_annotated_mapped_column_binds_but_bare_annotation_does_not():
    assert check(
        "class A(Base):\n"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        "    p = relationship('A', remote_side=[id])\n"
        "class B(Base):\n"
        "    id: Mapped[int]\n"
        "    p = relationship('B', remote_side=[id])\n"
    ) == [("ORM101", 8)]


def test_strings_lambdas_attributes_and_callees_are_not_flagged():
    assert check(
        "class Node(Base):\n"
        "    a = relationship('Node', remote_side='Node.id')\n"
        "    b = relationship('Node', remote_side=lambda: [id])\n"
        "    c = relationship('Node', remote_side=[Other.id], order_by=Other.type)\n"
        "    d = relationship('Node', order_by=getattr(Other, 'id'))\n"
        "    e = relationship('Node', foreign_keys=[c for c in cols])\n"
    ) == []


def test_module_level_and_conditional_bindings_shadow_the_builtin():
    assert check(
        "from .columns import type\n"
        "if FLAG:\n"
        "    id = 1\n"
        "class Node(Base):\n"
        "    a = relationship('Node', remote_side=[id], order_by=type)\n"
    ) == []


def test_star_import_from_unknown_module_may_bind_anything():
    assert check(
        "from .columns import *\n"
        "class Node(Base):\n"
        "    a = relationship('Node', remote_side=[id])\n"
    ) == []


def test_conditional_class_body_binding_counts():
    assert check(
        "class Node(Base):\n"
        "    if True:\n"
        "        id = Column(Integer, primary_key=True)\n"
        "    a = relationship('Node', remote_side=[id])\n"
    ) == []


def test_enclosing_function_scope_is_visible_to_the_class_body():
    assert check(
        "def make(id):\n"
        "    class Node(Base):\n"
        "        a = relationship('Node', remote_side=[id])\n"
        "    return Node\n"
    ) == []


def test_backref_arguments_are_checked():
    assert check(
        "class Node(Base):\n"
        "    node_id = Column(Integer, primary_key=True)\n"
        "    parent = relationship('Node', backref=backref('children', remote_side=[id]))\n"
    ) == [("ORM101", 5)]


def test_declared_attr_does_not_see_the_class_body():
    assert check(
        "class Mixin:\n"
        "    id = Column(Integer, primary_key=True)\n"
        "    @declared_attr\n"
        "    def parent(cls):\n"
        "        return relationship('Node', remote_side=[id])\n"
        "    @declared_attr\n"
        "    def other(cls):\n"
        "        return relationship('Node', remote_side=[cls.id])\n"
    ) == [("ORM101", 7)]


def test_declared_attr_locals_bind():
    assert check(
        "class Mixin:\n"
        "    @declared_attr\n"
        "    def parent(cls):\n"
        "        id = cls.__table__.c.id\n"
        "        return relationship('Node', remote_side=[id])\n"
    ) == []


def test_flask_sqlalchemy_handle_imported_from_the_app():
    assert codes_and_lines(
        "from app import db\n"
        "class Node(db.Model):\n"
        "    node_id = db.Column(db.Integer, primary_key=True)\n"
        "    parent = db.relationship('Node', remote_side=[id])\n",
        "ORM101",
    ) == [("ORM101", 4)]


def test_relationship_not_from_sqlalchemy_is_ignored():
    assert codes_and_lines(
        "from mylib import relationship\n"
        "class Node:\n"
        "    parent = relationship('Node', remote_side=[id])\n",
        "ORM101",
    ) == []


def test_module_level_relationship_assignment():
    assert check(
        "class Node(Base):\n"
        "    pass\n"
        "Node.parent = relationship(Node, order_by=id)\n"
    ) == [("ORM101", 5)]


def test_multiline_call_reports_the_name_position():
    findings = codes_and_lines(
        HEADER
        + "class Node(Base):\n"
        "    parent = relationship(\n"
        "        'Node',\n"
        "        remote_side=[\n"
        "            id,\n"
        "        ],\n"
        "    )\n",
        "ORM101",
    )
    assert findings == [("ORM101", 7)]


def test_sqlmodel_relationship_kwargs():
    assert codes_and_lines(
        "from sqlmodel import SQLModel, Relationship\n"
        "class Node(SQLModel, table=True):\n"
        "    parent: 'Node' = Relationship(sa_relationship_kwargs={'remote_side': [id]})\n"
        "    other: 'Node' = Relationship(sa_relationship_kwargs={'remote_side': 'Node.id'})\n",
        "ORM101",
    ) == [("ORM101", 3)]


def test_walrus_binding_counts():
    assert check(
        "if (id := 3):\n"
        "    pass\n"
        "class Node(Base):\n"
        "    a = relationship('Node', remote_side=[id])\n"
    ) == []
