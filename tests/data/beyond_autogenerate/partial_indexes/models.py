"""Partial indexes: drift Alembic's compare_metadata does not report.

users: the unique index on email is partial (live rows only) in the model, plain in the
migrations. orders: the index on status is plain in the model, partial in the migrations.
tickets: both partial, on other conditions.
"""

from datetime import datetime
from typing import Optional

from sqlalchemy import Index, String, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        Index("ix_users_email", "email", unique=True, postgresql_where=text("deleted_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(100))
    deleted_at: Mapped[Optional[datetime]]


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (Index("ix_orders_status", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(20))


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (Index("ix_tickets_priority", "priority", postgresql_where=text("priority > 2")),)

    id: Mapped[int] = mapped_column(primary_key=True)
    priority: Mapped[int]
