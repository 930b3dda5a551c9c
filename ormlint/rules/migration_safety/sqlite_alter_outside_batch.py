"""ORM730: on SQLite, an operation that needs ALTER support SQLite lacks, outside batch mode."""

from __future__ import annotations

from ormlint.migrations.operations import (
    AlterColumn, CreateForeignKey, CreatePrimaryKey, CreateUniqueConstraint, DropColumn,
    DropConstraint,
)
from ormlint.project import ProjectIndex
from ormlint.rules.base import example
from ormlint.rules.migration_safety.judged import INI, JudgedOperation, SafetyRule
from ormlint.schema import SchemaTable

_CONSTRAINT_OPERATIONS = {
    CreateUniqueConstraint: "create_unique_constraint",
    CreateForeignKey: "create_foreign_key",
    CreatePrimaryKey: "create_primary_key",
    DropConstraint: "drop_constraint",
}

# appended to the examples' INI: the rule judges SQLite targets only
SQLITE = '''
    # file: pyproject.toml
    [tool.ormlint]
    target-dialect = "sqlite"
''' + INI


class SqliteAlterOutsideBatch(SafetyRule):
    code = "ORM730"
    name = "sqlite-alter-outside-batch"
    summary = "on SQLite, a constraint or column change that only batch mode can run"
    catches = (
        "on SQLite targets, constraint and column changes outside `op.batch_alter_table` "
        "(Alembic raises NotImplementedError or SQLite fails) (new revisions, SQLite: "
        '`target-dialect = "sqlite"` or a `sqlite://` URL in alembic.ini/env.py)'
    )
    dialects = ("sqlite",)
    what_it_does = """
        On SQLite (`target-dialect = "sqlite"`, or unset and the environment's code names a
        `sqlite://` URL: alembic.ini, env.py, what env.py builds its URL from), reports outside
        `with op.batch_alter_table(...)`: `op.create_unique_constraint`, `op.create_foreign_key`,
        `op.create_primary_key` and `op.drop_constraint`; `op.alter_column` that changes
        `nullable=`, `type_=` or `server_default=`; and `op.drop_column` of a column the replay of the earlier
        revisions knows is a primary key, unique, indexed or has a foreign key. Left alone:
        `alter_column` that only renames (`RENAME COLUMN`, SQLite 3.25+), `drop_column` of a
        plain column (`DROP COLUMN`, SQLite 3.35+), and operations whose arguments cannot be
        read. Judged on new revisions only, as the other migration-safety rules (`--all-revisions`
        judges the whole history).
        """
    why_bad = """
        SQLite's ALTER TABLE can add, rename and drop plain columns and nothing else. Alembic
        refuses constraint operations (`NotImplementedError: No support for ALTER of
        constraints in SQLite dialect`), an ALTER COLUMN is a syntax error
        (`OperationalError: near "ALTER": syntax error`), and DROP COLUMN of a key, unique or
        indexed column fails (`cannot drop UNIQUE column`, `error in index ... after drop
        column`). The revision stops half applied (pysqlite runs DDL outside a transaction).
        Batch mode copies the table into a new one with the change instead. Verified by this
        rule's oracle test on SQLite.
        """
    fix_safety = (
        "No automatic fix. Batch mode recreates the table: on a large table it takes time, and "
        "unnamed constraints it must find need a `naming_convention=`."
    )
    references = (
        "https://alembic.sqlalchemy.org/en/latest/batch.html",
        "https://www.sqlite.org/lang_altertable.html",
    )
    invalid = (
        example(SQLITE + '''
        op.create_unique_constraint("uq_invoices_number", "invoices", ["number"])  # ORM730
'''),
        example(SQLITE + '''
        op.alter_column("invoices", "number", nullable=True)  # ORM730
'''),
        example(SQLITE.replace('''            sa.PrimaryKeyConstraint("id"),
        )''', '''            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("number"),
        )''') + '''
        op.drop_column("invoices", "number")  # ORM730
'''),
    )
    valid = (
        example(SQLITE + '''
        with op.batch_alter_table("invoices") as batch_op:
            batch_op.create_unique_constraint("uq_invoices_number", ["number"])
            batch_op.alter_column("number", nullable=True)
'''),
        # SQLite renames a column, and drops a plain one, in place
        example(SQLITE + '''
        op.alter_column("invoices", "number", new_column_name="code")
        op.drop_column("invoices", "code")
'''),
    )

    def judge(self, judged: JudgedOperation, index: ProjectIndex) -> str | None:
        op = judged.operation
        batch = f'`with op.batch_alter_table("{getattr(op, "table", "")}") as batch_op:`'
        verb = _CONSTRAINT_OPERATIONS.get(type(op))
        if verb is not None and not op.in_batch:
            return (
                f"`op.{verb}` fails on SQLite (NotImplementedError: No support for ALTER of "
                f"constraints in SQLite dialect); write `batch_op.{verb}(...)` inside {batch}"
            )
        if isinstance(op, AlterColumn) and not op.in_batch and (
            op.nullable is not None or op.type_given or op.server_default_given
        ):
            return (
                f"`op.alter_column` of `{op.table}.{op.column}` fails on SQLite, which has no "
                f"ALTER COLUMN (OperationalError: near \"ALTER\": syntax error); write "
                f"`batch_op.alter_column(\"{op.column}\", ...)` inside {batch}"
            )
        if isinstance(op, DropColumn) and not op.in_batch and judged.table_before is not None:
            role = _column_role(judged.table_before, op.column)
            if role is None:
                return None
            what, index_name = role
            fix = f"`batch_op.drop_column(\"{op.column}\")` inside {batch}"
            if index_name is not None:  # batch mode recreates the table's indexes
                drop_index = f"`batch_op.drop_index(\"{index_name}\")`" if index_name else "a drop of its index"
                fix = f"{drop_index} and then " + fix
            return (
                f"`op.drop_column` of `{op.table}.{op.column}`, {what}, fails on SQLite "
                f"(its DROP COLUMN drops plain columns only); write {fix}"
            )
        return None


def _column_role(table: SchemaTable, name: str) -> tuple[str, str | None] | None:
    """Why SQLite's DROP COLUMN refuses the column, as the replay knows it, and the index that
    must be dropped first (batch mode would recreate it; "": unnamed); None: a plain column (or
    not known)."""
    column = table.columns.get(name)
    if column is None:
        return None
    if column.primary_key:
        return "a primary key", None
    if table.indexes_known:
        for found in table.indexes:
            if found.columns is not None and name in found.columns:
                if found.kind == "unique_constraint":
                    return "a unique column", None
                return "an indexed column", found.name or ""
    if table.foreign_keys_known and (
        column.foreign_key or any(name in fk.columns for fk in table.foreign_keys)
    ):
        return "a column with a foreign key", None
    return None
