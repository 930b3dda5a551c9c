"""ORM6xx: foreign keys (the file rules; cross-file ones need the project index)."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Iterator

import libcst as cst

from ormlint.model.extract import keyword_args, positional_args
from ormlint.model.names import bool_value, string_value
from ormlint.model.types import ColumnDecl, FileModel
from ormlint.project import ColumnFacts, Location, ProjectIndex
from ormlint.rules.base import ProjectRule, ProjectViolation, Rule, Violation, example
from ormlint.rules.indexes import (
    annotation_used_by_column,
    class_has_own_table,
    class_table_columns,
    column_key,
)

REFERENTIAL_ACTIONS = ("CASCADE", "SET NULL", "SET DEFAULT", "RESTRICT", "NO ACTION")
# PostgreSQL 15+: `ON DELETE SET NULL (col, ...)` nulls only the listed columns.
_PG_COLUMN_LIST = re.compile(
    r'^SET (NULL|DEFAULT) ?\( ?(\w+|"[^"]+")( ?, ?(\w+|"[^"]+"))* ?\)$', re.IGNORECASE
)

_REFERENCES = (
    "SQLAlchemy: ON UPDATE and ON DELETE, https://docs.sqlalchemy.org/en/20/core/constraints.html#on-update-and-on-delete",
    "PostgreSQL: CREATE TABLE, REFERENCES ... ON DELETE referential_action, https://www.postgresql.org/docs/current/sql-createtable.html",
)


def normalize_action(text: str) -> str:
    return " ".join(text.split()).upper()


def is_referential_action(text: str) -> bool:
    normal = normalize_action(text)
    return normal in REFERENTIAL_ACTIONS or bool(_PG_COLUMN_LIST.match(normal))


def suggest_action(text: str) -> str | None:
    """The referential action a wrong value most likely meant, or None."""
    normal = normalize_action(re.sub(r"[_\-]+", " ", text))
    normal = re.sub(r"^ON (DELETE|UPDATE) ", "", normal)
    if normal in REFERENTIAL_ACTIONS:
        return normal
    squashed = normal.replace(" ", "")
    for action in REFERENTIAL_ACTIONS:
        if squashed == action.replace(" ", ""):
            return action
    if "CASCADE" in normal or normal in ("DELETE", "DELETE ALL", "REMOVE"):
        return "CASCADE"
    if "NULL" in normal:
        return "SET NULL"
    if "DEFAULT" in normal:
        return "SET DEFAULT"
    close = difflib.get_close_matches(normal, REFERENTIAL_ACTIONS, n=1, cutoff=0.6)
    return close[0] if close else None


def _real_keyword(call: cst.Call, name: str) -> cst.Arg | None:
    """The keyword argument `name` written in this call itself (not one merged from SQLModel's
    `sa_column_kwargs`)."""
    return keyword_args(call).get(name)


@dataclass(frozen=True)
class _ActionSite:
    keyword: str  # "ondelete" / "onupdate"
    value: str
    node: cst.BaseExpression  # the value as written
    where: str  # "ForeignKey", "ForeignKeyConstraint", "Field"
    columns: tuple[ColumnDecl, ...]  # the constrained columns, when known


def _call_sites(call: cst.Call, where: str, columns: tuple[ColumnDecl, ...]) -> Iterator[_ActionSite]:
    kwargs = keyword_args(call)
    for keyword in ("ondelete", "onupdate"):
        arg = kwargs.get(keyword)
        value = string_value(arg.value) if arg is not None else None
        if arg is not None and value is not None:
            yield _ActionSite(keyword, value, arg.value, where, columns)


def _constraint_calls(model: FileModel, items) -> Iterator[cst.Call]:
    for item in items:
        if isinstance(item, cst.Call) and model.imports.symbol(item.func) == "ForeignKeyConstraint":
            yield item


def _constraint_columns(call: cst.Call, by_key: dict[str, ColumnDecl]) -> tuple[ColumnDecl, ...]:
    """The local columns of ForeignKeyConstraint([...], [...]) that are known columns."""
    positional = positional_args(call)
    if not positional or not isinstance(positional[0].value, (cst.List, cst.Tuple)):
        return ()
    found = []
    for element in positional[0].value.elements:
        name = string_value(element.value)
        if name is not None and name in by_key:
            found.append(by_key[name])
    return tuple(found)


def action_sites(model: FileModel, include_loose: bool = True) -> Iterator[_ActionSite]:
    """Every ondelete=/onupdate= string given to a ForeignKey, a ForeignKeyConstraint or a
    SQLModel Field, with the columns it constrains where they are known."""
    seen: set[int] = set()
    for cls in model.classes:
        columns = class_table_columns(model, cls).columns if class_has_own_table(cls) else ()
        by_key = {column_key(c): c for c in columns if column_key(c)}
        for column in cls.columns:
            seen.add(id(column))
            yield from _column_sites(column)
        if cls.table_args.shape == "tuple":
            for call in _constraint_calls(model, cls.table_args.items):
                yield from _call_sites(call, "ForeignKeyConstraint", _constraint_columns(call, by_key))
    for table in model.tables:
        by_key = {column_key(c): c for c in table.columns if column_key(c)}
        for column in table.columns:
            seen.add(id(column))
            yield from _column_sites(column)
        args = [arg.value for arg in positional_args(table.node)]
        for call in _constraint_calls(model, args):
            yield from _call_sites(call, "ForeignKeyConstraint", _constraint_columns(call, by_key))
    if include_loose:
        for column in model.loose_columns:
            if id(column) not in seen:
                yield from _column_sites(column)


def _column_sites(column: ColumnDecl) -> Iterator[_ActionSite]:
    for fk in column.foreign_keys:
        yield from _call_sites(fk.node, "ForeignKey", (column,))
    if column.constructor == "sqlmodel.Field":
        # SQLModel's own `Field(foreign_key=..., ondelete=...)` passes it to a ForeignKey.
        arg = _real_keyword(column.node, "ondelete")
        value = string_value(arg.value) if arg is not None else None
        if arg is not None and value is not None:
            yield _ActionSite("ondelete", value, arg.value, "Field", ())


# -- ORM601 ----------------------------------------------------------------------------------------


def not_null_reason(
    column: ColumnDecl, model: FileModel, annotation_used: bool = True
) -> str | None:
    """Why the column is NOT NULL in the DDL, or None when it may hold NULL (or cannot tell).
    `annotation_used`: False for a declared_attr on the mapped class itself, whose return
    annotation SQLAlchemy ignores."""
    if column.constructor == "sqlmodel.Field":
        return None  # SQLModel itself raises for ondelete="SET NULL" on a non-nullable field
    if bool_value(column.keyword("use_existing_column")) is True:
        return None
    if column.primary_key:
        return "it is a primary key"
    if "nullable" in column.kwargs:
        return "`nullable=False`" if column.nullable is False else None
    mapped = column.annotation
    if (
        annotation_used
        and column.constructor == "mapped_column"
        and mapped is not None
        and mapped.nullable is False
    ):
        annotation = model.module.code_for_node(mapped.node)
        if mapped.optional is not False:  # not the type: the Annotated alias's mapped_column()
            return f"the `Annotated` alias in `{annotation}` makes it NOT NULL"
        return f"`{annotation}` is not Optional, so mapped_column() makes it NOT NULL"
    return None


def has_server_default(column: ColumnDecl) -> bool:
    """It has a database default, or may have one (the model cannot read it)."""
    return column.server_default is not None or not column.server_default_known


class SetNullOnNotNullColumn(Rule):
    code = "ORM601"
    name = "set-null-on-not-null-column"
    summary = (
        '`ondelete="SET NULL"` on a NOT NULL column, or `"SET DEFAULT"` on a column without a '
        "server default"
    )
    catches = (
        '`ondelete="SET NULL"` on a NOT NULL column (deleting the parent fails), `SET DEFAULT` '
        "without a server default"
    )
    message = (
        '`{keyword}="{action}"` on column `{column}`, but {reason}: {consequence}; {advice}'
    )
    what_it_does = """
        Checks `ForeignKey(..., ondelete="SET NULL")` (and `ForeignKeyConstraint`, and the same
        for `onupdate=`) on a column that is NOT NULL: `nullable=False`, a primary key, or a 2.0
        `Mapped[X]` annotation that is not `Optional` on a `mapped_column()` without an explicit
        `nullable=` (mapped_column derives NOT NULL from it; a 1.x `Column()` does not, it is
        nullable unless it is a primary key, and neither is a `declared_attr` written on the
        mapped class itself, whose return annotation SQLAlchemy ignores). An annotation naming
        a type imported from the project (which may be an alias of `Optional[...]`) is not
        trusted; builtins, standard-library and SQLAlchemy types and classes of the module are.

        Also checks `ondelete="SET DEFAULT"` on a column with no server default
        (`server_default=`, `DefaultClause`, `Identity`, `Computed`, `Sequence`) that is either
        NOT NULL or has a Python-side `default=`/`insert_default=`. A nullable column with no
        default at all is not reported: SET DEFAULT then stores NULL, exactly like SET NULL.
        SQLModel fields are left to SQLModel, which raises `RuntimeError: ondelete="SET NULL"
        requires nullable=True` itself.
        """
    why_bad = """
        The DDL is accepted, and the mistake waits for the first delete of a referenced row:
        the database sets the child's column to NULL and the NOT NULL constraint rejects it, so
        the parent can never be deleted. Verified by this rule's oracle test on SQLite with
        `PRAGMA foreign_keys=ON`: `IntegrityError: NOT NULL constraint failed: child.parent_id`;
        PostgreSQL says `null value in column "parent_id" of relation "child" violates not-null
        constraint`. With SET DEFAULT the database uses its own default, never SQLAlchemy's
        Python-side `default=`: without a server default the column becomes NULL (the oracle
        shows both the failure and the silent NULL).
        """
    references = _REFERENCES + (
        "squawk#1136 and pgmodeler#2045 (the same check requested for SQL schemas)",
    )
    invalid = (
        example('''
            from sqlalchemy import ForeignKey
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Parent(Base):
                __tablename__ = "parent"
                id: Mapped[int] = mapped_column(primary_key=True)


            class Child(Base):
                __tablename__ = "child"
                id: Mapped[int] = mapped_column(primary_key=True)
                parent_id: Mapped[int] = mapped_column(
                    ForeignKey("parent.id", ondelete="SET NULL")  # ORM601
                )
            '''),
        example('''
            from sqlalchemy import Column, ForeignKey, Integer
            from sqlalchemy.orm import declarative_base

            Base = declarative_base()


            class Parent(Base):
                __tablename__ = "parent"
                id = Column(Integer, primary_key=True)


            class Child(Base):
                __tablename__ = "child"
                id = Column(Integer, primary_key=True)
                parent_id = Column(
                    Integer, ForeignKey("parent.id", ondelete="SET NULL"), nullable=False  # ORM601
                )
                backup_id = Column(
                    Integer, ForeignKey("parent.id", ondelete="SET DEFAULT"), default=1  # ORM601
                )
            '''),
    )
    valid = (
        example('''
            from typing import Optional

            from sqlalchemy import ForeignKey, text
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Parent(Base):
                __tablename__ = "parent"
                id: Mapped[int] = mapped_column(primary_key=True)


            class Child(Base):
                __tablename__ = "child"
                id: Mapped[int] = mapped_column(primary_key=True)
                parent_id: Mapped[Optional[int]] = mapped_column(
                    ForeignKey("parent.id", ondelete="SET NULL")
                )
                owner_id: Mapped[int] = mapped_column(ForeignKey("parent.id", ondelete="CASCADE"))
                backup_id: Mapped[int] = mapped_column(
                    ForeignKey("parent.id", ondelete="SET DEFAULT"), server_default=text("1")
                )
            '''),
    )

    def check(self, model: FileModel) -> Iterator[Violation]:
        annotation_used = annotation_used_by_column(model)
        for site in action_sites(model, include_loose=False):
            action = normalize_action(site.value)
            if action not in ("SET NULL", "SET DEFAULT"):
                continue
            for column in site.columns:
                used = annotation_used.get(id(column), True)
                yield from self._check_column(model, site, action, column, used)

    def _check_column(
        self,
        model: FileModel,
        site: _ActionSite,
        action: str,
        column: ColumnDecl,
        annotation_used: bool,
    ) -> Iterator[Violation]:
        reason = not_null_reason(column, model, annotation_used)
        name = column.attr or column.name or "?"
        if action == "SET NULL":
            if reason is None:
                return
            yield self.violation(
                site.node,
                keyword=site.keyword,
                action=site.value,
                column=name,
                reason=f"the column is NOT NULL ({reason})",
                consequence=(
                    "deleting the referenced row fails with a NOT NULL violation"
                    if site.keyword == "ondelete"
                    else "changing the referenced key fails with a NOT NULL violation"
                ),
                advice=(
                    "make the column nullable (`Mapped[Optional[...]]` or `nullable=True`), "
                    'or use `ondelete="CASCADE"`/`"RESTRICT"`'
                ),
            )
            return
        if has_server_default(column) or column.constructor == "sqlmodel.Field":
            return
        python_default = "default" in column.kwargs or "insert_default" in column.kwargs
        if reason is not None:
            detail = f"the column is NOT NULL ({reason}) and has no server default"
            consequence = "the database sets it to NULL and the delete fails"
        elif python_default:
            detail = "its `default=` is applied by SQLAlchemy, not by the database"
            consequence = "the database sets the column to NULL instead"
        else:
            return
        yield self.violation(
            site.node,
            keyword=site.keyword,
            action=site.value,
            column=name,
            reason=detail,
            consequence=consequence,
            advice="give the column a `server_default=`, or use another action",
        )


# -- ORM604 ----------------------------------------------------------------------------------------


class InvalidReferentialAction(Rule):
    code = "ORM604"
    name = "invalid-referential-action"
    summary = '`ondelete=`/`onupdate=` value that is not a referential action (`"CASCADES"`, `"SET_NULL"`)'
    catches = '`ondelete="CASCADES"`, `"SET_NULL"`, …: not a referential action'
    message = (
        '`{keyword}="{value}"` is not a referential action: the DDL says ON {clause} {value} and '
        "the database rejects CREATE TABLE; {advice}"
    )
    what_it_does = """
        Checks the `ondelete=` and `onupdate=` strings of `ForeignKey`, `ForeignKeyConstraint`
        and SQLModel's `Field(foreign_key=..., ondelete=...)` against the SQL referential
        actions: `CASCADE`, `SET NULL`, `SET DEFAULT`, `RESTRICT`, `NO ACTION` (any case and
        spacing), plus PostgreSQL 15's `SET NULL (column, ...)`. Values that are not literal
        strings are not judged.
        """
    why_bad = """
        SQLAlchemy pastes the value into the DDL. Its only check is a pattern for SQL words,
        so `"CASCADES"`, `"SET_NULL"` or `"delete"` compile without complaint (this rule's
        oracle test compiles `ON DELETE SET_NULL` for PostgreSQL); only punctuation is refused,
        with `CompileError: Unexpected SQL phrase: 'CASCADE;'`. The database then rejects the
        table: SQLite `OperationalError: near "SET_NULL": syntax error` (verified by the
        oracle test), PostgreSQL `syntax error at or near "SET_NULL"`. A migration generated
        from the model fails the same way at deploy time.
        """
    references = _REFERENCES
    invalid = (
        example('''
            from sqlalchemy import ForeignKey
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Parent(Base):
                __tablename__ = "parent"
                id: Mapped[int] = mapped_column(primary_key=True)


            class Child(Base):
                __tablename__ = "child"
                id: Mapped[int] = mapped_column(primary_key=True)
                parent_id: Mapped[int] = mapped_column(
                    ForeignKey("parent.id", ondelete="SET_NULL")  # ORM604
                )
            '''),
        example('''
            from sqlalchemy import Column, ForeignKey, ForeignKeyConstraint, Integer
            from sqlalchemy.orm import declarative_base

            Base = declarative_base()


            class Parent(Base):
                __tablename__ = "parent"
                id = Column(Integer, primary_key=True)


            class Child(Base):
                __tablename__ = "child"
                __table_args__ = (
                    ForeignKeyConstraint(["other_id"], ["parent.id"], onupdate="delete"),  # ORM604
                )
                id = Column(Integer, primary_key=True)
                parent_id = Column(Integer, ForeignKey("parent.id", ondelete="CASCADES"))  # ORM604
                other_id = Column(Integer)
            '''),
    )
    valid = (
        example('''
            from typing import Optional

            from sqlalchemy import ForeignKey
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Parent(Base):
                __tablename__ = "parent"
                id: Mapped[int] = mapped_column(primary_key=True)


            class Child(Base):
                __tablename__ = "child"
                id: Mapped[int] = mapped_column(primary_key=True)
                parent_id: Mapped[Optional[int]] = mapped_column(
                    ForeignKey("parent.id", ondelete="SET NULL", onupdate="cascade")
                )
            '''),
    )

    def check(self, model: FileModel) -> Iterator[Violation]:
        for site in action_sites(model):
            if is_referential_action(site.value):
                continue
            suggestion = suggest_action(site.value)
            if suggestion is not None:
                advice = f'write `{site.keyword}="{suggestion}"`'
            else:
                advice = "write one of " + ", ".join(f'"{a}"' for a in REFERENTIAL_ACTIONS)
            yield self.violation(
                site.node,
                keyword=site.keyword,
                value=site.value,
                clause="DELETE" if site.keyword == "ondelete" else "UPDATE",
                advice=advice,
            )


# -- ORM605 ----------------------------------------------------------------------------------------


class ReferentialActionOnColumn(Rule):
    code = "ORM605"
    name = "referential-action-on-column"
    summary = "`ondelete=`/`onupdate=\"CASCADE\"` passed to `Column`/`mapped_column` instead of `ForeignKey`"
    catches = (
        "`ondelete=` given to `Column`/`mapped_column` instead of `ForeignKey` (`TypeError` at "
        "import)"
    )
    message = "{problem}: move it into the foreign key, {fix}"
    what_it_does = """
        Checks `Column(...)` and `mapped_column(...)` calls (also Flask-SQLAlchemy's
        `db.Column`, SQLModel's `sa_column=Column(...)` and `sa_column_kwargs`) that are given
        `ondelete=`, which only `ForeignKey`/`ForeignKeyConstraint` accept, or `onupdate=` with a
        referential action string such as `"CASCADE"`. `onupdate=` with a function or SQL
        expression (`onupdate=func.now()`) is the column's Python-side update default and is
        fine, and so is SQLModel's own `Field(foreign_key=..., ondelete=...)`.
        """
    why_bad = """
        `ondelete=` on a column raises `TypeError: Additional arguments should be named
        <dialectname>_<argument>, got 'ondelete'` when the class is created, for `Column` and
        `mapped_column` alike (verified by this rule's oracle test). `onupdate="CASCADE"` is
        worse because it is accepted: the foreign key gets no ON UPDATE clause, and the string
        becomes the column's update default, so every ORM UPDATE of the row writes the text
        `'CASCADE'` into the foreign-key column (the oracle test reads it back from SQLite).
        """
    references = _REFERENCES + (
        "SQLAlchemy: Column INSERT/UPDATE defaults (onupdate=), https://docs.sqlalchemy.org/en/20/core/defaults.html",
    )
    invalid = (
        example('''
            from sqlalchemy import ForeignKey
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Parent(Base):
                __tablename__ = "parent"
                id: Mapped[int] = mapped_column(primary_key=True)


            class Child(Base):
                __tablename__ = "child"
                id: Mapped[int] = mapped_column(primary_key=True)
                parent_id: Mapped[int] = mapped_column(
                    ForeignKey("parent.id"), ondelete="CASCADE"  # ORM605
                )
            '''),
        example('''
            from sqlalchemy import Column, ForeignKey, Integer, String
            from sqlalchemy.orm import declarative_base

            Base = declarative_base()


            class Parent(Base):
                __tablename__ = "parent"
                id = Column(Integer, primary_key=True)


            class Child(Base):
                __tablename__ = "child"
                id = Column(Integer, primary_key=True)
                name = Column(String(50))
                parent_id = Column(Integer, ForeignKey("parent.id"), onupdate="CASCADE")  # ORM605
            '''),
    )
    valid = (
        example('''
            from datetime import datetime

            from sqlalchemy import ForeignKey, func
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Parent(Base):
                __tablename__ = "parent"
                id: Mapped[int] = mapped_column(primary_key=True)


            class Child(Base):
                __tablename__ = "child"
                id: Mapped[int] = mapped_column(primary_key=True)
                parent_id: Mapped[int] = mapped_column(
                    ForeignKey("parent.id", ondelete="CASCADE", onupdate="CASCADE")
                )
                updated_at: Mapped[datetime] = mapped_column(
                    server_default=func.now(), onupdate=func.now()
                )
            '''),
    )

    def check(self, model: FileModel) -> Iterator[Violation]:
        for column in model.columns:
            if column.constructor not in ("Column", "mapped_column", "sqlmodel.Field"):
                continue
            for keyword in ("ondelete", "onupdate"):
                arg = column.kwargs.get(keyword)
                if arg is None:
                    continue
                if column.constructor == "sqlmodel.Field":
                    # Only what reaches Column() through sa_column_kwargs; Field's own
                    # ondelete= is SQLModel's supported spelling.
                    if _real_keyword(column.node, keyword) is arg:
                        continue
                    where = "`sa_column_kwargs`"
                else:
                    where = f"`{column.constructor}()`"
                value = string_value(arg.value)
                if keyword == "onupdate" and (value is None or not is_referential_action(value)):
                    continue  # a Python-side update default such as func.now()
                written = model.module.code_for_node(arg.value)
                if keyword == "ondelete":
                    problem = (
                        f"`ondelete={written}` given to {where}, which does not accept it "
                        "(TypeError when the class is created)"
                    )
                else:
                    problem = (
                        f"`onupdate={written}` given to {where} is the column's update default, "
                        f"not a referential action: every UPDATE of the row writes the text "
                        f"{written} into it"
                    )
                if column.constructor == "sqlmodel.Field":
                    fix = f"`Field(foreign_key=..., {keyword}={written})`"
                elif column.foreign_keys:
                    fix = f"`ForeignKey(..., {keyword}={written})`"
                else:
                    fix = f'e.g. `ForeignKey("table.id", {keyword}={written})`'
                yield self.violation(arg, problem=problem, fix=fix)


@dataclass(frozen=True)
class _Target:
    """A table a foreign key may name: a mapped class's or a `Table()`."""

    schema: str | None  # None: the MetaData's default
    schema_known: bool
    # Column name -> its facts (None: a name a class body binds, maybe a column the index does
    # not model); None when columns may come from where the index cannot see (an unknown base).
    columns: dict[str, ColumnFacts | None] | None

    @property
    def qualifier(self) -> str:
        return f"{self.schema}." if self.schema else ""


def _targets(index: ProjectIndex) -> dict[str, list[_Target]]:
    """Table name -> the tables of that name, in any schema (computed once per index)."""
    found = index.derived.get("foreign_key_targets")
    if found is not None:
        return found
    found = {}
    for path, cls in index.classes():
        table = index.table_of(path, cls)
        if table is None:
            if cls.tablename:  # a table whose schema and columns are not known
                found.setdefault(cls.tablename, []).append(_Target(None, False, None))
            continue
        if table.path != path or table.class_name != cls.name:
            continue  # a single-table subclass: its columns are in its parent's table
        columns: dict[str, ColumnFacts | None] | None = {}
        for part in table.parts:
            if not part.bases_known:
                columns = None
                break
            for declared in part.columns:
                if declared.fact.name:
                    columns.setdefault(declared.fact.name, declared.fact)
            for name in part.attributes:
                columns.setdefault(name, None)
        found.setdefault(table.name, []).append(_Target(table.schema, table.schema_known, columns))
    for facts in index.files:
        for declared in facts.tables:
            found.setdefault(declared.name, []).append(_Target(
                declared.schema, declared.schema_known, {c.name: c for c in declared.columns if c.name},
            ))
    index.derived["foreign_key_targets"] = found
    return found


def _referenced_tables(index: ProjectIndex, schema: str | None, table: str) -> list[_Target] | None:
    """The tables a foreign key to `schema.table` (schema None: not qualified) may reference;
    [] when there is none, None when that is not known. An unqualified name is the MetaData's
    default schema, which a MetaData's own `schema=` (not followed here) may make any."""
    named = _targets(index).get(table, [])
    if schema is None:
        default = [t for t in named if t.schema is None or not t.schema_known]
        return default or named
    if any(not t.schema_known for t in named):
        return None
    same = [t for t in named if t.schema == schema]
    if same:
        return same
    if any(t.schema is None for t in named):
        return None  # the MetaData's own `schema=` may be `schema`
    return []


class ForeignKeyTargetNotFound(ProjectRule):
    code = "ORM602"
    name = "foreign-key-target-not-found"
    summary = '`ForeignKey("table.column")` whose table or column is not defined in the project'
    catches = '`ForeignKey("parnt.id")`: no such table or column in the project (project)'
    message = (
        '`ForeignKey("{target}")`: {problem}; check the spelling, or list the table in '
        "`external-tables` if it is defined outside the checked code"
    )
    what_it_does = """
        Checks every `ForeignKey("table.column")` of a mapped class against the tables the
        project defines (`__tablename__` of mapped classes, `Table(...)` objects) and their
        columns; those of classes and tables inside Alembic revision files (snapshots of the
        schema a revision once saw) are not judged. Runs only when a whole project is checked and every file could be analysed; a
        missing table is reported only when the table name of every mapped class is known: its
        `__tablename__`, or the name its library gives a class without one, which ormlint knows
        in three cases. Flask-SQLAlchemy's generated name (`UserRole` -> `user_role`), when
        Flask-SQLAlchemy 2.x and 3.x generate the same one (not for `ShortURL`, say), no mixin or
        abstract base binds `__tablename__`, and the project passes no `model_class` or
        `disable_autonaming`; below a mapped class only with a primary key of its own
        (otherwise it shares its parent's table). SQLModel's `cls.__name__.lower()` for a
        `table=True` class. A `declared_attr` `__tablename__` of the declarative base, an
        abstract base or a mixin whose body is exactly `return cls.__name__.lower()`, or that
        plus a string before or after it, for each subclass that does not override it. Any
        other computed name leaves the set of tables unknown. Tables named in
        `[tool.ormlint] external-tables` (`"schema.table"` for another schema's) and tables
        whose columns cannot all be seen are left alone. A target is looked up in its schema:
        `"users.identities.id"` names the table `identities` declared with `schema="users"`
        (in `__table_args__`, its own or a mixin's, or `Table(..., schema=...)`), and a missing
        one is reported only in a schema the project declares tables in (`auth.users` of a
        hosted database is not the project's); `"identities.id"` names a table of the
        default schema, or, when there is none of that name, one of those of other schemas
        (a MetaData's own `schema=` may make it theirs).
        """
    why_bad = """
        A misspelt target is resolved only when the table is created or the mappers are
        configured: `NoReferencedTableError: Foreign key associated with column
        'child.parent_id' could not find table 'parnt' with which to generate a foreign key to
        target column 'id'` (or `NoReferencedColumnError` for a missing column), verified by
        this rule's oracle test.
        """
    invalid = (
        example('''
            from typing import Optional

            from sqlalchemy import ForeignKey
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Parent(Base):
                __tablename__ = "parent"
                id: Mapped[int] = mapped_column(primary_key=True)


            class Child(Base):
                __tablename__ = "child"
                id: Mapped[int] = mapped_column(primary_key=True)
                parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("parnt.id"))  # ORM602
            '''),
    )
    valid = (
        example('''
            from typing import Optional

            from sqlalchemy import ForeignKey
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Parent(Base):
                __tablename__ = "parent"
                id: Mapped[int] = mapped_column(primary_key=True)


            class Child(Base):
                __tablename__ = "child"
                id: Mapped[int] = mapped_column(primary_key=True)
                parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("parent.id"))
            '''),
    )

    def check_project(self, index: ProjectIndex) -> Iterator[ProjectViolation]:
        if not index.whole_project or not index.complete:
            return
        schemas = {t.schema for targets in _targets(index).values() for t in targets if t.schema_known}
        for facts in index.files:
            if facts.is_revision:
                continue  # a snapshot of the schema a revision once saw, not a model
            declared = [cls.columns for cls in facts.classes] + [table.columns for table in facts.tables]
            for columns in declared:
                for column in columns:
                    for target, where in column.foreign_keys:
                        problem = self._problem(index, target, schemas)
                        if problem is not None:
                            yield self.project_violation(facts.path, where, target=target, problem=problem)

    @staticmethod
    def _problem(index: ProjectIndex, target: str, schemas: set[str | None]) -> str | None:
        parts = target.split(".")
        if len(parts) not in (2, 3):
            return None
        schema, table, name = parts if len(parts) == 3 else (None, *parts)
        qualified = f"{schema}.{table}" if schema else table
        if qualified in index.external_tables:
            return None
        referenced = _referenced_tables(index, schema, table)
        if referenced is None:
            return None
        if not referenced:
            if not index.table_names_complete or (schema is not None and schema not in schemas):
                return None  # a computed table name, or a schema the project leaves to others
            return f'no table "{qualified}" is defined'
        if any(t.columns is None or name in t.columns for t in referenced):
            return None
        return f'table "{referenced[0].qualifier}{table}" has no column "{name}"'


# SQL types in families whose values cannot be compared with another family's by a foreign key.
_TYPE_FAMILIES = {
    "Integer": "integer", "SmallInteger": "integer", "BigInteger": "integer", "INTEGER": "integer",
    "BIGINT": "integer", "SMALLINT": "integer", "Uuid": "uuid", "UUID": "uuid",
    "String": "string", "Unicode": "string", "Text": "string", "UnicodeText": "string",
    "VARCHAR": "string", "CHAR": "string", "TEXT": "string", "NVARCHAR": "string",
    "DateTime": "datetime", "Date": "date", "Numeric": "numeric", "Boolean": "boolean",
}
_INTEGER_WIDTH = {"SmallInteger": 2, "SMALLINT": 2, "Integer": 4, "INTEGER": 4, "BigInteger": 8, "BIGINT": 8}


def _type_mismatch(fk: ColumnFacts, target: ColumnFacts) -> bool:
    if fk.sql_type is None or target.sql_type is None:
        return False
    head_fk, head_target = fk.sql_type.partition("(")[0], target.sql_type.partition("(")[0]
    family_fk, family_target = _TYPE_FAMILIES.get(head_fk), _TYPE_FAMILIES.get(head_target)
    if family_fk is None or family_target is None:
        return False
    if family_fk != family_target:
        return True
    # Within a family only explicit types are compared: a project's type_annotation_map may
    # turn `int` into BigInteger.
    if fk.sql_type_from_annotation or target.sql_type_from_annotation:
        return False
    if family_fk == "integer":
        return _INTEGER_WIDTH.get(head_fk) != _INTEGER_WIDTH.get(head_target)
    return False


class ForeignKeyTypeMismatch(ProjectRule):
    code = "ORM603"
    name = "foreign-key-type-mismatch"
    summary = "a foreign-key column whose SQL type differs from the referenced column's"
    catches = (
        "a foreign-key column whose type differs from the referenced column's (`String(36)` to "
        "`Uuid`, `Integer` to `BigInteger`) (project)"
    )
    message = (
        '`{column}` is {fk_type} but references "{target}", which is {target_type}: declare the '
        "foreign-key column with the referenced column's type ({target_type})"
    )
    what_it_does = """
        Compares the SQL type of each foreign-key column with the type of the column it
        references, across files: different families (an `Integer` key referencing a `Uuid`, a
        `String(36)` referencing a `Uuid`) and integer widths (`Integer` referencing
        `BigInteger`) when both types are written explicitly. Types from a `Mapped[...]`
        annotation are compared by family only (a project's `type_annotation_map` may widen
        them); custom types, and foreign keys without a type of their own, are not compared.
        The referenced column is looked up in the target's schema, as ORM602 looks it up
        (`"auth.users.id"` is not the `id` of the default schema's `users`).
        """
    why_bad = """
        The DDL declares incompatible columns (verified by this rule's oracle test on the
        compiled PostgreSQL DDL): PostgreSQL refuses the constraint (`foreign key constraint
        cannot be implemented: Key columns ... are of incompatible types: character varying
        and uuid`), and an `INTEGER` key referencing a `BIGINT` key is accepted until the
        parent's ids pass 2^31, when inserting children starts to fail.
        """
    invalid = (
        example('''
            import uuid
            from typing import Optional

            from sqlalchemy import ForeignKey, String, Uuid
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Account(Base):
                __tablename__ = "account"
                id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)


            class Invoice(Base):
                __tablename__ = "invoice"
                id: Mapped[int] = mapped_column(primary_key=True)
                account_id: Mapped[Optional[str]] = mapped_column(String(36), ForeignKey("account.id"))  # ORM603
            '''),
    )
    valid = (
        example('''
            import uuid
            from typing import Optional

            from sqlalchemy import ForeignKey, Uuid
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Account(Base):
                __tablename__ = "account"
                id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)


            class Invoice(Base):
                __tablename__ = "invoice"
                id: Mapped[int] = mapped_column(primary_key=True)
                account_id: Mapped[Optional[uuid.UUID]] = mapped_column(Uuid, ForeignKey("account.id"))
            '''),
    )

    def check_project(self, index: ProjectIndex) -> Iterator[ProjectViolation]:
        for facts in index.files:
            if facts.is_revision:
                continue  # a snapshot of the schema a revision once saw, not a model
            all_columns = [c for cls in facts.classes for c in cls.columns] + [
                c for table in facts.tables for c in table.columns
            ]
            for column in all_columns:
                for target, _ in column.foreign_keys:
                    parts = target.split(".")
                    if len(parts) not in (2, 3):
                        continue
                    schema, table, name = parts if len(parts) == 3 else (None, *parts)
                    referenced = next((
                        found for t in _referenced_tables(index, schema, table) or ()
                        if (found := (t.columns or {}).get(name)) is not None
                    ), None)
                    if referenced is None or not _type_mismatch(column, referenced):
                        continue
                    yield self.project_violation(
                        facts.path, column.location or Location(1, 1, 1, 1),
                        column=column.attr or column.name, fk_type=column.sql_type,
                        target=target, target_type=referenced.sql_type,
                    )
