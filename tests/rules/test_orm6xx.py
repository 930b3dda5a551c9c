import pytest

from ormlint.rules.foreign_keys import is_referential_action, suggest_action
from tests.helpers import codes_and_lines, lint

HEADER = (
    "from typing import Any, Optional\n"
    "import sqlalchemy as sa\n"
    "from sqlalchemy import Column, ForeignKey, ForeignKeyConstraint, Integer, text, func\n"
    "from sqlalchemy.orm import Mapped, mapped_column, declared_attr\n"
)  # 4 lines: a body's first line is line 5


def check(body: str, select: str = "ORM6"):
    return codes_and_lines(HEADER + body, select)


# -- referential action values ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["CASCADE", "cascade", "Set Null", "SET  NULL", "set default", "RESTRICT", "no action",
     " NO ACTION ", "SET NULL (parent_id)", 'SET NULL ("a", b)'],
)
def test_valid_actions(value):
    assert is_referential_action(value)


@pytest.mark.parametrize(
    ("value", "suggestion"),
    [
        ("CASCADES", "CASCADE"), ("SET_NULL", "SET NULL"), ("delete", "CASCADE"),
        ("SETNULL", "SET NULL"), ("set-default", "SET DEFAULT"), ("NOACTION", "NO ACTION"),
        ("ON DELETE CASCADE", "CASCADE"), ("CASCADE;", "CASCADE"), ("null", "SET NULL"),
        ("restric", "RESTRICT"), ("", None), ("foo", None),
    ],
)
def test_invalid_actions_and_suggestions(value, suggestion):
    assert not is_referential_action(value)
    assert suggest_action(value) == suggestion


# -- ORM601 ------------------------------------------------------------------------------------------


def test_orm601_not_null_spellings():
    assert check(
        "class Child(Base):\n"
        "    __tablename__ = 'child'\n"
        "    id = Column(Integer, primary_key=True)\n"
        "    a = Column(Integer, ForeignKey('p.id', ondelete='SET NULL'), nullable=False)\n"
        "    b: Mapped[int] = mapped_column(ForeignKey('p.id', ondelete='set null'))\n"
        "    c = Column(Integer, ForeignKey('p.id', ondelete='SET NULL'), primary_key=True)\n"
        "    d: Mapped[Optional[int]] = mapped_column(sa.ForeignKey('p.id', ondelete='SET NULL'), primary_key=True)\n"
        "    e: Mapped[int] = mapped_column(ForeignKey('p.id', onupdate='SET NULL'))\n"
        "    f: Mapped['int'] = mapped_column(ForeignKey('p.id', ondelete='SET NULL'))\n"
    ) == [("ORM601", n) for n in (8, 9, 10, 11, 12, 13)]


def test_orm601_nullable_columns_are_fine():
    assert check(
        "class Child(Base):\n"
        "    __tablename__ = 'child'\n"
        "    id = Column(Integer, primary_key=True)\n"
        "    a = Column(Integer, ForeignKey('p.id', ondelete='SET NULL'))\n"  # 1.x default: nullable
        "    b: Mapped[int] = Column(Integer, ForeignKey('p.id', ondelete='SET NULL'))\n"  # Column ignores Mapped
        "    c: Mapped[Optional[int]] = mapped_column(ForeignKey('p.id', ondelete='SET NULL'))\n"
        "    d: Mapped[int | None] = mapped_column(ForeignKey('p.id', ondelete='SET NULL'))\n"
        "    e: Mapped[int] = mapped_column(ForeignKey('p.id', ondelete='SET NULL'), nullable=True)\n"
        "    f = mapped_column(ForeignKey('p.id', ondelete='SET NULL'))\n"  # no annotation: nullable
        "    g: Mapped[int] = mapped_column(ForeignKey('p.id', ondelete='SET NULL'), nullable=flag)\n"
        "    h: Mapped[int] = mapped_column(ForeignKey('p.id', ondelete='CASCADE'))\n"
        "    i: Mapped[Any] = mapped_column(ForeignKey('p.id', ondelete='SET NULL'))\n"
        "    j: Mapped[int] = mapped_column(ForeignKey('p.id', ondelete=ACTION))\n"
        "    k: Mapped[int] = mapped_column(\n"
        "        ForeignKey('p.id', ondelete='SET NULL'), use_existing_column=True)\n"
    ) == []


