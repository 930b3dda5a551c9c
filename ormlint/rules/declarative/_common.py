"""What the declarative rules share."""

from __future__ import annotations

import libcst as cst

from ormlint.model.types import FileModel


TABLE_ARGS_REFERENCES = (
    "SQLAlchemy: Declarative Table Configuration, https://docs.sqlalchemy.org/en/20/orm/declarative_tables.html#declarative-table-configuration",
)


def node_code(model: FileModel, node: cst.CSTNode) -> str:
    return " ".join(model.module.code_for_node(node).split())


def short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
