"""ORM901 (legacy-declarative-base): what it reports, and its fix keeps the schema and mappers."""

from __future__ import annotations

import pytest
from sqlalchemy.dialects import sqlite
from sqlalchemy.schema import CreateTable

from ormlint.analysis import analyse_source
from ormlint.codes import all_codes
from ormlint.fixes import fix_source
from ormlint.rules import RULES
from ormlint.rules.base import strip_markers
from tests.oracle.harness import load


def codes_with_one_modernisation_rule(code: str) -> frozenset[str]:
    """All codes but the other ORM9xx rules: each one's fixes are checked on their own."""
    return frozenset(c for c in all_codes() if c == code or not c.startswith("ORM9") or c == "ORM999")


CODES = codes_with_one_modernisation_rule("ORM901")


def analyse(text: str):
    return analyse_source(text, "m.py", CODES)


def findings(source: str):
    return [f for f in analyse(source) if f.code == "ORM901"]


def fixed(source: str, unsafe: bool = False) -> str:
    result = fix_source(source, analyse, unsafe)
    assert result.error is None
    return result.source


def schema_and_mappers(source: str) -> tuple[str, str, list]:
    """What the oracle compares: DDL for PostgreSQL and SQLite, and each mapper's setup."""
    with load(source) as example:
        example.configure()
        sqlite_ddl = ";\n".join(
            str(CreateTable(table).compile(dialect=sqlite.dialect())).strip()
            for table in example.metadata.sorted_tables
        )
        mappers = sorted(
            (
                mapper.class_.__name__,
                str(mapper.local_table),
                [(c.key, str(c.type), c.nullable, c.primary_key) for c in mapper.columns],
                sorted((r.key, r.direction.name, r.mapper.class_.__name__) for r in mapper.relationships),
                # the mixins and models in the MRO (the base itself is built by SQLAlchemy before the fix)
                [b.__name__ for b in mapper.class_.__mro__ if b.__module__.startswith("ormlint_example_") and b.__name__ != "Base"],
            )
            for reg in example.registries
            for mapper in reg.mappers
        )
        return example.postgresql_ddl(), sqlite_ddl, mappers


@pytest.mark.parametrize("index", range(len(RULES["ORM901"].invalid)))
def test_fix_keeps_ddl_and_mappers(index):
    source = strip_markers(RULES["ORM901"].invalid[index])
    after = fixed(source, unsafe=True)
    with_fix = [f for f in findings(source) if f.fix]
    if not with_fix:
        assert after == source
        return
    assert "DeclarativeBase" in after and "declarative_base" not in after
    assert findings(after) == []
    assert fixed(after, unsafe=True) == after
    before_schema = schema_and_mappers(source)
    assert before_schema[0]  # the example has tables
    assert schema_and_mappers(after) == before_schema


def test_fix_on_an_example_with_relationships_and_metadata_keeps_the_schema():
    source = '''
from sqlalchemy import Column, ForeignKey, Integer, MetaData, String
from sqlalchemy.orm import declarative_base, relationship

convention = {"ix": "ix_%(column_0_label)s", "fk": "fk_%(table_name)s_%(column_0_name)s"}
Base = declarative_base(metadata=MetaData(naming_convention=convention))


class Author(Base):
    __tablename__ = "author"
    id = Column(Integer, primary_key=True)
    name = Column(String(50), nullable=False, index=True)
    books = relationship("Book", backref="author")


class Book(Base):
    __tablename__ = "book"
    id = Column(Integer, primary_key=True)
    author_id = Column(ForeignKey("author.id"))
'''
    after = fixed(source)
    assert "class Base(DeclarativeBase):\n    metadata = MetaData(naming_convention=convention)" in after
    assert "from sqlalchemy.orm import DeclarativeBase, relationship" in after
    assert schema_and_mappers(after) == schema_and_mappers(source)


def test_fix_imports_next_to_other_orm_names_and_keeps_a_still_used_import():
    source = '''
from sqlalchemy import Column, Integer
from sqlalchemy.orm import declarative_base, relationship

Base = declarative_base()
Other = declarative_base
'''
    after = fixed(source)
    assert "from sqlalchemy.orm import declarative_base, relationship, DeclarativeBase\n" in after
    assert "class Base(DeclarativeBase):\n    pass\nOther = declarative_base\n" in after


def test_fix_is_unsafe_when_the_class_name_changes_or_a_class_defines_init_subclass():
    renamed = "from sqlalchemy.orm import declarative_base\nModel = declarative_base()\n"
    (finding,) = findings(renamed)
    assert finding.fix["applicability"] == "unsafe"
    assert fixed(renamed) == renamed
    assert "class Model(DeclarativeBase)" in fixed(renamed, unsafe=True)
    hooked = (
        "from sqlalchemy.orm import declarative_base\nBase = declarative_base()\n\n\n"
        "class Mixin:\n    def __init_subclass__(cls, **kw):\n        pass\n"
    )
    assert findings(hooked)[0].fix["applicability"] == "unsafe"


@pytest.mark.parametrize("source", [
    "from sqlalchemy.orm import declarative_base\nBase = declarative_base(name='Model')\n",
    "from sqlalchemy.orm import declarative_base\nBase = declarative_base(bind)\n",
    "from sqlalchemy.orm import declarative_base\nBase = declarative_base(**options)\n",
    "from sqlalchemy.orm import declarative_base\nBase = declarative_base(cls=mixins[0])\n",
    "from sqlalchemy.orm import declarative_base\nBase, Other = declarative_base(), 1\n",
    "from sqlalchemy.orm import declarative_base\nif True:\n    Base = declarative_base()\n",
    "from sqlalchemy.orm import declarative_base\nx = 1; Base = declarative_base()\n",
])
def test_reported_without_a_fix_when_it_does_not_carry_over(source):
    (finding,) = findings(source)
    assert finding.fix is None
    assert fixed(source, unsafe=True) == source


@pytest.mark.parametrize("source", [
    "from sqlalchemy.orm import DeclarativeBase\nclass Base(DeclarativeBase):\n    pass\n",
    "from mylib import declarative_base\nBase = declarative_base()\n",
    "def declarative_base():\n    pass\nBase = declarative_base()\n",
])
def test_not_reported(source):
    assert findings(source) == []


def test_opt_in():
    from ormlint.codes import RULE_CODES

    assert RULE_CODES["ORM901"] is False and RULES["ORM901"].default_enabled is False


def test_message_names_the_variable_only_when_there_is_one():
    (named,) = findings("from sqlalchemy.orm import declarative_base\nModel = declarative_base()\n")
    assert named.message.startswith("`Model` is made by") and "the unsafe fix does so" in named.message
    (unnamed,) = findings("from sqlalchemy.orm import declarative_base\nBaseModel: object = declarative_base()\n")
    assert unnamed.message.startswith("A base class made by") and "fix" not in unnamed.message
