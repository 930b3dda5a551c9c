"""Drift between the models and the Alembic migrations (ORM701-ORM708), from source alone.

The models' schema is built from the project index's facts, the migrations' schema by replaying
`upgrade()` (ormlint.migrations); both are `ormlint.schema.Schema`s and are compared here, once
per run, for all drift rules. Only what both sides state for certain is compared: an unknown type,
an uncertain table or an incomplete class is never reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
import os
from pathlib import Path
from typing import TYPE_CHECKING

from ormlint.facts import ClassFacts, ColumnFacts, IndexFacts, ProjectIndex, TablePart
from ormlint.migrations.discovery import display_path
from ormlint.migrations.environment import filters_tables
from ormlint.schema import (
    Schema, SchemaCheck, SchemaColumn, SchemaForeignKey, SchemaIndex, SchemaTable, Source,
    reflected_type_note, server_defaults_differ, set_computed, types_differ,
)
from ormlint.sql_expressions import expression_key, shown

if TYPE_CHECKING:
    from ormlint.migrations.operations import Revision
    from ormlint.migrations.revisions import RevisionGraph


@dataclass(frozen=True)
class DriftItem:
    """One difference, as a comparable key: the code, the table and the columns it is about
    (() for a whole table; the column for 703/704/705/707; the index's or foreign key's local
    columns for 706/708)."""

    code: str
    table: str
    columns: tuple[str, ...]


@dataclass(frozen=True)
class Drift:
    item: DriftItem
    message: str
    where: Source  # the model's line when there is one, else the migration's
    also: Source | None = None  # the other side's place, named in the message


# -- the models' schema --------------------------------------------------------------------------


@dataclass
class ModelSchema:
    schema: Schema
    # Every mapped table of the project is known by name (no computed table names, every file
    # parsed, the whole project checked): a migrated table with no model is drift.
    tables_complete: bool
    columns_complete: dict[str, bool] = field(default_factory=dict)  # per table
    # Tables known to be in the MetaData env.py migrates: only these are reported when no
    # migration creates them (a table of another MetaData or declarative base, or of a test
    # module, may never be meant for Alembic).
    migrated_metadata: set[str] = field(default_factory=set)
    # env.py hands autogenerate a filter (`include_object=`, `include_name=`): which tables it
    # compares is decided by code, so no table is called missing on either side.
    tables_filtered: bool = False


# A metadata "root": (path, class name) of a declarative base, ("", "flask.Model") for a library's
# shared metadata, ("variable", path, name) for a module-level MetaData() variable.
Root = tuple


def model_schema(
    index: ProjectIndex, skip_paths: frozenset[str] = frozenset(), env: Path | None = None
) -> ModelSchema:
    """The tables the mapped classes and `Table()`s of the project declare (files in
    `skip_paths`, the migrations themselves, left out). `env`: the migrations' env.py, whose
    `target_metadata` tells which tables Alembic compares."""
    schema = Schema()
    complete: dict[str, bool] = {}
    roots_of: dict[str, Root | None] = {}  # table -> the metadata it is on (None: unknown)
    tables_complete = index.whole_project and index.complete and index.table_names_complete
    annotation_types = not any(f.custom_type_map for f in index.files)
    sti_unplaced = False
    roots: set = set()
    folded: set[tuple[str, str]] = set()  # Flask-SQLAlchemy classes whose table is the parent's
    for facts in index.files:
        if facts.path in skip_paths:
            continue
        for cls in facts.classes:
            if cls.kind not in ("mapped", "unknown") or not cls.declares_mapping:
                continue
            if cls.shares_parent_table:
                continue  # added to the parent's table below
            if not cls.tablename:
                continue
            if _bound_elsewhere(index, facts.path, cls):
                tables_complete = False  # which of its database's tables Alembic compares: unknown
                continue
            root = index.declarative_root(facts.path, cls)
            roots.add(root)
            mapped = index.table_of(facts.path, cls)
            if mapped is not None and (mapped.schema is not None or not mapped.schema_known):
                tables_complete = False  # another schema, or options not known
                continue
            if "?" in cls.table_options:
                tables_complete = False  # options not known
                continue
            if _renames_tables(index, facts.path, cls):
                tables_complete = False  # `__init_subclass__` may rewrite `__tablename__`
                continue
            if mapped is None:  # whether it has a table of its own is not known
                tables_complete = False
                continue
            if mapped.path != facts.path or mapped.class_name != cls.name:
                folded.add((facts.path, cls.name))  # Flask-SQLAlchemy: no primary key of its own
                continue
            table = _class_table(index, facts.path, cls, mapped.parts[0], annotation_types)
            if table.name in schema.tables:
                schema.withhold(schema.tables[table.name], "two models declare this table", table.source)
                continue
            schema.tables[table.name] = table
            roots_of[table.name] = root if not is_test_module(facts.path) else None
            complete[table.name] = mapped.parts[0].complete
        for declared in facts.tables:
            if declared.schema is not None or not declared.schema_known:
                tables_complete = False  # another schema, or not known: left out, as classes are
                continue
            if declared.name in schema.tables:
                schema.withhold(
                    schema.tables[declared.name], "two models declare this table",
                    Source(facts.path, declared.location),
                )
                continue
            table = SchemaTable(declared.name, source=Source(facts.path, declared.location))
            for column in declared.columns:
                _add_column(table, column, facts.path, annotation_types, index=index)
            _apply_primary_keys(table, declared.indexes)
            _add_indexes(table, declared.columns, declared.indexes, facts.path)
            table.indexes_known = table.foreign_keys_known = declared.constraints_complete
            table.checks_known = table.checks_known and declared.constraints_complete
            _add_table_checks(table, declared.checks, facts.path, None)
            table.comment, table.comment_known = declared.comment or None, declared.comment_known
            if not _add_foreign_keys(index, table, declared.columns, facts.path):
                table.foreign_keys_known = False
            schema.tables[declared.name] = table
            roots_of[declared.name] = (
                _table_root(index, facts.path, declared.metadata)
                if not is_test_module(facts.path) else None
            )
            complete[declared.name] = declared.constraints_complete
    # single-table inheritance: subclasses add their columns to the parent's table
    for facts in index.files:
        if facts.path in skip_paths:
            continue
        for cls in facts.classes:
            if cls.kind in ("mapped", "unknown") and cls.declares_mapping and (
                (not cls.tablename and index.shares_parent_table(facts.path, cls))  # (not a mixin)
                or (facts.path, cls.name) in folded
            ) and not _bound_elsewhere(index, facts.path, cls):
                part = index.table_part(facts.path, cls)
                parent = index.table_of(facts.path, cls) if part is not None else None
                table = schema.tables.get(parent.name) if parent else None
                if table is None or part is None:
                    sti_unplaced = True
                    continue
                columns, indexes, origins = _part_contents(part)
                whole = part.complete
                for column in columns:
                    if (column.name or column.attr) not in table.columns:
                        _add_column(table, column, facts.path, annotation_types, origins, index)
                _add_indexes(table, columns, indexes, facts.path, origins)
                if not _add_foreign_keys(index, table, columns, facts.path, origins):
                    table.foreign_keys_known = False
                complete[table.name] = complete.get(table.name, False) and whole
    if sti_unplaced:
        complete = {name: False for name in complete}
    if len(roots) > 1 or None in roots:
        tables_complete = False  # several metadata: which one Alembic sees is not known here
    if not schema.tables:
        tables_complete = False  # the models declare no table: the migrations are not theirs to judge
    targets = target_roots(index, env, roots) if env is not None else None
    migrated_metadata = set()
    every_root = set(roots_of.values())
    for name, root in roots_of.items():
        if targets is not None and root is not None and root not in targets:
            # on a MetaData Alembic does not compare
            schema.withhold(schema.tables[name], "its MetaData is not env.py's target_metadata")
        elif root is not None and (root in targets if targets is not None else every_root == {root}):
            migrated_metadata.add(name)
    if env is not None and filters_tables(env):
        return ModelSchema(schema, False, complete, set(), tables_filtered=True)
    return ModelSchema(schema, tables_complete, complete, migrated_metadata)


def is_test_module(path: str) -> bool:
    """A test file: its models are made by the tests (create_all), not by migrations."""
    parts = Path(path).parts
    name = parts[-1] if parts else ""
    return (
        any(part in ("tests", "test") for part in parts[:-1])
        or name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py"
    )


def _bound_elsewhere(index: ProjectIndex, path: str, cls: ClassFacts) -> bool:
    """Flask-SQLAlchemy's `__bind_key__` on the class or a base: its table is on that bind's
    MetaData, in another database (3.x), not on the `db.metadata` env.py compares."""
    names = index.attributes(path, cls)
    return names is not None and "__bind_key__" in names


def _renames_tables(index: ProjectIndex, path: str, cls: ClassFacts) -> bool:
    """A class of the project above `cls` defines `__init_subclass__` (fief prefixes every
    `__tablename__` there), or a base cannot be read."""
    for found in index.ancestors(path, cls):
        # (an unknown base: declarative_root already makes the table set uncertain)
        if found is not None and "__init_subclass__" in found[1].own_attributes:
            return True
    return "__init_subclass__" in cls.own_attributes


def _table_root(index: ProjectIndex, path: str, metadata: tuple[str, str] | None) -> Root | None:
    """The metadata root of a `Table()` (see TableFacts.metadata)."""
    if metadata is None:
        return None
    kind, name = metadata
    if kind == "library":
        return ("", name)
    if kind == "variable":
        return ("variable", path, name)
    found = index.resolve_class(name, prefer_path=path)
    return index.declarative_root(*found) if found is not None else None


def target_roots(index: ProjectIndex, env: Path, roots: set) -> set | None:
    """The metadata roots env.py's `target_metadata` names (`Base.metadata`,
    `models.Base.metadata`, `[A.metadata, B.metadata]`, `SQLModel.metadata`, Flask-Migrate's
    `db.metadata`, `models.metadata_obj`); None when it cannot be read."""
    import ast

    from ormlint.migrations.environment import read_source, target_metadata_value

    source = read_source(str(env))  # decoded as Python reads it, as ORM710 does
    found = target_metadata_value(source) if source is not None else None
    if found is None:
        return None
    value = found[0]
    items = value.elts if isinstance(value, (ast.List, ast.Tuple)) else [value]
    targets = set()
    for item in items:
        root = _named_root(index, item, roots)
        if root is None:
            return None
        targets.add(root)
    return targets or None


def _named_root(index: ProjectIndex, expr, roots: set) -> Root | None:
    import ast

    if isinstance(expr, ast.Attribute) and expr.attr == "metadata":
        owner = expr.value
        name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", None)
        if name == "SQLModel":
            return ("", "sqlmodel.SQLModel")
        if name == "db":  # Flask-SQLAlchemy's handle, or Flask-Migrate's extensions["migrate"].db
            return ("", "flask.Model") if ("", "flask.Model") in roots else None
        if name is None:
            return None
        found = index.resolve_class(name)
        return index.declarative_root(*found) if found is not None else None
    # `models.metadata_obj` / `metadata_obj`: a module-level MetaData() variable of the project
    name = expr.attr if isinstance(expr, ast.Attribute) else getattr(expr, "id", None)
    if name is None:
        return None
    found = {
        ("variable", facts.path, name) for facts in index.files for table in facts.tables
        if table.metadata == ("variable", name)
    }
    return found.pop() if len(found) == 1 else None


# Where each column or index fact of a class's table is declared, by id(fact): (path, class).
Origins = dict


def _part_contents(part: TablePart) -> tuple[list[ColumnFacts], list[IndexFacts], Origins]:
    """A class's part of its table (ProjectIndex.table_part): its columns, its table-level
    indexes, and where each is declared."""
    declared = part.columns + part.indexes
    return (
        [d.fact for d in part.columns], [d.fact for d in part.indexes],
        {id(d.fact): (d.path, d.owner) for d in declared},
    )


def _class_table(
    index: ProjectIndex, path: str, cls: ClassFacts, part: TablePart, annotation_types: bool
) -> SchemaTable:
    table = SchemaTable(
        cls.tablename or "", source=Source(path, cls.tablename_location or cls.location),
        mapped_class=cls.name,
    )
    columns, indexes, origins = _part_contents(part)
    for column in columns:
        _add_column(table, column, path, annotation_types, origins, index)
    _apply_primary_keys(table, indexes)
    _add_indexes(table, columns, [ix for ix in indexes if ix.kind != "primary_key"], path, origins)
    table.indexes_known = table.foreign_keys_known = part.complete
    table.checks_known = table.checks_known and part.complete
    if "__table_args__" in cls.own_attributes:
        _add_table_checks(table, cls.checks, path, None)
        table.comment, table.comment_known = cls.comment or None, cls.comment_known
    elif part.table_args_schemas:  # a mixin's or base's `__table_args__`: not read here
        table.checks_known = table.comment_known = table.primary_key_known = False
    if not _add_foreign_keys(index, table, columns, path, origins):
        table.foreign_keys_known = False
    return table


def _add_table_checks(table: SchemaTable, checks, path: str, declared_in: str | None) -> None:
    """CheckFacts as SchemaChecks; one whose text cannot be read makes the table's unknown."""
    for check in checks:
        key = expression_key(check.sql) if check.sql is not None else None
        if key is None:
            table.checks_known = False
            continue
        table.checks.append(SchemaCheck(check.name, check.sql, key, Source(path, check.location), declared_in))


