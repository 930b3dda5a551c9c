"""ProjectIndex.table_of: the one answer to "what is this class's table" that ORM503, ORM402,
ORM602, ORM603, ORM105-ORM108 and the drift comparison read."""

from __future__ import annotations

import ast
import dataclasses
import textwrap

import libcst as cst

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
