"""Drift fixture `types_nullable`: column types and nullability that differ (SQLAlchemy 2.0
`Mapped` annotations, nullability partly implied by `Optional[...]`).

- ORM704: `products.name` is String(100) here, String(50) in the migrations;
  `products.stock` is BigInteger here, Integer in the migrations;
  `products.barcode` is String(13) here, String(32) in the migrations.
- ORM705: `products.description` is nullable here (Optional), NOT NULL in the migrations;
  `products.title` is NOT NULL here, nullable in the migrations;
  `products.barcode` is NOT NULL here, nullable in the migrations (so it has ORM704 and ORM705).
- No drift: `products.code` was widened to String(40) by `alter_column`; `products.weight` was made
  NOT NULL by `alter_column`; `products.supplier_ref` is `Optional[str]` but `nullable=False`
  overrides it, as in the migrations; `products.price` is Numeric(10, 2) on both sides.
"""

import decimal
from typing import Optional

from sqlalchemy import BigInteger, Numeric, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Product(Base):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[Optional[str]] = mapped_column(Text)
    code: Mapped[str] = mapped_column(String(40))
    barcode: Mapped[str] = mapped_column(String(13))
    stock: Mapped[int] = mapped_column(BigInteger)
    weight: Mapped[int]
    price: Mapped[decimal.Decimal] = mapped_column(Numeric(10, 2))
    # Deliberately Optional and NOT NULL: nullable=False decides what the column is.
    supplier_ref: Mapped[Optional[str]] = mapped_column(String(30), nullable=False)  # noqa: ORM201
