"""What the indexes rules share."""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from ormlint.rules.edits import without_argument
from ormlint.model.extract import calls_in, names_mapped_wrapper, positional_args
from ormlint.model.names import canonical_symbol, dotted_name, string_value
from ormlint.model.types import ColumnDecl, FileModel, ModelClass

from ormlint.rules.base import Fix


_COLUMN_CONSTRUCTORS = {"Column", "mapped_column"}

_RELATIONSHIP_LIKE = {
    "relationship", "relation", "backref", "association_proxy", "synonym", "query_expression",
    "sqlmodel.Relationship", "dynamic_loader",
}


def column_key(column: ColumnDecl) -> str | None:
    """The name a string in `Index(...)`/`UniqueConstraint(...)` must use: `key=`, else the
    column's name in the table."""
    key = string_value(column.keyword("key"))
    return key if key is not None else column.name


def class_has_own_table(cls: ModelClass) -> bool:
    """A mapped class with a table of its own (not single-table inheritance, not a mixin)."""
    if cls.is_abstract or cls.shares_parent_table:
        return False
    if cls.kind == "mapped":
        return True
    return cls.kind == "unknown" and cls.tablename is not None


@dataclass
class TableColumns:
    """The columns a class's table gets from the class body and the bases ormlint can see."""

    columns: list[ColumnDecl] = field(default_factory=list)
    extra_keys: set[str] = field(default_factory=set)  # bare `x: Mapped[T]`, SQLModel fields
    bound: set[str] = field(default_factory=set)  # every name the bodies bind
    complete: bool = True  # no column can come from elsewhere
    has_table: bool = False  # `__table__ = ...`: the class body's columns are not the table

    @property
    def keys(self) -> set[str]:
        return {k for c in self.columns if (k := column_key(c))} | self.extra_keys


def is_mapped_annotation(model: FileModel, annotation: cst.BaseExpression) -> bool:
    return names_mapped_wrapper(annotation, model.imports)


def _is_classvar(model: FileModel, annotation: cst.BaseExpression) -> bool:
    if isinstance(annotation, cst.Subscript):
        annotation = annotation.value
    return model.imports.symbol(annotation) == "typing.ClassVar" or dotted_name(annotation) in (
        "ClassVar", "typing.ClassVar",
    )


def _value_may_add_columns(model: FileModel, value: cst.BaseExpression) -> bool:
    """A class-body value the model did not extract as a column: can it still make one?"""
    if not isinstance(value, cst.Call):
        return False  # constants, names, lambdas
    symbol = model.imports.symbol(value.func)
    if symbol is None:
        return True  # a helper of the project's own: it may return a Column
    if symbol in _RELATIONSHIP_LIKE:
        return False
    # composite(Point, Column("x1"), ...), column_property(Column(...) + ...), ...
    return any(model.imports.symbol(c.func) in _COLUMN_CONSTRUCTORS for c in calls_in(value, into_lambdas=True))


def _declared_attr_returns_relationship(model: FileModel, func: cst.FunctionDef) -> bool:
    body = func.body
    if not isinstance(body, cst.IndentedBlock):
        return False
    returns = [
        small.value
        for stmt in body.body
        if isinstance(stmt, cst.SimpleStatementLine)
        for small in stmt.body
        if isinstance(small, cst.Return)
    ]
    return bool(returns) and all(
        isinstance(value, cst.Call) and model.imports.symbol(value.func) in _RELATIONSHIP_LIKE
        for value in returns
    )


def declared_attr_annotation_is_used(cls: ModelClass) -> bool | None:
    """Does SQLAlchemy read the return annotation (`-> Mapped[int]`) of this class's
    declared_attr columns? Only on mixins and abstract bases; on the mapped class itself it is
    ignored (the column is nullable and needs an explicit type). None: cannot tell."""
    if cls.kind in ("mixin", "abstract", "base") or cls.is_abstract:
        return True
    if cls.kind == "mapped":
        return False
    return None


def annotation_used_by_column(model: FileModel) -> dict[int, bool]:
    """For each class column (by id): does SQLAlchemy read its `Mapped[...]` annotation?"""
    used: dict[int, bool] = {}
    for cls in model.classes:
        from_declared_attr = cls.declared_attrs
        for column in cls.columns:
            used[id(column)] = (
                column.attr not in from_declared_attr
                or declared_attr_annotation_is_used(cls) is True
            )
    return used


