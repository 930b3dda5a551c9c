"""What the defaults rules share."""

from __future__ import annotations

import re

from typing import Iterator

import libcst as cst

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


def is_builtin(name: str, model: FileModel) -> bool:
    return name not in model.module_bindings


def node_source(model: FileModel, node: cst.CSTNode) -> str:
    return model.module.code_for_node(node).strip()


def short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
