"""ORM731: a column with a volatile server default added to a table that already exists."""

from __future__ import annotations

import re

from ormlint.migrations.operations import AddColumn
from ormlint.project import ProjectIndex
from ormlint.rules.base import example
from ormlint.rules.migration_safety.judged import INI, SCOPE, JudgedOperation, SafetyRule

# PostgreSQL functions marked VOLATILE (pg_proc.provolatile = 'v', checked by the oracle test)
# that server defaults call; now(), CURRENT_TIMESTAMP and statement_timestamp() are STABLE
_VOLATILE_CALL = re.compile(
    r"(?<![\w.])(?:pg_catalog\.)?(gen_random_uuid|uuid_generate_v1|uuid_generate_v1mc|"
    r"uuid_generate_v4|random|clock_timestamp|timeofday|nextval)\s*\(",
    re.I,
)
_QUOTED = re.compile(r"'(?:[^']|'')*'")


def volatile_call(server_default: str) -> str | None:
    """The first volatile function the default's SQL calls (outside string literals)."""
    found = _VOLATILE_CALL.search(_QUOTED.sub("''", server_default))
    return found.group(1) + "()" if found else None


class VolatileDefaultRewritesTable(SafetyRule):
    code = "ORM731"
    name = "volatile-default-rewrites-table"
    summary = "a column with a volatile server default added to a table that already exists"
    catches = (
        "a column added to an existing table with a volatile server default "
        "(`gen_random_uuid()`, `random()`, `clock_timestamp()`): a table rewrite under ACCESS "
        "EXCLUSIVE (new revisions, PostgreSQL)"
    )
    what_it_does = """
        Reports `op.add_column` / `batch_op.add_column` of a column whose `server_default=`
        calls a volatile function (`gen_random_uuid()`, `uuid_generate_v4()`, `random()`,
        `clock_timestamp()`, `timeofday()`, `nextval()`), on a table an earlier revision
        created. Constant and STABLE defaults (`now()`, `CURRENT_TIMESTAMP`) are left alone:
        PostgreSQL 11+ stores them once without touching the rows. With `[tool.ormlint]
        target-version` below 11, every server default but NULL is reported: older servers
        write it into every row (PostgreSQL 11 release notes).
        """ + SCOPE
    why_bad = """
        A volatile default gives every existing row its own value, so PostgreSQL rewrites the
        whole table (a new file: `pg_class.relfilenode` changes) while it holds an ACCESS
        EXCLUSIVE lock: no reads or writes until every row is copied, minutes on a large table.
        Verified by this rule's oracle test on PostgreSQL 15 (the relfilenode and the lock,
        and a STABLE default that changes neither).
        """
    fix_safety = (
        "No automatic fix: existing rows then need their values another way. Add the column "
        "without a server default, set the default with `op.alter_column` (it applies to new "
        "rows only: no rewrite), and fill the existing rows in batches."
    )
    references = (
        "https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES",
        "https://www.postgresql.org/docs/current/xfunc-volatility.html",
        "https://www.postgresql.org/docs/release/11.0/",
    )
    invalid = (
        example(INI + '''
        op.add_column(  # ORM731
            "invoices",
            sa.Column("token", sa.Uuid(), server_default=sa.text("gen_random_uuid()")),
        )
'''),
    )
    valid = (
        example(INI + '''
        op.add_column("invoices", sa.Column("token", sa.Uuid(), nullable=True))
        op.alter_column("invoices", "token", server_default=sa.text("gen_random_uuid()"))
'''),
        # a STABLE default is stored once: no rewrite
        example(INI + '''
        op.add_column(
            "invoices",
            sa.Column("created_at", sa.DateTime(), server_default=sa.text("now()")),
        )
'''),
    )

    def judge(self, judged: JudgedOperation, index: ProjectIndex) -> str | None:
        op = judged.operation
        if (
            not isinstance(op, AddColumn) or op.uncertain or op.column.server_default is None
            or op.table not in judged.existing_tables or op.table in judged.dropped_later
        ):
            return None
        function = volatile_call(op.column.server_default)
        column = op.column.name
        version = self.options.target_version
        if function is None:
            if version is None or version >= (11, 0) or op.column.server_default.upper() == "NULL":
                return None
            return (
                f"`add_column` of `{column}` with a server default rewrites `{op.table}`, which an "
                f"earlier revision created, under an ACCESS EXCLUSIVE lock: PostgreSQL "
                f"{version[0]}.{version[1]} (target-version) writes the default into every row "
                "(11+ does not); add the column without `server_default=`, then "
                f"`op.alter_column(\"{op.table}\", \"{column}\", server_default=...)` (new rows only) "
                "and fill the existing rows in batches"
            )
        return (
            f"`add_column` of `{column}` with the volatile server default `{function}` rewrites "
            f"`{op.table}`, which an earlier revision created, under an ACCESS EXCLUSIVE lock "
            "(every row gets its own value); add the column without `server_default=`, then "
            f"`op.alter_column(\"{op.table}\", \"{column}\", server_default=...)` (new rows only) "
            "and fill the existing rows in batches"
        )
