"""The named PostgreSQL enum types that revisions create and drop (ORM736, ORM737, ORM738).

A type is created by `op.create_table` for each column whose `sa.Enum(..., name=...)` or
`postgresql.ENUM(...)` lacks `create_type=False` (SQLAlchemy's before-create event; never by
`op.add_column`), by `<enum>.create(bind)` and by `CREATE TYPE` in SQL; it is dropped only by
`<enum>.drop(bind)` or `DROP TYPE` (never by `op.drop_table` or `op.drop_column`). What may
create or drop any type (SQL or code that was not read) leaves no type known.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable, Iterator

from ormlint.migrations.operations import (
    AddColumn, CreateTable, EnumTypeChange, Operation, Revision, Uncertain,
)
from ormlint.project import ProjectIndex
from ormlint.rules.base import RuleOptions
from ormlint.rules.migration_safety.judged import (
    _ancestors, _flattened, _for_another_dialect, _judged_ids,
)


@dataclass(frozen=True)
class TypeEvent:
    # "created" (CREATE TYPE runs), "used" (a column of the type: it exists), "dropped",
    # "maybe" (the type may have changed), "unknown" (any type may have changed)
    kind: str
    name: str | None
    operation: Operation
    by_table: bool = False  # created by op.create_table's CREATE TYPE
    checkfirst: bool | None = False  # an explicit create: only if missing


def type_events(operations: Iterable[Operation]) -> Iterator[TypeEvent]:
    """What the operations (dialect branches resolved) do to the named types, in order."""
    for op in operations:
        if isinstance(op, CreateTable):
            for column in op.columns:
                enum = column.enum_type
                if enum is None:
                    continue
                if enum.created_with_table is None:
                    yield TypeEvent("maybe", enum.name, op)
                else:
                    yield TypeEvent("created" if enum.created_with_table else "used", enum.name, op,
                                    by_table=enum.created_with_table)
        elif isinstance(op, AddColumn) and op.column.enum_type is not None:
            yield TypeEvent("used", op.column.enum_type.name, op)
        elif isinstance(op, EnumTypeChange) and op.action in ("create", "drop"):  # not a label's change
            if op.name is None:
                yield TypeEvent("unknown", None, op)
            elif not op.certain:
                yield TypeEvent("maybe", op.name, op)
            else:
                yield TypeEvent("created" if op.action == "create" else "dropped", op.name, op,
                                checkfirst=op.checkfirst)
        elif isinstance(op, Uncertain) and op.table is None:
            yield TypeEvent("unknown", None, op)


@dataclass(frozen=True)
class Maker:
    """Where a type that exists was created (or first used, when its creation was not seen)."""

    revision: str | None
    path: str
    line: int
    created: bool

    def describe(self, here: str) -> str:
        where = "earlier in this revision" if self.path == here else f"by {self.path}:{self.line}"
        return f"created {where}" if self.created else f"used {where}, so it exists"


def apply_event(types: dict[str, Maker], event: TypeEvent, revision: Revision) -> None:
    """`types` (the types there, by name) after `event` of `revision`."""
    if event.kind == "unknown":
        types.clear()
    elif event.kind in ("dropped", "maybe"):
        types.pop(event.name, None)  # type: ignore[arg-type]
    elif event.name not in types:
        types[event.name] = Maker(  # type: ignore[index]
            revision.revision, revision.path, event.operation.location.line, event.kind == "created",
        )


@dataclass(frozen=True)
class JudgedRevision:
    revision: Revision
    dialect: str  # the database the revision runs on (ScriptDirectory.dialect)
    operations: tuple[Operation, ...]  # upgrade()'s, dialect branches resolved
    types_before: dict[str, Maker]  # the types its ancestors leave, by name
    named_before: frozenset[str]  # the types an ancestor's operations name
    # No ancestor ran SQL or code that may have made any type (then a type no ancestor names
    # does not exist), and the tables its ancestors' `op.create_table` made.
    types_certain: bool = False
    tables_before: frozenset[str] = frozenset()


def judged_enum_revisions(index: ProjectIndex, options: RuleOptions) -> list[JudgedRevision]:
    """The revisions the safety rules judge, with the types before each (once per run)."""
    key = ("migration_safety_enum_types", options)
    if key not in index.derived:
        index.derived[key] = list(_judged_enum_revisions(index, options))
    return index.derived[key]


def _judged_enum_revisions(index: ProjectIndex, options: RuleOptions) -> Iterator[JudgedRevision]:
    migrations = index.migrations
    if migrations is None:
        return
    for directory in migrations.directories:
        dialect = directory.dialect
        if _for_another_dialect(directory, dialect):
            continue
        graph = directory.graph
        judged = _judged_ids(index, graph, options)
        if not judged:
            continue
        types: dict[str, Maker] = {}  # over the replay order
        named_by: dict[str, set[str]] = defaultdict(set)
        unsure: set[str | None] = set()  # revisions that may have made any type
        created_by: dict[str, set[str | None]] = defaultdict(set)  # table -> revisions creating it
        for revision in graph.ordered():
            rid = revision.revision
            operations = tuple(_flattened(revision.operations, dialect))
            if rid in judged and not revision.wrapped_upgrade:
                ancestors = _ancestors(graph, rid)
                yield JudgedRevision(
                    revision, dialect, operations,
                    {name: maker for name, maker in types.items() if maker.revision in ancestors},
                    frozenset(name for name, rids in named_by.items() if rids & ancestors),
                    types_certain=not (unsure & ancestors) and graph.complete,
                    tables_before=frozenset(table for table, rids in created_by.items() if rids & ancestors),
                )
            if revision.wrapped_upgrade:
                unsure.add(rid)
            for op in operations:
                if isinstance(op, CreateTable):
                    created_by[op.table].add(rid)
            for event in type_events(operations):
                if event.name is not None:
                    named_by[event.name].add(rid)
                if event.kind == "unknown":
                    unsure.add(rid)
                apply_event(types, event, revision)

