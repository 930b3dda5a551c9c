"""Replay the operations of a revision graph, base -> head, into a `Schema`.

Each table, column, index and foreign key carries the `Source` of the operation that created or
last changed it. What cannot be known is marked, never guessed: an operation on a table the
schema does not have, a graph that is not one chain to one head (several heads, broken links,
duplicate ids, cycles, unreadable files) make the whole schema uncertain; an operation on a
column or constraint the table does not have makes that table (or that part of it) uncertain.
"""

from __future__ import annotations

from ormlint.migrations.operations import (
    AddColumn,
    DialectBranch,
    AlterColumn,
    CheckSpec,
    ColumnSpec,
    CreateCheckConstraint,
    CreateForeignKey,
    CreateIndex,
    CreatePrimaryKey,
    CreateTable,
    CreateUniqueConstraint,
    DropColumn,
    DropConstraint,
    DropIndex,
    DropTable,
    EnumTypeChange,
    ForeignKeySpec,
    Operation,
    RenameTable,
    TableComment,
    UNCOMPARED,
    Uncertain,
)
from ormlint.migrations.revisions import RevisionGraph, uncertain_from
from ormlint.schema import (
    Schema,
    SchemaCheck,
    SchemaColumn,
    SchemaForeignKey,
    SchemaIndex,
    SchemaTable,
    Source,
    default_index_name,
    set_computed,
)
from ormlint.sql_expressions import expression_key, mentions, with_column_renamed

IDENTITY_DIALECTS = ("postgresql", "oracle", "mssql")  # the databases that honour Identity()


def replay(graph: RevisionGraph, dialect: str | None = None) -> Schema:
    """The schema the graph's upgrade() functions build, applied base -> head, on a database of
    `dialect` (None: unknown, so operations that depend on it are uncertain)."""
    schema = Schema(dialect=dialect)
    if not graph.complete:
        schema.withhold(None, "the revision graph is not one history to one head (see ORM709)")
    for revision in graph.ordered():
        for operation in revision.operations:
            apply(schema, operation, revision.path, dialect)
    if dialect in (None, "sqlite"):  # SQLite stores no comment: the migrations' are not the database's
        for table in schema.tables.values():
            _forget(table, "comments")
    if dialect not in IDENTITY_DIALECTS:  # Identity() renders nothing there (AUTOINCREMENT instead)
        for table in schema.tables.values():
            for column in table.columns.values():
                column.identity_known = False
    return schema


