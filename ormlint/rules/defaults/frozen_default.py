"""ORM302 frozen-default: `default=datetime.now()`/`uuid4()`: a value computed once (at import, or
per call of the function that builds the column), shared by every row"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import libcst as cst

from ormlint.codes import MODULE_FUNCTION_RETURNS
from ormlint.model.names import dotted_name

from ormlint.model.types import ColumnDecl, FileModel, ModuleFunction
from ormlint.rules.base import Fix, Invalid, Rule, Violation, example
from ormlint.rules.defaults._common import is_builtin, node_source, python_defaults, runtime_columns, short


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
            if dotted in _VALUE_CONVERSIONS and is_builtin(dotted, model):
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
    reads = frozenset({MODULE_FUNCTION_RETURNS})  # `_is_frozen_helper`
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
        Invalid(example('''
            from datetime import datetime

            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Event(Base):
                __tablename__ = "event"
                id: Mapped[int] = mapped_column(primary_key=True)
                created_at: Mapped[datetime] = mapped_column(default=datetime.now())  # ORM302:58
            '''), fixed=example('''
            from datetime import datetime

            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Event(Base):
                __tablename__ = "event"
                id: Mapped[int] = mapped_column(primary_key=True)
                created_at: Mapped[datetime] = mapped_column(default=datetime.now)
            ''')),
        Invalid(example('''
            import uuid

            from sqlalchemy import Column, String
            from sqlalchemy.orm import declarative_base

            Base = declarative_base()


            class ApiKey(Base):
                __tablename__ = "api_key"
                id = Column(String(36), primary_key=True, default=str(uuid.uuid4()))  # ORM302:55
                label = Column(String(50))
            '''), fixed=example('''
            import uuid

            from sqlalchemy import Column, String
            from sqlalchemy.orm import declarative_base

            Base = declarative_base()


            class ApiKey(Base):
                __tablename__ = "api_key"
                id = Column(String(36), primary_key=True, default=lambda: str(uuid.uuid4()))
                label = Column(String(50))
            ''')),
        Invalid(example('''
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
                    onupdate=utcnow(),  # ORM302:18
                )
            '''), fixed=example('''
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
                    onupdate=utcnow,
                )
            ''')),
        Invalid(example('''
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
                    logged_at: Mapped[datetime] = mapped_column(default=datetime.now(timezone.utc))  # ORM302:61

                return Audit
            '''), fixed=example('''
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
            ''')),
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
        for column in runtime_columns(model):
            for keyword, node in python_defaults(column):
                found = frozen_call(node, model)
                if found is None or _locally_bound(found, column):
                    continue
                yield self.violation(
                    node,
                    autofix=self._autofix(column, node, found, model),
                    keyword=keyword,
                    expr=short(node_source(model, node)),
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
            factory = node_source(model, found.call.func)
        else:
            factory = f"lambda: {node_source(model, node)}"
        return Fix(f"Pass `{short(factory, 40)}`, called for each row", ((node, factory),))

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
            factory = node_source(model, found.call.func)
        else:
            factory = f"lambda: {short(node_source(model, node), 48)}"
        if column.constructor == "sqlmodel.Field" and keyword == "default":
            return f"default_factory={factory}"
        return f"{keyword}={factory}"
