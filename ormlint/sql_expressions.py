"""SQL expressions written by hand (a CHECK condition, a `Computed` column's expression) compared
loosely, without a database: the same condition spelled with other case, spaces, parentheses or
identifier quoting has one key.

A key is the expression's tokens: keywords and unquoted identifiers lower-cased (as PostgreSQL
folds them), `"name"` unquoted when that changes nothing (all lower case), numbers by value,
`!=` as `<>`, string literals kept exactly. Parentheses are left out altogether, so two
expressions that differ only in grouping have one key: `(a OR b) AND c` and `a OR (b AND c)`
are not told apart, a difference ormlint would rather miss than report wrongly.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

ExpressionKey = tuple[str, ...]

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
    | (?P<string>[EeNn]?'(?:[^']|'')*')
    | (?P<quoted>"(?:[^"]|"")+")
    | (?P<backquoted>`[^`]+`)
    | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
    | (?P<word>[A-Za-z_][A-Za-z0-9_$]*)
    | (?P<operator>::|<>|!=|<=|>=|\|\||[-+*/%<>=~!@#^&|,.;\[\]])
    | (?P<paren>[()])
    """,
    re.VERBOSE,
)
_PLAIN_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_$]*")


def expression_key(text: str) -> ExpressionKey | None:
    """The key two spellings of one expression share; None when the text cannot be read (an
    unclosed quote, a character SQL does not use) or holds nothing."""
    tokens: list[str] = []
    position = 0
    depth = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            return None
        position = match.end()
        kind, value = match.lastgroup, match.group()
        if kind == "space":
            continue
        if kind == "paren":
            depth += 1 if value == "(" else -1
            if depth < 0:
                return None
            continue
        if kind == "string":
            if value[0] in "Nn":  # N'x' is 'x' on PostgreSQL
                value = value[1:]
            tokens.append(value if value[0] == "'" else "E" + value[1:])
        elif kind == "quoted":
            inner = value[1:-1].replace('""', '"')
            tokens.append(inner if _PLAIN_IDENTIFIER.fullmatch(inner) else value)
        elif kind == "backquoted":
            tokens.append(value[1:-1].lower())
        elif kind == "number":
            try:
                tokens.append("#" + str(Decimal(value).normalize()))
            except InvalidOperation:
                return None
        elif kind == "word":
            tokens.append(value.lower())
        else:
            tokens.append("<>" if value == "!=" else value)
    if depth != 0 or not tokens:
        return None
    return tuple(tokens)


def identifier_token(column: str) -> str:
    """How a column's name appears in a key (quoted unless it is a plain lower-case name)."""
    return column if _PLAIN_IDENTIFIER.fullmatch(column) else '"' + column.replace('"', '""') + '"'


def mentions(key: ExpressionKey, column: str) -> bool:
    """Whether the expression may name the column (as an identifier token)."""
    return identifier_token(column) in key


def with_column_renamed(key: ExpressionKey, old: str, new: str) -> ExpressionKey:
    """The key after `ALTER TABLE ... RENAME COLUMN old TO new` (the database stores the
    expression by column, so it follows the rename)."""
    before, after = identifier_token(old), identifier_token(new)
    return tuple(after if token == before else token for token in key)


def shown(text: str, limit: int = 60) -> str:
    """The expression on one line, shortened for a message."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
