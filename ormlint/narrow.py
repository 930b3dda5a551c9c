"""A narrowed parse: function bodies no rule reads are blanked before libcst sees the text.

libcst's parse is most of ormlint's time, and most of a model file's text is method bodies, service
functions and queries, which the extractor never walks (see ormlint/model/extract.py). The `ast`
tree the engine already has says where every body is; a body that nothing can read is replaced by
`pass` (one line) or by one string literal spanning exactly its lines, so every other line keeps
its number and every column its offset. Findings and fix edits are positions in the libcst tree applied to the ORIGINAL
text, so they are the same with and without narrowing (tests/test_narrow.py proves it on every
rule example and fixture).

Where ormlint reads a function body today, and how a body that may be read is kept. The model
extractor's reads are kept whatever rules run; a rule's reads beyond them are kept while a rule
that declares them is selected (`Rule.reads_bodies_matching` and `Rule.reads`, copied to
`ormlint.codes` by scripts/generate_rules.py): this module names no rule.

- module-level functions: the extractor collects `Column(...)`/`mapped_column(...)` calls in them
  (Alembic's upgrade(), column factories): kept when the body names a column constructor (or an
  import alias of one);
- `ModuleFunction` records their `return` values and `yield`, which a rule that declares
  MODULE_FUNCTION_RETURNS looks up by name for a call such as `default=utcnow()`: kept, while
  such a rule is selected, when the body says `return` or `yield` and the function's name is
  written in the narrowed text outside its `def` (a call in a blanked body is one no rule
  evaluates);
- `declared_attr` functions (columns, relationships, `__tablename__`): kept when a decorator names
  `declared_attr` or an import alias of it;
- bodies that match a selected rule's `reads_bodies_matching` (hashing or encrypting
  identifiers in a model's methods, say);
- and, not read today but cheap insurance against a reader added later: bodies that mention
  relationships, `declared_attr`, `__tablename__`, `__table_args__`, SQLAlchemy or SQLModel by
  name, or define a class.

The markers are matched against the body's raw text (strings and comments included), a superset
of the identifiers in it: a stray word only keeps a body, it can never blank one that matters.

One intended difference: a file that libcst cannot parse only inside a blanked body (syntax newer
than libcst knows) is analysed instead of giving ORM999.
"""

from __future__ import annotations

import ast
import functools
import gc
import re
from collections import Counter
from typing import Collection, Iterable, Iterator

import libcst as cst

from ormlint.codes import BODY_PATTERNS, MODULE_FUNCTION_RETURNS, RULE_READS
from ormlint.syntax import as_python_reads, python_lines

# Names whose calls or decorators the extractor resolves inside a body (by import, so an alias
# counts too: see _alias_spellings), and words kept as insurance.
READ_NAMES = ("Column", "mapped_column", "relationship", "relation", "Relationship", "declared_attr")
INSURANCE_MARKERS = ("__tablename__", "__table_args__", "sqlalchemy", "sqlmodel")
# Only module-level functions have their returns recorded (ModuleFunction.returns/is_generator),
# and only for a call by name in this file to look up (`default=utcnow()`), which decorated and
# async functions never qualify for (MODULE_FUNCTION_RETURNS: plain functions only).
MODULE_FUNCTION_MARKERS = ("return", "yield")

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


def parse_module(source: str) -> cst.Module:
    """`libcst.parse_module`, without the two costs that buy nothing for a tree the parser builds
    from text: every node's `__post_init__` validation (libcst's own comment on it: "It might make
    more sense to move validation work into the visitor, which would allow us to avoid validating
    the tree when parsing a file") and the cyclic garbage collector, which scans the new nodes
    while they are built although a syntax tree holds no cycles. About a fifth of the parse;
    tests/test_narrow.py proves the trees equal. Nodes built outside this call (rules' fixes)
    are validated as usual."""
    node_class = cst.CSTNode
    validate = node_class.__dict__.get("__post_init__")
    collecting = gc.isenabled()
    if validate is not None:
        node_class.__post_init__ = _no_validation  # type: ignore[method-assign]
    gc.disable()
    try:
        return cst.parse_module(source)
    finally:
        if validate is not None:
            node_class.__post_init__ = validate  # type: ignore[method-assign]
        if collecting:
            gc.enable()


