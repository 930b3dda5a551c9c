"""A database schema as plain data: what the models imply and what the migrations build.

Both sides of the drift rules (ORM7xx) are turned into a `Schema` and compared. Every fact can be
unknown (None, or `uncertain` on a table or the whole schema): the comparison reports only what
both sides state for certain. Types and server defaults are normalised here, once, so that two
spellings of the same thing compare equal (`sa.String(length=50)` and `String(50)`).
"""

from __future__ import annotations

import functools
import json
import re
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

import libcst as cst

from ormlint.model.names import ImportTable, bool_value, dotted_name, string_value
from ormlint.facts import Location
from ormlint.sql_expressions import ExpressionKey


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
    # The model's class that declares the column when it is not the table's mapped class (a
    # mixin or abstract base, possibly in another file, or a single-table subclass).
    declared_in: str | None = None
    foreign_key: bool = False  # has a ForeignKey (or one that cannot be read): not autoincrement
    comment: str | None = None  # `comment=` (ORM712)
    comment_known: bool = True
    # Computed (ORM713): (its SQL as written, persisted as written); `computed_key` its
    # expression's key. Identity options and Sequence name (ORM714). See ormlint.generated_columns.
    computed: tuple[str, bool | None] | None = None
    computed_key: ExpressionKey | None = None
    identity: tuple | None = None
    sequence: str | None = None
    generated_known: bool = True
    identity_known: bool = True  # False: a database that ignores Identity() (SQLite, MySQL)
    autoincrement: bool = True  # False: `autoincrement=` rules out SERIAL
    enum_type: str | None = None  # the named PostgreSQL enum type of its values (ORM717)
    # The model's labels of that type (None: not known); the migrations' are the schema's.
    enum_labels: tuple[str, ...] | None = None


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
    declared_in: str | None = None  # as SchemaColumn.declared_in
    where: "Predicates" = ()  # a partial index's predicates (ORM716)


@dataclass
class SchemaForeignKey:
    columns: tuple[str, ...]
    target_table: str
    target_columns: tuple[str, ...]
    ondelete: str | None  # upper-cased ("CASCADE"); None: none given
    name: str | None = None
    source: Source | None = None
    declared_in: str | None = None  # as SchemaColumn.declared_in


@dataclass
class SchemaCheck:
    """A CHECK constraint (ORM711), compared by its expression's key, not by its name."""

    name: str | None  # as written (a naming convention may change it in the database)
    sql: str
    key: ExpressionKey  # ormlint.sql_expressions.expression_key of `sql`
    source: Source | None = None
    declared_in: str | None = None  # as SchemaColumn.declared_in


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
    withheld_because: str | None = None  # the first reason it became uncertain (--show-uncertain)
    # Which parts are fully known even when other parts are not (e.g. columns known, indexes not).
    indexes_known: bool = True
    foreign_keys_known: bool = True
    mapped_class: str | None = None  # the model's class whose table this is
    checks: list[SchemaCheck] = field(default_factory=list)
    checks_known: bool = True  # every CHECK constraint of the table is in `checks`
    comment: str | None = None  # the table's comment (ORM712)
    comment_known: bool = True
    # The primary key's columns are those marked `primary_key` (ORM715); its constraint's name
    # in the database, where known (None: unnamed in the model, or not known).
    primary_key_known: bool = True
    primary_key_name: str | None = None

    def primary_key(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns.values() if c.primary_key)


@dataclass
class Schema:
    tables: dict[str, SchemaTable] = field(default_factory=dict)
    dialect: str | None = None  # the database the migrations were replayed for (None: unknown)
    # The named enum types by name, with their labels (ORM717): None when a type's labels are not
    # known (created by code or SQL that was not read, changed under a condition...); a type
    # not listed is not known to exist.
    enum_types: dict[str, tuple[str, ...] | None] = field(default_factory=dict)
    # The set of tables itself is not known (an operation on an unknown table name, a raw SQL
    # statement that may create or drop tables): no table is reported missing on either side.
    uncertain: bool = False
    withheld_because: str | None = None  # the first reason the set became uncertain

    def withhold(self, table: "SchemaTable | None", reason: str, source: "Source | None" = None) -> None:
        """Mark `table` (None: the set of tables) uncertain, remembering the first reason why."""
        where = f" ({source.path}:{source.location.line})" if source is not None else ""
        holder = self if table is None else table
        holder.uncertain = True
        if holder.withheld_because is None:
            holder.withheld_because = reason + where


