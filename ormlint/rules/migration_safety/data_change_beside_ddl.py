"""ORM741: a data change that runs while the revision's DDL still holds its lock on the table."""

from __future__ import annotations

import ast
import re

from ormlint.migrations.operations import BulkInsert, ExecuteDml, ExecuteSql, Operation
from ormlint.project import ProjectIndex
from ormlint.rules.base import example
from ormlint.rules.migration_safety.data_statements import data_statements
from ormlint.rules.migration_safety.judged import (
    INI, SCOPE, JudgedOperation, SafetyRule, ddl_lock, locked_table, operations_before,
    runs_outside_a_transaction,
)

# what ends the migration's transaction between two operations (an autocommit block, a COMMIT)
_COMMITS = re.compile(r"commit", re.I)
# what reads rows from the database in a revision's text (`op.bulk_insert`'s rows computed from them)
_READS_ROWS = re.compile(r"\.(?:query|fetchall|fetchmany|scalars|mappings)\s*\(|\bselect\s*\(|\bSELECT\b")


class DataChangeBesideDdl(SafetyRule):
    code = "ORM741"
    name = "data-change-beside-ddl"
    summary = "a data change that runs under the lock the same revision's DDL took on the table"
    catches = (
        "an UPDATE, DELETE or INSERT … SELECT on an existing table after DDL on that table in "
        "the same transaction (`add_column` then a backfill): the data step runs under the "
        "DDL's lock (new revisions, PostgreSQL)"
    )
    default_enabled = False  # opt-in: see what_it_does
    what_it_does = """
        Reports `op.execute(...)` of a literal `UPDATE`, `DELETE` or `INSERT ... SELECT`, or of
        a Core `t.update()`/`t.delete()` (`sa.update(t)`, `sa.delete(t)`, `t` bound to a
        literal table in the revision, or to a class the revision maps with a literal
        `__tablename__`); the same run through an ORM `Session` on the migration's connection
        (`session = orm.Session(bind=op.get_bind())`, then `session.execute(...)`, or
        `session.query(M)...update({...})`/`.delete()`); and `op.bulk_insert(t, rows)` whose
        rows are computed from what the revision read from the database (not written out);
        on a table an earlier revision created, when an
        earlier operation of the same revision altered that table in the same transaction: `add_column`, `drop_column`,
        `alter_column`, `create_index`/`drop_index` (not concurrently), `create_*_constraint`,
        `create_foreign_key`, `create_primary_key`, `drop_constraint`, `rename_table`, or an
        `ALTER TABLE` of its own (inside `with op.batch_alter_table(...)`, the DDL runs where
        the block ends, so only data steps after the block count). Left alone: data steps inside
        `with op.get_context().autocommit_block():`, or after one (or after any `COMMIT`)
        since the DDL (a `session.commit()` does not count: a Session on the migration's
        connection commits nothing of the migration's transaction, yet the rule stays silent
        after one); an env.py that runs migrations outside a transaction; `INSERT ... VALUES`,
        `op.bulk_insert` of rows written out in the revision and `session.add(...)` (a fixed
        number of rows, quick); tables the revision creates (nobody uses them yet); rows an ORM
        Session changes by assigning attributes, and statements built at run time, in loops or
        under an `if` (which table, and when it commits, are not read).

        Opt-in (`--extend-select ORM741`): 28 of the 71 public histories of the corpus write a
        table right after altering it in the same revision, about 225 times (105 findings of
        this rule, in 15 projects), always on purpose (the backfill of the column the revision
        adds, before it sets NOT NULL); whether it hurts depends on the table's size, which
        the code does not say. Turn it on where tables are large.
        """ + SCOPE
    why_bad = """
        Alembic runs a revision in one transaction, and PostgreSQL keeps every lock to its
        end: after `ALTER TABLE ... ADD COLUMN` the table is held ACCESS EXCLUSIVE (after
        `CREATE INDEX`, SHARE; after a foreign key, SHARE ROW EXCLUSIVE), so while the
        backfill reads and rewrites every row, no other session can read the table (or
        write it). The DDL alone takes milliseconds; the backfill takes as long as the table
        is big. Verified by this rule's oracle test on PostgreSQL 15: the UPDATE records the
        locks its own session holds while it runs (AccessExclusiveLock after the ADD COLUMN;
        only RowExclusiveLock in an autocommit block), and a reader in another session waits;
        an ORM `Session(bind=op.get_bind())` joins the migration's transaction: its UPDATE runs
        under the same lock, and after its `commit()` the lock is still held.
        """
    fix_safety = (
        "No automatic fix. Move the data step into `with op.get_context().autocommit_block():` "
        "(Alembic commits the DDL first, releasing its lock, and each statement then commits on "
        "its own), in batches on a large table; or into a revision of its own when env.py "
        "sets `transaction_per_migration=True`."
    )
    references = (
        "https://www.postgresql.org/docs/current/explicit-locking.html#LOCKING-TABLES",
        "https://alembic.sqlalchemy.org/en/latest/api/runtime.html#alembic.runtime.migration.MigrationContext.autocommit_block",
        "https://github.com/ankane/strong_migrations#backfilling-data",
    )
    invalid = (
        example(INI + '''
        op.add_column("invoices", sa.Column("currency", sa.String(3), nullable=True))
        op.execute("UPDATE invoices SET currency = 'EUR'")  # ORM741
        op.alter_column("invoices", "currency", nullable=False)
'''),
        example(INI + '''
        op.alter_column("invoices", "number", new_column_name="code")
        op.execute("DELETE FROM invoices WHERE code = ''")  # ORM741
'''),
        example(INI + '''
        op.add_column("invoices", sa.Column("currency", sa.String(3), nullable=True))
        session = sa.orm.Session(bind=op.get_bind())
        session.execute(sa.text("UPDATE invoices SET currency = 'EUR'"))  # ORM741
'''),
    )
    valid = (
        example(INI + '''
        op.add_column("invoices", sa.Column("currency", sa.String(3), nullable=True))
        with op.get_context().autocommit_block():
            op.execute("UPDATE invoices SET currency = 'EUR' WHERE currency IS NULL")
'''),
        # a fixed set of rows: quick, whatever the table's size
        example(INI + '''
        op.add_column("invoices", sa.Column("currency", sa.String(3), nullable=True))
        op.execute("INSERT INTO invoices (number, currency) VALUES ('opening', 'EUR')")
'''),
        # another table's rows: the DDL's lock is not on them
        example(INI + '''
        op.add_column("invoices", sa.Column("currency", sa.String(3), nullable=True))
        op.execute("DELETE FROM audit_log WHERE created < now() - interval '1 year'")
'''),
    )

    def judge(self, judged: JudgedOperation, index: ProjectIndex) -> str | None:
        op = judged.operation
        if not isinstance(op, (ExecuteSql, ExecuteDml, BulkInsert)) or op.autocommit_block or runs_outside_a_transaction(judged):
            return None
        existing = {table.lower(): table for table in judged.existing_tables}
        if isinstance(op, ExecuteDml):
            steps = [(op.kind.upper(), op.table.lower())] if op.table is not None else []
        elif isinstance(op, BulkInsert):
            computed = op.table is not None and not op.fixed_rows and _reads_rows_before(judged, op.location.line)
            steps = [("bulk_insert", op.table.lower())] if computed else []  # type: ignore[union-attr]
        else:
            steps = [
                (s.kind, s.table_name) for s in data_statements(op.text) or ()
                if s.kind != "INSERT" or s.from_select
            ]
        earlier = operations_before(judged)
        for kind, name in steps:
            table = existing.get(name)
            if table is None:
                continue
            ddl = _last_ddl_on(table, earlier)
            if ddl is None:
                continue
            runs_at = _runs_at(judged, ddl.location.line)
            if runs_at is None or op.location.line <= runs_at or _commits_between(judged, runs_at, op.location.line):
                continue
            what, lock, blocked = ddl_lock(ddl)
            step = {
                "UPDATE": "this UPDATE rewrites rows of", "DELETE": "this DELETE deletes rows of",
                "INSERT": "this INSERT reads and inserts rows of",
                "bulk_insert": "this `op.bulk_insert` inserts rows read from the database into",
            }[kind]
            return (
                f"{step} `{table}` while the {what} earlier in the revision "
                f"still holds its {lock} lock on it (line {ddl.location.line}): {blocked} wait "
                "until the migration commits, for as long as the data step takes; run it inside "
                "`with op.get_context().autocommit_block():` (in batches on a large table), or in "
                "a revision of its own"
            )
        return None