def _apply_primary_keys(table: SchemaTable, indexes) -> None:
    """A PrimaryKeyConstraint's columns are the primary key, NOT NULL."""
    for constraint in indexes:
        if constraint.kind != "primary_key":
            continue
        if constraint.columns is None:  # columns not readable: any of them may be NOT NULL
            for column in table.columns.values():
                if not column.primary_key:
                    column.nullable = None
            table.primary_key_known = False
            continue
        table.primary_key_name = constraint.name
        for name in constraint.columns:
            if name in table.columns:
                table.columns[name].nullable = False
                table.columns[name].primary_key = True


def _declared(
    table: SchemaTable, fact, path: str, origins: Origins | None
) -> tuple[Source | None, str | None]:
    """Where `fact` (a column or index of `table`) is written, and the class that declares it
    when that is not the table's mapped class (a mixin, an abstract base, an STI subclass)."""
    path, owner = (origins or {}).get(id(fact), (path, None))
    source = Source(path, fact.location) if fact.location else table.source
    return source, owner if owner != table.mapped_class else None


def _add_column(
    table: SchemaTable, column: ColumnFacts, path: str, annotation_types: bool,
    origins: Origins | None = None, index: ProjectIndex | None = None,
) -> None:
    name = column.name or column.attr
    if not name or name in table.columns:
        return
    db_type = column.db_type
    if column.sql_type_from_annotation and not annotation_types:
        db_type = None
    source, declared_in = _declared(table, column, path, origins)
    table.columns[name] = SchemaColumn(
        name=name,
        type=db_type,
        nullable=column.nullable,
        server_default=column.server_default,
        primary_key=column.primary_key,
        source=source,
        server_default_known=column.server_default_known,
        declared_in=declared_in,
        foreign_key=bool(column.foreign_key_targets) or column.foreign_key_targets is None,
        comment=column.comment or None,
        comment_known=column.comment_known,
        identity=column.identity,
        sequence=column.sequence,
        generated_known=column.generated_known, autoincrement=column.autoincrement,
    )
    if index is not None:
        table.columns[name].enum_type, table.columns[name].enum_labels = _model_enum(index, column, annotation_types)
    set_computed(table.columns[name], column.computed)
    _add_table_checks(table, column.checks, source.path if source else path, declared_in)


