"""Drift fixture `tables_columns`: tables and columns on one side only (legacy `Column` style,
`declarative_base()`).

- ORM701: `audit_events` is mapped, no migration creates it (its index comes with it, and is not
  reported on its own).
- ORM702: `legacy_sessions` is created by the first migration and has no model.
- ORM703: `customers.nickname` is in the model only; `customers.fax` was added by a migration and
  is not in the model; `customers.loyalty_points` is in the model but a later migration drops it.
- No drift: `purchases` was renamed to `orders` by a migration; `import_batches` was created and
  later dropped, and has no model; `customers.phone` was added by a migration.
"""

from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, Text, func
from sqlalchemy.orm import declarative_base, relationship

Base = declarative_base()


class Customer(Base):
    __tablename__ = "customers"

    id = Column(Integer, primary_key=True)
    name = Column(String(120), nullable=False)
    email = Column(String(255), nullable=False)
    phone = Column(String(32))
    nickname = Column(String(40))
    loyalty_points = Column(Integer, nullable=False)

    orders = relationship("Order", back_populates="customer")


class Order(Base):
    __tablename__ = "orders"

    id = Column(Integer, primary_key=True)
    customer_id = Column(Integer, ForeignKey("customers.id"), nullable=False)
    placed_at = Column(DateTime, nullable=False)
    note = Column(Text)

    customer = relationship(Customer, back_populates="orders")


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id = Column(Integer, primary_key=True)
    actor = Column(String(80), nullable=False, index=True)
    action = Column(String(40), nullable=False)
    happened_at = Column(DateTime, nullable=False, server_default=func.now())
