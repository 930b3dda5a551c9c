"""Alembic revision files as plain data: the header, the operations of `upgrade()` (and of
`downgrade()`, read the same way for the migration-safety rules: `Revision.downgrade_operations`,
which the replay never reads), the graph.

`parse_revision` reads one file with libcst (after CPython's parser has accepted it) and keeps no
syntax tree: a `Revision` is frozen, picklable plain data, so it can be cached. Locations come
from the `ast` tree of the syntax check, walked in step with the libcst tree (libcst positions
would cost a code generation pass).

What `upgrade()` does is read, never guessed. An operation is interpreted only when every
argument that matters is a literal (or a module-level string constant, or `op.f("name")`).
Anything else that may change the schema becomes an `Uncertain` operation naming the table it
touches (the table's facts are then unknown) or no table (the set of tables is unknown):

- `op.execute(...)` / `<connection>.execute(...)`: data-only statements are harmless (an SQL
  string whose statements all start with INSERT, UPDATE, DELETE, SELECT, SET, COMMENT ON,
  GRANT, REVOKE, ANALYZE, VACUUM, or a Core `insert()`/`update()`/`delete()` construct);
  `ALTER TABLE t` / `CREATE INDEX ... ON t` make table `t` uncertain; statements that only
  touch things the comparison ignores (CREATE/DROP/ALTER TYPE, EXTENSION, SEQUENCE, FUNCTION,
  TRIGGER, a function's dollar-quoted body left out) are harmless; any other SQL (a `DO` block
  included), or a non-literal argument makes the schema uncertain;
- a call to a helper (a function defined or imported in the project), a method call on an
  object that may change the schema (`.create_all(`, `.create(`, `.drop(`...), and an
  `op.<method>` ormlint does not model: schema uncertain;
- a `for` loop over a literal list or tuple of strings (or of tuples of strings), or over a
  module-level constant holding one, is read once per item with the loop variable as a
  constant (also in f-strings: `op.execute(f"ALTER TABLE {t} ...")`), unless its body jumps
  (break, continue, return) or rebinds the variable;
- an `if` that tests the dialect alone (`op.get_bind().dialect.name == "sqlite"`, `!=`, `in`,
  `not in`, through `op.get_context()`, `context.get_context()`, a bind or a name bound to the
  dialect's name) becomes a `DialectBranch`, and so does what follows `if <such a test>: ...
  return`; the replay takes the branch the target dialect would take;
- any other `if`/`for`/`while`/`try`/`match` containing operations, and everything after an
  `if` that may `return`: each table they touch is uncertain; a conditional
  `create_table`/`drop_table`/`rename_table` (or an operation on a non-literal table) makes the
  schema uncertain, and with it every table that exists at that point;
- an operation whose arguments are not literal: the table uncertain (or the schema, when the
  table name itself is not literal).

Harmless and not recorded: alembic_utils' `PGFunction(...)`/`PGExtension(...)` and
`op.create_entity`/`replace_entity`/`drop_entity` (functions, extensions, triggers, views:
nothing the comparison reads), `op.bulk_insert` (INSERTs rows, changes no schema), `op.f`,
`op.inline_literal`, `op.get_context`, `op.get_bind()` itself, check/exclude constraints and
comments (not compared), `print`/logging calls, SQLAlchemy constructors (`sa.table`,
`sa.column`). Data changes are recorded for the safety rules, changing no table: `op.bulk_insert`
(`BulkInsert`), and the statements an ORM `Session` on the migration's connection runs
(`session.execute(...)` as the connection's, `session.query(M)...update()/.delete()` as
`ExecuteDml`). Named enum types are recorded for the safety rules, changing no table: a column's
`sa.Enum(..., name=...)`/`postgresql.ENUM(...)` (`ColumnSpec.enum_type`), and
`<enum>.create(bind)`/`.drop(bind)` or CREATE/DROP/ALTER TYPE in SQL (`EnumTypeChange`).
"""

from __future__ import annotations

import ast
import copy
import re
from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Callable, Iterable, Iterator

import libcst as cst

from ormlint.model.names import (
    ImportTable,
    bool_value,
    build_import_table,
    dotted_name,
    string_value,
)
from ormlint.facts import Location
from ormlint.model.extract import calls_in
from ormlint.migrations.operations import (
    OPERATION_PARAMETERS, TABLE_PARAMETERS,
    NOWHERE,
    CheckSpec,
    ForeignKeySpec,
    IndexSpec,
    ColumnSpec,
    CreateTable,
    DropTable,
    RenameTable,
    AddColumn,
    DropColumn,
    AlterColumn,
    CreateIndex,
    DropIndex,
    CreateUniqueConstraint,
    CreateForeignKey,
    CreatePrimaryKey,
    CreateCheckConstraint,
    ValidateConstraint,
    UNCOMPARED,
    ExecuteSql,
    ExecuteDml,
    BulkInsert,
    EnumType,
    EnumTypeChange,
    DropConstraint,
    Uncertain,
    DialectBranch,
    Operation,
    Revision,
    TableComment,
)
from ormlint.generated_columns import generated_fields, identity_change
from ormlint.narrow import parse_module
from ormlint.syntax import parse_python
from ormlint.schema import server_default_text, sql_type

# -- parsing -------------------------------------------------------------------------------------


def parse_revision(path: str, source: str) -> Revision:
    """One revision file as plain data; never raises on bad input (unparsable -> parsed=False)."""
    try:
        tree = parse_python(source)
        module = parse_module(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError, cst.ParserSyntaxError) as error:
        return _unparsed(path, error, source)
    return read_revision(path, source, tree, module)


def read_revision(path: str, source: str, tree: ast.Module, module: cst.Module) -> Revision:
    """`parse_revision` on the trees the caller has already built (the whole text, not narrowed):
    the linter's file pass reads a revision file's models and its migration from one parse."""
    try:
        return _Reader(path, source, module, tree).revision()
    except RecursionError as error:
        return _unparsed(path, error)


def _unparsed(path: str, error: Exception, source: str | None = None) -> Revision:
    """A revision file that does not parse (Python 2 syntax, say): its place in the graph is
    still read from the plain header assignments when they are there; what it does is not."""
    message = f"{type(error).__name__}: {getattr(error, 'msg', None) or error}"
    header = _text_header(source) if source else None
    if header is None:
        return Revision(path, None, (), (), (), NOWHERE, (), parsed=False, error=message)
    revision_id, down, labels, depends, line = header
    location = Location(line, 1, line, 1)
    unknown = Uncertain(None, f"the revision file does not parse ({message})", location)
    return Revision(
        path, revision_id, down, labels, depends, location, (unknown,), parsed=False, error=message
    )


_HEADER_LINE = re.compile(
    r"^(revision|down_revision|branch_labels|depends_on)[ \t]*(?::[^=\n]*)?=[ \t]*(.*?)[ \t]*$",
    re.MULTILINE,
)


def _one_line_literal(text: str) -> object:
    """The literal a line assigns (a trailing comment allowed); _Unreadable when it is not one."""
    candidates = [text] + ([text.split("#", 1)[0]] if "#" in text else [])
    for candidate in candidates:
        if len(candidate) > 1000:
            break
        try:
            return ast.literal_eval(candidate.strip())
        except (ValueError, SyntaxError, RecursionError, MemoryError):
            continue
    return _Unreadable


def _text_header(source: str) -> tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...], int] | None:
    """(revision, down_revisions, branch_labels, depends_on, line of `revision =`) from lines
    that assign a literal at the start of a line, each once; None when `revision` is not one."""
    found: dict[str, tuple[object, int]] = {}
    for match in _HEADER_LINE.finditer(source):
        name, text = match.group(1), match.group(2)
        if name in found:
            return None  # assigned twice: which one counts is not a text question
        found[name] = (_one_line_literal(text), source.count("\n", 0, match.start()) + 1)

    def strings(name: str) -> tuple[str, ...] | None:
        value = found.get(name, (None, 0))[0]
        if value is None:
            return ()
        if isinstance(value, str):
            return (value,)
        if isinstance(value, (tuple, list)) and all(isinstance(v, str) for v in value):
            return tuple(value)
        return None

    revision = found.get("revision", (None, 0))
    parts = [strings(name) for name in ("down_revision", "branch_labels", "depends_on")]
    if not isinstance(revision[0], str) or any(part is None for part in parts):
        return None
    return revision[0], parts[0], parts[1], parts[2], revision[1]  # type: ignore[return-value]


def _location(node: ast.AST | None) -> Location:
    if node is None or not hasattr(node, "lineno"):
        return NOWHERE
    end_line = getattr(node, "end_lineno", None) or node.lineno
    end_col = getattr(node, "end_col_offset", None)
    return Location(
        node.lineno, node.col_offset + 1, end_line,
        (end_col + 1) if end_col is not None else node.col_offset + 1,
    )


def _flat(body: Iterable[cst.CSTNode]) -> list[cst.CSTNode]:
    """Statements as `ast` lists them: a line's `a; b` are two."""
    flat: list[cst.CSTNode] = []
    for stmt in body:
        if isinstance(stmt, cst.SimpleStatementLine):
            flat.extend(stmt.body)
        else:
            flat.append(stmt)
    return flat


def _block(suite: cst.BaseSuite) -> list[cst.CSTNode]:
    if isinstance(suite, cst.SimpleStatementSuite):
        return list(suite.body)
    return _flat(suite.body)


def _paired(cst_body: list[cst.CSTNode], ast_body: list[ast.stmt]) -> Iterator[tuple[cst.CSTNode, ast.stmt | None]]:
    if len(cst_body) == len(ast_body):
        yield from zip(cst_body, ast_body)
    else:  # not expected; locations fall back to nowhere rather than being wrong
        for node in cst_body:
            yield node, None


class _Args:
    """A call's arguments bound to parameter names, each as (libcst node, ast node)."""

    def __init__(self, call: cst.Call, node: ast.Call | None, params: tuple[str, ...]):
        self.values: dict[str, tuple[cst.BaseExpression, ast.AST | None]] = {}
        self.extra: list[tuple[cst.BaseExpression, ast.AST | None]] = []  # beyond params
        self.starred = False
        positional = [a for a in call.args if a.keyword is None and a.star != "**"]
        ast_positional = list(node.args) if node is not None else []
        ast_keywords = {k.arg: k.value for k in node.keywords} if node is not None else {}
        for i, arg in enumerate(positional):
            twin = ast_positional[i] if i < len(ast_positional) else None
            if arg.star:
                self.starred = True
                continue
            if i < len(params):
                self.values[params[i]] = (arg.value, twin)
            else:
                self.extra.append((arg.value, twin))
        for arg in call.args:
            if arg.star == "**":
                self.starred = True
            elif arg.keyword is not None:
                self.values[arg.keyword.value] = (arg.value, ast_keywords.get(arg.keyword.value))

    def node(self, name: str) -> cst.BaseExpression | None:
        entry = self.values.get(name)
        return entry[0] if entry else None

    def __contains__(self, name: str) -> bool:
        return name in self.values


_HARMLESS_OPS = {
    "bulk_insert", "f", "inline_literal", "get_context", "get_bind",
    "create_exclude_constraint",
    # alembic_utils' entities (functions, extensions, triggers, views, policies, grants): none
    # is a table, column, index or key that the comparison reads
    "create_entity", "replace_entity", "drop_entity",
}
_DATA_SQL = ("INSERT", "UPDATE", "DELETE", "SELECT", "SET", "COMMENT", "GRANT", "REVOKE",
             "ANALYZE", "VACUUM", "RESET")
