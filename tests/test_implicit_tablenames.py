"""Table names the libraries give classes without `__tablename__`: Flask-SQLAlchemy's generated
name, SQLModel's `cls.__name__.lower()`, a base's `declared_attr` returning the lowered class
name. The project rules read them from the index (ProjectIndex.implicit_tablename)."""

from __future__ import annotations

import importlib.util
import textwrap

import pytest

from ormlint.facts import flask_sqlalchemy_tablename
from tests.helpers import lint_project

# class name -> the name Flask-SQLAlchemy 2.x and 3.x both generate (None: they differ), as
# both versions gave them (2.5.1 and 3.1.1, checked by the oracle test below).
FLASK_NAMES = {
    "user": "user",
    "User": "user",
    "UserRole": "user_role",
    "HTTPRequest": "http_request",
    "ABTest": "ab_test",
    "Model2Name": "model2_name",
    "IPAddress": "ip_address",
    "URLs": "ur_ls",
    "OAuth2Token": "o_auth2_token",
    "APIKey": "api_key",
    "_Private": "private",
    "CaféUser": "café_user",
    "ShortURL": None,  # 2.x "shortURL", 3.x "short_url"
    "API": None,  # 2.x "API", 3.x "api"
    "aB": None,  # 2.x "aB", 3.x "a_b"
    "ÄpfelSaft": None,  # 2.x "Äpfel_saft", 3.x "äpfel_saft"
}


@pytest.mark.parametrize("class_name", sorted(FLASK_NAMES))
def test_flask_sqlalchemy_names_where_both_versions_agree(class_name):
    assert flask_sqlalchemy_tablename(class_name) == FLASK_NAMES[class_name]


@pytest.mark.skipif(
    importlib.util.find_spec("flask_sqlalchemy") is None, reason="flask_sqlalchemy is not installed"
)
def test_flask_sqlalchemy_oracle_generates_the_names_ormlint_gives():
    from flask_sqlalchemy import SQLAlchemy

    db = SQLAlchemy()
    for class_name, expected in FLASK_NAMES.items():
        attributes = {"__module__": __name__, "id": db.Column(db.Integer, primary_key=True)}
        model = type(class_name, (db.Model,), attributes)
        db.metadata.remove(model.__table__)
        if expected is not None:  # the installed version's name, when ormlint gives one
            assert model.__tablename__ == expected, class_name
        else:
            assert flask_sqlalchemy_tablename(class_name) is None


def project_codes(tmp_path, models: str, codes=("ORM602",)) -> list[str]:
    found = lint_project({"models.py": models}, tmp_path)
    assert not [f for f in found if f[2] in ("ORM000", "ORM999")], found
    return [code for _, _, code in found if code in codes]


FLASK = '''
    from flask_sqlalchemy import SQLAlchemy

    db = SQLAlchemy()


    class UserRole(db.Model):
        id = db.Column(db.Integer, primary_key=True)


    class Grant(db.Model):
        id = db.Column(db.Integer, primary_key=True)
        role_id = db.Column(db.Integer, db.ForeignKey("{target}"))
'''


def test_flask_sqlalchemy_generated_name_is_a_foreign_key_target(tmp_path):
    assert project_codes(tmp_path, FLASK.format(target="user_role.id")) == []


def test_foreign_key_to_a_table_no_flask_model_generates_is_reported(tmp_path):
    assert project_codes(tmp_path, FLASK.format(target="userrole.id")) == ["ORM602"]


def test_flask_sqlalchemy_names_are_unknown_when_the_model_class_is_configured(tmp_path):
    models = FLASK.format(target="userrole.id").replace(
        "db = SQLAlchemy()", "db = SQLAlchemy(disable_autonaming=True)"
    )
    assert project_codes(tmp_path, models) == []


def test_flask_sqlalchemy_name_is_unknown_where_the_versions_differ(tmp_path):
    models = FLASK.format(target="userrole.id").replace("UserRole", "UserURL")
    assert project_codes(tmp_path, models) == []


FLASK_SUBCLASS = '''
    from flask_sqlalchemy import SQLAlchemy

    db = SQLAlchemy()


    class IdMixin:
        id = db.Column(db.Integer, primary_key=True)


    class Person(IdMixin, db.Model):
        kind = db.Column(db.String(20))


    class Employee(Person):
        {employee_key}


    class Badge(IdMixin, db.Model):
        person_id = db.Column(db.Integer, db.ForeignKey("{target}"))
'''


def test_flask_sqlalchemy_subclass_with_a_primary_key_has_a_generated_table(tmp_path):
    models = FLASK_SUBCLASS.format(
        employee_key='id = db.Column(db.Integer, db.ForeignKey("person.id"), primary_key=True)',
        target="employee.id",
    )
    assert project_codes(tmp_path, models) == []
    assert project_codes(tmp_path, models.replace('"employee.id"', '"employees.id"')) == ["ORM602"]