def apply(schema: Schema, op: Operation, path: str, dialect: str | None = None) -> None:
    """One operation, in place."""
    source = Source(path, op.location)
    if isinstance(op, DialectBranch):
        if dialect is None:
            branches = uncertain_from(op.then + op.otherwise, "operation for some dialects only", op.location)
            for uncertain in branches:
                apply(schema, uncertain, path, dialect)
            return
        for inner in op.taken(dialect):
            apply(schema, inner, path, dialect)
        return
    if isinstance(op, EnumTypeChange):
        _change_enum_type(schema, op)
        return
    if isinstance(op, UNCOMPARED):
        return
    if isinstance(op, Uncertain) and op.part in ("checks", "comments"):
        # only the CHECK constraints or the comments of the table (of every table) are unknown
        for table in [schema.tables.get(op.table)] if op.table is not None else list(schema.tables.values()):
            if table is not None:
                _forget(table, op.part)
        return
    if isinstance(op, Uncertain):
        if op.table is None:
            # the set of tables is unknown, and so is every table there is so far (a loop that
            # could not be read, SQL of unknown effect): none of them gets a verdict; nor do
            # the labels of the enum types there are
            schema.withhold(None, op.reason, source)
            schema.enum_types = dict.fromkeys(schema.enum_types)
            for table in schema.tables.values():
                schema.withhold(table, op.reason, source)
            return
        table = schema.tables.get(op.table)
        if table is None:
            schema.withhold(None, f"{op.reason}, on table `{op.table}` that no migration created", source)
        elif op.part == "indexes":
            table.indexes_known = False
        elif op.part == "foreign_keys":
            table.foreign_keys_known = False
        else:
            schema.withhold(table, op.reason, source)
        return
    if isinstance(op, CreateTable):
        if op.table in schema.tables:  # would fail on a database: the history is not what it seems
            schema.withhold(None, f"table `{op.table}` is created twice", source)
        table = SchemaTable(op.table, source=source)
        if op.uncertain:
            schema.withhold(table, "an argument of create_table could not be read", source)
        table.indexes_known = op.indexes_known
        table.foreign_keys_known = op.foreign_keys_known
        table.comment, table.comment_known = op.comment, op.comment_known
        for check in op.checks:
            _add_check(table, check, path)
        schema.tables[op.table] = table
        for spec in op.columns:
            _add_column(table, spec, path, dialect)
            _create_enum_type(schema, spec)
        if op.primary_key_name_known and table.primary_key():
            table.primary_key_name = op.primary_key_name or _default_primary_key_name(op.table, dialect)
        for fk in op.foreign_keys:
            table.foreign_keys.append(_foreign_key(fk, path))
        for index in op.indexes:
            table.indexes.append(SchemaIndex(
                index.name, index.columns, index.unique, index.kind, Source(path, index.location),
                where=index.where,
            ))
        return
    table = schema.tables.get(op.table) if op.table is not None else None
    if isinstance(op, DropIndex) and op.table is None:
        _drop_index_anywhere(schema, op.name)
        return
    if table is None and isinstance(op, (CreateCheckConstraint, TableComment)):
        return  # changes no table the replay knows, nor which tables there are
    if table is None:
        schema.withhold(None, f"an operation on table `{op.table}` that no migration created", source)
        return
    if isinstance(op, DropTable):
        del schema.tables[op.table]
    elif isinstance(op, RenameTable):
        if op.new_name in schema.tables:
            schema.withhold(None, f"rename_table onto `{op.new_name}`, which exists", source)
        del schema.tables[op.table]
        table.name = op.new_name
        table.source = source
        schema.tables[op.new_name] = table
        for other in schema.tables.values():
            for fk in other.foreign_keys:
                if fk.target_table == op.table:
                    fk.target_table = op.new_name
    elif isinstance(op, AddColumn):
        if op.column.name in table.columns:
            schema.withhold(table, f"column `{op.column.name}` is added twice", source)
        _add_column(table, op.column, path, dialect)
        if op.uncertain:
            schema.withhold(table, "an argument of add_column could not be read", source)
        table.indexes_known &= op.indexes_known
        table.foreign_keys_known &= op.foreign_keys_known
    elif isinstance(op, DropColumn):
        dropped = table.columns.pop(op.column, None)
        if dropped is None:
            schema.withhold(table, f"drop_column of `{op.column}`, which the table does not have", source)
            return
        if dropped.primary_key:
            _drop_primary_key_column(table, dialect)
        # the database drops the indexes and constraints that include the column
        table.indexes = [i for i in table.indexes if i.columns is None or op.column not in i.columns]
        table.foreign_keys = [f for f in table.foreign_keys if op.column not in f.columns]
        table.checks = [c for c in table.checks if not mentions(c.key, op.column)]
        _recreated_in_batch(table, op, dialect)
    elif isinstance(op, AlterColumn):
        _alter_column(schema, table, op, source)
        _recreated_in_batch(table, op, dialect)
    elif isinstance(op, CreateIndex):
        table.indexes.append(SchemaIndex(op.name, op.columns, op.unique, "index", source, where=op.where))
    elif isinstance(op, DropIndex):
        kept = [i for i in table.indexes if not (i.kind == "index" and i.name == op.name)]
        if len(kept) == len(table.indexes):
            table.indexes_known = False
        table.indexes = kept
    elif isinstance(op, CreateUniqueConstraint):
        table.indexes.append(SchemaIndex(op.name, op.columns, True, "unique_constraint", source))
    elif isinstance(op, CreateForeignKey):
        table.foreign_keys.append(SchemaForeignKey(
            op.columns, op.target_table, op.target_columns, op.ondelete, op.name, source,
        ))
    elif isinstance(op, CreatePrimaryKey):
        table.primary_key_name = op.name or _default_primary_key_name(op.table, dialect)
        for name in op.columns:
            column = table.columns.get(name)
            if column is None:
                schema.withhold(table, f"a primary key on `{name}`, which the table does not have", source)
                continue
            column.primary_key = True
            column.nullable = False  # a primary key makes its columns NOT NULL
            column.source = source
    elif isinstance(op, DropConstraint):
        _drop_constraint(schema, table, op, source)
    elif isinstance(op, CreateCheckConstraint):
        _add_check(table, CheckSpec(op.name, op.condition, op.location), path)
    elif isinstance(op, TableComment):
        table.comment, table.comment_known = op.comment, op.comment_known
    if isinstance(op, (CreateUniqueConstraint, CreateForeignKey, CreatePrimaryKey, DropConstraint)):
        _recreated_in_batch(table, op, dialect)


