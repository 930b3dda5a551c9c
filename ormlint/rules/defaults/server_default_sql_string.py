"""ORM301 server-default-sql-string: server_default="now()": a SQL expression passed as a plain
string (quoted literal)"""

from __future__ import annotations

from typing import Iterator

import libcst as cst

from ormlint.model.names import string_value
from ormlint.rules.edits import sqlalchemy_name
from ormlint.model.types import FileModel
from ormlint.rules.base import Fix, Invalid, Rule, Violation, example
from ormlint.rules.defaults._common import looks_like_sql_expression


class ServerDefaultSqlString(Rule):
    code = "ORM301"
    name = "server-default-sql-string"
    summary = 'server_default="now()": a SQL expression passed as a plain string (quoted literal)'
    catches = (
        '`server_default="now()"` and other SQL expressions passed as plain strings (rendered as '
        "the quoted literal `DEFAULT 'now()'`)"
    )
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
    fix_safety = """
        Safe: the string is wrapped in `text(...)`, using the module's own spelling (`sa.text`,
        `db.text`), adding `text` to an existing `from sqlalchemy import ...`, or adding that
        import above a `from sqlalchemy.orm import ...` line; no fix when the module has no
        SQLAlchemy import to build on, or binds `text` to something else. The DDL then carries the SQL expression (`DEFAULT now()`); existing
        databases keep their old default until a migration changes it.
        """
    references = (
        "SQLAlchemy: Server-invoked DDL-Explicit Default Expressions, https://docs.sqlalchemy.org/en/20/core/defaults.html#server-invoked-ddl-explicit-default-expressions",
        "sqlalchemy/alembic#190 (server_default='now()')",
    )
    invalid = (
        Invalid(example('''
            from datetime import datetime

            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Event(Base):
                __tablename__ = "event"
                id: Mapped[int] = mapped_column(primary_key=True)
                created_at: Mapped[datetime] = mapped_column(server_default="now()")  # ORM301:65
            '''), fixed=example('''
            from datetime import datetime

            from sqlalchemy import text
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Event(Base):
                __tablename__ = "event"
                id: Mapped[int] = mapped_column(primary_key=True)
                created_at: Mapped[datetime] = mapped_column(server_default=text("now()"))
            ''')),
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
            literal = model.module.code_for_node(node)
            yield self.violation(
                node, autofix=self._autofix(node, literal, model),
                literal=literal, value=value, func=func,
            )

    @staticmethod
    def _autofix(node: cst.CSTNode, literal: str, model: FileModel) -> Fix | None:
        found = sqlalchemy_name(model, "text")
        if found is None:
            return None
        text, extra = found
        return Fix(f"Wrap in `{text}(...)`", ((node, f"{text}({literal})"), *extra))
