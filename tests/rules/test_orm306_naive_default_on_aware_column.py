"""ORM306 naive-default-on-aware-column (opt-in): which defaults are naive, on which columns."""

from __future__ import annotations

import pytest

from ormlint.analysis import analyse_source
from ormlint.codes import RuleOptions

HEADER = '''
import datetime as dt
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Event(Base):
    __tablename__ = "event"
    id: Mapped[int] = mapped_column(primary_key=True)
'''


def orm306(column: str, dialect: str | None = None) -> list[tuple[int, int]]:
    options = RuleOptions(target_dialect=dialect, dialect_configured=True) if dialect else None
    source = HEADER + f"    {column}\n"
    return [(f.line, f.column) for f in analyse_source(source, "models.py", frozenset({"ORM306"}), options=options)]


@pytest.mark.parametrize("column", [
    "at = mapped_column(sa.DateTime(timezone=True), default=datetime.utcnow)",
    "at = mapped_column(sa.DateTime(timezone=True), default=dt.datetime.now)",
    "at = mapped_column(sa.DateTime(timezone=True), default=datetime.today)",
    "at = mapped_column(sa.DateTime(timezone=True), onupdate=lambda: dt.datetime.utcnow())",
    "at = sa.Column(postgresql.TIMESTAMP(timezone=True), default=datetime.now)",
    "at = sa.Column(sa.TIMESTAMP(timezone=True), default=lambda: datetime.now())",
])
def test_naive_defaults_on_aware_columns(column):
    assert len(orm306(column)) == 1


@pytest.mark.parametrize("column", [
    "at = mapped_column(sa.DateTime(timezone=True), default=lambda: datetime.now(timezone.utc))",
    "at = mapped_column(sa.DateTime(timezone=True), default=lambda: datetime.now(tz=timezone.utc))",
    "at = mapped_column(sa.DateTime(timezone=True), default=sa.func.now())",
    "at = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())",
    "at = mapped_column(sa.DateTime(timezone=True), default=utcnow)",  # the project's own function
    "at = mapped_column(sa.DateTime(), default=datetime.utcnow)",  # naive column, naive value
    "at = mapped_column(sa.DateTime(timezone=False), default=datetime.utcnow)",
    "at = mapped_column(sa.DateTime(timezone=True), default=datetime.utcnow())",  # ORM302's
])
def test_aware_sql_and_unknown_defaults_are_left_alone(column):
    assert orm306(column) == []


@pytest.mark.parametrize("dialect", ["sqlite", "mysql"])
def test_not_on_databases_that_ignore_timezone(dialect):
    column = "at = mapped_column(sa.DateTime(timezone=True), default=datetime.utcnow)"
    assert orm306(column, dialect) == []
    assert len(orm306(column, "postgresql")) == 1


def test_the_finding_is_on_the_default_and_says_what_to_write():
    source = HEADER + "    at = mapped_column(sa.DateTime(timezone=True), default=datetime.utcnow)\n"
    (finding,) = analyse_source(source, "models.py", frozenset({"ORM306"}))
    assert (finding.line, finding.column) == (17, 60)
    assert "`default=datetime.utcnow` gives the `timezone=True` column a naive datetime" in finding.message
    assert "write `default=lambda: datetime.now(timezone.utc)`" in finding.message