def _default_primary_key_name(table: str, dialect: str | None) -> str | None:
    """The name PostgreSQL gives an unnamed primary key (None elsewhere, or when PostgreSQL
    would shorten it)."""
    name = f"{table}_pkey"
    return name if dialect == "postgresql" and len(name) <= 63 else None


def _drop_primary_key_column(table: SchemaTable, dialect: str | None) -> None:
    """PostgreSQL drops the primary key with any of its columns; what a batch copy on SQLite
    keeps is not known here."""
    if dialect == "postgresql":
        for column in table.columns.values():
            column.primary_key = False
        table.primary_key_name = None
    elif any(c.primary_key for c in table.columns.values()):
        table.primary_key_known = False


def _forget(table: SchemaTable, part: str) -> None:
    if part == "checks":
        table.checks_known = False
    else:
        table.comment_known = False
        for column in table.columns.values():
            column.comment_known = False


def _recreated_in_batch(table: SchemaTable, op, dialect: str | None) -> None:
    """A batch operation on SQLite (or an unknown database) copies the table into a new one,
    built from what SQLAlchemy reflects: whether its CHECK constraints survive is not known."""
    if getattr(op, "in_batch", False) and dialect in (None, "sqlite"):
        table.checks_known = False


def _add_check(table: SchemaTable, check: CheckSpec, path: str) -> None:
    key = expression_key(check.sql) if check.sql is not None else None
    if key is None:
        table.checks_known = False
        return
    table.checks.append(SchemaCheck(check.name, check.sql, key, Source(path, check.location)))


def _nullable(spec: ColumnSpec, dialect: str | None) -> bool | None:
    """A primary key column written `nullable=True` is NOT NULL all the same on every database
    but SQLite (which keeps it nullable, as SQLAlchemy's DDL says); unknown when the dialect is."""
    if not (spec.primary_key and spec.nullable):
        return spec.nullable
    return {"sqlite": True, None: None}.get(dialect, False)


def _add_column(table: SchemaTable, spec: ColumnSpec, path: str, dialect: str | None = None) -> None:
    source = Source(path, spec.location)
    table.columns[spec.name] = SchemaColumn(
        spec.name, spec.type, _nullable(spec, dialect), spec.server_default, spec.primary_key, source,
        spec.server_default_known, comment=spec.comment, comment_known=spec.comment_known,
        identity=spec.identity, sequence=spec.sequence, generated_known=spec.generated_known,
        autoincrement=spec.autoincrement,
        enum_type=spec.enum_type.name if spec.enum_type is not None else None,
    )
    set_computed(table.columns[spec.name], spec.computed)
    for check in spec.checks:
        _add_check(table, check, path)
    if spec.index:
        # SQLAlchemy's default naming convention: "ix_%(column_0_label)s"
        table.indexes.append(SchemaIndex(
            default_index_name(table.name.replace(".", "_"), spec.name), (spec.name,),
            bool(spec.unique), "index", source, name_generated=True,
        ))
    elif spec.unique:
        table.indexes.append(SchemaIndex(None, (spec.name,), True, "unique_constraint", source))
    for fk in spec.foreign_keys:
        table.foreign_keys.append(_foreign_key(fk, path))


def _foreign_key(fk: ForeignKeySpec, path: str) -> SchemaForeignKey:
    return SchemaForeignKey(
        fk.columns, fk.target_table, fk.target_columns, fk.ondelete, fk.name,
        Source(path, fk.location),
    )


