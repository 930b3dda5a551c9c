"""ORM902: `name = Column(...)` in a declarative class, the legacy spelling of
`name: Mapped[T] = mapped_column(...)`."""

from __future__ import annotations

from typing import Iterator

import libcst as cst

from ormlint.model.types import ColumnDecl, FileModel, ModelClass
from ormlint.rules.base import Fix, Invalid, Rule, Violation, example
from ormlint.rules.columns import PYTHON_TYPE_OF, sql_type_category
from ormlint.rules.edits import imported_names


class LegacyColumn(Rule):
    code = "ORM902"
    name = "legacy-column"
    summary = "`Column()` in a declarative class instead of `Mapped[...]` with `mapped_column()` (SQLAlchemy 2.0 style)"
    catches = (
        "`name = Column(...)` in a mapped class instead of `name: Mapped[T] = "
        "mapped_column(...)` (SQLAlchemy 2.0 style; fix where the type is certain)"
    )
    message = (
        "`{attr}` is declared with `Column()`, legacy in a declarative class since SQLAlchemy 2.0: "
        "write `{attr}: Mapped[...] = mapped_column(...)`{how}"
    )
    what_it_does = """
        Reports each `name = Column(...)` statement in the body of a mapped class. Opt-in, one
        of the SQLAlchemy 2.0 modernisation rules (ORM9xx).
        """
    why_bad = """
        SQLAlchemy 2.0 declares a mapped attribute with its Python type, `name: Mapped[int] =
        mapped_column(Integer)`: type checkers then know what `obj.name` holds, and `Optional`
        in the annotation says whether the column is nullable. A `Column()` attribute is typed
        as a `Column` (or `Any`), so no checker sees a `str` used as an `int`.
        """
    fix_safety = """
        The fix rewrites the statement as `name: Mapped[T] = mapped_column(...)` with the same
        arguments, and imports `Mapped`, `mapped_column` and, when needed, `Optional` or the
        standard module type. It is given only when both parts of the annotation are certain:
        `T` from an explicit SQLAlchemy type whose Python type is known (`Integer` -> `int`,
        `String` -> `str`, `DateTime` -> `datetime`, when the file imports that module or
        class), and `Optional[T]` exactly when the column is nullable (`nullable=True`, or no
        `nullable=` and not `primary_key=True`). The tables (DDL for PostgreSQL and SQLite) and
        the mappers stay the same (verified by this rule's oracle test). Other columns (a type
        only from a `ForeignKey`, an `Enum`, a computed `nullable=`, a class with a
        `PrimaryKeyConstraint`) are reported without a fix. Needs SQLAlchemy 2.0.
        """
    references = (
        "SQLAlchemy: Declarative Table with mapped_column(), https://docs.sqlalchemy.org/en/20/orm/declarative_tables.html",
    )
    default_enabled = False
    invalid = (
        Invalid(example('''
            from sqlalchemy import Column, ForeignKey, Integer, String
            from sqlalchemy.orm import DeclarativeBase


            class Base(DeclarativeBase):
                pass


            class User(Base):
                __tablename__ = "user"
                id = Column(Integer, primary_key=True)  # ORM902:10
                name = Column(String(50), nullable=False)  # ORM902:12
                nickname = Column(String(50))  # ORM902:16
                team_id = Column(ForeignKey("user.id"))  # ORM902:15
            '''), fixed=example('''
            from typing import Optional
            from sqlalchemy import Column, ForeignKey, Integer, String
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class User(Base):
                __tablename__ = "user"
                id: Mapped[int] = mapped_column(Integer, primary_key=True)
                name: Mapped[str] = mapped_column(String(50), nullable=False)
                nickname: Mapped[Optional[str]] = mapped_column(String(50))
                team_id = Column(ForeignKey("user.id"))
            ''')),
        Invalid(example('''
            import datetime
            from typing import Optional

            from sqlalchemy import Boolean, Column, DateTime, Integer, Numeric
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Order(Base):
                __tablename__ = "order"
                id: Mapped[int] = mapped_column(primary_key=True)
                placed = Column(DateTime, nullable=False)  # ORM902:14
                shipped = Column(DateTime, nullable=True)  # ORM902:15
                paid = Column(Boolean, default=False)  # ORM902:12
                total = Column(Numeric(10, 2), nullable=False)  # ORM902:13
                lines = Column(Integer, nullable=bool(1))  # ORM902:13
            '''), fixed=example('''
            import datetime
            from typing import Optional

            from sqlalchemy import Boolean, Column, DateTime, Integer, Numeric
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Order(Base):
                __tablename__ = "order"
                id: Mapped[int] = mapped_column(primary_key=True)
                placed: Mapped[datetime.datetime] = mapped_column(DateTime, nullable=False)
                shipped: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime, nullable=True)
                paid: Mapped[Optional[bool]] = mapped_column(Boolean, default=False)
                total = Column(Numeric(10, 2), nullable=False)
                lines = Column(Integer, nullable=bool(1))
            ''')),
    )
    valid = (
        example('''
            from typing import Optional

            from sqlalchemy import ForeignKey, String
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class User(Base):
                __tablename__ = "user"
                id: Mapped[int] = mapped_column(primary_key=True)
                name: Mapped[str] = mapped_column(String(50))
                nickname: Mapped[Optional[str]] = mapped_column(String(50))
                team_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"))
            '''),
    )

    def check(self, model: FileModel) -> Iterator[Violation]:
        for cls in model.classes:
            if cls.kind != "mapped" or cls.is_sqlmodel or cls.imperative or cls.has_table:
                continue
            statements = _column_statements(cls)
            for column in cls.columns:
                assign = statements.get(id(column.node))
                if column.constructor != "Column" or column.annotation is not None or assign is None:
                    continue
                fix = _mapped_column(model, cls, column, assign)
                how = "; the fix does so" if fix is not None else ""
                yield self.violation(column.node, fix, attr=column.attr, how=how)


