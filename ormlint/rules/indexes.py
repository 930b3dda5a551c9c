"""ORM4xx: indexes and constraints."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Iterator, Sequence

import libcst as cst

from ormlint.model.extract import keyword_args, positional_args
from ormlint.model.names import canonical_symbol, dotted_name, string_value, syntax_children
from ormlint.model.types import ColumnDecl, FileModel, IndexDecl, ModelClass, TableDecl
from ormlint.rules.base import Rule, Violation, example

# -- what a class's table is made of ---------------------------------------------------------------
#
# The FileModel lists the columns it extracted; it does not say whether a class body holds other
# statements that add columns (a helper returning a Column, a bare `x: Mapped[int]` annotation, a
# declared_attr whose body it did not read). The few shallow looks at the class body below answer
# that, so that "no such column" is said only when every column of the table is known.

_COLUMN_CONSTRUCTORS = {"Column", "mapped_column"}
_RELATIONSHIP_LIKE = {
    "relationship", "relation", "backref", "association_proxy", "synonym", "query_expression",
    "sqlmodel.Relationship", "dynamic_loader",
}
_MAPPED_WRAPPERS = {"Mapped", "WriteOnlyMapped", "DynamicMapped"}


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
    text = string_value(annotation)
    if text is not None:
        try:
            annotation = cst.parse_expression(text.strip())
        except Exception:
            return False
    if isinstance(annotation, cst.Subscript):
        annotation = annotation.value
    return model.imports.symbol(annotation) in _MAPPED_WRAPPERS


def _is_classvar(model: FileModel, annotation: cst.BaseExpression) -> bool:
    if isinstance(annotation, cst.Subscript):
        annotation = annotation.value
    return model.imports.symbol(annotation) == "typing.ClassVar" or dotted_name(annotation) in (
        "ClassVar", "typing.ClassVar",
    )


def _calls(node: cst.CSTNode) -> Iterator[cst.Call]:
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Call):
            yield current
        stack.extend(syntax_children(current))


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
    return any(model.imports.symbol(c.func) in _COLUMN_CONSTRUCTORS for c in _calls(value))


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


def _is_declared_attr(func: cst.FunctionDef) -> bool:
    for decorator in func.decorators:
        dec = decorator.decorator
        if isinstance(dec, cst.Call):
            dec = dec.func
        if "declared_attr" in (dotted_name(dec) or ""):
            return True
    return False


def declared_attr_names(cls: ModelClass) -> set[str]:
    """Names of the class body's `@declared_attr` functions (the model does not mark the
    columns it extracted from them)."""
    body = cls.node.body
    if not isinstance(body, cst.IndentedBlock):
        return set()
    return {
        stmt.name.value
        for stmt in body.body
        if isinstance(stmt, cst.FunctionDef) and _is_declared_attr(stmt)
    }


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
        from_declared_attr = declared_attr_names(cls)
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
                _is_declared_attr(stmt)
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


class DuplicateIndex(Rule):
    code = "ORM401"
    name = "duplicate-index"
    summary = "the same column list is indexed twice in one table (`index=True` plus `Index(...)`)"
    message = (
        "{redundant} duplicates {kept} in {table}: the database builds and maintains "
        "two indexes on ({columns}); {advice}"
    )
    name_clash_message = (
        '{redundant} takes the name "{name}" that SQLAlchemy generates for `index=True` on '
        "column `{column}`: CREATE INDEX fails with \"already exists\"; rename it"
    )
    what_it_does = """
        Checks each table for two indexes on the same ordered column list: `index=True` plus an
        `Index(...)`, two `Index(...)`, a unique constraint (`unique=True` or `UniqueConstraint`)
        plus an `Index(...)` or `index=True` on the same columns, and an explicit index named
        like the one `index=True` generates (`ix_<table>_<column>`). `unique=True, index=True`
        together are one unique index and are fine. Partial indexes and indexes with dialect
        options are different indexes and are not compared. Repeated UNIQUE constraints alone
        are not reported: they are part of CREATE TABLE, and PostgreSQL and SQLite merge them.
        """
    why_bad = """
        Each `Index(...)`/`index=True` becomes its own CREATE INDEX beside the table's UNIQUE
        constraints: the table carries two identical indexes, every write maintains both, and
        migrations keep both for years. When the two share a name, `create_all()` fails
        outright (SQLite: `index ix_users_email already exists`; PostgreSQL: `relation
        "ix_users_email" already exists`). Both verified by this rule's oracle tests.
        """
    references = (
        "SQLAlchemy: Indexes, https://docs.sqlalchemy.org/en/20/core/constraints.html#indexes",
        "pallets-eco/flask-sqlalchemy#634, sqlalchemy/alembic#1511 (duplicate indexes)",
    )
    invalid = (
        example('''
            from sqlalchemy import Index
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class User(Base):
                __tablename__ = "users"
                __table_args__ = (Index("ix_users_email", "email"),)
                id: Mapped[int] = mapped_column(primary_key=True)
                email: Mapped[str] = mapped_column(index=True)  # ORM401
            '''),
        example('''
            from sqlalchemy import Column, Index, Integer, String
            from sqlalchemy.orm import declarative_base

            Base = declarative_base()


            class Account(Base):
                __tablename__ = "account"
                __table_args__ = (Index("ix_account_login", "login", unique=True),)
                id = Column(Integer, primary_key=True)
                login = Column(String(50), unique=True)  # ORM401
            '''),
    )
    valid = (
        example('''
            from sqlalchemy import Index
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class User(Base):
                __tablename__ = "users"
                __table_args__ = (Index("ix_users_name_email", "name", "email"),)
                id: Mapped[int] = mapped_column(primary_key=True)
                name: Mapped[str]
                email: Mapped[str] = mapped_column(index=True, unique=True)
            '''),
    )

    def check(self, model: FileModel) -> Iterator[Violation]:
        for cls in model.classes:
            label = f"table `{cls.tablename}`" if cls.tablename else f"the table of class `{cls.name}`"
            yield from self._check_table(label, cls.tablename, cls.indexes, model)
        for table in model.tables:
            label = f"table `{table.tablename or table.variable}`"
            yield from self._check_table(label, table.tablename, table.indexes, model)

    def _check_table(
        self, label: str, tablename: str | None, indexes: Sequence[IndexDecl], model: FileModel
    ) -> Iterator[Violation]:
        groups: dict[tuple[str, ...], list[tuple[int, IndexDecl]]] = {}
        constraint_seen: set[tuple[str, ...]] = set()
        for position, index in enumerate(indexes):
            if not (index.plain and index.columns):
                continue
            if index.kind == "unique_constraint":
                # UNIQUE constraints are clauses of one CREATE TABLE; the database merges repeats.
                if index.columns in constraint_seen:
                    continue
                constraint_seen.add(index.columns)
            groups.setdefault(index.columns, []).append((position, index))
        for columns, group in groups.items():
            if len(group) < 2:
                continue
            # Keep the unique one, then the explicit declaration, then the first written.
            ranked = sorted(
                group, key=lambda item: (not item[1].unique, item[1].origin == "column", item[0])
            )
            kept = ranked[0][1]
            for _, redundant in ranked[1:]:
                if redundant.origin == "column":
                    flag = "unique=True" if redundant.kind == "unique_constraint" else "index=True"
                    advice = f"remove `{flag}`"
                else:
                    advice = "remove this declaration"
                yield self.violation(
                    redundant.node,
                    redundant=redundant.describe(),
                    kept=kept.describe(),
                    table=label,
                    columns=", ".join(columns),
                    advice=advice,
                )
        if tablename is None or model.custom_index_naming:
            return
        generated = {
            f"ix_{tablename}_{ix.columns[0]}": ix
            for ix in indexes
            if ix.origin == "column" and ix.kind != "unique_constraint" and ix.columns
        }
        for index in indexes:
            source = generated.get(index.name or "")
            if index.origin != "column" and source is not None and index.columns != source.columns:
                yield Violation(
                    self.code,
                    index.node,
                    self.name_clash_message.format(
                        redundant=index.describe(), name=index.name, column=source.columns[0]
                    ),
                )


# -- ORM404 ----------------------------------------------------------------------------------------

_CONSTRAINTS_WITH_COLUMNS = {
    "Index", "UniqueConstraint", "PrimaryKeyConstraint", "ForeignKeyConstraint",
}
_TABLE_ITEMS = _CONSTRAINTS_WITH_COLUMNS | {"Column", "CheckConstraint"}
_TABLE_REFLECTION_KWARGS = {
    "autoload", "autoload_with", "extend_existing", "keep_existing", "must_exist",
    "resolve_fks", "include_columns",
}


def constraint_column_strings(
    model: FileModel, call: cst.Call
) -> list[tuple[str, cst.BaseExpression]] | None:
    """The column names given as strings to Index (after its name), UniqueConstraint,
    PrimaryKeyConstraint and ForeignKeyConstraint (its local columns), with their nodes."""
    symbol = model.imports.symbol(call.func)
    if symbol not in _CONSTRAINTS_WITH_COLUMNS or any(arg.star for arg in call.args):
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


def _label(symbol: str, call: cst.Call) -> str:
    name = None
    positional = positional_args(call)
    if symbol == "Index" and positional:
        name = string_value(positional[0].value)
    elif "name" in keyword_args(call):
        name = string_value(keyword_args(call)["name"].value)
    return f'{symbol} "{name}"' if name else symbol


def simple_table_keys(model: FileModel, table: TableDecl) -> set[str] | None:
    """Column keys of an imperative Table(...) whose every argument is read, else None."""
    if any(arg.star for arg in table.node.args):
        return None
    if _TABLE_REFLECTION_KWARGS & set(keyword_args(table.node)):
        return None
    for arg in positional_args(table.node)[2:]:
        value = arg.value
        if not isinstance(value, cst.Call) or model.imports.symbol(value.func) not in _TABLE_ITEMS:
            return None
    return {key for c in table.columns if (key := column_key(c))}


class ConstraintNamesMissingColumn(Rule):
    code = "ORM404"
    name = "constraint-names-missing-column"
    summary = "`Index`/`UniqueConstraint`/`PrimaryKeyConstraint` in `__table_args__` names a column the table does not have"
    message = (
        '{what} names column "{name}", but {table} has no such column: SQLAlchemy raises '
        "ConstraintColumnNotFoundError when the {owner} is created; {advice}"
    )
    what_it_does = """
        Checks the column names given as strings to `Index(...)` (after its first argument,
        which is the index's name), `UniqueConstraint(...)`, `PrimaryKeyConstraint(...)` and
        the local columns of `ForeignKeyConstraint([...], ...)`, in `__table_args__` and in
        imperative `Table(...)` definitions. A string must be the column's name in the table
        (its `key=` when one is given), not the Python attribute: `Index("ix", "email_addr")`
        fails when `email_addr = mapped_column("mail")`.

        Only reported when every column of the table is known: classes whose bases are
        imported from other modules, that use a `declared_attr` column the linter cannot read,
        call a helper that may return a column, or assign `__table__` are skipped. Mixins,
        abstract classes and declarative bases in the same file count. `CheckConstraint` is not
        checked: its argument is SQL text, not column names.
        """
    why_bad = """
        SQLAlchemy resolves the strings against the table's columns when the class is created,
        so the module cannot even be imported: `ConstraintColumnNotFoundError: Can't create
        Index on table 'users': no column named 'emial' is present.` (verified by this rule's
        oracle test, also for a string that names the attribute instead of the column, and
        for an expression written as a string such as `"lower(email)"`, which must be
        `func.lower(...)` or `text(...)`).
        """
    references = (
        "SQLAlchemy: Indexes and constraints, https://docs.sqlalchemy.org/en/20/core/constraints.html",
        "SQLAlchemy: Declarative Table Configuration (__table_args__), https://docs.sqlalchemy.org/en/20/orm/declarative_tables.html#declarative-table-configuration",
    )
    invalid = (
        example('''
            from sqlalchemy import Index, UniqueConstraint
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class User(Base):
                __tablename__ = "users"
                __table_args__ = (
                    Index("ix_users_email", "emial"),  # ORM404
                    UniqueConstraint("login_name"),  # ORM404
                )
                id: Mapped[int] = mapped_column(primary_key=True)
                email: Mapped[str]
                login_name: Mapped[str] = mapped_column("login")
            '''),
    )
    valid = (
        example('''
            from sqlalchemy import Index, UniqueConstraint
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class User(Base):
                __tablename__ = "users"
                __table_args__ = (
                    Index("ix_users_email", "email"),
                    UniqueConstraint("login"),
                )
                id: Mapped[int] = mapped_column(primary_key=True)
                email: Mapped[str]
                login_name: Mapped[str] = mapped_column("login")
            '''),
    )

    def check(self, model: FileModel) -> Iterator[Violation]:
        for cls in model.classes:
            if not class_has_own_table(cls) or cls.table_args.shape != "tuple":
                continue
            table = class_table_columns(model, cls)
            if table.has_table or not table.complete:
                continue
            label = f"table `{cls.tablename}`" if cls.tablename else f"the table of `{cls.name}`"
            by_attr = {c.attr: c for c in table.columns if c.attr}
            yield from self._check_items(
                model, cls.table_args.items, table.keys, by_attr, table.bound, label, "class"
            )
        for decl in model.tables:
            keys = simple_table_keys(model, decl)
            if keys is None:
                continue
            items = [arg.value for arg in positional_args(decl.node)[2:]]
            label = f"table `{decl.tablename or decl.variable}`"
            yield from self._check_items(model, items, keys, {}, set(), label, "Table")

    def _check_items(
        self,
        model: FileModel,
        items: Sequence[cst.BaseExpression],
        keys: set[str],
        by_attr: dict[str, ColumnDecl],
        bound: set[str],
        label: str,
        owner: str,
    ) -> Iterator[Violation]:
        for item in items:
            if not isinstance(item, cst.Call):
                continue
            references = constraint_column_strings(model, item)
            for text, node in references or ():
                if text in keys:
                    continue
                column = by_attr.get(text)
                if column is not None and column_key(column):
                    advice = (
                        f'`{text}` is the attribute, its column is named "{column_key(column)}": '
                        f'write "{column_key(column)}"'
                    )
                elif text in bound:
                    continue  # bound by something the linter does not read: do not guess
                else:
                    advice = _missing_column_advice(text, keys)
                symbol = model.imports.symbol(item.func) or "constraint"
                yield self.violation(
                    node, what=_label(symbol, item), name=text, table=label, advice=advice,
                    owner=owner,
                )


def _missing_column_advice(text: str, keys: set[str]) -> str:
    close = difflib.get_close_matches(text, sorted(keys), n=1, cutoff=0.6)
    if close:
        return f'did you mean "{close[0]}"?'
    if any(ch in text for ch in "() "):
        return (
            "a string here must be a column name: write an expression with "
            f'`text("{text}")` or `func.<name>(...)`'
        )
    names = sorted(keys)
    listed = ", ".join(f'"{k}"' for k in names[:8]) + (", ..." if len(names) > 8 else "")
    return f"name one of its columns: {listed}"


# -- ORM405 ----------------------------------------------------------------------------------------


def _primary_key_names(
    model: FileModel, items: Sequence[cst.BaseExpression], columns: Sequence[ColumnDecl]
) -> list[str] | None:
    for item in items:
        if isinstance(item, cst.Call) and model.imports.symbol(item.func) == "PrimaryKeyConstraint":
            names = constraint_column_strings(model, item)
            if names is None or len(names) != len(positional_args(item)):
                return None
            return [text for text, _ in names]
    return [c.name for c in columns if c.primary_key and c.name]


class IndexOnPrimaryKey(Rule):
    code = "ORM405"
    name = "index-on-primary-key"
    summary = "`index=True` or an `Index(...)` on a primary-key column alone (a second index beside the primary key's)"
    message = (
        "{what} on the primary-key column `{column}` of {table} builds a second index beside "
        "the primary key's own: {advice}, the primary key is already indexed"
    )
    what_it_does = """
        Checks `index=True` on a column that is the table's whole primary key, and
        `Index(...)` (in `__table_args__`, at module level or in a `Table(...)`) on exactly that
        column. Composite primary keys are not checked (an index on one of their columns can be
        useful), nor are partial or dialect-specific indexes. A `unique=True` alone is not
        reported: PostgreSQL merges a UNIQUE constraint that repeats the primary key.
        A primary key declared in a base class that is imported from another module is not
        seen.
        """
    why_bad = """
        The database already indexes the primary key (PostgreSQL's `<table>_pkey`, SQLite's
        rowid table or `sqlite_autoindex_…`). `index=True` adds a separate CREATE INDEX on the
        same column, which every insert, update and delete must maintain and which no query
        needs. This rule's oracle test shows the compiled PostgreSQL DDL with `PRIMARY KEY
        (id)` plus `CREATE INDEX ix_users_id ON users (id)`, and SQLite's `PRAGMA index_list`
        with two indexes on a text primary key. The pattern is common because an early
        FastAPI tutorial wrote `Column(Integer, primary_key=True, index=True)`.
        """
    references = (
        "SQLAlchemy: Column.index, https://docs.sqlalchemy.org/en/20/core/metadata.html#sqlalchemy.schema.Column.params.index",
        "PostgreSQL: a primary key creates a unique B-tree index, https://www.postgresql.org/docs/current/ddl-constraints.html#DDL-CONSTRAINTS-PRIMARY-KEYS",
    )
    invalid = (
        example('''
            from sqlalchemy import Column, Integer, String
            from sqlalchemy.orm import declarative_base

            Base = declarative_base()


            class User(Base):
                __tablename__ = "users"
                id = Column(Integer, primary_key=True, index=True)  # ORM405
                email = Column(String(255), unique=True, index=True)
            '''),
        example('''
            from sqlalchemy import Index, String
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Country(Base):
                __tablename__ = "country"
                __table_args__ = (Index("ix_country_code", "code"),)  # ORM405
                code: Mapped[str] = mapped_column(String(2), primary_key=True)
                name: Mapped[str]
            '''),
    )
    valid = (
        example('''
            from sqlalchemy import Column, Integer, String
            from sqlalchemy.orm import declarative_base

            Base = declarative_base()


            class User(Base):
                __tablename__ = "users"
                id = Column(Integer, primary_key=True)
                email = Column(String(255), unique=True, index=True)


            class Membership(Base):
                __tablename__ = "membership"
                user_id = Column(Integer, primary_key=True)
                group_id = Column(Integer, primary_key=True, index=True)
            '''),
    )

    def check(self, model: FileModel) -> Iterator[Violation]:
        reported: set[int] = set()
        for cls in model.classes:
            if not class_has_own_table(cls):
                continue
            table = class_table_columns(model, cls)
            if table.has_table:
                continue
            items = cls.table_args.items if cls.table_args.shape == "tuple" else ()
            label = f"table `{cls.tablename}`" if cls.tablename else f"the table of `{cls.name}`"
            yield from self._check_table(
                model, items, table.columns, cls.indexes, label, reported
            )
        for decl in model.tables:
            items = [arg.value for arg in positional_args(decl.node)[2:]]
            label = f"table `{decl.tablename or decl.variable}`"
            yield from self._check_table(
                model, items, decl.columns, decl.indexes, label, reported
            )

    def _check_table(
        self,
        model: FileModel,
        items: Sequence[cst.BaseExpression],
        columns: Sequence[ColumnDecl],
        indexes: Sequence[IndexDecl],
        label: str,
        reported: set[int],
    ) -> Iterator[Violation]:
        primary_key = _primary_key_names(model, items, columns)
        if primary_key is None or len(primary_key) != 1:
            return
        (pk,) = primary_key
        for column in columns:
            if column.name == pk and column.index is True and id(column.node) not in reported:
                reported.add(id(column.node))
                yield self.violation(
                    column.kwargs["index"],
                    what="`index=True`",
                    column=column.attr or pk,
                    table=label,
                    advice="remove `index=True`",
                )
        for index in indexes:
            if (
                index.origin != "column"
                and index.kind != "unique_constraint"
                and index.plain
                and index.columns == (pk,)
                and id(index.node) not in reported
            ):
                reported.add(id(index.node))
                yield self.violation(
                    index.node,
                    what=index.describe(),
                    column=pk,
                    table=label,
                    advice="remove this index",
                )
