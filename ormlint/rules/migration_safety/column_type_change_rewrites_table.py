"""ORM725: a column type change that rewrites an existing table."""

from __future__ import annotations

from ormlint.migrations.operations import AlterColumn
from ormlint.project import ProjectIndex
from ormlint.rules.base import example
from ormlint.rules.migration_safety.judged import INI, SCOPE, JudgedOperation, SafetyRule, holds_old_rows
from ormlint.rules.migration_safety.type_change import casts_automatically, rewrites_table


def type_before(judged: JudgedOperation) -> str | None:
    """The altered column's type before the operation, as the replay knows it; `existing_type=`
    only when the replay knows the table but not the column's type (a custom type, say). When
    the replay is unsure of the table, `existing_type=` is not trusted either: autogenerate
    writes what the database it compared against reflected, which is often another one (a
    development SQLite file reflects `UUID` as `NUMERIC`)."""
    op = judged.operation
    assert isinstance(op, AlterColumn)
    table = judged.table_before
    if table is None:
        return None
    column = table.columns.get(op.column)
    if column is not None and column.type is not None:
        return column.type
    return op.existing_type


class ColumnTypeChangeRewritesTable(SafetyRule):
    code = "ORM725"
    name = "column-type-change-rewrites-table"
    summary = "a column type change that rewrites an existing table under an exclusive lock"
    catches = (
        "`alter_column(..., type_=…)` that rewrites the table under ACCESS EXCLUSIVE (the replay "
        "knows the old type; `VARCHAR` to `TEXT` or a wider `VARCHAR` does not rewrite) (new "
        "revisions, PostgreSQL)"
    )
    what_it_does = """
        Reports `op.alter_column(..., type_=...)` (and its `batch_op` form) on a table an
        earlier revision created, when PostgreSQL rewrites the table for it. The old type is
        the one the replay of the earlier revisions knows (`existing_type=` only for a column
        whose type the replay cannot read, in a table it knows). Changes that
        keep the stored values as they are do not rewrite and are left alone: `VARCHAR(n)` to
        a longer `VARCHAR` or to `TEXT`, `TEXT` to `VARCHAR`, `NUMERIC(p, s)` to a larger
        precision with the same scale or to `NUMERIC`, `CIDR` to `INET`. Also left alone: a
        change whose cost depends on more than the types (`TIMESTAMP` to and from `TIMESTAMP
        WITH TIME ZONE`, which rewrites unless the session's time zone is UTC; between floats;
        between two `CHAR` lengths), a type ormlint cannot read (custom types, `Enum`), a
        change that fails without `postgresql_using=` (ORM726), and a table the same revision
        creates anew, empties (`DELETE FROM t` without WHERE, `TRUNCATE t`) or drops later.
        """ + SCOPE
    why_bad = """
        A type change that cannot keep the stored bytes converts every row and writes the
        whole table (and rebuilds its indexes) while holding an ACCESS EXCLUSIVE lock: every
        read and write waits until the copy is done, for minutes on a large table. Verified by
        this rule's oracle tests on PostgreSQL 15: a new `relfilenode` (the table rewritten)
        and a waiting INSERT for `INTEGER` to `BIGINT`, the same file for `VARCHAR(20)` to
        `VARCHAR(40)` and to `TEXT`, and every type pair the rule judges checked one by one.
        """
    fix_safety = (
        "No automatic fix: the safe route is a new column of the new type, filled in batches "
        "(and kept in step by the application or a trigger), then swapped for the old one."
    )
    references = (
        "https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES",
    )
    invalid = (
        example(INI + '''
        op.alter_column("invoices", "id", type_=sa.BigInteger())  # ORM725
'''),
        example(INI + '''
        op.alter_column(  # ORM725
            "invoices", "number", type_=sa.String(10), existing_type=sa.String(20),
        )
'''),
    )
    valid = (
        example(INI + '''
        op.alter_column("invoices", "number", type_=sa.String(40))
        op.alter_column("invoices", "number", type_=sa.Text())
'''),
        # a table created in the same revision is empty
        example(INI + '''
        op.create_table("payments", sa.Column("id", sa.Integer(), primary_key=True))
        op.alter_column("payments", "id", type_=sa.BigInteger())
'''),
    )

    def judge(self, judged: JudgedOperation, index: ProjectIndex) -> str | None:
        op = judged.operation
        if not isinstance(op, AlterColumn) or op.type is None or not holds_old_rows(judged):
            return None
        old = type_before(judged)
        if old is None:
            return None
        casts = casts_automatically(old, op.type)
        if casts is False:
            rewrites = True if op.using else None  # a conversion function; without USING: ORM726
        else:
            rewrites = rewrites_table(old, op.type)
            if op.using and not rewrites:
                rewrites = None  # whether USING keeps the bytes depends on its expression
        if not rewrites:
            return None
        return (
            f"`alter_column` of `{op.table}.{op.column}` from {old} to {op.type} rewrites the "
            "whole table under an ACCESS EXCLUSIVE lock (reads and writes wait until it is "
            "done); add a column of the new type, fill it in batches, and switch to it"
        )
