"""Models whose enum types have labels the migrations do not give them (ORM717)."""

import enum

from sqlalchemy import Enum
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class OrderStatus(enum.Enum):
    PENDING = "pending"
    PAID = "paid"
    REFUNDED = "refunded"  # no migration adds it


class Priority(str, enum.Enum):
    low = "Low"
    high = "High"
    urgent = "Urgent"  # added by ALTER TYPE ... ADD VALUE
    critical = "Critical"  # no migration adds it


class Order(Base):
    __tablename__ = "orders"
    id: Mapped[int] = mapped_column(primary_key=True)
    # SQLAlchemy stores the member names: PENDING, PAID, REFUNDED
    status: Mapped[OrderStatus] = mapped_column(Enum(OrderStatus, name="order_status"))


class Ticket(Base):
    __tablename__ = "tickets"
    id: Mapped[int] = mapped_column(primary_key=True)
    # the members' values: Low, High, Urgent, Critical
    priority: Mapped[Priority] = mapped_column(Enum(Priority, values_callable=lambda e: [m.value for m in e]))
    # created as ('open', 'shut'), then 'shut' renamed: the same labels
    state: Mapped[str] = mapped_column(Enum("open", "closed", name="ticket_state"))
