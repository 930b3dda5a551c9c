"""ORM207: a SQL type inside `Mapped[...]` (`Mapped[Integer]`), where the Python type belongs."""

from __future__ import annotations

from typing import Iterator

import libcst as cst

from ormlint.model.names import dotted_name, optional_core
from ormlint.model.types import FileModel, MappedAnnotation
from ormlint.rules.base import Rule, Violation, example
from ormlint.rules.columns import PYTHON_TYPE_OF, SQL_CATEGORIES

class SqlTypeInMappedAnnotation(Rule):
    code = "ORM207"
    name = "sql-type-in-mapped-annotation"
    summary = "`Mapped[Integer]`: a SQLAlchemy SQL type inside `Mapped[...]`, where the Python type belongs"
    catches = (
        "`Mapped[Integer]`, `Mapped[Optional[sa.String]]`: a SQL type where the Python type "
        "belongs (`MappedAnnotationError` without an explicit type; a wrong annotation with one)"
    )
    message = "`{annotation}` names the SQL type `{sql}`, not the Python type the attribute holds: {consequence}"
    what_it_does = """
        Checks the `Mapped[...]` annotations of mapped classes (with `mapped_column()`,
        `Column()` or alone) for one of SQLAlchemy's own SQL types (`Integer`, `String`,
        `DateTime`, `sa.Numeric`, a dialect's `JSONB`...), optional or not, where SQLAlchemy
        expects the Python type the attribute holds (`int`, `str`, `datetime`).
        """
    why_bad = """
        Without an explicit SQL type SQLAlchemy refuses the class when it is defined, so the
        application does not start: `MappedAnnotationError: The type provided inside the 'n'
        attribute Mapped annotation is the SQLAlchemy type <class
        'sqlalchemy.sql.sqltypes.Integer'>. Expected a Python type instead`. With an explicit
        SQL type (`Mapped[String] = mapped_column(String(40))`), or a foreign key that gives
        the column its target's type, the class works, but the annotation tells type checkers
        and readers that the attribute holds a `String` type object instead of a `str`. Both
        verified by this rule's oracle test.
        """
    fix_safety = "No automatic fix: the Python type may need an import (`Decimal`, `datetime`)."
    references = (
        "SQLAlchemy: ORM Annotated Declarative, https://docs.sqlalchemy.org/en/20/orm/declarative_tables.html#mapped-column-derives-the-datatype-and-nullability-from-the-mapped-annotation",
    )
    invalid = (
        example('''
            from sqlalchemy import Integer, String
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Item(Base):
                __tablename__ = "item"
                id: Mapped[int] = mapped_column(primary_key=True)
                quantity: Mapped[Integer] = mapped_column()  # ORM207:22
            '''),
        example('''
            from typing import Optional

            import sqlalchemy as sa
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Item(Base):
                __tablename__ = "item"
                id: Mapped[int] = mapped_column(primary_key=True)
                label: Mapped[Optional[sa.String]] = mapped_column(sa.String(40))  # ORM207:28
            '''),
    )
    valid = (
        example('''
            from typing import Optional

            from sqlalchemy import String
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Item(Base):
                __tablename__ = "item"
                id: Mapped[int] = mapped_column(primary_key=True)
                quantity: Mapped[int] = mapped_column()
                label: Mapped[Optional[str]] = mapped_column(String(40))
            '''),
    )

    def check(self, model: FileModel) -> Iterator[Violation]:
        for cls in model.classes:
            if cls.is_sqlmodel or cls.imperative:
                continue  # SQLModel fields are Pydantic annotations; imperative ones are not read
            for column in cls.columns:
                if column.annotation is not None:
                    # a typeless ForeignKey column takes its target's type: the annotation is
                    # then not read for one, as with an explicit type
                    typed = column.type_expr is not None or bool(column.foreign_keys)
                    found = self._judge(model, column.annotation, explicit=typed)
                    if found is not None:
                        yield found
            for bare in cls.bare_mapped:
                if bare.mapped is not None:
                    found = self._judge(model, bare.mapped, explicit=False)
                    if found is not None:
                        yield found

    def _judge(self, model: FileModel, mapped: MappedAnnotation, explicit: bool) -> Violation | None:
        inner = optional_core(mapped.inner, model.imports)
        if inner is None or isinstance(inner, (cst.Subscript, cst.Call)):
            return None
        name = dotted_name(inner)
        if name is None or name.partition(".")[0] in model.imports.type_checking_only:
            return None
        qualified = model.imports.qualify(name) or ""
        symbol = model.imports.symbol(inner)
        if not qualified.startswith("sqlalchemy.") or symbol is None or symbol not in SQL_CATEGORIES:
            return None
        python = PYTHON_TYPE_OF[SQL_CATEGORIES[symbol]]
        annotation = model.module.code_for_node(mapped.node) if mapped.node is not None else f"Mapped[{name}]"
        if explicit:
            consequence = (
                f"the attribute holds `{python}` values (the column's type comes from its SQL type "
                f"or foreign key, not from the annotation); annotate `Mapped[{python}]`"
            )
        else:
            consequence = (
                f"SQLAlchemy raises MappedAnnotationError when the class is defined; annotate "
                f"`Mapped[{python}]` (and pass `{name}(...)` to `mapped_column()` if it needs arguments)"
            )
        return self.violation(inner, annotation=annotation, sql=name, consequence=consequence)