def _model_enum(index: ProjectIndex, column: ColumnFacts, annotation_types: bool) -> tuple[str | None, tuple[str, ...] | None]:
    """(the name of the column's named enum type, its labels) as SQLAlchemy creates it; the
    labels None when not known, the name None when it is no such type or not known."""
    from ormlint.enum_labels import class_labels

    enum = column.enum
    if enum is None:
        return None, None
    if enum.enum_class is None:
        return enum.name, enum.labels
    found = index.resolve_base(enum.enum_class)
    members = found[1].enum_members if found is not None else None
    if column.sql_type_from_annotation and (members is None or not annotation_types):
        return None, None  # Mapped[X] of no type: an enum only when X is one, by the default map
    name = enum.name or enum.enum_class.name.lower()
    return name, class_labels(members, enum.by_value) if members is not None else None


def _add_indexes(table: SchemaTable, columns, indexes, path: str, origins: Origins | None = None) -> None:
    for column in columns:
        name = column.name or column.attr
        if column.index or column.unique:
            source, declared_in = _declared(table, column, path, origins)
            table.indexes.append(SchemaIndex(
                None, (name,), column.unique if column.index else True,
                "index" if column.index else "unique_constraint", source,
                declared_in=declared_in,
            ))
    for index in indexes:
        if index.kind == "primary_key":
            continue
        source, declared_in = _declared(table, index, path, origins)
        table.indexes.append(SchemaIndex(
            index.name, index.columns, index.unique,
            "unique_constraint" if index.kind == "unique_constraint" else "index",
            source, declared_in=declared_in, where=index.where,
        ))


def _add_foreign_keys(
    index: ProjectIndex, table: SchemaTable, columns, path: str, origins: Origins | None = None
) -> bool:
    """The columns' ForeignKeys as SchemaForeignKeys; False when one cannot be read."""
    for column in columns:
        if column.foreign_key_targets is None:
            return False
        for target, ondelete, names_class in column.foreign_key_targets:
            owner, _, attr = target.partition(".")
            target_table, target_column = owner, attr
            if names_class:  # `ForeignKey(User.id)`: User's table and the column behind `id`
                resolved = index.resolve_class(owner)
                mapped = index.table_of(*resolved) if resolved is not None else None
                if mapped is None:
                    return False
                target_table = mapped.name
                match = next((d.fact for d in mapped.columns if d.fact.attr == attr), None)
                target_column = (match.name or attr) if match is not None else attr
            source, declared_in = _declared(table, column, path, origins)
            table.foreign_keys.append(SchemaForeignKey(
                (column.name or column.attr or "",), target_table, (target_column,), ondelete,
                source=source, declared_in=declared_in,
            ))
    return True


# -- comparing -----------------------------------------------------------------------------------


def compare(models: ModelSchema, migrated: Schema, migrations_uncertain: bool = False) -> list[Drift]:
    """Every difference between the two schemas that both state for certain."""
    drifts: list[Drift] = []
    model_tables = models.schema.tables
    migrated_tables = {k: v for k, v in migrated.tables.items() if k != "alembic_version"}
    if not (migrated.uncertain or migrations_uncertain):
        for name, table in model_tables.items():
            if name not in migrated_tables and not table.uncertain and name in models.migrated_metadata:
                drifts.append(Drift(
                    DriftItem("ORM701", name, ()),
                    f"table `{name}` is mapped but no migration creates it; generate one with "
                    "`alembic revision --autogenerate` (or exclude the model from the migrated "
                    "metadata)",
                    table.source,
                ))
        if models.tables_complete:
            for name, table in migrated_tables.items():
                if name not in model_tables and not table.uncertain:
                    drifts.append(Drift(
                        DriftItem("ORM702", name, ()),
                        f"table `{name}` is created by the migrations ({_place(table.source)}) "
                        "but no model maps it; autogenerate will propose dropping it: add the "
                        "model, or a migration that drops the table",
                        table.source,
                    ))
    for name, model_table in model_tables.items():
        table = migrated_tables.get(name)
        if table is None or table.uncertain or model_table.uncertain:
            continue
        drifts += _compare_columns(model_table, table, models.columns_complete.get(name, False))
        if model_table.indexes_known and table.indexes_known:
            drifts += _compare_indexes(model_table, table)
            drifts += _compare_predicates(model_table, table, migrated.dialect)
        if model_table.foreign_keys_known and table.foreign_keys_known:
            drifts += _compare_foreign_keys(model_table, table)
        if table.checks_known:
            drifts += _compare_checks(model_table, table)
        drifts += _compare_comments(model_table, table)
        drifts += _compare_generated(model_table, table)
        if models.columns_complete.get(name, False):
            drifts += _compare_primary_keys(model_table, table)
    if migrated.dialect == "postgresql":
        drifts += _compare_enum_labels(model_tables, migrated_tables, migrated.enum_types)
    return drifts


def model_enum_labels(tables) -> dict[str, tuple[str, ...] | None]:
    """The labels of each named enum type the model tables' columns declare (None: not known,
    or two columns declare the type with other labels)."""
    found: dict[str, tuple[str, ...] | None] = {}
    for table in tables.values():
        for column in table.columns.values():
            name, labels = column.enum_type, column.enum_labels
            if name is None:
                continue
            if name in found and (labels is None or found[name] is None or set(labels) != set(found[name])):
                labels = None
            found[name] = labels
    return found


