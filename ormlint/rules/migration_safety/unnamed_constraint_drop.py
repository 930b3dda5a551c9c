"""ORM735: `drop_constraint(None, ...)`, which no database can run."""

from __future__ import annotations

from ormlint.codes import DIALECTS
from ormlint.migrations.operations import DropConstraint
from ormlint.project import ProjectIndex
from ormlint.rules.base import example
from ormlint.rules.migration_safety.judged import INI, JudgedOperation, SafetyRule


class UnnamedConstraintDrop(SafetyRule):
    code = "ORM735"
    name = "unnamed-constraint-drop"
    summary = "a constraint dropped by the name None"
    catches = (
        "`op.drop_constraint(None, …)` of a foreign key, or `batch_op.drop_constraint(None, …)`: "
        "a constraint dropped by the name None cannot run (new revisions, any dialect)"
    )
    dialects = DIALECTS
    what_it_does = """
        Reports `op.drop_constraint(None, ...)` without `type_=` or with
        `type_="foreignkey"`, and `batch_op.drop_constraint(None, ...)` of any type.
        Autogenerate writes them for constraints the database reflected without a name
        (SQLite's foreign keys). Left alone: `op.drop_constraint(None, ...)` of a unique,
        check or primary key constraint outside batch mode, which a naming convention of the
        target metadata may name. Judged on new revisions only, as the other
        migration-safety rules (`--all-revisions` judges the whole history); any dialect.
        """
    why_bad = """
        The revision cannot run: SQLAlchemy cannot emit DROP CONSTRAINT for a constraint
        without a name (`CompileError: Can't emit DROP CONSTRAINT for constraint ...; it has
        no name`; a foreign-key naming convention with column tokens fails too, having no
        columns to fill them), and batch mode cannot find the constraint to leave out
        (`ValueError: Constraint must have a name`). Verified by this rule's oracle test.
        """
    fix_safety = (
        "No automatic fix: the name is the database's. Look it up (`sa.inspect(bind)"
        ".get_foreign_keys(table)`, `\\d table` in psql); for SQLite's unnamed constraints "
        "give `batch_alter_table` a `naming_convention=` and drop them by the name it gives."
    )
    references = (
        "https://alembic.sqlalchemy.org/en/latest/batch.html#dropping-unnamed-or-named-foreign-key-constraints",
        "https://alembic.sqlalchemy.org/en/latest/naming.html",
    )
    invalid = (
        example(INI + '''
        op.drop_constraint(None, "invoices", type_="foreignkey")  # ORM735
'''),
    )
    valid = (
        example(INI + '''
        op.drop_constraint("invoices_customer_id_fkey", "invoices", type_="foreignkey")
'''),
    )

    def judge(self, judged: JudgedOperation, index: ProjectIndex) -> str | None:
        op = judged.operation
        if not isinstance(op, DropConstraint) or op.name is not None:
            return None
        if not op.in_batch and op.type_ not in (None, "foreignkey"):
            return None
        kind = f"{op.type_} constraint" if op.type_ else "constraint"
        return (
            f"`drop_constraint` of a {kind} of `{op.table}` named None cannot run "
            "(CompileError: Can't emit DROP CONSTRAINT for a constraint without a name; in "
            "batch mode ValueError: Constraint must have a name); write the constraint's name "
            "as the database has it"
        )
