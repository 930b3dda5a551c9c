"""ORM203 mapped-type-contradicts-sql-type: the annotation's Python type against the explicit
SQL type, for SQLAlchemy's own types and builtin/stdlib annotations only."""

from ormlint.rules.columns import TYPE_CONTRADICTIONS
from tests.helpers import codes_and_lines, lint

HEADER = (
    "import datetime as dt\n"
    "import uuid\n"
    "from decimal import Decimal\n"
    "from typing import Any, Optional, Union\n"
    "import sqlalchemy as sa\n"
    "from sqlalchemy import Column, Integer, String, Date, DateTime, Numeric, Float, Boolean, Uuid\n"
    "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, deferred\n"
    "class Base(DeclarativeBase):\n"
    "    pass\n"
)  # a body's first line is line 10


def check(body: str, header: str = HEADER):
    return codes_and_lines(header + body, "ORM203")


def test_orm203_reports_the_contradicting_pairs():
    assert check(
        "class Order(Base):\n"
        "    __tablename__ = 'orders'\n"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        "    code: Mapped[str] = mapped_column(Integer)\n"  # 13
        "    qty: Mapped[int] = mapped_column(sa.String(10))\n"  # 14
        "    placed: Mapped[dt.datetime] = mapped_column(Date)\n"  # 15
        "    due: Mapped[dt.date] = mapped_column(DateTime(timezone=True))\n"  # 16
        "    flag: Mapped[bool] = mapped_column(sa.Integer)\n"  # 17
        "    price: Mapped[float] = mapped_column(Numeric(10, 2))\n"  # 18
        "    ratio: Mapped[Decimal] = mapped_column(Float)\n"  # 19
        "    ext: Mapped[uuid.UUID] = mapped_column(String(36))\n"  # 20
        "    ref: Mapped[str] = mapped_column(Uuid)\n"  # 21
        "    blob: Mapped[str] = mapped_column(sa.LargeBinary)\n"  # 22
        "    when: Mapped[str] = mapped_column(type_=sa.DateTime)\n"  # 23
    ) == [("ORM203", n) for n in range(13, 24)]


def test_orm203_optional_spellings_and_string_annotations():
    assert check(
        "class Order(Base):\n"
        "    __tablename__ = 'orders'\n"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        "    a: Mapped[Optional[str]] = mapped_column(Integer)\n"
        "    b: Mapped[str | None] = mapped_column(Integer)\n"
        "    c: Mapped[Union[None, str]] = mapped_column(Integer)\n"
        "    d: 'Mapped[str]' = mapped_column(Integer)\n"
        "    e: Mapped['Optional[str]'] = mapped_column(Integer)\n"
    ) == [("ORM203", n) for n in range(13, 18)]


def test_orm203_compatible_pairs_and_arguments_that_change_the_loaded_type():
    assert check(
        "class Order(Base):\n"
        "    __tablename__ = 'orders'\n"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        "    a: Mapped[float] = mapped_column(Integer)\n"  # an int is a fine float
        "    b: Mapped[int] = mapped_column(Boolean)\n"  # a bool is an int
        "    c: Mapped[float] = mapped_column(Numeric(10, 2, asdecimal=False))\n"
        "    d: Mapped[Decimal] = mapped_column(Float(asdecimal=True))\n"
        "    e: Mapped[str] = mapped_column(Uuid(as_uuid=False))\n"
        "    f: Mapped[str] = mapped_column(sa.Text)\n"
        "    g: Mapped[int] = mapped_column(sa.BigInteger)\n"
        "    h: Mapped[bytes] = mapped_column(String)\n"  # SQLite hands bytes back: not proven
        "    i: Mapped[dt.datetime] = mapped_column(sa.TIMESTAMP(timezone=True))\n"
        "    j: Mapped[str] = mapped_column(Numeric(10, 2, asdecimal=flag))\n"  # not a literal
        "    k: Mapped[uuid.UUID] = mapped_column(sa.UUID)\n"
    ) == []


