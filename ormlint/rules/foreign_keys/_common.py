"""What the foreign_keys rules share."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Iterator

import libcst as cst

from ormlint.model.extract import keyword_args, positional_args
from ormlint.model.names import string_value
from ormlint.model.types import ColumnDecl, FileModel
from ormlint.project import ColumnFacts, ProjectIndex

from ormlint.rules.indexes import class_has_own_table, class_table_columns, column_key


REFERENTIAL_ACTIONS = ("CASCADE", "SET NULL", "SET DEFAULT", "RESTRICT", "NO ACTION")

# PostgreSQL 15+: `ON DELETE SET NULL (col, ...)` nulls only the listed columns.
_PG_COLUMN_LIST = re.compile(
    r'^SET (NULL|DEFAULT) ?\( ?(\w+|"[^"]+")( ?, ?(\w+|"[^"]+"))* ?\)$', re.IGNORECASE
)

SHARED_REFERENCES = (
    "SQLAlchemy: ON UPDATE and ON DELETE, https://docs.sqlalchemy.org/en/20/core/constraints.html#on-update-and-on-delete",
    "PostgreSQL: CREATE TABLE, REFERENCES ... ON DELETE referential_action, https://www.postgresql.org/docs/current/sql-createtable.html",
)


def normalize_action(text: str) -> str:
    return " ".join(text.split()).upper()


def is_referential_action(text: str) -> bool:
    normal = normalize_action(text)
    return normal in REFERENTIAL_ACTIONS or bool(_PG_COLUMN_LIST.match(normal))


def suggest_action(text: str) -> str | None:
    """The referential action a wrong value most likely meant, or None."""
    normal = normalize_action(re.sub(r"[_\-]+", " ", text))
    normal = re.sub(r"^ON (DELETE|UPDATE) ", "", normal)
    if normal in REFERENTIAL_ACTIONS:
        return normal
    squashed = normal.replace(" ", "")
    for action in REFERENTIAL_ACTIONS:
        if squashed == action.replace(" ", ""):
            return action
    if "CASCADE" in normal or normal in ("DELETE", "DELETE ALL", "REMOVE"):
        return "CASCADE"
    if "NULL" in normal:
        return "SET NULL"
    if "DEFAULT" in normal:
        return "SET DEFAULT"
    close = difflib.get_close_matches(normal, REFERENTIAL_ACTIONS, n=1, cutoff=0.6)
    return close[0] if close else None


def real_keyword(call: cst.Call, name: str) -> cst.Arg | None:
    """The keyword argument `name` written in this call itself (not one merged from SQLModel's
    `sa_column_kwargs`)."""
    return keyword_args(call).get(name)


@dataclass(frozen=True)
class ActionSite:
    keyword: str  # "ondelete" / "onupdate"
    value: str
    node: cst.BaseExpression  # the value as written
    where: str  # "ForeignKey", "ForeignKeyConstraint", "Field"
    columns: tuple[ColumnDecl, ...]  # the constrained columns, when known


def _call_sites(call: cst.Call, where: str, columns: tuple[ColumnDecl, ...]) -> Iterator[ActionSite]:
    kwargs = keyword_args(call)
    for keyword in ("ondelete", "onupdate"):
        arg = kwargs.get(keyword)
        value = string_value(arg.value) if arg is not None else None
        if arg is not None and value is not None:
            yield ActionSite(keyword, value, arg.value, where, columns)


def _constraint_calls(model: FileModel, items) -> Iterator[cst.Call]:
    for item in items:
        if isinstance(item, cst.Call) and model.imports.symbol(item.func) == "ForeignKeyConstraint":
            yield item


def _constraint_columns(call: cst.Call, by_key: dict[str, ColumnDecl]) -> tuple[ColumnDecl, ...]:
    """The local columns of ForeignKeyConstraint([...], [...]) that are known columns."""
    positional = positional_args(call)
    if not positional or not isinstance(positional[0].value, (cst.List, cst.Tuple)):
        return ()
    found = []
    for element in positional[0].value.elements:
        name = string_value(element.value)
        if name is not None and name in by_key:
            found.append(by_key[name])
    return tuple(found)


def action_sites(model: FileModel, include_loose: bool = True) -> Iterator[ActionSite]:
    """Every ondelete=/onupdate= string given to a ForeignKey, a ForeignKeyConstraint or a
    SQLModel Field, with the columns it constrains where they are known."""
    seen: set[int] = set()
    for cls in model.classes:
        columns = class_table_columns(model, cls).columns if class_has_own_table(cls) else ()
        by_key = {column_key(c): c for c in columns if column_key(c)}
        for column in cls.columns:
            seen.add(id(column))
            yield from _column_sites(column)
        if cls.table_args.shape == "tuple":
            for call in _constraint_calls(model, cls.table_args.items):
                yield from _call_sites(call, "ForeignKeyConstraint", _constraint_columns(call, by_key))
    for table in model.tables:
        by_key = {column_key(c): c for c in table.columns if column_key(c)}
        for column in table.columns:
            seen.add(id(column))
            yield from _column_sites(column)
        args = [arg.value for arg in positional_args(table.node)]
        for call in _constraint_calls(model, args):
            yield from _call_sites(call, "ForeignKeyConstraint", _constraint_columns(call, by_key))
    if include_loose:
        for column in model.loose_columns:
            if id(column) not in seen:
                yield from _column_sites(column)


def _column_sites(column: ColumnDecl) -> Iterator[ActionSite]:
    for fk in column.foreign_keys:
        yield from _call_sites(fk.node, "ForeignKey", (column,))
    if column.constructor == "sqlmodel.Field":
        # SQLModel's own `Field(foreign_key=..., ondelete=...)` passes it to a ForeignKey.
        arg = real_keyword(column.node, "ondelete")
        value = string_value(arg.value) if arg is not None else None
        if arg is not None and value is not None:
            yield ActionSite("ondelete", value, arg.value, "Field", ())


@dataclass(frozen=True)
class _Target:
    """A table a foreign key may name: a mapped class's or a `Table()`."""

    schema: str | None  # None: the MetaData's default
    schema_known: bool
    # Column name -> its facts (None: a name a class body binds, maybe a column the index does
    # not model); None when columns may come from where the index cannot see (an unknown base).
    columns: dict[str, ColumnFacts | None] | None

    @property
    def qualifier(self) -> str:
        return f"{self.schema}." if self.schema else ""


