"""ORM303 invalid-default-value: `server_default=0`/`False` (not a string or SQL), or `func.now`
passed uncalled to `default=`/`onupdate=`/`server_default=`"""

from __future__ import annotations

from typing import Iterator

import libcst as cst

from ormlint.model.names import dotted_name

from ormlint.model.types import FileModel
from ormlint.rules.base import Rule, Violation, example
from ormlint.rules.defaults._common import node_source, runtime_columns, short


def uncalled_sql_function(node: cst.CSTNode, model: FileModel) -> str | None:
    """`func.now`, `sa.func.now`, `db.func.current_timestamp` (not called): the function's name."""
    if not isinstance(node, cst.Attribute):
        return None
    dotted = dotted_name(node)
    qualified = model.imports.qualify(dotted) if dotted else None
    if qualified is None:
        return None
    parts = qualified.split(".")
    root = parts[0]
    if root not in ("sqlalchemy", "sqlmodel", "flask_sqlalchemy") or len(parts) < 3:
        return None
    return parts[-1] if parts[-2] == "func" else None


def _literal_kind(node: cst.CSTNode) -> str | None:
    """What a `server_default=` literal is when it is neither a string nor SQL, else None."""
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, (cst.Minus, cst.Plus)):
        return _literal_kind(node.expression)
    if isinstance(node, cst.Integer):
        return "int"
    if isinstance(node, cst.Float):
        return "float"
    if isinstance(node, cst.Imaginary):
        return "complex"
    if isinstance(node, cst.Name) and node.value in ("True", "False"):
        return "bool"
    if isinstance(node, (cst.List, cst.ListComp)):
        return "list"
    if isinstance(node, (cst.Dict, cst.DictComp)):
        return "dict"
    if isinstance(node, (cst.Set, cst.SetComp)):
        return "set"
    if isinstance(node, cst.Tuple):
        return "tuple"
    return None


def _sqlalchemy_prefix(model: FileModel, name: str) -> str:
    """How this module spells SQLAlchemy's `name`: `false`, `sa.false`, `sqlalchemy.false`."""
    if model.imports.qualify(name) == f"sqlalchemy.{name}":
        return ""
    for local, target in model.imports.aliases.items():
        if target == "sqlalchemy":
            return local + "."
    return "sqlalchemy."


