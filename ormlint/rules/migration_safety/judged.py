"""What the migration-safety rules share: the operations of the revisions under judgement,
with the tables that existed before each one (from the replay of the revision's ancestors)."""

from __future__ import annotations

import copy
import os
import re
from dataclasses import dataclass
from typing import Any, Iterator

from ormlint.migrations.operations import (
    AddColumn, AlterColumn, CreateCheckConstraint, CreateForeignKey, CreateIndex, CreatePrimaryKey,
    CreateTable, CreateUniqueConstraint, DialectBranch, DropColumn, DropConstraint, DropIndex,
    DropTable, ExecuteSql, Operation, RenameTable, Revision,
)
from ormlint.project import ProjectIndex
from ormlint.rules.base import ProjectRule, ProjectViolation, RuleOptions
from ormlint.schema import Schema, SchemaTable


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
    dialect: str  # the database the revision runs on (ScriptDirectory.dialect)
    # the operation's table as the replay of the revision's ancestors (and of the operations
    # before this one) left it; None: not known (an uncertain table, a revision on a branch
    # whose siblings replayed before it, or no such table)
    table_before: SchemaTable | None = None


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


def _judged_ids(index: ProjectIndex, graph: Any, options: RuleOptions) -> set[str]:
    judged = revisions_to_judge(graph, options, index.named_files)
    if index.reported_files is not None:  # the rest would be judged for nothing
        judged = {
            rid for rid in judged
            if os.path.abspath(graph.revisions[rid].path) in index.reported_files
        }
    return judged


def judged_revisions(index: ProjectIndex, options: RuleOptions) -> list[Revision]:
    """The revisions the safety rules judge, for the rules that judge a revision as a whole."""
    if index.migrations is None:
        return []
    return [
        directory.graph.revisions[rid]
        for directory in index.migrations.directories
        for rid in sorted(_judged_ids(index, directory.graph, options))
    ]


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


def _for_another_dialect(directory: Any, dialect: str) -> bool:
    """Is the history one env.py keeps for another database, in a versions directory named
    after it (`versions/sqlite` beside `versions/postgresql`)?"""
    from ormlint.codes import DIALECTS

    names = {path.name.lower() for path in directory.versions}
    return dialect not in names and bool(names & set(DIALECTS))


def _judged_operations(index: ProjectIndex, options: RuleOptions) -> Iterator[JudgedOperation]:
    from ormlint.migrations.environment import read_source
    from ormlint.migrations.replay import apply

    migrations = index.migrations
    if migrations is None:
        return
    for directory in migrations.directories:
        dialect = directory.dialect
        if _for_another_dialect(directory, dialect):
            continue
        graph = directory.graph
        judged = _judged_ids(index, graph, options)
        if not judged:
            continue
        env_source = read_source(str(directory.env)) if directory.env is not None else None
        # table -> the revision that last created or renamed it, over the replay order
        made_by: dict[str, str] = {}
        schema, replayed = Schema(), set()  # the replay so far, and the revisions it holds
        for revision in graph.ordered():
            rid = revision.revision
            operations = list(_flattened(revision.operations, dialect))
            if rid in judged and not revision.wrapped_upgrade:
                ancestors = _ancestors(graph, rid)
                existing = {t for t, maker in made_by.items() if maker in ancestors}
                for i, operation in enumerate(operations):
                    dropped_later = frozenset(
                        o.table for o in operations[i + 1:] if isinstance(o, DropTable)
                    )
                    before = schema.tables.get(getattr(operation, "table", None)) if replayed <= ancestors else None
                    yield JudgedOperation(
                        revision, operation, frozenset(existing), dropped_later, env_source, dialect,
                        copy.deepcopy(before) if before is not None and not before.uncertain else None,
                    )
                    apply(schema, operation, revision.path, dialect)
                    if isinstance(operation, (CreateTable, DropTable)):
                        existing.discard(operation.table)
                    elif isinstance(operation, RenameTable) and operation.table in existing:
                        existing.discard(operation.table)
                        existing.add(operation.new_name)
            else:
                for operation in operations:
                    apply(schema, operation, revision.path, dialect)
            replayed.add(rid)
            for operation in operations:
                if isinstance(operation, CreateTable):
                    made_by[operation.table] = rid
                elif isinstance(operation, RenameTable) and operation.table in made_by:
                    made_by[operation.new_name] = made_by.pop(operation.table)
                elif isinstance(operation, DropTable):
                    made_by.pop(operation.table, None)


class SafetyRule(ProjectRule):
    """A rule that judges each operation of the revisions under judgement (`judge`)."""

    message = "{detail}"
    dialects: tuple[str, ...] = ("postgresql",)
    located_in_migrations = True

    def check_project(self, index: ProjectIndex) -> Iterator[ProjectViolation]:
        if index.migrations is None:
            return
        for judged in judged_operations(index, self.options):
            if judged.dialect not in self.dialects:
                continue
            detail = self.judge(judged, index)
            if detail is not None:
                yield self.project_violation(
                    judged.revision.path, judged.operation.location, detail=detail,
                )

    def judge(self, judged: JudgedOperation, index: ProjectIndex) -> str | None:
        raise NotImplementedError