_IGNORED_OBJECTS = re.compile(
    r"^(CREATE|DROP|ALTER)\s+(OR\s+REPLACE\s+)?(TYPE|EXTENSION|SEQUENCE|FUNCTION|TRIGGER|"
    r"PROCEDURE)\b", re.I,
)
_ALTER_TABLE = re.compile(
    r"^ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?([\w\".]+)\s", re.I,
)
_COMMENT_ON = re.compile(r"\bCOMMENT\s+ON\s+(TABLE|COLUMN)\s+([\w\".{}]+)", re.I)
_CREATE_INDEX = re.compile(
    r"^CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?"
    r"(?:[\w\".]+\s+)?ON\s+(?:ONLY\s+)?([\w\".]+)", re.I,
)
_RISKY_METHODS = {
    "create", "create_all", "drop", "drop_all", "run_callable", "invoke", "run_async",
    "exec_driver_sql", "execute", "executescript", "executemany",
}
_SAFE_BUILTINS = {
    "print", "len", "range", "list", "dict", "set", "tuple", "str", "int", "float", "bool",
    "sorted", "enumerate", "zip", "isinstance", "repr", "format", "min", "max", "any", "all",
}
# Libraries whose constructors only describe something (a column, a type, alembic_utils'
# PGFunction): calling them changes no database.
_DESCRIBING_ROOTS = ("sqlalchemy", "sqlmodel", "alembic_utils")
_LOGGING_ROOTS = {"logger", "log", "logging", "LOG", "LOGGER", "warnings", "_log", "_logger"}
_TYPE_CONSTRUCTORS = {"Enum", "ENUM"}
# operations that record whether they run in batch mode (SQLite runs them only there)
_BATCH_RECORDED = (
    DropColumn, AlterColumn, CreateUniqueConstraint, CreateForeignKey, CreatePrimaryKey,
    DropConstraint,
)
_COLUMN_ITEMS_IGNORED = {
    "Sequence", "Identity", "Computed", "CheckConstraint", "DefaultClause", "FetchedValue",
}


