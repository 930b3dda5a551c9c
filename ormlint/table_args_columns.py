"""Columns named by attribute in the indexes and constraints of a class's `__table_args__`
(`Index("ix", User.email)`): what ORM406 judges, in one file (the rule reads the file's
classes) and across files (the facts record the references to imported classes, and the rule
finds their tables in the project index)."""

from __future__ import annotations

import ast
from typing import Callable, Iterator

import libcst as cst

from ormlint.facts import BaseRef, Location, TableArgsColumn
from ormlint.model.names import dotted_name, string_value, syntax_children
from ormlint.model.types import FileModel, ModelClass

# What each kind of table item takes its own table's columns from: positional arguments from
# this one on, and these keywords. ForeignKeyConstraint's second argument (`refcolumns`) names
# the other table on purpose.
COLUMN_ARGUMENTS = {
    "Index": (1, ()),
    "UniqueConstraint": (0, ()),
    "CheckConstraint": (0, ("sqltext",)),
    "ForeignKeyConstraint": (0, ("columns",)),
}


# where SQLAlchemy's own names come from (`func`, `text`): no class of the project
_LIBRARIES = ("sqlalchemy", "sqlmodel", "flask_sqlalchemy")


def column_attributes(item: cst.Call, what: str) -> Iterator[cst.Attribute]:
    """The attribute expressions (`User.email`, `User.__table__.c.email`, `t.c.id`, and the
    `User.email` inside `User.email.desc`), outermost first, in the arguments where the item
    of kind `what` takes its own table's columns; not inside lambdas."""
    first, keywords = COLUMN_ARGUMENTS[what]
    positional = [arg for arg in item.args if arg.keyword is None and not arg.star]
    if what in ("CheckConstraint", "ForeignKeyConstraint"):
        positional = positional[:1]  # the expression / the local columns
    values = [arg.value for arg in positional[first:]] + [
        arg.value for arg in item.args
        if arg.keyword is not None and arg.keyword.value in keywords
    ]
    stack: list[cst.CSTNode] = list(reversed(values))
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Lambda):
            continue
        if isinstance(node, cst.Attribute):
            yield node
        stack.extend(reversed(syntax_children(node)))


def class_column_reference(dotted: str) -> tuple[str, str, bool] | None:
    """(class, column, via_table) for `User.email` (an attribute) or `User.__table__.c.email`
    (a column name); None for any other shape."""
    parts = dotted.split(".")
    if len(parts) == 2:
        return parts[0], parts[1], False
    if len(parts) == 4 and parts[1] == "__table__" and parts[2] in ("c", "columns"):
        return parts[0], parts[3], True
    return None


def imported_class_columns(
    model: FileModel, cls: ModelClass, origins: dict[str, str], ast_items: list[ast.expr] | None,
    located: Callable[[ast.AST | None], Location | None],
) -> tuple[TableArgsColumn, ...]:
    """ClassFacts.table_args_imported_columns: the columns of classes imported with `from X
    import User` that the class's `__table_args__` tuple builds indexes and constraints from.
    `origins`: local name -> module path (without `.py`) of the module-level import that bound
    it; `ast_items`: the tuple's items in the `ast` tree (for locations)."""
    if cls.table_args.shape != "tuple" or cls.tablename is None or cls.has_table:
        return ()
    if ast_items is None or len(ast_items) != len(cls.table_args.items):
        return ()
    bound_in_body = {assignment.attr for assignment in cls.assignments}
    found = []
    for number, (item, starred, ast_item) in enumerate(zip(cls.table_args.items, cls.table_args.starred, ast_items)):
        if starred or not isinstance(item, cst.Call):
            continue
        what = model.imports.symbol(item.func)
        if what not in COLUMN_ARGUMENTS:
            continue
        for node in column_attributes(item, what):
            dotted = dotted_name(node)
            reference = class_column_reference(dotted) if dotted else None
            if reference is None:
                continue
            head, column, via_table = reference
            if head in bound_in_body or head not in origins or model.class_named(head) is not None:
                continue
            qualified = model.imports.qualify(head) or ""
            if not qualified.endswith("." + head) or qualified.partition(".")[0] in _LIBRARIES:
                continue  # `import ... as` another name (not followed), `func.lower`
            where = _ast_attribute(ast_item, dotted) if dotted else None
            location = located(where)
            if location is None:
                continue
            first = 1 if what == "Index" else 0
            named = tuple(
                text for a in item.args[first:]
                if a.keyword is None and (text := string_value(a.value)) is not None
            )
            index_name = string_value(item.args[0].value) if what == "Index" and item.args else None
            found.append(TableArgsColumn(
                what, BaseRef(head, origins[head]), column, via_table, dotted, named,
                index_name, location, number,
            ))
    return tuple(found)


def _ast_attribute(ast_item: ast.expr, dotted: str) -> ast.AST | None:
    """The first attribute expression of `ast_item` that reads `dotted`."""
    for node in ast.walk(ast_item):
        if isinstance(node, ast.Attribute):
            try:
                if ast.unparse(node) == dotted:
                    return node
            except (ValueError, RecursionError):
                return None
    return None