def _no_validation(self: cst.CSTNode) -> None:
    pass


def parse_narrowed(source: str, tree: ast.Module, codes: Collection[str] | None = None) -> cst.Module:
    """libcst's tree of `source` with the unread bodies blanked (its nodes have the positions
    they have in `source`). `tree` is `ast.parse(source)`; `codes`: the selected rules (default:
    all), whose declared reads are kept."""
    narrowed = narrowed_text(source, tree, codes)
    if narrowed is not source:
        try:
            return parse_module(narrowed)
        except Exception:
            pass  # whether the file parses is for its whole text to say
    return parse_module(source)


def narrowed_text(source: str, tree: ast.Module, codes: Collection[str] | None = None) -> str:
    """`narrowed_source` for the selected rules `codes` (default: all); `source` itself when its
    statements nest beyond the interpreter's limit."""
    patterns = [p for code, p in BODY_PATTERNS.items() if codes is None or code in codes]
    returns = any(
        MODULE_FUNCTION_RETURNS in reads
        for code, reads in RULE_READS.items() if codes is None or code in codes
    )
    try:
        return narrowed_source(source, tree, patterns, returns)
    except RecursionError:
        return source


def narrowed_source(
    source: str, tree: ast.Module, body_patterns: Collection[re.Pattern[str]] | None = None,
    module_function_returns: bool = True,
) -> str:
    """`source` with the bodies no rule reads blanked: same number of lines, and every line
    outside a blanked body unchanged. `tree` is `ast.parse(source)`; `body_patterns`: the
    bodies the selected rules read beyond model code (default: every rule's);
    `module_function_returns`: a selected rule reads MODULE_FUNCTION_RETURNS."""
    patterns = tuple(BODY_PATTERNS.values()) if body_patterns is None else tuple(body_patterns)
    if "\r" in source.replace("\r\n", ""):
        return source  # a lone \r: let libcst see the text as it is written
    aliases = _alias_spellings(tree.body)
    # A module-level function whose returns a rule may read is kept when the narrowed text
    # calls it by name; keeping one reveals its body, which may name another (hence the rounds).
    called: set[int] = set()
    while True:
        markers = _Markers(aliases, patterns, called, module_function_returns)
        narrowed = _narrowed(source, tree, markers)
        if not markers.helpers:
            return narrowed
        words = Counter(_WORD.findall(as_python_reads(narrowed)))
        # More than once: its own `def` line stays in the narrowed text.
        more = {f.lineno for f in markers.helpers if words[f.name] > 1}
        if not more:
            return narrowed
        called |= more


def _narrowed(source: str, tree: ast.Module, markers: "_Markers") -> str:
    lines = python_lines(source)
    newline = "\n" if "\r" not in source else None
    blanked = False
    for first, last, header in _blankable_bodies(tree.body, lines, markers, module_level=True):
        line = lines[first - 1]
        indent = line[: len(line) - len(line.lstrip(" \t\f"))]
        if header is not None:
            _blank_definition(lines, header, last, newline)
        elif first == last:
            lines[first - 1] = indent + "pass" + _line_end(line)
        else:
            # One string spanning the body's lines: one token and one node for libcst, where
            # `pass` and empty lines cost a node per line (about 6% of the narrowed parse).
            lines[first - 1] = indent + '"""' + _line_end(line)
            _empty_lines(lines, first + 1, last - 1, newline)
            lines[last - 1] = '"""' + _line_end(lines[last - 1])
        blanked = True
    return "".join(lines) if blanked else source


def _blank_definition(
    lines: list[str], header: tuple[int, int, int], last: int, newline: str | None
) -> None:
    """The whole function from its first decorator to `last`: `@_` for the decorators (`@_(\"\"\"`
    ... `\"\"\")` when they span lines: one string, not a node per empty line), and
    `def name(): \"\"\"` ... `\"\"\"` with the name where it was (a rule may point at it)."""
    start, def_line, name_end = header
    definition = lines[def_line - 1]
    indent = definition[: len(definition) - len(definition.lstrip(" \t\f"))]
    _empty_lines(lines, start, def_line - 1, newline)
    _empty_lines(lines, def_line + 1, last, newline)
    if start == def_line - 1:
        lines[start - 1] = indent + "@_" + lines[start - 1]
    elif start < def_line:
        lines[start - 1] = indent + '@_("""' + lines[start - 1]
        lines[def_line - 2] = '""")' + lines[def_line - 2]
    lines[def_line - 1] = definition[:name_end] + '(): """' + _line_end(definition)
    lines[last - 1] = '"""' + lines[last - 1]


