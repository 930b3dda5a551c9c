"""ORM726: a column type change that PostgreSQL cannot make without `postgresql_using=`."""

from __future__ import annotations

from ormlint.migrations.operations import AlterColumn
from ormlint.project import ProjectIndex
from ormlint.rules.base import example
from ormlint.rules.migration_safety.column_type_change_rewrites_table import type_before
from ormlint.rules.migration_safety.judged import INI, SCOPE, JudgedOperation, SafetyRule
from ormlint.rules.migration_safety.type_change import casts_automatically


class ColumnTypeChangeWithoutUsing(SafetyRule):
    code = "ORM726"
    name = "column-type-change-without-using"
    summary = "a column type change that PostgreSQL cannot cast automatically, without postgresql_using="
    catches = (
        "a type change PostgreSQL cannot cast automatically, without `postgresql_using=`: the "
        'revision fails ("cannot be cast automatically") (new revisions, PostgreSQL)'
    )
    what_it_does = """
        Reports `op.alter_column(..., type_=...)` (and its `batch_op` form) without
        `postgresql_using=` when PostgreSQL has no implicit or assignment cast from the old
        type to the new one (`VARCHAR` to `INTEGER`, `INTEGER` to `BOOLEAN`, `TEXT` to `UUID`
        or `JSONB`...). The old type is the one the replay of the earlier revisions knows
        (`existing_type=` only for a column whose type the replay cannot read, in a table it
        knows); a type ormlint cannot read (custom types, `Enum`) is left alone.
        Unlike the lock rules, it applies to a table the same revision creates too.
        """ + SCOPE
    why_bad = """
        The revision fails on every database, empty or not: `DatatypeMismatch: column "number"
        cannot be cast automatically to type integer` (`HINT: You might need to specify "USING
        number::integer"`). Alembic adds no USING clause of its own. Verified by this rule's
        oracle tests on PostgreSQL 15: the error, the suggested `postgresql_using=` working,
        and every type pair the rule judges checked one by one.
        """
    fix_safety = (
        "No automatic fix: the conversion is the author's choice (`number::integer` fails on a "
        "value that is not a number; a `CASE` may be needed). The change also rewrites the "
        "table (ORM725)."
    )
    references = (
        "https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-SET-DATA-TYPE",
        "https://alembic.sqlalchemy.org/en/latest/ops.html#alembic.operations.Operations.alter_column",
    )
    invalid = (
        example(INI + '''
        op.alter_column("invoices", "number", type_=sa.Integer())  # ORM726
'''),
        example(INI + '''
        with op.batch_alter_table("invoices") as batch_op:
            batch_op.alter_column(  # ORM726
                "paid", type_=sa.Boolean(), existing_type=sa.Integer(),
            )
'''),
    )
    valid = (
        # (a table created in the same revision: no rewrite of rows for ORM725 to report)
        example(INI + '''
        op.create_table("payments", sa.Column("ref", sa.String(20)))
        op.alter_column("payments", "ref", type_=sa.Integer(), postgresql_using="ref::integer")
'''),
        example(INI + '''
        op.create_table("payments", sa.Column("ref", sa.Integer()))
        op.alter_column("payments", "ref", type_=sa.String(20))
'''),
    )

    def judge(self, judged: JudgedOperation, index: ProjectIndex) -> str | None:
        op = judged.operation
        if not isinstance(op, AlterColumn) or op.type is None or op.using:
            return None
        old = type_before(judged)
        if old is None or casts_automatically(old, op.type) is not False:
            return None
        target = op.type.lower()
        return (
            f"`alter_column` of `{op.table}.{op.column}` from {old} to {op.type} fails on "
            f"PostgreSQL: column \"{op.column}\" cannot be cast automatically to type {target}; "
            f"give `postgresql_using=\"{op.column}::{target}\"` (or an expression that converts "
            "every value)"
        )
