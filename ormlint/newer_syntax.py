"""An `ast` tree for a file written in syntax newer than the running Python.

The engine needs CPython's tree of a file to narrow the libcst parse (ormlint/narrow.py) and to
place findings and facts. On an older interpreter `ast.parse` rejects syntax that libcst reads:
type parameters (`class A[T]:`, `def f[T]():`) and `type X = ...` (Python 3.12), and
`except A, B:` without brackets (3.14). Such a file used to be parsed whole by libcst and its
facts had no positions. Instead, a rewrite that keeps every line, and every column outside the
rewritten headers, is parsed by `ast`:

- a type parameter list on one line becomes spaces: `class A[T](Base):` -> `class A   (Base):`;
- `type X = ...` becomes a chained assignment in the same columns: `_ =  X = ...`;
- `except A, B:` becomes `except(A, B):` (only that header's columns move; ormlint reads
  nothing there).

The tree only says where statements, classes and their assignments are; libcst still reads the
original text. Anything else (a multi-line parameter list, PEP 701 f-strings, which this
interpreter cannot even tokenize) gives no tree, and the file is parsed whole as before.
"""

from __future__ import annotations

import ast
import io
import tokenize
import warnings

_OPENING = {"(": ")", "[": "]", "{": "}"}
_STATEMENT_START = (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING)


def newer_syntax_tree(source: str) -> ast.Module | None:
    """`ast.parse` of the same-shape rewrite of `source`, or None when there is none."""
    try:
        tokens = [
            t for t in tokenize.generate_tokens(io.StringIO(source).readline)
            if t.type not in (tokenize.COMMENT, tokenize.NL)
        ]
        edits = _edits(tokens)
    except (tokenize.TokenError, SyntaxError, IndexError):
        return None
    if not edits:
        return None
    lines = source.splitlines(keepends=True)
    for line, start, end, text in sorted(edits, reverse=True):
        current = lines[line - 1]
        lines[line - 1] = current[:start] + text + current[end:]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse("".join(lines))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _edits(tokens: list[tokenize.TokenInfo]) -> list[tuple[int, int, int, str]]:
    """(line, start column, end column, replacement) for each rewrite, non-overlapping."""
    edits = []
    for i, token in enumerate(tokens):
        if token.type != tokenize.NAME or i + 2 >= len(tokens):
            continue
        after, second = tokens[i + 1], tokens[i + 2]
        at_start = i == 0 or tokens[i - 1].type in _STATEMENT_START or tokens[i - 1].string == ";"
        if token.string in ("class", "def") and after.type == tokenize.NAME and second.string == "[":
            edits.append(_blank_brackets(tokens, i + 2))
        elif (
            token.string == "type" and at_start and after.type == tokenize.NAME
            and second.string in ("=", "[")
        ):
            # Two names in a row: never valid before 3.12. Same length, same columns.
            edits.append((token.start[0], token.start[1], token.end[1], "_ = "))
            if second.string == "[":
                edits.append(_blank_brackets(tokens, i + 2))
        elif token.string == "except" and at_start:
            edits.extend(_bracketed_exceptions(tokens, i))
    return edits


def _blank_brackets(tokens: list[tokenize.TokenInfo], opening: int) -> tuple[int, int, int, str]:
    closing = _matching(tokens, opening)
    start, end = tokens[opening].start, tokens[closing].end
    if start[0] != end[0]:
        raise SyntaxError("a type parameter list over several lines")
    return start[0], start[1], end[1], " " * (end[1] - start[1])


def _matching(tokens: list[tokenize.TokenInfo], opening: int) -> int:
    depth = 0
    for j in range(opening, len(tokens)):
        text = tokens[j].string
        if tokens[j].type == tokenize.OP and text in _OPENING:
            depth += 1
        elif tokens[j].type == tokenize.OP and text in _OPENING.values():
            depth -= 1
            if depth == 0:
                return j
    raise SyntaxError("unbalanced brackets")


def _bracketed_exceptions(tokens: list[tokenize.TokenInfo], at: int) -> list[tuple[int, int, int, str]]:
    """`except A, B:` (or `except* A, B:`) -> brackets around the types, when a comma at the
    top level says they are a bare tuple."""
    first = at + 1
    if tokens[first].string == "*":
        first += 1
    depth = 0
    comma = False
    for j in range(first, len(tokens)):
        token = tokens[j]
        if token.type == tokenize.OP and token.string in _OPENING:
            depth += 1
        elif token.type == tokenize.OP and token.string in _OPENING.values():
            depth -= 1
        elif depth == 0 and token.string == ",":
            comma = True
        elif depth == 0 and token.string in (":", "as"):
            begin, end = tokens[first].start, tokens[j - 1].end
            if not comma or begin[0] != end[0]:
                return []
            return [(end[0], end[1], end[1], ")"), (begin[0], begin[1], begin[1], "(")]
        elif token.type == tokenize.NEWLINE:
            return []
    return []
