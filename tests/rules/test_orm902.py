"""ORM902 (legacy-column): what it reports, and its fix keeps the schema and mappers."""

from __future__ import annotations

import pytest

from ormlint.analysis import analyse_source
from ormlint.fixes import fix_source
from ormlint.rules import RULES
from ormlint.rules.base import strip_markers
from tests.rules.test_orm901 import codes_with_one_modernisation_rule, schema_and_mappers

CODES = codes_with_one_modernisation_rule("ORM902")


def analyse(text: str):
    return analyse_source(text, "m.py", CODES)


def findings(source: str):
    return [f for f in analyse(source) if f.code == "ORM902"]


def fixed(source: str) -> str:
    result = fix_source(source, analyse, True)
    assert result.error is None
    return result.source


@pytest.mark.parametrize("index", range(len(RULES["ORM902"].invalid)))
def test_fix_keeps_ddl_and_mappers(index):
    source = strip_markers(RULES["ORM902"].invalid[index])
    after = fixed(source)
    fixable = [f for f in findings(source) if f.fix]
    assert fixable and after != source
    assert len(findings(after)) == len(findings(source)) - len(fixable)
    assert fixed(after) == after
    assert schema_and_mappers(after) == schema_and_mappers(source)


MODELS = '''{future}
import datetime as dt
from sqlalchemy import Column, Date, Float, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import DeclarativeBase, relationship


class Base(DeclarativeBase):
    pass


class Team(Base):
    __tablename__ = "team"
    id = Column(Integer, primary_key=True, autoincrement=True)
    name = Column("team_name", String(40), unique=True, index=True, nullable=False)
    founded = Column(Date)
    members = relationship("Member", back_populates="team")


class Member(Base):
    __tablename__ = "member"
    id = Column(Integer, primary_key=True)
    team_id = Column(Integer, ForeignKey("team.id"), nullable=False)
    bio = Column(Text, server_default="", comment="about")
    score = Column(Float, default=0.0)
    avatar = Column(LargeBinary, nullable=True)
    code = Column(String(8), primary_key=True, nullable=True)
    team = relationship("Team", back_populates="members")
'''


@pytest.mark.parametrize("future", ["", "from __future__ import annotations"])
def test_fix_of_a_model_with_keys_names_and_relationships_keeps_the_schema(future):
    source = MODELS.format(future=future)
    after = fixed(source)
    assert findings(after) == []
    assert "    founded: Mapped[Optional[dt.date]] = mapped_column(Date)\n" in after
    assert '    name: Mapped[str] = mapped_column("team_name", String(40), unique=True' in after
    assert "from typing import Optional\nfrom sqlalchemy import Column" in after
    assert "from sqlalchemy.orm import DeclarativeBase, relationship, Mapped, mapped_column\n" in after
    assert schema_and_mappers(after) == schema_and_mappers(source)


def test_flask_sqlalchemy_columns_get_the_orm_imports():
    source = '''
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()


class Role(db.Model):
    __tablename__ = "roles"
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(64), unique=True)
'''
    after = fixed(source)
    assert "from typing import Optional\nfrom sqlalchemy.orm import Mapped, mapped_column\nfrom flask_sqlalchemy" in after
    assert "    id: Mapped[int] = mapped_column(db.Integer, primary_key=True)\n" in after
    assert "    name: Mapped[Optional[str]] = mapped_column(db.String(64), unique=True)\n" in after


@pytest.mark.parametrize("column", [
    'Column(ForeignKey("t.id"))',  # the type comes from the target
    "Column(Integer, nullable=flag)",
    "Column(Integer, primary_key=flag)",
    "Column(MyType())",
    "Column(Numeric(10, 2))",  # decimal is not imported
    "Column(*args)",
])
def test_reported_without_a_fix_when_the_annotation_is_not_certain(column):
    source = (
        "from sqlalchemy import Column, ForeignKey, Integer, Numeric\n"
        "from sqlalchemy.orm import DeclarativeBase\n\n\n"
        "class Base(DeclarativeBase):\n    pass\n\n\n"
        f"class T(Base):\n    __tablename__ = 't'\n    id = Column(Integer, primary_key=True)\n    x = {column}\n"
    )
    by_attr = {f.message.split("`")[1]: f for f in findings(source)}
    assert by_attr["x"].fix is None and by_attr["id"].fix is not None


def test_no_fix_with_a_primary_key_constraint_or_a_shadowing_class_attribute():
    source = (
        "from sqlalchemy import Column, Integer, PrimaryKeyConstraint\n"
        "from sqlalchemy.orm import DeclarativeBase\n\n\n"
        "class Base(DeclarativeBase):\n    pass\n\n\n"
        "class T(Base):\n    __tablename__ = 't'\n    a = Column(Integer)\n"
        "    __table_args__ = (PrimaryKeyConstraint('a'),)\n\n\n"
        "class U(Base):\n    __tablename__ = 'u'\n    int = 1\n    id = Column(Integer, primary_key=True)\n"
    )
    assert [f.fix for f in findings(source)] == [None, None]


@pytest.mark.parametrize("source", [
    "from sqlalchemy import Column, Integer, Table, MetaData\nt = Table('t', MetaData(), Column('id', Integer))\n",
    "from sqlalchemy import Column, Integer\nclass Mixin:\n    id = Column(Integer)\n",
    "from sqlalchemy import Column, Integer\nfrom sqlalchemy.orm import DeclarativeBase, Mapped\n"
    "class Base(DeclarativeBase):\n    pass\nclass T(Base):\n    __tablename__ = 't'\n"
    "    id: Mapped[int] = Column(Integer, primary_key=True)\n",
])
def test_not_reported(source):
    assert findings(source) == []
