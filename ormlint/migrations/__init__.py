"""The migration side of the drift rules: Alembic revision files read statically.

`parse_revision` turns one revision file into plain data (its header and the operations of its
`upgrade()`, and of its `downgrade()` for the safety rules), `RevisionGraph` orders the revisions
base -> head, and `replay` applies the upgrade operations into an `ormlint.schema.Schema`. `discovery` finds the revision files. Nothing is
imported or executed. Names are loaded on first use, so that looking for migrations (every
`ormlint check`) does not pay for the parser.
"""

from __future__ import annotations

import importlib
from typing import Any

_DISCOVERY = (
    "revision_files", "script_location_from_ini", "script_location_from_pyproject",
    "version_directories",
)
_OPERATIONS = (
    "AddColumn", "AlterColumn", "ColumnSpec", "CreateForeignKey", "CreateIndex",
    "CreatePrimaryKey", "CreateTable", "CreateUniqueConstraint", "DialectBranch", "DropColumn",
    "DropConstraint", "DropIndex", "DropTable", "ForeignKeySpec", "IndexSpec", "Operation",
    "RenameTable", "Revision", "Uncertain",
)
_REVISIONS = ("BrokenLink", "RevisionGraph", "parse_revision", "read_revision")
_HOMES = {
    **{name: "ormlint.migrations.discovery" for name in _DISCOVERY},
    **{name: "ormlint.migrations.operations" for name in _OPERATIONS},
    **{name: "ormlint.migrations.revisions" for name in _REVISIONS},
    "replay": "ormlint.migrations.replay",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value
