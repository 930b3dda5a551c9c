"""ORM721: an index created or dropped on an existing table without CONCURRENTLY, or CONCURRENTLY
inside the migration's transaction."""

from __future__ import annotations

from ormlint.migrations.operations import CreateIndex, DropIndex
from ormlint.project import ProjectIndex
from ormlint.rules.base import example
from ormlint.rules.migration_safety.judged import (
    INI, SCOPE, JudgedOperation, SafetyRule, runs_outside_a_transaction,
)


class IndexNotBuiltConcurrently(SafetyRule):
    code = "ORM721"
    name = "index-not-built-concurrently"
    summary = "an index created or dropped on an existing table without CONCURRENTLY, or CONCURRENTLY inside a transaction"
    catches = (
        "`create_index`/`drop_index` on an existing table without `postgresql_concurrently=True` "
        "(blocks writes), or with it outside `autocommit_block()` (fails) (new revisions, "
        "PostgreSQL)"
    )
    what_it_does = """
        Reports `op.create_index` / `op.drop_index` (and their `batch_op` forms) on a table an
        earlier revision created, without `postgresql_concurrently=True`; and
        `postgresql_concurrently=True` outside `with op.get_context().autocommit_block():`,
        unless env.py runs the migrations outside a transaction (`AUTOCOMMIT`,
        `transactional_ddl=False`). Left alone: `drop_index` without `table_name=`, a
        `postgresql_concurrently=` that is not a literal, and a table that the same revision
        creates anew or drops later (the drop locks it exclusively anyway).
        """ + SCOPE
    why_bad = """
        `CREATE INDEX` holds a SHARE lock on the table until the index is built: every INSERT,
        UPDATE and DELETE waits, for minutes on a large table. `DROP INDEX` takes an ACCESS
        EXCLUSIVE lock, which also blocks reads (and queues behind any running query).
        `CONCURRENTLY` takes SHARE UPDATE EXCLUSIVE, which lets reads and writes go on, but
        cannot run in a transaction block: inside Alembic's transaction the revision fails with
        `ActiveSqlTransaction: CREATE INDEX CONCURRENTLY cannot run inside a transaction block`.
        Verified by this rule's oracle test on PostgreSQL 15 (`pg_locks` modes and the error).
        """
    fix_safety = (
        "No automatic fix yet. A concurrent build that fails leaves an INVALID index behind "
        "(drop it and retry), and a unique index built concurrently still fails on duplicates."
    )
    references = (
        "https://www.postgresql.org/docs/current/sql-createindex.html#SQL-CREATEINDEX-CONCURRENTLY",
        "https://alembic.sqlalchemy.org/en/latest/api/runtime.html#alembic.runtime.migration.MigrationContext.autocommit_block",
    )
    invalid = (
        example(INI + '''
        op.create_index("ix_invoices_number", "invoices", ["number"])  # ORM721
'''),
        example(INI + '''
        op.create_index(  # ORM721
            "ix_invoices_number", "invoices", ["number"], postgresql_concurrently=True,
        )
'''),
        example(INI.replace('''            sa.PrimaryKeyConstraint("id"),
        )''', '''            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index("ix_invoices_number", "invoices", ["number"])''') + '''
        op.drop_index("ix_invoices_number", table_name="invoices")  # ORM721
'''),
    )
    valid = (
        example(INI + '''
        with op.get_context().autocommit_block():
            op.create_index(
                "ix_invoices_number", "invoices", ["number"], postgresql_concurrently=True,
            )
'''),
        # a table created in the same revision is empty and unused
        example(INI + '''
        op.create_table("payments", sa.Column("id", sa.Integer(), primary_key=True))
        op.create_index("ix_payments_id", "payments", ["id"])
'''),
    )

    def judge(self, judged: JudgedOperation, index: ProjectIndex) -> str | None:
        op = judged.operation
        if not isinstance(op, (CreateIndex, DropIndex)) or op.concurrently is None:
            return None
        verb = "create_index" if isinstance(op, CreateIndex) else "drop_index"
        name = f" `{op.name}`" if op.name else ""
        if op.concurrently:
            if op.autocommit_block or runs_outside_a_transaction(judged):
                return None
            return (
                f"`{verb}`{name} with `postgresql_concurrently=True` inside the migration's "
                "transaction fails (ActiveSqlTransaction: CONCURRENTLY cannot run inside a "
                "transaction block); put it in `with op.get_context().autocommit_block():`"
            )
        if op.table is None or op.table not in judged.existing_tables or op.table in judged.dropped_later:
            return None
        lock = (
            "a SHARE lock that blocks writes to it until the index is built"
            if isinstance(op, CreateIndex)
            else "an ACCESS EXCLUSIVE lock that blocks reads and writes"
        )
        return (
            f"`{verb}`{name} on `{op.table}`, which an earlier revision created, takes {lock}; "
            f"write `op.{verb}(..., postgresql_concurrently=True)` inside "
            "`with op.get_context().autocommit_block():`"
        )
