"""ORM724: NOT NULL set on a column of an existing table that the replay knows was nullable."""

from __future__ import annotations

import re

from ormlint.migrations.operations import AddColumn, AlterColumn, CreateCheckConstraint, DialectBranch, Operation
from ormlint.project import ProjectIndex
from ormlint.rules.base import example
from ormlint.rules.migration_safety.judged import (
    INI, SCOPE, JudgedOperation, SafetyRule, holds_old_rows, operations_before,
)

# INI with a nullable column `note` in the table the first revision creates
_WITH_NOTE = INI.replace(
    '''            sa.Column("number", sa.String(20), nullable=False),''',
    '''            sa.Column("number", sa.String(20), nullable=False),
            sa.Column("note", sa.Text(), nullable=True),''',
)


class NotNullSetOnExistingColumn(SafetyRule):
    code = "ORM724"
    name = "not-null-set-on-existing-column"
    summary = "NOT NULL set on a nullable column of an existing table (a full scan under an exclusive lock)"
    catches = (
        "`alter_column(..., nullable=False)` on a column the history made nullable: a full scan "
        "under ACCESS EXCLUSIVE; on PostgreSQL 12+ add a `CHECK (… IS NOT NULL) NOT VALID`, "
        "validate it, then set NOT NULL (new revisions, PostgreSQL)"
    )
    what_it_does = """
        Reports `op.alter_column(..., nullable=False)` (and its `batch_op` form) on a column
        that the replay of the earlier revisions knows was nullable, of a table an earlier
        revision created. Left alone: a column added by the same revision, a primary key, a
        table whose history ormlint cannot follow (SQL it does not read), a table the same
        revision empties (`DELETE FROM t` without WHERE, `TRUNCATE t`) or drops later, and a
        table that has, anywhere in the history, a check
        constraint whose condition is not a literal or says `<column> IS NOT NULL` (the route
        below). With `[tool.ormlint] target-version` below 12 the message says that the scan
        cannot be avoided there.
        """ + SCOPE
    why_bad = """
        `ALTER COLUMN ... SET NOT NULL` reads the whole table to prove that no row holds NULL,
        while holding an ACCESS EXCLUSIVE lock: every read and write waits until the scan is
        done. Since PostgreSQL 12 the scan is skipped when a validated check constraint
        already proves it: add `CHECK (column IS NOT NULL) NOT VALID` (a brief lock), validate
        it in a later transaction (reads and writes go on), then SET NOT NULL without a scan
        and drop the check. Verified by this rule's oracle test on PostgreSQL 15 (`pg_locks`,
        the table scan in `pg_stat_xact_user_tables`, a waiting INSERT).
        """
    fix_safety = "No automatic fix: the safe route spans two revisions."
    references = (
        "https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-SET-DROP-NOT-NULL",
    )
    invalid = (
        example(_WITH_NOTE + '''
        op.alter_column("invoices", "note", nullable=False)  # ORM724
'''),
    )
    valid = (
        # the column is new: the revision filled it (the UPDATE locks every row anyway)
        example(INI + '''
        op.add_column("invoices", sa.Column("currency", sa.String(3), nullable=True))
        op.execute("UPDATE invoices SET currency = 'EUR'")
        op.alter_column("invoices", "currency", nullable=False)
'''),
        # PostgreSQL 12+: a validated CHECK (note IS NOT NULL) spares SET NOT NULL its scan
        example(_WITH_NOTE + '''
        op.create_check_constraint(
            "ck_invoices_note_not_null", "invoices", "note IS NOT NULL", postgresql_not_valid=True,
        )
        with op.get_context().autocommit_block():
            op.execute("ALTER TABLE invoices VALIDATE CONSTRAINT ck_invoices_note_not_null")
        op.alter_column("invoices", "note", nullable=False)
        op.drop_constraint("ck_invoices_note_not_null", "invoices", type_="check")
'''),
    )

    def judge(self, judged: JudgedOperation, index: ProjectIndex) -> str | None:
        op = judged.operation
        if not isinstance(op, AlterColumn) or op.nullable is not False or not holds_old_rows(judged):
            return None
        table = judged.table_before
        column = table.columns.get(op.column) if table is not None else None
        if column is None or column.nullable is not True or column.primary_key:
            return None
        if any(
            isinstance(o, AddColumn) and o.table == op.table and o.column.name == op.column
            for o in operations_before(judged)
        ):
            return None
        if (op.table, op.column) in _proved_not_null(index) or (op.table, None) in _proved_not_null(index):
            return None
        detail = (
            f"`alter_column(..., nullable=False)` of `{op.table}.{op.column}`, which was nullable, "
            "reads the whole table under an ACCESS EXCLUSIVE lock (reads and writes wait); "
        )
        version = self.options.target_version
        if version is not None and version < (12, 0):
            return detail + (
                f"PostgreSQL {version[0]}.{version[1]} (target-version) cannot skip the scan "
                "(12+ can, with a validated CHECK); run it when the table is quiet"
            )
        check = f"ck_{op.table}_{op.column}_not_null".replace(".", "_")
        return detail + (
            f"add `op.create_check_constraint(\"{check}\", \"{op.table}\", \"{op.column} IS NOT NULL\", "
            "postgresql_not_valid=True)`, VALIDATE it in a later revision, then set NOT NULL "
            "(no scan on PostgreSQL 12+) and drop the check"
        )


def _proved_not_null(index: ProjectIndex) -> set[tuple[str, str | None]]:
    """(table, column) of the check constraints anywhere in the histories that say
    `column IS NOT NULL`, and (table, None) for those whose condition is not a literal."""
    key = "migration_safety:not_null_checks"
    if key not in index.derived:
        found: set[tuple[str, str | None]] = set()
        for directory in index.migrations.directories if index.migrations is not None else ():
            for revision in directory.graph.revisions.values():
                for op in _every_operation(revision.operations):
                    if not isinstance(op, CreateCheckConstraint):
                        continue
                    if op.condition is None:
                        found.add((op.table, None))
                    for column in _NOT_NULL_TEST.findall(op.condition or ""):
                        found.add((op.table, column))
        index.derived[key] = found
    return index.derived[key]


_NOT_NULL_TEST = re.compile(r'"?(\w+)"?\s+IS\s+NOT\s+NULL', re.I)


def _every_operation(operations: tuple[Operation, ...]):
    for op in operations:
        if isinstance(op, DialectBranch):
            yield from _every_operation(op.then + op.otherwise)
        else:
            yield op