class InvalidDefaultValue(Rule):
    code = "ORM303"
    name = "invalid-default-value"
    summary = (
        "`server_default=0`/`False` (not a string or SQL), or `func.now` passed uncalled to "
        "`default=`/`onupdate=`/`server_default=`"
    )
    catches = "`server_default=0`/`False`, or `func.now` passed uncalled"
    message = "{problem}; write {fix}"
    what_it_does = """
        Checks `server_default=` given a Python value that is neither a string nor a SQL
        expression: a number (`0`, `1.5`, `-1`), a boolean (`True`/`False`), a list, dict, set or
        tuple literal. `server_default=None` is fine. Also checks SQL functions passed uncalled:
        `server_default=func.now`, `default=func.now`, `onupdate=func.now` (any spelling of
        SQLAlchemy's `func`: `sa.func`, `db.func`), where `func.now()` was meant. Alembic
        migrations are checked for `server_default=` (`sa.Column(..., server_default=0)` fails
        there as well), not for `default=`/`onupdate=`, which a migration never runs.
        """
    why_bad = """
        `server_default=` accepts only a string, a SQL expression or `None`. Anything else stops
        the application at import, when the class is defined:
        `ArgumentError: Argument 'arg' is expected to be one of type '<class 'str'>' or
        '<class 'sqlalchemy.sql.elements.ClauseElement'>' or '<class
        'sqlalchemy.sql.elements.TextClause'>', got '<class 'int'>'` (for `func.now`:
        `got '<class 'sqlalchemy.sql.functions._FunctionGenerator'>'`). `default=func.now` and
        `onupdate=func.now` import fine, but SQLAlchemy takes the uncalled generator for a
        Python callable, calls it with the execution context and binds the resulting SQL
        function object as a value, so every INSERT (or UPDATE) fails:
        `StatementError: (builtins.TypeError) SQLite DateTime type only accepts Python datetime
        and date objects as input.` (on a string column: `Error binding parameter 1: type 'now'
        is not supported`). All verified by this rule's oracle tests with SQLAlchemy 2.1, and
        the same with 1.4 and 2.0.
        """
    fix_safety = "No automatic fix yet. Quoting the literal or adding `()` is safe."
    fix_safety = """
        Safe: the string is wrapped in `text(...)`, using the module's own spelling (`sa.text`,
        `db.text`), adding `text` to an existing `from sqlalchemy import ...`, or adding that
        import above a `from sqlalchemy.orm import ...` line; no fix when the module has no
        SQLAlchemy import to build on, or binds `text` to something else. The DDL then carries the SQL expression (`DEFAULT now()`); existing
        databases keep their old default until a migration changes it.
        """
    references = (
        "SQLAlchemy: Server-invoked DDL-Explicit Default Expressions, https://docs.sqlalchemy.org/en/20/core/defaults.html#server-invoked-ddl-explicit-default-expressions",
        "SQLAlchemy: Client-Invoked SQL Expressions, https://docs.sqlalchemy.org/en/20/core/defaults.html#client-invoked-sql-expressions",
    )
    invalid = (
        example('''
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Counter(Base):
                __tablename__ = "counter"
                id: Mapped[int] = mapped_column(primary_key=True)
                hits: Mapped[int] = mapped_column(server_default=0)  # ORM303:54
            '''),
        example('''
            import sqlalchemy as sa
            from sqlalchemy.orm import declarative_base

            Base = declarative_base()


            class Feature(Base):
                __tablename__ = "feature"
                id = sa.Column(sa.Integer, primary_key=True)
                enabled = sa.Column(sa.Boolean, nullable=False, server_default=False)  # ORM303:68
            '''),
        example('''
            from datetime import datetime

            from sqlalchemy import func
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Event(Base):
                __tablename__ = "event"
                id: Mapped[int] = mapped_column(primary_key=True)
                created_at: Mapped[datetime] = mapped_column(server_default=func.now)  # ORM303:65
            '''),
        example('''
            from datetime import datetime
            from typing import Optional

            from sqlalchemy import func
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Document(Base):
                __tablename__ = "document"
                id: Mapped[int] = mapped_column(primary_key=True)
                title: Mapped[str]
                created_at: Mapped[datetime] = mapped_column(default=func.now)  # ORM303:58
                updated_at: Mapped[Optional[datetime]] = mapped_column(onupdate=func.now)  # ORM303:69
            '''),
    )
    valid = (
        example('''
            from datetime import datetime
            from typing import Optional

            import sqlalchemy as sa
            from sqlalchemy import func
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Document(Base):
                __tablename__ = "document"
                id: Mapped[int] = mapped_column(primary_key=True)
                hits: Mapped[int] = mapped_column(server_default="0")
                enabled: Mapped[bool] = mapped_column(server_default=sa.false())
                note: Mapped[Optional[str]] = mapped_column(server_default=None)
                created_at: Mapped[datetime] = mapped_column(server_default=func.now())
                touched_at: Mapped[datetime] = mapped_column(default=func.now())
                updated_at: Mapped[Optional[datetime]] = mapped_column(onupdate=func.now())
            '''),
    )

    def check(self, model: FileModel) -> Iterator[Violation]:
        runtime = {id(column) for column in runtime_columns(model)}
        for column in model.columns:
            for keyword in ("server_default", "default", "onupdate", "server_onupdate"):
                node = column.keyword(keyword)
                if node is None:
                    continue
                if keyword in ("default", "onupdate") and id(column) not in runtime:
                    continue  # a migration's Column: its Python-side defaults never run
                function = uncalled_sql_function(node, model)
                if function is not None:
                    code = node_source(model, node)
                    if keyword.startswith("server_"):
                        problem = (
                            f"`{keyword}={code}` passes the SQL function generator uncalled: "
                            "SQLAlchemy raises ArgumentError when the class is defined"
                        )
                    else:
                        statement = "INSERT" if keyword == "default" else "UPDATE"
                        problem = (
                            f"`{keyword}={code}` passes the SQL function uncalled: SQLAlchemy "
                            f"calls it with the execution context and every {statement} fails"
                        )
                    yield self.violation(node, problem=problem, fix=f"`{keyword}={code}()`")
                    continue
                if keyword != "server_default":
                    continue
                kind = _literal_kind(node)
                if kind is None:
                    continue
                code = node_source(model, node)
                problem = (
                    f"`server_default={short(code)}` is a Python {kind}, not a string or SQL "
                    "expression: SQLAlchemy raises ArgumentError when the class is defined"
                )
                yield self.violation(node, problem=problem, fix=self._fix(kind, code, model))

    @staticmethod
    def _fix(kind: str, code: str, model: FileModel) -> str:
        if kind == "bool":
            # The string "false" reads back as True on SQLite (EVIDENCE.md); SQLAlchemy's
            # false()/true() are rendered per dialect (false, or 0 on SQLite).
            name = code.lower()
            return f"`server_default={_sqlalchemy_prefix(model, name)}{name}()`"
        if kind in ("int", "float", "complex"):
            return f'`server_default="{code}"`'
        if kind in ("list", "dict") and "'" not in code and '"' not in code and "\n" not in code:
            return f"`server_default='{code}'`"
        return "the SQL literal as a string or `text(...)`"
