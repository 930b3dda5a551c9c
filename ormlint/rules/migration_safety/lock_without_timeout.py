"""ORM742: DDL that locks an existing table, with no `lock_timeout` set (opt-in)."""

from __future__ import annotations

import re

from ormlint.migrations.operations import ExecuteSql, Operation
from ormlint.project import ProjectIndex
from ormlint.rules.base import example
from ormlint.rules.migration_safety.judged import (
    INI, SCOPE, JudgedOperation, SafetyRule, ddl_lock, locked_table, operations_before,
)

_LOCK_TIMEOUT = re.compile(r"\block_timeout\b", re.I)


class LockWithoutTimeout(SafetyRule):
    code = "ORM742"
    name = "lock-without-timeout"
    summary = "DDL that locks an existing table with no `lock_timeout` set"
    catches = (
        "the first operation of a revision that locks an existing table (`add_column`, "
        "`alter_column`, a plain `create_index` ...) with no `lock_timeout` set in the revision "
        "or env.py: waiting for the lock, it queues every query on the table (new "
        "revisions, PostgreSQL)"
    )
    default_enabled = False  # opt-in: whether a wait can happen depends on the application's traffic
    what_it_does = """
        Reports the first operation of a revision that takes a lock on a table an earlier
        revision created (ACCESS EXCLUSIVE for `add_column`, `drop_column`, `alter_column`,
        `drop_index`, constraints, `rename_table` and `ALTER TABLE` in SQL; SHARE for a
        `create_index` not built concurrently; SHARE ROW EXCLUSIVE for
        `create_foreign_key`), when nothing sets `lock_timeout` before it: no `op.execute`
        of `SET [LOCAL] lock_timeout` earlier in the revision, and no mention of
        `lock_timeout` in env.py (a `SET`, or `connect_args={"options": "-c
        lock_timeout=..."}`). One finding per revision. Left alone: operations inside an
        autocommit block or built concurrently, tables the revision creates, env.py that
        runs migrations outside a transaction.

        Opt-in (`--extend-select ORM742`): whether the wait ever happens depends on how long
        the application's own transactions hold the table, which the code does not say.
        """ + SCOPE
    why_bad = """
        A lock request waits behind every transaction that holds a conflicting lock (a
        long report, an idle-in-transaction session), and every later query on the table,
        even a plain SELECT, waits behind the request: the table is unusable for as long as
        the oldest transaction runs, and the deploy looks like an outage. With
        `lock_timeout` set the migration gives up instead (LockNotAvailable) and can be
        retried. Verified by this rule's oracle test on PostgreSQL 15: with a reader idle in
        its transaction, `ALTER TABLE ... ADD COLUMN` makes a third session's SELECT wait;
        with `SET LOCAL lock_timeout` the ALTER fails after the timeout and the SELECT runs.
        """
    fix_safety = (
        "No automatic fix (revisions are never rewritten). Start the revision's upgrade() with "
        "`op.execute(\"SET LOCAL lock_timeout = '5s'\")`, or set it for every revision in env.py."
    )
    references = (
        "https://www.postgresql.org/docs/current/runtime-config-client.html#GUC-LOCK-TIMEOUT",
        "https://www.postgresql.org/docs/current/explicit-locking.html",
    )
    invalid = (
        example(INI + '''
        op.add_column("invoices", sa.Column("note", sa.Text(), nullable=True))  # ORM742
'''),
    )
    valid = (
        example(INI + '''
        op.execute("SET LOCAL lock_timeout = '5s'")
        op.add_column("invoices", sa.Column("note", sa.Text(), nullable=True))
'''),
        # a table the revision creates: nobody else holds it
        example(INI + '''
        op.create_table("notes", sa.Column("id", sa.Integer(), primary_key=True))
        op.create_index("ix_notes_id", "notes", ["id"])
'''),
    )

    def judge(self, judged: JudgedOperation, index: ProjectIndex) -> str | None:
        op = judged.operation
        if not _locks_existing(op, judged) or _LOCK_TIMEOUT.search(judged.env_source or ""):
            return None
        earlier = operations_before(judged)
        if any(isinstance(e, ExecuteSql) and _LOCK_TIMEOUT.search(e.text) for e in earlier):
            return None
        if any(_locks_existing(e, judged) for e in earlier):
            return None  # one finding per revision: its first lock
        what, lock, blocked = ddl_lock(op)
        table = locked_table(op)
        return (
            f"{what} takes the {lock} lock on `{table}` with no `lock_timeout` set: while it "
            f"waits behind any open transaction on `{table}`, later {blocked} of the table queue "
            "behind it; start upgrade() with `op.execute(\"SET LOCAL lock_timeout = '5s'\")` "
            "(or set it in env.py) and retry the deploy when it gives up"
        )


def _locks_existing(op: Operation, judged: JudgedOperation) -> bool:
    """Does the operation lock a table that held rows before the revision (a rename: under its
    old name)?"""
    locked = locked_table(op)
    if locked is None:
        return False
    if isinstance(op, ExecuteSql):  # the SQL's table, lower-cased
        return locked in {table.lower() for table in judged.existing_tables - judged.dropped_later}
    table = getattr(op, "table", locked)
    return table in judged.existing_tables and table not in judged.dropped_later
