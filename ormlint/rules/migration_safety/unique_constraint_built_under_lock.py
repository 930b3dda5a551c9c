"""ORM723: a unique constraint or primary key added to an existing table (its index is built
under an ACCESS EXCLUSIVE lock)."""

from __future__ import annotations

import json

from ormlint.migrations.operations import CreatePrimaryKey, CreateUniqueConstraint
from ormlint.project import ProjectIndex
from ormlint.rules.base import example
from ormlint.rules.migration_safety.judged import INI, SCOPE, JudgedOperation, SafetyRule, holds_old_rows


class UniqueConstraintBuiltUnderLock(SafetyRule):
    code = "ORM723"
    name = "unique-constraint-built-under-lock"
    summary = "a unique constraint or primary key added to an existing table builds its index under an exclusive lock"
    catches = (
        "`create_unique_constraint`/`create_primary_key` on an existing table: its index is "
        "built under an exclusive lock; build a unique index concurrently, then `ADD CONSTRAINT "
        "… USING INDEX` (new revisions, PostgreSQL)"
    )
    what_it_does = """
        Reports `op.create_unique_constraint` / `op.create_primary_key` (and their `batch_op`
        forms) on a table an earlier revision created. Left alone: a table that the same
        revision creates anew, empties (`DELETE FROM t` without WHERE, `TRUNCATE t`) or drops
        later.
        """ + SCOPE
    why_bad = """
        `ALTER TABLE ... ADD CONSTRAINT ... UNIQUE` (or `PRIMARY KEY`) builds the constraint's
        index while holding an ACCESS EXCLUSIVE lock: every read and write of the table waits
        until the whole index is built. A unique index built with `CREATE UNIQUE INDEX
        CONCURRENTLY` lets reads and writes go on, and `ADD CONSTRAINT ... USING INDEX` then
        turns it into the constraint without reading the table, so its lock is brief. Verified
        by this rule's oracle test on PostgreSQL 15 (`pg_locks` modes, a waiting INSERT, no
        scan for `USING INDEX`).
        """
    fix_safety = (
        "No automatic fix: the concurrent build must run outside the migration's transaction, "
        "and fails (leaving an INVALID index to drop) if the table holds duplicates. For a "
        "primary key, `USING INDEX` also needs the columns NOT NULL already."
    )
    references = (
        "https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-ADD-TABLE-CONSTRAINT-USING-INDEX",
        "https://www.postgresql.org/docs/current/sql-createindex.html#SQL-CREATEINDEX-CONCURRENTLY",
    )
    invalid = (
        example(INI + '''
        op.create_unique_constraint("uq_invoices_number", "invoices", ["number"])  # ORM723
'''),
        example(INI + '''
        with op.batch_alter_table("invoices") as batch_op:
            batch_op.create_unique_constraint("uq_invoices_number", ["number"])  # ORM723
'''),
    )
    valid = (
        example(INI + '''
        with op.get_context().autocommit_block():
            op.create_index(
                "uq_invoices_number", "invoices", ["number"], unique=True,
                postgresql_concurrently=True,
            )
        op.execute(
            "ALTER TABLE invoices ADD CONSTRAINT uq_invoices_number UNIQUE USING INDEX uq_invoices_number"
        )
'''),
        # a table created in the same revision is empty
        example(INI + '''
        op.create_table("payments", sa.Column("id", sa.Integer(), nullable=False))
        op.create_primary_key("pk_payments", "payments", ["id"])
'''),
    )

    def judge(self, judged: JudgedOperation, index: ProjectIndex) -> str | None:
        op = judged.operation
        if not isinstance(op, (CreateUniqueConstraint, CreatePrimaryKey)) or not holds_old_rows(judged):
            return None
        unique = isinstance(op, CreateUniqueConstraint)
        verb = "create_unique_constraint" if unique else "create_primary_key"
        # PostgreSQL's name for it; an index takes its table's schema, so the name has none
        schema, _, bare_table = op.table.rpartition(".")
        name = op.name or f"{bare_table}_{'_'.join(op.columns)}_{'key' if unique else 'pkey'}"
        kind = "UNIQUE" if unique else "PRIMARY KEY"
        in_schema = f", schema=\"{schema}\"" if schema else ""
        return (
            f"`{verb}` on `{op.table}`, which an earlier revision created, builds its index "
            "under an ACCESS EXCLUSIVE lock (reads and writes wait); build it with "
            f"`op.create_index(\"{name}\", \"{bare_table}\", {json.dumps(list(op.columns))}, unique=True, "
            f"postgresql_concurrently=True{in_schema})` inside `with op.get_context().autocommit_block():`, "
            f"then `op.execute(\"ALTER TABLE {op.table} ADD CONSTRAINT {name} {kind} USING INDEX {name}\")`"
        )