def sql_type_name(name: str) -> str:
    """A type's name as SQL writes it (quoted unless it is lower-case)."""
    return ".".join(
        part if part.isidentifier() and part == part.lower() else '"' + part.replace('"', '""') + '"'
        for part in name.split(".")
    )


def sql_label(label: str) -> str:
    """An enum label as an SQL string literal."""
    return "'" + label.replace("'", "''") + "'"


# A partial index's predicates by dialect: (("postgresql", "deleted_at IS NULL"),); the SQL is
# None when the predicate is not a literal. No entry for a dialect: no predicate there.
Predicates = tuple[tuple[str, "str | None"], ...]
PREDICATE_KEYWORDS = {"postgresql_where": "postgresql", "sqlite_where": "sqlite"}


def index_predicates(keywords: dict[str, cst.BaseExpression], imports: ImportTable) -> Predicates:
    """`postgresql_where=` / `sqlite_where=` of an Index or `op.create_index` (`text("...")`,
    `sa.text("...")` or a string); None for a predicate written otherwise (a column expression)."""
    found = []
    for keyword, dialect in PREDICATE_KEYWORDS.items():
        value = keywords.get(keyword)
        if value is None or (isinstance(value, cst.Name) and value.value == "None"):
            continue
        sql = string_value(value)
        if sql is None and isinstance(value, cst.Call) and imports.symbol(value.func) == "text" and len(value.args) == 1:
            sql = string_value(value.args[0].value)
        found.append((dialect, sql))
    return tuple(found)


def predicate_on(where: Predicates, dialect: str | None) -> tuple[bool, str | None]:
    """(known, SQL) of the predicate a database of `dialect` gets (SQL None: none)."""
    if dialect is None:
        return (not where, None)
    sql = dict(where).get(dialect, "")
    return (sql is not None, sql or None)


def set_computed(column: SchemaColumn, computed: tuple[str, bool | None] | None) -> None:
    """`column.computed` and its expression's key; an expression that cannot be read leaves
    what generates the column unknown."""
    from ormlint.sql_expressions import expression_key

    column.computed = computed
    column.computed_key = expression_key(computed[0]) if computed is not None else None
    if computed is not None and column.computed_key is None:
        column.generated_known = False


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
    """Server-default SQL compared loosely: case of keywords, outer parentheses and spaces
    (outside quoted literals: `'a  b'` keeps its two spaces)."""
    parts = re.split(r"('(?:[^']|'')*')", text)
    text = "".join(p if i % 2 else re.sub(r"\s+", " ", p) for i, p in enumerate(parts)).strip()
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


# -- comparing as Alembic does (compare_type=True, compare_server_default=True, PostgreSQL) --------
#
# Alembic 1.20 compares the column the database reflects with the model's column: it tokenises
# both types as PostgreSQL spells them and asks the server whether the two defaults are equal
# (`SELECT <reflected default> = <model default>`). The migrations' side here is what the
# migrations wrote, so it is first turned into what PostgreSQL gives back.


def _reflected_type(written: str) -> str:
    """The type PostgreSQL reflects for a column the migrations created as `written`."""
    family, _, rest = written.partition("(")
    args = [a.strip() for a in rest.rstrip(")").split(",")] if rest else []
    if family == "FLOAT":  # float(p): real up to 24 bits, double precision above (and bare)
        return "REAL" if args and args[0].isdigit() and int(args[0]) <= 24 else "DOUBLE PRECISION"
    if family == "NUMERIC" and len(args) == 1:
        return f"NUMERIC({args[0]}, 0)"
    if family == "CHAR" and not args:
        return "CHAR(1)"
    return written


def _postgresql_spelling(normalised: str) -> str:
    """The type as SQLAlchemy's PostgreSQL type compiler renders it (Alembic compares that)."""
    if normalised in ("TIMESTAMP", "TIME"):
        return f"{normalised} WITHOUT TIME ZONE"
    return normalised


def _type_tokens(normalised: str) -> tuple[list[str], list[str]]:
    """Alembic's tokenisation (DefaultImpl._tokenize_column_type): the words, and the arguments
    in parentheses."""
    text = _postgresql_spelling(normalised).lower()
    words: list[str] = []
    args: list[str] = []
    for token in re.findall(r"[\w\-_]+|\(.+?\)", text):
        if token.startswith("("):
            args = [a.strip() for a in re.findall(r"[^(),]+", token)]
        else:
            words.append(token)
    return words, args


_TYPE_SYNONYMS = ({"numeric", "decimal"}, {"float", "double precision"})  # PostgresqlImpl's


