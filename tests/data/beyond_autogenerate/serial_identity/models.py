"""SERIAL against Identity: a difference PostgreSQL keeps (attidentity, the column's default)
and Alembic's compare_metadata does not report.

tickets: SERIAL in the migrations, `GENERATED ALWAYS` in the model (which refuses the explicit
ids the SERIAL column takes). badges: an identity in the migrations, SERIAL in the model.
"""

from sqlalchemy import Identity, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Ticket(Base):
    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(Identity(always=True), primary_key=True)
    title: Mapped[str] = mapped_column(String(20))


class Badge(Base):
    __tablename__ = "badges"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    label: Mapped[str] = mapped_column(String(20))