def _empty_lines(lines: list[str], first: int, last: int, newline: str | None) -> None:
    """Lines `first`..`last` (1-based, inclusive) keep only their line ends. `newline`: the one
    line end every line of the file but its last has, when there is one."""
    if first > last:
        return
    if newline is not None and last < len(lines):
        lines[first - 1 : last] = [newline] * (last - first + 1)
    else:
        lines[first - 1 : last] = [_line_end(line) for line in lines[first - 1 : last]]


def _line_end(line: str) -> str:
    return line[len(line.rstrip("\r\n")):]  # "\n", "\r\n" or "" (no lone "\r" gets here)


def _plain_words(pattern: re.Pattern[str]) -> tuple[str, ...]:
    """A case-insensitive alternation of plain words as those words (substring tests are several
    times faster than the pattern); () when the pattern is anything else."""
    words = tuple(pattern.pattern.lower().split("|"))
    if not (pattern.flags & re.IGNORECASE) or not all(re.escape(word) == word for word in words):
        return ()
    return words


class _Markers:
    """Does a piece of text mention something that makes ormlint read the body it is in?"""

    def __init__(
        self, aliases: set[str], body_patterns: Collection[re.Pattern[str]] = (),
        called: Collection[int] = (), module_function_returns: bool = True,
    ) -> None:
        self.words = (*READ_NAMES, *INSURANCE_MARKERS)
        self.body_patterns = [(_plain_words(p), p) for p in body_patterns]
        self.aliases = (
            re.compile("|".join(rf"\b{re.escape(a)}\b" for a in sorted(aliases))) if aliases else None
        )
        # Module-level functions with a `return` or `yield` (by their `def` line), when a rule
        # reads their returns: those called in the narrowed text, kept; and those blanked that a
        # call may need (`helpers`).
        self.module_function_returns = module_function_returns
        self.called = called
        self.helpers: list[ast.FunctionDef] = []

    def found_in(self, text: str) -> bool:
        if self._found_in(text):
            return True
        # ast's names (the aliases, a def's name) are NFKC-normalised, libcst's are as written:
        # a name spelled in other Unicode forms is matched in both.
        return not text.isascii() and self._found_in(as_python_reads(text))

    def _found_in(self, text: str) -> bool:
        for word in self.words:
            # A substring test first (fast); the names are then matched as whole identifiers
            # (`Column` is not `ColumnElement`).
            if word in text and (word in INSURANCE_MARKERS or _whole_word(word).search(text)):
                return True
        if "class" in text and _CLASS_KEYWORD.search(text):
            return True
        if self.aliases is not None and self.aliases.search(text):
            return True
        lowered = text.lower() if self.body_patterns else text
        for words, pattern in self.body_patterns:
            if any(word in lowered for word in words) if words else pattern.search(text):
                return True
        return False


_CLASS_KEYWORD = re.compile(r"\bclass\b")
_WORD = re.compile(r"\w+")


@functools.lru_cache(maxsize=None)
def _whole_word(word: str) -> re.Pattern[str]:
    return re.compile(rf"\b{re.escape(word)}\b")


def _blankable_bodies(
    stmts: Iterable[ast.stmt],
    lines: list[str],
    markers: _Markers,
    module_level: bool,
) -> Iterator[tuple[int, int, tuple[int, int, int] | None]]:
    """(first line, last line, header) of each function body to blank, outermost first; the
    bodies of kept functions are searched for blankable nested functions. `header`: (first
    decorator line, `def` line, end of the name on it) when the decorators and signature can
    go too."""
    for stmt in stmts:
        if isinstance(stmt, _FUNCTIONS):
            span = _body_lines(stmt, lines)
            if span is not None and _may_blank(stmt, span, lines, markers, module_level):
                yield (*span, _blankable_header(stmt, span, lines, markers))
            else:
                yield from _blankable_bodies(stmt.body, lines, markers, False)
        elif isinstance(stmt, ast.ClassDef):
            yield from _blankable_bodies(stmt.body, lines, markers, False)
        else:
            for block in _blocks(stmt):
                yield from _blankable_bodies(block, lines, markers, module_level)


