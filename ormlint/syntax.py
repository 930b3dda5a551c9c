"""CPython's `ast` tree of a file: quietly, and for syntax newer than the running Python.

`parse_python` is `ast.parse` without the warnings the user's code may raise while compiling
(invalid escape sequences: not ormlint's to report). `newer_syntax_tree` reads a file written in
syntax newer than the running Python. The engine needs CPython's tree of a file to narrow the libcst parse (ormlint/narrow.py) and to
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
original text. Anything else (a parameter list over several lines, PEP 701 f-strings) gives no
tree, and the file is parsed whole as before; for f-strings, `tree_without_fstrings` then reads
the whole parse's f-strings as plain strings of the same shape, so findings and facts keep their
places.

Lines are found with a regular expression and only they are tokenized (the tokenizer is pure
Python, the file's remaining lines do not need it). A match inside a multi-line string is
rewritten too: it stays a string, which ormlint never reads from this tree.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
import unicodedata
import warnings
from collections import deque
from typing import Any, Iterator

_OPENING = {"(": ")", "[": "]", "{": "}"}
_CANDIDATE = re.compile(
    r"^[ \t]*(?:(?:async[ \t]+)?(?:class|def)[ \t]+\w+[ \t]*\[|type[ \t]+\w+[ \t]*[=\[]|except\b)",
    re.MULTILINE,
)


# Python's own line breaks (str.splitlines also breaks at \f, \v, \x1c-\x1e, \x85, \u2028...,
# which are not line ends for the tokenizer and would shift every line number after them).
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def python_lines(text: str) -> list[str]:
    """The lines of `text` as Python numbers them, each with its line end."""
    return _LINE.findall(text)


_FIRST_NEWLINE = re.compile(r"\r\n|\r|\n")
_BARE_LF = re.compile(r"(?<!\r)\n")


def newline_of(text: str) -> str:
    """The file's newline: its first line end, as libcst takes it ("\n" when it has none)."""
    found = _FIRST_NEWLINE.search(text)
    return found.group() if found else "\n"


def with_newline(text: str, newline: str) -> str:
    """`text` (written with "\n", as fixes are) with each "\n" that is not part of a "\r\n"
    turned into `newline`."""
    return text if newline == "\n" or "\n" not in text else _BARE_LF.sub(newline, text)


def as_python_reads(text: str) -> str:
    """`text` with identifiers spelled as Python reads them (NFKC-normalised, as `ast` gives
    names): a name written in other Unicode forms is matched too."""
    return text if text.isascii() else unicodedata.normalize("NFKC", text)