class _Reader:
    def __init__(self, path: str, source: str, module: cst.Module, tree: ast.Module):
        self.path = path
        self.source = source
        self.module = module
        self.tree = tree
        self.imports: ImportTable = build_import_table(module, source)
        self.constants: dict[str, str] = {}
        # module-level lists/tuples of string literals (or of tuples of them): loops over them
        # are read once per item
        self.sequences: dict[str, tuple] = {}
        self.dialect_names: set[str] = set()  # names bound to `op.get_bind().dialect.name`
        self.binds: set[str] = set()  # names bound to op.get_bind() / its connection
        self.sessions: set[str] = set()  # names bound to an ORM Session on that connection
        self.batch_aliases: set[str] = set()  # `as batch_op` names (for batch_op.f("name"))
        self.autocommit_depth = 0  # inside `with op.get_context().autocommit_block():`
        # names bound to a table construct (`t = sa.table("invoices", ...)`): t -> "invoices"
        self.table_names: dict[str, str] = {}
        self.enums: dict[str, cst.Call] = {}  # names bound to `sa.Enum(...)`/`postgresql.ENUM(...)`

    # -- header ----------------------------------------------------------------------------------

    def revision(self) -> Revision:
        header: dict[str, tuple[cst.BaseExpression, ast.stmt | None]] = {}
        assigned: dict[str, int] = defaultdict(int)
        upgrade: tuple[cst.FunctionDef, ast.FunctionDef | None] | None = None
        downgrade: tuple[cst.FunctionDef, ast.FunctionDef | None] | None = None
        wrapped = False
        for node, twin in _paired(_flat(self.module.body), self.tree.body):
            targets: list[cst.BaseExpression] = []
            value = None
            if isinstance(node, cst.Assign):
                targets = [t.target for t in node.targets]
                value = node.value
            elif isinstance(node, cst.AnnAssign) and node.value is not None:
                targets = [node.target]
                value = node.value
            for target in targets:
                if isinstance(target, cst.Name):
                    assigned[target.value] += 1
                    header[target.value] = (value, twin)
            if isinstance(node, cst.ClassDef):
                self.bind_mapped_class(node)
            if isinstance(node, cst.FunctionDef) and node.name.value in ("upgrade", "downgrade"):
                function = (node, twin if isinstance(twin, (ast.FunctionDef, ast.AsyncFunctionDef)) else None)
                if node.name.value == "upgrade":
                    upgrade = function
                else:
                    downgrade = function
        for name, count in assigned.items():
            if count != 1:
                continue
            table = self.table_literal(header[name][0])
            if table is not None:
                self.table_names[name] = table
            text = string_value(header[name][0])
            if text is not None:
                self.constants[name] = text
            elif self.enum_call(header[name][0]) is not None:
                self.enums[name] = header[name][0]
            else:
                items = _literal_sequence(header[name][0])
                if items is not None:
                    self.sequences[name] = items

        errors: list[str] = []

        def strings(name: str) -> tuple[str, ...]:
            if name not in header:
                return ()
            value = header[name][0]
            if isinstance(value, cst.Name) and value.value == "None":
                return ()
            text = string_value(value)
            if text is not None:
                return (text,)
            if isinstance(value, (cst.Tuple, cst.List)):
                items = [string_value(e.value) for e in value.elements]
                if all(i is not None for i in items) and not any(
                    isinstance(e, cst.StarredElement) for e in value.elements
                ):
                    return tuple(items)  # type: ignore[arg-type]
            errors.append(f"`{name}` is not a literal")
            return ()

        revision_id = string_value(header["revision"][0]) if "revision" in header else None
        if "revision" in header and revision_id is None:
            errors.append("`revision` is not a literal")
        down = strings("down_revision")
        labels = strings("branch_labels")
        depends = strings("depends_on")
        location = _location(header["revision"][1]) if "revision" in header else NOWHERE

        self.operations: list[Operation] = []
        if upgrade is None:
            if revision_id is not None:
                self.operations.append(Uncertain(None, "no upgrade() function", NOWHERE))
        else:
            function, twin = upgrade
            wrapped = function.asynchronous is not None or bool(function.decorators)
            if wrapped:
                self.operations.append(
                    Uncertain(None, "upgrade() is decorated or async", _location(twin))
                )
            self.function_body(function, twin, self.operations)
        downgrade_operations: list[Operation] | None = None
        if downgrade is not None and downgrade[0].asynchronous is None and not downgrade[0].decorators:
            downgrade_operations = []
            self.function_body(*downgrade, downgrade_operations)
        return Revision(
            self.path, revision_id, down, labels, depends, location, tuple(self.operations),
            header_error="; ".join(errors) or None, wrapped_upgrade=wrapped,
            downgrade_operations=None if downgrade_operations is None else tuple(downgrade_operations),
            dialect_imports=tuple(sorted({
                target.split(".")[2] for target in self.imports.aliases.values()
                if target.startswith("sqlalchemy.dialects.") and target.count(".") >= 2
            })),
        )

    def function_body(self, function: cst.FunctionDef, twin: ast.AST | None, out: list[Operation]) -> None:
        """The operations of upgrade() or downgrade(): what one binds (names, imports, loop
        constants) does not reach the other."""
        # every name table the reader keeps (its dict and set attributes), and the imports
        saved = {name: copy.copy(value) for name, value in vars(self).items() if isinstance(value, (dict, set))}
        imports = copy.deepcopy(self.imports)
        ast_body = list(twin.body) if isinstance(twin, (ast.FunctionDef, ast.AsyncFunctionDef)) else []
        # a module-level sequence rebound inside the function is not the module's any more
        self.sequences = {
            k: v for k, v in self.sequences.items() if k not in _assigned_names(function.body)
        }
        try:
            self.statements(_block(function.body), ast_body, {}, out)
        finally:
            vars(self).update(saved)
            self.imports = imports

    # -- statements ------------------------------------------------------------------------------

    def statements(
        self, body: list[cst.CSTNode], ast_body: list[ast.stmt], batches: dict[str, str | None],
        out: list[Operation],
    ) -> None:
        pairs = list(_paired(body, ast_body))
        for i, (node, twin) in enumerate(pairs):
            if isinstance(node, cst.If) and _returns(node):
                # `if <test>: ... return`: what follows runs only when the test fails
                self.early_exit(node, twin, pairs[i + 1:], batches, out)
                return
            self.statement(node, twin, batches, out)

    def early_exit(
        self, node: cst.If, twin: ast.stmt | None, rest: list[tuple[cst.CSTNode, ast.stmt | None]],
        batches: dict[str, str | None], out: list[Operation],
    ) -> None:
        """An `if` whose body ends in `return`, and the statements after it: a dialect test
        becomes a branch the replay decides (a SQLite-only baseline next to PostgreSQL
        revisions); any other test makes everything it guards conditional."""
        test = self.dialect_test(node.test)
        ast_body = list(getattr(twin, "body", None) or [])
        ast_orelse = list(getattr(twin, "orelse", None) or [])
        body, orelse = _block(node.body), _else_block(node)
        if test is not None and _ends_in_return(body) and not any(
            isinstance(child, cst.If) and _returns(child) for child in body
        ):
            then: list[Operation] = []
            self.statements(body, ast_body, batches, then)
            otherwise: list[Operation] = []
            if orelse:
                self.statements(orelse, ast_orelse, batches, otherwise)
            self.statements([n for n, _ in rest], [t for _, t in rest if t is not None]
                            if all(t is not None for _, t in rest) else [], batches, otherwise)
            dialects, negated = test
            out.append(DialectBranch(dialects, negated, tuple(then), tuple(otherwise), _location(twin)))
            return
        guarded: list[Operation] = []
        self.statements(body, ast_body, batches, guarded)
        if orelse:
            self.statements(orelse, ast_orelse, batches, guarded)
        for later, later_twin in rest:
            self.statement(later, later_twin, batches, guarded)
        out.extend(uncertain_from(guarded, "operation after an early `return`", _location(twin)))

    def statement(
        self, node: cst.CSTNode, twin: ast.stmt | None, batches: dict[str, str | None],
        out: list[Operation],
    ) -> None:
        where = _location(twin)
        if isinstance(node, cst.ClassDef):
            self.bind_mapped_class(node)
            return
        if isinstance(node, (cst.Pass, cst.Global, cst.Nonlocal, cst.FunctionDef)):
            return
        if isinstance(node, (cst.Import, cst.ImportFrom)):
            local = build_import_table(cst.Module(body=[cst.SimpleStatementLine(body=[node])]), "")
            self.imports.aliases.update(local.aliases)
            self.imports.star_modules.extend(local.star_modules)
            return
        if isinstance(node, (cst.Expr, cst.Assign, cst.AnnAssign, cst.AugAssign, cst.Return)):
            value = node.value
            ast_value = getattr(twin, "value", None)
            if isinstance(node, cst.Expr) and isinstance(value, (cst.SimpleString, cst.ConcatenatedString, cst.Ellipsis)):
                return
            if value is None:
                return
            if isinstance(node, (cst.Assign, cst.AnnAssign)) and self.is_get_bind(value):
                targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
                self.binds.update(t.value for t in targets if isinstance(t, cst.Name))
                return
            if isinstance(node, (cst.Assign, cst.AnnAssign)) and self.is_session(value):
                targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
                self.sessions.update(t.value for t in targets if isinstance(t, cst.Name))
                return
            if isinstance(node, (cst.Assign, cst.AnnAssign)) and self.is_dialect_name(value):
                targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
                self.dialect_names.update(t.value for t in targets if isinstance(t, cst.Name))
                return
            if isinstance(node, (cst.Assign, cst.AnnAssign, cst.AugAssign)):
                self.bind_enums(node)
            if isinstance(node, (cst.Assign, cst.AnnAssign)):
                self.bind_table(node)
            if isinstance(value, cst.Call):
                handled = self.op_call(value, ast_value if isinstance(ast_value, ast.Call) else None, batches, out)
                if handled:
                    return
            self.scan(value, where, out)
            return
        if isinstance(node, cst.With):
            self.with_statement(node, twin, batches, out)
            return
        if isinstance(node, cst.For) and self.unrolled(node, twin, batches, out):
            return
        if isinstance(node, cst.If) and self.dialect_branch(node, twin, batches, out):
            return
        if isinstance(node, (cst.If, cst.For, cst.While, cst.Try, cst.Match)) or type(node).__name__ == "TryStar":
            self.conditional(node, twin, batches, out)
            return
        if isinstance(node, (cst.Raise, cst.Assert, cst.Del, cst.Break, cst.Continue)):
            return
        out.append(Uncertain(None, f"unsupported statement ({type(node).__name__})", where))

    def with_statement(
        self, node: cst.With, twin: ast.stmt | None, batches: dict[str, str | None],
        out: list[Operation],
    ) -> None:
        inner = dict(batches)
        ast_items = list(twin.items) if isinstance(twin, (ast.With, ast.AsyncWith)) else []
        for i, item in enumerate(node.items):
            expr = item.item
            ast_expr = ast_items[i].context_expr if i < len(ast_items) else None
            method = self.op_method(expr) if isinstance(expr, cst.Call) else None
            if method == "batch_alter_table":
                args = _Args(expr, ast_expr if isinstance(ast_expr, ast.Call) else None, ("table_name",))
                table = self.table_name(args, "table_name")
                if item.asname is not None and isinstance(item.asname.name, cst.Name):
                    inner[item.asname.name.value] = table
                    self.batch_aliases.add(item.asname.name.value)
                if table is None:
                    out.append(Uncertain(None, "batch_alter_table on a non-literal table", _location(ast_expr)))
            else:
                self.scan(expr, _location(ast_expr or twin), out)
                if item.asname is not None and isinstance(item.asname.name, cst.Name) and self.is_session(expr):
                    self.sessions.add(item.asname.name.value)
        autocommit = any(_is_autocommit_block(item.item) for item in node.items)
        ast_body = list(twin.body) if isinstance(twin, (ast.With, ast.AsyncWith)) else []
        self.autocommit_depth += autocommit
        try:
            self.statements(_block(node.body), ast_body, inner, out)
        finally:
            self.autocommit_depth -= autocommit

    def conditional(
        self, node: cst.CSTNode, twin: ast.stmt | None, batches: dict[str, str | None],
        out: list[Operation],
    ) -> None:
        """Operations that may or may not run: each touched table is uncertain."""
        inner: list[Operation] = []
        for child, ast_child in _compound_parts(node, twin):
            if isinstance(child, cst.BaseExpression):
                self.scan(child, _location(ast_child or twin), inner)
            else:
                self.statements(child, ast_child, batches, inner)
        kind = type(node).__name__.lower()
        out.extend(uncertain_from(inner, f"operation inside `{kind}`", _location(twin)))

    def unrolled(
        self, node: cst.For, twin: ast.stmt | None, batches: dict[str, str | None],
        out: list[Operation],
    ) -> bool:
        """`for t in ("a", "b"): ...` over string literals (or a module-level sequence of them):
        the body is read once per item, with the loop variable as a constant. False when the
        loop is not of that shape (or its body jumps or rebinds the variable)."""
        if node.asynchronous is not None or node.orelse is not None:
            return False
        items = self.sequence(node.iter)
        if items is None:
            return False
        bindings = [_bind(node.target, item) for item in items]
        if any(b is None for b in bindings) or _jumps_or_rebinds(node.body, _target_names(node.target)):
            return False
        ast_body = list(twin.body) if isinstance(twin, ast.For) else []
        for binding in bindings:
            self.constants.update(binding)  # type: ignore[arg-type]
            self.statements(_block(node.body), ast_body, batches, out)
        return True

    def sequence(self, node: cst.BaseExpression) -> tuple | None:
        if isinstance(node, cst.Name):
            return self.sequences.get(node.value)
        return _literal_sequence(node)

    def dialect_branch(
        self, node: cst.If, twin: ast.stmt | None, batches: dict[str, str | None],
        out: list[Operation],
    ) -> bool:
        """`if <dialect test>: ... else: ...` as a branch the replay decides; False when the
        test does not read the dialect alone."""
        test = self.dialect_test(node.test)
        if test is None:
            return False
        then: list[Operation] = []
        self.statements(_block(node.body), list(getattr(twin, "body", None) or []), batches, then)
        otherwise: list[Operation] = []
        orelse = _else_block(node)
        if orelse:
            self.statements(orelse, list(getattr(twin, "orelse", None) or []), batches, otherwise)
        if then or otherwise:
            out.append(DialectBranch(test[0], test[1], tuple(then), tuple(otherwise), _location(twin)))
        return True

    def dialect_test(self, test: cst.BaseExpression) -> tuple[tuple[str, ...], bool] | None:
        """(dialects, negated) for `<dialect name> == "x"`, `!= "x"`, `in ("x", "y")`,
        `not in (...)`, `not <such a test>`; None for any other test."""
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            inner = self.dialect_test(test.expression)
            return (inner[0], not inner[1]) if inner is not None else None
        if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
            return None
        left, target = test.left, test.comparisons[0]
        right, operator = target.comparator, target.operator
        if not self.is_dialect_name(left) and self.is_dialect_name(right) and isinstance(
            operator, (cst.Equal, cst.NotEqual)
        ):
            left, right = right, left
        if not self.is_dialect_name(left):
            return None
        if isinstance(operator, (cst.Equal, cst.NotEqual)):
            name = string_value(right)
            if name is None:
                return None
            return (name,), isinstance(operator, cst.NotEqual)
        if isinstance(operator, (cst.In, cst.NotIn)):
            items = _literal_sequence(right)
            if items is None or not all(isinstance(i, str) for i in items):
                return None
            return tuple(items), isinstance(operator, cst.NotIn)
        return None

    def is_dialect_name(self, node: cst.BaseExpression) -> bool:
        """`op.get_bind().dialect.name`, `op.get_context().dialect.name`,
        `context.get_context().dialect.name`, `<bind>.dialect.name`, or a name bound to one."""
        if isinstance(node, cst.Name):
            return node.value in self.dialect_names
        if not (isinstance(node, cst.Attribute) and node.attr.value == "name"):
            return False
        dialect = node.value
        if not (isinstance(dialect, cst.Attribute) and dialect.attr.value == "dialect"):
            return False
        owner = dialect.value
        if isinstance(owner, cst.Name):
            return owner.value in self.binds
        if self.is_get_bind(owner):
            return True
        if isinstance(owner, cst.Call):
            if self.op_method(owner) in ("get_bind", "get_context"):
                return True
            dotted = dotted_name(owner.func)
            qualified = self.imports.qualify(dotted) if dotted else None
            return qualified in ("alembic.context.get_context", "alembic.op.get_context")
        return False

    # -- calls -----------------------------------------------------------------------------------

    def op_method(self, call: cst.Call) -> str | None:
        """`create_table` for `op.create_table(...)` (any alias of alembic's op)."""
        dotted = dotted_name(call.func)
        if dotted is None:
            return None
        qualified = self.imports.qualify(dotted)
        if qualified and qualified.startswith("alembic.op.") and qualified.count(".") == 2:
            return qualified.rpartition(".")[2]
        return None

    def is_get_bind(self, value: cst.BaseExpression) -> bool:
        if isinstance(value, cst.Call) and self.op_method(value) == "get_bind":
            return True
        # op.get_bind().connect() / op.get_context().bind / .connection
        if isinstance(value, cst.Attribute) and value.attr.value in ("bind", "connection"):
            inner = value.value
            return isinstance(inner, cst.Call) and self.op_method(inner) in ("get_context", "get_bind")
        return False

    def op_call(
        self, call: cst.Call, twin: ast.Call | None, batches: dict[str, str | None],
        out: list[Operation],
    ) -> bool:
        """Interpret an operation call; False when `call` is not one."""
        batch_table: str | None = None
        method = self.op_method(call)
        batch = False
        if method is None and isinstance(call.func, cst.Attribute) and isinstance(call.func.value, cst.Name):
            alias = call.func.value.value
            if alias in batches:
                method, batch, batch_table = call.func.attr.value, True, batches[alias]
        if self.is_execute(call) or (batch and method == "execute"):
            self.execute(call, twin, out)
            return True
        if method is None:
            return False
        where = _location(twin)
        if method == "bulk_insert" and not batch:
            out.append(self.bulk_insert(call, where))
            return True
        if method in _HARMLESS_OPS:
            return True
        if method not in OPERATION_PARAMETERS:
            out.append(Uncertain(batch_table if batch else None, f"op.{method}() is not modelled", where))
            return True
        params = OPERATION_PARAMETERS[method]
        if batch:
            if method == "create_foreign_key":
                params = ("constraint_name", "referent_table", "local_cols", "remote_cols")
            else:
                params = tuple(p for p in params if p not in TABLE_PARAMETERS)
        args = _Args(call, twin, params)
        if batch:
            if batch_table is None:
                out.append(Uncertain(None, "batch operation on a non-literal table", where))
                return True
            table: str | None = batch_table
        else:
            table = self.table_name(args, next((p for p in params if p in TABLE_PARAMETERS), ""))
        if method == "create_check_constraint" and (table is None or args.starred):
            # the checks of that table (or of any) are not known; nothing else changes
            out.append(Uncertain(table, f"op.{method}() not read", where, "checks"))
            return True
        if method == "drop_index" and not batch and "table_name" not in args:
            table = None  # optional there
        elif table is None:
            out.append(Uncertain(None, f"op.{method}() on a non-literal table", where))
            return True
        if args.starred:
            out.append(Uncertain(table, f"op.{method}() with *args/**kwargs", where))
            return True
        try:
            op = getattr(self, "op_" + method)(args, table, where)
        except _Unreadable as error:
            op = Uncertain(table, f"op.{method}(): {error}", where, error.part)
        if batch and isinstance(op, _BATCH_RECORDED):
            op = replace(op, in_batch=True)
        if op is not None:
            out.append(op)
        return True

    def execute(self, call: cst.Call, twin: ast.Call | None, out: list[Operation]) -> None:
        where = _location(twin)
        if not call.args or call.args[0].keyword is not None or call.args[0].star:
            out.append(Uncertain(None, "execute() without a readable statement", where))
            return
        statement = call.args[0].value
        if isinstance(statement, cst.Call) and self.imports.symbol(statement.func) == "text" and statement.args:
            statement = statement.args[0].value
        text = self.string(statement)
        if text is None and isinstance(statement, cst.FormattedString):
            text = _shape(statement)  # which statements it runs, if not on what
        if text is None:
            if self.is_dml(statement):
                dml = self.core_dml(statement, where)
                if dml is not None:
                    out.append(dml)
                return
            out.append(Uncertain(None, "execute() of a statement that is not a literal", where))
            return
        out.extend(_type_changes(text, where))
        validated = _VALIDATE_CONSTRAINT.match(text)
        if validated and _FIELD not in text:
            table, name = (part.replace('"', "") for part in validated.groups())
            out.append(ValidateConstraint(table, name, where, self.autocommit_depth > 0))
            return
        if _FIELD not in text:
            out.append(ExecuteSql(text, where, self.autocommit_depth > 0))
        for statement in _COMMENT_ON.finditer(text):  # a comment (ORM712) set in SQL
            target = statement.group(2).replace('"', "")
            table = target if statement.group(1).upper() == "TABLE" else target.rpartition(".")[0]
            known = table and _FIELD not in table
            out.append(Uncertain(table if known else None, "COMMENT ON in SQL", where, "comments"))
        for table in _sql_tables(text):
            if table is not None and _FIELD in table:
                table = None  # `ALTER TABLE {name}`: which table is not known
            out.append(Uncertain(table, "SQL executed" + (f" on {table}" if table else ""), where))

    def is_dml(self, expr: cst.BaseExpression) -> bool:
        """A Core insert/update/delete/select construct: `t.insert().values(...)`,
        `sa.update(t)...`, `t.select().where(...)`."""
        node: cst.CSTNode = expr
        while isinstance(node, cst.Call):
            func = node.func
            if isinstance(func, cst.Attribute):
                if func.attr.value in _DML:
                    return True
                node = func.value
            else:
                return self.imports.symbol(func) in _DML
        return False

    def core_dml(self, expr: cst.BaseExpression, where: Location) -> ExecuteDml | None:
        """`t.update()...`, `sa.delete(t)...` (also 1.x's `t.update(whereclause)`) as an
        ExecuteDml; None for inserts and selects."""
        methods: list[str] = []
        node: cst.CSTNode = expr
        while isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and not (
            node.func.attr.value in _DML
        ):
            methods.append(node.func.attr.value)
            node = node.func.value
        if not isinstance(node, cst.Call):
            return None
        positional = [a for a in node.args if a.keyword is None and not a.star]
        function = self.imports.symbol(node.func)
        if function in ("update", "delete"):  # sa.update(t, [whereclause])
            kind, target = function, positional[0].value if positional else None
            clause = len(positional) > 1 or any(a.keyword is not None and a.keyword.value == "whereclause" for a in node.args)
        elif isinstance(node.func, cst.Attribute) and node.func.attr.value in ("update", "delete"):
            kind, target = node.func.attr.value, node.func.value  # t.update([whereclause])
            clause = bool(node.args)
        else:
            return None
        filtered = clause or any(m in ("where", "filter", "filter_by") for m in methods)
        table = None
        if isinstance(target, cst.Name):
            table = self.table_names.get(target.value)
        elif target is not None:
            table = self.table_literal(target)
        return ExecuteDml(kind, table, filtered, where, self.autocommit_depth > 0)

    def is_session(self, expr: cst.BaseExpression) -> bool:
        """`Session(bind=<the migration's connection>)` (`orm.Session`, `sa.orm.Session`, the
        bind given first or as `bind=`), or `sessionmaker(bind=...)()`."""
        if not isinstance(expr, cst.Call):
            return False
        maker, function = expr, "Session"
        if isinstance(expr.func, cst.Call) and not expr.args:
            maker, function = expr.func, "sessionmaker"
        dotted = dotted_name(maker.func)
        qualified = self.imports.qualify(dotted) if dotted else None
        if qualified not in (f"sqlalchemy.orm.{function}", f"sqlalchemy.orm.session.{function}"):
            return False
        bind = _Args(maker, None, ("bind",)).node("bind")
        return bind is not None and (self.is_get_bind(bind) or (isinstance(bind, cst.Name) and bind.value in self.binds))

    def is_session_method(self, call: cst.Call, method: str) -> bool:
        func = call.func
        return (
            isinstance(func, cst.Attribute) and func.attr.value == method
            and isinstance(func.value, cst.Name) and func.value.value in self.sessions
        )

    def session_query_dml(self, call: cst.Call, where: Location) -> ExecuteDml | None:
        """`session.query(M)[.filter(...)...].update({...})` / `.delete()` on a session of the
        migration's connection as an ExecuteDml (M's table when the revision maps it with a
        literal `__tablename__`); None for any other call."""
        func = call.func
        if not (isinstance(func, cst.Attribute) and func.attr.value in ("update", "delete")):
            return None
        methods: list[str] = []
        node: cst.BaseExpression = func.value
        while isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and not self.is_session_method(node, "query"):
            methods.append(node.func.attr.value)
            node = node.func.value
        if not (isinstance(node, cst.Call) and self.is_session_method(node, "query")):
            return None
        entity = node.args[0].value if node.args and node.args[0].keyword is None and not node.args[0].star else None
        table = self.table_names.get(entity.value) if isinstance(entity, cst.Name) else None
        filtered = any(m in ("where", "filter", "filter_by") for m in methods)
        return ExecuteDml(func.attr.value, table, filtered, where, self.autocommit_depth > 0)

    def bind_mapped_class(self, node: cst.ClassDef) -> None:
        """A class the revision maps to a table with a literal `__tablename__`: its name stands
        for the table (`session.query(Notification)`, `sa.update(Notification)`)."""
        tablename = None
        for statement in _block(node.body):
            if isinstance(statement, cst.Assign) and any(
                isinstance(t.target, cst.Name) and t.target.value == "__tablename__" for t in statement.targets
            ):
                tablename = string_value(statement.value)
        if tablename is not None:
            self.table_names[node.name.value] = tablename
        else:
            self.table_names.pop(node.name.value, None)

    def bulk_insert(self, call: cst.Call, where: Location) -> BulkInsert:
        """`op.bulk_insert(table, rows)`: its table when `table` is a table construct or a
        name bound to one, and whether the rows are written out in the revision."""
        args = _Args(call, None, ("table", "rows"))
        target, rows = args.node("table"), args.node("rows")
        table = None
        if isinstance(target, cst.Name):
            table = self.table_names.get(target.value)
        elif target is not None:
            table = self.table_literal(target)
        return BulkInsert(table, _written_out(rows, self.sequences), where, self.autocommit_depth > 0)

    def table_literal(self, expr: cst.BaseExpression) -> str | None:
        """"invoices" for `sa.table("invoices", ...)`, `sa.Table("invoices", ...)` or
        `op.create_table("invoices", ...)`; else None."""
        if not isinstance(expr, cst.Call) or not expr.args or expr.args[0].keyword is not None:
            return None
        if self.imports.symbol(expr.func) in ("table", "Table") or self.op_method(expr) == "create_table":
            return string_value(expr.args[0].value)
        return None

    def bind_table(self, node: cst.Assign | cst.AnnAssign) -> None:
        """Record (or forget) the table construct an assignment in upgrade() binds a name to."""
        targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
        table = self.table_literal(node.value) if node.value is not None else None
        for target in targets:
            if isinstance(target, cst.Name):
                if table is not None:
                    self.table_names[target.value] = table
                else:
                    self.table_names.pop(target.value, None)

    def scan(self, expr: cst.CSTNode, where: Location, out: list[Operation]) -> None:
        """Calls in an expression that is not an operation: record the ones that may change the
        schema."""
        for call in calls_in(expr, into_lambdas=True):
            change = self.enum_type_change(call, where)
            if change is not None:
                out.append(change)
                continue
            if self.is_execute(call):
                found: list[Operation] = []
                self.execute(call, None, found)
                out.extend(replace(o, location=where) for o in found)
                continue
            if self.is_session_method(call, "execute"):
                # the statement runs on the migration's connection, as `bind.execute(...)`; the
                # replay stays as unsure of what it changes as it was of the call before
                found = []
                self.execute(call, None, found)
                out.extend(replace(o, location=where) for o in found if isinstance(o, (ExecuteSql, ExecuteDml)))
                out.append(Uncertain(None, self.risky(call) or "a call to a session's execute()", where))
                return
            dml = self.session_query_dml(call, where)
            if dml is not None:
                out.append(dml)
                continue
            reason = self.risky(call)
            if reason is not None:
                out.append(Uncertain(None, reason, where))
                return

    def is_execute(self, call: cst.Call) -> bool:
        """`op.execute(...)` or `<connection>.execute(...)`."""
        if self.op_method(call) == "execute":
            return True
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value in ("execute", "exec_driver_sql"):
            return (isinstance(func.value, cst.Name) and func.value.value in self.binds) or (
                isinstance(func.value, cst.Call) and self.op_method(func.value) == "get_bind"
            )
        return False

    def risky(self, call: cst.Call) -> str | None:
        func = call.func
        method = self.op_method(call)
        if method is not None:
            if method in _HARMLESS_OPS:
                return None
            return f"op.{method}() inside an expression"
        dotted = dotted_name(func)
        if dotted is None:  # a method of a call's result: x.where(...).values(...)
            if isinstance(func, cst.Attribute) and func.attr.value in _RISKY_METHODS:
                inner = func.value
                if func.attr.value == "create" and isinstance(inner, cst.Call) and \
                        self.imports.symbol(inner.func) in _TYPE_CONSTRUCTORS:
                    return None
                return f"a call to .{func.attr.value}()"
            return None
        head, _, rest = dotted.partition(".")
        if head in self.binds:
            return f"{dotted}() on the migration's connection" if rest else "the connection called"
        if not rest:
            if head in _SAFE_BUILTINS:
                return None
            qualified = self.imports.qualify(head)
            if qualified and qualified.partition(".")[0] in (*_DESCRIBING_ROOTS, "alembic"):
                return None
            return f"a call to {head}()"
        if head in _LOGGING_ROOTS:
            return None
        qualified = self.imports.qualify(dotted)
        if qualified is not None:
            root = qualified.partition(".")[0]
            if root in _DESCRIBING_ROOTS:
                return None
            if root in ("logging", "warnings", "datetime", "uuid", "json", "os", "re", "time"):
                return None
            return f"a call to {dotted}()"
        method_name = dotted.rpartition(".")[2]
        if method_name in _RISKY_METHODS:
            return f"a call to {dotted}()"
        return None

    # -- literals --------------------------------------------------------------------------------

    def string(self, node: cst.BaseExpression | None) -> str | None:
        if node is None:
            return None
        text = string_value(node)
        if text is not None:
            return text
        if isinstance(node, cst.Name):
            return self.constants.get(node.value)
        if isinstance(node, cst.FormattedString):
            return self.formatted(node)
        if isinstance(node, cst.Call) and len(node.args) == 1 and (self.op_method(node) == "f" or (
            isinstance(node.func, cst.Attribute) and node.func.attr.value == "f"
            and isinstance(node.func.value, cst.Name) and node.func.value.value in self.batch_aliases
        )):
            return self.string(node.args[0].value)
        return None

    def formatted(self, node: cst.FormattedString) -> str | None:
        """An f-string whose fields are plain names of known string constants (a loop variable
        of an unrolled loop, say): `f"ALTER TABLE {table} ..."`."""
        def constant(part: cst.FormattedStringExpression) -> str | None:
            expression = part.expression
            if part.conversion is not None or part.format_spec is not None:
                return None
            return self.constants.get(expression.value) if isinstance(expression, cst.Name) else None

        return _formatted_text(node, constant)

    def name_or_none(self, node: cst.BaseExpression | None, what: str) -> str | None:
        """A constraint/index name: a literal, `op.f(...)` or None."""
        if node is None or (isinstance(node, cst.Name) and node.value == "None"):
            return None
        text = self.string(node)
        if text is None:
            raise _Unreadable(f"{what} is not a literal")
        return text

    def strings(self, node: cst.BaseExpression | None, what: str, part: str | None = None) -> tuple[str, ...]:
        if isinstance(node, (cst.List, cst.Tuple)):
            items = [self.string(e.value) if not isinstance(e, cst.StarredElement) else None for e in node.elements]
            if all(i is not None for i in items):
                return tuple(items)  # type: ignore[arg-type]
        text = self.string(node)
        if text is not None:
            return (text,)
        raise _Unreadable(f"{what} not a literal list", part)

    def each_string(self, nodes: list[cst.BaseExpression], what: str, part: str | None = None) -> tuple[str, ...]:
        items = [self.string(n) for n in nodes]
        if all(i is not None for i in items):
            return tuple(items)  # type: ignore[arg-type]
        raise _Unreadable(f"{what} not literals", part)

    def table_name(self, args: _Args, param: str) -> str | None:
        name = self.string(args.node(param))
        if name is None:
            return None
        schema = args.node("schema")
        if schema is None or (isinstance(schema, cst.Name) and schema.value == "None"):
            return name
        schema_name = self.string(schema)
        return f"{schema_name}.{name}" if schema_name is not None else None

    def flag(self, node: cst.BaseExpression | None, default: bool | None) -> bool | None:
        """A literal bool; `default` when not given or None; _NotLiteral when not a literal."""
        if node is None or (isinstance(node, cst.Name) and node.value == "None"):
            return default
        value = bool_value(node)
        if value is None:
            raise _NotLiteral
        return value

    # -- enum types ------------------------------------------------------------------------------

    def enum_call(self, node: cst.BaseExpression | None) -> cst.Call | None:
        """The `sa.Enum(...)`/`postgresql.ENUM(...)` call that `node` is (in `ARRAY(...)`
        too) or a name bound to one; None for any other expression."""
        if isinstance(node, cst.Name) and node.value in self.enums:
            return self.enums[node.value]
        if not isinstance(node, cst.Call):
            return None
        symbol = self.imports.symbol(node.func)
        if symbol == "ARRAY" and node.args and node.args[0].keyword is None and not node.args[0].star:
            return self.enum_call(node.args[0].value)
        return node if symbol in _TYPE_CONSTRUCTORS else None

    def enum_name(self, call: cst.Call) -> tuple[bool | None, str | None]:
        """(a native enum: False for `native_enum=False`, None when not a literal; the name of
        its PostgreSQL type, schema-qualified, or None when not known)."""
        args = _Args(call, None, ())
        try:
            native = self.flag(args.node("native_enum"), True)
        except _NotLiteral:
            native = None
        if native is False:
            return False, None
        if any(arg.star == "**" for arg in call.args) or "inherit_schema" in args:
            return native, None  # the name or the schema may come from elsewhere
        name = self.string(args.node("name"))
        values = [value for value, _ in args.extra]
        if "name" not in args and len(values) == 1 and not any(arg.star for arg in call.args) and (
            isinstance(values[0], (cst.Name, cst.Attribute)) and self.string(values[0]) is None
            and not (isinstance(values[0], cst.Name) and values[0].value in self.sequences)
        ):
            # a Python enum class: SQLAlchemy names the type after it, lower-cased
            dotted = dotted_name(values[0])
            name = (self.imports.qualify(dotted) or dotted).rpartition(".")[2].lower() if dotted else None
        schema = args.node("schema")
        if name is None or schema is None or (isinstance(schema, cst.Name) and schema.value == "None"):
            return native, name
        schema_name = self.string(schema)
        return native, (f"{schema_name}.{name}" if schema_name is not None else None)

    def enum_type(self, node: cst.BaseExpression | None) -> EnumType | None:
        """The named enum type of a column whose type is `node`; None when it is none or its
        name is not known."""
        call = self.enum_call(node)
        if call is None:
            return None
        native, name = self.enum_name(call)
        if native is False or name is None:
            return None
        try:
            created = self.flag(_Args(call, None, ()).node("create_type"), True)
        except _NotLiteral:
            created = None
        if native is None or any(arg.star == "**" for arg in call.args) or "metadata" in _Args(call, None, ()):
            created = None
        return EnumType(name, created, self.enum_values(call))

    def enum_values(self, call: cst.Call) -> tuple[str, ...] | None:
        """The labels of an enum type written as literal strings beside its name; None for a
        Python enum class, `values_callable=`, `*labels` or no label at all."""
        args = _Args(call, None, ())
        labels = [self.string(value) for value, _ in args.extra]
        if args.starred or "values_callable" in args or "name" not in args or not labels or None in labels:
            return None
        return tuple(labels)  # type: ignore[arg-type]

    def enum_type_change(self, call: cst.Call, where: Location) -> EnumTypeChange | None:
        """`<enum>.create(bind, ...)` / `<enum>.drop(bind, ...)` as a type created or dropped;
        None for any other call (and for an enum that is not native: it has no type)."""
        func = call.func
        if not (isinstance(func, cst.Attribute) and func.attr.value in ("create", "drop") and call.args):
            return None
        enum = self.enum_call(func.value)
        if enum is None:
            return None
        native, name = self.enum_name(enum)
        if native is False:
            return None
        try:
            # `postgresql.ENUM`'s create() and drop() check first by default, `sa.Enum`'s do not
            default = self.imports.symbol(enum.func) == "ENUM"
            checkfirst = self.flag(_Args(call, None, ("bind", "checkfirst")).node("checkfirst"), default)
        except _NotLiteral:
            checkfirst = None
        return EnumTypeChange(func.attr.value, name, where, checkfirst, values=self.enum_values(enum))

    def bind_enums(self, node: cst.Assign | cst.AnnAssign | cst.AugAssign) -> None:
        """Names an assignment inside the function binds to an enum type (and unbinds)."""
        targets = (
            [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
        )
        enum = self.enum_call(node.value) if isinstance(node, (cst.Assign, cst.AnnAssign)) else None
        for target in targets:
            if isinstance(target, cst.Name):
                if enum is not None:
                    self.enums[target.value] = enum
                else:
                    self.enums.pop(target.value, None)

    # -- columns ---------------------------------------------------------------------------------

    def column(
        self, node: cst.BaseExpression, twin: ast.AST | None, table: str,
    ) -> tuple[ColumnSpec, bool, dict[str, bool]]:
        """A `sa.Column(...)`: (spec with nullable as written or derived, nullable written,
        {"uncertain", "indexes_known", "foreign_keys_known"} problems)."""
        if not isinstance(node, cst.Call) or self.imports.symbol(node.func) != "Column":
            raise _Unreadable("not a sa.Column(...)")
        args = _Args(node, twin if isinstance(twin, ast.Call) else None, ())
        problems: dict[str, bool] = {}
        if args.starred:
            problems["uncertain"] = True
        name = self.string(args.node("name"))
        type_expr = args.node("type_")
        foreign_keys: list[ForeignKeySpec] = []
        checks: list[CheckSpec] = []
        extra = list(args.extra)
        if name is None and extra and self.string(extra[0][0]) is not None:
            name = self.string(extra.pop(0)[0])
        if name is None:
            raise _Unreadable("a column without a literal name")
        for value, value_twin in extra:
            symbol = self.imports.symbol(value.func) if isinstance(value, cst.Call) else self.imports.symbol(value)
            if symbol == "ForeignKey" and isinstance(value, cst.Call):
                fk = self.column_foreign_key(value, value_twin, name)
                if fk is None:
                    problems["foreign_keys_known"] = False
                else:
                    foreign_keys.append(fk)
            elif symbol == "CheckConstraint" and isinstance(value, cst.Call):
                checks.append(self.check(value, value_twin))
            elif symbol in _COLUMN_ITEMS_IGNORED:  # (Computed, Identity, Sequence: generated_fields)
                problems["other_value_source"] = True
                continue
            elif type_expr is None:
                type_expr = value
            else:
                problems["uncertain"] = True
        where = _location(twin)
        try:
            primary_key = self.flag(args.node("primary_key"), False)
        except _NotLiteral:
            primary_key, problems["uncertain"] = False, True
        try:
            nullable = self.flag(args.node("nullable"), None)
            written = nullable is not None
        except _NotLiteral:
            nullable, written = None, True
        if not written:
            nullable = not primary_key
        flags: dict[str, bool | None] = {}
        for key in ("unique", "index"):
            try:
                flags[key] = self.flag(args.node(key), False)
            except _NotLiteral:
                flags[key] = None
                problems["indexes_known"] = False
        default, known = server_default_text(args.node("server_default"), self.imports)
        spec = ColumnSpec(
            name, sql_type(type_expr, self.imports) if type_expr is not None else None,
            nullable, bool(primary_key), default, known, flags["unique"], flags["index"],
            tuple(foreign_keys), where,
            other_value_source=problems.pop("other_value_source", False) or bool(problems.get("uncertain")),
            python_default="default" in args,
            checks=tuple(checks), **self.comment(args), **generated_fields(node, self.imports),
            enum_type=self.enum_type(type_expr),
        )
        return spec, written, problems

    def check(self, call: cst.Call, twin: ast.AST | None) -> CheckSpec:
        """`sa.CheckConstraint(sqltext, name=...)`."""
        args = _Args(call, twin if isinstance(twin, ast.Call) else None, ("sqltext", "name"))
        sql = None if args.starred else self.string(args.node("sqltext"))
        name = self.string(args.node("name"))  # None also when op.f(...) or not a literal
        return CheckSpec(name, sql, _location(twin))

    def comment(self, args: _Args) -> dict:
        """`comment=` as {"comment", "comment_known"} (a literal, None, or not known)."""
        node = args.node("comment")
        if args.starred:
            return {"comment": None, "comment_known": False}
        if node is None or (isinstance(node, cst.Name) and node.value == "None"):
            return {"comment": None, "comment_known": True}
        text = self.string(node)
        return {"comment": text or None, "comment_known": text is not None}

    def column_foreign_key(self, call: cst.Call, twin: ast.AST | None, column: str) -> ForeignKeySpec | None:
        args = _Args(call, twin if isinstance(twin, ast.Call) else None, ("column",))
        target = self.string(args.node("column"))
        if target is None or "." not in target or args.starred:
            return None
        try:
            ondelete = self.ondelete(args.node("ondelete"))
            name = self.name_or_none(args.node("name"), "name")
        except _Unreadable:
            return None
        table, _, target_column = target.rpartition(".")
        return ForeignKeySpec((column,), table, (target_column,), ondelete, name, _location(twin))

    def ondelete(self, node: cst.BaseExpression | None) -> str | None:
        if node is None or (isinstance(node, cst.Name) and node.value == "None"):
            return None
        text = self.string(node)
        if text is None:
            raise _Unreadable("ondelete is not a literal", "foreign_keys")
        return text.upper()

    # -- operations ------------------------------------------------------------------------------

    def op_create_table(self, args: _Args, table: str, where: Location) -> Operation:
        columns: list[ColumnSpec] = []
        written_nullable: set[str] = set()
        primary_key: tuple[str, ...] | None = None
        primary_key_name: str | None = None
        foreign_keys: list[ForeignKeySpec] = []
        indexes: list[IndexSpec] = []
        checks: list[CheckSpec] = []
        problems: dict[str, bool] = {}
        for value, twin in args.extra:
            symbol = self.imports.symbol(value.func) if isinstance(value, cst.Call) else None
            element = twin if isinstance(twin, ast.Call) else None
            if symbol == "Column":
                try:
                    spec, written, column_problems = self.column(value, twin, table)
                except _Unreadable:
                    problems["uncertain"] = True
                    continue
                problems.update(column_problems)
                columns.append(spec)
                if written:
                    written_nullable.add(spec.name)
                continue
            if symbol == "CheckConstraint" and isinstance(value, cst.Call):
                checks.append(self.check(value, twin))
                continue
            if not isinstance(value, cst.Call) or symbol not in (
                "PrimaryKeyConstraint", "ForeignKeyConstraint", "UniqueConstraint", "Index",
            ):
                problems["uncertain"] = True
                continue
            assert isinstance(value, cst.Call)
            try:
                if symbol == "PrimaryKeyConstraint":
                    element_args = _Args(value, element, ())
                    primary_key = self.each_string([v for v, _ in element_args.extra], "primary key columns")
                    if element_args.starred:
                        raise _Unreadable("*columns")
                    try:
                        primary_key_name = self.name_or_none(element_args.node("name"), "name")
                    except _Unreadable:
                        problems["primary_key_name_unknown"] = True
                elif symbol == "ForeignKeyConstraint":
                    element_args = _Args(value, element, ("columns", "refcolumns"))
                    local = self.strings(element_args.node("columns"), "columns", "foreign_keys")
                    remote = self.strings(element_args.node("refcolumns"), "refcolumns", "foreign_keys")
                    targets = {r.rpartition(".")[0] for r in remote}
                    if len(targets) != 1 or "" in targets or len(local) != len(remote) or element_args.starred:
                        raise _Unreadable("foreign key target", "foreign_keys")
                    foreign_keys.append(ForeignKeySpec(
                        local, targets.pop(), tuple(r.rpartition(".")[2] for r in remote),
                        self.ondelete(element_args.node("ondelete")),
                        self.name_or_none(element_args.node("name"), "name"), _location(twin),
                    ))
                elif symbol == "UniqueConstraint":
                    element_args = _Args(value, element, ())
                    cols = self.each_string([v for v, _ in element_args.extra], "columns", "indexes")
                    if element_args.starred:
                        raise _Unreadable("*columns", "indexes")
                    indexes.append(IndexSpec(
                        self.name_or_none(element_args.node("name"), "name"), cols, True,
                        "unique_constraint", _location(twin),
                    ))
                else:  # Index("name", "col", ..., unique=True)
                    element_args = _Args(value, element, ("name",))
                    if element_args.starred:
                        raise _Unreadable("*columns", "indexes")
                    index_cols = self.index_columns([v for v, _ in element_args.extra])
                    try:
                        unique = self.flag(element_args.node("unique"), False)
                    except _NotLiteral:
                        raise _Unreadable("unique=", "indexes")
                    indexes.append(IndexSpec(
                        self.name_or_none(element_args.node("name"), "name"), index_cols,
                        bool(unique), "index", _location(twin), self.predicates(element_args),
                    ))
            except _Unreadable as error:
                if error.part == "indexes":
                    problems["indexes_known"] = False
                elif error.part == "foreign_keys":
                    problems["foreign_keys_known"] = False
                else:
                    problems["uncertain"] = True
        if primary_key is not None:
            columns = [
                replace(
                    c, primary_key=c.name in primary_key or c.primary_key,
                    nullable=c.nullable if c.name in written_nullable or c.name not in primary_key else False,
                )
                for c in columns
            ]
            if not set(primary_key) <= {c.name for c in columns}:
                problems["uncertain"] = True
        return CreateTable(
            table, tuple(columns), tuple(foreign_keys), tuple(indexes), where,
            problems.get("uncertain", False), problems.get("indexes_known", True),
            problems.get("foreign_keys_known", True), tuple(checks), **self.comment(args),
            primary_key_name=primary_key_name,
            primary_key_name_known=not problems.get("primary_key_name_unknown", False),
        )

    def index_columns(self, elements: list[cst.BaseExpression]) -> tuple[str, ...] | None:
        names = [self.string(e) for e in elements]
        if all(n is not None for n in names):
            return tuple(names)  # type: ignore[arg-type]
        return None  # an expression element: sa.text("lower(email)"), sa.func.lower(...)

    def op_drop_table(self, args: _Args, table: str, where: Location) -> Operation:
        return DropTable(table, where)

    def op_rename_table(self, args: _Args, table: str, where: Location) -> Operation:
        new_name = self.string(args.node("new_table_name"))
        if new_name is None:
            return Uncertain(None, "rename_table to a non-literal name", where)
        if "." in table and args.node("schema") is not None:
            new_name = table.rpartition(".")[0] + "." + new_name
        return RenameTable(table, new_name, where)

    def op_add_column(self, args: _Args, table: str, where: Location) -> Operation:
        node = args.node("column")
        if node is None:
            raise _Unreadable("no column")
        entry = args.values["column"]
        spec, _, problems = self.column(node, entry[1], table)
        return AddColumn(
            table, spec, where, problems.get("uncertain", False),
            problems.get("indexes_known", True), problems.get("foreign_keys_known", True),
        )

    def op_drop_column(self, args: _Args, table: str, where: Location) -> Operation:
        column = self.string(args.node("column_name"))
        if column is None:
            raise _Unreadable("column name is not a literal")
        return DropColumn(table, column, where)

    def op_alter_column(self, args: _Args, table: str, where: Location) -> Operation:
        column = self.string(args.node("column_name"))
        if column is None:
            raise _Unreadable("column name is not a literal")
        try:
            nullable = self.flag(args.node("nullable"), None)
        except _NotLiteral:
            raise _Unreadable("nullable is not a literal")
        changes: dict = {"nullable": nullable}
        if "type_" in args:
            changes.update(type_given=True, type=sql_type(args.node("type_"), self.imports),
                           enum_type=self.enum_type(args.node("type_")))
        changes["existing_type"] = sql_type(args.node("existing_type"), self.imports)
        try:
            changes["existing_nullable"] = self.flag(args.node("existing_nullable"), None)
        except _NotLiteral:
            pass
        changes["using"] = "postgresql_using" in args
        identity = identity_change(args.node("server_default"), args.node("existing_server_default"), self.imports)
        if identity is not None:  # Alembic's way to add, alter or drop an Identity (ORM714)
            changes.update(identity_given=True, identity=identity[0], identity_known=identity[1])
        elif "server_default" in args:
            default, known = server_default_text(args.node("server_default"), self.imports)
            changes.update(server_default_given=True, server_default=default, server_default_known=known)
        if "comment" in args:
            changes.update(comment_given=True, **self.comment(args))
        if "new_column_name" in args:
            new_name = self.string(args.node("new_column_name"))
            if new_name is None:
                raise _Unreadable("new_column_name is not a literal")
            changes["new_name"] = new_name
        return AlterColumn(table, column, where, **changes)

    def op_create_index(self, args: _Args, table: str, where: Location) -> Operation:
        name = self.name_or_none(args.node("index_name"), "index name")
        node = args.node("columns")
        if isinstance(node, (cst.List, cst.Tuple)):
            if any(isinstance(e, cst.StarredElement) for e in node.elements):
                raise _Unreadable("columns", "indexes")
            columns = self.index_columns([e.value for e in node.elements])
        elif self.string(node) is not None:
            columns = (self.string(node),)  # type: ignore[assignment]
        else:
            raise _Unreadable("columns are not a literal list", "indexes")
        try:
            unique = self.flag(args.node("unique"), False)
        except _NotLiteral:
            raise _Unreadable("unique= is not a literal", "indexes")
        return CreateIndex(name, table, columns, bool(unique), where, *self.concurrency(args), self.predicates(args))

    def predicates(self, args: _Args):
        """A partial index's `postgresql_where=` / `sqlite_where=` (ormlint.schema.Predicates)."""
        from ormlint.schema import PREDICATE_KEYWORDS, index_predicates

        return index_predicates({k: args.node(k) for k in PREDICATE_KEYWORDS if k in args}, self.imports)

    def op_drop_index(self, args: _Args, table: str | None, where: Location) -> Operation:
        name = self.name_or_none(args.node("index_name"), "index name")
        if name is None:
            raise _Unreadable("index name", "indexes")
        return DropIndex(name, table, where, *self.concurrency(args))

    def concurrency(self, args: _Args) -> tuple[bool | None, bool]:
        """(`postgresql_concurrently=` as written: None when not a literal, inside an
        autocommit block)."""
        try:
            concurrently = self.flag(args.node("postgresql_concurrently"), False)
        except _NotLiteral:
            concurrently = None
        return concurrently, self.autocommit_depth > 0

    def op_create_unique_constraint(self, args: _Args, table: str, where: Location) -> Operation:
        name = self.name_or_none(args.node("constraint_name"), "constraint name")
        return CreateUniqueConstraint(name, table, self.strings(args.node("columns"), "columns", "indexes"), where)

    def op_create_foreign_key(self, args: _Args, table: str, where: Location) -> Operation:
        name = self.name_or_none(args.node("constraint_name"), "constraint name")
        target = self.string(args.node("referent_table"))
        if target is None:
            raise _Unreadable("referent table is not a literal", "foreign_keys")
        referent_schema = self.string(args.node("referent_schema"))
        if referent_schema is not None:
            target = f"{referent_schema}.{target}"
        local = self.strings(args.node("local_cols"), "local_cols", "foreign_keys")
        remote = self.strings(args.node("remote_cols"), "remote_cols", "foreign_keys")
        return CreateForeignKey(
            name, table, target, local, remote, self.ondelete(args.node("ondelete")), where,
            self.not_valid(args),
        )

    def op_create_check_constraint(self, args: _Args, table: str, where: Location) -> Operation:
        name = self.string(args.node("constraint_name"))  # None also when not a literal
        return CreateCheckConstraint(name, table, self.string(args.node("condition")), where, self.not_valid(args))

    def not_valid(self, args: _Args) -> bool | None:
        """`postgresql_not_valid=` as written (None when not a literal)."""
        try:
            return self.flag(args.node("postgresql_not_valid"), False)
        except _NotLiteral:
            return None

    def op_create_table_comment(self, args: _Args, table: str, where: Location) -> Operation:
        given = self.comment(args)
        return TableComment(table, given["comment"], where, given["comment_known"])

    def op_drop_table_comment(self, args: _Args, table: str, where: Location) -> Operation:
        return TableComment(table, None, where)

    def op_create_primary_key(self, args: _Args, table: str, where: Location) -> Operation:
        name = self.name_or_none(args.node("constraint_name"), "constraint name")
        return CreatePrimaryKey(name, table, self.strings(args.node("columns"), "columns"), where)

    def op_drop_constraint(self, args: _Args, table: str, where: Location) -> Operation:
        name = self.name_or_none(args.node("constraint_name"), "constraint name")
        type_node = args.node("type_")
        type_ = None
        if type_node is not None and not (isinstance(type_node, cst.Name) and type_node.value == "None"):
            type_ = self.string(type_node)
            if type_ is None:
                raise _Unreadable("type_ is not a literal")
        return DropConstraint(name, table, type_, where)


def _is_autocommit_block(expr: cst.BaseExpression) -> bool:
    """`op.get_context().autocommit_block()` (or `context.get_context()...`, a migration
    context bound to a name): the block runs outside the migration's transaction."""
    return (
        isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute)
        and expr.func.attr.value == "autocommit_block"
    )


