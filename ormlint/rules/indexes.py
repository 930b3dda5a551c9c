"""ORM4xx: indexes and constraints."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Iterator, Sequence

import libcst as cst

from ormlint.rules.edits import without_argument
from ormlint.model.extract import calls_in, keyword_args, names_mapped_wrapper, positional_args
from ormlint.model.names import canonical_symbol, dotted_name, string_value
from ormlint.model.types import ColumnDecl, FileModel, IndexDecl, ModelClass, TableDecl
from ormlint.project import ProjectIndex
from ormlint.rules.base import Fix, ProjectRule, ProjectViolation, Rule, Violation, example

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


def _drop_flag(model: FileModel, column: ColumnDecl, keyword: str) -> Fix | None:
    """Remove `index=True` from the column. Unsafe: the next autogenerated migration drops the
    database's index, and a query plan may have relied on its name."""
    arg = column.kwargs.get(keyword)
    found = without_argument(model, column.node, arg) if arg is not None else None
    if found is None:
        return None
    return Fix(f"Remove `{keyword}=True`", (found,), applicability="unsafe")


class DuplicateIndex(Rule):
    code = "ORM401"
    name = "duplicate-index"
    summary = "the same column list is indexed twice in one table (`index=True` plus `Index(...)`)"
    catches = (
        "the same column list indexed twice in one table: `index=True` plus `Index(...)`, a "
        "unique constraint plus an index, an explicit index named like the generated one"
    )
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
    fix_safety = """
        Unsafe (applied with `--unsafe-fixes`): the redundant `index=True` is removed from the
        column. The next autogenerated migration drops that index from the database; a query
        hint or monitoring that names it must follow. Explicit `Index(...)` declarations are not
        removed automatically.
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
                autofix = None
                if redundant.origin == "column":
                    flag = "unique=True" if redundant.kind == "unique_constraint" else "index=True"
                    advice = f"remove `{flag}`"
                    if redundant.kind == "index" and redundant.column is not None:
                        autofix = _drop_flag(model, redundant.column, "index")
                else:
                    advice = "remove this declaration"
                yield self.violation(
                    redundant.node,
                    autofix=autofix,
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
    catches = (
        "an `Index`/`UniqueConstraint`/… in `__table_args__` naming a column the table does not "
        "have"
    )
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
    catches = (
        "`index=True` or `Index(...)` on a primary-key column alone: a second index beside the "
        "key's own"
    )
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
    fix_safety = """
        Unsafe (applied with `--unsafe-fixes`): the redundant `index=True` is removed from the
        column. The next autogenerated migration drops that index from the database; a query
        hint or monitoring that names it must follow. Explicit `Index(...)` declarations are not
        removed automatically.
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
                    autofix=_drop_flag(model, column, "index"),
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


# -- ORM402 ----------------------------------------------------------------------------------------

# Table options that put a table elsewhere (another schema, another bind) or hide what it holds.
_ELSEWHERE_OPTIONS = {"schema", "info", "?"}