def enum_label_pairs(model_tables, migrated_tables, migrated_types) -> list[tuple[SchemaTable, SchemaColumn, SchemaColumn, tuple[str, ...], tuple[str, ...]]]:
    """Each named enum type whose labels differ (ORM717), once, at the first model column of
    it whose migrated column has the type: (model table, model column, migrated column, the
    model's labels, the migrations')."""
    ours = model_enum_labels(model_tables)
    pairs, seen = [], set()
    for name, model_table in model_tables.items():
        table = migrated_tables.get(name)
        if table is None or table.uncertain or model_table.uncertain:
            continue
        for column in model_table.columns.values():
            other = table.columns.get(column.name)
            enum = column.enum_type
            if enum is None or enum in seen or other is None or other.enum_type != enum:
                continue
            labels, theirs = ours.get(enum), migrated_types.get(enum)
            if labels is None or theirs is None or set(labels) == set(theirs):
                continue
            seen.add(enum)
            pairs.append((model_table, column, other, labels, theirs))
    return pairs


def _compare_enum_labels(model_tables, migrated_tables, migrated_types) -> list[Drift]:
    """A named enum type's labels (ORM717): autogenerate compares none."""
    from ormlint.schema import sql_label, sql_type_name

    drifts = []
    for model_table, column, other, labels, theirs in enum_label_pairs(model_tables, migrated_tables, migrated_types):
        missing = [label for label in labels if label not in theirs]
        extra = [label for label in theirs if label not in labels]
        enum = column.enum_type
        subject = _subject(model_table, f"`{model_table.name}.{column.name}`", column.declared_in)
        parts = []
        if missing:
            them = "it" if len(missing) == 1 else "them"
            parts.append(
                f"lacks {_labels(missing)} that the model declares: storing {them} fails (invalid "
                "input value for enum); add " + ", ".join(
                    f"`ALTER TYPE {sql_type_name(enum)} ADD VALUE {sql_label(label)}`" for label in missing
                ) + " in a migration"
            )
        if extra:
            them = "it" if len(extra) == 1 else "them"
            parts.append(
                f"has {_labels(extra)} that the model does not declare: SQLAlchemy cannot load rows "
                f"holding {them} (LookupError), and PostgreSQL cannot drop an enum label: recreate "
                "the type by hand, or declare the label in the model"
            )
        message = (
            f"{subject}: the enum type `{enum}` of the migrations ({_place(other.source)}) "
            + "; and it ".join(parts) + " (autogenerate does not compare enum labels)"
        )
        drifts.append(Drift(
            DriftItem("ORM717", model_table.name, (column.name,)),
            message, column.source or model_table.source, other.source,
        ))
    return drifts


def _labels(labels: list[str]) -> str:
    return ("the label " if len(labels) == 1 else "the labels ") + ", ".join(repr(label) for label in labels)


def _place(source: Source | None) -> str:
    return f"{source.path}:{source.location.line}" if source is not None else "?"


def _compare_columns(model: SchemaTable, migrated: SchemaTable, model_complete: bool) -> list[Drift]:
    drifts = []
    for name, column in model.columns.items():
        other = migrated.columns.get(name)
        subject = _subject(model, f"column `{model.name}.{name}`", column.declared_in)
        if other is None:
            drifts.append(Drift(
                DriftItem("ORM703", model.name, (name,)),
                f"{subject} is in the model but no migration creates it; "
                "add a migration that adds it, or remove it from the model",
                column.source or model.source, migrated.source,
            ))
            continue
        where = column.source or model.source
        if column.type is not None and other.type is not None and types_differ(column.type, other.type):
            drifts.append(Drift(
                DriftItem("ORM704", model.name, (name,)),
                f"{subject} is `{column.type}` in the model but `{other.type}`"
                f"{reflected_type_note(other.type)} in the migrations ({_place(other.source)}); "
                "make them agree (a migration with `op.alter_column(..., type_=...)`, or change "
                "the model)",
                where, other.source,
            ))
        if column.nullable is not None and other.nullable is not None and column.nullable != other.nullable:
            said = ("NULL", "NOT NULL")
            drifts.append(Drift(
                DriftItem("ORM705", model.name, (name,)),
                f"{subject} is {said[not column.nullable]} in the model but "
                f"{said[not other.nullable]} in the migrations ({_place(other.source)}); make "
                "them agree (`op.alter_column(..., nullable=...)`, or change the model)",
                where, other.source,
            ))
        if (
            column.server_default_known and other.server_default_known
            and not _is_autoincrement(model, column)
            and server_defaults_differ(
                column.server_default, other.server_default, other.type or column.type
            )
        ):
            drifts.append(Drift(
                DriftItem("ORM707", model.name, (name,)),
                f"{subject} has server default {_default(column)} in the model "
                f"but {_default(other)} in the migrations ({_place(other.source)}); make them "
                "agree (`op.alter_column(..., server_default=...)`, or change the model)",
                where, other.source,
            ))
    if model_complete:
        for name, other in migrated.columns.items():
            if name not in model.columns:
                drifts.append(Drift(
                    DriftItem("ORM703", model.name, (name,)),
                    f"column `{model.name}.{name}` is created by the migrations "
                    f"({_place(other.source)}) but the model does not declare it; add it to the "
                    "model, or a migration that drops it",
                    model.source or other.source, other.source,
                ))
    return drifts


def _subject(model: SchemaTable, what: str, declared_in: str | None) -> str:
    """`what`, naming the mapped class and the class that declares it when they differ (a
    finding on a mixin's line says which of the classes using it drifts)."""
    if declared_in is None or model.mapped_class is None:
        return what
    return f"{what} of `{model.mapped_class}` (declared in `{declared_in}`)"


_INTEGER_TYPES = ("INTEGER", "BIGINT", "SMALLINT")


def _is_autoincrement(model: SchemaTable, column: SchemaColumn) -> bool:
    """SQLAlchemy's autoincrement column (the table's only primary-key column, an integer, no
    foreign key, no server default of its own): Alembic never compares its server default
    (PostgreSQL's SERIAL default is nextval())."""
    return (
        column.primary_key and column.server_default is None and not column.foreign_key and column.autoincrement
        and column.type in _INTEGER_TYPES
        and [c.name for c in model.columns.values() if c.primary_key] == [column.name]
    )


def _default(column: SchemaColumn) -> str:
    return f"`{column.server_default}`" if column.server_default is not None else "none"


def _signature(index: SchemaIndex) -> tuple:
    return (index.unique, index.columns)


