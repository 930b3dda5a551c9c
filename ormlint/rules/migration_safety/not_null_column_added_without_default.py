"""ORM720: a NOT NULL column without a server default added to a table that already exists."""

from __future__ import annotations

from ormlint.migrations.operations import AddColumn
from ormlint.project import ProjectIndex
from ormlint.rules.base import example
from ormlint.rules.migration_safety.judged import INI, SCOPE, JudgedOperation, SafetyRule

class NotNullColumnAddedWithoutDefault(SafetyRule):
    code = "ORM720"
    name = "not-null-column-added-without-default"
    summary = "a NOT NULL column without a server default added to a table that already exists"
    catches = (
        "`add_column` of a NOT NULL column without `server_default` to a table an earlier "
        "revision created: NotNullViolation on a table with rows (new revisions, PostgreSQL)"
    )
    what_it_does = """
        Reports `op.add_column` / `batch_op.add_column` of a column that is NOT NULL
        (`nullable=False`) and has no `server_default=`, on a table an earlier revision created.
        Primary keys (filled by SERIAL), columns with `Identity()`, `Computed()`, `Sequence()`,
        a positional `DefaultClause`, or an argument that cannot be read are left alone. When the
        model's column has a Python `default=` only, the message says so: autogenerate never
        carries a Python default into the migration.
        """ + SCOPE
    why_bad = """
        PostgreSQL fills the new column of every existing row with NULL, which the NOT NULL
        constraint rejects: `NotNullViolation: column "currency" of relation "invoices" contains
        null values`, and the deploy stops at this revision. It passes on an empty development
        database and fails in production. Verified by this rule's oracle test on PostgreSQL 15.
        """
    fix_safety = (
        "No automatic fix: the value existing rows get is the author's choice. Give the column a "
        "`server_default=` (PostgreSQL 11+ adds a constant default without rewriting the table), "
        "or add it nullable, fill it, and then `op.alter_column(..., nullable=False)`; on a large "
        "table fill it in batches and set NOT NULL in a later revision, since within one revision "
        "the ACCESS EXCLUSIVE lock `add_column` takes is held until the whole fill commits."
    )
    references = (
        "https://www.postgresql.org/docs/current/sql-altertable.html",
        "https://alembic.sqlalchemy.org/en/latest/ops.html#alembic.operations.Operations.add_column",
    )
    invalid = (
        example(INI + '''
        op.add_column("invoices", sa.Column("currency", sa.String(3), nullable=False))  # ORM720
'''),
        example(INI + '''
        with op.batch_alter_table("invoices") as batch_op:
            batch_op.add_column(sa.Column("paid", sa.Boolean(), nullable=False))  # ORM720
'''),
    )
    valid = (
        example(INI + '''
        op.add_column(
            "invoices",
            sa.Column("currency", sa.String(3), nullable=False, server_default="EUR"),
        )
'''),
        example(INI + '''
        op.add_column("invoices", sa.Column("currency", sa.String(3), nullable=True))
        op.execute("UPDATE invoices SET currency = 'EUR'")
        op.alter_column("invoices", "currency", nullable=False)
'''),
        # a table created in the same revision has no rows yet
        example(INI + '''
        op.create_table("payments", sa.Column("id", sa.Integer(), primary_key=True))
        op.add_column("payments", sa.Column("amount", sa.Integer(), nullable=False))
'''),
    )

    def judge(self, judged: JudgedOperation, index: ProjectIndex) -> str | None:
        op = judged.operation
        if not isinstance(op, AddColumn) or op.table not in judged.existing_tables:
            return None
        column = op.column
        if (
            column.nullable is not False or column.primary_key or column.server_default is not None
            or not column.server_default_known or column.other_value_source or op.uncertain
        ):
            return None
        detail = (
            f"`add_column` of NOT NULL column `{column.name}` without a server default to "
            f"`{op.table}`, which an earlier revision created: it fails on a table with rows "
            "(NotNullViolation); give it `server_default=...`, or add it nullable, fill it, and "
            "then `op.alter_column(..., nullable=False)` (on a large table, in a later revision: "
            "in this one the fill would run under add_column's ACCESS EXCLUSIVE lock)"
        )
        if column.python_default:
            detail += (
                "; the column's `default=` is applied by SQLAlchemy on INSERT only and puts no "
                "DEFAULT in the DDL: write `server_default=` instead"
            )
        elif _model_has_python_default_only(index, op.table, column.name):
            detail += (
                "; the model's `default=` is applied by SQLAlchemy on INSERT only, and "
                "autogenerate never carries it into the migration"
            )
        return detail


def _model_has_python_default_only(index: ProjectIndex, table: str, column: str) -> bool:
    """Does the model column of `table.column` set `default=` and no `server_default=`?"""
    skip = index.migrations.paths if index.migrations is not None else frozenset()
    for path, _, columns in index.tables().get(table, []):
        if path in skip:
            continue
        for facts in columns:
            if facts.name == column:
                return facts.python_default and facts.server_default is None and facts.server_default_known
    return False
