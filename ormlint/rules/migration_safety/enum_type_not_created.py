"""ORM738: `op.add_column` of a named PostgreSQL enum type that nothing created."""

from __future__ import annotations

from typing import Iterator

from ormlint.migrations.operations import AddColumn, CreateTable
from ormlint.project import ProjectIndex
from ormlint.rules.base import ProjectViolation, example
from ormlint.rules.migration_safety.enum_types import judged_enum_revisions, type_events
from ormlint.rules.migration_safety.judged import INI, SCOPE, SafetyRule


class EnumTypeNotCreated(SafetyRule):
    code = "ORM738"
    name = "enum-type-not-created"
    summary = "`op.add_column` uses a named PostgreSQL enum type that no revision created"
    catches = (
        "`op.add_column` of a named `sa.Enum`/`postgresql.ENUM` column whose type no earlier "
        "revision and no earlier operation of this one created: add_column never creates it, "
        "UndefinedObject (new revisions, PostgreSQL)"
    )
    what_it_does = """
        Reports `op.add_column` (or `batch_op.add_column`) of a column whose type is a named
        `sa.Enum(..., name="status")`, `sa.Enum(Status)` or `postgresql.ENUM(...)` when the
        type does not exist yet: no earlier revision names it (in a table, `.create(bind)`,
        `CREATE TYPE` ...) and no earlier operation of this revision creates it, on a table
        the history itself created. Left alone: `native_enum=False` (no type), histories
        with SQL or code that may have created any type, revisions of an incomplete graph,
        and columns of tables the history did not create (the database predates it, and so
        may its types).
        """ + SCOPE
    why_bad = """
        Unlike `op.create_table`, `op.add_column` emits only `ALTER TABLE ... ADD COLUMN`:
        SQLAlchemy's event that creates an enum's type runs for CREATE TABLE alone. On
        PostgreSQL the revision then fails with `UndefinedObject: type "status" does not
        exist`. Autogenerate writes exactly this `op.add_column` when a model gains an
        enum column. Verified by this rule's oracle test on PostgreSQL 15.
        """
    fix_safety = (
        "No automatic fix (revisions are never rewritten). Create the type first, in the same "
        "revision: `status = postgresql.ENUM(\"draft\", \"paid\", name=\"status\")`, "
        "`status.create(op.get_bind(), checkfirst=True)`, then `op.add_column(...)`; drop it "
        "in `downgrade()` after the column (ORM737)."
    )
    references = (
        "https://docs.sqlalchemy.org/en/20/dialects/postgresql.html#sqlalchemy.dialects.postgresql.ENUM",
        "https://alembic.sqlalchemy.org/en/latest/ops.html#alembic.operations.Operations.add_column",
    )
    invalid = (
        example(INI + '''
        op.add_column(
            "invoices",
            sa.Column("status", sa.Enum("draft", "paid", name="invoice_status"), nullable=True),  # ORM738
        )
'''),
    )
    valid = (
        example(INI + '''
        from sqlalchemy.dialects import postgresql

        status = postgresql.ENUM("draft", "paid", name="invoice_status")
        status.create(op.get_bind(), checkfirst=True)
        op.add_column("invoices", sa.Column("status", status, nullable=True))
'''),
        # a type with no database object
        example(INI + '''
        op.add_column(
            "invoices",
            sa.Column("status", sa.Enum("draft", "paid", name="invoice_status", native_enum=False)),
        )
'''),
    )

    def check_project(self, index: ProjectIndex) -> Iterator[ProjectViolation]:
        if index.migrations is None:
            return
        for judged in judged_enum_revisions(index, self.options):
            if judged.dialect not in self.dialects or not judged.types_certain:
                continue
            named = set(judged.named_before)  # a type any ancestor names may exist
            tables = set(judged.tables_before)
            certain = True
            for op in judged.operations:
                enum = op.column.enum_type if isinstance(op, AddColumn) else None
                if certain and enum is not None and enum.name not in named and op.table in tables:
                    yield self.project_violation(judged.revision.path, op.column.location, detail=(
                        f'`op.add_column("{op.table}", ...)` uses enum type `{enum.name}`, which '
                        "no revision created, and add_column never creates it: PostgreSQL fails "
                        f'with UndefinedObject (type "{enum.name}" does not exist); create it '
                        f'first with `postgresql.ENUM(..., name="{enum.name}")'
                        '.create(op.get_bind(), checkfirst=True)`'
                    ))
                if isinstance(op, CreateTable):
                    tables.add(op.table)
                for event in type_events((op,)):
                    if event.kind == "unknown":
                        certain = False
                    elif event.name is not None:
                        named.add(event.name)
