"""Where an Alembic revision names a table or a column: the string literals of its `op.*` and
`batch_op.*` calls (`op.add_column("user", sa.Column("email", ...))`, `op.create_index("ix",
"user", ["email"])`, `sa.ForeignKey("user.id")` ...), for the language server's go to definition
and find references.

Navigation only: every literal that names something is listed, wherever it sits in the file
(upgrade or downgrade, any branch); what the operations do is `ormlint.migrations`' business.
Read with CPython's `ast` (a revision is small, and this runs on editor requests); positions are
ormlint's (1-based lines, columns in code points).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from ormlint.facts import Location
from ormlint.migrations.operations import OPERATION_PARAMETERS, TABLE_PARAMETERS


@dataclass(frozen=True)
class NameUse:
    """A string literal naming `table` (column None) or its `column`."""

    table: str
    column: str | None
    location: Location
    foreign_key: bool = False  # a "table.column" target: it names the table too


# Alembic's signatures, as the revision reader knows them, and `batch_alter_table`'s own.
_PARAMETERS = {**OPERATION_PARAMETERS, "batch_alter_table": ("table_name",)}
# the parameters naming a table: the operation's own (or its new name), or a foreign key's target
_TABLE_NAMES = TABLE_PARAMETERS | {"new_table_name", "referent_table"}
# Table-level constraints inside `create_table`: their string arguments are its columns.
_CONSTRAINTS = {"PrimaryKeyConstraint", "UniqueConstraint", "Index"}


def argument_names(method: str, position: int) -> str | None:
    """What the `position`th argument of `op.<method>(...)` names: "table", "column" (of the
    table its first argument names) or None."""
    parameters = _PARAMETERS.get(method, ())
    name = parameters[position] if 0 <= position < len(parameters) else None
    return "table" if name in _TABLE_NAMES else "column" if name == "column_name" else None


def revision_names(source: str) -> list[NameUse]:
    """Every table or column name the revision's operations write, in file order; [] for a text
    that does not parse."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    reader = _Reader(source)
    reader.visit(tree)
    return sorted(reader.found, key=lambda use: (use.location.line, use.location.column))


class _Reader(ast.NodeVisitor):
    def __init__(self, source: str) -> None:
        self.ascii = source.isascii()  # then a byte offset is a code-point offset
        self.source_lines = source.split("\n")
        self.found: list[NameUse] = []
        self.batches: dict[str, str] = {}  # `with op.batch_alter_table("t") as b`: b -> "t"

    def visit_With(self, node: ast.With) -> None:
        for item in node.items:
            call = item.context_expr
            if (
                isinstance(call, ast.Call) and _method(call) == "batch_alter_table"
                and isinstance(item.optional_vars, ast.Name)
            ):
                table = self._literal(_argument(call, 0, "table_name"))
                if table is not None:
                    self.batches[item.optional_vars.id] = table
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        method = _method(node)
        receiver = node.func.value if isinstance(node.func, ast.Attribute) else None
        batch_table = self.batches.get(receiver.id) if isinstance(receiver, ast.Name) else None
        if method in _PARAMETERS:
            self._operation(node, method, batch_table)
        self.generic_visit(node)

    def _operation(self, call: ast.Call, method: str, batch_table: str | None) -> None:
        parameters = _PARAMETERS[method]
        if batch_table is not None:  # a batch operation takes no table argument
            parameters = tuple(p for p in parameters if p not in TABLE_PARAMETERS)

        def argument(name: str) -> ast.AST | None:
            return _argument(call, parameters.index(name), name) if name in parameters else None

        table = batch_table
        if table is None:
            own = next((p for p in parameters if p in TABLE_PARAMETERS), None)
            table = self._add(argument(own), None) if own is not None else None
            self._add(argument("new_table_name"), None)
        if table is None:
            return
        self._add(argument("column_name"), table)
        for node in _elements(argument("columns") or argument("local_cols")):
            self._add(node, table)
        referent = self._add(argument("referent_table"), None)
        if referent is not None:
            for node in _elements(argument("remote_cols")):
                self._add(node, referent)
        if method in ("create_table", "add_column"):
            for element in call.args[0 if batch_table is not None else 1:]:
                self._element(element, table)

    def _element(self, node: ast.AST, table: str) -> None:
        """A `sa.Column("name", ...)` or table-level constraint of a created table."""
        if not isinstance(node, ast.Call):
            return
        name = _callee(node)
        if name == "Column" and node.args:
            self._add(node.args[0], table)
        elif name in _CONSTRAINTS:
            for argument in node.args[1:] if name == "Index" else node.args:
                self._add(argument, table)
        elif name == "ForeignKeyConstraint" and node.args:
            for local in _elements(node.args[0]):
                self._add(local, table)
            if len(node.args) > 1:
                for remote in _elements(node.args[1]):
                    self._dotted(remote)

    def generic_visit(self, node: ast.AST) -> None:
        if isinstance(node, ast.Call) and _callee(node) == "ForeignKey" and node.args:
            self._dotted(node.args[0])
        super().generic_visit(node)

    def _dotted(self, node: ast.AST) -> None:
        """A "table.column" (or "schema.table.column") foreign-key target."""
        value = self._literal(node)
        if value is None or "." not in value:
            return
        table, _, column = value.rpartition(".")
        self.found.append(NameUse(table.rpartition(".")[2], column, self._location(node), foreign_key=True))

    def _add(self, node: ast.AST | None, table: str | None) -> str | None:
        """Records a literal naming a table (`table` None) or a column of `table`; its value."""
        value = self._literal(node)
        if value is None or node is None:
            return None
        self.found.append(NameUse(value if table is None else table, None if table is None else value, self._location(node)))
        return value

    @staticmethod
    def _literal(node: ast.AST | None) -> str | None:
        if isinstance(node, ast.Call) and _callee(node) == "f" and len(node.args) == 1:
            node = node.args[0]  # op.f("ix_user_email")
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value:
            return node.value
        return None

    def _location(self, node: ast.AST) -> Location:
        if isinstance(node, ast.Call):
            node = node.args[0]
        end_line = node.end_lineno or node.lineno
        return Location(
            node.lineno, self._column(node.lineno, node.col_offset),
            end_line, self._column(end_line, node.end_col_offset or node.col_offset),
        )

    def _column(self, line: int, byte_offset: int) -> int:
        """1-based code-point column of a UTF-8 byte offset (what `ast` gives)."""
        if self.ascii:
            return byte_offset + 1
        text = self.source_lines[line - 1] if line <= len(self.source_lines) else ""
        return len(text.encode("utf-8")[:byte_offset].decode("utf-8", errors="ignore")) + 1


def _method(call: ast.Call) -> str | None:
    return call.func.attr if isinstance(call.func, ast.Attribute) else None


def _callee(call: ast.Call) -> str | None:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None


def _argument(call: ast.Call, position: int, keyword: str) -> ast.AST | None:
    if 0 <= position < len(call.args) and not any(isinstance(a, ast.Starred) for a in call.args[: position + 1]):
        return call.args[position]
    return _keyword(call, keyword)


def _keyword(call: ast.Call, keyword: str) -> ast.AST | None:
    return next((k.value for k in call.keywords if k.arg == keyword), None)


def _elements(node: ast.AST | None) -> list[ast.AST]:
    if isinstance(node, (ast.List, ast.Tuple)):
        return list(node.elts)
    return []
