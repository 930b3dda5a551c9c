"""ORM203 mapped-type-contradicts-sql-type: `Mapped[T]` contradicts the explicit SQL type
(`Mapped[str]` with `Integer`, `Mapped[datetime]` with `Date`)"""

from __future__ import annotations

from typing import Iterator

from ormlint.model.types import FileModel
from ormlint.rules.base import Rule, Violation, example
from ormlint.rules.columns._common import (
    TYPE_CONTRADICTIONS,
    PYTHON_NAMES,
    REFERENCES,
    annotation_category,
    sql_type_category,
)


_SQL_SUGGESTION = {
    "str": "String", "int": "Integer", "bool": "Boolean", "float": "Float", "decimal": "Numeric",
    "datetime": "DateTime", "date": "Date", "time": "Time", "timedelta": "Interval",
    "uuid": "Uuid", "bytes": "LargeBinary",
}


class MappedTypeContradictsSqlType(Rule):
    code = "ORM203"
    name = "mapped-type-contradicts-sql-type"
    summary = "`Mapped[T]` contradicts the explicit SQL type (`Mapped[str]` with `Integer`, `Mapped[datetime]` with `Date`)"
    catches = (
        "`Mapped[str]` with `mapped_column(Integer)`, `Mapped[datetime]` with `Date`, …: the "
        "explicit SQL type wins and loads another Python type (builtin/stdlib annotations and "
        "SQLAlchemy's own types only)"
    )
    message = (
        "`{annotation}` says `{attr}` holds `{annotated}`, but the explicit SQL type `{sql}` "
        "wins silently and loads `{loaded}` values: annotate `{loaded}` instead, or give a SQL "
        "type for `{annotated}` such as `{suggestion}`"
    )
    what_it_does = """
        Checks columns whose `Mapped[...]` annotation is one builtin or standard-library type
        (`str`, `int`, `bool`, `float`, `bytes`, `datetime`, `date`, `time`, `timedelta`,
        `Decimal`, `uuid.UUID`, optional or not) and whose `mapped_column()`/`Column()` is given
        one of SQLAlchemy's own SQL types that loads a different Python type: `Mapped[str]`
        with `Integer`, `Mapped[int]` with `String`, `Mapped[datetime]` with `Date`,
        `Mapped[date]` with `DateTime`, `Mapped[bool]` with `Integer`, `Mapped[float]` with
        `Numeric` (it loads `Decimal` unless `asdecimal=False`), `Mapped[uuid.UUID]` with
        `String`, `Mapped[str]` with `Uuid` (unless `as_uuid=False`), and the like.

        Never reported: custom types and `TypeDecorator`s, `Enum`, `JSON`, `ARRAY`, `Any`,
        `Annotated[...]`, unions of several types, types from other libraries, and the pairs
        type checkers accept (an `int` where a `float` is annotated, a `bool` where an `int`
        is). SQLModel fields are not checked.
        """
    why_bad = """
        When `mapped_column()` is given a SQL type, the annotation no longer decides anything:
        the explicit type wins without a warning, so the DDL and the loaded values follow the
        SQL type while type checkers and readers trust the annotation. This rule's oracle test
        runs every reported pair through SQLite with the installed SQLAlchemy: the DDL of
        `code: Mapped[str] = mapped_column(Integer)` says `code INTEGER NOT NULL` and
        `User(code="42")` loads back as the int `42`; `Mapped[int]` with `String` loads
        `'7'`; `Mapped[datetime]` with `Date` loses the time (`date(2024, 5, 1)` comes back
        for `datetime(2024, 5, 1, 13, 30)`); `Mapped[bool]` with `Integer` loads `1`;
        `Mapped[float]` with `Numeric(10, 2)` loads `Decimal('1.50')` (and `price * 1.1`
        raises TypeError); other pairs fail at flush, e.g. `Mapped[uuid.UUID]` with
        `String(36)`: `ProgrammingError: Error binding parameter ...: type 'UUID' is not
        supported`, `Mapped[str]` with `Uuid`: `AttributeError: 'str' object has no
        attribute 'hex'`.
        """
    references = REFERENCES
    invalid = (
        example('''
            from datetime import datetime

            from sqlalchemy import Date, Integer
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Order(Base):
                __tablename__ = "orders"
                id: Mapped[int] = mapped_column(primary_key=True)
                code: Mapped[str] = mapped_column(Integer)  # ORM203:11
                placed_at: Mapped[datetime] = mapped_column(Date)  # ORM203:16
            '''),
        example('''
            import uuid
            from typing import Optional

            import sqlalchemy as sa
            from sqlalchemy.orm import declarative_base, Mapped

            Base = declarative_base()


            class Device(Base):
                __tablename__ = "device"
                id = sa.Column(sa.Integer, primary_key=True)
                serial: Mapped[uuid.UUID] = sa.Column(sa.String(36))  # ORM203:13
                active: Mapped[Optional[bool]] = sa.Column(sa.Integer)  # ORM203:13
            '''),
    )
    valid = (
        example('''
            from datetime import date, datetime
            from decimal import Decimal

            from sqlalchemy import Date, DateTime, Integer, Numeric, String
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Order(Base):
                __tablename__ = "orders"
                id: Mapped[int] = mapped_column(primary_key=True)
                code: Mapped[str] = mapped_column(String(20))
                quantity: Mapped[int] = mapped_column(Integer)
                placed_at: Mapped[datetime] = mapped_column(DateTime)
                due_on: Mapped[date] = mapped_column(Date)
                price: Mapped[Decimal] = mapped_column(Numeric(10, 2))
                weight: Mapped[float] = mapped_column(Numeric(10, 3, asdecimal=False))
            '''),
    )

    def check(self, model: FileModel) -> Iterator[Violation]:
        for cls in model.classes:
            for column in cls.columns:
                mapped = column.annotation
                if mapped is None or column.constructor not in ("mapped_column", "Column"):
                    continue
                found = annotation_category(model, mapped.inner)
                if found is None:
                    continue
                annotated, _ = found
                sql = sql_type_category(model, column)
                if sql is None or (annotated, sql[0]) not in TYPE_CONTRADICTIONS:
                    continue
                loaded, sql_type = sql
                yield self.violation(
                    mapped.node,
                    annotation=model.module.code_for_node(mapped.node),
                    attr=column.attr,
                    annotated=PYTHON_NAMES[annotated],
                    sql=model.module.code_for_node(sql_type),
                    loaded=PYTHON_NAMES[loaded],
                    suggestion=_SQL_SUGGESTION[annotated],
                )
