"""ORM732: a rename or drop of a table or column that application code maps."""

from __future__ import annotations

from ormlint.migrations.operations import AddColumn, AlterColumn, DropColumn, DropTable, RenameTable
from ormlint.project import ProjectIndex
from ormlint.rules.base import example
from ormlint.rules.migration_safety.judged import (
    INI, SCOPE, JudgedOperation, SafetyRule, operations_before,
)
from ormlint.schema import Schema

_MODELS = '''
    # file: models.py
    import sqlalchemy as sa
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


    class Base(DeclarativeBase):
        pass


    class Invoice(Base):
        __tablename__ = "invoices"
        id: Mapped[int] = mapped_column(primary_key=True)
        number: Mapped[str] = mapped_column(sa.String(20))
'''


class RenameOrDropOfMappedName(SafetyRule):
    code = "ORM732"
    name = "rename-or-drop-of-mapped-name"
    summary = "a table or column that a model maps is dropped or renamed"
    catches = (
        "`drop_table`/`drop_column`/a rename of a table or column a model still maps: running "
        "code fails once the revision runs; deploy the model change first (new revisions)"
    )
    what_it_does = """
        Reports, on a table an earlier revision created: `op.drop_table` /
        `op.drop_column` of a table or column that a model (or a `Table()`) of the project
        still maps, and that no later revision brings back; `op.rename_table` /
        `op.alter_column(new_column_name=...)` (and their `batch_op` forms) when a model maps
        the old name (the message says that the current code then breaks too) or the new one.
        A drop of a name no model maps any more is the normal end of an expand/contract
        change and is left alone, as are names the models cannot be read for and columns an
        earlier operation of the same revision added (no running code knows them).
        """ + SCOPE
    why_bad = """
        A model that maps a dropped column selects it in every query of its class:
        `UndefinedColumn: column invoices.number does not exist` once the revision runs, and
        a dropped table fails the same way (`UndefinedTable`). A rename breaks in both
        directions: the code that runs while the deploy rolls out queries the old name, the
        new code the new one, and no moment suits both. Verified by this rule's oracle test
        on PostgreSQL 15 (the old mapping failing after the rename and the drop).
        """
    fix_safety = (
        "No automatic fix. Expand and contract: remove the column from the model and deploy "
        "that, then drop it in a later revision; for a rename, add the new column, write both, "
        "backfill, move the reads, and drop the old one last."
    )
    references = (
        "https://www.postgresql.org/docs/current/sql-altertable.html",
        "https://docs.sqlalchemy.org/en/20/orm/queryguide/columns.html#deferred-column-loading",
    )
    # (a drop the model still maps is also drift, ORM703: the examples stay on renames)
    invalid = (
        example(_MODELS.replace("number: Mapped", "code: Mapped") + INI + '''
        op.alter_column("invoices", "number", new_column_name="code")  # ORM732
'''),
    )
    valid = (
        # the model no longer maps the column: the contract step of expand/contract
        example(_MODELS.replace(
            '        number: Mapped[str] = mapped_column(sa.String(20))\n', ''
        ) + INI + '''
        op.drop_column("invoices", "number")
'''),
    )

    def judge(self, judged: JudgedOperation, index: ProjectIndex) -> str | None:
        op = judged.operation
        if isinstance(op, DropTable):
            table, column, new_name = op.table, None, None
        elif isinstance(op, DropColumn):
            table, column, new_name = op.table, op.column, None
        elif isinstance(op, RenameTable):
            table, column, new_name = op.table, None, op.new_name
        elif isinstance(op, AlterColumn) and op.new_name is not None:
            table, column, new_name = op.table, op.column, op.new_name
        else:
            return None
        if table not in judged.existing_tables:
            return None
        if column is not None and _made_earlier_in_the_revision(judged):
            return None  # no code deployed before the revision knows the name
        head = _head_schema(index, judged.revision.path)
        if head is None or head.uncertain:
            return None
        old = f"`{table}.{column}`" if column else f"table `{table}`"
        mapper = _mapper(index, table, column)
        if mapper is not None and not _at_head(head, table, column):
            still = (
                f"{mapper} still maps {old}, which no later revision brings back: every query "
                "of it fails once this revision runs"
            )
            if new_name is None:
                verb = "drop_column" if column else "drop_table"
                return (
                    f"`{verb}` of {old}: {still}; remove it from the model and deploy that "
                    "first, then drop it in a later revision"
                )
            return (
                f"rename of {old} to `{new_name}`: {still}, and code deployed before it queries "
                "the old name until it is replaced; add the new name beside the old one, "
                "write both, backfill, and drop the old one last"
            )
        if new_name is None:
            return None
        mapper = _mapper(index, new_name if column is None else table, new_name if column else None)
        if mapper is None:
            return None
        return (
            f"rename of {old} to `{new_name}`: the code that runs while the deploy rolls out "
            f"queries the old name and fails from the moment this revision runs ({mapper} maps "
            "the new one); add the new name beside the old one, write both, backfill, and drop "
            "the old one in a later release"
        )


def _made_earlier_in_the_revision(judged: JudgedOperation) -> bool:
    """Did an earlier operation of the revision add the column (or rename another to it)?"""
    op = judged.operation
    for earlier in operations_before(judged):
        if isinstance(earlier, AddColumn) and earlier.table == op.table and earlier.column.name == op.column:
            return True
        if isinstance(earlier, AlterColumn) and earlier.table == op.table and earlier.new_name == op.column:
            return True
    return False


def _head_schema(index: ProjectIndex, revision_path: str) -> Schema | None:
    """The schema the migrations of the revision's script directory build at their head."""
    for directory in index.migrations.directories if index.migrations is not None else ():
        if revision_path in directory.paths:
            return directory.schema
    return None


def _at_head(head: Schema, table: str, column: str | None) -> bool:
    """Does the head of the migrations have the table (column), or is that not known?"""
    found = head.tables.get(table)
    if found is None:
        return False
    return column is None or found.uncertain or column in found.columns


def _mapper(index: ProjectIndex, table: str, column: str | None) -> str | None:
    """The model class (or `Table()`) of the project that maps `table` (and `column`)."""
    from ormlint.drift import models_index

    for path, class_name, columns in models_index(index).tables().get(table, []):
        if column is None or any(facts.name == column for facts in columns):
            return f"the model `{class_name}`" if class_name else f"the `Table()` in {path}"
    return None
