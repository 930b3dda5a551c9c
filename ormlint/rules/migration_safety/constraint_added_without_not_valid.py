"""ORM722: a foreign key or check constraint added to an existing table without NOT VALID, or
validated in the same transaction that added it."""

from __future__ import annotations

from ormlint.migrations.operations import CreateCheckConstraint, CreateForeignKey, ValidateConstraint
from ormlint.project import ProjectIndex
from ormlint.rules.base import example
from ormlint.rules.migration_safety.judged import (
    INI, SCOPE, JudgedOperation, SafetyRule, holds_old_rows, operations_before,
    runs_outside_a_transaction,
)


class ConstraintAddedWithoutNotValid(SafetyRule):
    code = "ORM722"
    name = "constraint-added-without-not-valid"
    summary = "a foreign key or check constraint added to an existing table without NOT VALID"
    catches = (
        "`create_foreign_key`/`create_check_constraint` on an existing table without "
        "`postgresql_not_valid=True` (a full scan under a lock that blocks writes), or its "
        "VALIDATE in the same transaction (new revisions, PostgreSQL)"
    )
    what_it_does = """
        Reports `op.create_foreign_key` / `op.create_check_constraint` (and their `batch_op`
        forms) on a table an earlier revision created, without `postgresql_not_valid=True`;
        and `ALTER TABLE ... VALIDATE CONSTRAINT` (`op.execute`) in the same transaction as the
        `postgresql_not_valid=True` operation that added the constraint. Left alone: a
        `postgresql_not_valid=` that is not a literal, a table that the same revision creates
        anew, empties (`DELETE FROM t` without WHERE, `TRUNCATE t`) or drops later, and a
        VALIDATE in a revision that opens
        `with op.get_context().autocommit_block():` anywhere or under an env.py that runs
        migrations outside a transaction.
        """ + SCOPE
    why_bad = """
        Adding a foreign key reads every row of the table to check it, holding a SHARE ROW
        EXCLUSIVE lock on the table and on the table it references: every INSERT, UPDATE and
        DELETE waits until the check is done. A check constraint holds an ACCESS EXCLUSIVE lock
        while it reads the table, which blocks reads too. With `NOT VALID` the constraint is
        added without reading the table (it applies to new rows at once); `VALIDATE CONSTRAINT`
        then checks the old rows under a SHARE UPDATE EXCLUSIVE lock, which lets reads and
        writes go on, but only in a transaction of its own: in the transaction that added the
        constraint, the first lock is still held while it validates. Verified by this rule's
        oracle test on PostgreSQL 15 (`pg_locks` modes, the table scan, a waiting INSERT).
        """
    fix_safety = (
        "No automatic fix: VALIDATE must run in a later revision (or after an autocommit block "
        "commits), which is a change of the revision's structure."
    )
    references = (
        "https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-VALIDATE-CONSTRAINT",
        "https://www.postgresql.org/docs/current/explicit-locking.html#LOCKING-TABLES",
    )
    invalid = (
        example(INI + '''
        op.add_column("invoices", sa.Column("customer_id", sa.Integer(), nullable=True))
        op.create_foreign_key(  # ORM722
            "fk_invoices_customer", "invoices", "customers", ["customer_id"], ["id"],
        )
'''),
        example(INI + '''
        op.create_check_constraint("ck_invoices_number", "invoices", "number <> ''")  # ORM722
'''),
        example(INI + '''
        with op.batch_alter_table("invoices") as batch_op:
            batch_op.create_check_constraint("ck_invoices_number", "number <> ''")  # ORM722
'''),
        example(INI + '''
        op.create_check_constraint(
            "ck_invoices_number", "invoices", "number <> ''", postgresql_not_valid=True,
        )
        op.execute("ALTER TABLE invoices VALIDATE CONSTRAINT ck_invoices_number")  # ORM722
'''),
    )
    valid = (
        example(INI + '''
        op.create_check_constraint(
            "ck_invoices_number", "invoices", "number <> ''", postgresql_not_valid=True,
        )
        with op.get_context().autocommit_block():
            op.execute("ALTER TABLE invoices VALIDATE CONSTRAINT ck_invoices_number")
'''),
        # a table created in the same revision is empty
        example(INI + '''
        op.create_table("payments", sa.Column("id", sa.Integer(), primary_key=True))
        op.create_check_constraint("ck_payments_id", "payments", "id > 0")
'''),
    )

    def judge(self, judged: JudgedOperation, index: ProjectIndex) -> str | None:
        op = judged.operation
        if isinstance(op, ValidateConstraint):
            return self._validated_too_soon(judged, op)
        if not isinstance(op, (CreateForeignKey, CreateCheckConstraint)) or op.not_valid is not False:
            return None
        if not holds_old_rows(judged):
            return None
        name = op.name or "<name>"
        if isinstance(op, CreateForeignKey):
            what = f"`create_foreign_key` `{name}`"
            cost = (
                f"reads every row of `{op.table}` while holding a SHARE ROW EXCLUSIVE lock on it "
                f"and on `{op.target_table}` (writes wait)"
            )
        else:
            what = f"`create_check_constraint` `{name}`"
            cost = f"reads every row of `{op.table}` while holding an ACCESS EXCLUSIVE lock (reads and writes wait)"
        return (
            f"{what} on `{op.table}`, which an earlier revision created, {cost}; add it with "
            f"`postgresql_not_valid=True` and run `ALTER TABLE {op.table} VALIDATE CONSTRAINT "
            f"{name}` in a later revision"
        )

    def _validated_too_soon(self, judged: JudgedOperation, op: ValidateConstraint) -> str | None:
        if op.autocommit_block or runs_outside_a_transaction(judged) or _commits_midway(judged):
            return None
        for earlier in operations_before(judged):
            if (
                isinstance(earlier, (CreateForeignKey, CreateCheckConstraint)) and earlier.not_valid
                and earlier.table == op.table and earlier.name == op.name
            ):
                return (
                    f"VALIDATE CONSTRAINT `{op.name}` runs in the transaction that added it NOT "
                    f"VALID, which still holds that lock on `{op.table}` while every row is "
                    "read; validate in a later revision, or inside "
                    "`with op.get_context().autocommit_block():`"
                )
        return None


def _commits_midway(judged: JudgedOperation) -> bool:
    """Does the revision open an autocommit block anywhere (which commits the transaction
    before it, and may run the NOT VALID operation in one of its own)?"""
    from ormlint.migrations.environment import read_source

    source = read_source(judged.revision.path)
    return source is None or "autocommit_block" in source
