"""ORM3xx: column defaults."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

import libcst as cst

from ormlint.model.names import canonical_symbol, dotted_name, string_value, syntax_children
from ormlint.rules.edits import sqlalchemy_name
from ormlint.model.types import ColumnDecl, FileModel, ModuleFunction
from ormlint.rules.base import Fix, Rule, Violation, example

# SQL keywords that are values only when unquoted.
_SQL_VALUE_KEYWORDS = {
    "CURRENT_TIMESTAMP", "CURRENT_DATE", "CURRENT_TIME", "LOCALTIMESTAMP", "LOCALTIME",
    "CURRENT_USER", "SESSION_USER", "SYSDATE", "SYSTIMESTAMP",
}
# A function call, optionally parenthesised, cast (`::text`) or shifted (`AT TIME ZONE 'utc'`):
# `now()`, `gen_random_uuid()`, `nextval('seq'::regclass)`, `(now() at time zone 'utc')`.
_SQL_CALL = re.compile(
    r"""^\(?\s*[A-Za-z_][A-Za-z0-9_.]*\(.*\)\s*\)?
        (\s+at\s+time\s+zone\s+.+|\s*::\s*[A-Za-z_][\w ]*)?$""",
    re.IGNORECASE | re.DOTALL | re.VERBOSE,
)
# A quoted literal with a cast: `'{}'::jsonb`.
_SQL_CAST = re.compile(r"^'[^']*'\s*::\s*[A-Za-z_][\w ]*$", re.DOTALL)


def looks_like_sql_expression(text: str) -> bool:
    stripped = text.strip()
    return (
        stripped.upper() in _SQL_VALUE_KEYWORDS
        or bool(_SQL_CALL.match(stripped))
        or bool(_SQL_CAST.match(stripped))
    )


class ServerDefaultSqlString(Rule):
    code = "ORM301"
    name = "server-default-sql-string"
    summary = 'server_default="now()": a SQL expression passed as a plain string (quoted literal)'
    catches = (
        '`server_default="now()"` and other SQL expressions passed as plain strings (rendered as '
        "the quoted literal `DEFAULT 'now()'`)"
    )
    message = (
        "`server_default={literal}` is rendered as the quoted literal DEFAULT '{value}', not as "
        "SQL: write `server_default=text({literal})` or `func.{func}()`"
    )
    what_it_does = """
        Checks `server_default=` given as a plain Python string whose text is a SQL expression:
        a function call (`"now()"`, `"gen_random_uuid()"`, `"uuid_generate_v4()"`), a SQL value
        keyword (`"CURRENT_TIMESTAMP"`, `"CURRENT_DATE"`, `"LOCALTIMESTAMP"`) or a cast
        (`"'{}'::jsonb"`). Ordinary literals such as `"0"`, `"active"`, `"false"` or `""` are fine.
        """
    why_bad = """
        SQLAlchemy renders a plain string as a quoted literal: `DEFAULT 'now()'`. PostgreSQL
        folds `'now()'` into one constant timestamp at CREATE TABLE, so every row gets the moment
        the table was created; for `'CURRENT_TIMESTAMP'` or `'gen_random_uuid()'` it rejects the
        DDL. SQLite stores the text `now()`, and reading it back raises
        `ValueError: Invalid isoformat string: 'now()'` (verified by this rule's oracle test).
        """
    fix_safety = """
        Safe: the string is wrapped in `text(...)`, using the module's own spelling (`sa.text`,
        `db.text`), adding `text` to an existing `from sqlalchemy import ...`, or adding that
        import above a `from sqlalchemy.orm import ...` line; no fix when the module has no
        SQLAlchemy import to build on, or binds `text` to something else. The DDL then carries the SQL expression (`DEFAULT now()`); existing
        databases keep their old default until a migration changes it.
        """
    references = (
        "SQLAlchemy: Server-invoked DDL-Explicit Default Expressions, https://docs.sqlalchemy.org/en/20/core/defaults.html#server-invoked-ddl-explicit-default-expressions",
        "sqlalchemy/alembic#190 (server_default='now()')",
    )
    invalid = (
        example('''
            from datetime import datetime

            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Event(Base):
                __tablename__ = "event"
                id: Mapped[int] = mapped_column(primary_key=True)
                created_at: Mapped[datetime] = mapped_column(server_default="now()")  # ORM301
            '''),
    )
    valid = (
        example('''
            from datetime import datetime

            from sqlalchemy import func
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Event(Base):
                __tablename__ = "event"
                id: Mapped[int] = mapped_column(primary_key=True)
                created_at: Mapped[datetime] = mapped_column(server_default=func.now())
                status: Mapped[str] = mapped_column(server_default="active")
            '''),
    )

    def check(self, model: FileModel) -> Iterator[Violation]:
        for column in model.columns:
            node = column.keyword("server_default")
            value = string_value(node)
            if node is None or value is None or not looks_like_sql_expression(value):
                continue
            func = value.strip().partition("(")[0].strip("( ").lower()
            if not func.isidentifier():
                func = "now"
            literal = model.module.code_for_node(node)
            yield self.violation(
                node, autofix=self._autofix(node, literal, model),
                literal=literal, value=value, func=func,
            )

    @staticmethod
    def _autofix(node: cst.CSTNode, literal: str, model: FileModel) -> Fix | None:
        found = sqlalchemy_name(model, "text")
        if found is None:
            return None
        text, extra = found
        return Fix(f"Wrap in `{text}(...)`", ((node, f"{text}({literal})"), *extra))


# ---------------------------------------------------------------------------------------------
# Shared helpers for ORM302-ORM304


def _is_alembic_file(model: FileModel) -> bool:
    return any(
        target == "alembic" or target.startswith("alembic.")
        for target in model.imports.aliases.values()
    )


def _runtime_columns(model: FileModel) -> Iterator[ColumnDecl]:
    """Columns whose Python-side defaults run: every column, except those a migration builds
    (Alembic's `op.add_column(sa.Column(..., default=...))` never uses `default=`)."""
    for cls in model.classes:
        yield from cls.columns
    for table in model.tables:
        yield from table.columns
    if not _is_alembic_file(model):
        yield from model.loose_columns


def _is_builtin(name: str, model: FileModel) -> bool:
    return name not in model.module_bindings


def _code(model: FileModel, node: cst.CSTNode) -> str:
    return model.module.code_for_node(node).strip()


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


# ---------------------------------------------------------------------------------------------
# ORM302


# Standard-library functions that return a new value each call (time, identifiers, randomness).
FROZEN_PRODUCERS = frozenset({
    "datetime.datetime.now", "datetime.datetime.utcnow", "datetime.datetime.today",
    "datetime.date.today",
    "time.time", "time.time_ns", "time.localtime", "time.gmtime", "time.strftime", "time.ctime",
    "time.asctime", "time.monotonic", "time.monotonic_ns", "time.perf_counter",
    "time.perf_counter_ns",
    "uuid.uuid1", "uuid.uuid4", "uuid.uuid6", "uuid.uuid7",
    "random.random", "random.randint", "random.randrange", "random.choice", "random.choices",
    "random.sample", "random.uniform", "random.getrandbits", "random.randbytes",
    "secrets.token_hex", "secrets.token_urlsafe", "secrets.token_bytes", "secrets.choice",
    "secrets.randbelow", "secrets.randbits",
    "os.urandom",
})
# Builtins that keep a frozen value frozen: `str(uuid4())`, `int(time.time())`.
_VALUE_CONVERSIONS = {"str", "int", "float", "repr", "format", "bytes", "round"}


@dataclass(frozen=True)
class FrozenCall:
    call: cst.Call  # the producer (or helper) call evaluated once
    producer: str  # "datetime.datetime.now", or the helper's name
    helper: bool


def frozen_call(expr: cst.CSTNode, model: FileModel, helpers: bool = True) -> FrozenCall | None:
    """The call inside `expr` that makes it a value computed once, when `expr` itself is
    evaluated: a known producer (`datetime.now()`), one seen through attribute access, indexing,
    method calls, arithmetic, f-strings and value conversions (`uuid4().hex`, `str(uuid4())`,
    `date.today() + timedelta(days=7)`), or (with `helpers`) a call of a module-level function
    of this file whose every `return` is such a value. Lambdas and bare callables are not."""
    if isinstance(expr, cst.Call):
        dotted = dotted_name(expr.func)
        if dotted is not None:
            qualified = model.imports.qualify(dotted)
            if qualified in FROZEN_PRODUCERS:
                return FrozenCall(expr, qualified, False)
            if (
                helpers
                and "." not in dotted
                and (function := model.functions.get(dotted)) is not None
                and _is_frozen_helper(function, model)
            ):
                return FrozenCall(expr, dotted, True)
            if dotted in _VALUE_CONVERSIONS and _is_builtin(dotted, model):
                first = next((a for a in expr.args if a.keyword is None and not a.star), None)
                return frozen_call(first.value, model, helpers) if first is not None else None
            return None
        if isinstance(expr.func, cst.Attribute):
            receiver = expr.func.value
            if isinstance(receiver, (cst.SimpleString, cst.ConcatenatedString)):
                # a string method building a string from the value: "".join(...), "{}".format(...)
                for arg in expr.args:
                    found = frozen_call(arg.value, model, helpers)
                    if found is not None:
                        return found
                return None
            return frozen_call(receiver, model, helpers)  # a method of a computed value
        return None
    if isinstance(expr, (cst.Attribute, cst.Subscript)):
        return frozen_call(expr.value, model, helpers)
    if isinstance(expr, cst.BinaryOperation):
        return frozen_call(expr.left, model, helpers) or frozen_call(expr.right, model, helpers)
    if isinstance(expr, cst.UnaryOperation):
        return frozen_call(expr.expression, model, helpers)
    if isinstance(expr, cst.FormattedString):
        for part in expr.parts:
            if isinstance(part, cst.FormattedStringExpression):
                found = frozen_call(part.expression, model, helpers)
                if found is not None:
                    return found
    return None


def _is_frozen_helper(function: ModuleFunction, model: FileModel) -> bool:
    """`def utcnow(): return datetime.now(timezone.utc)`: every return gives a producer's value.
    Decorated, async and generator functions are something else; helpers of helpers are not
    followed (one level)."""
    if function.decorated or function.is_async or function.is_generator or not function.returns:
        return False
    return all(
        value is not None and frozen_call(value, model, helpers=False) is not None
        for value in function.returns
    )


def _locally_bound(found: FrozenCall, column: ColumnDecl) -> bool:
    """The producer's name is a parameter or local of the function building the column
    (`def make(uuid): ... uuid.uuid4()`), not the import."""
    dotted = dotted_name(found.call.func) or ""
    return dotted.partition(".")[0] in column.local_names


class FrozenDefault(Rule):
    code = "ORM302"
    name = "frozen-default"
    summary = (
        "`default=datetime.now()`/`uuid4()`: a value computed once (at import, or per call of "
        "the function that builds the column), shared by every row"
    )
    catches = (
        "`default=datetime.now()`/`uuid4()`: computed once (at import, or per call of the "
        "function that builds the column), shared by every row"
    )
    message = "`{keyword}={expr}` is evaluated {when}: {effect}; pass a callable instead: `{fix}`"
    what_it_does = """
        Checks `default=` and `onupdate=` (of `Column`, `mapped_column`, SQLModel's `Field` and
        its `sa_column_kwargs`) given the *result* of a call that produces a new value each time:
        `datetime.now()`, `datetime.utcnow()`, `date.today()`, `uuid.uuid4()`, `uuid4().hex`,
        `str(uuid4())`, `time.time()`, `secrets.token_hex()` and the other time, uuid, random and
        secrets functions of the standard library, also seen through conversions, method calls
        and arithmetic (`date.today() + timedelta(days=7)`), and a module-level function of the
        same file that returns such a value (`def utcnow(): return datetime.now(timezone.utc)`
        then `default=utcnow()`). Names are resolved through the imports. The bare callable
        (`default=datetime.now`, `default=utcnow`), a lambda, `func.now()`, `text(...)` and calls
        of a SQL function class (a `FunctionElement` subclass named `utcnow`) are correct and
        never reported; so are calls of functions ormlint cannot see. Columns built when a
        function runs are checked as well: in a model or table factory (a class statement or
        `Table(...)` inside a function), a column helper, a method, a nested function; there a
        name the function binds itself (a parameter `uuid`) is not taken for the import.
        Alembic revisions are not checked (a migration never uses `default=`).
        """
    why_bad = """
        The argument is evaluated when the class body runs, at import. SQLAlchemy receives one
        constant and uses it for every INSERT (or UPDATE): rows inserted minutes apart carry the
        same timestamp, the process-start time (this rule's oracle test inserted two rows 50 ms
        apart and read back the same `created_at` twice; two UPDATEs wrote the same
        `updated_at`). On a primary-key or unique column the second insert fails:
        `IntegrityError: (sqlite3.IntegrityError) UNIQUE constraint failed: api_key.id`
        (verified by the oracle test). A real instance: mlrun/mlrun PR #7194, where all records
        had the same timestamp.

        Inside a function that builds the model or the column, the argument is evaluated when
        that function runs: once per call, and the value is then shared by every row of the
        column it built. The oracle test built a model in a factory function, inserted two
        rows in different seconds and read back the same `logged_at` twice (SQLAlchemy 2.0 and
        2.1).
        """
    fix_safety = """
        Safe: `datetime.utcnow()` becomes `datetime.utcnow` (a call with arguments or a wrapped
        value becomes `lambda: ...`), which SQLAlchemy calls for each INSERT/UPDATE. Not offered
        for SQLModel's `Field(default=...)`, where the keyword itself must change to
        `default_factory=`.
        """
    references = (
        "SQLAlchemy: Scalar Defaults and Python-Executed Functions, https://docs.sqlalchemy.org/en/20/core/defaults.html#python-executed-functions",
        "mlrun/mlrun PR #7194 (all records had the same timestamp)",
    )
    invalid = (
        example('''
            from datetime import datetime

            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Event(Base):
                __tablename__ = "event"
                id: Mapped[int] = mapped_column(primary_key=True)
                created_at: Mapped[datetime] = mapped_column(default=datetime.now())  # ORM302
            '''),
        example('''
            import uuid

            from sqlalchemy import Column, String
            from sqlalchemy.orm import declarative_base

            Base = declarative_base()


            class ApiKey(Base):
                __tablename__ = "api_key"
                id = Column(String(36), primary_key=True, default=str(uuid.uuid4()))  # ORM302
                label = Column(String(50))
            '''),
        example('''
            from datetime import datetime, timezone

            from sqlalchemy import DateTime
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            def utcnow():
                return datetime.now(timezone.utc)


            class Base(DeclarativeBase):
                pass


            class Post(Base):
                __tablename__ = "post"
                id: Mapped[int] = mapped_column(primary_key=True)
                title: Mapped[str]
                updated_at: Mapped[datetime] = mapped_column(
                    DateTime(timezone=True),
                    default=utcnow,
                    onupdate=utcnow(),  # ORM302
                )
            '''),
        example('''
            from datetime import datetime, timezone

            from sqlalchemy import String
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            def audit_model(table_name: str) -> type[Base]:
                """One audit table per tenant, built when the tenant is set up."""

                class Audit(Base):
                    __tablename__ = table_name
                    id: Mapped[int] = mapped_column(primary_key=True)
                    action: Mapped[str] = mapped_column(String(50))
                    logged_at: Mapped[datetime] = mapped_column(default=datetime.now(timezone.utc))  # ORM302

                return Audit
            '''),
    )
    valid = (
        example('''
            import uuid
            from datetime import datetime

            from sqlalchemy import func
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Event(Base):
                __tablename__ = "event"
                id: Mapped[str] = mapped_column(primary_key=True, default=lambda: str(uuid.uuid4()))
                created_at: Mapped[datetime] = mapped_column(default=datetime.now)
                stored_at: Mapped[datetime] = mapped_column(server_default=func.now())
            '''),
        example('''
            from datetime import datetime

            from sqlalchemy.ext.compiler import compiles
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
            from sqlalchemy.sql.expression import FunctionElement
            from sqlalchemy.types import DateTime


            class utcnow(FunctionElement):
                """A SQL function: `default=utcnow()` is evaluated by the database per row."""

                type = DateTime()
                inherit_cache = True


            @compiles(utcnow)
            def _utcnow_default(element, compiler, **kw):
                return "CURRENT_TIMESTAMP"


            @compiles(utcnow, "postgresql")
            def _utcnow_postgresql(element, compiler, **kw):
                return "TIMEZONE('utc', CURRENT_TIMESTAMP)"


            class Base(DeclarativeBase):
                pass


            class Event(Base):
                __tablename__ = "event"
                id: Mapped[int] = mapped_column(primary_key=True)
                created_at: Mapped[datetime] = mapped_column(default=utcnow())
            '''),
        example('''
            from datetime import datetime, timezone

            from sqlalchemy import String
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            def audit_model(table_name: str) -> type[Base]:
                """One audit table per tenant, built when the tenant is set up."""

                class Audit(Base):
                    __tablename__ = table_name
                    id: Mapped[int] = mapped_column(primary_key=True)
                    action: Mapped[str] = mapped_column(String(50))
                    logged_at: Mapped[datetime] = mapped_column(default=lambda: datetime.now(timezone.utc))

                return Audit
            '''),
    )

    def check(self, model: FileModel) -> Iterator[Violation]:
        for column in _runtime_columns(model):
            for keyword in ("default", "onupdate"):
                node = column.keyword(keyword)
                if node is None:
                    continue
                found = frozen_call(node, model)
                if found is None or _locally_bound(found, column):
                    continue
                yield self.violation(
                    node,
                    autofix=self._autofix(column, node, found, model),
                    keyword=keyword,
                    expr=_short(_code(model, node)),
                    when=(
                        f"once per call of `{column.built_in}()`, when it builds the column"
                        if column.built_in else "once, when the module is imported"
                    ),
                    effect=self._effect(column, keyword),
                    fix=self._fix(column, keyword, node, found, model),
                )

    @staticmethod
    def _autofix(column: ColumnDecl, node: cst.CSTNode, found: FrozenCall, model: FileModel) -> Fix | None:
        """Pass the callable (`datetime.utcnow`) or a lambda, evaluated per row."""
        if column.constructor == "sqlmodel.Field":
            return None  # the keyword itself changes (default_factory=): left to the author
        if found.call is node and not found.call.args:
            factory = _code(model, found.call.func)
        else:
            factory = f"lambda: {_code(model, node)}"
        return Fix(f"Pass `{_short(factory, 40)}`, called for each row", ((node, factory),))

    @staticmethod
    def _effect(column: ColumnDecl, keyword: str) -> str:
        if keyword == "onupdate":
            return "every UPDATE writes that same value"
        rows = "every row of that column" if column.built_in else "every row"
        if column.primary_key or column.unique:
            return f"{rows} gets that same value, and the second insert fails on the duplicate key"
        return f"{rows} gets that same value"

    @staticmethod
    def _fix(
        column: ColumnDecl, keyword: str, node: cst.CSTNode, found: FrozenCall, model: FileModel
    ) -> str:
        if found.call is node and not found.call.args:
            factory = _code(model, found.call.func)
        else:
            factory = f"lambda: {_short(_code(model, node), 48)}"
        if column.constructor == "sqlmodel.Field" and keyword == "default":
            return f"default_factory={factory}"
        return f"{keyword}={factory}"


# ---------------------------------------------------------------------------------------------
# ORM303


def uncalled_sql_function(node: cst.CSTNode, model: FileModel) -> str | None:
    """`func.now`, `sa.func.now`, `db.func.current_timestamp` (not called): the function's name."""
    if not isinstance(node, cst.Attribute):
        return None
    dotted = dotted_name(node)
    qualified = model.imports.qualify(dotted) if dotted else None
    if qualified is None:
        return None
    parts = qualified.split(".")
    root = parts[0]
    if root not in ("sqlalchemy", "sqlmodel", "flask_sqlalchemy") or len(parts) < 3:
        return None
    return parts[-1] if parts[-2] == "func" else None


def _literal_kind(node: cst.CSTNode) -> str | None:
    """What a `server_default=` literal is when it is neither a string nor SQL, else None."""
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, (cst.Minus, cst.Plus)):
        return _literal_kind(node.expression)
    if isinstance(node, cst.Integer):
        return "int"
    if isinstance(node, cst.Float):
        return "float"
    if isinstance(node, cst.Imaginary):
        return "complex"
    if isinstance(node, cst.Name) and node.value in ("True", "False"):
        return "bool"
    if isinstance(node, (cst.List, cst.ListComp)):
        return "list"
    if isinstance(node, (cst.Dict, cst.DictComp)):
        return "dict"
    if isinstance(node, (cst.Set, cst.SetComp)):
        return "set"
    if isinstance(node, cst.Tuple):
        return "tuple"
    return None


