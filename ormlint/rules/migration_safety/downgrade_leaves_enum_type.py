"""ORM737: downgrade() drops what uses an enum type that upgrade() creates, but not the type."""

from __future__ import annotations

from typing import Iterator

from ormlint.migrations.operations import AddColumn, CreateTable, DropColumn, DropTable
from ormlint.project import ProjectIndex
from ormlint.schema import sql_type_name
from ormlint.rules.base import ProjectViolation, example
from ormlint.rules.migration_safety.enum_types import (
    JudgedRevision, apply_event, judged_enum_revisions, type_events,
)
from ormlint.rules.migration_safety.judged import SCOPE, SafetyRule, _flattened

_REVISION = '''
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
            sa.Column("id", sa.Integer(), primary_key=True),
            sa.Column("status", sa.Enum("draft", "paid", name="invoice_status"), nullable=False),
        )


    def downgrade():
'''


class DowngradeLeavesEnumType(SafetyRule):
    code = "ORM737"
    name = "downgrade-leaves-enum-type"
    summary = "downgrade() drops the table or column of an enum type upgrade() creates, not the type"
    catches = (
        "`downgrade()` drops the table (or column) of a named enum type that `upgrade()` "
        "creates but not the type: upgrading again fails with DuplicateObject (new "
        "revisions, PostgreSQL)"
    )
    what_it_does = """
        Reports the `op.drop_table` or `op.drop_column` in `downgrade()` that drops the last
        table or column of a named enum type (`sa.Enum(..., name=...)`,
        `postgresql.ENUM(...)`) that the revision's `upgrade()` creates unconditionally (with
        `op.create_table`, `sa.Enum(...).create(bind)` or `CREATE TYPE`), when `downgrade()`
        never drops the type (`<enum>.drop(bind)`, `DROP TYPE`). Left alone: types an
        earlier revision created or used, types created with `checkfirst=True` (or
        `postgresql.ENUM(...).create(bind)`, which checks first), a `downgrade()` that keeps
        a table or column of the type, and one with SQL or code that may drop any type.
        """ + SCOPE
    why_bad = """
        Neither `op.drop_table` nor `op.drop_column` drops the type, so after a downgrade it
        is left behind, and the next `upgrade` (a redeploy, a CI job that goes down and up)
        fails: `DuplicateObject: type "invoice_status" already exists`. Verified by this
        rule's oracle test on PostgreSQL 15 (upgrade, downgrade, upgrade).
        """
    fix_safety = (
        "No automatic fix (revisions are never rewritten). Drop the type after its last "
        "table or column: `op.execute(\"DROP TYPE invoice_status\")` or "
        "`sa.Enum(name=\"invoice_status\").drop(op.get_bind())`."
    )
    references = (
        "https://alembic.sqlalchemy.org/en/latest/ops.html#alembic.operations.Operations.drop_table",
        "https://www.postgresql.org/docs/current/sql-droptype.html",
    )
    invalid = (
        example(_REVISION + '''
        op.drop_table("invoices")  # ORM737
'''),
    )
    valid = (
        example(_REVISION + '''
        op.drop_table("invoices")
        op.execute("DROP TYPE invoice_status")
'''),
        example(_REVISION + '''
        op.drop_table("invoices")
        sa.Enum(name="invoice_status").drop(op.get_bind())
'''),
    )

    def check_project(self, index: ProjectIndex) -> Iterator[ProjectViolation]:
        if index.migrations is None:
            return
        for judged in judged_enum_revisions(index, self.options):
            if judged.dialect not in self.dialects:
                continue
            yield from self.judge_downgrade(judged)

    def judge_downgrade(self, judged: JudgedRevision) -> Iterator[ProjectViolation]:
        downgrade = judged.revision.downgrade_operations
        if downgrade is None:
            return
        created: set[str] = set()  # the types upgrade() creates whatever is there
        users: dict[str, set[tuple[str, str | None]]] = {}  # type -> its (table, column)s
        types = dict(judged.types_before)
        for op in judged.operations:
            columns = op.columns if isinstance(op, CreateTable) else (
                (op.column,) if isinstance(op, AddColumn) else ()
            )
            for column in columns:
                if column.enum_type is not None:
                    users.setdefault(column.enum_type.name, set()).add((op.table, column.name))
            for event in type_events((op,)):
                new = event.name not in types and event.name not in judged.named_before
                if event.kind == "created" and new and event.checkfirst is False:
                    created.add(event.name)  # type: ignore[arg-type]
                elif event.kind in ("dropped", "maybe", "unknown"):
                    created.discard(event.name)  # type: ignore[arg-type]
                apply_event(types, event, judged.revision)
        operations = list(_flattened(downgrade, judged.dialect))
        events = list(type_events(operations))
        if not created or any(event.kind == "unknown" for event in events):
            return
        kept = {name: set(users.get(name, ())) for name in created - {e.name for e in events}}
        for op in operations:
            if isinstance(op, DropTable):
                gone = {(op.table, None)}
            elif isinstance(op, DropColumn):
                gone = {(op.table, op.column)}
            else:
                continue
            for name, left in kept.items():
                before = len(left)
                left -= {use for use in left if (use[0], None) in gone or use in gone}
                if before and not left:
                    yield self.project_violation(judged.revision.path, op.location, detail=_detail(op, name))


def _detail(op: DropTable | DropColumn, name: str) -> str:
    what = f"table `{op.table}`" if isinstance(op, DropTable) else f"column `{op.table}.{op.column}`"
    statement = f"DROP TYPE {sql_type_name(name)}"
    return (
        f"downgrade() drops {what} but leaves enum type `{name}`, which upgrade() creates: "
        f'the next upgrade fails with DuplicateObject (type "{name}" already exists); drop '
        f'the type after it, with `op.execute({_python_string(statement)})` or '
        f'`sa.Enum(name="{name}").drop(op.get_bind())`'
    )



def _python_string(text: str) -> str:
    return f'"{text}"' if '"' not in text else repr(text)
