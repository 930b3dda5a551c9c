"""Primary keys: drift Alembic's compare_metadata does not report (it compares no primary key).

tags: the key is (name, lang) in the model, (name) in the migrations (unnamed: tags_pkey).
prices: the key is (product) in the model, (product, currency) in the migrations; both name it
pk_prices.
"""

from sqlalchemy import Integer, PrimaryKeyConstraint, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Tag(Base):
    __tablename__ = "tags"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    lang: Mapped[str] = mapped_column(String(5), primary_key=True)
    label: Mapped[str] = mapped_column(String(100))


class Price(Base):
    __tablename__ = "prices"
    __table_args__ = (PrimaryKeyConstraint("product", name="pk_prices"),)

    product: Mapped[str] = mapped_column(String(20))
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[int] = mapped_column(Integer)
