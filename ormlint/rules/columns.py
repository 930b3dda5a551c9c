"""ORM2xx: column nullability and types."""

from __future__ import annotations

import dataclasses
from typing import Iterator

import libcst as cst

from ormlint.rules.edits import typing_name
from ormlint.model.extract import annotation_names, keyword_args
from ormlint.model.names import bool_value, dotted_name, optional_core, string_value
from ormlint.model.types import ColumnDecl, FileModel, MappedAnnotation, ModelClass
from ormlint.rules.base import Fix, Rule, Violation, example
from ormlint.rules.indexes import annotation_used_by_column

_REFERENCES = (
    "SQLAlchemy: mapped_column() derives the datatype and nullability from the Mapped annotation, "
    "https://docs.sqlalchemy.org/en/20/orm/declarative_tables.html#mapped-column-derives-the-datatype-and-nullability-from-the-mapped-annotation",
)


def _uses_existing_column(column: ColumnDecl) -> bool:
    """`use_existing_column=True`: when the column exists, its `nullable=` is ignored."""
    return bool_value(column.keyword("use_existing_column")) is True


def _drop_optional(model: FileModel, mapped: MappedAnnotation) -> Fix | None:
    """`Mapped[Optional[X]]` / `Mapped[X | None]` / `Mapped[Union[X, None]]` -> `Mapped[X]`.
    Unsafe: whether the column or the annotation is wrong is the author's call."""
    inner = mapped.inner
    kept: cst.CSTNode | None = None
    if isinstance(inner, cst.BinaryOperation) and isinstance(inner.operator, cst.BitOr):
        sides = [s for s in (inner.left, inner.right) if not (isinstance(s, cst.Name) and s.value == "None")]
        kept = sides[0] if len(sides) == 1 else None
    elif isinstance(inner, cst.Subscript):
        symbol = model.imports.symbol(inner.value)
        elements = [e.slice.value for e in inner.slice if isinstance(e.slice, cst.Index)]
        if symbol == "typing.Optional" and len(elements) == 1:
            kept = elements[0]
        elif symbol == "typing.Union":
            others = [e for e in elements if not (isinstance(e, cst.Name) and e.value == "None")]
            kept = others[0] if len(others) == 1 and len(elements) == 2 else None
    if kept is None:
        return None
    code = model.module.code_for_node(kept)
    return Fix(f"Annotate `Mapped[{code}]`", ((inner, code),), applicability="unsafe")


def _add_optional(model: FileModel, mapped: MappedAnnotation) -> Fix | None:
    """`Mapped[X]` -> `Mapped[Optional[X]]` (or `X | None` without a typing import). Unsafe."""
    code = model.module.code_for_node(mapped.inner)
    optional = typing_name(model, "Optional")
    new = f"{optional}[{code}]" if optional else f"{code} | None"
    return Fix(f"Annotate `Mapped[{new}]`", ((mapped.inner, new),), applicability="unsafe")