def test_flask_sqlalchemy_subclass_without_a_primary_key_gets_no_table_of_its_own(tmp_path):
    # single-table inheritance: Employee's rows are in "person"; there is no "employee" table
    models = FLASK_SUBCLASS.format(employee_key="level = db.Column(db.Integer)", target="employee.id")
    assert project_codes(tmp_path, models) == ["ORM602"]
    assert project_codes(tmp_path, models.replace('"employee.id"', '"person.id"')) == []


SQLMODEL = '''
    from sqlalchemy import Column, ForeignKey, Integer, Table
    from sqlmodel import Field, SQLModel


    class HeroBase(SQLModel):
        name: str


    class Hero(HeroBase, table=True):
        id: int | None = Field(default=None, primary_key=True)


    class Power(SQLModel, table=True):
        id: int | None = Field(default=None, primary_key=True)


    hero_powers = Table(
        "hero_powers", SQLModel.metadata,
        Column("hero_id", Integer, ForeignKey("{target}"), primary_key=True),
        Column("power_id", Integer, ForeignKey("power.id"), primary_key=True),
    )
'''


def test_sqlmodel_table_is_named_by_the_lowered_class_name(tmp_path):
    assert project_codes(tmp_path, SQLMODEL.format(target="hero.id")) == []
    assert project_codes(tmp_path, SQLMODEL.format(target="heroes.id")) == ["ORM602"]


def test_sqlmodel_base_that_overrides_the_table_name_leaves_it_unknown(tmp_path):
    models = SQLMODEL.format(target="heroes.id").replace(
        "        name: str\n",
        "        name: str\n        __tablename__ = 'heroes_' + 'x'\n",
    )
    assert "__tablename__" in models
    assert project_codes(tmp_path, models) == []


DECLARED = '''
    from sqlalchemy import ForeignKey
    from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column


    class Base(DeclarativeBase):
        pass


    class Named:
        @declared_attr.directive
        def __tablename__(cls) -> str:
            {body}


    class Team(Named, Base):
        id: Mapped[int] = mapped_column(primary_key=True)


    class Member(Named, Base):
        id: Mapped[int] = mapped_column(primary_key=True)
        team_id: Mapped[int] = mapped_column(ForeignKey("{target}"))
'''


@pytest.mark.parametrize("body, table", [
    ("return cls.__name__.lower()", "team"),
    ('return cls.__name__.lower() + "s"', "teams"),
    ('return "app_" + cls.__name__.lower()', "app_team"),
])
def test_declared_attr_returning_the_lowered_class_name_names_the_table(tmp_path, body, table):
    assert project_codes(tmp_path, DECLARED.format(body=body, target=f"{table}.id")) == []
    assert project_codes(tmp_path, DECLARED.format(body=body, target=f"{table}x.id")) == ["ORM602"]


@pytest.mark.parametrize("body", [
    "return cls.__name__",
    "return cls.__name__.lower() + SUFFIX",
    '"""Doc."""\n            return cls.__name__.lower()',
    "return camel_to_snake(cls.__name__)",
])
def test_other_computed_table_names_stay_unknown(tmp_path, body):
    assert project_codes(tmp_path, DECLARED.format(body=body, target="nothing.id")) == []


def test_a_class_overriding_the_declared_attr_keeps_its_own_name(tmp_path):
    models = DECLARED.format(body="return cls.__name__.lower()", target="team.id").replace(
        "class Team(Named, Base):\n", 'class Team(Named, Base):\n        __tablename__ = "teams"\n'
    )
    assert project_codes(tmp_path, models) == ["ORM602"]
    assert project_codes(tmp_path, models.replace('"team.id"', '"teams.id"')) == []



def duplicate_tables(tmp_path, models: str) -> list[tuple[int, int, str]]:
    from pathlib import Path

    from ormlint.config import load_settings
    from ormlint.engine import run

    lint_project({"models.py": models}, tmp_path)  # writes the project
    result = run([Path(tmp_path)], load_settings([Path(tmp_path)]), jobs=1, whole_project=True)
    return [(f.line, f.column, f.message) for f in result.findings if f.code == "ORM503"]


def test_a_name_declared_after_a_generated_one_is_a_duplicate_table(tmp_path):
    models = FLASK.format(target="user_role.id") + textwrap.indent(textwrap.dedent('''


        class GrantArchive(db.Model):
            __tablename__ = "grant"
            id = db.Column(db.Integer, primary_key=True)
    '''), "    ")
    found = duplicate_tables(tmp_path, models)
    archive = textwrap.dedent(models).splitlines().index('    __tablename__ = "grant"') + 1
    assert [(line, column) for line, column, _ in found] == [(archive, 5)]
    assert found[0][2].startswith('`__tablename__ = "grant"` is also declared by `Grant`')


