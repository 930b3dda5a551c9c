"""ORM304 mutable-default: `default=[]`/`{}`: one mutable object shared by every row and by the
default itself"""

from __future__ import annotations

from typing import Iterator

import libcst as cst

from ormlint.model.names import canonical_symbol, dotted_name, syntax_children

from ormlint.model.types import FileModel
from ormlint.rules.base import Rule, Violation, example
from ormlint.rules.defaults._common import is_builtin, node_source, python_defaults, runtime_columns, short


_MUTABLE_CALLS = {"list": "list", "dict": "dict", "set": "set", "bytearray": "bytearray"}

_MUTABLE_QUALIFIED = {
    "collections.defaultdict": "defaultdict",
    "collections.OrderedDict": "OrderedDict",
    "collections.Counter": "Counter",
    "collections.deque": "deque",
}


def mutable_default(node: cst.CSTNode, model: FileModel) -> str | None:
    """The kind of mutable object `node` builds (list, dict, set...), else None."""
    if isinstance(node, (cst.List, cst.ListComp)):
        return "list"
    if isinstance(node, (cst.Dict, cst.DictComp)):
        return "dict"
    if isinstance(node, (cst.Set, cst.SetComp)):
        return "set"
    if isinstance(node, cst.Call):
        dotted = dotted_name(node.func)
        if dotted is None:
            return None
        if dotted in _MUTABLE_CALLS and is_builtin(dotted, model):
            return _MUTABLE_CALLS[dotted]
        return _MUTABLE_QUALIFIED.get(model.imports.qualify(dotted) or "")
    return None


def _type_head(expr: cst.CSTNode) -> cst.CSTNode:
    """`JSON` in `JSON`, `JSON()`, `sa.JSON().with_variant(JSONB(), "postgresql")`."""
    while True:
        if isinstance(expr, cst.Call):
            expr = expr.func
        elif isinstance(expr, cst.Attribute) and dotted_name(expr) is None:
            expr = expr.value
        elif isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Call):
            expr = expr.value
        else:
            return expr


def _mentions_mutable(expr: cst.CSTNode) -> bool:
    stack = [expr]
    while stack:
        node = stack.pop()
        name = node.value if isinstance(node, cst.Name) else None
        if name is not None and (name.startswith("Mutable") or name == "as_mutable"):
            return True
        stack.extend(syntax_children(node))
    return False


_USER_TYPE_BASES = {"TypeDecorator", "UserDefinedType", "TypeEngine"}


def shares_default_objects(type_expr: cst.CSTNode | None, model: FileModel) -> bool:
    """True when the column type is known to keep a default object as is (any SQLAlchemy type,
    or a TypeDecorator of this file); False when it may copy it (`MutableDict.as_mutable(...)`
    coerces the default into a new object per instance) or is unknown (a type from elsewhere, or
    a `Mapped[...]` annotation resolved through the registry's type map)."""
    seen: set[str] = set()
    while type_expr is not None:
        if _mentions_mutable(type_expr):
            return False
        head = _type_head(type_expr)
        if isinstance(head, cst.Name) and head.value not in seen:
            value = model.module_values.get(head.value)
            if value is not None:  # `JSONDict = MutableDict.as_mutable(JSONB)`
                seen.add(head.value)
                type_expr = value
                continue
            cls = model.class_named(head.value)
            if cls is not None:
                return any(
                    canonical_symbol(model.imports.qualify(base) or "") in _USER_TYPE_BASES
                    for base in cls.bases
                )
        return model.imports.symbol(head) is not None
    return False


