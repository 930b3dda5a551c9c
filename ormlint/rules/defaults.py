"""ORM3xx: column defaults."""

from __future__ import annotations

import re
from typing import Iterator

from ormlint.model.names import string_value
from ormlint.model.types import FileModel
from ormlint.rules.base import Rule, Violation, example

# SQL keywords that are values only when unquoted.
_SQL_VALUE_KEYWORDS = {
    "CURRENT_TIMESTAMP", "CURRENT_DATE", "CURRENT_TIME", "LOCALTIMESTAMP", "LOCALTIME",
    "CURRENT_USER", "SESSION_USER", "SYSDATE", "SYSTIMESTAMP",
}
# A function call, optionally parenthesised, cast (`::text`) or shifted (`AT TIME ZONE 'utc'`):
# `now()`, `gen_random_uuid()`, `nextval('seq'::regclass)`, `(now() at time zone 'utc')`.
_SQL_CALL = re.compile(
    r"""^\(?\s*[A-Za-z_][A-Za-z0-9_.]*\(.*\)\s*\)?
        (\s+at\s+time\s+zone\s+.+|\s*::\s*[A-Za-z_][\w ]*)?$""",
    re.IGNORECASE | re.DOTALL | re.VERBOSE,
)
# A quoted literal with a cast: `'{}'::jsonb`.
_SQL_CAST = re.compile(r"^'[^']*'\s*::\s*[A-Za-z_][\w ]*$", re.DOTALL)


def looks_like_sql_expression(text: str) -> bool:
    stripped = text.strip()
    return (
        stripped.upper() in _SQL_VALUE_KEYWORDS
        or bool(_SQL_CALL.match(stripped))
        or bool(_SQL_CAST.match(stripped))
    )


class ServerDefaultSqlString(Rule):
    code = "ORM301"
    name = "server-default-sql-string"
    summary = 'server_default="now()": a SQL expression passed as a plain string (quoted literal)'
    message = (
        "`server_default={literal}` is rendered as the quoted literal DEFAULT '{value}', not as "
        "SQL: write `server_default=text({literal})` or `func.{func}()`"
    )
    what_it_does = """
        Checks `server_default=` given as a plain Python string whose text is a SQL expression:
        a function call (`"now()"`, `"gen_random_uuid()"`, `"uuid_generate_v4()"`), a SQL value
        keyword (`"CURRENT_TIMESTAMP"`, `"CURRENT_DATE"`, `"LOCALTIMESTAMP"`) or a cast
        (`"'{}'::jsonb"`). Ordinary literals such as `"0"`, `"active"`, `"false"` or `""` are fine.
        """
    why_bad = """
        SQLAlchemy renders a plain string as a quoted literal: `DEFAULT 'now()'`. PostgreSQL
        folds `'now()'` into one constant timestamp at CREATE TABLE, so every row gets the moment
        the table was created; for `'CURRENT_TIMESTAMP'` or `'gen_random_uuid()'` it rejects the
        DDL. SQLite stores the text `now()`, and reading it back raises
        `ValueError: Invalid isoformat string: 'now()'` (verified by this rule's oracle test).
        """
    references = (
        "SQLAlchemy: Server-invoked DDL-Explicit Default Expressions, https://docs.sqlalchemy.org/en/20/core/defaults.html#server-invoked-ddl-explicit-default-expressions",
        "sqlalchemy/alembic#190 (server_default='now()')",
    )
    invalid = (
        example('''
            from datetime import datetime

            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Event(Base):
                __tablename__ = "event"
                id: Mapped[int] = mapped_column(primary_key=True)
                created_at: Mapped[datetime] = mapped_column(server_default="now()")  # ORM301
            '''),
    )
    valid = (
        example('''
            from datetime import datetime

            from sqlalchemy import func
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Event(Base):
                __tablename__ = "event"
                id: Mapped[int] = mapped_column(primary_key=True)
                created_at: Mapped[datetime] = mapped_column(server_default=func.now())
                status: Mapped[str] = mapped_column(server_default="active")
            '''),
    )

    def check(self, model: FileModel) -> Iterator[Violation]:
        for column in model.columns:
            node = column.keyword("server_default")
            value = string_value(node)
            if node is None or value is None or not looks_like_sql_expression(value):
                continue
            func = value.strip().partition("(")[0].strip("( ").lower()
            if not func.isidentifier():
                func = "now"
            yield self.violation(
                node, literal=model.module.code_for_node(node), value=value, func=func
            )
