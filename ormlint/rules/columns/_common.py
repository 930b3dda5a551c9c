"""What the columns rules share."""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from ormlint.model.extract import keyword_args
from ormlint.model.names import bool_value, dotted_name, optional_core
from ormlint.model.types import ColumnDecl, FileModel

if TYPE_CHECKING:
    from ormlint.facts import ClassFacts, ProjectIndex


REFERENCES = (
    "SQLAlchemy: mapped_column() derives the datatype and nullability from the Mapped annotation, "
    "https://docs.sqlalchemy.org/en/20/orm/declarative_tables.html#mapped-column-derives-the-datatype-and-nullability-from-the-mapped-annotation",
)


def uses_existing_column(column: ColumnDecl) -> bool:
    """`use_existing_column=True`: when the column exists, its `nullable=` is ignored."""
    return bool_value(column.keyword("use_existing_column")) is True


# Python types SQLAlchemy's own SQL types load as, by category.
PYTHON_NAMES = {
    "str": "str", "int": "int", "bool": "bool", "float": "float", "decimal": "Decimal",
    "datetime": "datetime", "date": "date", "time": "time", "timedelta": "timedelta",
    "uuid": "uuid.UUID", "bytes": "bytes",
}

_BUILTIN_CATEGORIES = {"str": "str", "int": "int", "bool": "bool", "float": "float", "bytes": "bytes"}

_STDLIB_CATEGORIES = {
    "datetime.datetime": "datetime", "datetime.date": "date", "datetime.time": "time",
    "datetime.timedelta": "timedelta", "decimal.Decimal": "decimal", "uuid.UUID": "uuid",
}

# category -> the Python type its values are, as a qualified name (`int`, `datetime.datetime`)
PYTHON_TYPE_OF = {
    **{category: name for name, category in _BUILTIN_CATEGORIES.items()},
    **{category: qualified for qualified, category in _STDLIB_CATEGORIES.items()},
}

# SQLAlchemy's own types (generic and the SQL-standard uppercase ones) -> the Python category
# their values load as with the default arguments. Dialect oddities (TINYINT as a boolean,
# Oracle's DATE holding a time) and anything else are left out: unknown is not wrong.
SQL_CATEGORIES = {
    **dict.fromkeys(("Integer", "SmallInteger", "BigInteger", "INTEGER", "INT", "SMALLINT", "BIGINT"), "int"),
    **dict.fromkeys((
        "String", "Text", "Unicode", "UnicodeText", "VARCHAR", "NVARCHAR", "CHAR", "NCHAR", "TEXT",
        "CLOB", "CITEXT", "TINYTEXT", "MEDIUMTEXT", "LONGTEXT",
    ), "str"),
    **dict.fromkeys(("Boolean", "BOOLEAN"), "bool"),
    **dict.fromkeys(("Float", "Double", "REAL", "FLOAT", "DOUBLE", "DOUBLE_PRECISION"), "float"),
    **dict.fromkeys(("Numeric", "NUMERIC", "DECIMAL"), "decimal"),
    **dict.fromkeys(("DateTime", "DATETIME", "TIMESTAMP"), "datetime"),
    **dict.fromkeys(("Date", "DATE"), "date"),
    **dict.fromkeys(("Time", "TIME"), "time"),
    **dict.fromkeys(("Interval", "INTERVAL"), "timedelta"),
    **dict.fromkeys(("Uuid", "UUID"), "uuid"),
    **dict.fromkeys(("LargeBinary", "BLOB", "BYTEA", "BINARY", "VARBINARY"), "bytes"),
}

# (annotation, SQL type) categories that contradict each other. Every pair is run by the oracle
# test through SQLite: each fails at flush or loads a value of another type. Left out as
# compatible: an int loaded where a float is annotated, a bool where an int is (both accepted by
# type checkers), and bytes into String/Integer columns (SQLite hands the bytes back unchanged).
_COMPATIBLE = {("int", "bool"), ("float", "int"), ("bytes", "int"), ("bytes", "str")}