def _alter_column(schema: Schema, table: SchemaTable, op: AlterColumn, source: Source) -> None:
    column = table.columns.get(op.column)
    if column is None:
        schema.withhold(table, f"alter_column of `{op.column}`, which the table does not have", source)
        return
    if op.nullable is not None:
        column.nullable = op.nullable
    if op.type_given:
        column.type = op.type
        column.enum_type = op.enum_type.name if op.enum_type is not None else None
    if op.server_default_given:
        column.server_default = op.server_default
        column.server_default_known = op.server_default_known
    if op.comment_given:
        column.comment, column.comment_known = op.comment, op.comment_known
    if op.identity_given:
        column.identity = op.identity
        column.generated_known = column.generated_known and op.identity_known
    column.source = source
    if op.new_name is not None and op.new_name != op.column:
        if op.new_name in table.columns:
            schema.withhold(table, f"a column renamed onto `{op.new_name}`, which exists", source)
        column.name = op.new_name
        table.columns = {
            (op.new_name if name == op.column else name): value
            for name, value in table.columns.items()
        }

        def renamed(columns):
            return tuple(op.new_name if c == op.column else c for c in columns)

        for index in table.indexes:
            if index.columns is not None:
                index.columns = renamed(index.columns)
        for fk in table.foreign_keys:
            fk.columns = renamed(fk.columns)
        for check in table.checks:
            check.key = with_column_renamed(check.key, op.column, op.new_name)
        for other in schema.tables.values():
            for fk in other.foreign_keys:
                if fk.target_table == table.name:
                    fk.target_columns = renamed(fk.target_columns)


def _create_enum_type(schema: Schema, spec: ColumnSpec) -> None:
    """The type `op.create_table` creates for a column (SQLAlchemy creates it once per run: a
    later table of the same type leaves the first one's labels)."""
    enum = spec.enum_type
    if enum is None or enum.created_with_table is False:
        return
    if enum.created_with_table is None:
        schema.enum_types[enum.name] = None
    elif enum.name not in schema.enum_types:
        schema.enum_types[enum.name] = enum.values


def _change_enum_type(schema: Schema, op: EnumTypeChange) -> None:
    """A type created, dropped, renamed or given labels outside a table (ORM717)."""
    types = schema.enum_types
    if op.name is None:  # which type is not known: any of them may have changed
        schema.enum_types = dict.fromkeys(types)
        return
    if not op.certain:
        types[op.name] = None
        if op.renamed is not None:
            types[op.renamed] = None
        return
    if op.action == "create":
        if op.renamed is None and not (op.checkfirst and op.name in types):
            types[op.name] = op.values if op.checkfirst is not None else None
    elif op.action == "drop":
        labels = types.pop(op.name, None)
        if op.renamed is not None:  # the type keeps its labels and its columns
            types[op.renamed] = labels
            for table in schema.tables.values():
                for column in table.columns.values():
                    if column.enum_type == op.name:
                        column.enum_type = op.renamed
    elif types.get(op.name) is not None:
        labels, values = types[op.name], op.values
        if values is None:
            types[op.name] = None
        elif op.action == "add_value" and values[0] not in labels:
            types[op.name] = labels + values
        elif op.action == "rename_value":
            types[op.name] = tuple(values[1] if label == values[0] else label for label in labels)


def _drop_index_anywhere(schema: Schema, name: str) -> None:
    for table in schema.tables.values():
        kept = [i for i in table.indexes if not (i.kind == "index" and i.name == name)]
        if len(kept) != len(table.indexes):
            table.indexes = kept
            return
    # an index nobody created here (a naming convention, raw SQL): no table's indexes are sure
    for table in schema.tables.values():
        table.indexes_known = False


def _drop_constraint(schema: Schema, table: SchemaTable, op: DropConstraint, source: Source) -> None:
    if op.type_ in ("check", None):
        kept_checks = [c for c in table.checks if op.name is None or c.name != op.name]
        if len(kept_checks) != len(table.checks) or op.type_ == "check":
            if len(kept_checks) == len(table.checks):
                table.checks_known = False  # named by the database or a convention
            table.checks = kept_checks
            return
    if op.type_ == "primary":
        for column in table.columns.values():
            column.primary_key = False
        table.primary_key_name = None
        return
    if op.type_ in (None, "foreignkey"):
        kept = [f for f in table.foreign_keys if op.name is None or f.name != op.name]
        if len(kept) != len(table.foreign_keys):
            table.foreign_keys = kept
            return
    if op.type_ in (None, "unique"):
        kept_indexes = [
            i for i in table.indexes
            if not (i.kind == "unique_constraint" and op.name is not None and i.name == op.name)
        ]
        if len(kept_indexes) != len(table.indexes):
            table.indexes = kept_indexes
            return
    # not found: a constraint named by the database or a convention
    if op.type_ == "foreignkey":
        table.foreign_keys_known = False
    elif op.type_ == "unique":
        table.indexes_known = False
    else:  # no type_: it may have been the primary key or anything else
        schema.withhold(table, f"drop_constraint of `{op.name}`, of no known type, not created here", source)
