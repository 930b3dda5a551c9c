"""A database schema as plain data: what the models imply and what the migrations build.

Both sides of the drift rules (ORM7xx) are turned into a `Schema` and compared. Every fact can be
unknown (None, or `uncertain` on a table or the whole schema): the comparison reports only what
both sides state for certain. Types and server defaults are normalised here, once, so that two
spellings of the same thing compare equal (`sa.String(length=50)` and `String(50)`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from ormlint.model.names import ImportTable, bool_value, dotted_name, string_value
from ormlint.facts import Location


@dataclass(frozen=True)
class Source:
    """Where a schema fact is declared: a file and a place in it."""

    path: str
    location: Location


@dataclass
class SchemaColumn:
    name: str
    # Normalised SQL type ("VARCHAR(50)", "TIMESTAMP WITH TIME ZONE", "JSONB"); None: unknown.
    type: str | None
    nullable: bool | None  # None: unknown
    # Normalised server default ("now()", "'draft'", "false"); None: no server default.
    server_default: str | None
    primary_key: bool
    source: Source | None = None
    server_default_known: bool = True  # False: a default whose text cannot be known here


@dataclass
class SchemaIndex:
    """An index or a unique constraint."""

    name: str | None  # None: unnamed (the database names it)
    columns: tuple[str, ...] | None  # None: an expression index
    unique: bool
    kind: str  # "index" or "unique_constraint"
    source: Source | None = None
    # The name comes from the default naming convention (`index=True` -> ix_<table>_<column>),
    # not from the code: a naming convention elsewhere (env.py's target_metadata) may change it,
    # so compare such an index by its columns.
    name_generated: bool = False


@dataclass
class SchemaForeignKey:
    columns: tuple[str, ...]
    target_table: str
    target_columns: tuple[str, ...]
    ondelete: str | None  # upper-cased ("CASCADE"); None: none given
    name: str | None = None
    source: Source | None = None


@dataclass
class SchemaTable:
    name: str
    columns: dict[str, SchemaColumn] = field(default_factory=dict)  # in declaration order
    indexes: list[SchemaIndex] = field(default_factory=list)
    foreign_keys: list[SchemaForeignKey] = field(default_factory=list)
    source: Source | None = None
    # Something touched the table that could not be interpreted (op.execute, a helper, a loop,
    # a mixin from outside the project): nothing below the table is reported as drift.
    uncertain: bool = False
    # Which parts are fully known even when other parts are not (e.g. columns known, indexes not).
    indexes_known: bool = True
    foreign_keys_known: bool = True


@dataclass
class Schema:
    tables: dict[str, SchemaTable] = field(default_factory=dict)
    # The set of tables itself is not known (an operation on an unknown table name, a raw SQL
    # statement that may create or drop tables): no table is reported missing on either side.
    uncertain: bool = False


# -- types ---------------------------------------------------------------------------------------

# SQLAlchemy type name (as `ImportTable.symbol` gives it) -> the SQL type family it renders on
# PostgreSQL. Names not listed are unknown: no type drift is reported for them.
_TYPE_FAMILIES = {
    "String": "VARCHAR", "VARCHAR": "VARCHAR", "Unicode": "VARCHAR", "NVARCHAR": "VARCHAR",
    "AutoString": "VARCHAR", "CHAR": "CHAR",
    "Text": "TEXT", "TEXT": "TEXT", "UnicodeText": "TEXT",
    "Integer": "INTEGER", "INTEGER": "INTEGER", "INT": "INTEGER",
    "BigInteger": "BIGINT", "BIGINT": "BIGINT",
    "SmallInteger": "SMALLINT", "SMALLINT": "SMALLINT",
    "Boolean": "BOOLEAN", "BOOLEAN": "BOOLEAN",
    "DateTime": "TIMESTAMP", "TIMESTAMP": "TIMESTAMP",
    "Date": "DATE", "DATE": "DATE",
    "Time": "TIME", "TIME": "TIME",
    "Interval": "INTERVAL", "INTERVAL": "INTERVAL",
    "Float": "FLOAT", "FLOAT": "FLOAT", "REAL": "REAL",
    "Double": "DOUBLE PRECISION", "DOUBLE_PRECISION": "DOUBLE PRECISION",
    "Numeric": "NUMERIC", "NUMERIC": "NUMERIC", "DECIMAL": "NUMERIC",
    "LargeBinary": "BYTEA", "BYTEA": "BYTEA",
    "JSON": "JSON", "JSONB": "JSONB",
    "Uuid": "UUID", "UUID": "UUID",
    "INET": "INET", "CIDR": "CIDR",
}
# The parameters that change the rendered type, in the constructor's positional order.
_TYPE_PARAMS = {
    "VARCHAR": ("length",), "CHAR": ("length",),
    "NUMERIC": ("precision", "scale"), "FLOAT": ("precision",),
    "TIMESTAMP": ("timezone",), "TIME": ("timezone",),
}
# Types whose first positional argument is not in _TYPE_PARAMS order.
_TIMESTAMP_LIKE = {"TIMESTAMP", "TIME"}


def sql_type(expr: cst.BaseExpression | None, imports: ImportTable) -> str | None:
    """The normalised SQL type of a type expression (`sa.String(50)`, `String`, `postgresql.JSONB`),
    or None when it cannot be known statically (a custom type, a non-literal argument)."""
    if expr is None:
        return None
    head = expr.func if isinstance(expr, cst.Call) else expr
    symbol = imports.symbol(head)
    if symbol is None or "." in symbol:
        return None
    return type_family(symbol, _literal_args(expr) if isinstance(expr, cst.Call) else ((), {}))


def type_family(symbol: str, args: tuple[tuple, dict] | None) -> str | None:
    """`symbol` with literal constructor arguments -> the normalised type, e.g.
    ("String", ((50,), {})) -> "VARCHAR(50)"; None when unknown."""
    family = _TYPE_FAMILIES.get(symbol)
    if family is None or args is None:
        return None
    positional, keywords = args
    names = _TYPE_PARAMS.get(family, ())
    if len(positional) > len(names):
        # TIMESTAMP(timezone) vs Time(timezone): both take timezone first; others: unknown shape
        return None
    values = dict(zip(names, positional))
    for key, value in keywords.items():
        if key in names:
            values[key] = value
    if family in _TIMESTAMP_LIKE:
        if values.get("timezone") is True:
            return f"{family} WITH TIME ZONE"
        return family
    shown = [values.get(name) for name in names]
    while shown and shown[-1] is None:
        shown.pop()
    if not shown:
        return family
    if any(v is None for v in shown):
        return None
    return f"{family}({', '.join(str(v) for v in shown)})"


_UNKNOWN = object()


def _literal_args(call: cst.Call) -> tuple[tuple, dict] | None:
    """Literal positional and keyword arguments (ints, bools, None, strings); None when one that
    matters is not a literal."""
    positional: list = []
    keywords: dict = {}
    for arg in call.args:
        if arg.star:
            return None
        value = _literal(arg.value)
        if arg.keyword is None:
            if value is _UNKNOWN:
                return None
            positional.append(value)
        else:
            keywords[arg.keyword.value] = value
    # a non-literal keyword that matters (length=MAX) makes the type unknown
    if any(v is _UNKNOWN for k, v in keywords.items() if k in ("length", "precision", "scale", "timezone")):
        return None
    return tuple(positional), keywords


def _literal(node: cst.BaseExpression):
    if isinstance(node, cst.Integer):
        try:
            return int(node.value.replace("_", ""), 0)
        except ValueError:
            return _UNKNOWN
    flag = bool_value(node)
    if flag is not None:
        return flag
    if isinstance(node, cst.Name) and node.value == "None":
        return None
    text = string_value(node)
    return text if text is not None else _UNKNOWN


# -- server defaults -----------------------------------------------------------------------------


def server_default_text(
    expr: cst.BaseExpression | None, imports: ImportTable
) -> tuple[str | None, bool]:
    """(normalised text, known): `"draft"` -> "'draft'", `text("now()")` / `func.now()` ->
    "now()", `sa.false()` -> "false". (None, True) when there is no default; (None, False) when
    there is one whose SQL cannot be known here."""
    if expr is None or (isinstance(expr, cst.Name) and expr.value == "None"):
        return None, True
    literal = string_value(expr)
    if literal is not None:
        return "'" + literal.replace("'", "''") + "'", True
    if isinstance(expr, cst.Call):
        symbol = imports.symbol(expr.func)
        if symbol in ("text", "literal_column") and len(expr.args) == 1:
            inner = string_value(expr.args[0].value)
            if inner is not None:
                return normalise_sql(inner), True
        if symbol in ("true", "false", "null"):
            return symbol, True
        dotted = dotted_name(expr.func)
        if dotted is not None and not expr.args:
            qualified = imports.qualify(dotted) or ""
            head, _, function = dotted.rpartition(".")
            if (head.endswith("func") or qualified.endswith(".func." + function)) and function:
                return normalise_sql(f"{function}()"), True
    return None, False


def normalise_sql(text: str) -> str:
    """Server-default SQL compared loosely: case of keywords, outer parentheses and spaces."""
    text = " ".join(text.split())
    while text.startswith("(") and text.endswith(")") and _balanced(text[1:-1]):
        text = text[1:-1].strip()
    return text.lower() if "'" not in text else text


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += char == "("
        depth -= char == ")"
        if depth < 0:
            return False
    return depth == 0


def default_index_name(table: str, column: str) -> str:
    """The name SQLAlchemy's default naming convention gives `index=True`: ix_<table>_<column>."""
    return f"ix_{table}_{column}"