@functools.lru_cache(maxsize=4096)  # (a project has few distinct pairs; each run asks them all)
def types_differ(model: str, migrated: str) -> bool:
    """Whether Alembic's compare_type reports the model's type against the database the
    migrations made. A length, precision or scale given on one side only is not compared
    (`String` and `VARCHAR(128)`, `Numeric(10, 2)` and `Numeric` agree), nor are the values of
    an Enum; `Float` and `Double` are synonyms on PostgreSQL."""
    ours, our_args = _type_tokens(model)
    theirs, their_args = _type_tokens(_reflected_type(migrated))
    if ours[0] != theirs[0] and not any(
        {" ".join(ours), " ".join(theirs)} <= batch or {ours[0], theirs[0]} <= batch
        for batch in _TYPE_SYNONYMS
    ):
        return True
    if len(ours) == len(theirs) and ours != theirs:
        return True
    return len(our_args) == len(their_args) and our_args != their_args


def reflected_type_note(migrated: str) -> str:
    """`` (PostgreSQL stores `REAL`)`` when the database holds another type than written."""
    reflected = _reflected_type(migrated)
    return f" (PostgreSQL stores `{reflected}`)" if reflected != migrated else ""


# A default's value, as far as it can be known without a database: a literal of the column's
# type, the transaction's time, or a volatile function. None: not known (never reported).
_NOW = ("now",)  # now(), CURRENT_TIMESTAMP, transaction_timestamp(), LOCALTIMESTAMP: one instant
_NOW_SPELLINGS = {
    "now()", "current_timestamp", "current_timestamp()", "transaction_timestamp()",
    "localtimestamp", "localtimestamp()",
}
_TODAY_SPELLINGS = {"current_date", "current_date()"}
# A new value on each call (or each statement): equal to nothing but its own spelling.
_VOLATILE = {
    "clock_timestamp()", "statement_timestamp()", "timeofday()", "random()",
    "gen_random_uuid()", "uuid_generate_v4()", "uuid_generate_v1()", "uuidv4()", "uuidv7()",
}
_CAST = re.compile(r"\s*::\s*[a-z_][a-z0-9_ ]*(\(\s*\d+\s*(,\s*\d+\s*)?\))?(\[\])?\s*$")
_QUOTED = re.compile(r"^'((?:[^']|'')*)'$")
_LITERAL_CAST = re.compile(r"('(?:[^']|'')*')::[a-z_][a-z0-9_ ]*?(?=[,)]|$)")
_INTEGER = re.compile(r"^\s*[+-]?\d+\s*$")
_DECIMAL = re.compile(r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?\s*$", re.IGNORECASE)
_BOOLEANS = {
    "t": True, "true": True, "y": True, "yes": True, "on": True, "1": True,
    "f": False, "false": False, "n": False, "no": False, "off": False, "0": False,
}
# PostgreSQL's special date/time inputs: evaluated when the DDL runs, so a migration's
# DEFAULT 'now' is frozen at that moment.
_SPECIAL_TIMES = ("now", "today", "tomorrow", "yesterday")
_TIME_FAMILIES = ("TIMESTAMP", "DATE", "TIME")
_NUMBER_FAMILIES = ("INTEGER", "BIGINT", "SMALLINT", "NUMERIC", "FLOAT", "DOUBLE PRECISION")


def _strip(text: str) -> str:
    """Outer parentheses and a trailing cast of the whole expression (`('x'::character
    varying)` -> `'x'`); outside quoted literals: lower case, one space between words, none
    inside parentheses, before a comma or before a call's parenthesis."""
    parts = re.split(r"('(?:[^']|'')*')", text)
    for i in range(0, len(parts), 2):  # the text between literals
        part = re.sub(r"\s+", " ", parts[i].lower())
        part = re.sub(r"(?<=[\w(]) (?=\()|(?<=\() | (?=[),])", "", part)
        parts[i] = re.sub(r", ?", ", ", part)
    text = "".join(parts).strip()
    previous = None
    while text != previous:
        previous = text
        while text.startswith("(") and text.endswith(")") and _balanced(text[1:-1]):
            text = text[1:-1].strip()
        if not _QUOTED.match(text):
            text = _CAST.sub("", text)
    return _LITERAL_CAST.sub(r"\1", text)  # timezone('utc'::text, now())


def _literal_value(inner: str, family: str | None, model_side: bool):
    if family in ("INTEGER", "BIGINT", "SMALLINT"):
        return ("number", int(inner)) if _INTEGER.match(inner) else None
    if family in ("NUMERIC", "FLOAT", "DOUBLE PRECISION"):
        if not _DECIMAL.match(inner):
            return None
        number = Decimal(inner.strip())
        return ("number", float(number) if family != "NUMERIC" else number)
    if family == "BOOLEAN":
        flag = _BOOLEANS.get(inner.strip().lower())
        return ("bool", flag) if flag is not None else None
    if family in ("VARCHAR", "TEXT"):
        return ("text", inner)
    if family == "CHAR":
        return ("text", inner.rstrip(" "))  # character(n) compares without trailing blanks
    if family == "JSONB":
        try:
            return ("json", _json_key(json.loads(inner, parse_float=Decimal, parse_int=Decimal)))
        except ValueError:
            return None
    if family == "UUID":
        try:
            return ("uuid", uuid.UUID(inner.strip()))
        except ValueError:
            return None
    if family in _TIME_FAMILIES and inner.strip().lower().startswith(_SPECIAL_TIMES):
        word = inner.strip().lower()
        if model_side and word in ("now", "now()"):
            return _NOW  # evaluated when Alembic compares: the transaction's time
        return None if model_side else ("frozen",)
    return None


def _json_key(value):
    """JSON as jsonb compares it: key order and number spelling do not matter."""
    if isinstance(value, dict):
        return ("object", frozenset((k, _json_key(v)) for k, v in value.items()))
    if isinstance(value, list):
        return ("array", tuple(_json_key(v) for v in value))
    if isinstance(value, bool) or value is None:
        return ("scalar", value)
    return ("number", value) if isinstance(value, Decimal) else ("string", value)


def _default_value(text: str, family: str | None, model_side: bool):
    stripped = _strip(text)
    quoted = _QUOTED.match(stripped)
    if quoted:
        inner = quoted.group(1).replace("''", "'")
        if model_side and (inner.startswith("'") or inner.endswith("'")):
            # Alembic strips one quote from each end of a model's string default before quoting
            # it again, and the text may have been text("'''x'''"): not known here.
            return None
        return _literal_value(inner, family, model_side)
    if stripped in ("true", "false"):
        return ("bool", stripped == "true") if family == "BOOLEAN" else None
    if _DECIMAL.match(stripped) and family in _NUMBER_FAMILIES:
        return _literal_value(stripped, family, model_side)
    if stripped in _NOW_SPELLINGS:
        return _NOW
    rounded = re.match(r"^(current_timestamp|localtimestamp)\((\d)\)$", stripped)
    if rounded:  # to 10^-p seconds: equal to now() only by chance (one in 1000 for p = 3)
        digits = int(rounded.group(2))
        return _NOW if digits >= 6 else ("rounded now", digits) if digits <= 3 else None
    if stripped in _TODAY_SPELLINGS:
        return ("today",)
    if stripped in _VOLATILE:
        return ("volatile", stripped)
    zone = re.match(r"^timezone\('((?:[^']|'')*)', (now\(\)|current_timestamp)\)$", stripped) or re.match(
        r"^(now\(\)|current_timestamp) at time zone '((?:[^']|'')*)'$", stripped
    )
    if zone:
        return ("now at", zone.group(1 if stripped.startswith("timezone") else 2).lower())
    return None


def server_defaults_differ(model: str | None, migrated: str | None, family: str | None) -> bool:
    """Whether Alembic (compare_server_default=True, PostgreSQL) reports the model's default
    (normalised as `server_default_text` gives it) against the one the migrations give a column
    of type `family` (its normalised type, or None when unknown). A default on one side only is
    reported, and so is NULL (`NULL = NULL` is not true); otherwise only two values known to
    differ are: `func.now()`, `text("CURRENT_TIMESTAMP")` and `transaction_timestamp()` are one
    value, `'x'::character varying` is `'x'`, `'0'` is `0` on an integer column, `'false'`,
    `'f'` and `false` are one boolean, and what cannot be evaluated here is not reported."""
    if model is None or migrated is None:
        return model != migrated
    if "null" in (_strip(model), _strip(migrated)):
        return True
    family = family.split("(")[0].split(" WITH")[0] if family else None
    ours = _default_value(model, family, model_side=True)
    theirs = _default_value(migrated, family, model_side=False)
    if theirs == ("frozen",):
        return True  # DEFAULT 'now' in a migration: the moment the migration ran
    if ours is None or theirs is None:
        return False
    if ours[0] == "volatile" or theirs[0] == "volatile":
        return _strip(model) != _strip(migrated)
    if {ours[0], theirs[0]} == {"now", "now at"}:
        return False  # equal exactly when the session's time zone is that zone
    return ours != theirs
