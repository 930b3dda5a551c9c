"""The extracted model of one file: plain data that every rule reads.

Nodes are kept (``node`` fields, excluded from equality) so that findings can point at source and
fixes can replace syntax; every other field is a fact about the declaration.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Literal, Mapping

import libcst as cst

from ormlint.model.blocks import is_generator, return_values
from ormlint.model.names import Bindings, ImportTable


@dataclass(frozen=True)
class MappedAnnotation:
    """``Mapped[X]`` / ``WriteOnlyMapped[X]`` / ``DynamicMapped[X]``, string forms unwrapped."""

    wrapper: str  # "Mapped", "WriteOnlyMapped", "DynamicMapped"
    inner: cst.BaseExpression = field(compare=False)
    # True: the inner type admits None; False: it does not; None: cannot tell (Any, TypeVar, ...).
    optional: bool | None
    node: cst.CSTNode = field(compare=False)  # the annotation as written
    # The mapped_column() of an `Annotated[T, mapped_column(...)]` alias the inner type is, in
    # place or through this module's aliases: SQLAlchemy merges its arguments into the column's.
    column: cst.Call | None = field(default=None, compare=False)
    # Every name in the inner type is one the model can see through: a builtin, a class or
    # alias of this module, or from the standard library, typing or SQLAlchemy. False: a name
    # imported from elsewhere may be an alias of `Optional[...]` or carry a mapped_column().
    names_known: bool = True
    # What a mapped_column() with no `nullable=` / `primary_key=` of its own gets from the
    # annotation: the alias's arguments, else `Optional[...]` (None: cannot tell).
    nullable: bool | None = None
    primary_key: bool = False


@dataclass(frozen=True)
class BareMapped:
    """`name: Mapped[T]` with no value, at the top of a class body: a column SQLAlchemy derives
    from the annotation alone (or a relationship, when T names a mapped class)."""

    attr: str
    node: cst.AnnAssign = field(compare=False)
    # The annotation read as one Mapped[T]; None when it names a Mapped wrapper in a form that
    # cannot be (a bare `Mapped`, `Mapped[A, B]`).
    mapped: MappedAnnotation | None
    # The database default its `Annotated` alias gives it (as ColumnDecl.server_default).
    server_default: cst.BaseExpression | None = field(default=None, compare=False)
    server_default_known: bool = True


@dataclass(frozen=True)
class ForeignKeyDecl:
    target: str | None  # "table.column" when given as a string
    ondelete: str | None
    onupdate: str | None
    node: cst.Call = field(compare=False)


@dataclass(frozen=True)
class ColumnDecl:
    attr: str | None  # attribute name in the class; None for columns of an imperative Table()
    sql_name: str | None  # explicit column name, else the attribute name
    constructor: str  # "Column", "mapped_column", "sqlmodel.Field"
    annotation: MappedAnnotation | None
    type_expr: cst.BaseExpression | None = field(compare=False)
    nullable: bool | None  # only when given as a literal
    primary_key: bool | None
    index: bool | None
    unique: bool | None
    foreign_keys: tuple[ForeignKeyDecl, ...]
    kwargs: Mapping[str, cst.Arg] = field(compare=False, hash=False)
    node: cst.Call = field(compare=False)
    # What gives it a database default: `server_default=`, a positional `DefaultClause(...)`, or
    # the mapped_column() of an `Annotated` alias in its annotation. `server_default_known` is
    # False when there may be one whose SQL cannot be read here (FetchedValue, Identity, an
    # alias imported from elsewhere, `**kwargs`).
    server_default: cst.BaseExpression | None = field(default=None, compare=False)
    server_default_known: bool = True
    # The function whose every call builds the column anew ("make_model", "Tenant.table",
    # "outer.inner"): its arguments are evaluated then. None: built once, at import.
    built_in: str | None = None
    # The names bound in that function and the functions around it (parameters, locals): a
    # module import of such a name does not reach the column's arguments.
    local_names: frozenset[str] = frozenset()

    @property
    def name(self) -> str | None:
        """The column's name in the table."""
        return self.sql_name or self.attr

    def keyword(self, name: str) -> cst.BaseExpression | None:
        arg = self.kwargs.get(name)
        return arg.value if arg is not None else None


@dataclass(frozen=True)
class BuiltinRef:
    """A bare name in a relationship argument that resolves to a Python builtin."""

    argument: str  # "remote_side", "order_by", ...
    name: str
    node: cst.Name = field(compare=False)


@dataclass(frozen=True)
class RelationshipDecl:
    attr: str | None
    owner: str | None  # the class whose body (or declared_attr) declares it
    target: str | None  # class name when given as a string or a plain name
    annotation: MappedAnnotation | None
    builtin_refs: tuple[BuiltinRef, ...]
    kwargs: Mapping[str, cst.Arg] = field(compare=False, hash=False)
    node: cst.Call = field(compare=False)