TYPE_CONTRADICTIONS = frozenset(
    (annotated, sql)
    for annotated in PYTHON_NAMES
    for sql in PYTHON_NAMES
    if annotated != sql and (annotated, sql) not in _COMPATIBLE
)


def annotation_category(model: FileModel, inner: cst.BaseExpression) -> tuple[str, cst.CSTNode] | None:
    """The category of a `Mapped[...]` inner type that is one builtin or stdlib type, optional
    or not (`str`, `Optional[datetime]`, `uuid.UUID | None`), with the node naming it."""
    expr = optional_core(inner, model.imports)
    if expr is None or isinstance(expr, cst.Subscript):
        return None  # Annotated[...] may carry its own type; containers are not ours
    if isinstance(expr, cst.Name) and expr.value in _BUILTIN_CATEGORIES:
        if expr.value in model.module_bindings:
            return None  # the module rebinds the name
        return _BUILTIN_CATEGORIES[expr.value], expr
    name = dotted_name(expr)
    if name is None or name.partition(".")[0] in model.imports.type_checking_only:
        return None  # the annotation cannot be evaluated at all: ORM206's finding
    qualified = model.imports.qualify(name)
    category = _STDLIB_CATEGORIES.get(qualified or "")
    return (category, expr) if category else None


def sql_type_category(model: FileModel, column: ColumnDecl) -> tuple[str, cst.BaseExpression] | None:
    """(category, the type's node) of an explicit SQL type that is SQLAlchemy's own, with the
    arguments that change what it loads (`asdecimal=`, `as_uuid=`) taken into account."""
    expr = column.type_expr
    if expr is None:
        return None
    head = expr.func if isinstance(expr, cst.Call) else expr
    name = dotted_name(head)
    symbol = model.imports.symbol(head)
    if name is None or symbol is None or "." in symbol:
        return None
    qualified = model.imports.qualify(name) or ""
    if ".dialects." in f".{qualified}." and not any(
        f"dialects.{d}" in qualified for d in ("postgresql", "mysql", "sqlite", "mssql")
    ):
        return None  # Oracle's DATE holds a time, ...: only the dialects whose types are known
    category = SQL_CATEGORIES.get(symbol)
    if category is None:
        return None
    kwargs = keyword_args(expr) if isinstance(expr, cst.Call) else {}
    if isinstance(expr, cst.Call) and any(arg.star for arg in expr.args):
        return None
    if category in ("float", "decimal") and "asdecimal" in kwargs:
        asdecimal = bool_value(kwargs["asdecimal"].value)
        if asdecimal is None:
            return None
        category = "decimal" if asdecimal else "float"
    if category == "uuid":
        if "as_uuid" in kwargs:
            as_uuid = bool_value(kwargs["as_uuid"].value)
            if as_uuid is None:
                return None
            category = "uuid" if as_uuid else "str"
        elif symbol == "UUID" and column.constructor != "mapped_column":
            return None  # PostgreSQL's UUID loaded str before SQLAlchemy 2.0: version-dependent
    return category, expr


def default_type_map(index: "ProjectIndex", cls: "ClassFacts", annotation_types: bool) -> bool:
    """Does `Mapped[X]` alone in `cls` get SQLAlchemy's own type for X? Only when no file of the
    project configures a type_annotation_map (`annotation_types`) and every base up the class's
    chain is a class of the project: a library's base (advanced_alchemy's, say) may bring a map
    of its own."""
    if not annotation_types:
        return False
    seen: set[int] = set()
    pending = [cls]
    while pending:
        here = pending.pop()
        if id(here) in seen:
            continue
        seen.add(id(here))
        for ref in here.project_bases:
            found = index.resolve_base(ref) if ref is not None else None
            if found is None:
                return False
            pending.append(found[1])
    return True