def _scan_body(model: FileModel, cls: ModelClass, into: TableColumns) -> None:
    # Assignments with a value, from the model: anything it did not extract as a column or a
    # relationship may still make a column (a helper's result, composite(Column(...))).
    for assignment in cls.assignments:
        name = assignment.attr
        into.bound.add(name)
        if assignment.branch:
            into.complete = False  # inside if/try/with: do not guess which branch runs
        if assignment.kind != "other":
            continue  # extracted columns and relationships; defs are read below
        if name == "__table__":
            into.has_table = True
        if name.startswith("__") or assignment.value is None:
            continue
        annotation = assignment.annotation
        if cls.is_sqlmodel and annotation is not None and not _is_classvar(model, annotation):
            # A SQLModel table field: `name: str = "x"` is a column named `name`.
            value = assignment.value
            callee = model.imports.symbol(value.func) if isinstance(value, cst.Call) else None
            if callee == "sqlmodel.Field":
                into.complete = False  # a Field the model could not read (sa_column=...)
            elif callee not in _RELATIONSHIP_LIKE:
                into.extra_keys.add(name)
            continue
        if _value_may_add_columns(model, assignment.value):  # type: ignore[arg-type]
            into.complete = False
    # What the model does not list: bare `x: Mapped[T]` annotations (columns) and which defs
    # are declared_attr columns it could not read.
    extracted = {c.attr for c in cls.columns} | {r.attr for r in cls.relationships if r.attr}
    body = cls.node.body
    if not isinstance(body, cst.IndentedBlock):
        into.complete = False
        return
    for stmt in body.body:
        if isinstance(stmt, cst.FunctionDef):
            name = stmt.name.value
            if (
                name in cls.declared_attrs
                and not name.startswith("__")
                and name not in extracted
                and not _declared_attr_returns_relationship(model, stmt)
            ):
                into.complete = False  # a declared_attr column the model did not read
        elif isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if (
                    isinstance(small, cst.AnnAssign)
                    and small.value is None
                    and isinstance(small.target, cst.Name)
                ):
                    name = small.target.value
                    into.bound.add(name)
                    annotation = small.annotation.annotation
                    if is_mapped_annotation(model, annotation) or (
                        cls.is_sqlmodel and not _is_classvar(model, annotation)
                    ):
                        into.extra_keys.add(name)
        elif not isinstance(stmt, cst.ClassDef):
            into.complete = False  # if/try/with/for blocks in a class body: do not guess


def _base_is_library(model: FileModel, base: str) -> bool | None:
    """True: a SQLAlchemy/SQLModel/Flask-SQLAlchemy/typing class (adds no columns); False:
    imported from elsewhere (unknown); None: a module-level name that is not an import."""
    head = base.partition(".")[0]
    if head in model.imports.flask_handles:
        return True
    qualified = model.imports.qualify(base)
    if qualified is not None:
        return canonical_symbol(qualified) is not None
    if base in ("object", "Generic", "Protocol"):
        return True
    return None


def class_table_columns(
    model: FileModel, cls: ModelClass, _seen: frozenset[str] = frozenset()
) -> TableColumns:
    """Columns of the class's own table: its body, then in-file mixins, abstract classes and
    declarative bases (their columns are copied into the table). Mapped parents are other tables
    (joined inheritance) and add nothing."""
    result = TableColumns()
    _scan_body(model, cls, result)
    own = {c.attr for c in cls.columns}
    result.columns.extend(cls.columns)
    for base in cls.bases:
        parent = model.class_named(base) if "." not in base else None
        if parent is not None and parent.name not in _seen and parent is not cls:
            if parent.kind in ("mixin", "abstract", "base") or parent.is_abstract:
                inherited = class_table_columns(model, parent, _seen | {cls.name})
                result.columns.extend(c for c in inherited.columns if c.attr not in own)
                own |= {c.attr for c in inherited.columns}
                result.extra_keys |= inherited.extra_keys
                result.bound |= inherited.bound
                result.complete = result.complete and inherited.complete
            elif parent.kind == "unknown" and parent.tablename is None:
                result.complete = False  # a mixin with unknown parents, or a mapped class
            continue
        library = _base_is_library(model, base)
        if library is False:
            result.complete = False
        elif library is None and cls.kind == "unknown":
            result.complete = False
    return result


def drop_flag(model: FileModel, column: ColumnDecl, keyword: str) -> Fix | None:
    """Remove `index=True` from the column. Unsafe: the next autogenerated migration drops the
    database's index, and a query plan may have relied on its name."""
    arg = column.kwargs.get(keyword)
    found = without_argument(model, column.node, arg) if arg is not None else None
    if found is None:
        return None
    return Fix(f"Remove `{keyword}=True`", (found,), applicability="unsafe")


CONSTRAINTS_WITH_COLUMNS = {
    "Index", "UniqueConstraint", "PrimaryKeyConstraint", "ForeignKeyConstraint",
}


def constraint_column_strings(
    model: FileModel, call: cst.Call
) -> list[tuple[str, cst.BaseExpression]] | None:
    """The column names given as strings to Index (after its name), UniqueConstraint,
    PrimaryKeyConstraint and ForeignKeyConstraint (its local columns), with their nodes."""
    symbol = model.imports.symbol(call.func)
    if symbol not in CONSTRAINTS_WITH_COLUMNS or any(arg.star for arg in call.args):
        return None
    positional = positional_args(call)
    if symbol == "ForeignKeyConstraint":
        if not positional or not isinstance(positional[0].value, (cst.List, cst.Tuple)):
            return None
        values = [element.value for element in positional[0].value.elements]
    elif symbol == "Index":
        values = [arg.value for arg in positional[1:]]
    else:
        values = [arg.value for arg in positional]
    return [(text, value) for value in values if (text := string_value(value)) is not None]