def test_orm203_never_judges_custom_library_or_composite_types():
    assert check(
        "from sqlalchemy import Enum, JSON, ARRAY, TypeDecorator\n"
        "from sqlalchemy.dialects.oracle import DATE as ORACLE_DATE\n"
        "from sqlalchemy_utils import UUIDType\n"
        "from pendulum import DateTime as PendulumDateTime\n"
        "from typing import Annotated\n"
        "class IntAsText(TypeDecorator):\n"
        "    impl = String\n"
        "    cache_ok = True\n"
        "class Order(Base):\n"
        "    __tablename__ = 'orders'\n"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        "    a: Mapped[int] = mapped_column(IntAsText)\n"
        "    b: Mapped[str] = mapped_column(Enum('x', 'y'))\n"
        "    c: Mapped[str] = mapped_column(JSON)\n"
        "    d: Mapped[str] = mapped_column(ARRAY(Integer))\n"
        "    e: Mapped[Any] = mapped_column(Integer)\n"
        "    f: Mapped[uuid.UUID] = mapped_column(UUIDType(binary=False))\n"
        "    g: Mapped[PendulumDateTime] = mapped_column(Date)\n"
        "    h: Mapped[Annotated[str, 'x']] = mapped_column(Integer)\n"
        "    i: Mapped[Union[int, str]] = mapped_column(Integer)\n"
        "    j: Mapped[dt.datetime] = mapped_column(ORACLE_DATE)\n"
        "    k: Mapped[str] = mapped_column(String(50).with_variant(Integer, 'sqlite'))\n"
        "    l: Mapped[list[int]] = mapped_column(ARRAY(Integer))\n"
        "    m: Mapped[dict] = mapped_column(JSON)\n"
        "    n: Mapped[str] = mapped_column()\n"
    ) == []


def test_orm203_a_rebound_builtin_name_is_not_the_builtin():
    assert check(
        "from app.types import str\n"
        "class Order(Base):\n"
        "    __tablename__ = 'orders'\n"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        "    code: Mapped[str] = mapped_column(Integer)\n"
    ) == []


def test_orm203_a_name_imported_only_for_type_checking_is_left_to_orm206():
    assert check(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from datetime import datetime\n"
        "class Order(Base):\n"
        "    __tablename__ = 'orders'\n"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        "    placed: Mapped[datetime] = mapped_column(Date)\n"
    ) == []


def test_orm203_column_style_mixins_deferred_and_postgresql_uuid():
    assert check(
        "from sqlalchemy.dialects.postgresql import UUID\n"
        "from datetime import datetime\n"
        "class Stamped:\n"
        "    created: Mapped[datetime] = mapped_column(sa.Date)\n"  # 13
        "class Order(Stamped, Base):\n"
        "    __tablename__ = 'orders'\n"
        "    id = Column(Integer, primary_key=True)\n"
        "    code: Mapped[str] = Column(Integer)\n"  # 17
        "    notes: Mapped[int] = deferred(Column(sa.Text))\n"  # 18
        "    legacy: Mapped[str] = Column(UUID)\n"  # as_uuid default changed in 2.0: skipped
        "    modern: Mapped[str] = mapped_column(UUID)\n"  # 20
        "    text_uuid: Mapped[str] = Column(UUID(as_uuid=False))\n"
        "    plain = Column(Integer)\n"
    ) == [("ORM203", 13), ("ORM203", 17), ("ORM203", 18), ("ORM203", 20)]


def test_orm203_flask_sqlalchemy_handle_from_the_project():
    source = (
        "from datetime import datetime\n"
        "from sqlalchemy.orm import Mapped\n"
        "from app import db\n"
        "class Post(db.Model):\n"
        "    id: Mapped[int] = db.mapped_column(db.Integer, primary_key=True)\n"
        "    title: Mapped[str] = db.mapped_column(db.Integer)\n"  # 6
        "    posted: Mapped[datetime] = db.Column(db.Date)\n"  # 7
        "    body = db.Column(db.Text)\n"
    )
    assert codes_and_lines(source, "ORM203") == [("ORM203", 6), ("ORM203", 7)]


def test_orm203_sqlmodel_fields_are_not_checked():
    source = (
        "from typing import Optional\n"
        "from sqlmodel import Field, SQLModel\n"
        "from sqlalchemy import Column, Integer\n"
        "class Hero(SQLModel, table=True):\n"
        "    id: Optional[int] = Field(default=None, primary_key=True)\n"
        "    name: str = Field(sa_column=Column(Integer))\n"
    )
    assert codes_and_lines(source, "ORM203") == []


def test_orm203_message_says_what_loads_and_what_to_write():
    (finding,) = lint(
        HEADER
        + "class Order(Base):\n"
        "    __tablename__ = 'orders'\n"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        "    code: Mapped[Optional[str]] = mapped_column(Integer)\n",
        "ORM203",
    )
    assert "`Mapped[Optional[str]]`" in finding.message
    assert "loads `int` values" in finding.message
    assert "annotate `int` instead" in finding.message and "`String`" in finding.message


def test_orm203_pair_table_leaves_out_the_accepted_pairs():
    assert ("str", "int") in TYPE_CONTRADICTIONS and ("bool", "int") in TYPE_CONTRADICTIONS
    for accepted in (("int", "bool"), ("float", "int"), ("bytes", "str"), ("str", "str")):
        assert accepted not in TYPE_CONTRADICTIONS