def test_a_generated_name_reported_as_a_duplicate_points_at_its_class_statement(tmp_path):
    models = FLASK.format(target="user_role.id").replace(
        "class UserRole(db.Model):\n", 'class UserRole(db.Model):\n        __tablename__ = "grant"\n'
    )
    found = duplicate_tables(tmp_path, models)
    grant = textwrap.dedent(models).splitlines().index("class Grant(db.Model):") + 1
    assert [(line, column) for line, column, _ in found] == [(grant, 1)]  # the class statement
    assert found[0][2].startswith(
        'The table name "grant" that `Grant` gets without `__tablename__` is also declared by `UserRole`'
    )


# Hierarchies whose tables Flask-SQLAlchemy names: a declared_attr mixin, joined and single-table
# subclasses, a primary key from a mixin, a literal name inherited from a mixin (unknown to
# ormlint), an abstract base.
FLASK_HIERARCHY = '''
    from flask_sqlalchemy import SQLAlchemy
    from sqlalchemy.orm import declared_attr

    db = SQLAlchemy()


    class LowerName:
        @declared_attr
        def __tablename__(cls):
            return cls.__name__.lower() + "_t"


    class FixedName:
        __tablename__ = "fixed"


    class IdMixin:
        id = db.Column(db.Integer, primary_key=True)


    class KeyMixin:
        key = db.Column(db.Integer, primary_key=True)


    class HTTPLog(LowerName, db.Model):
        id = db.Column(db.Integer, primary_key=True)


    class ABTest(db.Model):
        id = db.Column(db.Integer, primary_key=True)
        kind = db.Column(db.String(20))
        __mapper_args__ = {"polymorphic_on": kind, "polymorphic_identity": "ab"}


    class ABVariant(ABTest):
        id = db.Column(db.Integer, db.ForeignKey("ab_test.id"), primary_key=True)
        __mapper_args__ = {"polymorphic_identity": "variant"}


    class ABSingle(ABTest):
        extra = db.Column(db.String(20))
        __mapper_args__ = {"polymorphic_identity": "single"}


    class ABKeyed(KeyMixin, ABTest):
        ab_id = db.Column(db.Integer, db.ForeignKey("ab_test.id"))
        __mapper_args__ = {"polymorphic_identity": "keyed", "inherit_condition": ab_id == ABTest.id}


    class Pinned(FixedName, db.Model):
        id = db.Column(db.Integer, primary_key=True)


    class AbstractBase(db.Model):
        __abstract__ = True
        created = db.Column(db.Integer)


    class IPAddress(IdMixin, AbstractBase):
        pass


    class UserRole(IdMixin, db.Model):
        pass


    class URLs(db.Model):
        id = db.Column(db.Integer, primary_key=True)
'''


@pytest.mark.skipif(
    importlib.util.find_spec("flask_sqlalchemy") is None, reason="flask_sqlalchemy is not installed"
)
def test_flask_sqlalchemy_oracle_names_the_tables_of_a_hierarchy_as_ormlint_does(tmp_path):
    import importlib
    import sys
    from pathlib import Path

    from ormlint.config import load_settings
    from ormlint.engine import run

    lint_project({"hierarchy_models.py": FLASK_HIERARCHY}, tmp_path)
    result = run([Path(tmp_path)], load_settings([Path(tmp_path)]), jobs=1, whole_project=True)
    assert result.index is not None
    ormlint_tables = {
        cls.name: cls.tablename for _, cls in result.index.classes() if cls.kind == "mapped"
    }
    sys.path.insert(0, str(tmp_path))
    try:
        module = importlib.import_module("hierarchy_models")
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("hierarchy_models", None)
    library_tables = {}
    for mapper in module.db.Model.registry.mappers:
        shared = mapper.inherits is not None and mapper.local_table is mapper.inherits.local_table
        library_tables[mapper.class_.__name__] = None if shared else mapper.local_table.name
    assert set(ormlint_tables) == set(library_tables)
    known = {name: table for name, table in ormlint_tables.items() if table is not None}
    assert known == {name: library_tables[name] for name in known}
    assert set(ormlint_tables) - set(known) == {"ABSingle", "Pinned"}  # single-table; "fixed"
    assert library_tables["Pinned"] == "fixed"


def test_an_index_name_reused_by_tables_whose_names_are_generated_is_reported(tmp_path):
    models = FLASK.format(target="user_role.id").replace(
        "        id = db.Column(db.Integer, primary_key=True)\n",
        '        __table_args__ = (db.Index("ix_kind", "id"),)\n'
        "        id = db.Column(db.Integer, primary_key=True)\n",
    )
    assert models.count('db.Index("ix_kind"') == 2
    assert project_codes(tmp_path, models, codes=("ORM402",)) == ["ORM402"]
    unique = models.replace('db.Index("ix_kind", "id"),)\n', 'db.Index("ix_grant", "id"),)\n', 1)
    assert project_codes(tmp_path / "unique", unique, codes=("ORM402",)) == []
