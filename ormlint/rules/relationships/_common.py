"""What the relationships rules share."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Iterator

import libcst as cst

from ormlint.model.types import RelationshipDecl
from ormlint.project import ClassFacts, ColumnFacts, ProjectIndex, RelationshipFacts
from ormlint.rules.base import example


def models_example(body: str) -> str:
    """An example module: the imports and Base that every relationship example shares."""
    header = (
        "from typing import Optional\n\n"
        "from sqlalchemy import ForeignKey\n"
        "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship\n\n\n"
        "class Base(DeclarativeBase):\n"
        "    pass\n"
    )
    return header + example(body)


ClassKey = tuple[str, str]  # (path, class name)

TableKey = tuple[tuple[str, str], str]  # (declarative root, table name)


@dataclass(frozen=True)
class _FkPath:
    """One foreign-key constraint between a relationship's tables (column-level: one column)."""

    table: TableKey  # the table holding the foreign key
    column: str
    ref_table: TableKey
    ref_column: str
    on_owner: bool  # the foreign key is in the relationship owner's tables (many-to-one)

    def describe(self) -> str:
        return f"{self.table[1]}.{self.column} -> {self.ref_table[1]}.{self.ref_column}"


@dataclass
class MappedInfo:
    path: str
    cls: ClassFacts
    root: tuple[str, str]
    table: TableKey  # the local table (the parent's, for single-table inheritance)
    tables: tuple[TableKey, ...]  # the local table, then the inherited tables (joined inheritance)
    hierarchy: tuple[ClassKey, ...]  # this class, then its mapped ancestors
    columns_by_attr: dict[str, ColumnFacts]  # the columns this class adds to `table`

    @property
    def key(self) -> ClassKey:
        return (self.path, self.cls.name)


_UNKNOWN = object()


