"""From drift to the missing revision: the Alembic operations that bring the schema the migrations
build to the one the models declare, written as `alembic revision --autogenerate` writes them,
from source alone (no database).

The operations come from the drift the ORM70x rules report (`ormlint.drift.project_drift`), so
they touch only what both sides state for certain: a table the replay is unsure of, or a model
whose columns cannot all be read, is listed as left alone, never guessed at. An operation that
cannot be written for certain (an unknown type, a foreign key without a name to drop it by) is
left out of the revision and named in a comment that asks for a manual step.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable

from ormlint.schema import PREDICATE_KEYWORDS, SchemaColumn, SchemaForeignKey, SchemaIndex, SchemaTable


@dataclass(frozen=True)
class TableOp:
    """An operation on one existing table: `op.NAME(*before, table, *after)` (`table_name=` when
    `table_keyword`), or inside `with op.batch_alter_table(table) as batch_op:` (SQLite, and
    env.py's `render_as_batch=True`) `batch_op.NAME(*before, *after)`."""

    name: str
    table: str
    before: tuple[str, ...] = ()
    after: tuple[str, ...] = ()
    table_keyword: bool = False

    def __str__(self) -> str:
        table = f"table_name={self.table!r}" if self.table_keyword else repr(self.table)
        return _call(f"op.{self.name}", [*self.before, table, *self.after])

    def in_batch(self) -> str:
        return _call(f"batch_op.{self.name}", [*self.before, *self.after])


@dataclass
class Plan:
    """The operations of one script directory's next revision."""

    directory: object  # ormlint.drift.ScriptDirectory
    upgrade: list[str] = field(default_factory=list)  # rendered `op.` calls
    downgrade: list[str] = field(default_factory=list)
    imports: set[str] = field(default_factory=set)  # beyond `from alembic import op` and `sa`
    manual: list[str] = field(default_factory=list)  # what must be written by hand, and why
    hints: list[str] = field(default_factory=list)  # possible renames, never applied
    left_alone: list[str] = field(default_factory=list)  # uncertain tables, with the reason
    # operations written that ormlint's migration-safety rules would report, and the safe way
    safety: list[str] = field(default_factory=list)
    typeless: dict = field(default_factory=dict)  # (table, column) -> its foreign key target's type
    batch: bool = False  # env.py sets render_as_batch=True: table changes in batch_alter_table
    dialect: str = "postgresql"
    referenced: set[str] = field(default_factory=set)  # tables foreign keys of the database point to

    @property
    def needed(self) -> bool:
        return bool(self.upgrade or self.manual)


def plans(index, dialect: str | None = None) -> list[Plan]:
    """One plan per script directory whose drift was judged (several environments: each its own).
    `dialect`: the target database's (an unnamed constraint has a name only PostgreSQL knows);
    None: each script directory's own (`ScriptDirectory.dialect`)."""
    from ormlint.drift import project_drift, withheld

    drifts = project_drift(index)
    migrations = index.migrations
    if migrations is None:
        return []
    judged = index.derived.get("drift_models", [])
    result = []
    for number, directory in enumerate(migrations.directories):
        models = judged[number] if number < len(judged) else None
        if models is None:
            plan = Plan(directory)
            plan.left_alone.append("every table: which models belong to this history is not known")
            result.append(plan)
            continue
        tables = set(models.schema.tables) | set(directory.schema.tables)
        own = [d for d in drifts if d.item.table in tables]
        own_dialect = dialect or getattr(directory, "dialect", "postgresql")
        result.append(_plan(directory, models.schema, directory.schema, own, own_dialect))
    notes = withheld(index)
    for plan in result:
        plan.left_alone.extend(notes)
    return result


_RENDER_AS_BATCH = re.compile(r"render_as_batch\s*=\s*True")


def _plan(directory, models, migrated, drifts, dialect: str = "postgresql") -> Plan:
    plan = Plan(directory, dialect=dialect)
    env = getattr(directory, "env", None)
    if env is not None:
        from ormlint.migrations.environment import read_source

        plan.batch = bool(_RENDER_AS_BATCH.search(read_source(str(env)) or ""))
    by_table: dict[str, list] = {}
    for drift in drifts:
        by_table.setdefault(drift.item.table, []).append(drift.item)
    created = [t for t in _creation_order(by_table, models) if _codes(by_table[t]) & {"ORM701"} and t in models.tables]
    dropped = [
        t for t in reversed(_creation_order(by_table, migrated))
        if "ORM702" in _codes(by_table[t]) and t not in created and t in migrated.tables
    ]
    plan.typeless = _foreign_key_types(models) | _foreign_key_types(migrated)
    plan.referenced = {fk.target_table for table in migrated.tables.values() for fk in table.foreign_keys}
    skipped: set[str] = set()
    for table_name in created:
        table = models.tables[table_name]
        missing = sorted({fk.target_table for fk in table.foreign_keys} & skipped)
        if missing:
            plan.manual.append(f"`{table_name}`: not created, it refers to {', '.join(missing)}, which could not be")
            skipped.add(table_name)
        elif not _create_table(plan, table):
            skipped.add(table_name)
    for table_name in sorted(by_table):
        model, existing = models.tables.get(table_name), migrated.tables.get(table_name)
        if table_name not in created and table_name not in dropped and model is not None and existing is not None:
            _change_table(plan, model, existing, by_table[table_name])
    enum_items = {(d.item.table, d.item.columns) for d in drifts if d.item.code == "ORM717"}
    if enum_items:
        _change_enum_labels(plan, models, migrated, enum_items)
    for table_name in dropped:
        _drop_table(plan, migrated.tables[table_name])
    for new in created:
        for old in dropped:
            if _shape(models.tables[new]) is not None and _shape(models.tables[new]) == _shape(migrated.tables[old]):
                plan.hints.append(
                    f"table `{old}` dropped and `{new}` added with the same columns: if it is a rename, "
                    f"write op.rename_table({old!r}, {new!r}) instead, which keeps the data"
                )
    return plan


def _shape(table: SchemaTable) -> frozenset | None:
    """A table's columns as (name, type) pairs; None when a type is not known."""
    if not table.columns or any(c.type is None for c in table.columns.values()):
        return None
    return frozenset((c.name, c.type) for c in table.columns.values())


def _codes(items) -> set[str]:
    return {item.code for item in items}


def _creation_order(by_table: dict, models) -> list[str]:
    """Table names sorted, with every table after the tables its foreign keys point to (so
    that `create_table` finds them), cycles kept in name order."""
    order: list[str] = []
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if name in order or name in visiting:
            return
        visiting.add(name)
        table = models.tables.get(name)
        for fk in table.foreign_keys if table is not None else ():
            if fk.target_table in by_table and fk.target_table != name:
                visit(fk.target_table)
        order.append(name)

    for name in sorted(by_table):
        visit(name)
    return order


# -- whole tables ---------------------------------------------------------------------------------

def _foreign_key_types(schema) -> dict[tuple[str, str], str]:
    """(table, column) -> type, for foreign-key columns written without one: they take their
    target's type, as SQLAlchemy does."""
    found = {}
    for table in schema.tables.values():
        for fk in table.foreign_keys:
            target = schema.tables.get(fk.target_table)
            for local, remote in zip(fk.columns, fk.target_columns):
                column = table.columns.get(local)
                remote_column = target.columns.get(remote) if target is not None else None
                if column is not None and column.type is None and remote_column is not None and remote_column.type:
                    found[(table.name, local)] = remote_column.type
    return found


def _create_table(plan: Plan, table: SchemaTable) -> bool:
    rendered = _table_definition(plan, table)
    if rendered is None:
        return False
    plan.upgrade.append(rendered)
    indexes = [i if i.name else _default_named(table.name, i) for i in table.indexes if i.kind == "index" and i.columns]
    for index in indexes:
        plan.upgrade.append(_create_index(table.name, index))
    plan.downgrade[0:0] = [
        *(_drop_index(table.name, index) for index in reversed(indexes)), f"op.drop_table({table.name!r})",
    ]
    return True


def _drop_table(plan: Plan, table: SchemaTable) -> None:
    rendered = _table_definition(plan, table, for_downgrade=True)
    indexes = [i for i in table.indexes if i.kind == "index" and i.columns and i.name]
    plan.upgrade.extend(_drop_index(table.name, index) for index in indexes)
    plan.upgrade.append(f"op.drop_table({table.name!r})")
    if rendered is None:
        plan.downgrade.insert(0, f"# op.create_table({table.name!r}, ...): write it by hand (see above)")
        return
    plan.downgrade[0:0] = [rendered, *(_create_index(table.name, index) for index in indexes)]


def _table_definition(plan: Plan, table: SchemaTable, for_downgrade: bool = False) -> str | None:
    parts = []
    for column in table.columns.values():
        rendered = _column(plan, table.name, column)
        if rendered is None:
            return None
        parts.append(rendered)
    for fk in table.foreign_keys:
        parts.append(_foreign_key_constraint(fk))
    keys = [c.name for c in table.columns.values() if c.primary_key]
    if keys:
        parts.append(f"sa.PrimaryKeyConstraint({_names(keys)})")
    for index in table.indexes:
        if index.kind == "unique_constraint" and index.columns:
            name = f", name={index.name!r}" if index.name and not index.name_generated else ""
            parts.append(f"sa.UniqueConstraint({_names(index.columns)}{name})")
    for check in table.checks:
        parts.append(f"sa.CheckConstraint({check.sql!r}" + (f", name={check.name!r})" if check.name else ")"))
    if table.comment is not None:
        parts.append(f"comment={table.comment!r}")
    body = "".join(f"    {part},\n" for part in parts)
    return f"op.create_table(\n    {table.name!r},\n{body})"


# -- changes inside a table -----------------------------------------------------------------------

def _change_table(plan: Plan, model: SchemaTable, existing: SchemaTable, items) -> None:
    alters: dict[str, set[str]] = {}
    added, dropped = [], []
    for item in items:
        if item.code == "ORM703":
            (name,) = item.columns
            (added if name in model.columns else dropped).append(name)
        elif item.code in ("ORM704", "ORM705", "ORM707") or (item.code == "ORM712" and item.columns):
            alters.setdefault(item.columns[0], set()).add(item.code)
    for name in added:
        column = model.columns[name]
        rendered = _column(plan, model.name, column)
        if rendered is not None:
            plan.upgrade.append(TableOp("add_column", model.name, after=(rendered,)))
            plan.downgrade.insert(0, TableOp("drop_column", model.name, after=(repr(name),)))
            if column.nullable is False and column.server_default is None and not column.primary_key:
                plan.safety.append(
                    f"ORM720: `{model.name}.{name}` is NOT NULL without a server default: on a table "
                    "with rows the add fails; give it server_default=..., or add it nullable, fill "
                    "it, then alter it to NOT NULL"
                )
    for name in dropped:
        rendered = _column(plan, model.name, existing.columns[name])
        plan.upgrade.append(TableOp("drop_column", model.name, after=(repr(name),)))
        plan.downgrade.insert(0, TableOp("add_column", model.name, after=(rendered,)) if rendered else
                              f"# op.add_column({model.name!r}, ...{name}...): write it by hand (see above)")
    for new in added:
        for old in dropped:
            if model.columns[new].type and model.columns[new].type == existing.columns[old].type:
                plan.hints.append(
                    f"`{model.name}.{old}` dropped and `{model.name}.{new}` added with the same type: if "
                    f"it is a rename, write op.alter_column({model.name!r}, {old!r}, new_column_name={new!r}) "
                    "instead, which keeps the data"
                )
    for name in sorted(alters):
        _alter_column(plan, model.name, model.columns[name], existing.columns[name], alters[name])
    codes = {item.code for item in items}
    if "ORM706" in codes:
        _change_indexes(plan, model, existing, [i for i in items if i.code == "ORM706"])
    if "ORM708" in codes:
        _change_foreign_keys(plan, model, existing, [i for i in items if i.code == "ORM708"])
    for item in items:
        if item.code == "ORM713":
            _recreate_computed(plan, model, existing, item.columns[0])
        elif item.code == "ORM714":
            _change_identity(plan, model, existing, item.columns[0])
    if "ORM711" in codes:
        _change_checks(plan, model, existing)
    if "ORM715" in codes:
        _change_primary_key(plan, model, existing)
    if "ORM716" in codes:
        _change_predicates(plan, model, existing, {i.columns for i in items if i.code == "ORM716"})
    if any(i.code == "ORM712" and not i.columns for i in items):
        _change_table_comment(plan, model, existing)


def _change_checks(plan: Plan, model: SchemaTable, existing: SchemaTable) -> None:
    """Drop the migrations' CHECK constraints whose condition the model does not have, then
    create the model's the database lacks (a namesake with another condition: drop, create)."""
    ours = {check.key for check in model.checks}
    theirs = {check.key for check in existing.checks}
    for check in existing.checks:
        namesake = check.name is not None and any(c.name == check.name for c in model.checks)
        if check.key in ours or not (model.checks_known or namesake):
            continue  # (the model may declare it where it cannot be read)
        if check.name is None:
            plan.manual.append(f"`{existing.name}`: the CHECK constraint ({check.sql}) has no name to drop it by")
            continue
        plan.upgrade.append(_drop_check(existing.name, check.name))
        plan.downgrade.insert(0, _create_check(existing.name, check))
    for check in model.checks:
        if check.key in theirs:
            continue
        plan.upgrade.append(_create_check(model.name, check))
        plan.downgrade.insert(0, _drop_check(model.name, check.name) if check.name else
                              f"# TODO by hand: drop the unnamed CHECK constraint ({check.sql}) of `{model.name}`")


def _recreate_computed(plan: Plan, model: SchemaTable, existing: SchemaTable, name: str) -> None:
    """A generated column cannot be altered into another: drop it and add the model's. Left to
    the author when the model's is plain (dropping would lose the values; PostgreSQL's `DROP
    EXPRESSION` keeps them) or when an index, constraint or key uses the column (dropped with it)."""
    from ormlint.sql_expressions import mentions

    new, old = model.columns[name], existing.columns[name]
    uses = any(name in (i.columns or ()) for i in model.indexes + existing.indexes) or any(
        name in fk.columns for fk in model.foreign_keys + existing.foreign_keys
    ) or any(mentions(c.key, name) for c in model.checks + existing.checks)
    if new.computed is None or uses or new.primary_key:
        plan.manual.append(
            f"`{model.name}.{name}`: make it {_generated_text(new)} by hand (it is {_generated_text(old)} in the "
            "database; an index, constraint or key on it, or its values, would not survive a drop and add)"
        )
        return
    added, restored = _column(plan, model.name, new), _column(plan, model.name, old)
    if added is None or restored is None:
        return
    plan.upgrade += [TableOp("drop_column", model.name, after=(repr(name),)), TableOp("add_column", model.name, after=(added,))]
    plan.downgrade[0:0] = [TableOp("drop_column", model.name, after=(repr(name),)),
                           TableOp("add_column", model.name, after=(restored,))]


def _change_identity(plan: Plan, model_table: SchemaTable, existing_table: SchemaTable, name: str) -> None:
    """Identity options changed in place, as Alembic renders it (`alter_column(server_default=
    sa.Identity(...), existing_server_default=sa.Identity(...))`: PostgreSQL's SET GENERATED /
    SET START ...). A SERIAL column or a sequence on either side is left to the author: its
    sequence and default must move by hand (SERIAL <-> Identity: the SQL is given)."""
    from ormlint.drift import is_serial

    table, model, existing = model_table.name, model_table.columns[name], existing_table.columns[name]
    old_type = _sa_type(plan, existing.type) if existing.type else None
    if model.identity is not None and existing.identity is None and is_serial(existing_table, existing):
        plan.manual.append(_serial_to_identity(table, existing, model.identity))
        return
    if model.identity is None and existing.identity is not None and is_serial(model_table, model):
        plan.manual.append(_identity_to_serial(table, name))
        return
    if model.identity is None or existing.identity is None or old_type is None:
        plan.manual.append(
            f"`{table}.{model.name}`: change how its values are numbered (Identity / SERIAL / Sequence) by hand "
            "(PostgreSQL: ALTER TABLE ... ALTER COLUMN ... ADD GENERATED / DROP IDENTITY, and its sequence)"
        )
        return
    new, old = _identity(model.identity, explicit=True), _identity(existing.identity, explicit=True)
    common = [f"existing_type={old_type}", f"existing_nullable={bool(existing.nullable)!r}"]
    plan.upgrade.append(TableOp("alter_column", table, after=(
        repr(model.name), f"server_default={new}", f"existing_server_default={old}", *common)))
    plan.downgrade.insert(0, TableOp("alter_column", table, after=(
        repr(model.name), f"server_default={old}", f"existing_server_default={new}", *common)))


_DATA_DEPENDENT = "the next id depends on the rows, so run on PostgreSQL (checked on 15), and the reverse in downgrade():"


def _serial_to_identity(table: str, column: SchemaColumn, identity: tuple) -> str:
    """A SERIAL column made an identity: ADD GENERATED refuses a column that has a default, and
    the new sequence must continue after the existing ids."""
    options = dict(identity)
    sequence = re.match(r"nextval\('([^']+)'", column.server_default or "")
    clauses = [f"START WITH {options['start']}", f"INCREMENT BY {options['increment']}"]
    clauses += ["CYCLE"] if options["cycle"] else []
    others = sorted(options.keys() - {"always", "start", "increment", "cycle"})
    generated = "ALWAYS" if options["always"] else "BY DEFAULT"
    steps = [
        f"ALTER TABLE {table} ALTER COLUMN {column.name} DROP DEFAULT;",
        f"DROP SEQUENCE {sequence.group(1) if sequence else f'{table}_{column.name}_seq'};",
        f"ALTER TABLE {table} ALTER COLUMN {column.name} ADD GENERATED {generated} AS IDENTITY ({' '.join(clauses)});",
        f"SELECT setval(pg_get_serial_sequence('{table}', '{column.name}'), "
        f"coalesce(max({column.name}) + 1, {options['start']}), false) FROM {table};",
    ]
    also = f" (add the model's {', '.join(others)})" if others else ""
    return (f"`{table}.{column.name}` is SERIAL in the migrations, an Identity in the model{also}; "
            + _DATA_DEPENDENT + "".join(f"\n#     {step}" for step in steps))


def _identity_to_serial(table: str, name: str) -> str:
    sequence = f"{table}_{name}_seq"
    steps = [
        f"ALTER TABLE {table} ALTER COLUMN {name} DROP IDENTITY;",
        f"CREATE SEQUENCE {sequence} OWNED BY {table}.{name};",
        f"SELECT setval('{sequence}', coalesce(max({name}), 0) + 1, false) FROM {table};",
        f"ALTER TABLE {table} ALTER COLUMN {name} SET DEFAULT nextval('{sequence}');",
    ]
    return (f"`{table}.{name}` is an Identity in the migrations, SERIAL in the model; "
            + _DATA_DEPENDENT + "".join(f"\n#     {step}" for step in steps))


def _change_primary_key(plan: Plan, model: SchemaTable, existing: SchemaTable) -> None:
    """Drop the database's primary key and create the model's. Left to the author when foreign
    keys may point to it (they depend on its index) or its name is not known."""
    old_name = existing.primary_key_name
    new_name = model.primary_key_name or (f"{model.name}_pkey" if plan.dialect == "postgresql" else None)
    if existing.name in plan.referenced or old_name is None or new_name is None:
        why = "foreign keys may reference it" if existing.name in plan.referenced else "its name is not known"
        plan.manual.append(
            f"`{model.name}`: change its primary key from ({', '.join(existing.primary_key())}) to "
            f"({', '.join(model.primary_key())}) by hand ({why})"
        )
        return
    plan.upgrade += [_drop_primary_key(model.name, old_name), _create_primary_key(model.name, new_name, model.primary_key())]
    plan.downgrade[0:0] = [_drop_primary_key(model.name, new_name),
                           _create_primary_key(model.name, old_name, existing.primary_key())]


def _change_predicates(plan: Plan, model: SchemaTable, existing: SchemaTable, wanted: set) -> None:
    """A partial index's predicate cannot be altered: drop the index, create the model's."""
    from ormlint.drift import predicate_pairs

    for new, old in predicate_pairs(model, existing):
        if new.columns not in wanted:
            continue
        if old.name is None:
            plan.manual.append(f"`{existing.name}`: the index on ({', '.join(old.columns or ())}) has no name to drop it by")
            continue
        named = new if new.name else _default_named(model.name, new)
        plan.upgrade += [_drop_index(existing.name, old), _create_index(model.name, named)]
        plan.downgrade[0:0] = [_drop_index(model.name, named), _create_index(existing.name, old)]


def _change_enum_labels(plan: Plan, models, migrated, wanted: set) -> None:
    """Labels the model declares and the type lacks: `ALTER TYPE ... ADD VALUE`, first and
    outside the migration's transaction (a label added inside it cannot be used before it
    commits: ORM734). Labels the model dropped: by hand, as PostgreSQL cannot drop one."""
    from ormlint.drift import enum_label_pairs
    from ormlint.schema import sql_label, sql_type_name

    added = []
    for table, column, _, labels, theirs in enum_label_pairs(models.tables, migrated.tables, migrated.enum_types):
        if (table.name, (column.name,)) not in wanted:
            continue
        enum = column.enum_type
        for label in labels:
            if label not in theirs:
                added.append(f"op.execute({f'ALTER TYPE {sql_type_name(enum)} ADD VALUE IF NOT EXISTS {sql_label(label)}'!r})")
        dropped = [label for label in theirs if label not in labels]
        if dropped:
            plan.manual.append(
                f"enum type `{enum}`: the model no longer declares {', '.join(map(repr, dropped))}; PostgreSQL "
                "cannot drop an enum label: create a new type, convert the columns with `USING`, drop the old "
                "type (after deciding what the rows holding it become)"
            )
    if added:
        block = "with op.get_context().autocommit_block():\n" + "".join(f"    {line}\n" for line in added)
        plan.upgrade.insert(0, block.rstrip("\n"))


def _drop_primary_key(table: str, name: str) -> TableOp:
    return TableOp("drop_constraint", table, (repr(name),), ("type_='primary'",))


def _create_primary_key(table: str, name: str, columns: tuple[str, ...]) -> TableOp:
    return TableOp("create_primary_key", table, (repr(name),), (f"[{_names(columns)}]",))


def _generated_text(column: SchemaColumn) -> str:
    return f"Computed({column.computed[0]!r})" if column.computed is not None else "a plain column"


def _drop_check(table: str, name: str) -> TableOp:
    return TableOp("drop_constraint", table, (repr(name),), ("type_='check'",))


def _create_check(table: str, check) -> TableOp:
    return TableOp("create_check_constraint", table, (repr(check.name),), (repr(check.sql),))


def _change_table_comment(plan: Plan, model: SchemaTable, existing: SchemaTable) -> None:
    for side, new, old in ((plan.upgrade, model.comment, existing.comment), (plan.downgrade, existing.comment, model.comment)):
        after = (f"existing_comment={old!r}",)
        operation = (
            TableOp("create_table_comment", model.name, after=(repr(new), *after)) if new is not None
            else TableOp("drop_table_comment", model.name, after=after)
        )
        if side is plan.upgrade:
            side.append(operation)
        else:
            side.insert(0, operation)


def _alter_column(plan: Plan, table: str, model: SchemaColumn, existing: SchemaColumn, codes: set[str]) -> None:
    old_type = _sa_type(plan, existing.type) if existing.type else None
    new_type = _sa_type(plan, model.type) if model.type else None
    if "ORM704" in codes and (old_type is None or new_type is None):
        plan.manual.append(f"`{table}.{model.name}`: change its type from {existing.type} to {model.type} by hand")
        codes = codes - {"ORM704"}
    if not codes:
        return
    up, down = [], []
    if "ORM704" in codes:
        up.append(f"type_={new_type}")
        down.append(f"type_={old_type}")
    if "ORM705" in codes:
        up.append(f"nullable={bool(model.nullable)!r}")
        down.append(f"nullable={bool(existing.nullable)!r}")
    if "ORM707" in codes:
        up.append(f"server_default={_server_default(model.server_default)}")
        down.append(f"server_default={_server_default(existing.server_default)}")
    if "ORM712" in codes:
        up.append(f"comment={model.comment!r}")
        down.append(f"comment={existing.comment!r}")
    # existing_*: what the column is before the operation (the migrated state going up, the
    # model's coming down), so that Alembic can rebuild the column where a dialect needs it
    for side, before in ((up, existing), (down, model)):
        before_type = _sa_type(plan, before.type) if before.type else None
        if "ORM704" not in codes and before_type:
            side.append(f"existing_type={before_type}")
        if "ORM705" not in codes and before.nullable is not None:
            side.append(f"existing_nullable={bool(before.nullable)!r}")
        if "ORM707" not in codes and before.server_default is not None:
            side.append(f"existing_server_default={_server_default(before.server_default)}")
        if before.comment is not None:  # MySQL rewrites the whole column: keep its comment
            side.append(f"existing_comment={before.comment!r}")
    plan.upgrade.append(TableOp("alter_column", table, after=(repr(model.name), *up)))
    plan.downgrade.insert(0, TableOp("alter_column", table, after=(repr(model.name), *down)))


def _change_indexes(plan: Plan, model: SchemaTable, existing: SchemaTable, items) -> None:
    wanted = {item.columns for item in items}
    # only what is on one side alone, compared as the drift rules compare (unique, columns): an
    # index or constraint on the same columns that both sides agree on stays
    ours = {(index.unique, index.columns) for index in model.indexes}
    theirs = {(index.unique, index.columns) for index in existing.indexes}
    # drops first: a changed index keeps its name, which must be free before it is created again
    for index in existing.indexes:
        if index.columns in wanted and (index.unique, index.columns) not in ours:
            if index.name is None:
                plan.manual.append(f"`{existing.name}`: {_what(index)} on ({', '.join(index.columns)}) has no name to drop it by")
                continue
            plan.upgrade.append(_drop_any(existing.name, index))
            plan.downgrade.insert(0, _create_any(existing.name, index))
    for index in model.indexes:
        if index.columns in wanted and (index.unique, index.columns) not in theirs:
            named = index if index.name else _default_named(model.name, index)
            plan.upgrade.append(_create_any(model.name, named))
            plan.downgrade.insert(0, _drop_any(model.name, named))
            if index.kind == "index":
                plan.safety.append(
                    f"ORM721: `op.create_index({named.name!r})` on `{model.name}`, which may have rows, blocks writes while it "
                    "builds: on PostgreSQL write it with postgresql_concurrently=True inside "
                    "`with op.get_context().autocommit_block():`"
                )


def _change_foreign_keys(plan: Plan, model: SchemaTable, existing: SchemaTable, items) -> None:
    for item in items:
        for fk in existing.foreign_keys:
            if fk.columns == item.columns:
                if fk.name is None and plan.dialect != "postgresql":
                    plan.manual.append(
                        f"`{existing.name}`: the foreign key on ({', '.join(fk.columns)}) has no name to drop "
                        f"it by on {plan.dialect} (batch_alter_table(..., naming_convention=...) can name it)"
                    )
                    continue
                name = fk.name or f"{existing.name}_{'_'.join(fk.columns)}_fkey"  # PostgreSQL's own name
                plan.upgrade.append(_drop_foreign_key(existing.name, name))
                plan.downgrade.insert(0, _create_foreign_key(existing.name, fk, name))
        for fk in model.foreign_keys:
            if fk.columns == item.columns:
                name = fk.name or f"{model.name}_{'_'.join(fk.columns)}_fkey"
                plan.upgrade.append(_create_foreign_key(model.name, fk, name))
                plan.downgrade.insert(0, _drop_foreign_key(model.name, name))


# -- rendering ------------------------------------------------------------------------------------

def _column(plan: Plan, table: str, column: SchemaColumn) -> str | None:
    written = column.type or plan.typeless.get((table, column.name))
    sa_type = _sa_type(plan, written) if written else None
    if sa_type is None:
        plan.manual.append(f"`{table}.{column.name}`: its type ({column.type or 'unknown'}) cannot be written for certain")
        return None
    generated = column.computed is not None or column.identity is not None or column.sequence is not None
    if not column.server_default_known and not generated:  # (what generates it is no default)
        plan.manual.append(f"`{table}.{column.name}`: its server default cannot be read")
        return None
    if not column.generated_known:
        plan.manual.append(f"`{table}.{column.name}`: what generates its values cannot be read")
        return None
    args = [repr(column.name), sa_type, *_generated(column)]
    if column.server_default is not None:
        args.append(f"server_default={_server_default(column.server_default)}")
    args.append(f"nullable={bool(column.nullable) and not column.primary_key!r}")
    if column.comment is not None:
        args.append(f"comment={column.comment!r}")
    return _call("sa.Column", args)


def _generated(column: SchemaColumn) -> list[str]:
    """`sa.Computed(...)` / `sa.Identity(...)` of a column, as autogenerate renders them."""
    found = []
    if column.computed is not None:
        sql, persisted = column.computed
        found.append(f"sa.Computed({sql!r}" + (f", persisted={persisted!r})" if persisted is not None else ")"))
    if column.identity is not None:
        found.append(_identity(column.identity, explicit=False))
    return found


def _identity(options: tuple, explicit: bool) -> str:
    """`sa.Identity(...)` with `always` and the options that are not PostgreSQL's defaults, or
    with every option (`explicit`: Alembic alters only the options written, so going back to a
    default must write it)."""
    from ormlint.generated_columns import IDENTITY_DEFAULTS

    written = [f"{key}={value!r}" for key, value in options
               if explicit or key == "always" or IDENTITY_DEFAULTS.get(key, object()) != value]
    return f"sa.Identity({', '.join(written)})"


def _server_default(normalised: str | None) -> str:
    if normalised is None:
        return "None"
    if normalised == "now()":  # func.now(), CURRENT_TIMESTAMP...: each database's own spelling
        return "sa.func.now()"
    return f"sa.text({normalised!r})"


_SIMPLE_TYPES = {
    "TEXT": "sa.Text()", "INTEGER": "sa.Integer()", "BIGINT": "sa.BigInteger()",
    "SMALLINT": "sa.SmallInteger()", "BOOLEAN": "sa.Boolean()", "DATE": "sa.Date()",
    "TIMESTAMP": "sa.DateTime()", "TIMESTAMP WITHOUT TIME ZONE": "sa.DateTime()",
    "TIMESTAMP WITH TIME ZONE": "sa.DateTime(timezone=True)", "TIME": "sa.Time()",
    "TIME WITH TIME ZONE": "sa.Time(timezone=True)", "INTERVAL": "sa.Interval()",
    "FLOAT": "sa.Float()", "REAL": "sa.REAL()", "DOUBLE PRECISION": "sa.Double()",
    "NUMERIC": "sa.Numeric()", "BYTEA": "sa.LargeBinary()", "JSON": "sa.JSON()",
    "UUID": "sa.Uuid()", "VARCHAR": "sa.String()",
}
_POSTGRESQL_TYPES = {
    "JSONB": "postgresql.JSONB(astext_type=sa.Text())", "INET": "postgresql.INET()",
    "CIDR": "postgresql.CIDR()",
}


def _sa_type(plan: Plan, normalised: str | None) -> str | None:
    """The SQLAlchemy spelling of a normalised SQL type; None when not known for certain."""
    if normalised is None:
        return None
    text = normalised.strip().upper()
    if text in _SIMPLE_TYPES:
        return _SIMPLE_TYPES[text]
    if text in _POSTGRESQL_TYPES:
        plan.imports.add("from sqlalchemy.dialects import postgresql")
        return _POSTGRESQL_TYPES[text]
    match = re.fullmatch(r"(VARCHAR|CHAR|NUMERIC|FLOAT)\((\d+)(?:,\s*(\d+))?\)", text)
    if match:
        kind, first, second = match.groups()
        if kind == "VARCHAR" and second is None:
            return f"sa.String(length={first})"
        if kind == "CHAR" and second is None:
            return f"sa.CHAR(length={first})"
        if kind == "NUMERIC":
            return f"sa.Numeric(precision={first}, scale={second or 0})"
        if kind == "FLOAT" and second is None:
            return f"sa.Float(precision={first})"
    return None


def _call(function: str, args: Iterable[str]) -> str:
    return f"{function}({', '.join(args)})"


def _names(names: Iterable[str]) -> str:
    return ", ".join(repr(n) for n in names)


def _what(index: SchemaIndex) -> str:
    return "the unique constraint" if index.kind == "unique_constraint" else "the index"


def _default_named(table: str, index: SchemaIndex) -> SchemaIndex:
    """An unnamed index gets SQLAlchemy's name for `index=True` (ix_<table>_<column>, through
    op.f), an unnamed unique constraint PostgreSQL's (<table>_<columns>_key)."""
    from dataclasses import replace

    from ormlint.schema import default_index_name

    if index.kind == "unique_constraint":
        return replace(index, name=f"{table}_{'_'.join(index.columns or ())}_key")
    return replace(index, name=default_index_name(table, "_".join(index.columns or ())), name_generated=True)


def _index_name(index: SchemaIndex) -> str:
    return f"op.f({index.name!r})" if index.name_generated else repr(index.name)


def _create_index(table: str, index: SchemaIndex) -> TableOp:
    unique = ("unique=True",) if index.unique else ()
    where = tuple(
        f"{keyword}=sa.text({sql!r})" for keyword, dialect in PREDICATE_KEYWORDS.items()
        for sql in [dict(index.where).get(dialect)] if sql is not None
    )
    return TableOp("create_index", table, (_index_name(index),), (f"[{_names(index.columns or ())}]", *unique, *where))


def _drop_index(table: str, index: SchemaIndex) -> TableOp:
    return TableOp("drop_index", table, (_index_name(index),), table_keyword=True)


def _create_any(table: str, index: SchemaIndex) -> TableOp:
    if index.kind == "unique_constraint":
        return TableOp("create_unique_constraint", table, (repr(index.name),), (f"[{_names(index.columns or ())}]",))
    return _create_index(table, index)


def _drop_any(table: str, index: SchemaIndex) -> TableOp:
    if index.kind == "unique_constraint":
        return TableOp("drop_constraint", table, (repr(index.name),), ("type_='unique'",))
    return _drop_index(table, index)


def _foreign_key_constraint(fk: SchemaForeignKey) -> str:
    targets = [f"{fk.target_table}.{c}" for c in fk.target_columns]
    extra = (f", ondelete={fk.ondelete!r}" if fk.ondelete else "") + (f", name={fk.name!r}" if fk.name else "")
    return f"sa.ForeignKeyConstraint([{_names(fk.columns)}], [{_names(targets)}]{extra})"


def _create_foreign_key(table: str, fk: SchemaForeignKey, name: str) -> TableOp:
    ondelete = (f"ondelete={fk.ondelete!r}",) if fk.ondelete else ()
    return TableOp(
        "create_foreign_key", table, (repr(name),),
        (repr(fk.target_table), f"[{_names(fk.columns)}]", f"[{_names(fk.target_columns)}]", *ondelete),
    )


def _drop_foreign_key(table: str, name: str) -> TableOp:
    return TableOp("drop_constraint", table, (repr(name),), ("type_='foreignkey'",))


def render_operations(operations: list, indent: str = "    ", batch: bool = False) -> str:
    """The body of `upgrade()`/`downgrade()`: each operation indented, `pass` when there is none.
    `batch`: the operations on one table in a row go into one `op.batch_alter_table` block."""
    if not operations:
        return f"{indent}pass\n"
    lines: list[str] = []
    current: str | None = None
    for operation in operations:
        if batch and isinstance(operation, TableOp):
            if operation.table != current:
                lines.append(f"with op.batch_alter_table({operation.table!r}, schema=None) as batch_op:")
                current = operation.table
            lines.append("    " + operation.in_batch())
            continue
        current = None
        lines.append(str(operation))
    return "".join(indent + line.replace("\n", "\n" + indent) + "\n" for line in lines)
