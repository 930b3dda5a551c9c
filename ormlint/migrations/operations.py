"""What a revision file says, as plain data: its header and the operations of its `upgrade()`
(and of its `downgrade()`, for the migration-safety rules).

Frozen and picklable, and free of libcst, so that a run whose revisions are all cached reads them
back without loading the parser. `ormlint.migrations.revisions` builds them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

from ormlint.facts import Location

NOWHERE = Location(1, 1, 1, 1)

# Alembic operation parameters (positional order); batch variants omit the table name. The
# revision reader and the language server's map of the names revisions write read them.
OPERATION_PARAMETERS: dict[str, tuple[str, ...]] = {
    "create_table": ("table_name",),
    "drop_table": ("table_name",),
    "rename_table": ("old_table_name", "new_table_name"),
    "add_column": ("table_name", "column"),
    "drop_column": ("table_name", "column_name"),
    "alter_column": ("table_name", "column_name"),
    "create_index": ("index_name", "table_name", "columns"),
    "drop_index": ("index_name", "table_name"),
    "create_unique_constraint": ("constraint_name", "table_name", "columns"),
    "create_foreign_key": (
        "constraint_name", "source_table", "referent_table", "local_cols", "remote_cols",
    ),
    "create_primary_key": ("constraint_name", "table_name", "columns"),
    "create_check_constraint": ("constraint_name", "table_name", "condition"),
    "drop_constraint": ("constraint_name", "table_name", "type_"),
    "create_table_comment": ("table_name", "comment"),
    "drop_table_comment": ("table_name",),
}
# the parameters naming the operation's own table (a batch operation takes none of them)
TABLE_PARAMETERS = frozenset({"table_name", "source_table", "old_table_name"})


# -- operations ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ForeignKeySpec:
    columns: tuple[str, ...]
    target_table: str
    target_columns: tuple[str, ...]
    ondelete: str | None  # upper-cased; None: none given
    name: str | None
    location: Location


@dataclass(frozen=True)
class IndexSpec:
    """An index or unique constraint declared inside `create_table`."""

    name: str | None
    columns: tuple[str, ...] | None  # None: an expression index
    unique: bool
    kind: str  # "index" or "unique_constraint"
    location: Location
    where: tuple[tuple[str, str | None], ...] = ()  # a partial index's (ormlint.schema.Predicates)


@dataclass(frozen=True)
class CheckSpec:
    """A `sa.CheckConstraint(...)` inside `sa.Column` or `create_table`."""

    name: str | None
    sql: str | None  # None: not a literal string
    location: Location


@dataclass(frozen=True)
class EnumType:
    """The named PostgreSQL enum type of a column: `sa.Enum(..., name="status")`,
    `postgresql.ENUM(...)`, `sa.Enum(Status)` (named after the class), or one in `ARRAY(...)`."""

    name: str  # as PostgreSQL stores it, schema-qualified when `schema=` is given
    # Does `op.create_table` emit CREATE TYPE for it (the type's before-create event)? False
    # with `create_type=False`; None when that is not a literal. `op.add_column` never does.
    created_with_table: bool | None
    values: tuple[str, ...] | None = None  # its labels, when literal strings (ORM717); None: not known


@dataclass(frozen=True)
class ColumnSpec:
    """A `sa.Column(...)` as SQLAlchemy would build it."""

    name: str
    type: str | None  # normalised (ormlint.schema.sql_type); None: unknown or not given
    nullable: bool | None  # as SQLAlchemy derives it (default True, primary key False); None: unknown
    primary_key: bool
    server_default: str | None
    server_default_known: bool
    unique: bool | None  # `unique=True`; None: not a literal
    index: bool | None  # `index=True`; None: not a literal
    foreign_keys: tuple[ForeignKeySpec, ...]
    location: Location
    # Something other than `server_default=` may give existing rows a value: a positional
    # `DefaultClause`/`FetchedValue`, `Identity()`, `Computed()`, `Sequence()` (or an argument
    # that could not be read). Only the migration-safety rules read it.
    other_value_source: bool = False
    python_default: bool = False  # `default=` given: applied by SQLAlchemy, never in the DDL
    checks: tuple[CheckSpec, ...] = ()
    comment: str | None = None
    comment_known: bool = True  # False: `comment=` is not a literal
    # Computed / Identity / Sequence, as ColumnFacts holds them (ormlint.generated_columns)
    computed: tuple[str, bool | None] | None = None
    identity: tuple[tuple[str, bool | int], ...] | None = None
    sequence: str | None = None
    generated_known: bool = True
    autoincrement: bool = True  # False: `autoincrement=` rules out SERIAL
    enum_type: EnumType | None = None  # None: not a named native enum (or not known to be one)


@dataclass(frozen=True)
class CreateTable:
    table: str
    columns: tuple[ColumnSpec, ...]
    foreign_keys: tuple[ForeignKeySpec, ...]  # table-level ForeignKeyConstraint
    indexes: tuple[IndexSpec, ...]  # table-level UniqueConstraint / Index
    location: Location
    uncertain: bool = False  # an element could not be read: the table's facts are not all known
    indexes_known: bool = True
    foreign_keys_known: bool = True
    checks: tuple[CheckSpec, ...] = ()  # table-level CheckConstraints
    comment: str | None = None
    comment_known: bool = True
    primary_key_name: str | None = None  # `sa.PrimaryKeyConstraint(..., name=...)`
    primary_key_name_known: bool = True  # False: a name that is not a literal


@dataclass(frozen=True)
class TableComment:
    """`op.create_table_comment(table, comment)` / `op.drop_table_comment(table)` (comment None)."""

    table: str
    comment: str | None
    location: Location
    comment_known: bool = True


@dataclass(frozen=True)
class DropTable:
    table: str
    location: Location


@dataclass(frozen=True)
class RenameTable:
    table: str
    new_name: str
    location: Location


@dataclass(frozen=True)
class AddColumn:
    table: str
    column: ColumnSpec
    location: Location
    uncertain: bool = False
    indexes_known: bool = True
    foreign_keys_known: bool = True


@dataclass(frozen=True)
class DropColumn:
    table: str
    column: str
    location: Location
    in_batch: bool = False  # inside `with op.batch_alter_table(...)` (SQLite recreates the table)


@dataclass(frozen=True)
class AlterColumn:
    table: str
    column: str
    location: Location
    nullable: bool | None = None  # None: not changed
    type_given: bool = False
    type: str | None = None  # when type_given: the new type (None: unknown)
    server_default_given: bool = False  # `server_default=None` is given: the default is dropped
    server_default: str | None = None
    server_default_known: bool = True
    new_name: str | None = None
    # what the call says the column was (`existing_type=`, `existing_nullable=`); None: not
    # given or not a literal
    existing_type: str | None = None
    existing_nullable: bool | None = None
    using: bool = False  # `postgresql_using=` given: PostgreSQL converts the values with it
    in_batch: bool = False
    comment_given: bool = False  # `comment=` given (None drops the comment)
    # `server_default=sa.Identity(...)` (or None with `existing_server_default=sa.Identity(...)`):
    # the column's Identity options become `identity` (None: dropped; not known unless identity_known)
    identity_given: bool = False
    identity: tuple[tuple[str, bool | int], ...] | None = None
    identity_known: bool = True
    comment: str | None = None
    comment_known: bool = True
    enum_type: EnumType | None = None  # when type_given: the new type's named enum, if known


@dataclass(frozen=True)
class CreateIndex:
    name: str | None
    table: str
    columns: tuple[str, ...] | None  # None: an expression index (`sa.text(...)` element)
    unique: bool
    location: Location
    # `postgresql_concurrently=`: True, False (also not given), None (not a literal)
    concurrently: bool | None = False
    # inside `with op.get_context().autocommit_block():` (outside the migration's transaction)
    autocommit_block: bool = False
    where: tuple[tuple[str, str | None], ...] = ()  # a partial index's (ormlint.schema.Predicates)


@dataclass(frozen=True)
class DropIndex:
    name: str
    table: str | None  # None: not given (`op.drop_index("ix")`)
    location: Location
    concurrently: bool | None = False  # as for CreateIndex
    autocommit_block: bool = False


@dataclass(frozen=True)
class CreateUniqueConstraint:
    name: str | None
    table: str
    columns: tuple[str, ...]
    location: Location
    in_batch: bool = False


@dataclass(frozen=True)
class CreateForeignKey:
    name: str | None
    table: str
    target_table: str
    columns: tuple[str, ...]
    target_columns: tuple[str, ...]
    ondelete: str | None
    location: Location
    # `postgresql_not_valid=`: True, False (also not given), None (not a literal)
    not_valid: bool | None = False
    in_batch: bool = False


@dataclass(frozen=True)
class CreatePrimaryKey:
    name: str | None
    table: str
    columns: tuple[str, ...]
    location: Location
    in_batch: bool = False


@dataclass(frozen=True)
class CreateCheckConstraint:
    name: str | None
    table: str
    condition: str | None  # the condition's SQL text when a literal, else None
    location: Location
    not_valid: bool | None = False  # as for CreateForeignKey


@dataclass(frozen=True)
class ValidateConstraint:
    """`op.execute("ALTER TABLE t VALIDATE CONSTRAINT c")`."""

    table: str
    name: str
    location: Location
    autocommit_block: bool = False  # as for CreateIndex


@dataclass(frozen=True)
class DropConstraint:
    name: str | None
    table: str
    type_: str | None  # "foreignkey", "unique", "primary", "check" or None (not given)
    location: Location
    in_batch: bool = False


@dataclass(frozen=True)
class Uncertain:
    """Something that may change the schema and was not interpreted."""

    table: str | None  # None: the whole schema (the set of tables) is uncertain
    reason: str
    location: Location
    part: str | None = None  # "indexes" / "foreign_keys": only that part of the table is unknown


@dataclass(frozen=True)
class ExecuteSql:
    """A literal SQL text that `op.execute(...)` runs (what it may change is recorded beside it,
    as Uncertain): the data changes and enum values the migration-safety rules read."""

    text: str
    location: Location
    autocommit_block: bool = False  # as for CreateIndex


@dataclass(frozen=True)
class ExecuteDml:
    """A Core `update()`/`delete()` construct that `op.execute(...)` runs (`t.update()`,
    `sa.delete(t)`...): read for the migration-safety rules only."""

    kind: str  # "update" or "delete"
    # the table's name when the revision binds `t` to `sa.table("name", ...)`, `sa.Table(...)`
    # or `op.create_table(...)`; None: not known
    table: str | None
    filtered: bool  # `.where(...)`, `.filter(...)` or `.filter_by(...)` somewhere in the chain
    location: Location
    autocommit_block: bool = False  # as for CreateIndex


@dataclass(frozen=True)
class BulkInsert:
    """`op.bulk_insert(table, rows)`: read for the migration-safety rules only."""

    table: str | None  # as for ExecuteDml
    # the rows are written out in the revision (a list or tuple display, or a comprehension
    # over one); False: computed when the revision runs, as many as the data gives
    fixed_rows: bool
    location: Location
    autocommit_block: bool = False  # as for CreateIndex


@dataclass(frozen=True)
class EnumTypeChange:
    """A named type created or dropped outside a table: `<enum>.create(bind)` / `.drop(bind)`
    (on `sa.Enum(...)`, `postgresql.ENUM(...)` or a name bound to one), `op.execute("CREATE
    TYPE x AS ENUM (...)")`, `"DROP TYPE x"`, `"ALTER TYPE x RENAME TO y"` (x dropped, y
    created); and a type's labels changed in SQL, `ALTER TYPE x ADD VALUE 'v'` ("add_value")
    and `RENAME VALUE 'a' TO 'b'` ("rename_value"), which create or drop no type (ORM717)."""

    action: str  # "create", "drop", "add_value" or "rename_value"
    name: str | None  # None: which type is not known (an f-string field, say)
    location: Location
    # only when the type is missing (create) or there (drop): `checkfirst=True` (the default of
    # `postgresql.ENUM`'s methods, not of `sa.Enum`'s), `DROP TYPE IF EXISTS`; None: not a literal
    checkfirst: bool | None = False
    certain: bool = True  # False: under a condition, it may not run
    # create: the type's labels (None: not known); add_value: (the label,), checkfirst meaning
    # IF NOT EXISTS; rename_value: (old label, new label)
    values: tuple[str, ...] | None = None
    # ALTER TYPE ... RENAME TO / SET SCHEMA: the type's other name (on the drop, the new one;
    # on the create, the old one): the type keeps its labels and its columns
    renamed: str | None = None


@dataclass(frozen=True)
class DialectBranch:
    """Operations that run on some database dialects only: `then` where the dialect is one of
    `dialects` (is none of them, when `negated`), `otherwise` elsewhere. Read from
    `if op.get_bind().dialect.name == "sqlite": ...` and from what follows an early `return`
    under such a test; the replay takes the branch the target dialect would."""

    dialects: tuple[str, ...]
    negated: bool
    then: tuple[Operation, ...]
    otherwise: tuple[Operation, ...]
    location: Location

    def taken(self, dialect: str) -> tuple[Operation, ...]:
        """The operations that run on a database of `dialect`."""
        return self.then if (dialect in self.dialects) != self.negated else self.otherwise


Operation = Union[
    CreateTable, DropTable, RenameTable, AddColumn, DropColumn, AlterColumn, CreateIndex,
    DropIndex, CreateUniqueConstraint, CreateForeignKey, CreatePrimaryKey, DropConstraint,
    Uncertain, DialectBranch, CreateCheckConstraint, ValidateConstraint, ExecuteSql, TableComment,
    ExecuteDml, EnumTypeChange, BulkInsert,
]
# Operations that change nothing the replay compares: read for the migration-safety rules only.
UNCOMPARED = (ValidateConstraint, ExecuteSql, ExecuteDml, EnumTypeChange, BulkInsert)


@dataclass(frozen=True)
class Revision:
    path: str
    revision: str | None  # None: not a revision file (no literal `revision = "..."`)
    down_revisions: tuple[str, ...]
    branch_labels: tuple[str, ...]
    depends_on: tuple[str, ...]
    location: Location  # the `revision = ...` assignment
    operations: tuple[Operation, ...]
    parsed: bool = True  # False: the file does not parse; nothing else is known
    # Why the header could not be read (a non-literal down_revision...); None: read.
    header_error: str | None = None
    error: str | None = None  # the syntax error, when not parsed
    # upgrade() is decorated or async: whether (and how) its body runs is not known
    wrapped_upgrade: bool = False
    # what downgrade() does, read as upgrade() is (the replay never reads it); None: no
    # downgrade(), or a decorated or async one
    downgrade_operations: tuple[Operation, ...] | None = None
    # The databases whose own types the file imports (`from sqlalchemy.dialects import mysql`):
    # autogenerate imports one when it renders a type reflected from that database.
    dialect_imports: tuple[str, ...] = ()