class OptionalMappedNotNull(Rule):
    code = "ORM201"
    name = "optional-mapped-not-null"
    summary = "`Mapped[Optional[X]]` on a column that is NOT NULL (`nullable=False` or primary key)"
    catches = (
        "`Mapped[Optional[X]]` on a column that is `nullable=False` or a primary key (the DDL "
        "says NOT NULL; `None` fails at flush)"
    )
    message = (
        "`{annotation}` says `{attr}` may be None, but the column is NOT NULL ({reason}): "
        "drop `Optional`/`None` from the annotation, or make the column nullable"
    )
    what_it_does = """
        Checks columns annotated with an optional `Mapped[...]` (`Optional[X]`, `X | None`,
        `Union[X, None]`, also in string form) whose `mapped_column()`/`Column()` says
        `nullable=False` or `primary_key=True`.
        """
    why_bad = """
        An explicit `nullable=` wins over the annotation for the DDL, silently: the table gets
        `NOT NULL` while type checkers accept `None`. Code that leaves the attribute at `None`
        type-checks and then fails at flush with `IntegrityError: NOT NULL constraint failed`
        (verified by this rule's oracle test). If `None` is deliberately allowed only before the
        first flush (a server-generated value), say so with `# noqa: ORM201`.
        """
    references = _REFERENCES
    fix_safety = """
        Unsafe (applied with `--unsafe-fixes`): `Optional[...]`/`| None` is dropped from the
        annotation, which makes the annotation agree with the table; if the column should be
        nullable instead, change the column. Not offered for string annotations.
        """
    invalid = (
        example('''
            from typing import Optional

            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class User(Base):
                __tablename__ = "user_account"
                id: Mapped[int] = mapped_column(primary_key=True)
                nickname: Mapped[Optional[str]] = mapped_column(nullable=False)  # ORM201
            '''),
    )
    valid = (
        example('''
            from typing import Optional

            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class User(Base):
                __tablename__ = "user_account"
                id: Mapped[int] = mapped_column(primary_key=True)
                nickname: Mapped[str] = mapped_column(nullable=False)
                bio: Mapped[Optional[str]] = mapped_column()
            '''),
    )

    def check(self, model: FileModel) -> Iterator[Violation]:
        for cls in model.classes:
            for column in cls.columns:
                mapped = column.annotation
                if mapped is None or mapped.optional is not True or column.nullable is True:
                    continue
                if _uses_existing_column(column):
                    continue
                if column.nullable is False:
                    reason = "`nullable=False`"
                elif column.primary_key:
                    reason = "it is a primary key"
                else:
                    continue
                yield self.violation(
                    mapped.node,
                    autofix=_drop_optional(model, mapped),
                    annotation=model.module.code_for_node(mapped.node),
                    attr=column.attr,
                    reason=reason,
                )


class MappedNotOptionalButNullable(Rule):
    code = "ORM202"
    name = "mapped-not-optional-but-nullable"
    summary = "`Mapped[X]` (not optional) on a column declared `nullable=True`"
    catches = "`Mapped[X]` on a column declared `nullable=True` (rows come back with `None`)"
    message = (
        "`{annotation}` says `{attr}` is never None, but `nullable=True` lets the column hold "
        "NULL: write `Mapped[Optional[...]]` (or `... | None`), or drop `nullable=True`"
    )
    what_it_does = """
        Checks columns annotated with a non-optional `Mapped[X]` whose `mapped_column()`/`Column()`
        says `nullable=True`.
        """
    why_bad = """
        The explicit `nullable=True` wins for the DDL, silently: the column accepts NULL, rows
        come back with `None`, and code that the type checker accepted (`user.age + 1`) fails at
        run time with `TypeError` (verified by this rule's oracle test).

        Not reported: columns of a single-table-inheritance subclass (no `__tablename__` and no
        primary key of its own), whose shared column must be nullable for the other classes, and
        `use_existing_column=True` columns, whose `nullable=` is ignored when the column exists.
        """
    references = _REFERENCES
    fix_safety = """
        Unsafe (applied with `--unsafe-fixes`): the annotation becomes `Mapped[Optional[X]]`
        (`X | None` when the module does not import `Optional`), which makes it agree with the
        table; type checkers will then ask every reader to handle `None`. If the column should
        be NOT NULL instead, change the column (and migrate the data).
        """
    invalid = (
        example('''
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class User(Base):
                __tablename__ = "user_account"
                id: Mapped[int] = mapped_column(primary_key=True)
                age: Mapped[int] = mapped_column(nullable=True)  # ORM202
            '''),
    )
    valid = (
        example('''
            from typing import Optional

            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class User(Base):
                __tablename__ = "user_account"
                id: Mapped[int] = mapped_column(primary_key=True)
                age: Mapped[Optional[int]] = mapped_column(nullable=True)
                score: Mapped[int] = mapped_column(nullable=False)
            '''),
    )

    def check(self, model: FileModel) -> Iterator[Violation]:
        for cls in model.classes:
            if cls.shares_parent_table:
                continue  # single-table inheritance: the shared column must be nullable
            for column in cls.columns:
                mapped = column.annotation
                if mapped is None or mapped.optional is not False or column.nullable is not True:
                    continue
                if _uses_existing_column(column):
                    continue
                yield self.violation(
                    mapped.node,
                    autofix=_add_optional(model, mapped),
                    annotation=model.module.code_for_node(mapped.node),
                    attr=column.attr,
                )