class _Unreadable(Exception):
    def __init__(self, message: str, part: str | None = None):
        super().__init__(message)
        self.part = part


class _NotLiteral(Exception):
    pass


_INDEX_CONSTRAINTS = ("unique",)
_FOREIGN_KEY_CONSTRAINTS = ("foreignkey",)


def _part_touched(op: Operation) -> str | None:
    """"indexes" or "foreign_keys" when the operation can change only that part of its table;
    None when it may change columns (or anything else)."""
    if isinstance(op, Uncertain):
        return op.part
    if isinstance(op, (CreateIndex, DropIndex, CreateUniqueConstraint)):
        return "indexes"
    if isinstance(op, CreateForeignKey):
        return "foreign_keys"
    if isinstance(op, CreateCheckConstraint):
        return "checks"
    if isinstance(op, TableComment):
        return "comments"
    if isinstance(op, DropConstraint):
        if op.type_ in _INDEX_CONSTRAINTS:
            return "indexes"
        if op.type_ in _FOREIGN_KEY_CONSTRAINTS:
            return "foreign_keys"
        if op.type_ == "check":
            return "checks"
    return None


def uncertain_from(operations: Iterable[Operation], reason: str, where: Location) -> list[Operation]:
    """What operations that may or may not run leave known: each table they touch (or the part
    of it: indexes, foreign keys) is uncertain; one that creates, drops or renames a table, or
    whose table is unknown, makes the set of tables uncertain; a type it creates or drops may
    or may not be there (`EnumTypeChange.certain`)."""
    out: list[Operation] = []
    seen: set[tuple[str | None, str | None]] = set()
    for op in operations:
        if isinstance(op, DialectBranch):
            for inner in uncertain_from(op.then + op.otherwise, reason, where):
                if (inner.table, inner.part) not in seen:
                    seen.add((inner.table, inner.part))
                    out.append(inner)
            continue
        if isinstance(op, EnumTypeChange):  # the safety rules' record that the type may change
            out.append(replace(op, certain=False))
            continue
        if isinstance(op, UNCOMPARED):
            continue
        if isinstance(op, (CreateTable, DropTable, RenameTable)):
            table, part = None, None
        else:
            # an operation on indexes or foreign keys only leaves the rest of the table known
            table, part = op.table, _part_touched(op)
        if (table, part) in seen:
            continue
        seen.add((table, part))
        if isinstance(op, Uncertain):
            out.append(Uncertain(table, op.reason, op.location, part))
        else:
            out.append(Uncertain(table, reason, where, part))
    return out