def _compare_indexes(model: SchemaTable, migrated: SchemaTable) -> list[Drift]:
    """One finding per column list that is indexed differently on the two sides: on one side
    only, or unique on one side and not on the other."""
    drifts = []
    theirs = {_signature(ix): ix for ix in migrated.indexes if ix.columns is not None}
    ours = {_signature(ix): ix for ix in model.indexes if ix.columns is not None}
    reported: set[tuple[str, ...]] = set()
    for signature, index in ours.items():
        if signature in theirs or index.columns in reported:
            continue
        reported.add(index.columns)
        columns = ", ".join(index.columns or ())
        subject = _subject(model, f"{_describe(index)} on `{model.name}` ({columns})", index.declared_in)
        counterpart = next((o for o in theirs.values() if o.columns == index.columns), None)
        if counterpart is not None and (counterpart.unique, index.columns) not in ours:
            text = (
                f"{subject} is "
                f"{'unique' if index.unique else 'not unique'} in the model but "
                f"{'unique' if counterpart.unique else 'not unique'} in the migrations "
                f"({_place(counterpart.source)}); make them agree"
            )
        else:
            text = (
                f"{subject} is in the model but no "
                "migration creates it; add a migration, or remove it from the model"
            )
        drifts.append(Drift(
            DriftItem("ORM706", model.name, index.columns or ()), text,
            index.source or model.source, migrated.source,
        ))
    for signature, index in theirs.items():
        if signature in ours or index.columns in reported:
            continue
        reported.add(index.columns)
        drifts.append(Drift(
            DriftItem("ORM706", model.name, index.columns or ()),
            f"{_describe(index)} on `{model.name}` ({', '.join(index.columns or ())}) is "
            f"created by the migrations ({_place(index.source)}) but the model does not "
            "declare it; declare it in the model, or drop it in a migration",
            model.source or index.source, index.source,
        ))
    return drifts


def _describe(index: SchemaIndex) -> str:
    what = "unique index" if index.unique and index.kind == "index" else (
        "unique constraint" if index.unique else "index")
    return f"{what} `{index.name}`" if index.name else what


def predicate_pairs(model: SchemaTable, migrated: SchemaTable) -> list[tuple[SchemaIndex, SchemaIndex]]:
    """The indexes of the two sides that are one index (ORM716): the same columns and
    uniqueness, and the same name when both are named, alone of their kind on each side."""
    def key(index: SchemaIndex) -> tuple:
        return (index.unique, index.columns)

    pairs = []
    for index in model.indexes:
        if index.kind != "index" or index.columns is None:
            continue
        ours = [i for i in model.indexes if i.kind == "index" and key(i) == key(index)]
        theirs = [i for i in migrated.indexes if i.kind == "index" and key(i) == key(index)]
        if len(ours) == 1 and len(theirs) == 1:
            other = theirs[0]
            if index.name and other.name and not index.name_generated and not other.name_generated and index.name != other.name:
                continue
            pairs.append((index, other))
    return pairs


def _compare_predicates(model: SchemaTable, migrated: SchemaTable, dialect: str | None) -> list[Drift]:
    """A partial index's predicate (`postgresql_where=`, `sqlite_where=`) for the history's
    database, by normalised expression (Alembic compares none): partial on one side and plain
    on the other, or two conditions."""
    from ormlint.schema import predicate_on

    drifts = []
    for index, other in predicate_pairs(model, migrated):
        (known, ours), (other_known, theirs) = predicate_on(index.where, dialect), predicate_on(other.where, dialect)
        if not (known and other_known) or (ours is None and theirs is None):
            continue
        our_key = expression_key(ours) if ours is not None else None
        their_key = expression_key(theirs) if theirs is not None else None
        if (ours is not None and our_key is None) or (theirs is not None and their_key is None) or our_key == their_key:
            continue
        columns = ", ".join(index.columns or ())
        subject = _subject(model, f"{_describe(index)} on `{model.name}` ({columns})", index.declared_in)
        drifts.append(Drift(
            DriftItem("ORM716", model.name, index.columns or ()),
            f"{subject} is {_predicate(ours)} in the model but {_predicate(theirs)} in the migrations "
            f"({_place(other.source)}); autogenerate does not compare index predicates: drop and "
            "create the index in a migration, or change the model",
            index.source or model.source, other.source,
        ))
    return drifts


def _predicate(sql: str | None) -> str:
    return f"partial (`WHERE {shown(sql)}`)" if sql is not None else "on every row (not partial)"


def _fk_signature(fk: SchemaForeignKey) -> tuple:
    return (fk.columns, fk.target_table, fk.target_columns, fk.ondelete)


def _compare_foreign_keys(model: SchemaTable, migrated: SchemaTable) -> list[Drift]:
    drifts = []
    theirs = {_fk_signature(fk): fk for fk in migrated.foreign_keys}
    ours = {_fk_signature(fk): fk for fk in model.foreign_keys}
    reported: set[tuple[str, ...]] = set()
    for side, other_side, in_model in ((ours, theirs, True), (theirs, ours, False)):
        for signature, fk in side.items():
            if signature in other_side or fk.columns in reported:
                continue
            reported.add(fk.columns)
            counterpart = next((o for o in other_side.values() if o.columns == fk.columns), None)
            target = f"{fk.target_table}.{', '.join(fk.target_columns)}"
            ondelete = f" ON DELETE {fk.ondelete}" if fk.ondelete else ""
            model_side = fk if in_model else counterpart
            subject = _subject(
                model, f"foreign key `{model.name}.{', '.join(fk.columns)}`",
                model_side.declared_in if model_side is not None else None,
            )
            if counterpart is not None:
                model_fk, migrated_fk = (fk, counterpart) if in_model else (counterpart, fk)
                text = (
                    f"{subject} references "
                    f"{_fk_text(model_fk)} in the model but {_fk_text(migrated_fk)} in the "
                    f"migrations ({_place(migrated_fk.source)}); make them agree"
                )
                where = model_fk.source or model.source
                also = migrated_fk.source
            elif in_model:
                text = (
                    f"{subject} -> {target}{ondelete} is "
                    "in the model but no migration creates it; add a migration "
                    "(`op.create_foreign_key`), or remove it from the model"
                )
                where, also = fk.source or model.source, migrated.source
            else:
                text = (
                    f"foreign key `{model.name}.{', '.join(fk.columns)}` -> {target}{ondelete} is "
                    f"created by the migrations ({_place(fk.source)}) but the model does not "
                    "declare it; declare it in the model, or drop it in a migration"
                )
                where, also = model.source or fk.source, fk.source
            drifts.append(Drift(DriftItem("ORM708", model.name, fk.columns), text, where, also))
    return drifts


def _fk_text(fk: SchemaForeignKey) -> str:
    ondelete = f" ON DELETE {fk.ondelete}" if fk.ondelete else ""
    return f"`{fk.target_table}.{', '.join(fk.target_columns)}`{ondelete}"


# -- beyond autogenerate (ORM711+) ---------------------------------------------------------------


def check_label(check: SchemaCheck) -> str:
    """What identifies a CHECK constraint in a DriftItem: its name, else its text."""
    return check.name or " ".join(check.sql.split())