def test_orm601_set_default():
    assert check(
        "class Child(Base):\n"
        "    __tablename__ = 'child'\n"
        "    id = Column(Integer, primary_key=True)\n"
        "    a: Mapped[int] = mapped_column(ForeignKey('p.id', ondelete='SET DEFAULT'))\n"
        "    b = Column(Integer, ForeignKey('p.id', ondelete='SET DEFAULT'), default=1)\n"
        "    c: Mapped[Optional[int]] = mapped_column(ForeignKey('p.id', ondelete='SET DEFAULT'), insert_default=1)\n"
        # fine: a server default, or nothing at all (SET DEFAULT then equals SET NULL)
        "    d: Mapped[int] = mapped_column(ForeignKey('p.id', ondelete='SET DEFAULT'), server_default=text('1'))\n"
        "    e = Column(Integer, ForeignKey('p.id', ondelete='SET DEFAULT'))\n"
        "    f = Column(Integer, ForeignKey('p.id', ondelete='SET DEFAULT'), sa.DefaultClause('1'), nullable=False)\n"
        "    g = Column(Integer, ForeignKey('p.id', ondelete='SET DEFAULT'), sa.Identity(), primary_key=True)\n"
    ) == [("ORM601", 8), ("ORM601", 9), ("ORM601", 10)]


def test_orm601_set_default_with_a_default_from_an_annotated_alias():
    # SQLAlchemy merges the alias's mapped_column() into the column: it has a server default.
    # An alias imported from another module may carry one too (cannot tell: silent).
    assert check(
        "from typing import Annotated\n"
        "from app.types import zero_default\n"
        "int_zero = Annotated[int, mapped_column(server_default=text('0'))]\n"
        "plain_int = Annotated[int, 'no column here']\n"
        "class Child(Base):\n"
        "    __tablename__ = 'child'\n"
        "    id = Column(Integer, primary_key=True)\n"
        "    a: Mapped[int_zero] = mapped_column(ForeignKey('p.id', ondelete='SET DEFAULT'))\n"
        "    b: Mapped[zero_default] = mapped_column(ForeignKey('p.id', ondelete='SET DEFAULT'))\n"
        "    c: Mapped[plain_int] = mapped_column(ForeignKey('p.id', ondelete='SET DEFAULT'))\n"
    ) == [("ORM601", 14)]


def test_orm601_set_null_reads_nullability_from_an_annotated_alias():
    # The alias's mapped_column(nullable=...) decides over the type, as in SQLAlchemy.
    source = (
        "from typing import Annotated\n"
        "maybe_int = Annotated[int, mapped_column(nullable=True)]\n"
        "required_id = Annotated[Optional[int], mapped_column(nullable=False)]\n"
        "class Child(Base):\n"
        "    __tablename__ = 'child'\n"
        "    id = Column(Integer, primary_key=True)\n"
        "    a: Mapped[maybe_int] = mapped_column(ForeignKey('p.id', ondelete='SET NULL'))\n"
        "    b: Mapped[required_id] = mapped_column(ForeignKey('p.id', ondelete='SET NULL'))\n"
    )
    assert check(source) == [("ORM601", 12)]
    (finding,) = lint(HEADER + source, "ORM601")
    assert "the `Annotated` alias in `Mapped[required_id]` makes it NOT NULL" in finding.message


def test_orm601_message_names_the_reason_and_the_fix():
    (finding,) = lint(
        HEADER + "class Child(Base):\n"
        "    __tablename__ = 'child'\n"
        "    parent_id: Mapped[int] = mapped_column(ForeignKey('p.id', ondelete='SET NULL'))\n",
        "ORM601",
    )
    assert "`Mapped[int]` is not Optional" in finding.message
    assert "Mapped[Optional[...]]" in finding.message and "CASCADE" in finding.message


