"""ORM307 aware-default-on-naive-column: `DateTime()` with `default=lambda: datetime.now(timezone.utc)`
(an aware datetime) on PostgreSQL (opt-in)"""

from __future__ import annotations

from typing import Iterator

import libcst as cst

from ormlint.model.types import ColumnDecl, FileModel
from ormlint.rules.base import Rule, Violation, example
from ormlint.rules.defaults._common import (
    datetime_type_timezone, node_source, now_callable, python_defaults, runtime_columns, short,
)


class AwareDefaultOnNaiveColumn(Rule):
    code = "ORM307"
    name = "aware-default-on-naive-column"
    summary = "`DateTime()` with `default=lambda: datetime.now(timezone.utc)`: an aware value for a timestamp column"
    catches = (
        "`DateTime()` (no `timezone=True`) with `default=`/`onupdate=` `lambda: "
        "datetime.now(timezone.utc)`, on PostgreSQL: converted to the session's wall time, aware "
        "until reloaded"
    )
    default_enabled = False
    message = (
        "`{keyword}={expr}` gives a `DateTime()` column (timestamp without time zone) an aware "
        "datetime: PostgreSQL converts it to the session's TimeZone wall time (hours off unless "
        "that is UTC), and the attribute stays aware until reloaded, then naive; declare the "
        "column `DateTime(timezone=True)`, or store naive UTC (`datetime.now(timezone.utc)"
        ".replace(tzinfo=None)`)"
    )
    what_it_does = """
        On PostgreSQL (`target-dialect`, PostgreSQL by default), checks columns typed
        `DateTime`, `DateTime()`, `DateTime(timezone=False)` or `TIMESTAMP()` whose
        `default=` or `onupdate=` is a lambda returning `datetime.now(<a time zone>)`
        (`timezone.utc`, `UTC`, `tz=...`). Columns typed by their `Mapped[datetime]`
        annotation alone are not judged (a `type_annotation_map` may make them aware), nor
        are the project's own functions. Opt-in: a server and every session kept in UTC store
        the right wall time. SQLite and MySQL columns hold naive values whatever the type
        says: set `target-dialect`.
        """
    why_bad = """
        A `timestamp without time zone` column stores a wall time; PostgreSQL converts an
        aware value to the session's `TimeZone` first. Verified by this rule's oracle test on
        PostgreSQL 15: with the session in `America/New_York`, `default=lambda:
        datetime.now(timezone.utc)` stores a wall time five hours behind UTC, which reads back
        as naive. In any session the object's attribute holds the aware default after the
        INSERT and a naive value once reloaded, so comparing it with either kind raises
        `TypeError` at one time or the other.
        """
    fix_safety = """
        No automatic fix: making the column `timezone=True` changes its type (a migration), and
        storing naive values changes what the code reads.
        """
    references = (
        "PostgreSQL: Date/Time Types, time zones, https://www.postgresql.org/docs/current/datatype-datetime.html#DATATYPE-TIMEZONES",
        "SQLAlchemy: DateTime, https://docs.sqlalchemy.org/en/20/core/type_basics.html#sqlalchemy.types.DateTime",
    )
    invalid = (
        example('''
            from datetime import datetime, timezone

            from sqlalchemy import DateTime
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Event(Base):
                __tablename__ = "event"
                id: Mapped[int] = mapped_column(primary_key=True)
                created_at: Mapped[datetime] = mapped_column(DateTime, default=lambda: datetime.now(timezone.utc))  # ORM307:68
                updated_at: Mapped[datetime] = mapped_column(
                    DateTime(), onupdate=lambda: datetime.now(tz=timezone.utc)  # ORM307:30
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
                updated_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())
                logged_at: Mapped[datetime] = mapped_column(
                    DateTime, default=lambda: datetime.now(timezone.utc).replace(tzinfo=None)
                )
            '''),
    )

    def check(self, model: FileModel) -> Iterator[Violation]:
        if self.options.target_dialect != "postgresql":
            return
        for column in runtime_columns(model):
            if datetime_type_timezone(column.type_expr, model) is not False:
                continue
            for keyword, node in python_defaults(column):
                if _aware_now(node, model, column):
                    yield self.violation(node, keyword=keyword, expr=short(node_source(model, node)))


def _aware_now(node: cst.BaseExpression, model: FileModel, column: ColumnDecl) -> bool:
    """`lambda: datetime.now(timezone.utc)` (or `tz=...`): `now` given a time zone."""
    if not isinstance(node, cst.Lambda) or node.params.params or node.params.star_arg is not cst.MaybeSentinel.DEFAULT:
        return False
    body = node.body
    if not isinstance(body, cst.Call) or now_callable(body.func, model, column) != "datetime.datetime.now":
        return False
    if len(body.args) != 1 or body.args[0].star:
        return False
    arg = body.args[0]
    given = arg.keyword is None or arg.keyword.value == "tz"
    return given and not (isinstance(arg.value, cst.Name) and arg.value.value == "None")