class InvalidDefaultValue(Rule):
    code = "ORM303"
    name = "invalid-default-value"
    summary = (
        "`server_default=0`/`False` (not a string or SQL), or `func.now` passed uncalled to "
        "`default=`/`onupdate=`/`server_default=`"
    )
    catches = "`server_default=0`/`False`, or `func.now` passed uncalled"
    message = "{problem}; write {fix}"
    what_it_does = """
        Checks `server_default=` given a Python value that is neither a string nor a SQL
        expression: a number (`0`, `1.5`, `-1`), a boolean (`True`/`False`), a list, dict, set or
        tuple literal. `server_default=None` is fine. Also checks SQL functions passed uncalled:
        `server_default=func.now`, `default=func.now`, `onupdate=func.now` (any spelling of
        SQLAlchemy's `func`: `sa.func`, `db.func`), where `func.now()` was meant. Alembic
        migrations are checked for `server_default=` (`sa.Column(..., server_default=0)` fails
        there as well), not for `default=`/`onupdate=`, which a migration never runs.
        """
    why_bad = """
        `server_default=` accepts only a string, a SQL expression or `None`. Anything else stops
        the application at import, when the class is defined:
        `ArgumentError: Argument 'arg' is expected to be one of type '<class 'str'>' or
        '<class 'sqlalchemy.sql.elements.ClauseElement'>' or '<class
        'sqlalchemy.sql.elements.TextClause'>', got '<class 'int'>'` (for `func.now`:
        `got '<class 'sqlalchemy.sql.functions._FunctionGenerator'>'`). `default=func.now` and
        `onupdate=func.now` import fine, but SQLAlchemy takes the uncalled generator for a
        Python callable, calls it with the execution context and binds the resulting SQL
        function object as a value, so every INSERT (or UPDATE) fails:
        `StatementError: (builtins.TypeError) SQLite DateTime type only accepts Python datetime
        and date objects as input.` (on a string column: `Error binding parameter 1: type 'now'
        is not supported`). All verified by this rule's oracle tests with SQLAlchemy 2.1, and
        the same with 1.4 and 2.0.
        """
    fix_safety = "No automatic fix yet. Quoting the literal or adding `()` is safe."
    fix_safety = """
        Safe: the string is wrapped in `text(...)`, using the module's own spelling (`sa.text`,
        `db.text`), adding `text` to an existing `from sqlalchemy import ...`, or adding that
        import above a `from sqlalchemy.orm import ...` line; no fix when the module has no
        SQLAlchemy import to build on, or binds `text` to something else. The DDL then carries the SQL expression (`DEFAULT now()`); existing
        databases keep their old default until a migration changes it.
        """
    references = (
        "SQLAlchemy: Server-invoked DDL-Explicit Default Expressions, https://docs.sqlalchemy.org/en/20/core/defaults.html#server-invoked-ddl-explicit-default-expressions",
        "SQLAlchemy: Client-Invoked SQL Expressions, https://docs.sqlalchemy.org/en/20/core/defaults.html#client-invoked-sql-expressions",
    )
    invalid = (
        example('''
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Counter(Base):
                __tablename__ = "counter"
                id: Mapped[int] = mapped_column(primary_key=True)
                hits: Mapped[int] = mapped_column(server_default=0)  # ORM303
            '''),
        example('''
            import sqlalchemy as sa
            from sqlalchemy.orm import declarative_base

            Base = declarative_base()


            class Feature(Base):
                __tablename__ = "feature"
                id = sa.Column(sa.Integer, primary_key=True)
                enabled = sa.Column(sa.Boolean, nullable=False, server_default=False)  # ORM303
            '''),
        example('''
            from datetime import datetime

            from sqlalchemy import func
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Event(Base):
                __tablename__ = "event"
                id: Mapped[int] = mapped_column(primary_key=True)
                created_at: Mapped[datetime] = mapped_column(server_default=func.now)  # ORM303
            '''),
        example('''
            from datetime import datetime
            from typing import Optional

            from sqlalchemy import func
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Document(Base):
                __tablename__ = "document"
                id: Mapped[int] = mapped_column(primary_key=True)
                title: Mapped[str]
                created_at: Mapped[datetime] = mapped_column(default=func.now)  # ORM303
                updated_at: Mapped[Optional[datetime]] = mapped_column(onupdate=func.now)  # ORM303
            '''),
    )
    valid = (
        example('''
            from datetime import datetime
            from typing import Optional

            import sqlalchemy as sa
            from sqlalchemy import func
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Document(Base):
                __tablename__ = "document"
                id: Mapped[int] = mapped_column(primary_key=True)
                hits: Mapped[int] = mapped_column(server_default="0")
                enabled: Mapped[bool] = mapped_column(server_default=sa.false())
                note: Mapped[Optional[str]] = mapped_column(server_default=None)
                created_at: Mapped[datetime] = mapped_column(server_default=func.now())
                touched_at: Mapped[datetime] = mapped_column(default=func.now())
                updated_at: Mapped[Optional[datetime]] = mapped_column(onupdate=func.now())
            '''),
    )

    def check(self, model: FileModel) -> Iterator[Violation]:
        runtime = {id(column) for column in _runtime_columns(model)}
        for column in model.columns:
            for keyword in ("server_default", "default", "onupdate", "server_onupdate"):
                node = column.keyword(keyword)
                if node is None:
                    continue
                if keyword in ("default", "onupdate") and id(column) not in runtime:
                    continue  # a migration's Column: its Python-side defaults never run
                function = uncalled_sql_function(node, model)
                if function is not None:
                    code = _code(model, node)
                    if keyword.startswith("server_"):
                        problem = (
                            f"`{keyword}={code}` passes the SQL function generator uncalled: "
                            "SQLAlchemy raises ArgumentError when the class is defined"
                        )
                    else:
                        statement = "INSERT" if keyword == "default" else "UPDATE"
                        problem = (
                            f"`{keyword}={code}` passes the SQL function uncalled: SQLAlchemy "
                            f"calls it with the execution context and every {statement} fails"
                        )
                    yield self.violation(node, problem=problem, fix=f"`{keyword}={code}()`")
                    continue
                if keyword != "server_default":
                    continue
                kind = _literal_kind(node)
                if kind is None:
                    continue
                code = _code(model, node)
                problem = (
                    f"`server_default={_short(code)}` is a Python {kind}, not a string or SQL "
                    "expression: SQLAlchemy raises ArgumentError when the class is defined"
                )
                yield self.violation(node, problem=problem, fix=self._fix(kind, code, model))

    @staticmethod
    def _fix(kind: str, code: str, model: FileModel) -> str:
        if kind == "bool":
            # The string "false" reads back as True on SQLite (EVIDENCE.md); SQLAlchemy's
            # false()/true() are rendered per dialect (false, or 0 on SQLite).
            name = code.lower()
            return f"`server_default={_sqlalchemy_prefix(model, name)}{name}()`"
        if kind in ("int", "float", "complex"):
            return f'`server_default="{code}"`'
        if kind in ("list", "dict") and "'" not in code and '"' not in code and "\n" not in code:
            return f"`server_default='{code}'`"
        return "the SQL literal as a string or `text(...)`"


