"""ORM501 table-args-not-tuple-or-dict: `__table_args__` that is neither a tuple nor a dict:
`(Index(...))` without the trailing comma, a list, a single constraint"""

from __future__ import annotations

from typing import Iterator

import libcst as cst

from ormlint.model.names import dotted_name
from ormlint.model.types import FileModel

from ormlint.rules.base import Fix, Invalid, Rule, Violation, example
from ormlint.rules.declarative._common import TABLE_ARGS_REFERENCES, node_code, short


_SQLALCHEMY_ROOTS = ("sqlalchemy", "sqlmodel", "flask_sqlalchemy")

_TABLE_ITEM_NAMES = {
    "Index", "UniqueConstraint", "PrimaryKeyConstraint", "CheckConstraint",
    "ForeignKeyConstraint", "Column", "ExcludeConstraint",
}


def _imports_sqlalchemy(model: FileModel) -> bool:
    imports = model.imports
    return bool(imports.flask_handles) or any(
        target.partition(".")[0] in _SQLALCHEMY_ROOTS
        for target in (*imports.aliases.values(), *imports.star_modules)
    )


def _has_foreign_items(node: cst.CSTNode, model: FileModel) -> bool:
    """A list or set of calls imported from another library (`[IndexModel(...)]`, pymongo): not
    SQLAlchemy's table arguments."""
    elements = getattr(node, "elements", None) or ()
    for element in elements:
        value = getattr(element, "value", None)
        if isinstance(value, cst.Call):
            dotted = dotted_name(value.func)
            qualified = model.imports.qualify(dotted) if dotted else None
            if (
                qualified is not None
                and model.imports.symbol(value.func) is None
                and qualified.rpartition(".")[2] not in _TABLE_ITEM_NAMES
            ):
                return True
    return False


