"""The statements a block runs, read from libcst trees: a compound statement's blocks, a
function's statements outside the functions and classes it defines, its `return` values, whether
it yields. The extractor reads class and function bodies with these, and the model's
`ModuleFunction` answers a rule's question about a helper's body with them."""

from __future__ import annotations

from typing import Iterator, Sequence

import libcst as cst

from ormlint.model.names import syntax_children


def blocks(stmt: cst.CSTNode) -> Iterator[Sequence[cst.CSTNode]]:
    """The statement lists of a compound statement (body, handlers, else, finally)."""
    body = getattr(stmt, "body", None)
    if isinstance(body, cst.IndentedBlock):
        yield body.body
    for handler in getattr(stmt, "handlers", ()) or ():
        if isinstance(handler.body, cst.IndentedBlock):
            yield handler.body.body
    orelse = getattr(stmt, "orelse", None)
    if isinstance(orelse, cst.If):
        yield [orelse]
    elif orelse is not None and isinstance(orelse.body, cst.IndentedBlock):
        yield orelse.body.body
    final = getattr(stmt, "finalbody", None)
    if final is not None and isinstance(final.body, cst.IndentedBlock):
        yield final.body.body


def return_values(func: cst.FunctionDef) -> tuple[cst.BaseExpression | None, ...]:
    return tuple(
        stmt.value for stmt in function_statements(func.body) if isinstance(stmt, cst.Return)
    )


def is_generator(func: cst.FunctionDef) -> bool:
    stack: list[cst.CSTNode] = [func.body]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Yield):
            return True
        if isinstance(node, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
            continue
        stack.extend(syntax_children(node))
    return False


def function_statements(body: cst.BaseSuite) -> Iterator[cst.CSTNode]:
    """The simple statements a function body runs, in nested blocks too, outside the functions
    and classes it defines."""
    if isinstance(body, cst.SimpleStatementSuite):
        yield from body.body
        return
    yield from block_statements(body.body)


def block_statements(stmts: Sequence[cst.CSTNode]) -> Iterator[cst.CSTNode]:
    for stmt in stmts:
        if isinstance(stmt, cst.SimpleStatementLine):
            yield from stmt.body
        elif isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
            continue
        else:
            for block in blocks(stmt):
                yield from block_statements(block)