def _sqlalchemy_prefix(model: FileModel, name: str) -> str:
    """How this module spells SQLAlchemy's `name`: `false`, `sa.false`, `sqlalchemy.false`."""
    if model.imports.qualify(name) == f"sqlalchemy.{name}":
        return ""
    for local, target in model.imports.aliases.items():
        if target == "sqlalchemy":
            return local + "."
    return "sqlalchemy."


# ---------------------------------------------------------------------------------------------
# ORM304


_MUTABLE_CALLS = {"list": "list", "dict": "dict", "set": "set", "bytearray": "bytearray"}
_MUTABLE_QUALIFIED = {
    "collections.defaultdict": "defaultdict",
    "collections.OrderedDict": "OrderedDict",
    "collections.Counter": "Counter",
    "collections.deque": "deque",
}


def mutable_default(node: cst.CSTNode, model: FileModel) -> str | None:
    """The kind of mutable object `node` builds (list, dict, set...), else None."""
    if isinstance(node, (cst.List, cst.ListComp)):
        return "list"
    if isinstance(node, (cst.Dict, cst.DictComp)):
        return "dict"
    if isinstance(node, (cst.Set, cst.SetComp)):
        return "set"
    if isinstance(node, cst.Call):
        dotted = dotted_name(node.func)
        if dotted is None:
            return None
        if dotted in _MUTABLE_CALLS and _is_builtin(dotted, model):
            return _MUTABLE_CALLS[dotted]
        return _MUTABLE_QUALIFIED.get(model.imports.qualify(dotted) or "")
    return None