class MutableDefault(Rule):
    code = "ORM304"
    name = "mutable-default"
    summary = "`default=[]`/`{}`: one mutable object shared by every row and by the default itself"
    catches = "`default=[]`/`{}` on a JSON column: one object shared by every row"
    message = (
        "`{keyword}={expr}` is one {kind} object shared by every new row and by the column "
        "default itself: changing it in place through one row changes the default for later rows; "
        "pass a factory instead: `{keyword}={fix}`"
    )
    what_it_does = """
        Checks `default=` and `onupdate=` of `Column`/`mapped_column` given a mutable object: a
        list, dict or set literal or comprehension, or a call of `list()`, `dict()`, `set()`,
        `bytearray()` or `collections.defaultdict`/`OrderedDict`/`Counter`/`deque`. The factory
        itself (`default=list`, `default=dict`) and immutable values (tuples, strings, numbers)
        are fine. Only columns whose type is known not to copy the default are checked: any
        SQLAlchemy type (`JSON`, `JSONB`, `ARRAY`, `PickleType`, ...) or a `TypeDecorator` of the
        same file. `MutableDict.as_mutable(...)`/`MutableList.as_mutable(...)` types copy the
        default into a new object per row (verified), so they are not reported, and neither are
        types imported from elsewhere nor SQLModel's `Field(default=[])` (pydantic copies it).
        """
    why_bad = """
        SQLAlchemy puts the very same object into every new row: after a flush, `a.data is
        b.data` is `True`, and both are the column's default object (verified by this rule's
        oracle test). An in-place change through one row (`a.data.append(1)`) is not even saved
        for that row (the plain JSON type does not track mutations), but it changes the shared
        default: the next row inserted stored `[1]` instead of `[]` in the oracle test. The bug
        surfaces far away from its cause, as data leaking between unrelated rows.
        """
    fix_safety = "No automatic fix yet. Replacing `[]`/`{}` with `list`/`dict` is safe."
    references = (
        "SQLAlchemy: Scalar Defaults, https://docs.sqlalchemy.org/en/20/core/defaults.html#scalar-defaults",
        "SQLAlchemy: Mutation Tracking, https://docs.sqlalchemy.org/en/20/orm/extensions/mutable.html",
    )
    invalid = (
        example('''
            from sqlalchemy import JSON
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Playlist(Base):
                __tablename__ = "playlist"
                id: Mapped[int] = mapped_column(primary_key=True)
                tracks: Mapped[list] = mapped_column(JSON, default=[])  # ORM304:56
            '''),
        example('''
            from sqlalchemy import JSON, Column, Integer
            from sqlalchemy.orm import declarative_base

            Base = declarative_base()


            class Profile(Base):
                __tablename__ = "profile"
                id = Column(Integer, primary_key=True)
                settings = Column(JSON, nullable=False, default=dict())  # ORM304:53
            '''),
    )
    valid = (
        example('''
            from sqlalchemy import JSON
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Playlist(Base):
                __tablename__ = "playlist"
                id: Mapped[int] = mapped_column(primary_key=True)
                tracks: Mapped[list] = mapped_column(JSON, default=list)
                settings: Mapped[dict] = mapped_column(JSON, default=dict)
            '''),
        example('''
            from sqlalchemy import JSON
            from sqlalchemy.ext.mutable import MutableDict
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Profile(Base):
                __tablename__ = "profile"
                id: Mapped[int] = mapped_column(primary_key=True)
                settings: Mapped[dict] = mapped_column(MutableDict.as_mutable(JSON), default={})
            '''),
    )

    def check(self, model: FileModel) -> Iterator[Violation]:
        for column in runtime_columns(model):
            if column.constructor == "sqlmodel.Field":
                continue
            for keyword, node in python_defaults(column):
                kind = mutable_default(node, model)
                if kind is None or not shares_default_objects(column.type_expr, model):
                    continue
                code = node_source(model, node)
                empty = (
                    isinstance(node, (cst.List, cst.Dict)) and not node.elements
                ) or (isinstance(node, cst.Call) and not node.args)
                fix = kind if empty and kind in ("list", "dict", "set", "bytearray") else (
                    f"lambda: {short(code, 48)}"
                )
                yield self.violation(
                    node, keyword=keyword, expr=short(code), kind=kind, fix=fix
                )
