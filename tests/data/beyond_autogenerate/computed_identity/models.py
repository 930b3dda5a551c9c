"""Computed and identity columns: drift Alembic's compare_metadata does not report for computed
columns (it only warns that they "cannot be modified").

invoices: id is GENERATED ALWAYS in the model, BY DEFAULT in the migrations; gross is computed
from another expression; tax is computed in the model, plain in the migrations; code agrees
though spelled otherwise. counters: the identity starts at 100 in the model, at 1 in the migrations.
"""

from sqlalchemy import Computed, Identity, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Invoice(Base):
    __tablename__ = "invoices"

    id: Mapped[int] = mapped_column(Identity(always=True), primary_key=True)
    net: Mapped[int] = mapped_column(Integer)
    gross: Mapped[int] = mapped_column(Integer, Computed("net * 2"))
    tax: Mapped[int] = mapped_column(Integer, Computed("net / 5"))
    name: Mapped[str] = mapped_column(String(20))
    code: Mapped[str] = mapped_column(String(20), Computed("upper(name)"))


class Counter(Base):
    __tablename__ = "counters"

    id: Mapped[int] = mapped_column(Identity(start=100), primary_key=True)