def _type_head(expr: cst.CSTNode) -> cst.CSTNode:
    """`JSON` in `JSON`, `JSON()`, `sa.JSON().with_variant(JSONB(), "postgresql")`."""
    while True:
        if isinstance(expr, cst.Call):
            expr = expr.func
        elif isinstance(expr, cst.Attribute) and dotted_name(expr) is None:
            expr = expr.value
        elif isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Call):
            expr = expr.value
        else:
            return expr


def _mentions_mutable(expr: cst.CSTNode) -> bool:
    stack = [expr]
    while stack:
        node = stack.pop()
        name = node.value if isinstance(node, cst.Name) else None
        if name is not None and (name.startswith("Mutable") or name == "as_mutable"):
            return True
        stack.extend(syntax_children(node))
    return False


_USER_TYPE_BASES = {"TypeDecorator", "UserDefinedType", "TypeEngine"}


def shares_default_objects(type_expr: cst.CSTNode | None, model: FileModel) -> bool:
    """True when the column type is known to keep a default object as is (any SQLAlchemy type,
    or a TypeDecorator of this file); False when it may copy it (`MutableDict.as_mutable(...)`
    coerces the default into a new object per instance) or is unknown (a type from elsewhere, or
    a `Mapped[...]` annotation resolved through the registry's type map)."""
    seen: set[str] = set()
    while type_expr is not None:
        if _mentions_mutable(type_expr):
            return False
        head = _type_head(type_expr)
        if isinstance(head, cst.Name) and head.value not in seen:
            value = model.module_values.get(head.value)
            if value is not None:  # `JSONDict = MutableDict.as_mutable(JSONB)`
                seen.add(head.value)
                type_expr = value
                continue
            cls = model.class_named(head.value)
            if cls is not None:
                return any(
                    canonical_symbol(model.imports.qualify(base) or "") in _USER_TYPE_BASES
                    for base in cls.bases
                )
        return model.imports.symbol(head) is not None
    return False