def parse_python(source: str) -> ast.Module:
    """`ast.parse(source)`, silently; raises as it does (SyntaxError, ValueError for null bytes,
    RecursionError, MemoryError)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(source)


def newer_syntax_tree(source: str) -> ast.Module | None:
    """`ast.parse` of the same-shape rewrite of `source`, or None when there is none."""
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement) as offsets in `source`
    for match in _CANDIDATE.finditer(source):
        begin = match.start()
        end = source.find("\n", begin)
        line = source[begin : len(source) if end == -1 else end + 1]
        try:
            edits += [(begin + a, begin + b, text) for a, b, text in _line_edits(line)]
        except (tokenize.TokenError, SyntaxError, StopIteration):
            continue  # no rewrite for this line: if it needed one, the parse below says so
    if not edits:
        return None
    for start, end, text in sorted(edits, reverse=True):
        source = source[:start] + text + source[end:]
    try:
        return parse_python(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def tree_without_fstrings(module: Any, source: str) -> ast.Module | None:
    """`ast.parse` of `source` with every f-string that libcst found in `module` (its tree of the
    whole text) turned into a plain string of the same lines and length: the tree of a file in
    PEP 701 f-string syntax (quotes reused inside `{...}`, Python 3.12) on an older Python, for
    placing findings and facts. None when that does not parse either."""
    import libcst as cst

    edits: list[tuple[int, int, str]] = []
    cursor = 0
    for node in _outermost(module, cst.FormattedString):
        text = module.code_for_node(node)
        start = source.find(text, cursor)
        if start < 0:
            return None
        cursor = start + len(text)
        quote = '"""' if len(text) >= 6 and "\n" in text else '"'
        body = "".join(c if c in "\r\n" else " " for c in text[len(quote) : len(text) - len(quote)])
        edits.append((start, cursor, quote + body + quote))
    if not edits:
        return None
    for start, end, replacement in reversed(edits):
        source = source[:start] + replacement + source[end:]
    try:
        return parse_python(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _outermost(node: Any, kind: type) -> Iterator[Any]:
    """The nodes of `kind` under `node` that no other node of `kind` holds, in source order."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, kind):
            yield current
            continue
        stack.extend(reversed(current.children))


def _line_edits(line: str) -> list[tuple[int, int, str]]:
    """The rewrite of one line as (start column, end column, replacement)."""
    tokens = _tokens(line)
    keyword = next(tokens)
    if keyword.string == "async":
        keyword = next(tokens)
    if keyword.string == "except":
        return _bracketed_exceptions(tokens)
    next(tokens)  # the name
    opening = next(tokens)
    if keyword.string == "type" and opening.string == "=":
        # Two names in a row are never valid before 3.12. Same length, same columns.
        return [(keyword.start[1], keyword.end[1], "_ = ")]
    closing = _closing(opening, tokens)
    blank = (opening.start[1], closing.end[1], " " * (closing.end[1] - opening.start[1]))
    if keyword.string == "type":
        return [(keyword.start[1], keyword.end[1], "_ = "), blank]
    return [blank]


def _tokens(line: str):
    for token in tokenize.generate_tokens(io.StringIO(line).readline):
        if token.type not in (tokenize.INDENT, tokenize.DEDENT, tokenize.COMMENT, tokenize.NL):
            yield token


def _closing(opening: tokenize.TokenInfo, tokens) -> tokenize.TokenInfo:
    """The bracket that closes `opening` on the same line (a TokenError at the line's end)."""
    depth = 1
    for token in tokens:
        if token.type == tokenize.OP and token.string in _OPENING:
            depth += 1
        elif token.type == tokenize.OP and token.string in _OPENING.values():
            depth -= 1
            if depth == 0:
                return token
        elif token.type in (tokenize.NEWLINE, tokenize.ENDMARKER):
            break
    raise SyntaxError("a type parameter list over several lines")


def _bracketed_exceptions(tokens) -> list[tuple[int, int, str]]:
    """`except A, B:` (or `except* A, B:`) -> brackets around the types, when a comma at the
    top level says they are a bare tuple."""
    first = next(tokens)
    if first.string == "*":
        first = next(tokens)
    if first.string == ":":
        return []
    depth = 0
    comma = False
    last = first
    token = first
    while True:
        if token.type == tokenize.OP and token.string in _OPENING:
            depth += 1
        elif token.type == tokenize.OP and token.string in _OPENING.values():
            depth -= 1
        elif depth == 0 and token.string == ",":
            comma = True
        elif depth == 0 and token.string in (":", "as"):
            break
        elif token.type in (tokenize.NEWLINE, tokenize.ENDMARKER):
            return []
        last = token
        token = next(tokens)
    if not comma:
        return []
    return [(last.end[1], last.end[1], ")"), (first.start[1], first.start[1], "(")]


def statements_breadth_first(tree: ast.AST) -> Iterator[ast.AST]:
    """The statements (and except/case clauses) of a tree in `ast.walk`'s order, without
    visiting expressions (no expression holds a statement): a fraction of a full walk's cost."""
    queue = deque([tree])
    while queue:
        node = queue.popleft()
        yield node
        for name in _BLOCKS:  # in the order of the nodes' _fields, as ast.walk visits them
            value = getattr(node, name, None)
            if value:
                queue.extend(value)


# Where statements (and except/case clauses) hold statements; nothing else in a tree does.
_BLOCKS = ("body", "handlers", "orelse", "finalbody", "cases")
