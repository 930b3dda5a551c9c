"""What the defaults rules share."""

from __future__ import annotations

import re

from typing import Iterator

import libcst as cst

from ormlint.model.names import bool_value, dotted_name
from ormlint.model.types import ColumnDecl, FileModel


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


def _is_alembic_file(model: FileModel) -> bool:
    return any(
        target == "alembic" or target.startswith("alembic.")
        for target in model.imports.aliases.values()
    )


def runtime_columns(model: FileModel) -> Iterator[ColumnDecl]:
    """Columns whose Python-side defaults run: every column, except those a migration builds
    (Alembic's `op.add_column(sa.Column(..., default=...))` never uses `default=`)."""
    for cls in model.classes:
        yield from cls.columns
    for table in model.tables:
        yield from table.columns
    if not _is_alembic_file(model):
        yield from model.loose_columns


def python_defaults(column: ColumnDecl) -> Iterator[tuple[str, cst.BaseExpression]]:
    """The column's `default=` and `onupdate=` values, by keyword: what SQLAlchemy computes in
    Python at each INSERT and UPDATE."""
    for keyword in ("default", "onupdate"):
        node = column.keyword(keyword)
        if node is not None:
            yield keyword, node


def is_builtin(name: str, model: FileModel) -> bool:
    return name not in model.module_bindings


def node_source(model: FileModel, node: cst.CSTNode) -> str:
    return model.module.code_for_node(node).strip()


def short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


# The stdlib callables that give the current datetime: naive when called without a time zone.
NOW_CALLABLES = {"datetime.datetime.utcnow", "datetime.datetime.now", "datetime.datetime.today"}
_DATETIME_TYPES = {"DateTime", "TIMESTAMP"}


def datetime_type_timezone(expr: cst.BaseExpression | None, model: FileModel) -> bool | None:
    """`timezone=` of an explicit `DateTime`/`TIMESTAMP` type (any module's spelling): True or
    False (not given: False); None when it is no such type or `timezone=` is not a literal."""
    if isinstance(expr, (cst.Name, cst.Attribute)):
        return False if model.imports.symbol(expr) in _DATETIME_TYPES else None
    if not isinstance(expr, cst.Call) or model.imports.symbol(expr.func) not in _DATETIME_TYPES:
        return None
    for arg in expr.args:
        if arg.keyword is not None and arg.keyword.value == "timezone":
            return bool_value(arg.value)
        if arg.keyword is None:
            return bool_value(arg.value)  # DateTime(True)
    return False


def now_callable(node: cst.BaseExpression, model: FileModel, column: ColumnDecl) -> str | None:
    """`datetime.utcnow`, `dt.datetime.now` (as written: a stdlib "now" callable, resolved
    through the imports, not a name bound in the function building the column), else None."""
    dotted = dotted_name(node)
    if dotted is None or dotted.partition(".")[0] in column.local_names:
        return None
    qualified = model.imports.qualify(dotted)
    return qualified if qualified in NOW_CALLABLES else None
