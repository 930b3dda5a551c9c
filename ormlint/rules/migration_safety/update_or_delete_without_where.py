"""ORM740: an UPDATE or DELETE without WHERE on a table that holds rows from before the revision."""

from __future__ import annotations

from ormlint.codes import DIALECTS
from ormlint.migrations.operations import ExecuteDml, ExecuteSql
from ormlint.project import ProjectIndex
from ormlint.rules.base import example
from ormlint.rules.migration_safety.data_statements import DataStatement, data_statements
from ormlint.rules.migration_safety.judged import INI, JudgedOperation, SafetyRule


class UpdateOrDeleteWithoutWhere(SafetyRule):
    code = "ORM740"
    name = "update-or-delete-without-where"
    summary = "an UPDATE or DELETE without WHERE on a table that holds rows from before the revision"
    catches = (
        "`op.execute(\"UPDATE t SET …\")` / `DELETE FROM t` without WHERE on a table an earlier "
        "revision created: every row is changed or deleted (new revisions, any dialect)"
    )
    dialects = DIALECTS
    default_enabled = False  # opt-in: see what_it_does
    what_it_does = """
        Reports `op.execute(...)` (or `op.get_bind().execute(...)`, also of `sa.text(...)`) of
        a literal `UPDATE <table> SET ...` or `DELETE FROM <table>` with nothing that limits
        its rows at the statement's own level (no WHERE, and no FROM/USING, JOIN or LIMIT,
        which join or cap it), or of a Core `t.update()` / `sa.update(t)` / `t.delete()` /
        `sa.delete(t)` without `.where(...)` (`t` bound in the revision to
        `sa.table("name", ...)`, `sa.Table(...)` or `op.create_table(...)`), on a table an
        earlier revision created and that the revision has not created anew. SQL is read as
        PostgreSQL does: comments and string literals say nothing, a WHERE inside a subquery
        or a CTE limits nothing of the statement's own rows. Left alone, as unsure: text built at run time, statements inside a loop or an
        `if` (whether and how often they run is not known), dollar-quoted bodies (function
        definitions) and anything that does not read as one statement; and a table the
        history does not show (created by raw SQL).

        Opt-in (`--extend-select ORM740`): in the 71 public histories of the corpus every
        such statement was meant (a backfill of a new column, a conversion of every row, a
        table emptied on purpose), so this is a review aid for teams that want every
        whole-table change named, not a bug finder.
        Judged on new revisions only, as the other migration-safety rules
        (`--all-revisions` judges the whole history); any dialect.
        """
    why_bad = """
        A data fix meant for some rows that lost its WHERE rewrites or deletes every row, and
        a migration cannot be undone by `downgrade()`: the old values are gone. On
        PostgreSQL the statement also writes a new version of every row and locks each until
        the migration commits, so every concurrent write to the table waits. Verified by this
        rule's oracle test on PostgreSQL 15 (every row changed, every row deleted; with the
        WHERE, only the rows meant).
        """
    fix_safety = (
        "No automatic fix: only the author knows which rows are meant. When every row is meant "
        "(a backfill), say so with `# noqa: ORM740`, and on a large table run it in batches "
        "(`WHERE id BETWEEN ...`) inside `with op.get_context().autocommit_block():`."
    )
    references = (
        "https://www.postgresql.org/docs/current/sql-update.html",
        "https://www.postgresql.org/docs/current/sql-delete.html",
    )
    invalid = (
        example(INI + '''
        op.execute("UPDATE invoices SET number = 'void'")  # ORM740
'''),
        example(INI + '''
        invoices = sa.table("invoices", sa.column("number"))
        op.execute(invoices.update().values(number="void"))  # ORM740
'''),
        example(INI + '''
        op.execute(  # ORM740
            sa.text("DELETE FROM invoices  -- WHERE number LIKE 'test-%'")
        )
'''),
        # a WHERE inside the subquery does not limit the UPDATE's own rows
        example(INI + '''
        op.execute(  # ORM740
            "UPDATE invoices SET number = (SELECT max(number) FROM invoices AS i WHERE i.id < 10)"
        )
'''),
    )
    valid = (
        example(INI + '''
        op.execute("UPDATE invoices SET number = 'void' WHERE number = ''")
'''),
        example(INI + '''
        invoices = sa.table("invoices", sa.column("number"))
        op.execute(invoices.update().where(invoices.c.number == "").values(number="void"))
'''),
        # a table the same revision creates holds only the rows it inserts
        example(INI + '''
        op.create_table("payments", sa.Column("id", sa.Integer(), primary_key=True),
                        sa.Column("state", sa.String(10)))
        op.execute("INSERT INTO payments (id, state) VALUES (1, 'new')")
        op.execute("UPDATE payments SET state = 'open'")
'''),
        # joined to another table: only the rows that match
        example(INI + '''
        op.execute("UPDATE invoices SET number = c.code FROM customers AS c WHERE c.id = invoices.id")
'''),
    )

    def judge(self, judged: JudgedOperation, index: ProjectIndex) -> str | None:
        op = judged.operation
        existing = {table.lower() for table in judged.existing_tables}
        if isinstance(op, ExecuteDml):
            if op.filtered or op.table is None or op.table.lower() not in existing:
                return None
            what = "changes" if op.kind == "update" else "deletes"
            return (
                f"`{op.kind}()` of `{op.table}` without `.where(...)` {what} every row of `{op.table}`, which "
                "holds rows from before this revision; add the `.where(...)` that picks the rows "
                "meant (when every row is meant, say so with `# noqa: ORM740`, and batch it on a "
                "large table)"
            )
        if not isinstance(op, ExecuteSql):
            return None
        for statement in data_statements(op.text) or ():
            if statement.every_row and statement.kind != "INSERT" and statement.table_name in existing:
                return _detail(statement)
        return None


def _detail(statement: DataStatement) -> str:
    what = "changes" if statement.kind == "UPDATE" else "deletes"
    shown = statement.text if len(statement.text) <= 60 else statement.text[:57] + "..."
    return (
        f"`{shown}` has no WHERE: it {what} every row of `{statement.table}`, which holds rows "
        f"from before this revision; add the WHERE clause that picks the rows meant (when every "
        "row is meant, say so with `# noqa: ORM740`, and batch it on a large table)"
    )
