"""ORM204 reserved-attribute-name: a column or relationship named `metadata` or `registry` on a
mapped class"""

from __future__ import annotations

import dataclasses
from typing import Iterator

import libcst as cst

from ormlint.model.types import ColumnDecl, FileModel, ModelClass
from ormlint.rules.base import Fix, Invalid, Rule, Violation, example


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
        Invalid(example('''
            from sqlalchemy import JSON
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Document(Base):
                __tablename__ = "document"
                id: Mapped[int] = mapped_column(primary_key=True)
                metadata: Mapped[dict] = mapped_column(JSON, default=dict)  # ORM204:30
            '''), fixed=example('''
            from sqlalchemy import JSON
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Document(Base):
                __tablename__ = "document"
                id: Mapped[int] = mapped_column(primary_key=True)
                metadata_: Mapped[dict] = mapped_column("metadata", JSON, default=dict)
            '''), unsafe=True),
        Invalid(example('''
            from sqlalchemy import Column, Integer, String
            from sqlalchemy.orm import declarative_base

            Base = declarative_base()


            class Package(Base):
                __tablename__ = "package"
                id = Column(Integer, primary_key=True)
                registry = Column(String(100))  # ORM204:16
            '''), fixed=example('''
            from sqlalchemy import Column, Integer, String
            from sqlalchemy.orm import declarative_base

            Base = declarative_base()


            class Package(Base):
                __tablename__ = "package"
                id = Column(Integer, primary_key=True)
                registry_ = Column("registry", String(100))
            '''), unsafe=True),
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
