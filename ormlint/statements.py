"""A libcst parse by top-level statement, remembered across lints: the language server's re-lint.

An edit in an editor changes one class of a model file; the other top-level statements read the
same as at the last lint. `StatementCache.parse` cuts the (narrowed) text at the ends of the
top-level statements the `ast` tree gives, parses each piece it has not seen before on its own,
and assembles the module from the statements. libcst nodes carry no positions (the engine places
findings by the `ast` tree, statement by statement), and what each piece says is what the whole
parse says of it: tests/test_statements.py requires the same findings, fixes and facts as the
whole parse on every fixture and rule example, and after edits.

What differs from a whole parse is only where comment and blank lines between statements are
kept (in no statement, rather than in the next one's `leading_lines`), which nothing reads. A text
whose pieces disagree on the indentation or newline libcst would use as the module's default,
or a piece that is not exactly one statement, gives None: the caller parses the whole text.
"""

from __future__ import annotations

import ast
from collections import OrderedDict

import libcst as cst

from ormlint.narrow import parse_module
from ormlint.syntax import python_lines


class StatementCache:
    """Top-level statements parsed before, by their exact text (with the lines before them).
    `capacity`: how much text (in characters) the remembered statements may add up to; the
    least recently used go first (a syntax tree takes a few hundred times its text's memory)."""

    def __init__(self, capacity: int = 400_000) -> None:
        self.capacity = capacity
        self._pieces: OrderedDict[str, tuple[cst.BaseStatement, str | None, str]] = OrderedDict()
        self._size = 0

    def parse(self, text: str, tree: ast.Module) -> cst.Module | None:
        """libcst's module of `text`, whose `ast` tree (or that of the text it was narrowed
        from: the same lines) is `tree`; None when the text cannot be taken apart safely."""
        if not tree.body or "\r" in text.replace("\r\n", ""):
            return None
        lines = python_lines(text)
        statements = []
        indents: set[str] = set()
        newlines: set[str] = set()
        start = 0
        used: set[int] = set()
        for end in _statement_ends(tree):
            if end > len(lines):
                return None
            piece = self._piece("".join(lines[start:end]))
            if piece is None:
                return None
            statement, indent, newline = piece
            if id(statement) in used:
                # The same text twice in one file: findings are keyed by node, so each place
                # needs a node of its own, as a whole parse gives.
                statement = statement.deep_clone()
            used.add(id(statement))
            statements.append(statement)
            if indent is not None:
                indents.add(indent)
            newlines.add(newline)
            start = end
        if len(indents) > 1 or len(newlines) > 1:
            return None  # libcst would read some blocks' indentation against another default
        return cst.Module(
            body=statements,
            default_indent=indents.pop() if indents else "    ",
            default_newline=newlines.pop(),
            has_trailing_newline=text.endswith(("\n", "\r")),
        )

    def _piece(self, text: str) -> tuple[cst.BaseStatement, str | None, str] | None:
        found = self._pieces.get(text)
        if found is not None:
            self._pieces.move_to_end(text)
            return found
        try:
            module = parse_module(text)
        except Exception:
            return None
        if len(module.body) != 1:
            return None
        statement = module.body[0]
        # The default indentation matters only to a statement that may hold an indented block.
        indent = module.default_indent if _has_block(statement) else None
        found = (statement, indent, module.default_newline)
        self._pieces[text] = found
        self._size += len(text)
        while self._size > self.capacity and len(self._pieces) > 1:
            evicted, _ = self._pieces.popitem(last=False)
            self._size -= len(evicted)
        return found


def _statement_ends(tree: ast.Module) -> list[int]:
    """The last line of each top-level libcst statement: `ast` statements that share a line
    (`a = 1; b = 2`) are one."""
    ends: list[int] = []
    for stmt in tree.body:
        first = min([stmt.lineno] + [d.lineno for d in getattr(stmt, "decorator_list", ())])
        end = stmt.end_lineno or stmt.lineno
        if ends and first <= ends[-1]:
            ends[-1] = max(ends[-1], end)
        else:
            ends.append(end)
    return ends


def _has_block(statement: cst.BaseStatement) -> bool:
    # A compound statement may hold an indented block (conservatively: even `if x: pass`).
    return not isinstance(statement, cst.SimpleStatementLine)