class Schema:
    @staticmethod
    def of(index: ProjectIndex) -> "Schema":
        """The index's schema, built once and shared by the rules that read it (its caches are
        a function of the index alone)."""
        schema = index.derived.get("relationship_schema")
        if schema is None:
            schema = index.derived["relationship_schema"] = Schema(index)
        return schema

    def __init__(self, index: ProjectIndex) -> None:
        self.index = index
        self._infos: dict[ClassKey, MappedInfo | None] = {}
        self._columns: dict[TableKey, dict[str, ColumnFacts] | None] | None = None

    # -- classes ----------------------------------------------------------------------------

    def info(self, path: str, cls: ClassFacts) -> MappedInfo | None:
        key = (path, cls.name)
        if key not in self._infos:
            self._infos[key] = None  # cycles in bases end here
            self._infos[key] = self._build_info(path, cls)
        return self._infos[key]

    def target(self, path: str, rel: RelationshipFacts) -> MappedInfo | None:
        if not rel.target:
            return None
        found = self.index.resolve_class(rel.target, prefer_path=path)
        return self.info(*found) if found is not None else None

    def _build_info(self, path: str, cls: ClassFacts) -> MappedInfo | None:
        index = self.index
        if cls.kind in ("mixin", "abstract", "base"):
            return None
        mapped = index.table_of(path, cls)
        if mapped is None:
            return None  # `__table__`, a computed `__tablename__`, a generated name, not mapped
        if index.attributes(path, cls) is None:
            return None  # a base from outside the project may add columns
        root = index.declarative_root(path, cls)
        if root is None:
            return None
        part = index.class_part(path, cls)
        parents = index.mapped_bases(cls)
        if part.redeclared or not part.bases_known or parents is None or len(parents) > 1:
            return None  # a column declared twice (which one counts?), or bases unknown
        parent = parents[0] if parents else None
        columns = {d.fact.attr: d.fact for d in part.columns if d.fact.attr}
        parent_info = self.info(*parent) if parent is not None else None
        if parent is not None and parent_info is None:
            return None
        if mapped.path == path and mapped.class_name == cls.name:
            # (a schema that cannot be read is taken for the default: a foreign key naming the
            # table without one fails to configure unless it is)
            name = f"{mapped.schema}.{mapped.name}" if mapped.schema and mapped.schema_known else mapped.name
            table: TableKey = (root, name)
            inherited = parent_info.tables if parent_info is not None else ()
            tables = (table,) + tuple(t for t in inherited if t != table)
        elif parent_info is not None:
            table, tables = parent_info.table, parent_info.tables
        else:
            return None
        hierarchy = ((path, cls.name),) + (parent_info.hierarchy if parent_info else ())
        return MappedInfo(path, cls, root, table, tables, hierarchy, columns)

    # -- tables -----------------------------------------------------------------------------

    def columns(self, table: TableKey) -> dict[str, ColumnFacts] | None:
        """Column name -> facts for a table mapped by classes of the project; None if unknown
        (two classes claim it, or they declare one column with different foreign keys)."""
        if self._columns is None:
            self._columns = self._build_columns()
        return self._columns.get(table)

    def _build_columns(self) -> dict[TableKey, dict[str, ColumnFacts] | None]:
        tables: dict[TableKey, dict[str, ColumnFacts] | None] = {}
        owners: dict[TableKey, int] = defaultdict(int)
        for path, cls in self.index.classes():
            info = self.info(path, cls)
            if info is None:
                continue  # its columns stay unseen: they could only add foreign-key paths
            if cls.tablename:
                owners[info.table] += 1
            current = tables.setdefault(info.table, {})
            if current is None:
                continue
            for column in info.columns_by_attr.values():
                if not column.name:
                    continue
                other = current.setdefault(column.name, column)
                if {t for t, _ in other.foreign_keys} != {t for t, _ in column.foreign_keys} or (
                    set(other.class_foreign_keys) != set(column.class_foreign_keys)
                ):
                    tables[info.table] = None
                    break
        for table, count in owners.items():
            if count != 1:
                tables[table] = None  # two classes map one table name: not ours to untangle
        return tables

    def foreign_keys(self, table: TableKey) -> list[tuple[str, TableKey, str]] | None:
        """(column, referenced table, referenced column) for each visible foreign key."""
        columns = self.columns(table)
        if columns is None:
            return None
        found = []
        for name, column in columns.items():
            for target, _ in column.foreign_keys:
                qualified, _, referenced = target.rpartition(".")  # "[schema.]table", "column"
                if qualified:
                    found.append((name, (table[0], qualified), referenced))
            for ref in column.class_foreign_keys:  # ForeignKey(User.id)
                class_name, _, attr = ref.partition(".")
                resolved = self.index.resolve_class(class_name)
                info = self.info(*resolved) if resolved is not None else None
                referenced = info.columns_by_attr.get(attr) if info is not None else None
                if info is not None and referenced is not None and referenced.name:
                    found.append((name, info.table, referenced.name))
        return found

    def join(
        self, owner: MappedInfo, target: MappedInfo, consider: frozenset[tuple[TableKey, str]] | None
    ) -> list[_FkPath] | None:
        """The foreign-key constraints SQLAlchemy would find between the two classes' tables
        (None: cannot tell). `consider`: the columns named by `foreign_keys=`."""
        if owner.root != target.root:
            return None
        self_referential = owner.key == target.key
        if not self_referential and set(owner.hierarchy) & set(target.hierarchy):
            return None  # within one inheritance hierarchy: the inheritance key joins too
        if self_referential and len(owner.tables) != 1:
            return None
        fks: dict[TableKey, list] = {}
        for table in set(owner.tables) | set(target.tables):
            found = self.foreign_keys(table)
            if found is None:
                return None
            fks[table] = found
        target_tables = set(target.tables)
        paths: list[_FkPath] = []
        lefts = [(owner.table,), owner.tables] if len(owner.tables) > 1 else [owner.tables]
        for left in lefts:
            left_tables = set(left)
            for table in target.tables:
                for column, ref_table, ref_column in fks[table]:
                    if ref_table in left_tables:
                        paths.append(_FkPath(table, column, ref_table, ref_column, False))
            if not self_referential:
                for table in left:
                    for column, ref_table, ref_column in fks[table]:
                        if ref_table in target_tables:
                            paths.append(_FkPath(table, column, ref_table, ref_column, True))
            if consider is not None:
                paths = [p for p in paths if (p.table, p.column) in consider]
            if paths:
                break
        for path in paths:  # a key naming a missing column fails differently (ORM602)
            referenced = self.columns(path.ref_table)
            if referenced is None or path.ref_column not in referenced:
                return None
        unique = list(dict.fromkeys(paths))
        if consider is not None and len(unique) > 1:
            unique = [p for p in unique if {(p.table, p.column)} == consider]
        return unique

    def consider(self, owner: MappedInfo, rel: RelationshipFacts) -> frozenset[tuple[TableKey, str]] | None | object:
        """The columns of `foreign_keys=`; None when not given; _UNKNOWN when not resolvable."""
        if "foreign_keys" not in rel.keywords:
            return None
        if not rel.foreign_keys_refs:
            return _UNKNOWN
        found = set()
        for ref in rel.foreign_keys_refs:
            class_name, _, attr = ref.rpartition(".")
            if class_name:
                resolved = self.index.resolve_class(class_name, prefer_path=owner.path)
                info = self.info(*resolved) if resolved is not None else None
            else:
                info = owner
                if not any(c.attr == attr for c in owner.cls.columns):
                    return _UNKNOWN  # a bare name is one bound above, in the class body
            column = info.columns_by_attr.get(attr) if info is not None else None
            if info is None or column is None or not column.name:
                return _UNKNOWN
            found.add((info.table, column.name))
        return frozenset(found)

    # -- relationships ----------------------------------------------------------------------

    def relationships(self) -> Iterator[tuple[MappedInfo, RelationshipFacts]]:
        """Relationships declared in the bodies of mapped classes whose table is known."""
        for path, cls in self.index.classes():
            if not cls.relationships:
                continue
            info = self.info(path, cls)
            if info is None:
                continue
            names = [rel.attr for rel in cls.relationships]
            for rel in cls.relationships:
                # declared twice (in `if`/`else` branches): which one runs is not known here
                if not rel.has_unknown_kwargs and names.count(rel.attr) == 1:
                    yield info, rel

    def paths(self, owner: MappedInfo, rel: RelationshipFacts, target: MappedInfo) -> list[_FkPath] | None:
        """The join paths of a relationship without `primaryjoin`/`secondary`."""
        if rel.keywords & {"primaryjoin", "secondaryjoin", "secondary"}:
            return None
        consider = self.consider(owner, rel)
        if consider is _UNKNOWN:
            return None
        return self.join(owner, target, consider)  # type: ignore[arg-type]

    @staticmethod
    def is_sibling(a: MappedInfo, b: MappedInfo) -> bool:
        """Two classes of one inheritance hierarchy on different branches (SQLAlchemy's
        `Mapper.is_sibling`)."""
        return (
            a.hierarchy[-1] == b.hierarchy[-1]
            and a.key not in b.hierarchy
            and b.key not in a.hierarchy
        )


def attribute_label(info: MappedInfo, rel: RelationshipFacts) -> str:
    return f"`{info.cls.name}.{rel.attr}`"


def keyword_value(rel: RelationshipDecl, name: str) -> cst.BaseExpression | None:
    arg = rel.kwargs.get(name)
    return arg.value if arg is not None else None
