"""The data changes in an SQL text a revision executes: UPDATE, DELETE and INSERT statements,
their table, and whether an UPDATE or DELETE reaches every row. Read at the top level of each
statement only: a WHERE inside a subquery, a CTE or a function body limits nothing of the
statement's own rows. What cannot be read for certain gives no statement (silence)."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class DataStatement:
    kind: str  # "UPDATE", "DELETE" or "INSERT"
    table: str  # as written, unquoted (`schema.table` when qualified)
    every_row: bool  # an UPDATE or DELETE that nothing limits (no WHERE, FROM/USING, JOIN, LIMIT)
    from_select: bool  # an INSERT ... SELECT (its cost grows with the rows it reads)
    text: str  # the statement, its whitespace collapsed

    @property
    def table_name(self) -> str:
        """The table without its schema, in lower case (as the replay names tables)."""
        return self.table.rpartition(".")[2].lower()


_DOLLAR_QUOTED = re.compile(r"\$(\w*)\$.*?\$\1\$", re.DOTALL)
_TOKEN = re.compile(
    r"""(?P<space>\s+)|(?P<comment>--[^\n]*|/\*.*?\*/)|(?P<string>'(?:[^']|'')*'|"(?:[^"]|"")*"|`[^`]*`)"""
    r"""|(?P<open>\()|(?P<close>\))|(?P<semicolon>;)|(?P<word>[A-Za-z_][\w$]*)|(?P<other>.)""",
    re.DOTALL,
)
_NAME = re.compile(r'^(?:"[^"]+"|`[^`]+`|[A-Za-z_][\w$]*)(?:\.(?:"[^"]+"|`[^`]+`|[A-Za-z_][\w$]*))*')
_LIMITING = {"WHERE", "FROM", "USING", "JOIN", "LIMIT"}
_MAIN = {"UPDATE", "DELETE", "INSERT", "SELECT", "MERGE", "VALUES", "TABLE"}


def data_statements(sql: str) -> list[DataStatement] | None:
    """The UPDATE, DELETE and INSERT statements of `sql` (other statements are left out); None
    when the text cannot be read (an unbalanced quote, parenthesis or dollar-quoted body)."""
    sql = _DOLLAR_QUOTED.sub("''", sql)
    if re.search(r"\$\w*\$", sql):
        return None
    # (kind, text, depth, offset) per token, per statement
    statements: list[list[tuple[str, str, int, int]]] = [[]]
    depth = 0
    for match in _TOKEN.finditer(sql):
        kind, text = match.lastgroup, match.group()
        if kind in ("space", "comment"):
            continue
        if kind == "other" and text in "'\"`":
            return None  # a quote that does not close
        if kind == "open":
            depth += 1
        elif kind == "close":
            depth -= 1
            if depth < 0:
                return None
        elif kind == "semicolon" and depth == 0:
            statements.append([])
            continue
        statements[-1].append((kind, text, depth if kind != "open" else depth - 1, match.start()))
    if depth != 0:
        return None
    found = []
    for tokens in statements:
        statement = _statement(sql, tokens)
        if statement is not None:
            found.append(statement)
    return found


def _statement(sql: str, tokens: list[tuple[str, str, int, int]]) -> DataStatement | None:
    top = [(i, text.upper()) for i, (kind, text, depth, _) in enumerate(tokens) if depth == 0 and kind == "word"]
    if not top:
        return None
    start = 0
    if top[0][1] == "WITH":
        start = next((n for n, (_, word) in enumerate(top) if word in _MAIN), len(top))
    if start >= len(top) or top[start][1] not in ("UPDATE", "DELETE", "INSERT"):
        return None
    kind = top[start][1]
    position = top[start][0] + 1
    expected = {"UPDATE": None, "DELETE": "FROM", "INSERT": "INTO"}[kind]
    words = [word for _, word in top[start + 1:]]
    if expected is not None:
        if not words or words[0] != expected:
            return None  # `DELETE t1 FROM ...`, `INSERT t VALUES` (MySQL): not read
        position, words = top[start + 1][0] + 1, words[1:]
    if position >= len(tokens):
        return None
    rest = sql[tokens[position][3]:]
    while True:
        name = _NAME.match(rest)
        if name is None:
            return None
        if name.group().upper() == "ONLY":
            rest = rest[name.end():].lstrip(" ")
            continue
        break
    table = name.group().replace('"', "").replace("`", "")
    if kind == "UPDATE" and table.upper() in ("LOW_PRIORITY", "IGNORE"):
        return None
    after = set(words)
    text = " ".join(sql[tokens[0][3]:tokens[-1][3] + len(tokens[-1][1])].split())
    every_row = kind != "INSERT" and not (after & _LIMITING)
    return DataStatement(kind, table, every_row, kind == "INSERT" and "SELECT" in after, text)