class IndexNameReused(ProjectRule):
    code = "ORM402"
    name = "index-name-reused"
    summary = "the same index or unique-constraint name in two tables (or a table's name), under one declarative base (project)"
    catches = (
        "the same `Index`/`UniqueConstraint` name in two tables of one declarative base, or an "
        "index named like a table (PostgreSQL: `relation … already exists`) (project)"
    )
    message = (
        '{what} "{name}" is also {other}: PostgreSQL keeps index and unique-constraint names '
        "in one namespace per schema with the tables, so creating the later one fails with "
        '`relation "{name}" already exists`; {advice}'
    )
    what_it_does = """
        Checks the explicit names of `Index(...)` and `UniqueConstraint(name=...)` across every
        checked file: two tables of the same declarative base (or Flask-SQLAlchemy `db.Model`, or
        SQLModel) must not use the same name, and no such name may equal a table's name. Only
        for `target-dialect = "postgresql"` (the default).

        Not reported: tables with a `schema` (or `info`, or options the linter cannot read) in
        `__table_args__` (their own, or a mixin's or abstract base's) and Flask-SQLAlchemy models with a `__bind_key__`, which may live in
        another schema or database; classes under different declarative bases (separate
        MetaData, often separate databases); imperative `Table(...)` objects, whose schema the
        project index does not record; names generated by `index=True`. MySQL and SQL Server
        scope index names to their table (checked with MariaDB 10.11: two tables with an index
        `ix_email` each are created), and SQLite only refuses a repeated index name, not a
        repeated constraint name, which the project index cannot tell apart: the rule is
        silent for those dialects.
        """
    why_bad = """
        In PostgreSQL an index is a relation like a table, named in its schema; a UNIQUE
        constraint creates an index of the same name. The second `CREATE INDEX ix_email` (or
        `CONSTRAINT ix_email UNIQUE`) fails: checked with PostgreSQL 15, `ERROR: relation
        "ix_email" already exists` for index/index, constraint/constraint and
        constraint/index pairs, and for an index named like a table. `create_all()` stops
        half-way, and an Alembic migration generated from the models fails on deploy. This
        rule's oracle test creates the invalid example on SQLite, which shares the index
        namespace the same way: `OperationalError: index ix_email already exists`.
        """
    references = (
        "PostgreSQL: CREATE INDEX (the name must be distinct from any other relation in the schema), https://www.postgresql.org/docs/current/sql-createindex.html",
        "SQLAlchemy: Configuring Constraint Naming Conventions, https://docs.sqlalchemy.org/en/20/core/constraints.html#configuring-constraint-naming-conventions",
    )
    invalid = (
        example("""
            from sqlalchemy import Index
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class User(Base):
                __tablename__ = "users"
                __table_args__ = (Index("ix_email", "email"),)
                id: Mapped[int] = mapped_column(primary_key=True)
                email: Mapped[str]


            class Invitation(Base):
                __tablename__ = "invitations"
                __table_args__ = (Index("ix_email", "email"),)  # ORM402
                id: Mapped[int] = mapped_column(primary_key=True)
                email: Mapped[str]
            """),
    )
    valid = (
        example("""
            from sqlalchemy import Index
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class User(Base):
                __tablename__ = "users"
                __table_args__ = (Index("ix_users_email", "email"),)
                id: Mapped[int] = mapped_column(primary_key=True)
                email: Mapped[str]


            class Invitation(Base):
                __tablename__ = "invitations"
                __table_args__ = (Index("ix_invitations_email", "email"),)
                id: Mapped[int] = mapped_column(primary_key=True)
                email: Mapped[str]
            """),
    )

    def check_project(self, index: ProjectIndex) -> Iterator[ProjectViolation]:
        if self.options.target_dialect != "postgresql":
            return
        names: dict[tuple[tuple[str, str], str], list[tuple[str, str, object]]] = {}
        tables: dict[tuple[tuple[str, str], str], str] = {}
        order: list[tuple[tuple[str, str], str, str, str, object]] = []
        for facts in index.files:
            owners: dict[str, list] = {}
            for cls in facts.classes:
                if cls.tablename and cls.kind not in ("mixin", "abstract", "base"):
                    owners.setdefault(cls.tablename, []).append(cls)
            roots: dict[str, tuple[str, str]] = {}
            for tablename, classes in owners.items():
                if len(classes) != 1:
                    continue  # the same table declared twice in one file: not ours to judge
                (cls,) = classes
                if cls.table_options & _ELSEWHERE_OPTIONS or "__bind_key__" in cls.own_attributes:
                    continue
                table = index.table_of(facts.path, cls)
                if table is None or table.schema is not None or not table.schema_known:
                    continue  # its schema, from a mixin say, is another namespace
                root = index.declarative_root(facts.path, cls)
                if root is None:
                    continue
                root = index.metadata_scope(facts.path, root)
                roots[tablename] = root
                tables.setdefault((root, tablename), facts.path)
            for named in facts.index_names:
                root = roots.get(named.table)
                if root is None:
                    continue
                names.setdefault((root, named.name), []).append((facts.path, named.table, named.location))
                order.append((root, named.name, facts.path, named.table, named.location))
        for root, name, path, table, location in order:
            first_path, first_table, first_location = names[(root, name)][0]
            if (root, name) in tables:
                yield self.project_violation(
                    path, location, what="index or constraint name", name=name,
                    other=f"the name of table `{name}` ({tables[(root, name)]})",
                    advice=f'rename the index, e.g. "ix_{table}_<columns>"',
                )
            elif first_table != table:
                yield self.project_violation(
                    path, location, what="index or constraint name", name=name,
                    other=f"used in table `{first_table}` ({first_path}:{first_location.line})",
                    advice=f'rename one of them after its table, e.g. "ix_{table}_<columns>"',
                )


# -- ORM403 ----------------------------------------------------------------------------------------

IDENTIFIER_LIMITS = {"postgresql": 63, "mysql": 64, "mssql": 128}  # sqlite: no limit
_DIALECT_LABELS = {"postgresql": "PostgreSQL", "mysql": "MySQL", "mssql": "SQL Server"}
_NAMED_CONSTRAINTS = {"UniqueConstraint", "PrimaryKeyConstraint", "ForeignKeyConstraint"}