def operations_before(judged: JudgedOperation) -> list[Operation]:
    """The operations of the judged operation's revision that run before it."""
    before: list[Operation] = []
    for operation in _flattened(judged.revision.operations, judged.dialect):
        if operation is judged.operation:
            break
        before.append(operation)
    return before


def operations_after(judged: JudgedOperation) -> list[Operation]:
    """The operations of the judged operation's revision that run after it."""
    operations = list(_flattened(judged.revision.operations, judged.dialect))
    for i, operation in enumerate(operations):
        if operation is judged.operation:
            return operations[i + 1:]
    return []


def on_existing_table(judged: JudgedOperation) -> bool:
    """Does the operation's table hold the rows of before the revision (and is not dropped
    later in it, which locks it exclusively anyway)?"""
    table = getattr(judged.operation, "table", None)
    return table in judged.existing_tables and table not in judged.dropped_later


# -- the locks DDL takes -------------------------------------------------------------------------

# the operations that take ACCESS EXCLUSIVE on their table, held until the transaction ends
_ACCESS_EXCLUSIVE = (
    AddColumn, DropColumn, AlterColumn, DropIndex, CreateCheckConstraint, DropConstraint,
    CreateUniqueConstraint, CreatePrimaryKey,
)
_ALTER_TABLE = re.compile(r"^\s*ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?([\w\".]+)", re.I)


def locked_table(op: Operation) -> str | None:
    """The table the operation locks until the migration's transaction ends (PostgreSQL), or
    None: a rename locks the table under its new name; an index built or dropped concurrently,
    or inside an autocommit block, holds no such lock; an `ALTER TABLE` in SQL gives its table
    lower-cased, without quotes or schema."""
    if isinstance(op, RenameTable):
        return op.new_name
    if isinstance(op, (CreateIndex, DropIndex)):
        return op.table if not op.autocommit_block and op.concurrently is False else None
    if isinstance(op, (*_ACCESS_EXCLUSIVE, CreateForeignKey)):
        return op.table
    if isinstance(op, ExecuteSql) and not op.autocommit_block:
        altered = _ALTER_TABLE.match(op.text)
        return altered.group(1).replace('"', "").rpartition(".")[2].lower() if altered else None
    return None


def ddl_lock(op: Operation) -> tuple[str, str, str]:
    """(what the operation is, the lock it takes on its table, what that lock blocks)."""
    if isinstance(op, ExecuteSql):
        return "`ALTER TABLE`", "ACCESS EXCLUSIVE", "reads and writes"
    name = f"`{_op_name(op)}`"
    if isinstance(op, CreateIndex):
        return name, "SHARE", "writes"
    if isinstance(op, CreateForeignKey):
        return name, "SHARE ROW EXCLUSIVE", "writes"
    return name, "ACCESS EXCLUSIVE", "reads and writes"


def _op_name(op: Operation) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", type(op).__name__).lower()


# env.py that runs migrations outside a transaction (each statement commits on its own)
_NO_TRANSACTION = re.compile(r"AUTOCOMMIT|transactional_ddl\s*=\s*False")


def runs_outside_a_transaction(judged: JudgedOperation) -> bool:
    return bool(judged.env_source and _NO_TRANSACTION.search(judged.env_source))


# `DELETE FROM t` with no WHERE, `TRUNCATE [TABLE] t`: the statement ends after the table's name
_EMPTIES = re.compile(
    r"\b(?:DELETE\s+FROM|TRUNCATE(?:\s+TABLE)?)\s+(?:ONLY\s+)?\"?([\w.]+?)\"?\s*(?:;|[\"'])", re.I,
)


def emptied_before(judged: JudgedOperation) -> bool:
    """Does SQL earlier in the revision's upgrade() empty the operation's table (a revision
    that starts the table afresh: its old rows are gone before the operation runs)?"""
    from ormlint.migrations.environment import read_source
    from ormlint.syntax import python_lines

    table = getattr(judged.operation, "table", None)
    source = read_source(judged.revision.path) if table else None
    if not source:
        return False
    text = "".join(python_lines(source)[: judged.operation.location.line - 1])
    text = text[text.find("def upgrade"):] if "def upgrade" in text else ""
    return any(name.lower() == table.lower() for name in _EMPTIES.findall(text))


def holds_old_rows(judged: JudgedOperation) -> bool:
    """Does the operation's table hold rows of before the revision when it runs (not created,
    emptied or dropped later by the revision)?"""
    return on_existing_table(judged) and not emptied_before(judged)


# appended to each rule's what_it_does (same indentation, so that the docs dedent as one)
SCOPE = """
        Judged on new revisions only: the revision files named on the command line (a
        pre-commit hook, an editor), else the head revisions, or the revisions after
        `[tool.ormlint] migration-safety-since = "<revision id>"`; `--all-revisions` judges
        the whole history. Only on PostgreSQL: `target-dialect`, else the database the
        environment's code names (alembic.ini's `sqlalchemy.url`, env.py's
        `create_engine("...")`, a settings value or class attribute env.py's URL is built
        from, a Flask-Migrate app's `SQLALCHEMY_DATABASE_URI`), else PostgreSQL.
        """

INI = '''
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
