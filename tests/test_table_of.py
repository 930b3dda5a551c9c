"""ProjectIndex.table_of: the one answer to "what is this class's table" that ORM503, ORM402,
ORM602, ORM603, ORM105-ORM108 and the drift comparison read."""

from __future__ import annotations

import ast
import dataclasses
import textwrap

import libcst as cst
import pytest

from ormlint.facts import ProjectIndex
from ormlint.model.extract import extract
from ormlint.project import file_facts


def index_of(files: dict[str, str]) -> ProjectIndex:
    facts = []
    for path, source in files.items():
        source = textwrap.dedent(source)
        facts.append(file_facts(extract(cst.parse_module(source), source, path), ast.parse(source)))
    return ProjectIndex.build(facts, whole_project=True)


def table_of(index: ProjectIndex, name: str):
    [(path, cls)] = [(p, c) for p, c in index.classes() if c.name == name]
    return index.table_of(path, cls)


def columns(table) -> list[tuple[str, str, str, int]]:
    return [(d.fact.name, d.path, d.owner, d.fact.location.line) for d in table.columns]


MODELS = {
    "app/__init__.py": "",
    "app/mixins.py": """
        from sqlalchemy import Column, DateTime


        class Timestamped:
            created_at = Column(DateTime)
    """,
    "app/models.py": """
        from sqlalchemy import Column, Integer, String
        from sqlalchemy.orm import DeclarativeBase

        from app.mixins import Timestamped


        class Base(DeclarativeBase):
            pass


        class Model(Base):
            __abstract__ = True
            id = Column(Integer, primary_key=True)


        class Employee(Timestamped, Model):
            __tablename__ = "employee"
            kind = Column(String(20))


        class Engineer(Employee):
            badge = Column(String(20))


        class Archived(Timestamped, Model):
            __tablename__ = "archived"
            __table_args__ = {"schema": "archive"}
    """,
}


def test_columns_with_the_class_and_file_that_declare_them():
    index = index_of(MODELS)
    employee = table_of(index, "Employee")
    assert (employee.name, employee.schema, employee.class_name) == ("employee", None, "Employee")
    assert columns(employee) == [
        ("kind", "app/models.py", "Employee", 19),
        ("created_at", "app/mixins.py", "Timestamped", 6),
        ("id", "app/models.py", "Model", 14),
        ("badge", "app/models.py", "Engineer", 23),  # single-table inheritance
    ]
    assert employee.complete
    assert table_of(index, "Engineer") is employee  # a single-table subclass: its parent's table
    assert table_of(index, "Model") is None and table_of(index, "Timestamped") is None


def test_schema_of_its_own_or_of_a_base():
    index = index_of({
        **MODELS,
        "app/more.py": """
            from sqlalchemy import Column, Integer
            from app.models import Model


            class InAudit:
                __table_args__ = {"schema": "audit"}


            class Event(InAudit, Model):
                __tablename__ = "event"


            class Local(InAudit, Model):
                __tablename__ = "local"
                __table_args__ = {}


            class Computed(Model):
                __tablename__ = "computed"
                __table_args__ = options()
        """,
    })
    assert (table_of(index, "Archived").schema, table_of(index, "Archived").schema_known) == ("archive", True)
    assert (table_of(index, "Event").schema, table_of(index, "Event").schema_known) == ("audit", True)
    assert (table_of(index, "Local").schema, table_of(index, "Local").schema_known) == (None, True)
    assert table_of(index, "Computed").schema_known is False


def test_a_flask_sqlalchemy_subclass_without_a_primary_key_is_in_its_parents_table():
    source = """
        from flask_sqlalchemy import SQLAlchemy

        db = SQLAlchemy()


        class User(db.Model):
            __tablename__ = "users"
            id = db.Column(db.Integer, primary_key=True)


        class Admin(User):
            __tablename__ = "admins"
            level = db.Column(db.Integer)


        class Guest(User):
            __tablename__ = "guests"
            id = db.Column(db.Integer, db.ForeignKey("users.id"), primary_key=True)
    """
    index = index_of({"m.py": source})
    [(_, admin)] = [(p, c) for p, c in index.classes() if c.name == "Admin"]
    assert index.declares_primary_key("m.py", admin) is False
    assert index.shares_parent_table("m.py", admin) is True
    assert table_of(index, "Admin").name == "users"
    assert table_of(index, "Guest").name == "guests"  # joined inheritance: a key of its own


REVISION = """
    from alembic import op
    import sqlalchemy as sa

    revision = "a1"

    def upgrade():
        op.add_column("users", sa.Column("name", sa.String()))
"""
SNAPSHOT = """
    from sqlalchemy import Column, Integer
    from app.base import Base


    class User(Base):  # an old model, kept in the revision
        __tablename__ = "users_v1"
        id = Column(Integer, primary_key=True)
"""
USERS = {
    "app/__init__.py": "",
    "app/base.py": """
        from sqlalchemy.orm import declarative_base

        Base = declarative_base()
    """,
    "app/user.py": """
        from sqlalchemy import Column, Integer
        from app.base import Base


        class User(Base):
            __tablename__ = "users"
            id = Column(Integer, primary_key=True)
    """,
}