def _may_blank(
    func: ast.FunctionDef | ast.AsyncFunctionDef,
    span: tuple[int, int],
    lines: list[str],
    markers: _Markers,
    module_level: bool,
) -> bool:
    first, last = span
    text = "".join(lines[first - 1 : last])
    if markers.found_in(text):
        return False
    # A declared_attr function's body is read; its decorator names declared_attr (READ_NAMES) or
    # an import alias of it. Whole lines: a superset of the decorators' own text.
    if func.decorator_list:
        start, end = func.decorator_list[0].lineno, func.decorator_list[-1].end_lineno
        return not markers.found_in("".join(lines[start - 1 : end]))
    if (
        module_level
        and markers.module_function_returns
        and isinstance(func, ast.FunctionDef)
        and any(word in text for word in MODULE_FUNCTION_MARKERS)
    ):
        if func.lineno in markers.called:
            return False
        markers.helpers.append(func)
    return True


_DEFINITION = re.compile(r"[ \t\f]*(?:async[ \t\f]+)?def[ \t\f]+(\w+)")


def _blankable_header(
    func: ast.FunctionDef | ast.AsyncFunctionDef,
    span: tuple[int, int],
    lines: list[str],
    markers: _Markers,
) -> tuple[int, int, int] | None:
    """The decorators and signature of a function whose body is blanked go too, when they
    mention nothing ormlint reads (its decorators were checked with the body): the parameters,
    annotations and defaults are never read; the name stays, in its place. Test functions and
    endpoints have long signatures: on polar, a quarter of what was left after blanking bodies."""
    def_line = func.lineno
    match = _DEFINITION.match(lines[def_line - 1])
    if match is None or as_python_reads(match.group(1)) != func.name:
        return None  # `async` and `def` on two lines, or a `;` before the def
    if markers.found_in("".join(lines[def_line - 1 : span[0] - 1])):
        return None
    return _first_line(func), def_line, match.end(1)


def _body_lines(func: ast.FunctionDef | ast.AsyncFunctionDef, lines: list[str]) -> tuple[int, int] | None:
    """The lines of the body, when it begins a line of its own (not `def f(): return 1`, not
    after a multi-line signature's `):` on the same line)."""
    first_stmt = func.body[0]
    first, last = _first_line(first_stmt), func.body[-1].end_lineno
    if last is None or first > len(lines) or last > len(lines):
        return None
    line = lines[first - 1]
    indent = len(line) - len(line.lstrip(" \t\f"))
    if indent != first_stmt.col_offset:  # col_offset counts UTF-8 bytes; the indent is ASCII
        return None
    return first, last


def _first_line(stmt: ast.stmt) -> int:
    # A decorated def or class begins at its first decorator; its `lineno` is the `def` line.
    decorators = getattr(stmt, "decorator_list", None)
    return min([stmt.lineno] + [d.lineno for d in decorators]) if decorators else stmt.lineno


def _blocks(stmt: ast.stmt) -> Iterator[list[ast.stmt]]:
    """The statement blocks of a compound statement (if/for/while/with/try/match)."""
    for name in ("body", "orelse", "finalbody"):
        block = getattr(stmt, name, None)
        if isinstance(block, list):
            yield block
    for handler in getattr(stmt, "handlers", ()):
        yield handler.body
    for case in getattr(stmt, "cases", ()):
        yield case.body


def _alias_spellings(stmts: Iterable[ast.stmt]) -> set[str]:
    """Local names that imports bind to one of READ_NAMES under another name
    (`from sqlalchemy import Column as C`, `import sqlalchemy.orm.relationship as rel`), at
    module level, in class bodies and in their compound statements: a superset of the imports
    ormlint's import table reads."""
    aliases: set[str] = set()
    for stmt in stmts:
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            for alias in stmt.names:
                if alias.asname and alias.name.rpartition(".")[2] in READ_NAMES:
                    aliases.add(alias.asname)
        elif isinstance(stmt, ast.ClassDef):
            aliases |= _alias_spellings(stmt.body)
        elif not isinstance(stmt, _FUNCTIONS):
            for block in _blocks(stmt):
                aliases |= _alias_spellings(block)
    return aliases
