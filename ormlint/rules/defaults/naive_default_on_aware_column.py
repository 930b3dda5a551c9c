"""ORM306 naive-default-on-aware-column: `DateTime(timezone=True)` with `default=datetime.utcnow`
(a naive datetime) on PostgreSQL (opt-in)"""

from __future__ import annotations

from typing import Iterator

import libcst as cst

from ormlint.model.types import ColumnDecl, FileModel
from ormlint.rules.base import Rule, Violation, example
from ormlint.rules.defaults._common import (
    datetime_type_timezone, node_source, now_callable, python_defaults, runtime_columns, short,
)


class NaiveDefaultOnAwareColumn(Rule):
    code = "ORM306"
    name = "naive-default-on-aware-column"
    summary = "`DateTime(timezone=True)` with `default=datetime.utcnow`: a naive value for a timestamptz column"
    catches = (
        "`DateTime(timezone=True)` with `default=`/`onupdate=` `datetime.utcnow`, `datetime.now` "
        "or a lambda calling them without a time zone, on PostgreSQL: stored in the session's "
        "time zone, naive until reloaded"
    )
    default_enabled = False
    message = (
        "`{keyword}={expr}` gives the `timezone=True` column a naive datetime: PostgreSQL reads it "
        "in the session's TimeZone (hours off unless that is UTC), and the attribute stays naive "
        "until reloaded, then aware; write `{keyword}=lambda: datetime.now(timezone.utc)` "
        "(or `server_default=func.now()`)"
    )
    what_it_does = """
        On PostgreSQL (`target-dialect`, PostgreSQL by default), checks columns typed
        `DateTime(timezone=True)` or `TIMESTAMP(timezone=True)` whose `default=` or `onupdate=`
        is `datetime.utcnow`, `datetime.now` or `datetime.today` (the callable, resolved through
        the imports), or a lambda calling one of them without arguments. Aware defaults
        (`lambda: datetime.now(timezone.utc)`), SQL defaults (`func.now()`) and the project's
        own functions are left alone. Opt-in: a server and every session kept in UTC store the
        right instant. SQLite and MySQL ignore `timezone=True` (their columns hold naive
        values), so the rule does not apply there: set `target-dialect`.
        """
    why_bad = """
        A `timestamptz` column stores an instant; PostgreSQL interprets a naive value in the
        session's `TimeZone`. Verified by this rule's oracle test on PostgreSQL 15: with the
        session in `America/New_York`, `default=datetime.utcnow` stores an instant five hours
        off (in `Europe/Berlin`, one hour). In any session the object's attribute holds the
        naive default after the INSERT and an aware value once reloaded, so
        `obj.created_at < datetime.now(timezone.utc)` raises `TypeError: can't compare
        offset-naive and offset-aware datetimes` until it is. `datetime.utcnow` is deprecated
        since Python 3.12.
        """
    fix_safety = """
        No automatic fix: existing rows may already hold shifted instants, and the code that
        reads the attribute may expect naive values.
        """
    references = (
        "PostgreSQL: Date/Time Types, time zones, https://www.postgresql.org/docs/current/datatype-datetime.html#DATATYPE-TIMEZONES",
        "SQLAlchemy: DateTime, https://docs.sqlalchemy.org/en/20/core/type_basics.html#sqlalchemy.types.DateTime",
        "Python: datetime.utcnow (deprecated), https://docs.python.org/3/library/datetime.html#datetime.datetime.utcnow",
    )
    invalid = (
        example('''
            from datetime import datetime

            from sqlalchemy import DateTime
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Event(Base):
                __tablename__ = "event"
                id: Mapped[int] = mapped_column(primary_key=True)
                created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=datetime.utcnow)  # ORM306:83
                updated_at: Mapped[datetime] = mapped_column(
                    DateTime(timezone=True),
                    default=lambda: datetime.now(),  # ORM306:17
                    onupdate=datetime.now,  # ORM306:18
                )
            '''),
    )
    valid = (
        example('''
            from datetime import datetime, timezone

            from sqlalchemy import DateTime, func
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Event(Base):
                __tablename__ = "event"
                id: Mapped[int] = mapped_column(primary_key=True)
                created_at: Mapped[datetime] = mapped_column(
                    DateTime(timezone=True), default=lambda: datetime.now(timezone.utc)
                )
                updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
                logged_at: Mapped[datetime] = mapped_column(DateTime, default=datetime.utcnow)
            '''),
    )

    def check(self, model: FileModel) -> Iterator[Violation]:
        if self.options.target_dialect != "postgresql":
            return
        for column in runtime_columns(model):
            if datetime_type_timezone(column.type_expr, model) is not True:
                continue
            for keyword, node in python_defaults(column):
                if _naive_now(node, model, column):
                    yield self.violation(node, keyword=keyword, expr=short(node_source(model, node)))


def _naive_now(node: cst.BaseExpression, model: FileModel, column: ColumnDecl) -> bool:
    """`datetime.utcnow` (the callable) or `lambda: datetime.now()` (called without arguments)."""
    if isinstance(node, cst.Lambda):
        if node.params.params or node.params.star_arg is not cst.MaybeSentinel.DEFAULT:
            return False
        body = node.body
        return isinstance(body, cst.Call) and not body.args and now_callable(body.func, model, column) is not None
    return now_callable(node, model, column) is not None
