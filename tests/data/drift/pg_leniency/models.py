"""Drift fixture `pg_leniency`, PostgreSQL only: what Alembic's compare_metadata
(compare_type=True, compare_server_default=True) does NOT report, beside what it still does.

- ORM704 `measures`: `summary` is Text here, String in the migrations; `units` is BigInteger here,
  Integer in the migrations; `ratio` is Float(10) on both sides, which PostgreSQL stores as REAL
  and Alembic then compares with FLOAT; `amount` is Numeric(10, 2) here, Numeric(10) (stored as
  NUMERIC(10, 0)) in the migrations.
- ORM707 `stamps`: `seen_at` is now() here, clock_timestamp() in the migrations; `touched_at` has
  a server default in the migrations only; `state` is 'open' here, 'closed' in the migrations.
- ORM707 `orders`: `created_at`, from TimestampMixin in mixins.py, defaults to now() there but
  has no default in the migrations (the finding is at mixins.py's line).
- No drift (Alembic agrees): on `stamps`, now() / CURRENT_TIMESTAMP / current_timestamp() /
  text("now()") / transaction_timestamp() / LOCALTIMESTAMP in any pairing; "x" against
  'x'::character varying; "0" against '0'::integer; "false" against sa.false(); '{"a":1}'
  against '{"a": 1}'::jsonb; timezone('utc', now()) against now() AT TIME ZONE 'utc'. On
  `measures`: String against VARCHAR(128); String(255) against String; Numeric(10, 2) against
  Numeric; Float against Double; DateTime against TIMESTAMP; Unicode(20) against String(20);
  an Enum of the same name. On `orders`: `label` (mixin) agrees.
"""

import enum

import sqlalchemy as sa
from sqlalchemy import (
    BigInteger, Boolean, Column, DateTime, Enum, Float, Integer, Numeric, String, Text, Unicode,
    func, text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase

from mixins import TimestampMixin


class Base(DeclarativeBase):
    pass


class Colour(enum.Enum):
    red = "red"
    blue = "blue"


class Stamp(Base):
    __tablename__ = "stamps"

    id = Column(Integer, primary_key=True)
    made_at = Column(DateTime, server_default=func.now())
    sent_at = Column(DateTime, server_default=text("now()"))
    read_at = Column(DateTime, server_default=sa.func.current_timestamp())
    kept_at = Column(DateTime(timezone=True), server_default=text("CURRENT_TIMESTAMP"))
    done_at = Column(DateTime(timezone=True), server_default=func.now())
    filed_at = Column(DateTime, server_default=func.now())
    utc_at = Column(DateTime, server_default=text("timezone('utc', now())"))
    seen_at = Column(DateTime, server_default=func.now())
    touched_at = Column(DateTime, nullable=True)
    kind = Column(String(10), server_default="x")
    state = Column(String(10), server_default="open")
    tries = Column(Integer, server_default="0")
    archived = Column(Boolean, server_default="false")
    extra = Column(JSONB, server_default='{"a":1}')


class Measure(Base):
    __tablename__ = "measures"

    id = Column(Integer, primary_key=True)
    code = Column(String)
    name = Column(String(255))
    price = Column(Numeric(10, 2))
    weight = Column(Float)
    taken = Column(DateTime)
    title = Column(Unicode(20))
    colour = Column(Enum(Colour, name="colour"))
    summary = Column(Text)
    units = Column(BigInteger)
    ratio = Column(Float(10))
    amount = Column(Numeric(10, 2))


class Order(TimestampMixin, Base):
    __tablename__ = "orders"

    id = Column(Integer, primary_key=True)