def test_orm601_flask_sqlalchemy_handle_from_another_module():
    assert codes_and_lines(
        "from app.extensions import db\n"
        "class Child(db.Model):\n"
        "    id = db.Column(db.Integer, primary_key=True)\n"
        "    parent_id = db.Column(db.Integer, db.ForeignKey('p.id', ondelete='SET NULL'), nullable=False)\n"
        "    other_id = db.Column(db.Integer, db.ForeignKey('p.id', ondelete='SET NULL'))\n",
        "ORM6",
    ) == [("ORM601", 4)]


def test_orm601_mixins_declared_attr_and_aliases():
    assert codes_and_lines(
        "import sqlalchemy as sa\n"
        "import sqlalchemy.orm as so\n"
        "class OwnedMixin:\n"
        "    owner_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey('user.id', ondelete='SET NULL'))\n"
        "    @so.declared_attr\n"
        "    def team_id(cls) -> so.Mapped[int]:\n"
        "        return so.mapped_column(sa.ForeignKey('team.id', ondelete='SET NULL'))\n"
        "    @so.declared_attr\n"
        "    def org_id(cls) -> so.Mapped[int | None]:\n"
        "        return so.mapped_column(sa.ForeignKey('org.id', ondelete='SET NULL'))\n",
        "ORM6",
    ) == [("ORM601", 4), ("ORM601", 7)]


def test_orm601_foreign_key_constraint_in_table_args_and_table():
    assert check(
        "class Child(Base):\n"
        "    __tablename__ = 'child'\n"
        "    __table_args__ = (\n"
        "        ForeignKeyConstraint(['a', 'b'], ['p.x', 'p.y'], ondelete='SET NULL'),\n"
        "        ForeignKeyConstraint(['b'], ['p.y'], ondelete='SET NULL'),\n"
        "    )\n"
        "    id = Column(Integer, primary_key=True)\n"
        "    a = Column(Integer, nullable=False)\n"
        "    b = Column(Integer)\n"
        "t = sa.Table('t', metadata,\n"
        "    Column('id', Integer, primary_key=True),\n"
        "    Column('a', Integer, nullable=False),\n"
        "    ForeignKeyConstraint(['a'], ['p.x'], ondelete='SET NULL'),\n"
        ")\n"
    ) == [("ORM601", 8), ("ORM601", 17)]


def test_orm601_sqlmodel_is_left_to_sqlmodel_and_migrations_are_skipped():
    assert codes_and_lines(
        "from sqlmodel import Field, SQLModel\n"
        "import sqlalchemy as sa\n"
        "class Child(SQLModel, table=True):\n"
        "    id: int = Field(primary_key=True)\n"
        "    parent_id: int = Field(foreign_key='p.id', ondelete='SET NULL', nullable=False)\n"
        "def upgrade():\n"
        "    op.add_column('c', sa.Column('p', sa.Integer, sa.ForeignKey('p.id', ondelete='SET NULL'), nullable=False))\n",
        "ORM601",
    ) == []


# -- ORM604 ------------------------------------------------------------------------------------------


def test_orm604_everywhere_a_foreign_key_takes_an_action():
    assert check(
        "class Child(Base):\n"
        "    __tablename__ = 'child'\n"
        "    __table_args__ = (ForeignKeyConstraint(['a'], ['p.id'], onupdate='CASCADES'),)\n"
        "    id = Column(Integer, primary_key=True)\n"
        "    a = Column(Integer, ForeignKey('p.id', ondelete='SET_NULL'))\n"
        "    b: Mapped[int] = mapped_column(sa.ForeignKey('p.id', ondelete='delete', onupdate='CASCADE'))\n"
        "t = sa.Table('t', metadata,\n"
        "    Column('a', Integer, ForeignKey('p.id', ondelete='cascade ')),\n"
        "    ForeignKeyConstraint(['a'], ['p.id'], ondelete='NOACTION'),\n"
        ")\n"
        "def upgrade():\n"
        "    op.create_table('x', sa.Column('p', sa.Integer, sa.ForeignKey('p.id', ondelete='CASCADE ON UPDATE')))\n",
        "ORM604",
    ) == [("ORM604", n) for n in (7, 9, 10, 13, 16)]