def test_an_index_without_files_that_declare_no_class_shares_the_answers():
    index = index_of({**USERS, "migrations/versions/a1.py": REVISION})
    models = index.without(frozenset({"migrations/versions/a1.py"}))
    assert [f.path for f in models.files] == ["app/__init__.py", "app/base.py", "app/user.py"]
    assert table_of(models, "User").name == "users"
    assert table_of(models, "User") is table_of(index, "User")  # computed once, for both
    assert models.class_answers is index.class_answers


def test_an_index_without_a_file_that_declares_a_class_is_built_again():
    index = index_of({**USERS, "migrations/versions/a1.py": SNAPSHOT})
    assert index.resolve_class("User") is None  # two classes named User
    models = index.without(frozenset({"migrations/versions/a1.py"}))
    assert models.class_answers is not index.class_answers
    assert [p for p, _ in models.classes_by_name["User"]] == ["app/user.py"]
    assert table_of(models, "User").name == "users"


def test_an_index_without_an_unparsed_file_is_built_again():
    index = index_of(USERS)
    broken = ProjectIndex.build(
        [*index.files, dataclasses.replace(index.files[0], path="migrations/versions/a1.py", parsed=False)],
        whole_project=True,
    )
    models = broken.without(frozenset({"migrations/versions/a1.py"}))
    assert models.class_answers is not broken.class_answers
    assert models.complete and not broken.complete


def facts_of(path: str, source: str):
    source = textwrap.dedent(source)
    return file_facts(extract(cst.parse_module(source), source, path), ast.parse(source))


def answers(index: ProjectIndex) -> dict:
    """Every class's table answers, as comparable values."""
    found = {}
    for path, cls in index.classes():
        table = index.table_of(path, cls)
        found[(path, cls.name)] = (
            index.maps_table(path, cls),
            index.declarative_root(path, cls),
            [(d.fact.name, d.path, d.owner) for d in index.class_part(path, cls).columns],
            None if table is None else (table.name, table.class_name, columns(table)),
        )
    return found


MIXIN_WITH_UPDATED_AT = """
    from sqlalchemy import Column, DateTime


    class Timestamped:
        created_at = Column(DateTime)
        updated_at = Column(DateTime)
"""
ANOTHER_TIMESTAMPED = """
    from sqlalchemy import Column, Integer


    class Timestamped:  # a second class of the name: the models' base is no longer known
        id = Column(Integer)
"""


@pytest.mark.parametrize(
    ("changed", "source"),
    [
        ("app/mixins.py", MIXIN_WITH_UPDATED_AT),  # a mixin in another file gains a column
        ("app/other.py", ANOTHER_TIMESTAMPED),  # a file adds a class named like a base
        ("app/__init__.py", "x = 1\n"),  # a file without classes changes
    ],
)
def test_answers_carried_from_an_earlier_index_are_those_computed_afresh(changed, source):
    earlier_facts = {path: facts_of(path, text) for path, text in MODELS.items()}
    first = ProjectIndex.build(earlier_facts.values(), whole_project=True)
    earlier = ProjectIndex.build(earlier_facts.values(), whole_project=True)
    carried = earlier.carry_answers(first.carry_answers(None))  # (a process's second index)
    answers(earlier)
    later_facts = {**earlier_facts, changed: facts_of(changed, source)}
    later = ProjectIndex.build(later_facts.values(), whole_project=True)
    later.carry_answers(carried)
    fresh = ProjectIndex.build(later_facts.values(), whole_project=True)
    assert answers(later) == answers(fresh)
    [(path, archived)] = [(p, c) for p, c in later.classes() if c.name == "Archived"]
    reused = later.class_part(path, archived) is earlier.class_part(path, archived)
    assert reused == (changed == "app/__init__.py")  # (Archived reads Timestamped's classes)
    if changed == "app/mixins.py":
        assert "updated_at" in [c[0] for c in answers(later)[("app/models.py", "Employee")][2]]


def test_a_first_index_does_not_prepare_what_a_next_one_would_carry():
    facts = [facts_of(path, text) for path, text in MODELS.items()]
    first = ProjectIndex.build(facts, whole_project=True)
    first.carry_answers(None)
    assert first.class_answers["base_names"] == {}  # (a one-shot run: no cost for a next run)


def test_classes_whose_bases_form_a_cycle_are_never_carried():
    source = """
        class A(B):
            pass


        class B(A):
            pass
    """
    facts = [facts_of("app/cycle.py", source), facts_of("app/__init__.py", "")]
    earlier = ProjectIndex.build(facts, whole_project=True)
    carried = earlier.carry_answers(ProjectIndex.build(facts, whole_project=True).carry_answers(None))
    answers(earlier)
    later = ProjectIndex.build(facts, whole_project=True)
    later.carry_answers(carried)
    assert later.class_answers["maps_table"] == {}
    assert answers(later) == answers(earlier)