def _compare_checks(model: SchemaTable, migrated: SchemaTable) -> list[Drift]:
    """CHECK constraints by expression (Alembic compares none): one in the model that no
    migration creates, one created with another expression (same name), and, when every check
    of the model is known (its columns and `__table_args__` all read), one the migrations
    create that the model does not declare."""
    ours = {check.key for check in model.checks}
    theirs = {check.key for check in migrated.checks}
    unmatched = [check for check in migrated.checks if check.key not in ours]
    drifts = []
    for check in model.checks:
        if check.key in theirs:
            continue
        subject = _subject(model, f"CHECK constraint `{shown(check.sql)}` on `{model.name}`", check.declared_in)
        namesake = next((o for o in unmatched if check.name and o.name == check.name), None)
        if namesake is not None:
            unmatched.remove(namesake)
            text = (
                f"{subject} is `{shown(namesake.sql)}` in the migrations ({_place(namesake.source)}); "
                "the database enforces the migrations' condition: drop it and create the model's "
                "in a migration, or change the model"
            )
            also = namesake.source
        else:
            text = (
                f"{subject} is in the model but no migration creates it (autogenerate does not "
                "compare CHECK constraints); add `op.create_check_constraint(...)` in a "
                "migration, or remove it from the model"
            )
            also = migrated.source
        drifts.append(Drift(DriftItem("ORM711", model.name, (check_label(check),)), text,
                            check.source or model.source, also))
    for check in unmatched if model.checks_known else ():
        drifts.append(Drift(
            DriftItem("ORM711", model.name, (check_label(check),)),
            f"CHECK constraint `{shown(check.sql)}` on `{model.name}` is created by the migrations "
            f"({_place(check.source)}) but the model does not declare it; declare it in the model "
            "(`CheckConstraint(...)`), or drop it in a migration",
            model.source or check.source, check.source,
        ))
    return drifts


def _compare_comments(model: SchemaTable, migrated: SchemaTable) -> list[Drift]:
    """The table's comment and each column's, where both sides know them."""
    drifts = []
    if model.comment_known and migrated.comment_known and model.comment != migrated.comment:
        drifts.append(Drift(
            DriftItem("ORM712", model.name, ()),
            f"table `{model.name}` has comment {_comment(model.comment)} in the model but "
            f"{_comment(migrated.comment)} in the migrations; make them agree "
            "(`op.create_table_comment(...)`, or change the model)",
            model.source or migrated.source, migrated.source,
        ))
    for name, column in model.columns.items():
        other = migrated.columns.get(name)
        if other is None or not (column.comment_known and other.comment_known) or column.comment == other.comment:
            continue
        subject = _subject(model, f"column `{model.name}.{name}`", column.declared_in)
        drifts.append(Drift(
            DriftItem("ORM712", model.name, (name,)),
            f"{subject} has comment {_comment(column.comment)} in the model but "
            f"{_comment(other.comment)} in the migrations ({_place(other.source)}); make them agree "
            "(`op.alter_column(..., comment=...)`, or change the model)",
            column.source or model.source, other.source,
        ))
    return drifts


def _comment(text: str | None) -> str:
    return f"`{shown(text)}`" if text is not None else "none"


def _compare_generated(model: SchemaTable, migrated: SchemaTable) -> list[Drift]:
    """What generates each column's values: `Computed` (ORM713), `Identity` and `Sequence`
    (ORM714), where both sides can be read."""
    from ormlint.generated_columns import identity_differences

    drifts = []
    for name, column in model.columns.items():
        other = migrated.columns.get(name)
        if other is None or not (column.generated_known and other.generated_known):
            continue
        subject = _subject(model, f"column `{model.name}.{name}`", column.declared_in)
        where, place = column.source or model.source, _place(other.source)
        ours, theirs = column.computed, other.computed
        if (ours, theirs) != (None, None) and (
            ours is None or theirs is None or column.computed_key != other.computed_key
            or None not in (ours[1], theirs[1]) and ours[1] != theirs[1]
        ):
            drifts.append(Drift(
                DriftItem("ORM713", model.name, (name,)),
                f"{subject} is {_generated(ours)} in the model but {_generated(theirs)} in the "
                f"migrations ({place}); a generated column cannot be altered into another: drop and "
                "add it again in a migration, or change the model",
                where, other.source,
            ))
        identity = None
        if not other.identity_known:
            pass
        elif column.identity is not None and other.identity is None:
            identity = "has an `Identity()` in the model but " + (
                _SERIAL if is_serial(migrated, other) else "none") + " in the migrations"
        elif column.identity is None and other.identity is not None:
            identity = (f"{_SERIAL} in the model but has an `Identity()`" if is_serial(model, column)
                        else "has no `Identity()` in the model but one") + " in the migrations"
        elif column.identity is not None and identity_differences(column.identity, other.identity):
            identity = "has `Identity()` options " + ", ".join(
                identity_differences(column.identity, other.identity)) + " (model against migrations)"
        elif None not in (column.sequence, other.sequence) and column.sequence != other.sequence:
            identity = f"takes its values from sequence `{column.sequence}` in the model but `{other.sequence}` in the migrations"
        if identity is not None:
            drifts.append(Drift(
                DriftItem("ORM714", model.name, (name,)),
                f"{subject} {identity} ({place}); make them agree in a migration, or change the model",
                where, other.source,
            ))
    return drifts


def _compare_primary_keys(model: SchemaTable, migrated: SchemaTable) -> list[Drift]:
    """The primary key's columns (Alembic compares none), where both sides know every column
    and both have a key: a key on one side only is left to ORM703/ORM705, which see its columns."""
    ours, theirs = model.primary_key(), migrated.primary_key()
    if not (model.primary_key_known and migrated.primary_key_known and ours and theirs):
        return []
    if set(ours) == set(theirs) or not set(ours + theirs) <= set(model.columns) & set(migrated.columns):
        return []  # (a column on one side only: ORM703 reports it)
    where = next((c.source for c in model.columns.values() if c.primary_key and c.source), model.source)
    also = next((c.source for c in migrated.columns.values() if c.primary_key and c.source), migrated.source)
    return [Drift(
        DriftItem("ORM715", model.name, ()),
        f"the primary key of `{model.name}` is ({', '.join(ours)}) in the model "
        f"but ({', '.join(theirs)}) in the migrations ({_place(also)}); autogenerate does not compare "
        "primary keys: drop and create it in a migration (`op.drop_constraint(..., type_=\"primary\")`, "
        "`op.create_primary_key(...)`), or change the model",
        where, also,
    )]


_SERIAL = "is SERIAL (a `nextval()` default, which takes explicit ids)"


def is_serial(table: SchemaTable, column: SchemaColumn) -> bool:
    """Numbered by PostgreSQL's SERIAL default, which (unlike `GENERATED ALWAYS`) takes explicit
    ids, and cannot take an Identity before its default and sequence go (PostgreSQL 15)."""
    return _is_autoincrement(table, column) or (column.server_default or "").startswith("nextval(")


def _generated(computed: tuple[str, bool | None] | None) -> str:
    if computed is None:
        return "a plain column"
    stored = {True: ", persisted=True", False: ", persisted=False", None: ""}[computed[1]]
    return f"`Computed({shown(computed[0])!r}{stored})`"


# -- the project's migrations --------------------------------------------------------------------