def _literal_sequence(node: cst.CSTNode | None) -> tuple | None:
    """The items of a list or tuple literal of strings, or of tuples of strings; None for
    anything else."""
    if not isinstance(node, (cst.List, cst.Tuple)):
        return None
    items: list = []
    for element in node.elements:
        if isinstance(element, cst.StarredElement):
            return None
        text = string_value(element.value)
        if text is not None:
            items.append(text)
            continue
        if isinstance(element.value, (cst.List, cst.Tuple)):
            inner = [string_value(e.value) for e in element.value.elements]
            if any(t is None for t in inner) or any(
                isinstance(e, cst.StarredElement) for e in element.value.elements
            ):
                return None
            items.append(tuple(inner))
            continue
        return None
    return tuple(items)


def _target_names(target: cst.BaseExpression) -> frozenset[str]:
    if isinstance(target, cst.Name):
        return frozenset([target.value])
    if isinstance(target, (cst.Tuple, cst.List)):
        return frozenset(e.value.value for e in target.elements if isinstance(e.value, cst.Name))
    return frozenset()


def _bind(target: cst.BaseExpression, item: object) -> dict[str, str] | None:
    """The loop variables' values for one item; None when the shapes differ."""
    if isinstance(target, cst.Name):
        return {target.value: item} if isinstance(item, str) else None
    if isinstance(target, (cst.Tuple, cst.List)) and isinstance(item, tuple):
        elements = target.elements
        if len(elements) != len(item) or not all(
            isinstance(e, cst.Element) and isinstance(e.value, cst.Name) for e in elements
        ):
            return None
        return {e.value.value: value for e, value in zip(elements, item)}  # type: ignore[union-attr]
    return None


