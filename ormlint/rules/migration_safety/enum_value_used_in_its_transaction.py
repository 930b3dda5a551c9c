"""ORM734: a PostgreSQL enum value added inside the migration's transaction, and used in it."""

from __future__ import annotations

import re

from ormlint.migrations.operations import ExecuteSql
from ormlint.project import ProjectIndex
from ormlint.rules.base import example
from ormlint.rules.migration_safety.judged import (
    INI, SCOPE, JudgedOperation, SafetyRule, operations_after, runs_outside_a_transaction,
)

_ADD_VALUE = re.compile(
    r"ALTER\s+TYPE\s+([\w\".]+)\s+ADD\s+VALUE\s+(?:IF\s+NOT\s+EXISTS\s+)?('(?:[^']|'')*')", re.I,
)


class EnumValueUsedInItsTransaction(SafetyRule):
    code = "ORM734"
    name = "enum-value-used-in-its-transaction"
    summary = "an enum value added with ALTER TYPE ... ADD VALUE is used in the same transaction"
    catches = (
        "`ALTER TYPE … ADD VALUE` outside an autocommit block when the revision then uses the "
        'value ("unsafe use of new value") (new revisions, PostgreSQL)'
    )
    what_it_does = """
        Reports `op.execute("ALTER TYPE <type> ADD VALUE '<value>'")` outside
        `with op.get_context().autocommit_block():` when SQL that the same revision runs
        after it (the rest of that statement, or a later `op.execute`) writes the value's
        literal `'<value>'`. Left alone: an ADD VALUE that nothing later in the revision uses
        (PostgreSQL 12+ runs it in a transaction), and env.py running the migrations outside a
        transaction (`AUTOCOMMIT`, `transactional_ddl=False`).
        """ + SCOPE
    why_bad = """
        A value added in a transaction cannot be used until that transaction commits:
        `UnsafeNewEnumValueUsage: unsafe use of new value "archived" of enum type status`
        (before PostgreSQL 12 the ALTER TYPE itself fails in a transaction block). Alembic runs
        the revision in one transaction, so its UPDATE to the new value always fails. Verified
        by this rule's oracle test on PostgreSQL 15.
        """
    fix_safety = (
        "No automatic fix. In the autocommit block the value is committed at once and stays "
        "if the rest of the revision fails (`ADD VALUE IF NOT EXISTS` makes a retry safe)."
    )
    references = (
        "https://www.postgresql.org/docs/current/sql-altertype.html#SQL-ALTERTYPE-NOTES",
        "https://alembic.sqlalchemy.org/en/latest/api/runtime.html#alembic.runtime.migration.MigrationContext.autocommit_block",
    )
    invalid = (
        example(INI + '''
        op.execute("ALTER TYPE status ADD VALUE 'archived'")  # ORM734
        op.execute("UPDATE invoices SET status = 'archived' WHERE number LIKE 'old-%'")
'''),
    )
    valid = (
        example(INI + '''
        with op.get_context().autocommit_block():
            op.execute("ALTER TYPE status ADD VALUE IF NOT EXISTS 'archived'")
        op.execute("UPDATE invoices SET status = 'archived' WHERE number LIKE 'old-%'")
'''),
        # nothing in the revision uses the value (PostgreSQL 12+)
        example(INI + '''
        op.execute("ALTER TYPE status ADD VALUE 'archived'")
'''),
    )

    def judge(self, judged: JudgedOperation, index: ProjectIndex) -> str | None:
        op = judged.operation
        if not isinstance(op, ExecuteSql) or op.autocommit_block or runs_outside_a_transaction(judged):
            return None
        later_texts = [
            o.text for o in operations_after(judged) if isinstance(o, ExecuteSql)
        ]
        for added in _ADD_VALUE.finditer(op.text):
            type_name, literal = added.group(1), added.group(2)
            later = (op.text[added.end():], *later_texts)
            # another ADD VALUE of the same literal (to another type) is no use of this one
            if any(literal in _ADD_VALUE.sub("", text) for text in later):
                return (
                    f"the value {literal} added to enum type `{type_name}` is used later in "
                    "the same transaction, which PostgreSQL refuses (UnsafeNewEnumValueUsage: "
                    "new enum values must be committed before they can be used); run the "
                    "ALTER TYPE inside `with op.get_context().autocommit_block():`"
                )
        return None