@dataclass
class ScriptDirectory:
    """One Alembic script directory: its revisions, replayed, and its env.py."""

    versions: tuple[Path, ...]
    env: Path | None  # env.py, when there is one
    graph: RevisionGraph
    schema: Schema
    paths: frozenset[str]  # display paths of the revision files and env.py
    # The directory the environment runs from: its alembic.ini's, else the script directory's
    # parent. Several environments (services) each own the models under their root.
    root: Path | None = None
    env_path: str | None = None  # env.py's display path
    # env.py sets `version_locations` when it runs, and this is one of the histories it may
    # choose: "read" from its values, "guessed" (the versions directory and its subdirectories)
    # when they are computed; None when its history is the configured one.
    run_time_choice: str | None = None
    # The database the history is replayed and judged for: `target-dialect` when configured,
    # else the one its alembic.ini or env.py names literally, else PostgreSQL.
    dialect: str = "postgresql"
    # `dialect` is known only from the types the revisions import (`history_dialect`): a history
    # may outlive a move to another database, so the models' own dialect is not taken from it.
    dialect_from_revisions: bool = False


@dataclass
class MigrationSet:
    directories: list[ScriptDirectory]

    @property
    def paths(self) -> frozenset[str]:
        return frozenset(p for d in self.directories for p in d.paths)


def load_migrations(
    locations: list[tuple[tuple[Path, ...], Path | None]],
    absolute: bool,
    parsed: dict[str, "Revision"] | None = None,
    dialect: str | None = None,
) -> MigrationSet | None:
    """Read and replay the revisions of each script directory on a database of `dialect`
    (None: `target-dialect` is not configured: each environment's own, `environment_dialect`).
    `parsed`: revisions already read (the cache), by display path; new ones are added to it."""
    from ormlint.sources import decode, read_file
    from ormlint.migrations import RevisionGraph, parse_revision, replay, revision_files
    from ormlint.migrations.dialect import environment_dialect, environment_ini, history_dialect
    from ormlint.migrations.discovery import environment_root
    from ormlint.migrations.environment import run_time_version_locations

    directories = []
    for versions, env in locations:
        revisions = []
        paths = set()
        for directory in versions:
            for file in revision_files(directory):
                display = display_path(file, absolute)
                paths.add(display)
                revision = parsed.get(display) if parsed is not None else None
                if revision is None:
                    data = read_file(file)
                    try:
                        source = decode(data) if not isinstance(data, OSError) else None
                    except (SyntaxError, UnicodeDecodeError, LookupError):
                        source = None
                    revision = parse_revision(display, source if source is not None else "\0")
                    if parsed is not None:
                        parsed[display] = revision
                revisions.append(revision)
        graph = RevisionGraph(revisions)
        env_path = display_path(env, absolute) if env is not None else None
        if env_path is not None:
            paths.add(env_path)
        script = env.parent if env is not None else versions[0].parent
        root = environment_root(script)
        chosen = run_time_version_locations(env, root) if env is not None else None
        choice = None
        if chosen is not None and any(v in chosen[0] for v in versions):
            choice = "read" if chosen[1] else "guessed"
        own = dialect
        from_revisions = False
        if own is None:
            own = environment_dialect(environment_ini(versions, env), env)
            if own is None:
                own = history_dialect(revisions)
                from_revisions = own is not None
            own = own or "postgresql"
        directories.append(ScriptDirectory(
            versions, env, graph, replay(graph, own), frozenset(paths), root, env_path, choice, own,
            from_revisions,
        ))
    return MigrationSet(directories) if directories else None


def models_index(index: ProjectIndex) -> ProjectIndex:
    """The index without the migration files: a revision that declares a class of its own
    (a snapshot of an old model) must not make the models' names ambiguous."""
    if "models_index" not in index.derived:
        skip = index.migrations.paths if index.migrations is not None else frozenset()
        filtered = index.without(frozenset(skip))
        filtered.complete = index.complete
        filtered.external_models = index.external_models
        index.derived["models_index"] = filtered
    return index.derived["models_index"]


@dataclass(frozen=True)
class EnvironmentModels:
    """Which model files one Alembic environment (env.py and its root) compares."""

    # Every project file an import chain from env.py loads; None when it cannot be followed.
    reached: frozenset[str] | None
    # The model files this environment compares; None when it is not known which are its own.
    files: frozenset[str] | None
    why: str  # how `files` was found, or why it is not known
    # The model files ORM710 may call invisible to this env.py (None: every model file): those
    # under its root that no other environment sharing that root imports.
    own: frozenset[str] | None = None
    # `files` holds every model the metadata can see (not so when they are the files under the
    # root and some model files lie under no environment's root): migrated tables without a
    # model may be called unmapped.
    complete: bool = True
    # The files of its own program (those under its root or under no environment's root), in
    # which class names are resolved; None: every file of the project.
    program: frozenset[str] | None = None


def environment_models(index: ProjectIndex) -> dict[str, EnvironmentModels]:
    """The models each environment of the project compares, by env.py's display path, computed
    once per index. One environment compares every model of the project. Of several (services
    of one repository, each with its own alembic.ini, env.py and database, often sharing a
    library's metadata such as `SQLModel.metadata`), each compares the model modules its env.py
    imports (followed through the project's files, never run), else those under its root."""
    if "environment_models" in index.derived:
        return index.derived["environment_models"]
    migrations: MigrationSet | None = index.migrations
    roots: dict[str, Path] = {}
    for directory in migrations.directories if migrations is not None else ():
        if directory.env_path is not None and directory.root is not None:
            roots.setdefault(directory.env_path, directory.root.resolve())
    models = models_index(index)
    model_files = sorted({
        facts.path for facts in models.files
        if facts.tables or any(c.declares_mapping and c.kind in ("mapped", "unknown") for c in facts.classes)
    })
    found: dict[str, EnvironmentModels] = {}
    if len(roots) == 1:
        env = next(iter(roots))
        reached = _reached_from(models, env, None)
        found[env] = EnvironmentModels(reached, frozenset(model_files), "the only environment")
    elif roots:
        real = {facts.path: os.path.realpath(facts.path) for facts in models.files}
        root_texts = {env: os.path.join(str(root), "") for env, root in roots.items()}  # ends in a separator
        territories = {path: _territory(real[path], root_texts) for path in real}
        under = {path: territories[path] for path in model_files}
        reached_by = {
            env: _reached_from(models, env, frozenset(p for p, r in real.items() if r.startswith(text)))
            for env, text in root_texts.items()
        }
        for env in roots:
            reached = reached_by[env]
            program = frozenset(p for p, envs in territories.items() if not envs or env in envs)
            own = frozenset(
                path for path, envs in under.items() if env in envs and all(
                    reached_by[other] is not None and path not in reached_by[other]
                    for other in envs if other != env
                )
            )
            if reached is not None:
                # a model under its root that env.py misses is its own too (ORM710 says so)
                files = frozenset(p for p in model_files if p in reached) | own
                foreign = sorted(p for p in files if under[p] and env not in under[p])
                if foreign:
                    found[env] = EnvironmentModels(
                        reached, None, f"env.py imports the models of another environment ({foreign[0]})", own,
                    )
                else:
                    found[env] = EnvironmentModels(
                        reached, files, "the model modules env.py imports", own, program=program,
                    )
                continue
            mine = [p for p, envs in under.items() if env in envs]
            if not mine:
                why = "env.py's imports cannot be followed and no model file is under its root"
                found[env] = EnvironmentModels(None, None, why, own)
            elif any(len(under[p]) > 1 for p in mine):
                why = "env.py's imports cannot be followed and other environments share its root"
                found[env] = EnvironmentModels(None, None, why, own)
            else:
                found[env] = EnvironmentModels(
                    None, frozenset(mine), "the model files under its root", own,
                    complete=all(under.values()), program=program,
                )
    for directory in migrations.directories if migrations is not None and len(roots) > 1 else ():
        replaced_by = _left_for(directory, migrations.directories)
        if replaced_by is not None and directory.env_path in found:
            found[directory.env_path] = replace(
                found[directory.env_path], files=None,
                why=f"the alembic.ini above it runs `{replaced_by}`, whose history builds the same "
                "tables (this one was left behind)",
            )
    index.derived["environment_models"] = found
    return found