def test_orm604_valid_values_and_unknown_values_are_not_reported():
    assert check(
        "ACTION = 'CASCADE'\n"
        "class Child(Base):\n"
        "    __tablename__ = 'child'\n"
        "    id = Column(Integer, primary_key=True)\n"
        "    a = Column(Integer, ForeignKey('p.id', ondelete='Cascade', onupdate='no action'))\n"
        "    b = Column(Integer, ForeignKey('p.id', ondelete=ACTION))\n"
        "    c = Column(Integer, ForeignKey('p.id', ondelete=None))\n"
        "    d = Column(Integer, ForeignKey('p.id', ondelete=f'{ACTION}'))\n"
        "    e = Column(Integer, ForeignKey('p.id', ondelete='SET NULL (e)'))\n"
        "    f = Column(Integer, mylib.ForeignKey('p.id', ondelete='whatever'))\n",
        "ORM604",
    ) == []


def test_orm604_message_suggests_the_action():
    (finding,) = lint(
        HEADER + "class C(Base):\n    x = Column(Integer, ForeignKey('p.id', ondelete='SET_NULL'))\n",
        "ORM604",
    )
    assert 'write `ondelete="SET NULL"`' in finding.message
    assert "ON DELETE SET_NULL" in finding.message


def test_orm604_sqlmodel_field_ondelete():
    assert codes_and_lines(
        "from sqlmodel import Field, SQLModel\n"
        "class Child(SQLModel, table=True):\n"
        "    id: int = Field(primary_key=True)\n"
        "    a: int = Field(foreign_key='p.id', ondelete='CASCADES')\n"
        "    b: int = Field(foreign_key='p.id', ondelete='RESTRICT')\n",
        "ORM6",
    ) == [("ORM604", 4)]


# -- ORM605 ------------------------------------------------------------------------------------------


def test_orm605_ondelete_on_any_column_spelling():
    assert check(
        "class Child(Base):\n"
        "    __tablename__ = 'child'\n"
        "    id = Column(Integer, primary_key=True)\n"
        "    a = Column(Integer, ForeignKey('p.id'), ondelete='CASCADE')\n"
        "    b: Mapped[int] = mapped_column(ForeignKey('p.id'), ondelete='CASCADE')\n"
        "    c = sa.Column(sa.Integer, sa.ForeignKey('p.id'), ondelete=ACTION)\n"
        "    d = Column(Integer, ondelete='SET NULL')\n"
        "def upgrade():\n"
        "    op.add_column('c', sa.Column('p', sa.Integer, sa.ForeignKey('p.id'), ondelete='CASCADE'))\n",
        "ORM605",
    ) == [("ORM605", n) for n in (8, 9, 10, 11, 13)]


def test_orm605_onupdate_only_with_a_referential_action_string():
    assert check(
        "class Child(Base):\n"
        "    __tablename__ = 'child'\n"
        "    id = Column(Integer, primary_key=True)\n"
        "    a = Column(Integer, ForeignKey('p.id'), onupdate='CASCADE')\n"
        "    b: Mapped[int] = mapped_column(ForeignKey('p.id'), onupdate='set null')\n"
        "    c = Column(sa.DateTime, onupdate=func.now())\n"
        "    d = Column(sa.DateTime, onupdate=datetime.utcnow)\n"
        "    e = Column(sa.String, onupdate='edited')\n"
        "    f = Column(Integer, ForeignKey('p.id', ondelete='CASCADE', onupdate='CASCADE'))\n",
        "ORM605",
    ) == [("ORM605", 8), ("ORM605", 9)]


