"""The migration side of the drift rules: Alembic revision files read statically.

`parse_revision` turns one revision file into plain data (its header and the operations of its
`upgrade()`), `RevisionGraph` orders the revisions base -> head, and `replay` applies the
operations into an `ormlint.schema.Schema`. Nothing is imported or executed.
"""

from ormlint.migrations.revisions import (
    AddColumn,
    AlterColumn,
    BrokenLink,
    ColumnSpec,
    CreateForeignKey,
    CreateIndex,
    CreatePrimaryKey,
    CreateTable,
    CreateUniqueConstraint,
    DropColumn,
    DropConstraint,
    DropIndex,
    DropTable,
    ForeignKeySpec,
    IndexSpec,
    Operation,
    RenameTable,
    Revision,
    RevisionGraph,
    Uncertain,
    parse_revision,
    revision_files,
    script_location_from_ini,
    script_location_from_pyproject,
    version_directories,
)
from ormlint.migrations.replay import replay

__all__ = [
    "AddColumn", "AlterColumn", "BrokenLink", "ColumnSpec", "CreateForeignKey", "CreateIndex",
    "CreatePrimaryKey", "CreateTable", "CreateUniqueConstraint", "DropColumn", "DropConstraint",
    "DropIndex", "DropTable", "ForeignKeySpec", "IndexSpec", "Operation", "RenameTable",
    "Revision", "RevisionGraph", "Uncertain", "parse_revision", "replay", "revision_files",
    "script_location_from_ini", "script_location_from_pyproject", "version_directories",
]