def _column_statements(cls: ModelClass) -> dict[int, cst.Assign]:
    """The class body's `name = Column(...)` statements, by the id of their call."""
    found = {}
    for stmt in cls.node.body.body:
        if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1:
            small = stmt.body[0]
            if (
                isinstance(small, cst.Assign) and len(small.targets) == 1
                and isinstance(small.targets[0].target, cst.Name) and isinstance(small.value, cst.Call)
            ):
                found[id(small.value)] = small
    return found


def _mapped_column(model: FileModel, cls: ModelClass, column: ColumnDecl, assign: cst.Assign) -> Fix | None:
    """`name: Mapped[T] = mapped_column(...)`, when T and its nullability are certain."""
    if any(arg.star for arg in column.node.args):
        return None
    if ("nullable" in column.kwargs and column.nullable is None) or (
        "primary_key" in column.kwargs and column.primary_key is None
    ):
        return None  # computed: the nullability is not known here
    if "PrimaryKeyConstraint" in model.module.code_for_node(cls.node):
        return None  # a constraint may make a column NOT NULL that mapped_column would not
    category = sql_type_category(model, column)
    if category is None:
        return None
    category = category[0]
    nullable = column.nullable if column.nullable is not None else not column.primary_key
    wanted = [("sqlalchemy.orm", "Mapped"), ("sqlalchemy.orm", "mapped_column")]
    module, _, name = PYTHON_TYPE_OF[category].rpartition(".")
    if not module:  # a builtin
        python_type = name
        if python_type in model.module_bindings:
            return None  # `int` means something else here
    else:
        python_type = _stdlib_name(model, module, name)
        if python_type is None:
            return None
    if nullable:
        wanted.append(("typing", "Optional"))
    resolved = imported_names(model, wanted)
    if resolved is None:
        return None
    names, import_edits = resolved
    class_names = {assignment.attr for assignment in cls.assignments}
    if class_names & {python_type.partition(".")[0], *(n.partition(".")[0] for n in names.values())}:
        return None  # the class body would shadow a name the annotation uses
    inner = f"{names['Optional']}[{python_type}]" if nullable else python_type
    call = column.node.with_changes(func=cst.parse_expression(names["mapped_column"]))
    text = f"{column.attr}: {names['Mapped']}[{inner}] = {model.module.code_for_node(call)}"
    return Fix(
        message=f"declare `{column.attr}: Mapped[{inner}] = mapped_column(...)`",
        replacements=((assign, text), *import_edits),
    )


def _stdlib_name(model: FileModel, module: str, name: str) -> str | None:
    """How the module already names `datetime.date` and the like (no import is added)."""
    for local, qualified in model.imports.aliases.items():
        if qualified == f"{module}.{name}" and local not in model.imports.type_checking_only:
            return local
    for local, qualified in model.imports.aliases.items():
        if qualified == module and local not in model.imports.type_checking_only:
            return f"{local}.{name}"
    return None