IndexKind = Literal["index", "unique_index", "unique_constraint"]


@dataclass(frozen=True)
class IndexDecl:
    """Anything that makes the database build an index on a column list."""

    name: str | None
    columns: tuple[str, ...] | None  # column names; None when an expression is indexed
    kind: IndexKind
    origin: Literal["column", "table_args", "module", "table"]
    plain: bool  # no dialect options, partial predicates or other kwargs that make it special
    node: cst.CSTNode = field(compare=False)  # the Index(...) call or the index=/unique= argument
    column: ColumnDecl | None = field(default=None, compare=False)  # for origin="column"
    where: tuple[tuple[str, str | None], ...] = ()  # a partial index's (ormlint.schema.Predicates)

    @property
    def unique(self) -> bool:
        return self.kind != "index"

    def describe(self) -> str:
        cols = ", ".join(self.columns or ())
        if self.origin == "column":
            flag = "unique=True" if self.kind == "unique_constraint" else "index=True"
            if self.kind == "unique_index":
                flag = "index=True, unique=True"
            return f"`{flag}` on column `{cols}`"
        what = "UniqueConstraint" if self.kind == "unique_constraint" else "Index"
        label = f'"{self.name}"' if self.name else "unnamed"
        return f"{what} {label} on ({cols})"


# "absent": not assigned; "none": `= None` (SQLAlchemy's "no arguments"); "tuple"/"dict": a literal
# tuple or dict (`dict(...)` included); "other": certainly neither, which SQLAlchemy rejects at import
# (a list, `(Index(...))` without the trailing comma, a single constraint call, a string);
# "dynamic": a name, a helper's result, an expression whose value is not known here.
TableArgsShape = Literal["absent", "none", "tuple", "dict", "other", "dynamic"]


@dataclass(frozen=True)
class TableArgs:
    shape: TableArgsShape
    items: tuple[cst.BaseExpression, ...] = field(compare=False, default=())
    node: cst.CSTNode | None = field(compare=False, default=None)
    # For "tuple": whether each item is unpacked (`*Mixin.__table_args__`), parallel to `items`.
    starred: tuple[bool, ...] = field(compare=False, default=())


AssignmentKind = Literal["column", "relationship", "other", "def"]


@dataclass(frozen=True)
class ClassAssignment:
    """A name bound directly in a class body (``x = ...``, ``x: T = ...``, ``def x``), in order."""

    attr: str
    # "column"/"relationship": the value is one the model extracted (in `column`/`relationship`);
    # "other": any other value; "def": a function or class definition (decorated or not).
    kind: AssignmentKind
    # Where the statement sits: () for the top of the body; inside `if`/`try`/`with` blocks, one
    # (compound statement number, block number) pair per level. Two statements with the same path
    # run together; paths that part at some level are alternatives (if/else, try/except).
    branch: tuple[tuple[int, int], ...]
    node: cst.CSTNode = field(compare=False)  # the target Name (the name of a def)
    value: cst.CSTNode | None = field(compare=False, default=None)
    column: ColumnDecl | None = field(compare=False, default=None)
    relationship: RelationshipDecl | None = field(compare=False, default=None)
    annotation: cst.BaseExpression | None = field(compare=False, default=None)  # `x: T = ...`

    def same_code(self, other: "ClassAssignment") -> bool:
        """Both assign the same value with the same annotation, token for token."""
        def same(a: cst.CSTNode | None, b: cst.CSTNode | None) -> bool:
            return (a is None and b is None) or (
                a is not None and b is not None and a.deep_equals(b)
            )

        return same(self.value, other.value) and same(self.annotation, other.annotation)

    def runs_with(self, other: "ClassAssignment") -> bool:
        """Both statements run whenever either runs (same block)."""
        return self.branch == other.branch

    def may_run_with(self, other: "ClassAssignment") -> bool:
        """Both can run in one execution: one block contains the other (or they are the same)."""
        shorter, longer = sorted((self.branch, other.branch), key=len)
        return longer[: len(shorter)] == shorter


ClassKind = Literal["base", "mapped", "abstract", "mixin", "unknown"]


