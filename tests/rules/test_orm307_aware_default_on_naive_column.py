"""ORM307 aware-default-on-naive-column (opt-in): which defaults are aware, on which columns."""

from __future__ import annotations

import pytest

from ormlint.analysis import analyse_source
from ormlint.codes import RuleOptions

HEADER = '''
import datetime as dt
from datetime import UTC, datetime, timezone

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Event(Base):
    __tablename__ = "event"
    id: Mapped[int] = mapped_column(primary_key=True)
'''


def orm307(column: str, dialect: str | None = None) -> int:
    options = RuleOptions(target_dialect=dialect, dialect_configured=True) if dialect else None
    return len(analyse_source(HEADER + f"    {column}\n", "models.py", frozenset({"ORM307"}), options=options))


@pytest.mark.parametrize("column", [
    "at = mapped_column(sa.DateTime, default=lambda: datetime.now(timezone.utc))",
    "at = mapped_column(sa.DateTime(), default=lambda: dt.datetime.now(UTC))",
    "at = mapped_column(sa.DateTime(timezone=False), onupdate=lambda: datetime.now(tz=dt.timezone.utc))",
    "at = sa.Column(sa.TIMESTAMP(), default=lambda: datetime.now(timezone.utc))",
])
def test_aware_defaults_on_naive_columns(column):
    assert orm307(column) == 1


@pytest.mark.parametrize("column", [
    "at = mapped_column(sa.DateTime(timezone=True), default=lambda: datetime.now(timezone.utc))",
    "at = mapped_column(sa.DateTime, default=datetime.utcnow)",
    "at = mapped_column(sa.DateTime, default=lambda: datetime.now())",
    "at = mapped_column(sa.DateTime, default=lambda: datetime.now(None))",
    "at = mapped_column(sa.DateTime, default=lambda: datetime.now(timezone.utc).replace(tzinfo=None))",
    "at = mapped_column(sa.DateTime, default=utc_now)",  # the project's own function: not known
    "at: Mapped[datetime] = mapped_column(default=lambda: datetime.now(timezone.utc))",  # a map may make it aware
    "at = mapped_column(sa.Date, default=lambda: datetime.now(timezone.utc))",
])
def test_naive_unknown_and_annotation_typed_defaults_are_left_alone(column):
    assert orm307(column) == 0


@pytest.mark.parametrize("dialect", ["sqlite", "mysql"])
def test_not_on_databases_whose_columns_are_naive_anyway(dialect):
    column = "at = mapped_column(sa.DateTime, default=lambda: datetime.now(timezone.utc))"
    assert orm307(column, dialect) == 0
    assert orm307(column, "postgresql") == 1
