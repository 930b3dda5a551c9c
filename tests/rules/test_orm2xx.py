from tests.helpers import codes_and_lines

HEADER = (
    "from typing import Annotated, Any, Optional, TypeVar, Union\n"
    "import sqlalchemy as sa\n"
    "from sqlalchemy import Column, Integer\n"
    "from sqlalchemy.orm import Mapped, WriteOnlyMapped, mapped_column, relationship\n"
)


def check(body: str):
    return codes_and_lines(HEADER + body, "ORM2")


def test_optional_spellings_with_not_null():
    assert check(
        "class A(Base):\n"
        "    a: Mapped[Optional[int]] = mapped_column(nullable=False)\n"
        "    b: Mapped[int | None] = mapped_column(nullable=False)\n"
        "    c: Mapped[Union[int, None]] = mapped_column(nullable=False)\n"
        "    d: Mapped['Optional[int]'] = mapped_column(nullable=False)\n"
        "    e: 'Mapped[int | None]' = mapped_column(nullable=False)\n"
        "    f: Mapped[None | str] = mapped_column(sa.String, nullable=False)\n"
        "    g: Mapped[Annotated[Optional[int], 'x']] = mapped_column(nullable=False)\n"
        "    h: Mapped[Optional[int]] = mapped_column(primary_key=True)\n"
        "    i: Mapped[Optional[int]] = Column(Integer, nullable=False)\n"
    ) == [("ORM201", n) for n in range(6, 15)]


def test_optional_agreeing_with_column_is_fine():
    assert check(
        "class A(Base):\n"
        "    __tablename__ = 'a'\n"
        "    a: Mapped[Optional[int]] = mapped_column()\n"
        "    b: Mapped[Optional[int]] = mapped_column(nullable=True)\n"
        "    c: Mapped[int] = mapped_column(nullable=False)\n"
        "    d: Mapped[int] = mapped_column(primary_key=True)\n"
        "    e: Mapped[Optional[int]] = mapped_column(primary_key=True, nullable=True)\n"
        "    f: Mapped[int] = mapped_column(nullable=flag)\n"
    ) == []


def test_non_optional_with_nullable_true():
    assert check(
        "class A(Base):\n"
        "    __tablename__ = 'a'\n"
        "    a: Mapped[int] = mapped_column(nullable=True)\n"
        "    b: Mapped[list[int]] = mapped_column(sa.JSON, nullable=True)\n"
        "    c: Mapped['datetime.datetime'] = mapped_column(nullable=True)\n"
    ) == [("ORM202", 7), ("ORM202", 8), ("ORM202", 9)]


def test_unknowable_types_are_not_judged():
    assert check(
        "T = TypeVar('T')\n"
        "MaybeInt = Optional[int]\n"
        "Json = Any\n"
        "class A(Base):\n"
        "    __tablename__ = 'a'\n"
        "    a: Mapped[Any] = mapped_column(nullable=True)\n"
        "    b: Mapped[T] = mapped_column(nullable=True)\n"
        "    c: Mapped[MaybeInt] = mapped_column(nullable=True)\n"
        "    d: Mapped[Json] = mapped_column(nullable=True)\n"
        "    e: Mapped[Any] = mapped_column(nullable=False)\n"
    ) == []


def test_module_alias_of_optional_is_followed():
    assert check(
        "MaybeInt = Optional[int]\n"
        "class A(Base):\n"
        "    a: Mapped[MaybeInt] = mapped_column(nullable=False)\n"
    ) == [("ORM201", 7)]


def test_relationships_and_plain_annotations_are_not_columns():
    assert check(
        "class A(Base):\n"
        "    __tablename__ = 'a'\n"
        "    kids: WriteOnlyMapped['B'] = relationship()\n"
        "    parent: Mapped[Optional['B']] = relationship(innerjoin=True)\n"
        "    x: Optional[int] = Column(Integer, nullable=False)\n"
    ) == []


def test_mapped_from_elsewhere_is_not_sqlalchemy():
    assert codes_and_lines(
        "from typing import Optional\n"
        "from mylib import Mapped, mapped_column\n"
        "class A:\n"
        "    a: Mapped[Optional[int]] = mapped_column(nullable=False)\n",
        "ORM2",
    ) == []


def test_sqlmodel_optional_primary_key_idiom_is_not_flagged():
    assert codes_and_lines(
        "from typing import Optional\n"
        "from sqlmodel import Field, SQLModel\n"
        "class Hero(SQLModel, table=True):\n"
        "    id: Optional[int] = Field(default=None, primary_key=True)\n"
        "    name: str = Field(nullable=True)\n",
        "ORM2",
    ) == []


def test_future_annotations_form():
    assert codes_and_lines(
        "from __future__ import annotations\n"
        "from sqlalchemy.orm import Mapped, mapped_column\n"
        "class A(Base):\n"
        "    a: Mapped[int | None] = mapped_column(nullable=False)\n",
        "ORM2",
    ) == [("ORM201", 4)]


def test_single_table_inheritance_subclass_columns_must_be_nullable():
    assert check(
        "class Vehicle(Base):\n"
        "    __tablename__ = 'vehicle'\n"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        "    kind: Mapped[str]\n"
        "class Truck(Vehicle):\n"
        "    payload: Mapped[int] = mapped_column(nullable=True)\n"
        "class Van(ImportedVehicle):\n"
        "    seats: Mapped[int] = mapped_column(nullable=True)\n"
        "class Own(Vehicle):\n"
        "    __tablename__ = 'own'\n"
        "    id: Mapped[int] = mapped_column(sa.ForeignKey('vehicle.id'), primary_key=True)\n"
        "    extra: Mapped[int] = mapped_column(nullable=True)\n"
    ) == [("ORM202", 16)]


def test_mixins_are_still_checked():
    assert check(
        "class AuditMixin:\n"
        "    version: Mapped[int] = mapped_column(nullable=True)\n"
    ) == [("ORM202", 6)]


def test_use_existing_column_nullable_is_ignored_by_sqlalchemy():
    assert check(
        "class Truck(Vehicle):\n"
        "    __tablename__ = 'truck'\n"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        "    size: Mapped[int] = mapped_column(nullable=True, use_existing_column=True)\n"
        "    other: Mapped[Optional[int]] = mapped_column(nullable=False, use_existing_column=True)\n"
    ) == []


def test_declared_attr_column_annotation_comes_from_the_return_type():
    assert check(
        "from sqlalchemy.orm import declared_attr\n"
        "class Mixin:\n"
        "    @declared_attr\n"
        "    def version(cls) -> Mapped[int]:\n"
        "        return mapped_column(nullable=True)\n"
    ) == [("ORM202", 8)]