def test_orm605_flask_and_sqlmodel():
    assert codes_and_lines(
        "from app import db\n"
        "from sqlmodel import Field, SQLModel\n"
        "from sqlalchemy import Column, ForeignKey, Integer\n"
        "class A(db.Model):\n"
        "    id = db.Column(db.Integer, primary_key=True)\n"
        "    p = db.Column(db.Integer, db.ForeignKey('p.id'), ondelete='CASCADE')\n"
        "class B(SQLModel, table=True):\n"
        "    id: int = Field(primary_key=True)\n"
        "    ok: int = Field(foreign_key='p.id', ondelete='CASCADE')\n"
        "    bad: int = Field(foreign_key='p.id', sa_column_kwargs={'ondelete': 'CASCADE'})\n"
        "    col: int = Field(sa_column=Column(Integer, ForeignKey('p.id'), ondelete='CASCADE'))\n",
        "ORM6",
    ) == [("ORM605", 6), ("ORM605", 10), ("ORM605", 11)]


def test_orm605_message_moves_the_argument_into_the_foreign_key():
    (with_fk, without_fk) = lint(
        HEADER + "class C(Base):\n"
        "    a = Column(Integer, ForeignKey('p.id'), ondelete='CASCADE')\n"
        "    b = Column(Integer, onupdate='CASCADE')\n",
        "ORM605",
    )
    assert 'ForeignKey(..., ondelete=\'CASCADE\')' in with_fk.message
    assert "TypeError" in with_fk.message
    assert 'ForeignKey("table.id", onupdate=\'CASCADE\')' in without_fk.message
    assert "every UPDATE" in without_fk.message


def test_orm605_library_lookalikes_are_not_sqlalchemy():
    assert codes_and_lines(
        "from mylib import Column\n"
        "class C:\n"
        "    x = Column(int, ondelete='CASCADE')\n",
        "ORM6",
    ) == []


def test_orm601_declared_attr_annotation_counts_only_on_mixins():
    assert codes_and_lines(
        HEADER + "from sqlalchemy.orm import DeclarativeBase\n"
        "class Base(DeclarativeBase):\n"
        "    pass\n"
        "class Child(Base):\n"
        "    __tablename__ = 'child'\n"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        "    @declared_attr\n"
        "    def parent_id(cls) -> Mapped[int]:\n"  # ignored by SQLAlchemy: nullable
        "        return mapped_column(ForeignKey('p.id', ondelete='SET NULL'))\n"
        "class ParentMixin:\n"
        "    @declared_attr\n"
        "    def parent_id(cls) -> Mapped[int]:\n"  # read on a mixin: NOT NULL
        "        return mapped_column(ForeignKey('p.id', ondelete='SET NULL'))\n",
        "ORM601",
    ) == [("ORM601", 17)]


def test_orm601_annotation_types_from_the_project_may_be_optional_aliases():
    assert codes_and_lines(
        "import uuid\n"
        "from uuid import UUID\n"
        "from sqlalchemy import ForeignKey\n"
        "from sqlalchemy.orm import Mapped, mapped_column\n"
        "from app.types import MaybeId\n"
        "LocalMaybe = int | None\n"
        "class Child(Base):\n"
        "    __tablename__ = 'child'\n"
        "    a: Mapped[MaybeId] = mapped_column(ForeignKey('p.id', ondelete='SET NULL'))\n"
        "    b: Mapped[LocalMaybe] = mapped_column(ForeignKey('p.id', ondelete='SET NULL'))\n"
        "    c: Mapped[UUID] = mapped_column(ForeignKey('p.id', ondelete='SET NULL'))\n"
        "    d: Mapped[uuid.UUID] = mapped_column(ForeignKey('p.id', ondelete='SET NULL'))\n",
        "ORM601",
    ) == [("ORM601", 11), ("ORM601", 12)]
