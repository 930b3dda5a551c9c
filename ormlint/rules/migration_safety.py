"""Migration safety (ORM72x-ORM74x): revisions that fail on deploy or lock busy tables.

Drift asks whether the migrations match the models; these rules ask whether a new revision
is safe to run against a database that already holds data. History is not re-judged: a rule
judges the revision files named on the command line (a pre-commit hook, an editor), and on
directory runs the head revisions only, or the revisions after `migration-safety-since`, or
every revision with `--all-revisions` (`revisions_to_judge`). Whether a table "existed before"
a revision comes from the replay of that revision's ancestors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterator

from ormlint.migrations.operations import (
    AddColumn, CreateIndex, CreateTable, DialectBranch, DropIndex, DropTable, Operation, RenameTable,
    Revision,
)
from ormlint.project import ProjectIndex
from ormlint.rules.base import ProjectRule, ProjectViolation, RuleOptions, example


@dataclass(frozen=True)
class JudgedOperation:
    """An operation of a revision under judgement, with what was there before the revision."""

    revision: Revision
    operation: Operation  # dialect branches resolved for the target dialect
    # the tables that hold the rows of before the revision at this operation: created by an
    # ancestor of the revision (renamed since, perhaps) and not dropped or created anew since
    existing_tables: frozenset[str]
    # tables a later operation of the revision drops (which locks them exclusively anyway)
    dropped_later: frozenset[str]
    env_source: str | None  # the script directory's env.py


def judged_operations(index: ProjectIndex, options: RuleOptions) -> list[JudgedOperation]:
    """The operations of the revisions the safety rules judge (computed once per run)."""
    key = ("migration_safety", options)
    if key not in index.derived:
        index.derived[key] = list(_judged_operations(index, options))
    return index.derived[key]


def revisions_to_judge(graph: Any, options: RuleOptions, named_files: bool) -> set[str]:
    """The revision ids of one script directory that the safety rules judge: every one when
    the run checks named files (only their findings are shown) or with `--all-revisions`; the
    descendants of `migration-safety-since` when it names a revision here; else the heads."""
    if named_files or options.all_revisions:
        return set(graph.revisions)
    since = options.migration_safety_since
    if since is not None:
        labels = {label: rid for rid, rev in graph.revisions.items() for label in rev.branch_labels}
        start = graph.resolve(since, labels)
        if start is not None:
            return {rid for rid in graph.revisions if rid != start and start in _ancestors(graph, rid)}
    return set(graph.heads)


def _ancestors(graph: Any, rid: str) -> set[str]:
    """Every revision that runs before `rid` (down_revisions and depends_on, transitively)."""
    seen: set[str] = set()
    pending = list(graph.after.get(rid, ()))
    while pending:
        current = pending.pop()
        if current not in seen:
            seen.add(current)
            pending.extend(graph.after.get(current, ()))
    return seen


def _flattened(operations: tuple[Operation, ...], dialect: str) -> Iterator[Operation]:
    for operation in operations:
        if isinstance(operation, DialectBranch):
            yield from _flattened(operation.taken(dialect), dialect)
        else:
            yield operation


def _judged_operations(index: ProjectIndex, options: RuleOptions) -> Iterator[JudgedOperation]:
    from ormlint.migrations.environment import read_source

    migrations = index.migrations
    if migrations is None:
        return
    dialect = options.target_dialect
    for directory in migrations.directories:
        graph = directory.graph
        judged = revisions_to_judge(graph, options, index.named_files)
        if not judged:
            continue
        env_source = read_source(str(directory.env)) if directory.env is not None else None
        # table -> the revision that last created or renamed it, over the replay order
        made_by: dict[str, str] = {}
        for revision in graph.ordered():
            rid = revision.revision
            operations = list(_flattened(revision.operations, dialect))
            if rid in judged:
                ancestors = _ancestors(graph, rid)
                existing = {t for t, maker in made_by.items() if maker in ancestors}
                for i, operation in enumerate(operations):
                    dropped_later = frozenset(
                        o.table for o in operations[i + 1:] if isinstance(o, DropTable)
                    )
                    yield JudgedOperation(revision, operation, frozenset(existing), dropped_later, env_source)
                    if isinstance(operation, (CreateTable, DropTable)):
                        existing.discard(operation.table)
                    elif isinstance(operation, RenameTable) and operation.table in existing:
                        existing.discard(operation.table)
                        existing.add(operation.new_name)
            for operation in operations:
                if isinstance(operation, CreateTable):
                    made_by[operation.table] = rid
                elif isinstance(operation, RenameTable) and operation.table in made_by:
                    made_by[operation.new_name] = made_by.pop(operation.table)
                elif isinstance(operation, DropTable):
                    made_by.pop(operation.table, None)


class _SafetyRule(ProjectRule):
    message = "{detail}"
    dialects: tuple[str, ...] = ("postgresql",)

    def check_project(self, index: ProjectIndex) -> Iterator[ProjectViolation]:
        if index.migrations is None or self.options.target_dialect not in self.dialects:
            return
        for judged in judged_operations(index, self.options):
            detail = self.judge(judged, index)
            if detail is not None:
                yield self.project_violation(
                    judged.revision.path, judged.operation.location, detail=detail,
                )

    def judge(self, judged: JudgedOperation, index: ProjectIndex) -> str | None:
        raise NotImplementedError


# appended to each rule's what_it_does (same indentation, so that the docs dedent as one)
_SCOPE = """
        Judged on new revisions only: the revision files named on the command line (a
        pre-commit hook, an editor), else the head revisions, or the revisions after
        `[tool.ormlint] migration-safety-since = "<revision id>"`; `--all-revisions` judges
        the whole history. Only with `target-dialect = "postgresql"` (the default).
        """

_INI = '''
    # file: alembic.ini
    [alembic]
    script_location = %(here)s/migrations

    # file: migrations/versions/0001_invoices.py
    import sqlalchemy as sa
    from alembic import op

    revision = "0001"
    down_revision = None


    def upgrade():
        op.create_table(
            "invoices",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("number", sa.String(20), nullable=False),
            sa.PrimaryKeyConstraint("id"),
        )

    # file: migrations/versions/0002_next.py
    import sqlalchemy as sa
    from alembic import op

    revision = "0002"
    down_revision = "0001"


    def upgrade():
'''


class NotNullColumnWithoutDefault(_SafetyRule):
    code = "ORM720"
    name = "not-null-column-added-without-default"
    summary = "a NOT NULL column without a server default added to a table that already exists"
    what_it_does = """
        Reports `op.add_column` / `batch_op.add_column` of a column that is NOT NULL
        (`nullable=False`) and has no `server_default=`, on a table an earlier revision created.
        Primary keys (filled by SERIAL), columns with `Identity()`, `Computed()`, `Sequence()`,
        a positional `DefaultClause`, or an argument that cannot be read are left alone. When the
        model's column has a Python `default=` only, the message says so: autogenerate never
        carries a Python default into the migration.
        """ + _SCOPE
    why_bad = """
        PostgreSQL fills the new column of every existing row with NULL, which the NOT NULL
        constraint rejects: `NotNullViolation: column "currency" of relation "invoices" contains
        null values`, and the deploy stops at this revision. It passes on an empty development
        database and fails in production. Verified by this rule's oracle test on PostgreSQL 15.
        """
    fix_safety = (
        "No automatic fix: the value existing rows get is the author's choice. Give the column a "
        "`server_default=` (PostgreSQL 11+ adds a constant default without rewriting the table), "
        "or add it nullable, fill it, and then `op.alter_column(..., nullable=False)`."
    )
    references = (
        "https://www.postgresql.org/docs/current/sql-altertable.html",
        "https://alembic.sqlalchemy.org/en/latest/ops.html#alembic.operations.Operations.add_column",
    )
    invalid = (
        example(_INI + '''
        op.add_column("invoices", sa.Column("currency", sa.String(3), nullable=False))  # ORM720
'''),
        example(_INI + '''
        with op.batch_alter_table("invoices") as batch_op:
            batch_op.add_column(sa.Column("paid", sa.Boolean(), nullable=False))  # ORM720
'''),
    )
    valid = (
        example(_INI + '''
        op.add_column(
            "invoices",
            sa.Column("currency", sa.String(3), nullable=False, server_default="EUR"),
        )
'''),
        example(_INI + '''
        op.add_column("invoices", sa.Column("currency", sa.String(3), nullable=True))
        op.execute("UPDATE invoices SET currency = 'EUR'")
        op.alter_column("invoices", "currency", nullable=False)
'''),
        # a table created in the same revision has no rows yet
        example(_INI + '''
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
            "then `op.alter_column(..., nullable=False)`"
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


# env.py that runs migrations outside a transaction: CONCURRENTLY works without an autocommit block
_NO_TRANSACTION = re.compile(r"AUTOCOMMIT|transactional_ddl\s*=\s*False")


class IndexNotConcurrent(_SafetyRule):
    code = "ORM721"
    name = "index-not-built-concurrently"
    summary = "an index created or dropped on an existing table without CONCURRENTLY, or CONCURRENTLY inside a transaction"
    what_it_does = """
        Reports `op.create_index` / `op.drop_index` (and their `batch_op` forms) on a table an
        earlier revision created, without `postgresql_concurrently=True`; and
        `postgresql_concurrently=True` outside `with op.get_context().autocommit_block():`,
        unless env.py runs the migrations outside a transaction (`AUTOCOMMIT`,
        `transactional_ddl=False`). Left alone: `drop_index` without `table_name=`, a
        `postgresql_concurrently=` that is not a literal, and a table that the same revision
        creates anew or drops later (the drop locks it exclusively anyway).
        """ + _SCOPE
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
        example(_INI + '''
        op.create_index("ix_invoices_number", "invoices", ["number"])  # ORM721
'''),
        example(_INI + '''
        op.create_index(  # ORM721
            "ix_invoices_number", "invoices", ["number"], postgresql_concurrently=True,
        )
'''),
        example(_INI.replace('''            sa.PrimaryKeyConstraint("id"),
        )''', '''            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index("ix_invoices_number", "invoices", ["number"])''') + '''
        op.drop_index("ix_invoices_number", table_name="invoices")  # ORM721
'''),
    )
    valid = (
        example(_INI + '''
        with op.get_context().autocommit_block():
            op.create_index(
                "ix_invoices_number", "invoices", ["number"], postgresql_concurrently=True,
            )
'''),
        # a table created in the same revision is empty and unused
        example(_INI + '''
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
            if op.autocommit_block or (judged.env_source and _NO_TRANSACTION.search(judged.env_source)):
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