class TableArgsNotTupleOrDict(Rule):
    code = "ORM501"
    name = "table-args-not-tuple-or-dict"
    summary = (
        "`__table_args__` that is neither a tuple nor a dict: `(Index(...))` without the trailing "
        "comma, a list, a single constraint"
    )
    catches = (
        "`__table_args__ = (Index(...))` without the trailing comma, a list, a single constraint"
    )
    message = (
        "`__table_args__` must be a tuple, a dict or None, but {what}: SQLAlchemy raises "
        "ArgumentError when the class is defined; write {fix}"
    )
    what_it_does = """
        Checks `__table_args__` assigned a value that is certainly not a tuple, a dict or `None`:
        one constraint in parentheses without the trailing comma (`(Index("ix", "a"))` is just
        `Index("ix", "a")`), a single `Index`/`UniqueConstraint`/`CheckConstraint`/... call, a
        list, a set, a string or a number. Values ormlint cannot see (a shared constant, a
        helper's result, `Base.__table_args__ + (...)`, a `declared_attr`) are not reported.
        """
    why_bad = """
        Declarative accepts only a tuple (positional `Table` arguments, optionally ending with a
        dict of keyword arguments), a dict or `None`, and checks it when the class is defined.
        The application does not start: `ArgumentError: __table_args__ value must be a tuple,
        dict, or None` (verified by this rule's oracle tests for the missing comma, a list and
        a single `UniqueConstraint`).
        """
    fix_safety = "No automatic fix yet. Adding the trailing comma (or turning a list into a tuple) is safe."
    references = TABLE_ARGS_REFERENCES
    invalid = (
        Invalid(example('''
            from sqlalchemy import Index
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class User(Base):
                __tablename__ = "users"
                __table_args__ = (Index("ix_users_name_email", "name", "email"))  # ORM501:23
                id: Mapped[int] = mapped_column(primary_key=True)
                name: Mapped[str]
                email: Mapped[str]
            '''), fixed=example('''
            from sqlalchemy import Index
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class User(Base):
                __tablename__ = "users"
                __table_args__ = ((Index("ix_users_name_email", "name", "email"),))
                id: Mapped[int] = mapped_column(primary_key=True)
                name: Mapped[str]
                email: Mapped[str]
            ''')),
        Invalid(example('''
            import sqlalchemy as sa
            from sqlalchemy.orm import declarative_base

            Base = declarative_base()


            class Membership(Base):
                __tablename__ = "membership"
                __table_args__ = [sa.UniqueConstraint("user_id", "group_id")]  # ORM501:22
                id = sa.Column(sa.Integer, primary_key=True)
                user_id = sa.Column(sa.Integer, nullable=False)
                group_id = sa.Column(sa.Integer, nullable=False)
            '''), fixed=example('''
            import sqlalchemy as sa
            from sqlalchemy.orm import declarative_base

            Base = declarative_base()


            class Membership(Base):
                __tablename__ = "membership"
                __table_args__ = (sa.UniqueConstraint("user_id", "group_id"),)
                id = sa.Column(sa.Integer, primary_key=True)
                user_id = sa.Column(sa.Integer, nullable=False)
                group_id = sa.Column(sa.Integer, nullable=False)
            ''')),
        Invalid(example('''
            from sqlalchemy import CheckConstraint
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Product(Base):
                __tablename__ = "product"
                __table_args__ = CheckConstraint("price >= 0", name="ck_price")  # ORM501:22
                id: Mapped[int] = mapped_column(primary_key=True)
                price: Mapped[int]
            '''), fixed=example('''
            from sqlalchemy import CheckConstraint
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Product(Base):
                __tablename__ = "product"
                __table_args__ = (CheckConstraint("price >= 0", name="ck_price"),)
                id: Mapped[int] = mapped_column(primary_key=True)
                price: Mapped[int]
            ''')),
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
                email: Mapped[str]


            class Group(Base):
                __tablename__ = "groups"
                __table_args__ = {"comment": "user groups"}
                id: Mapped[int] = mapped_column(primary_key=True)
            '''),
    )

    def check(self, model: FileModel) -> Iterator[Violation]:
        if not _imports_sqlalchemy(model):
            return  # `__table_args__` of another library that borrowed the name
        for cls in model.classes:
            args = cls.table_args
            if args.shape != "other" or args.node is None:
                continue
            if _has_foreign_items(args.node, model):
                continue
            yield self.violation(
                args.node, autofix=self._autofix(args.node, model), **self._describe(args.node, model)
            )

    @staticmethod
    def _autofix(node: cst.CSTNode, model: FileModel) -> Fix | None:
        """`(Index(...))`, `[Index(...), ...]` or a bare `Index(...)` -> a tuple of the same items."""
        if isinstance(node, cst.List):
            items = [e.value for e in node.elements]
        elif isinstance(node, cst.Call):
            items = [node.with_changes(lpar=[], rpar=[])]
        else:
            return None
        if any(isinstance(e, cst.StarredElement) for e in items) or not items:
            return None
        elements = [
            cst.Element(item, comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
            for item in items[:-1]
        ] + [cst.Element(items[-1], comma=cst.Comma() if len(items) == 1 else cst.MaybeSentinel.DEFAULT)]
        replacement = model.module.code_for_node(cst.Tuple(elements))
        return Fix("Make it a tuple", ((node, replacement),))

    @staticmethod
    def _describe(node: cst.CSTNode, model: FileModel) -> dict[str, str]:
        code = node_code(model, node)
        if isinstance(node, (cst.List, cst.ListComp)):
            inner = code[1:-1].strip().rstrip(",")
            if isinstance(node, cst.List):
                fix = f"a tuple: `({short(inner, 50)},)`" if inner else "`()`"
            else:
                fix = f"a tuple: `tuple({short(code, 50)})`"
            return {"what": "this is a list", "fix": fix}
        if isinstance(node, cst.Call):
            if node.lpar:  # `(Index(...))`: the parentheses do not make a tuple
                inner = code[1:-1].strip() if code.startswith("(") else code
                return {
                    "what": "`(X)` without a trailing comma is just X, a single constraint",
                    "fix": f"`({short(inner, 50)},)`",
                }
            return {
                "what": "this is a single constraint",
                "fix": f"a one-element tuple: `({short(code, 50)},)`",
            }
        kind = type(node).__name__.lower().replace("simplestring", "string")
        return {"what": f"this is a {kind}", "fix": "a tuple of constraints, a dict of options, or None"}
