"""ORM507: a relationship (or another mapper property) on a mixin without `@declared_attr`."""

from __future__ import annotations

from typing import Iterator

import libcst as cst

from ormlint.model.names import dotted_name
from ormlint.model.types import ClassAssignment, FileModel, ModelClass
from ormlint.rules.base import Rule, Violation, example

# The constructs SQLAlchemy refuses on a mixin or abstract class unless a `@declared_attr`
# function returns them (mapped_column(), Column() and association_proxy() are copied instead).
MAPPER_PROPERTY_CALLS = frozenset({
    "relationship", "column_property", "deferred", "synonym", "composite", "query_expression",
    "dynamic_loader",
})
# Bases that map nothing themselves: a class with only these is a mixin.
_UNMAPPING_BASES = frozenset({"typing.Generic", "typing.Protocol", "MappedAsDataclass", "AsyncAttrs"})


class MixinPropertyWithoutDeclaredAttr(Rule):
    code = "ORM507"
    name = "mixin-property-without-declared-attr"
    summary = (
        "`relationship()` (or `column_property()`, `deferred()`, `synonym()`, `composite()`) "
        "assigned directly in a mixin or `__abstract__` class, not returned by `@declared_attr`"
    )
    message = (
        "`{attr} = {call}(...)` in the {what} `{cls}`: SQLAlchemy refuses every class that "
        "inherits it (\"Mapper properties ... must be declared as @declared_attr callables on "
        "declarative mixin classes\"); return it from a `@declared_attr` method instead: "
        "`@declared_attr` / `def {attr}(cls): return {call}(...)`"
    )
    what_it_does = """
        Checks the body of each mixin (a class with no base, or only library bases such as
        `Generic` or `MappedAsDataclass`) and each `__abstract__ = True` class for a
        `relationship()`, `column_property()`, `deferred()`, `synonym()`, `composite()`,
        `query_expression()` or `dynamic_loader()` assigned directly to a name. Columns
        (`Column()`, `mapped_column()`, with or without a `ForeignKey`) and
        `association_proxy()` are fine on a mixin: SQLAlchemy copies them into each class.
        SQLModel classes, decorated classes and classes mapped imperatively are left alone.
        """
    why_bad = """
        A mapper property cannot be copied into each subclass, so SQLAlchemy refuses the first
        mapped class that inherits the mixin, when its class statement runs: `InvalidRequestError:
        Mapper properties (i.e. deferred,column_property(), relationship(), etc.) must be
        declared as @declared_attr callables on declarative mixin classes.` The application does
        not start. Verified by this rule's oracle test with SQLAlchemy 2.0 and 2.1, for every
        construct listed, on plain mixins and on `__abstract__` classes; a `ForeignKey` column
        on a mixin, by contrast, is copied into every table and works.
        """
    fix_safety = (
        "No automatic fix: the `@declared_attr` method may need the subclass (`cls.__name__`, "
        "its table) to build the right relationship for each class."
    )
    references = (
        "SQLAlchemy: Mixing in Relationships, https://docs.sqlalchemy.org/en/20/orm/declarative_mixins.html#mixing-in-relationships",
    )
    invalid = (
        example('''
            from sqlalchemy import ForeignKey
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


            class Base(DeclarativeBase):
                pass


            class User(Base):
                __tablename__ = "user_account"
                id: Mapped[int] = mapped_column(primary_key=True)


            class OwnedMixin:
                owner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
                owner: Mapped["User"] = relationship()  # ORM507:5


            class Document(OwnedMixin, Base):
                __tablename__ = "document"
                id: Mapped[int] = mapped_column(primary_key=True)
            '''),
        example('''
            import sqlalchemy as sa
            from sqlalchemy.orm import column_property, declarative_base, relationship

            Base = declarative_base()


            class TimestampedBase(Base):
                __abstract__ = True
                created = sa.Column(sa.DateTime)
                year = column_property(sa.extract("year", created))  # ORM507:5
                author_id = sa.Column(sa.Integer, sa.ForeignKey("author.id"))
                author = relationship("Author")  # ORM507:5


            class Author(Base):
                __tablename__ = "author"
                id = sa.Column(sa.Integer, primary_key=True)


            class Post(TimestampedBase):
                __tablename__ = "post"
                id = sa.Column(sa.Integer, primary_key=True)
            '''),
    )
    valid = (
        example('''
            from sqlalchemy import ForeignKey
            from sqlalchemy.ext.associationproxy import association_proxy
            from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column, relationship


            class Base(DeclarativeBase):
                pass


            class User(Base):
                __tablename__ = "user_account"
                id: Mapped[int] = mapped_column(primary_key=True)
                name: Mapped[str]


            class OwnedMixin:
                owner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
                owner_name = association_proxy("owner", "name")

                @declared_attr
                def owner(cls) -> Mapped["User"]:
                    return relationship()


            class Document(OwnedMixin, Base):
                __tablename__ = "document"
                id: Mapped[int] = mapped_column(primary_key=True)


            class Invoice(OwnedMixin, Base):
                __tablename__ = "invoice"
                id: Mapped[int] = mapped_column(primary_key=True)
            '''),
    )

    def check(self, model: FileModel) -> Iterator[Violation]:
        for cls in model.classes:
            if not _declarative_mixin(model, cls):
                continue
            what = "abstract class" if cls.kind == "abstract" else "mixin"
            for assignment in cls.assignments:
                call = _mapper_property_call(model, assignment)
                if call is not None:
                    yield self.violation(
                        assignment.node, attr=assignment.attr, call=call, what=what, cls=cls.name
                    )


def _declarative_mixin(model: FileModel, cls: ModelClass) -> bool:
    """A class SQLAlchemy reads as a mixin or abstract base when a mapped class inherits it."""
    if cls.is_sqlmodel or cls.imperative:
        return False
    if cls.kind == "abstract":
        return True
    return _plain_mixin(model, cls, depth=0)


def _plain_mixin(model: FileModel, cls: ModelClass, depth: int) -> bool:
    """No decorator that may map or rebuild it (`@as_declarative`, `@reg.mapped`), no
    metaclass, and only bases that are plain mixins of this file or map nothing (`object`,
    `Generic[T]`, `MappedAsDataclass`): any other base may be a declarative base from elsewhere."""
    if depth > 20 or cls.node.keywords:
        return False
    for decorator in cls.node.decorators:
        dec = decorator.decorator
        func = dec.func if isinstance(dec, cst.Call) else dec
        if model.imports.symbol(func) != "declarative_mixin":
            return False
    for base in cls.node.bases:
        expr = base.value.value if isinstance(base.value, cst.Subscript) else base.value
        dotted = dotted_name(expr)
        symbol = model.imports.symbol(expr)
        if dotted == "object" or symbol in _UNMAPPING_BASES:
            continue
        parent = model.class_named(dotted) if dotted is not None else None
        if parent is None or parent is cls or not _plain_mixin(model, parent, depth + 1):
            return False
    return True


def _mapper_property_call(model: FileModel, assignment: ClassAssignment) -> str | None:
    """The constructor's name when the statement assigns a mapper property in the body itself
    (not under `if`/`try`, where `TYPE_CHECKING` or a fallback may keep it from running)."""
    if assignment.branch or not isinstance(assignment.value, cst.Call):
        return None
    symbol = model.imports.symbol(assignment.value.func)
    if symbol in MAPPER_PROPERTY_CALLS:
        return symbol
    return None