def _name_node(model: FileModel, call: cst.Call) -> tuple[str, cst.BaseExpression] | None:
    """The explicit name of an Index (first argument) or a constraint (`name=`), with its node."""
    symbol = model.imports.symbol(call.func)
    if symbol == "Index":
        positional = positional_args(call)
        node = positional[0].value if positional else None
    elif symbol in _NAMED_CONSTRAINTS or symbol == "ForeignKey":
        arg = keyword_args(call).get("name")
        node = arg.value if arg is not None else None
    else:
        return None
    text = string_value(node) if node is not None else None
    return (text, node) if text is not None and node is not None else None


class IdentifierTooLong(Rule):
    code = "ORM403"
    name = "identifier-too-long"
    summary = "an explicit table, index, constraint (or, for MySQL/SQL Server, column) name longer than the target dialect allows"
    catches = (
        "an explicit table, index or constraint name (MySQL/SQL Server: column name too) longer "
        "than `target-dialect` allows: 63 PostgreSQL, 64 MySQL, 128 SQL Server"
    )
    message = (
        '{what} "{name}" is {length} characters long, over {dialect}\'s limit of {limit} '
        "(target-dialect = \"{target}\"): {consequence}; shorten it to at most {limit} characters"
    )
    what_it_does = """
        Checks the names written in the models against the identifier limit of
        `[tool.ormlint] target-dialect`: PostgreSQL 63 characters (the default), MySQL 64,
        SQL Server 128; SQLite has none, so nothing is reported for it. Checked: `__tablename__`,
        `Table("name", ...)`, `Index("name", ...)` and the `name=` of `UniqueConstraint`,
        `PrimaryKeyConstraint`, `ForeignKeyConstraint` and `ForeignKey`, in `__table_args__`, in
        `Table(...)` and at module level; for MySQL and SQL Server also column names (the
        explicit name, else the attribute).

        Not reported: names SQLAlchemy generates (`index=True`, naming conventions), which it
        truncates itself; `CheckConstraint(name=...)`, which a `ck` naming convention with
        `%(constraint_name)s` (the one SQLAlchemy's docs recommend) rewrites and truncates;
        and PostgreSQL column names, which PostgreSQL truncates the same way in the DDL and in
        every query (verified with PostgreSQL 15: rows insert and load normally; only
        reflection shows the shortened name).
        """
    why_bad = """
        SQLAlchemy refuses an explicit name longer than the dialect's limit instead of
        shortening it, so the schema cannot be created. This rule's oracle test compiles the
        invalid example for PostgreSQL: `IdentifierError: Identifier
        'ix_subscription_invoice_adjustments_pending_reconciliation_created_at' exceeds maximum
        length of 63 characters`, and `create_all()` raises the same for a long `__tablename__`
        (and for SQL Server past 128). For MySQL, SQLAlchemy passes the name through (its MySQL
        dialect truncates only the names it generates, at 64) and the server rejects the
        statement; checked with MariaDB 10.11: `ERROR 1059 (42000): Identifier name '...' is
        too long` for index, constraint and column names, `ERROR 1103: Incorrect table name`
        for table names. Migrations written by hand or by Alembic carry the same name and fail
        the same way, or (PostgreSQL's silent truncation in raw SQL) leave a database whose names
        differ from the models, so autogenerate keeps proposing changes.
        """
    references = (
        "PostgreSQL: identifiers longer than NAMEDATALEN-1 (63) bytes, https://www.postgresql.org/docs/current/sql-syntax-lexical.html#SQL-SYNTAX-IDENTIFIERS",
        "MySQL: Identifier Length Limits, https://dev.mysql.com/doc/refman/8.0/en/identifier-length.html",
        "SQLAlchemy: Configuring Constraint Naming Conventions, https://docs.sqlalchemy.org/en/20/core/constraints.html#configuring-constraint-naming-conventions",
    )
    invalid = (
        example('''
            from datetime import datetime

            from sqlalchemy import Index, UniqueConstraint
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Adjustment(Base):
                __tablename__ = "subscription_invoice_adjustments"
                __table_args__ = (
                    Index(
                        "ix_subscription_invoice_adjustments_pending_reconciliation_created_at",  # ORM403
                        "created_at",
                    ),
                    UniqueConstraint(
                        "invoice_id",
                        "line",
                        name="uq_subscription_invoice_adjustments_invoice_id_line_number_unique",  # ORM403
                    ),
                )
                id: Mapped[int] = mapped_column(primary_key=True)
                invoice_id: Mapped[int]
                line: Mapped[int]
                created_at: Mapped[datetime]
            '''),
        example('''
            from sqlalchemy import Column, Integer
            from sqlalchemy.orm import declarative_base

            Base = declarative_base()


            class PendingReconciliation(Base):
                __tablename__ = "subscription_invoice_adjustments_pending_reconciliation_by_region"  # ORM403
                id = Column(Integer, primary_key=True)
            '''),
    )
    valid = (
        example('''
            from datetime import datetime

            from sqlalchemy import Index, UniqueConstraint
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Adjustment(Base):
                __tablename__ = "subscription_invoice_adjustments"
                __table_args__ = (
                    Index("ix_sub_invoice_adjustments_pending_created_at", "created_at"),
                    UniqueConstraint("invoice_id", "line", name="uq_sub_invoice_adjustments_invoice_line"),
                )
                id: Mapped[int] = mapped_column(primary_key=True)
                invoice_id: Mapped[int]
                line: Mapped[int]
                created_at: Mapped[datetime]
                reconciled_at: Mapped[datetime] = mapped_column(index=True)
            '''),
    )

    def check(self, model: FileModel) -> Iterator[Violation]:
        target = self.options.target_dialect
        limit = IDENTIFIER_LIMITS.get(target)
        if limit is None:
            return
        seen: set[int] = set()

        def report(what: str, name: str, node: cst.CSTNode, kind: str) -> Iterator[Violation]:
            if len(name) <= limit or id(node) in seen:
                return
            seen.add(id(node))
            if target == "mysql":
                consequence = (
                    "MySQL rejects the CREATE statement (\"Incorrect table name\")"
                    if kind == "table"
                    else "MySQL rejects the CREATE statement (\"Identifier name ... is too long\")"
                )
            elif kind == "column":
                consequence = "SQL Server rejects the CREATE TABLE (the identifier is too long)"
            else:
                consequence = "SQLAlchemy raises IdentifierError when it creates the schema"
            yield self.violation(
                node, what=what, name=name, length=len(name), dialect=_DIALECT_LABELS[target],
                limit=limit, target=target, consequence=consequence,
            )

        columns_checked = target in ("mysql", "mssql")
        for cls in model.classes:
            for assignment in cls.assignments:
                if assignment.attr == "__tablename__" and cls.tablename is not None:
                    value = assignment.value
                    if value is not None and string_value(value) == cls.tablename:
                        yield from report("table name", cls.tablename, value, "table")
            calls: list[cst.BaseExpression] = [ix.node for ix in cls.indexes if ix.origin != "column"]  # type: ignore[misc]
            if cls.table_args.shape == "tuple":
                calls += list(cls.table_args.items)
            yield from self._names(model, calls, cls.columns, report)
            if columns_checked:
                yield from self._columns(model, cls, report)
        for decl in model.tables:
            positional = positional_args(decl.node)
            if decl.tablename and positional:
                yield from report("table name", decl.tablename, positional[0].value, "table")
            items = [arg.value for arg in positional[2:]]
            yield from self._names(model, items, decl.columns, report)
            if columns_checked:
                for column in decl.columns:
                    node = _explicit_name_node(column)
                    if column.name and node is not None:
                        yield from report("column name", column.name, node, "column")

    @staticmethod
    def _names(model, calls, columns, report) -> Iterator[Violation]:
        for call in calls:
            if not isinstance(call, cst.Call):
                continue
            found = _name_node(model, call)
            if found is not None:
                symbol = model.imports.symbol(call.func)
                what = "index name" if symbol == "Index" else f"{symbol} name"
                yield from report(what, found[0], found[1], "constraint")
        for column in columns:
            for fk in column.foreign_keys:
                found = _name_node(model, fk.node)
                if found is not None:
                    yield from report("ForeignKey name", found[0], found[1], "constraint")

    @staticmethod
    def _columns(model: FileModel, cls: ModelClass, report) -> Iterator[Violation]:
        targets = {id(a.column): a.node for a in cls.assignments if a.column is not None}
        for column in cls.columns:
            name = column.name
            if not name:
                continue
            node = _explicit_name_node(column) or targets.get(id(column))
            if node is not None:
                yield from report("column name", name, node, "column")
        for bare in cls.bare_mapped:  # bare `name: Mapped[int]` columns
            yield from report("column name", bare.attr, bare.node.target, "column")


def _explicit_name_node(column: ColumnDecl) -> cst.BaseExpression | None:
    """The string giving a column its name: the first positional argument or `name=`."""
    positional = positional_args(column.node)
    if positional and string_value(positional[0].value) is not None:
        return positional[0].value
    arg = column.kwargs.get("name")
    if arg is not None and string_value(arg.value) is not None:
        return arg.value
    return None