def _last_ddl_on(table: str, earlier: list[Operation]) -> Operation | None:
    """The last operation before the data step that locked `table` for the rest of the
    transaction."""
    for op in reversed(earlier):
        locked = locked_table(op)
        if locked == table or (isinstance(op, ExecuteSql) and locked == table.lower()):
            return op
    return None


def _runs_at(judged: JudgedOperation, line: int) -> int | None:
    """The line at which the operation on `line` runs: Alembic collects the operations of a
    `with op.batch_alter_table(...)` block and runs them where the block ends (`op.execute`
    inside the block runs before them). None: the source cannot be read."""
    from ormlint.migrations.environment import read_source

    source = read_source(judged.revision.path)
    try:
        tree = ast.parse(source) if source is not None else None
    except (SyntaxError, ValueError):
        tree = None
    if tree is None:
        return None
    for node in ast.walk(tree):
        if isinstance(node, (ast.With, ast.AsyncWith)) and node.lineno <= line <= (node.end_lineno or line) and any(
            isinstance(item.context_expr, ast.Call) and isinstance(item.context_expr.func, ast.Attribute)
            and item.context_expr.func.attr == "batch_alter_table" for item in node.items
        ):
            return node.end_lineno
    return line


def _reads_rows_before(judged: JudgedOperation, line: int) -> bool:
    """Does upgrade() read rows from the database before `line` (a query, a SELECT, a fetch),
    so that rows it inserts there may be as many as the table holds? Unsure: no."""
    from ormlint.migrations.environment import read_source
    from ormlint.syntax import python_lines

    source = read_source(judged.revision.path)
    if source is None:
        return False
    before = "".join(python_lines(source)[:line - 1])
    start = before.find("def upgrade")
    return start >= 0 and bool(_READS_ROWS.search(before[start:]))


def _commits_between(judged: JudgedOperation, first: int, last: int) -> bool:
    """Does the revision's text between two lines end the transaction (an autocommit block,
    `COMMIT`, `.commit()`)? Unsure (the text unreadable): yes."""
    from ormlint.migrations.environment import read_source
    from ormlint.syntax import python_lines

    source = read_source(judged.revision.path)
    if source is None:
        return True
    between = "".join(python_lines(source)[first:last - 1])
    return bool(_COMMITS.search(between))