# -- ORM203 ----------------------------------------------------------------------------------------

# Python types SQLAlchemy's own SQL types load as, by category.
_PYTHON_NAMES = {
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
_SQL_SUGGESTION = {
    "str": "String", "int": "Integer", "bool": "Boolean", "float": "Float", "decimal": "Numeric",
    "datetime": "DateTime", "date": "Date", "time": "Time", "timedelta": "Interval",
    "uuid": "Uuid", "bytes": "LargeBinary",
}
# (annotation, SQL type) categories that contradict each other. Every pair is run by the oracle
# test through SQLite: each fails at flush or loads a value of another type. Left out as
# compatible: an int loaded where a float is annotated, a bool where an int is (both accepted by
# type checkers), and bytes into String/Integer columns (SQLite hands the bytes back unchanged).
_COMPATIBLE = {("int", "bool"), ("float", "int"), ("bytes", "int"), ("bytes", "str")}
TYPE_CONTRADICTIONS = frozenset(
    (annotated, sql)
    for annotated in _PYTHON_NAMES
    for sql in _PYTHON_NAMES
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


class MappedTypeContradictsSqlType(Rule):
    code = "ORM203"
    name = "mapped-type-contradicts-sql-type"
    summary = "`Mapped[T]` contradicts the explicit SQL type (`Mapped[str]` with `Integer`, `Mapped[datetime]` with `Date`)"
    catches = (
        "`Mapped[str]` with `mapped_column(Integer)`, `Mapped[datetime]` with `Date`, …: the "
        "explicit SQL type wins and loads another Python type (builtin/stdlib annotations and "
        "SQLAlchemy's own types only)"
    )
    message = (
        "`{annotation}` says `{attr}` holds `{annotated}`, but the explicit SQL type `{sql}` "
        "wins silently and loads `{loaded}` values: annotate `{loaded}` instead, or give a SQL "
        "type for `{annotated}` such as `{suggestion}`"
    )
    what_it_does = """
        Checks columns whose `Mapped[...]` annotation is one builtin or standard-library type
        (`str`, `int`, `bool`, `float`, `bytes`, `datetime`, `date`, `time`, `timedelta`,
        `Decimal`, `uuid.UUID`, optional or not) and whose `mapped_column()`/`Column()` is given
        one of SQLAlchemy's own SQL types that loads a different Python type: `Mapped[str]`
        with `Integer`, `Mapped[int]` with `String`, `Mapped[datetime]` with `Date`,
        `Mapped[date]` with `DateTime`, `Mapped[bool]` with `Integer`, `Mapped[float]` with
        `Numeric` (it loads `Decimal` unless `asdecimal=False`), `Mapped[uuid.UUID]` with
        `String`, `Mapped[str]` with `Uuid` (unless `as_uuid=False`), and the like.

        Never reported: custom types and `TypeDecorator`s, `Enum`, `JSON`, `ARRAY`, `Any`,
        `Annotated[...]`, unions of several types, types from other libraries, and the pairs
        type checkers accept (an `int` where a `float` is annotated, a `bool` where an `int`
        is). SQLModel fields are not checked.
        """
    why_bad = """
        When `mapped_column()` is given a SQL type, the annotation no longer decides anything:
        the explicit type wins without a warning, so the DDL and the loaded values follow the
        SQL type while type checkers and readers trust the annotation. This rule's oracle test
        runs every reported pair through SQLite with the installed SQLAlchemy: the DDL of
        `code: Mapped[str] = mapped_column(Integer)` says `code INTEGER NOT NULL` and
        `User(code="42")` loads back as the int `42`; `Mapped[int]` with `String` loads
        `'7'`; `Mapped[datetime]` with `Date` loses the time (`date(2024, 5, 1)` comes back
        for `datetime(2024, 5, 1, 13, 30)`); `Mapped[bool]` with `Integer` loads `1`;
        `Mapped[float]` with `Numeric(10, 2)` loads `Decimal('1.50')` (and `price * 1.1`
        raises TypeError); other pairs fail at flush, e.g. `Mapped[uuid.UUID]` with
        `String(36)`: `ProgrammingError: Error binding parameter ...: type 'UUID' is not
        supported`, `Mapped[str]` with `Uuid`: `AttributeError: 'str' object has no
        attribute 'hex'`.
        """
    references = _REFERENCES
    invalid = (
        example('''
            from datetime import datetime

            from sqlalchemy import Date, Integer
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Order(Base):
                __tablename__ = "orders"
                id: Mapped[int] = mapped_column(primary_key=True)
                code: Mapped[str] = mapped_column(Integer)  # ORM203
                placed_at: Mapped[datetime] = mapped_column(Date)  # ORM203
            '''),
        example('''
            import uuid
            from typing import Optional

            import sqlalchemy as sa
            from sqlalchemy.orm import declarative_base, Mapped

            Base = declarative_base()


            class Device(Base):
                __tablename__ = "device"
                id = sa.Column(sa.Integer, primary_key=True)
                serial: Mapped[uuid.UUID] = sa.Column(sa.String(36))  # ORM203
                active: Mapped[Optional[bool]] = sa.Column(sa.Integer)  # ORM203
            '''),
    )
    valid = (
        example('''
            from datetime import date, datetime
            from decimal import Decimal

            from sqlalchemy import Date, DateTime, Integer, Numeric, String
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Order(Base):
                __tablename__ = "orders"
                id: Mapped[int] = mapped_column(primary_key=True)
                code: Mapped[str] = mapped_column(String(20))
                quantity: Mapped[int] = mapped_column(Integer)
                placed_at: Mapped[datetime] = mapped_column(DateTime)
                due_on: Mapped[date] = mapped_column(Date)
                price: Mapped[Decimal] = mapped_column(Numeric(10, 2))
                weight: Mapped[float] = mapped_column(Numeric(10, 3, asdecimal=False))
            '''),
    )

    def check(self, model: FileModel) -> Iterator[Violation]:
        for cls in model.classes:
            for column in cls.columns:
                mapped = column.annotation
                if mapped is None or column.constructor not in ("mapped_column", "Column"):
                    continue
                found = annotation_category(model, mapped.inner)
                if found is None:
                    continue
                annotated, _ = found
                sql = sql_type_category(model, column)
                if sql is None or (annotated, sql[0]) not in TYPE_CONTRADICTIONS:
                    continue
                loaded, sql_type = sql
                yield self.violation(
                    mapped.node,
                    annotation=model.module.code_for_node(mapped.node),
                    attr=column.attr,
                    annotated=_PYTHON_NAMES[annotated],
                    sql=model.module.code_for_node(sql_type),
                    loaded=_PYTHON_NAMES[loaded],
                    suggestion=_SQL_SUGGESTION[annotated],
                )


# -- ORM204 ----------------------------------------------------------------------------------------

RESERVED_ATTRIBUTES = {
    "metadata": "the MetaData instance",
    "registry": "the class registry",
}


def _rename_reserved(model: FileModel, cls: ModelClass, column: ColumnDecl) -> Fix | None:
    """`metadata = mapped_column(JSON)` -> `metadata_ = mapped_column("metadata", JSON)`: the
    table keeps its column name. Unsafe: code that reads `obj.metadata` must follow the rename."""
    if column.constructor not in ("Column", "mapped_column") or column.attr is None:
        return None
    target = next(
        (a.node for a in cls.assignments if a.column is column and isinstance(a.node, cst.Name)), None
    )
    if target is None:
        return None
    new_attr = f"{column.attr}_"
    if new_attr in {a.attr for a in cls.assignments}:
        return None
    replacements: list[tuple[cst.CSTNode, str]] = [(target, new_attr)]
    if column.sql_name is None:
        name_arg = cst.Arg(
            value=cst.SimpleString(f'"{column.attr}"'),
            comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")) if column.node.args else cst.MaybeSentinel.DEFAULT,
        )
        new_call = column.node.with_changes(args=[name_arg, *column.node.args])
        replacements.append((column.node, model.module.code_for_node(new_call)))
    return Fix(f"Rename to `{new_attr}`, keeping the column name", tuple(replacements), applicability="unsafe")


class ReservedAttributeName(Rule):
    code = "ORM204"
    name = "reserved-attribute-name"
    summary = "a column or relationship named `metadata` or `registry` on a mapped class"
    catches = "a column or relationship named `metadata` or `registry` on a mapped class"
    message = (
        "attribute name `{attr}` is reserved by the Declarative API for {meaning} (SQLAlchemy "
        "2.0: InvalidRequestError when the class is created; 2.1: SAWarning): {advice}"
    )
    what_it_does = """
        Checks mapped classes, their mixins and abstract bases for a column (`Column`,
        `mapped_column`, a bare `Mapped[...]` annotation, a SQLModel field of a `table=True`
        model) or a relationship whose attribute is named `metadata` or `registry`.
        `metadata = MetaData(...)` and `registry = registry()` on the declarative base class
        are how those are configured and are not reported; nor are SQLModel classes without
        `table=True`, which SQLAlchemy never maps.
        """
    why_bad = """
        Every declarative class carries `metadata` (its MetaData) and `registry`. SQLAlchemy
        1.4 and 2.0 refuse a mapped attribute named `metadata` when the class is created:
        `InvalidRequestError: Attribute name 'metadata' is reserved when using the Declarative
        API.`, so the application does not start. SQLAlchemy 2.1 maps it but warns,
        `SAWarning: Attribute name 'metadata' should be left reserved for the MetaData instance
        when using a Declarative class.` (and the same for `registry`, which 2.0 accepted
        silently); `Model.metadata` is then a column, not the MetaData that Alembic and
        `create_all()` code expect. Both verified by this rule's oracle test with the installed
        SQLAlchemy. The column itself can keep its name: only the Python attribute must change.
        """
    fix_safety = """
        Unsafe (applied with `--unsafe-fixes`): `metadata = mapped_column(...)` becomes
        `metadata_ = mapped_column("metadata", ...)`, so the table keeps its column name, but
        every use of `obj.metadata` elsewhere must follow the rename.
        """
    references = (
        "SQLAlchemy: Declarative Mapping, Attribute name 'metadata' is reserved, https://docs.sqlalchemy.org/en/20/orm/declarative_tables.html",
        "sqlacodegen#62 (generated models with a `metadata` column stopped the application from starting)",
    )
    invalid = (
        example('''
            from sqlalchemy import JSON
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Document(Base):
                __tablename__ = "document"
                id: Mapped[int] = mapped_column(primary_key=True)
                metadata: Mapped[dict] = mapped_column(JSON, default=dict)  # ORM204
            '''),
        example('''
            from sqlalchemy import Column, Integer, String
            from sqlalchemy.orm import declarative_base

            Base = declarative_base()


            class Package(Base):
                __tablename__ = "package"
                id = Column(Integer, primary_key=True)
                registry = Column(String(100))  # ORM204
            '''),
    )
    valid = (
        example('''
            from sqlalchemy import JSON, MetaData
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                metadata = MetaData(naming_convention={"ix": "ix_%(column_0_label)s"})


            class Document(Base):
                __tablename__ = "document"
                id: Mapped[int] = mapped_column(primary_key=True)
                metadata_: Mapped[dict] = mapped_column("metadata", JSON, default=dict)
            '''),
    )

    def check(self, model: FileModel) -> Iterator[Violation]:
        for cls in model.classes:
            if cls.is_sqlmodel and cls.kind != "mapped":
                continue  # a SQLModel class without table=True is a Pydantic model only
            for column in cls.columns:
                if column.attr in RESERVED_ATTRIBUTES:
                    violation = self._violation(column.node, column.attr, column)
                    yield dataclasses.replace(violation, fix=_rename_reserved(model, cls, column))
            for rel in cls.relationships:
                if rel.attr in RESERVED_ATTRIBUTES:
                    yield self._violation(rel.node, rel.attr, None, relationship=True)
            for bare in cls.bare_mapped:
                if bare.attr in RESERVED_ATTRIBUTES:
                    yield self._violation(bare.node.target, bare.attr, None)

    def _violation(
        self, node: cst.CSTNode, attr: str, column: ColumnDecl | None, relationship: bool = False
    ) -> Violation:
        if relationship:
            advice = f"rename the relationship, e.g. `{attr}_`"
        elif column is not None and column.sql_name and column.sql_name != attr:
            advice = f"rename the attribute, e.g. `{attr}_`"
        elif column is not None and column.constructor == "Column":
            advice = f'write `{attr}_ = Column("{attr}", ...)` to keep the column name'
        elif column is not None and column.constructor == "sqlmodel.Field":
            advice = (
                f'rename the field, e.g. `{attr}_`, and keep the column name with '
                f'`sa_column=Column("{attr}", ...)`'
            )
        else:
            advice = f'write `{attr}_: Mapped[...] = mapped_column("{attr}", ...)` to keep the column name'
        return self.violation(node, attr=attr, meaning=RESERVED_ATTRIBUTES[attr], advice=advice)


# -- ORM206 ----------------------------------------------------------------------------------------


def _wrapper_name(annotation: cst.BaseExpression) -> str | None:
    """`Mapped` in `Mapped[X]` / `"Mapped[X]"` / `so.Mapped[X]` (the head name)."""
    text = string_value(annotation)
    if text is not None:
        try:
            annotation = cst.parse_expression(text.strip())
        except Exception:
            return None
    if isinstance(annotation, cst.Subscript):
        value = annotation.value
        while isinstance(value, cst.Attribute):
            value = value.value
        if isinstance(value, cst.Name):
            return value.value
    return None


class TypeCheckingNameInMappedAnnotation(Rule):
    code = "ORM206"
    name = "type-checking-only-annotation"
    summary = "a column's `Mapped[...]` annotation uses a name imported only under `if TYPE_CHECKING:`"
    catches = "a column's `Mapped[...]` uses a name imported only under `if TYPE_CHECKING:`"
    message = (
        "{names} in `{annotation}` {verb} imported only under `if TYPE_CHECKING:`, but SQLAlchemy "
        "evaluates this annotation when the class is created (MappedAnnotationError): import "
        "{them} at module level, outside the `if TYPE_CHECKING:` block"
    )
    what_it_does = """
        Checks the `Mapped[...]` annotations of `mapped_column()` attributes and of bare
        `name: Mapped[X]` columns for names that the module imports only inside an
        `if TYPE_CHECKING:` block, quoted or not, with or without `from __future__ import
        annotations`. `Mapped` itself imported that way is reported on every mapped attribute.
        Relationship annotations (`Mapped["Address"]`, `Mapped[list[Address]]` on
        `relationship()`) are resolved through the class registry and are fine, and so are
        the annotations of a 1.x `Column()`, whose type SQLAlchemy does not derive from them,
        and the return annotation of a `declared_attr` written on the mapped class itself,
        which SQLAlchemy ignores (it reads it only on mixins and abstract bases). A class whose
        bases are imported from other modules may be either, so its `declared_attr` columns are
        not reported.
        """
    why_bad = """
        `mapped_column()` derives the column's type and nullability from the annotation, so
        SQLAlchemy evaluates it in the module's namespace while the class is being created;
        a name that exists only for the type checker is not there, and the import of the
        model module fails. The explicit SQL type does not help: with
        `mapped_column(String(10))` the annotation is still evaluated. Verified by this rule's
        oracle test: `MappedAnnotationError: Could not resolve all types within mapped
        annotation: "Mapped[Status]". Ensure all types are written correctly and are imported
        within the module in use.`
        """
    references = (
        "SQLAlchemy: mapped_column() derives the datatype and nullability from the Mapped annotation, https://docs.sqlalchemy.org/en/20/orm/declarative_tables.html#mapped-column-derives-the-datatype-and-nullability-from-the-mapped-annotation",
    )
    invalid = (
        example('''
            from __future__ import annotations

            from typing import TYPE_CHECKING

            from sqlalchemy import String
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

            if TYPE_CHECKING:
                from decimal import Decimal


            class Base(DeclarativeBase):
                pass


            class Product(Base):
                __tablename__ = "product"
                id: Mapped[int] = mapped_column(primary_key=True)
                price: Mapped[Decimal] = mapped_column(String(20))  # ORM206
            '''),
    )
    valid = (
        example('''
            from __future__ import annotations

            from decimal import Decimal
            from typing import TYPE_CHECKING

            from sqlalchemy import ForeignKey, Numeric
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

            if TYPE_CHECKING:
                from collections.abc import Sequence


            class Base(DeclarativeBase):
                pass


            class Product(Base):
                __tablename__ = "product"
                id: Mapped[int] = mapped_column(primary_key=True)
                price: Mapped[Decimal] = mapped_column(Numeric(10, 2))
                parts: Mapped[list[Part]] = relationship(back_populates="product")

                def cheapest(self, parts: Sequence[Part]) -> Part:
                    return min(parts, key=lambda part: part.id)


            class Part(Base):
                __tablename__ = "part"
                id: Mapped[int] = mapped_column(primary_key=True)
                product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
                product: Mapped[Product] = relationship(back_populates="parts")
            '''),
    )

    def check(self, model: FileModel) -> Iterator[Violation]:
        hidden = model.imports.type_checking_only
        if not hidden:
            return
        hidden = {name for name in hidden if model.class_named(name) is None}
        annotation_used = annotation_used_by_column(model)
        for cls in model.classes:
            if (cls.is_sqlmodel and cls.kind != "mapped") or cls.imperative:
                continue  # a Pydantic model; a class mapped imperatively (its table decides)
            for column in cls.columns:
                mapped = column.annotation
                if mapped is None:
                    continue
                if not annotation_used.get(id(column), True):
                    continue  # a declared_attr on the mapped class: its annotation is ignored
                inner = column.constructor == "mapped_column"
                yield from self._check(model, mapped.node, mapped, hidden, inner)
            for rel in cls.relationships:
                if rel.annotation is not None:
                    yield from self._check(model, rel.annotation.node, rel.annotation, hidden, False)
            for bare in cls.bare_mapped:
                yield from self._check(model, bare.node.annotation.annotation, None, hidden, True)

    def _check(
        self,
        model: FileModel,
        node: cst.CSTNode,
        mapped: MappedAnnotation | None,
        hidden: set[str],
        inner: bool,
    ) -> Iterator[Violation]:
        found: list[str] = []
        wrapper = _wrapper_name(node)  # type: ignore[arg-type]
        if wrapper in hidden:
            found.append(wrapper)
        if inner:
            for name in annotation_names(node, model.imports):
                if name in hidden and name not in found:
                    found.append(name)
        if not found:
            return
        names = ", ".join(f"`{name}`" for name in found)
        yield self.violation(
            node,
            names=names,
            annotation=model.module.code_for_node(node),
            verb="is" if len(found) == 1 else "are",
            them="it" if len(found) == 1 else "them",
        )