def _left_for(directory: ScriptDirectory, directories: list[ScriptDirectory]) -> str | None:
    """The script directory that replaced `directory` (a history the project has left): it has
    no alembic.ini of its own, the alembic.ini of the directory above names another script
    directory of the project, and both histories build a table of the same name (one database,
    not two services). None when it was not replaced."""
    from ormlint.migrations.discovery import script_location_from_ini

    if directory.env is None or (directory.env.parent / "alembic.ini").is_file():
        return None
    ini = directory.env.parent.parent / "alembic.ini"
    named = script_location_from_ini(ini) if ini.is_file() else None
    if named is None or named.resolve() == directory.env.parent.resolve():
        return None
    for other in directories:
        if (
            other.env is not None and other.env.parent.resolve() == named.resolve()
            and set(other.schema.tables) & set(directory.schema.tables)
        ):
            return _shown(named)
    return None


def environment_index(index: ProjectIndex, env: str) -> ProjectIndex:
    """The models index of one environment's own program (see EnvironmentModels.program): two
    services that each define a `Base` are two bases, not one ambiguous name."""
    key = ("environment_index", env)
    if key not in index.derived:
        owned = environment_models(index).get(env)
        if owned is None or owned.program is None:
            return models_index(index)
        filtered = index.without(frozenset(f.path for f in index.files if f.path not in owned.program))
        filtered.complete = index.complete
        filtered.external_models = index.external_models
        index.derived[key] = filtered
    return index.derived[key]


def _territory(real_path: str, roots: dict[str, str]) -> set[str]:
    """The environments whose root (a real path ending in a separator) is the deepest one
    holding `real_path` (empty: none holds it)."""
    holding = {env: root for env, root in roots.items() if real_path.startswith(root)}
    deepest = max((len(root) for root in holding.values()), default=None)
    return {env for env, root in holding.items() if len(root) == deepest}


def _reached_from(models: ProjectIndex, env: str, own: frozenset[str] | None) -> frozenset[str] | None:
    """Every project file an import chain from env.py loads (an import that matches files of
    several services loads those in `own`, the files under env.py's root); None when the chain
    cannot be followed."""
    from ormlint.migrations.environment import ModuleFiles, reachable_files, read_source

    if not (models.whole_project and models.complete):
        return None
    source = read_source(env)
    if source is None:
        return None
    ancestors = list(Path(env).resolve().parents)

    def is_local(dotted: str) -> bool:  # a package or module beside env.py or above it
        top = dotted.split(".")[0]
        return bool(top) and any(
            (d / top / "__init__.py").is_file() or (d / f"{top}.py").is_file() for d in ancestors
        )

    files = ModuleFiles((f.path for f in models.files), own.__contains__ if own is not None else None)
    reached = reachable_files(env, source, files, read_source, is_local)
    return frozenset(reached) if reached is not None else None


def project_drift(index: ProjectIndex) -> list[Drift]:
    """The drift between the index's models and its migrations, computed once per index."""
    if "drift" in index.derived:
        return index.derived["drift"]
    drifts: list[Drift] = []
    migrations: MigrationSet | None = index.migrations
    if migrations is not None and len(migrations.directories) == 1:
        directory = migrations.directories[0]
        models = model_schema(models_index(index), migrations.paths, directory.env)
        drifts = compare(models, directory.schema, migrations_uncertain=not directory.graph.complete)
        index.derived["drift_models"] = [models]
    elif migrations is not None:  # several environments: each with the models that are its own
        owners = environment_models(index)
        model_files = frozenset(f.path for f in models_index(index).files)
        judged: list[ModelSchema | None] = []
        seen: set[tuple] = set()
        for directory in migrations.directories:
            owned = owners.get(directory.env_path) if directory.env_path is not None else None
            if owned is None or owned.files is None or directory.run_time_choice is not None:
                judged.append(None)
                continue
            models = model_schema(
                environment_index(index, directory.env_path),
                migrations.paths | (model_files - owned.files), directory.env,
            )
            models.tables_complete = models.tables_complete and owned.complete
            judged.append(models)
            for found in compare(models, directory.schema, migrations_uncertain=not directory.graph.complete):
                key = (found.item, found.where, found.message)  # a shared model file, two services
                if key not in seen:
                    seen.add(key)
                    drifts.append(found)
        index.derived["drift_models"] = judged
    index.derived["drift"] = drifts
    return drifts


def withheld(index: ProjectIndex) -> list[str]:
    """What the drift rules did not judge, and why (`ormlint check --show-uncertain`): the tables
    of each migration history and of the models that got no verdict."""
    migrations = index.migrations
    if migrations is None:
        return []
    project_drift(index)  # computes the model schema of each history
    lines = []
    owners = environment_models(index) if len(migrations.directories) > 1 else {}
    for directory, models in zip(migrations.directories, index.derived.get("drift_models", ())):
        where = ", ".join(_shown(v) for v in directory.versions)
        migrated = directory.schema
        if models is None and directory.run_time_choice is not None:
            lines.append(
                f"{where}: drift is not judged: one of the histories env.py chooses from when it "
                "runs (`version_locations`), e.g. one per dialect"
            )
            continue
        if models is None:
            owned = owners.get(directory.env_path) if directory.env_path is not None else None
            why = owned.why if owned is not None else "no env.py tells which models are its own"
            lines.append(f"{where}: drift is not judged: one of several environments, and {why}")
            continue
        if models.tables_filtered:
            lines.append(
                f"{where}: no table is called missing on either side: env.py's `include_object` "
                "/ `include_name` chooses which tables autogenerate compares"
            )
        elif migrated.uncertain:
            lines.append(
                f"{where}: no table is called missing on either side: "
                f"{migrated.withheld_because or 'the set of tables is not known'}"
            )
        elif not models.tables_complete:
            lines.append(f"{where}: no migrated table is called unmapped: some model tables are not known")
        for name, table in sorted(migrated.tables.items()):
            if table.uncertain and name != "alembic_version":
                lines.append(f"{where}: table `{name}`: {table.withheld_because or 'uncertain'}")
        for name, table in sorted(models.schema.tables.items()):
            if table.uncertain:
                lines.append(f"models: table `{name}`: {table.withheld_because or 'uncertain'}")
    return lines


def _shown(path: Path) -> str:
    relative = os.path.relpath(path)
    return relative if not relative.startswith("..") else str(path)