@dataclass(frozen=True)
class ModelClass:
    name: str
    bases: tuple[str, ...]  # base expressions as written (dotted)
    kind: ClassKind
    tablename: str | None
    is_abstract: bool
    columns: tuple[ColumnDecl, ...]
    relationships: tuple[RelationshipDecl, ...]
    # Every index the class's table gets from this class's declarations, including columns it
    # inherits from mixins and abstract bases in the same file, and module-level Index(...) calls.
    indexes: tuple[IndexDecl, ...]
    table_args: TableArgs
    is_sqlmodel: bool  # derives from SQLModel (its fields are columns only with table=True)
    # Single-table inheritance: a mapped subclass with no table and no primary key of its own,
    # whose columns are added to the parent's table (and must be nullable there).
    shares_parent_table: bool
    node: cst.ClassDef = field(compare=False)
    # Every name the class body binds directly, in source order (ClassAssignment).
    assignments: tuple[ClassAssignment, ...] = ()
    # Names of the body's `@declared_attr` functions (their columns are in `columns` when the
    # function returns one plainly; otherwise the function is still listed here).
    declared_attrs: frozenset[str] = frozenset()
    bare_mapped: tuple[BareMapped, ...] = ()
    has_table: bool = False  # assigns `__table__` itself: its table is not declared here
    # Mapped by `registry.map_imperatively(Cls, table)` (or 1.x `mapper(...)`) in this module:
    # the table declares the columns, and SQLAlchemy never reads the body's annotations
    # (`bare_mapped` is then empty). `imperative_table`: the table's variable, when named.
    imperative: bool = False
    imperative_table: str | None = None

    def column(self, name: str) -> ColumnDecl | None:
        for column in self.columns:
            if column.attr == name or column.sql_name == name:
                return column
        return None


@dataclass(frozen=True)
class TableDecl:
    """An imperative ``Table("name", metadata, Column(...), ...)``."""

    variable: str | None
    tablename: str | None
    columns: tuple[ColumnDecl, ...]
    indexes: tuple[IndexDecl, ...]
    node: cst.Call = field(compare=False)


@dataclass(frozen=True)
class ModuleFunction:
    """A module-level ``def`` whose name nothing else in the module binds. Its body is walked
    only when a rule asks (most files have many such functions and no rule needs them)."""

    name: str
    decorated: bool
    is_async: bool
    node: cst.FunctionDef = field(compare=False)

    @functools.cached_property
    def is_generator(self) -> bool:
        return is_generator(self.node)

    @functools.cached_property
    def returns(self) -> tuple[cst.BaseExpression | None, ...]:
        """The values of its `return` statements (outside nested functions), in order; None
        for a bare `return`."""
        return return_values(self.node)


@dataclass(frozen=True)
class FileModel:
    path: str
    module: cst.Module = field(compare=False)
    imports: ImportTable = field(compare=False)
    classes: tuple[ModelClass, ...]
    tables: tuple[TableDecl, ...]
    # All relationship() calls, including those outside class bodies (declared_attr, imperative
    # mappings, `Parent.children = relationship(...)` after the class).
    relationships: tuple[RelationshipDecl, ...]
    # Columns built when a function runs (`ColumnDecl.built_in`): in Alembic's upgrade(), column
    # and model factories (the classes they define included), methods and nested functions.
    loose_columns: tuple[ColumnDecl, ...] = ()
    # A MetaData(naming_convention=...) in this file that renames `index=True` indexes.
    custom_index_naming: bool = False
    # Module-level functions by name (only those bound once, by their `def`).
    functions: Mapping[str, ModuleFunction] = field(default_factory=dict, compare=False)
    # Module-level `NAME = value` assignments (the last one written, `if` blocks included).
    module_values: Mapping[str, cst.BaseExpression] = field(default_factory=dict, compare=False)
    # Every name bound at module level (imports, defs, assignments, walrus targets).
    module_bindings: Bindings = field(default_factory=Bindings, compare=False)
    # The file configures a type_annotation_map: `Mapped[str]` may map to another type here.
    custom_type_map: bool = False
    flask_naming: str | None = None  # see ormlint.facts.flask_naming
    names_naming_convention: bool = False  # see ormlint.facts.names_naming_convention

    @property
    def is_alembic_revision(self) -> bool:
        """The module is an Alembic revision (it assigns `revision` and `down_revision`): its
        tables and columns are a snapshot of the schema at one point of its history."""
        return "revision" in self.module_values and "down_revision" in self.module_values

    def class_named(self, name: str) -> ModelClass | None:
        """The first class of this name in the file."""
        return self._classes_by_name.get(name)

    @functools.cached_property
    def _classes_by_name(self) -> dict[str, ModelClass]:
        # Built once: rules ask once per class, relationship or base.
        by_name: dict[str, ModelClass] = {}
        for cls in self.classes:
            by_name.setdefault(cls.name, cls)
        return by_name

    @property
    def columns(self) -> tuple[ColumnDecl, ...]:
        return (
            tuple(c for cls in self.classes for c in cls.columns)
            + tuple(c for table in self.tables for c in table.columns)
            + self.loose_columns
        )