def targets_by_table(index: ProjectIndex) -> dict[str, list[_Target]]:
    """Table name -> the tables of that name, in any schema (computed once per index)."""
    found = index.derived.get("foreign_key_targets")
    if found is not None:
        return found
    found = {}
    for path, cls in index.classes():
        table = index.table_of(path, cls)
        if table is None:
            if cls.tablename:  # a table whose schema and columns are not known
                found.setdefault(cls.tablename, []).append(_Target(None, False, None))
            continue
        if table.path != path or table.class_name != cls.name:
            continue  # a single-table subclass: its columns are in its parent's table
        columns: dict[str, ColumnFacts | None] | None = {}
        for part in table.parts:
            if not part.bases_known:
                columns = None
                break
            for declared in part.columns:
                if declared.fact.name:
                    columns.setdefault(declared.fact.name, declared.fact)
            for name in part.attributes:
                columns.setdefault(name, None)
        found.setdefault(table.name, []).append(_Target(table.schema, table.schema_known, columns))
    for facts in index.files:
        for declared in facts.tables:
            found.setdefault(declared.name, []).append(_Target(
                declared.schema, declared.schema_known, {c.name: c for c in declared.columns if c.name},
            ))
    index.derived["foreign_key_targets"] = found
    return found


def referenced_tables(index: ProjectIndex, schema: str | None, table: str) -> list[_Target] | None:
    """The tables a foreign key to `schema.table` (schema None: not qualified) may reference;
    [] when there is none, None when that is not known. An unqualified name is the MetaData's
    default schema, which a MetaData's own `schema=` (not followed here) may make any."""
    named = targets_by_table(index).get(table, [])
    if schema is None:
        default = [t for t in named if t.schema is None or not t.schema_known]
        return default or named
    if any(not t.schema_known for t in named):
        return None
    same = [t for t in named if t.schema == schema]
    if same:
        return same
    if any(t.schema is None for t in named):
        return None  # the MetaData's own `schema=` may be `schema`
    return []
