"""Where a model writes a constraint without a name (ORM407), read from the libcst model and
placed with the `ast` tree's positions, as the rest of the facts are: the libcst calls and the
`ast` calls of one column (or of one `__table_args__` tuple, one `Table()`) line up in order."""

from __future__ import annotations

import ast
from typing import Callable, Sequence

import libcst as cst

from ormlint.facts import Location
from ormlint.model.extract import keyword_args, positional_args
from ormlint.model.names import ImportTable, string_value
from ormlint.model.types import ColumnDecl

Located = Callable[[ast.AST], "Location | None"]
Sites = tuple[tuple[str, Location], ...]

# SQLAlchemy's constraints that take `name=`; the position of a positional name, if any.
_CONSTRAINTS = {"UniqueConstraint": None, "CheckConstraint": 1, "ForeignKeyConstraint": 2}


def _last_name(func: cst.BaseExpression | ast.expr) -> str | None:
    if isinstance(func, cst.Name):
        return func.value
    if isinstance(func, cst.Attribute):
        return func.attr.value
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _named(call: cst.Call, name_position: int | None) -> bool:
    """Does the call give the constraint a name (or may it, through `*args`/`**kwargs`)?"""
    if any(arg.star for arg in call.args):
        return True
    name = keyword_args(call).get("name")
    if name is not None:
        return not (isinstance(name.value, cst.Name) and name.value.value == "None")
    return name_position is not None and len(positional_args(call)) > name_position


def _same_shape(cst_items: Sequence[cst.BaseExpression], ast_items: Sequence[ast.expr]) -> bool:
    return len(cst_items) == len(ast_items) and all(
        isinstance(c, cst.Call) == isinstance(a, ast.Call)
        and (not isinstance(c, cst.Call) or _last_name(c.func) == _last_name(a.func))
        for c, a in zip(cst_items, ast_items)
    )


def item_sites(
    items: Sequence[cst.BaseExpression], ast_items: Sequence[ast.expr], imports: ImportTable,
    located: Located,
) -> Sites:
    """The unnamed UniqueConstraint/CheckConstraint/ForeignKeyConstraint among the items of a
    `__table_args__` tuple or of a `Table()` call (`ast_items`: the same items in the `ast`
    tree; nothing when the two do not line up)."""
    if not _same_shape(items, ast_items):
        return ()
    found = []
    for item, ast_item in zip(items, ast_items):
        if not isinstance(item, cst.Call):
            continue
        symbol = imports.symbol(item.func)
        if symbol in _CONSTRAINTS and not _named(item, _CONSTRAINTS[symbol]):
            where = located(ast_item)
            if where is not None:
                found.append((f"`{symbol}(...)`", where))
    return tuple(found)


def column_sites(column: ColumnDecl, call: ast.AST | None, imports: ImportTable, located: Located) -> Sites:
    """The unnamed constraints a column writes: `unique=True` (not with `index=True`, which makes
    a unique index the default convention names), `ForeignKey(...)`, SQLModel's
    `Field(foreign_key=...)` and `CheckConstraint(...)`. `call`: the column's call in the `ast`
    tree (None: not known, nothing is reported)."""
    if not isinstance(call, ast.Call) or _last_name(call.func) != _last_name(column.node.func):
        return ()
    if any(arg.star for arg in column.node.args):
        return ()  # **kwargs may hold a name, `index=True`, ...
    found = []
    keywords = {k.arg: k for k in call.keywords if k.arg is not None}
    if column.unique is True and column.index is not True and "unique" in keywords:
        where = located(keywords["unique"])
        if where is not None:
            found.append(("`unique=True`", where))
    if column.constructor == "sqlmodel.Field" and "foreign_key" in keywords:
        target = column.kwargs.get("foreign_key")
        if target is not None and string_value(target.value) is not None:
            where = located(keywords["foreign_key"])
            if where is not None:
                found.append(("`Field(foreign_key=...)`", where))
    items = [a.value for a in column.node.args if a.keyword is None]
    ast_items = list(call.args)
    if _same_shape(items, ast_items):
        for item, ast_item in zip(items, ast_items):
            if not isinstance(item, cst.Call):
                continue
            symbol = imports.symbol(item.func)
            kind = "ForeignKey" if symbol == "ForeignKey" else symbol if symbol == "CheckConstraint" else None
            if kind is not None and not _named(item, _CONSTRAINTS.get(kind)):
                where = located(ast_item)
                if where is not None:
                    found.append((f"`{kind}(...)`", where))
    return tuple(found)
