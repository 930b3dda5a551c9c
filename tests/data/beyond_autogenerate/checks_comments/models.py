"""CHECK constraints and comments: drift Alembic's compare_metadata does not report for checks.

products: ck_products_price has another condition in the migrations (price > 0), no migration
creates ck_products_stock, ck_products_name agrees though spelled otherwise; the table's comment
is the model's only, price's comment differs, note's is the migrations' only.
orders: the migrations create ck_orders_quantity, which the model does not declare.
"""

from typing import Optional

from sqlalchemy import CheckConstraint, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Product(Base):
    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint("price >= 0", name="ck_products_price"),
        CheckConstraint("stock >= 0", name="ck_products_stock"),
        {"comment": "Things we sell"},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    price: Mapped[int] = mapped_column(Integer, comment="In cents")
    stock: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100), CheckConstraint("length(name) > 0", name="ck_products_name"))
    note: Mapped[Optional[str]] = mapped_column(Text)


class Order(Base):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    quantity: Mapped[int] = mapped_column(Integer)