class _Flow(cst.CSTVisitor):
    """Jumps (break, continue, return, yield) and the names assigned in a block, outside the
    functions and classes it defines."""

    _SCOPES = (cst.FunctionDef, cst.ClassDef, cst.Lambda)
    _JUMPS = (cst.Return, cst.Break, cst.Continue, cst.Yield)
    # the nodes that bind names, and the attribute holding what they bind
    _BINDERS = {
        cst.AssignTarget: "target", cst.AnnAssign: "target", cst.AugAssign: "target",
        cst.For: "target", cst.AsName: "name", cst.NamedExpr: "target",
    }

    def __init__(self) -> None:
        self.jumps = False
        self.returns = False
        self.assigned: set[str] = set()

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, self._SCOPES):
            return False
        if isinstance(node, self._JUMPS):
            self.jumps = True
            self.returns |= isinstance(node, cst.Return)
        bound = self._BINDERS.get(type(node))
        if bound is not None:
            self._targets(getattr(node, bound))
        return True

    def _targets(self, target: cst.CSTNode) -> None:
        if isinstance(target, cst.Name):
            self.assigned.add(target.value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._targets(element.value)
        elif isinstance(target, cst.StarredElement):
            self._targets(target.value)


def _flow(node: cst.CSTNode) -> _Flow:
    flow = _Flow()
    node.visit(flow)
    return flow


def _assigned_names(body: cst.BaseSuite) -> set[str]:
    return _flow(body).assigned


def _jumps_or_rebinds(body: cst.BaseSuite, names: frozenset[str]) -> bool:
    flow = _flow(body)
    return flow.jumps or bool(flow.assigned & names)


def _returns(node: cst.If) -> bool:
    """Does a `return` occur in the `if` (any branch), outside nested functions?"""
    return _flow(node).returns


def _ends_in_return(body: list[cst.CSTNode]) -> bool:
    return bool(body) and isinstance(body[-1], cst.Return) and not any(
        _flow(child).returns for child in body[:-1]
    )


def _else_block(node: cst.If) -> list[cst.CSTNode]:
    """The statements of an `if`'s else branch (an `elif` is one `if` statement there)."""
    orelse = node.orelse
    if orelse is None:
        return []
    if isinstance(orelse, cst.If):
        return [orelse]
    return _block(orelse.body)


def _compound_parts(node: cst.CSTNode, twin: ast.stmt | None) -> Iterator[tuple]:
    """(expression, ast expression) and (statement list, ast statement list) of a compound
    statement, in pairs."""
    def body(suite: cst.BaseSuite | None, ast_list: list | None) -> Iterator[tuple]:
        if suite is not None:
            yield _block(suite), list(ast_list or [])

    if isinstance(node, cst.If):
        yield node.test, getattr(twin, "test", None)
        yield from body(node.body, getattr(twin, "body", None))
        orelse = node.orelse
        ast_orelse = getattr(twin, "orelse", None) or []
        if isinstance(orelse, cst.If):
            yield from _compound_parts(orelse, ast_orelse[0] if ast_orelse else None)
        elif orelse is not None:
            yield from body(orelse.body, ast_orelse)
    elif isinstance(node, (cst.For, cst.While)):
        yield (node.iter if isinstance(node, cst.For) else node.test), getattr(twin, "iter", getattr(twin, "test", None))
        yield from body(node.body, getattr(twin, "body", None))
        if node.orelse is not None:
            yield from body(node.orelse.body, getattr(twin, "orelse", None))
    elif isinstance(node, cst.Match):
        yield node.subject, getattr(twin, "subject", None)
        ast_cases = getattr(twin, "cases", []) or []
        for i, case in enumerate(node.cases):
            yield from body(case.body, ast_cases[i].body if i < len(ast_cases) else None)
    else:  # Try / TryStar
        yield from body(node.body, getattr(twin, "body", None))
        ast_handlers = getattr(twin, "handlers", []) or []
        for i, handler in enumerate(node.handlers):
            yield from body(handler.body, ast_handlers[i].body if i < len(ast_handlers) else None)
        if node.orelse is not None:
            yield from body(node.orelse.body, getattr(twin, "orelse", None))
        if node.finalbody is not None:
            yield from body(node.finalbody.body, getattr(twin, "finalbody", None))


_DML = ("insert", "update", "delete", "select")
_FIELD = "__ormlint_field__"  # stands for an f-string's `{...}` in the statement read from it


def _shape(node: cst.FormattedString) -> str | None:
    """An f-string's SQL with each `{...}` as a placeholder name: enough to tell an INSERT from
    an ALTER TABLE, not which table. None when its text parts have escapes."""
    return _formatted_text(node, lambda part: _FIELD)


def _formatted_text(
    node: cst.FormattedString, field: Callable[[cst.FormattedStringExpression], str | None]
) -> str | None:
    """An f-string's text with each `{...}` replaced by `field(part)`; None when a field gives
    None or a text part has an escape (its value would need evaluating)."""
    if node.prefix.lower() != "f":
        return None
    parts = []
    for part in node.parts:
        if isinstance(part, cst.FormattedStringText):
            if "\\" in part.value:
                return None
            parts.append(part.value.replace("{{", "{").replace("}}", "}"))
            continue
        value = field(part)
        if value is None:
            return None
        parts.append(value)
    return "".join(parts)


_DOLLAR_QUOTED = re.compile(r"\$(\w*)\$.*?\$\1\$", re.DOTALL)


_VALIDATE_CONSTRAINT = re.compile(
    r"^\s*ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?([\w\".]+)\s+VALIDATE\s+CONSTRAINT\s+"
    r"([\w\"]+)\s*;?\s*$", re.I,
)


_TYPE_STATEMENT = re.compile(
    r"^(CREATE|DROP|ALTER)\s+TYPE\s+(IF\s+EXISTS\s+)?(.+)$", re.I | re.DOTALL,
)
_TYPE_NAME = r'(?:"[^"]+"|[\w]+)(?:\.(?:"[^"]+"|[\w]+))?'


def _type_name(written: str) -> str | None:
    """A type's name as PostgreSQL stores it: unquoted parts lower-cased, `public.` left out;
    None when an f-string field stands for part of it."""
    if _FIELD in written:
        return None
    parts = [part[1:-1] if part.startswith('"') else part.lower()
             for part in re.findall(r'"[^"]+"|[^."]+', written)]
    if len(parts) == 2 and parts[0] == "public":
        parts = parts[1:]
    return ".".join(parts)


def _type_changes(text: str, where: Location) -> list[EnumTypeChange]:
    """The types that SQL creates, drops or renames (`CREATE TYPE x AS ENUM (...)`, `DROP TYPE
    IF EXISTS x, y`, `ALTER TYPE x RENAME TO y`), in order."""
    changes: list[EnumTypeChange] = []
    for statement in _DOLLAR_QUOTED.sub("''", text).split(";"):
        found = _TYPE_STATEMENT.match(" ".join(statement.split()))
        if found is None:
            continue
        verb, if_exists, rest = found.group(1).upper(), bool(found.group(2)), found.group(3)
        if verb == "DROP":
            names = re.match(rf"\s*({_TYPE_NAME}(?:\s*,\s*{_TYPE_NAME})*)", rest)
            for written in re.findall(_TYPE_NAME, names.group(1)) if names else [None]:
                name = _type_name(written) if written else None
                changes.append(EnumTypeChange("drop", name, where, if_exists))
            continue
        named = re.match(rf"\s*({_TYPE_NAME})(.*)$", rest)
        if named is None:
            changes.append(EnumTypeChange("drop" if verb == "DROP" else "create", None, where))
            continue
        name, tail = _type_name(named.group(1)), named.group(2)
        if verb == "CREATE":
            labels = re.match(r"\s*AS\s+ENUM\s*\((.*)\)\s*$", tail, re.I)
            changes.append(EnumTypeChange("create", name, where, values=_labels(labels.group(1), statement) if labels else None))
        added = re.match(rf"\s*ADD\s+VALUE\s+(IF\s+NOT\s+EXISTS\s+)?({_LABEL})", tail, re.I)
        relabelled = re.match(rf"\s*RENAME\s+VALUE\s+({_LABEL})\s+TO\s+({_LABEL})", tail, re.I)
        if verb == "ALTER" and (added or relabelled):
            values = _labels(", ".join(added.groups()[1:] if added else relabelled.groups()), statement)
            action = "add_value" if added else "rename_value"
            changes.append(EnumTypeChange(action, name, where, bool(added and added.group(1)), values=values))
        elif verb == "ALTER" and re.match(r"\s*(ADD|RENAME)\s+VALUE\b", tail, re.I):
            changes.append(EnumTypeChange("add_value", name, where, values=None))  # labels not read
        renamed = re.match(rf"\s*RENAME\s+TO\s+({_TYPE_NAME})", tail, re.I)
        moved = re.match(rf"\s*SET\s+SCHEMA\s+({_TYPE_NAME})", tail, re.I)
        if verb == "ALTER" and (renamed or moved):
            schema = f"{name.rpartition('.')[0]}." if name and "." in name else ""
            new_name = _type_name(renamed.group(1)) if renamed else None
            if moved and name is not None:
                moved_to = _type_name(moved.group(1))
                new_name = f"{moved_to}.{name.rpartition('.')[2]}" if moved_to else None
                schema = ""
            new_name = schema + new_name if new_name else None
            changes.append(EnumTypeChange("drop", name, where, renamed=new_name))
            changes.append(EnumTypeChange("create", new_name, where, renamed=name))
    return changes


_LABEL = r"'(?:[^']|'')*'"


def _labels(text: str, statement: str) -> tuple[str, ...] | None:
    """`'a', 'b'` -> ("a", "b"); None when it is not a list of literal labels (an f-string
    field in one, say), or a label is not written so in `statement` (its spaces were joined)."""
    labels = re.findall(_LABEL, text)
    if not labels or re.sub(_LABEL, "", text).replace(",", "").strip() or _FIELD in text:
        return None
    if any(label not in statement for label in labels):
        return None
    return tuple(label[1:-1].replace("''", "'") for label in labels)


def _written_out(rows: cst.BaseExpression | None, sequences: dict[str, tuple]) -> bool:
    """Are `op.bulk_insert`'s rows a fixed number the revision writes out: a list or tuple
    display, or a comprehension over one, over `range(<literal>)` or over a module-level
    sequence of literals? False for rows computed when the revision runs (a name, a call, a
    comprehension over query results)."""
    if isinstance(rows, (cst.List, cst.Tuple)):
        return not any(isinstance(e, cst.StarredElement) for e in rows.elements)
    if isinstance(rows, (cst.ListComp, cst.GeneratorExp)):
        loop: cst.CompFor | None = rows.for_in
        while loop is not None:
            source = loop.iter
            if not (
                _written_out(source, sequences)
                or (isinstance(source, cst.Name) and source.value in sequences)
                or (isinstance(source, cst.Call) and dotted_name(source.func) == "range"
                    and all(isinstance(a.value, cst.Integer) for a in source.args))
            ):
                return False
            loop = loop.inner_for_in
        return True
    return False


def _sql_tables(text: str) -> list[str | None]:
    """What executing `text` may change: [] nothing compared, [table] that table, [None] the
    schema."""
    if "$" in text:
        # a dollar-quoted body (a function's, a DO block's) holds semicolons of its own: the
        # statement around it is judged with the body left out
        text = _DOLLAR_QUOTED.sub("''", text)
        if re.search(r"\$\w*\$", text):
            return [None]  # an opening tag without its end: not read
    touched: list[str | None] = []
    for statement in text.split(";"):
        statement = " ".join(statement.split())
        if not statement or statement.startswith("--"):
            continue
        keyword = statement.split(" ", 1)[0].upper()
        cascades = keyword == "DROP" and re.search(r"\bCASCADE\b", statement, re.I)
        if keyword in _DATA_SQL or (_IGNORED_OBJECTS.match(statement) and not cascades):
            continue
        match = _ALTER_TABLE.match(statement + " ") or _CREATE_INDEX.match(statement)
        if match and " RENAME TO " not in statement.upper() + " ":
            table = match.group(1).replace('"', "")
            if table not in touched:
                touched.append(table)
            continue
        return [None]
    return touched


# -- graph ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BrokenLink:
    revision: str
    missing: str
    kind: str  # "down_revision" or "depends_on"


class RevisionGraph:
    """The revisions of one script directory, linked through down_revision and depends_on."""

    def __init__(self, revisions: Iterable[Revision]):
        # files without a (readable) revision id: unparsable files whose header is not a plain
        # literal, helper modules
        self.unplaced: list[Revision] = []
        self.revisions: dict[str, Revision] = {}
        duplicates: dict[str, list[str]] = defaultdict(list)
        for rev in revisions:
            if rev.revision is None or rev.header_error:
                self.unplaced.append(rev)
                continue
            if rev.revision in self.revisions:
                if not duplicates[rev.revision]:
                    duplicates[rev.revision].append(self.revisions[rev.revision].path)
                duplicates[rev.revision].append(rev.path)
            self.revisions[rev.revision] = rev  # as Alembic does: the last one read wins
        self.duplicates: dict[str, tuple[str, ...]] = {k: tuple(v) for k, v in duplicates.items()}
        labels: dict[str, str] = {}
        for rev in self.revisions.values():
            for label in rev.branch_labels:
                labels.setdefault(label, rev.revision)  # type: ignore[arg-type]
        broken: list[BrokenLink] = []
        self.parents: dict[str, tuple[str, ...]] = {}  # down_revisions that exist
        self.after: dict[str, tuple[str, ...]] = {}  # everything that must run first
        for rid, rev in self.revisions.items():
            parents = []
            for down in rev.down_revisions:
                if down in self.revisions:
                    parents.append(down)
                else:
                    broken.append(BrokenLink(rid, down, "down_revision"))
            dependencies = []
            for dep in rev.depends_on:
                target = self.resolve(dep, labels)
                if target is None:
                    broken.append(BrokenLink(rid, dep, "depends_on"))
                elif target != rid:
                    dependencies.append(target)
            self.parents[rid] = tuple(parents)
            self.after[rid] = tuple(dict.fromkeys(parents + dependencies))
        self.broken_links: tuple[BrokenLink, ...] = tuple(broken)
        children: set[str] = {p for ps in self.parents.values() for p in ps}
        self.heads: tuple[str, ...] = tuple(r for r in self.revisions if r not in children)
        self.bases: tuple[str, ...] = tuple(
            r for r, rev in self.revisions.items() if not rev.down_revisions
        )
        self._order, self.cycles = self._sort()

    def resolve(self, name: str, labels: dict[str, str]) -> str | None:
        """A revision id, a branch label, or a unique prefix of an id (as Alembic accepts)."""
        if name in self.revisions:
            return name
        if name in labels:
            return labels[name]
        matches = [r for r in self.revisions if r.startswith(name)] if len(name) >= 3 else []
        return matches[0] if len(matches) == 1 else None

    def _sort(self) -> tuple[list[str], tuple[tuple[str, ...], ...]]:
        waiting = {r: len(after) for r, after in self.after.items()}
        dependents: dict[str, list[str]] = defaultdict(list)
        for rid, after in self.after.items():
            for first in after:
                dependents[first].append(rid)
        position = {r: i for i, r in enumerate(self.revisions)}
        ready = sorted((r for r, n in waiting.items() if n == 0), key=position.__getitem__)
        order: list[str] = []
        while ready:
            current = ready.pop(0)
            order.append(current)
            for dependent in dependents[current]:
                waiting[dependent] -= 1
                if waiting[dependent] == 0:
                    ready.append(dependent)
                    ready.sort(key=position.__getitem__)
        left = {r for r, n in waiting.items() if n > 0}
        return order, _cycles(left, self.after)

    @property
    def blocked(self) -> tuple[str, ...]:
        """Revisions that cannot be ordered (in a cycle or after one)."""
        placed = set(self._order)
        return tuple(r for r in self.revisions if r not in placed)

    def ordered(self) -> list[Revision]:
        """The revisions base -> head; each after all of its down_revisions and depends_on.
        Revisions in or after a cycle are left out."""
        return [self.revisions[r] for r in self._order]

    @property
    def heads_by_design(self) -> bool:
        """One head, or one head per labelled branch: each head has a branch label in its
        history that no other head has (expand/contract branches, upgraded as `expand@head` and
        `contract@head`, or all at once with `alembic upgrade heads`)."""
        if len(self.heads) <= 1:
            return True
        labels = [self._labels_below(head) for head in self.heads]
        return all(
            own - set().union(*(other for j, other in enumerate(labels) if j != i))
            for i, own in enumerate(labels)
        )

    def _labels_below(self, head: str) -> set[str]:
        labels: set[str] = set()
        seen, pending = set(), [head]
        while pending:
            current = pending.pop()
            if current in seen:
                continue
            seen.add(current)
            labels.update(self.revisions[current].branch_labels)
            pending.extend(self.parents.get(current, ()))
        return labels

    @property
    def may_hold_unread_revisions(self) -> bool:
        """Some file that does not parse has no readable header: it may be the revision a
        broken link names, or the merge of the heads."""
        return any(not rev.parsed for rev in self.unplaced)

    @property
    def complete(self) -> bool:
        """Its heads by design, every link known, no duplicates, cycles or unreadable files."""
        return (
            self.heads_by_design and not self.broken_links and not self.duplicates
            and not self.cycles and not self.unplaced
        )


def _cycles(nodes: set[str], after: dict[str, tuple[str, ...]]) -> tuple[tuple[str, ...], ...]:
    """The strongly connected components with a cycle among `nodes` (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[tuple[str, ...]] = []
    counter = 0
    for start in sorted(nodes):
        if start in index:
            continue
        work = [(start, iter([a for a in after.get(start, ()) if a in nodes]))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, edges = work[-1]
            advanced = False
            for nxt in edges:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter([a for a in after.get(nxt, ()) if a in nodes])))
                    advanced = True
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in after.get(node, ()):
                    found.append(tuple(sorted(component)))
    return tuple(found)