class MutableDefault(Rule):
    code = "ORM304"
    name = "mutable-default"
    summary = "`default=[]`/`{}`: one mutable object shared by every row and by the default itself"
    catches = "`default=[]`/`{}` on a JSON column: one object shared by every row"
    message = (
        "`{keyword}={expr}` is one {kind} object shared by every new row and by the column "
        "default itself: changing it in place through one row changes the default for later rows; "
        "pass a factory instead: `{keyword}={fix}`"
    )
    what_it_does = """
        Checks `default=` and `onupdate=` of `Column`/`mapped_column` given a mutable object: a
        list, dict or set literal or comprehension, or a call of `list()`, `dict()`, `set()`,
        `bytearray()` or `collections.defaultdict`/`OrderedDict`/`Counter`/`deque`. The factory
        itself (`default=list`, `default=dict`) and immutable values (tuples, strings, numbers)
        are fine. Only columns whose type is known not to copy the default are checked: any
        SQLAlchemy type (`JSON`, `JSONB`, `ARRAY`, `PickleType`, ...) or a `TypeDecorator` of the
        same file. `MutableDict.as_mutable(...)`/`MutableList.as_mutable(...)` types copy the
        default into a new object per row (verified), so they are not reported, and neither are
        types imported from elsewhere nor SQLModel's `Field(default=[])` (pydantic copies it).
        """
    why_bad = """
        SQLAlchemy puts the very same object into every new row: after a flush, `a.data is
        b.data` is `True`, and both are the column's default object (verified by this rule's
        oracle test). An in-place change through one row (`a.data.append(1)`) is not even saved
        for that row (the plain JSON type does not track mutations), but it changes the shared
        default: the next row inserted stored `[1]` instead of `[]` in the oracle test. The bug
        surfaces far away from its cause, as data leaking between unrelated rows.
        """
    fix_safety = "No automatic fix yet. Replacing `[]`/`{}` with `list`/`dict` is safe."
    references = (
        "SQLAlchemy: Scalar Defaults, https://docs.sqlalchemy.org/en/20/core/defaults.html#scalar-defaults",
        "SQLAlchemy: Mutation Tracking, https://docs.sqlalchemy.org/en/20/orm/extensions/mutable.html",
    )
    invalid = (
        example('''
            from sqlalchemy import JSON
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Playlist(Base):
                __tablename__ = "playlist"
                id: Mapped[int] = mapped_column(primary_key=True)
                tracks: Mapped[list] = mapped_column(JSON, default=[])  # ORM304
            '''),
        example('''
            from sqlalchemy import JSON, Column, Integer
            from sqlalchemy.orm import declarative_base

            Base = declarative_base()


            class Profile(Base):
                __tablename__ = "profile"
                id = Column(Integer, primary_key=True)
                settings = Column(JSON, nullable=False, default=dict())  # ORM304
            '''),
    )
    valid = (
        example('''
            from sqlalchemy import JSON
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Playlist(Base):
                __tablename__ = "playlist"
                id: Mapped[int] = mapped_column(primary_key=True)
                tracks: Mapped[list] = mapped_column(JSON, default=list)
                settings: Mapped[dict] = mapped_column(JSON, default=dict)
            '''),
        example('''
            from sqlalchemy import JSON
            from sqlalchemy.ext.mutable import MutableDict
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Profile(Base):
                __tablename__ = "profile"
                id: Mapped[int] = mapped_column(primary_key=True)
                settings: Mapped[dict] = mapped_column(MutableDict.as_mutable(JSON), default={})
            '''),
    )

    def check(self, model: FileModel) -> Iterator[Violation]:
        for column in _runtime_columns(model):
            if column.constructor == "sqlmodel.Field":
                continue
            for keyword in ("default", "onupdate"):
                node = column.keyword(keyword)
                if node is None:
                    continue
                kind = mutable_default(node, model)
                if kind is None or not shares_default_objects(column.type_expr, model):
                    continue
                code = _code(model, node)
                empty = (
                    isinstance(node, (cst.List, cst.Dict)) and not node.elements
                ) or (isinstance(node, cst.Call) and not node.args)
                fix = kind if empty and kind in ("list", "dict", "set", "bytearray") else (
                    f"lambda: {_short(code, 48)}"
                )
                yield self.violation(
                    node, keyword=keyword, expr=_short(code), kind=kind, fix=fix
                )
