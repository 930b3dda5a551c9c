"""Name resolution without libcst's scope providers.

One import/alias table per module turns a dotted name as written (``sa.Column``, ``db.relationship``,
``rel``) into the SQLAlchemy object it denotes, and a small binding collector answers "is this name
bound here" for the scopes a class body can see. Both are plain walks over statements, so they cost
little next to parsing (DESIGN.md: the scope providers cost about 8x the parse).
"""

from __future__ import annotations

import builtins
import dataclasses
import re
from dataclasses import dataclass, field
from typing import Iterable, Iterator

import libcst as cst

# Modules whose public names are SQLAlchemy objects. SQLModel re-exports SQLAlchemy's schema names.
_SQLALCHEMY_ROOTS = ("sqlalchemy", "sqlmodel", "flask_sqlalchemy")
_FLASK_HANDLE = "flask_sqlalchemy.<handle>"
_SQLMODEL_OWN = {"Field", "Relationship", "SQLModel"}
_TYPING_MODULES = ("typing", "typing_extensions")

# Names that `from sqlalchemy import *` (or the ORM/sqlmodel equivalents) brings in and that rules
# care about; an unbound name is resolved through a star import only when it is one of these.
_STAR_EXPORTS = {
    "sqlalchemy": {
        "Column", "Index", "UniqueConstraint", "PrimaryKeyConstraint", "CheckConstraint",
        "ForeignKey", "ForeignKeyConstraint", "Table", "MetaData", "text", "func",
    },
    "sqlalchemy.orm": {
        "relationship", "relation", "backref", "mapped_column", "Mapped", "WriteOnlyMapped",
        "DynamicMapped", "DeclarativeBase", "DeclarativeBaseNoMeta", "declarative_base",
        "declared_attr", "registry",
    },
}

BUILTIN_NAMES = frozenset(
    n for n in dir(builtins)
    if not n.startswith("_") and n not in {"None", "True", "False", "NotImplemented", "Ellipsis"}
)


_SKIPPED_FIELDS = ("whitespace", "lpar", "rpar", "comma", "equal", "semicolon", "colon",
                   "lbracket", "rbracket", "lbrace", "rbrace", "leading_lines", "trailing",
                   "newline", "header", "footer", "indent", "dot", "operator", "asynchronous")
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}


def syntax_children(node: cst.CSTNode) -> list[cst.CSTNode]:
    """The child nodes that carry syntax (expressions, statements), in source order; whitespace,
    commas and brackets are left out. About ten times cheaper than libcst's `node.children`,
    which runs a visitor per call."""
    names = _CHILD_FIELDS.get(type(node))
    if names is None:
        names = tuple(
            f.name for f in dataclasses.fields(node) if not f.name.startswith(_SKIPPED_FIELDS)
        )
        _CHILD_FIELDS[type(node)] = names
    children: list[cst.CSTNode] = []
    for name in names:
        value = getattr(node, name)
        kind = _VALUE_KINDS.get(type(value))
        if kind is None:
            kind = _VALUE_KINDS[type(value)] = _value_kind(type(value))
        if kind == _NODE:
            children.append(value)
        elif kind == _SEQUENCE:
            children.extend(v for v in value if _VALUE_KINDS.get(type(v)) == _NODE or _is_node(v))
    return children


# isinstance() against libcst's abstract classes goes through ABCMeta, several times slower than
# a dict lookup by type, and syntax_children runs for every node the extractor walks.
_NODE, _SEQUENCE, _OTHER = 1, 2, 0
_VALUE_KINDS: dict[type, int] = {}


def _value_kind(kind: type) -> int:
    if issubclass(kind, cst.CSTNode):
        return _NODE
    return _SEQUENCE if issubclass(kind, (tuple, list)) else _OTHER


def _is_node(value: object) -> bool:
    kind = _VALUE_KINDS[type(value)] = _value_kind(type(value))
    return kind == _NODE


def dotted_name(node: cst.CSTNode) -> str | None:
    """``a.b.c`` for a chain of Name/Attribute nodes, else None."""
    parts: list[str] = []
    # Exact types (libcst has no subclasses of these): isinstance() would go through ABCMeta.
    while type(node) is cst.Attribute:
        parts.append(node.attr.value)
        node = node.value
    if type(node) is cst.Name:
        parts.append(node.value)
        return ".".join(reversed(parts))
    return None


def string_value(node: cst.CSTNode | None) -> str | None:
    """The value of a plain (non f-) string literal, implicit concatenation included."""
    if type(node) is cst.SimpleString:
        text = node.value
        # "name" / 'name' without escapes or a prefix: the text between the quotes (libcst's
        # evaluated_value compiles every literal).
        if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'" and "\\" not in text:
            inner = text[1:-1]
            if text[0] not in inner:
                return inner
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        try:
            value = node.evaluated_value
        except Exception:  # malformed escapes: treat as unknown
            return None
        return value if isinstance(value, str) else None
    return None


def bool_value(node: cst.CSTNode | None) -> bool | None:
    if isinstance(node, cst.Name) and node.value in ("True", "False"):
        return node.value == "True"
    return None


@dataclass
class ImportTable:
    """Local name -> qualified name, for one module."""

    aliases: dict[str, str] = field(default_factory=dict)
    star_modules: list[str] = field(default_factory=list)
    flask_handles: set[str] = field(default_factory=set)
    type_checking_only: set[str] = field(default_factory=set)

    def qualify(self, dotted: str) -> str | None:
        """The fully qualified name that ``dotted`` (as written in this module) refers to."""
        head, _, rest = dotted.partition(".")
        if head in self.flask_handles:
            return _FLASK_HANDLE + ("." + rest if rest else "")
        target = self.aliases.get(head)
        if target is None:
            for module in self.star_modules:
                if head in _STAR_EXPORTS.get(module, ()):
                    target = f"{module}.{head}"
                    break
        if target is None:
            return None
        return target + ("." + rest if rest else "")

    def symbol(self, node: cst.CSTNode) -> str | None:
        """Canonical SQLAlchemy symbol for an expression naming one (``Column``, ``relationship``,
        ``sqlmodel.Field``, ``flask.Model``, ``typing.Optional``), else None."""
        dotted = dotted_name(node)
        return None if dotted is None else self.dotted_symbol(dotted)

    def dotted_symbol(self, dotted: str) -> str | None:
        """`symbol` for a name already written out as ``a.b.c``."""
        qualified = self.qualify(dotted)
        if qualified is None:
            return None
        return canonical_symbol(qualified)


def optional_core(expr: cst.BaseExpression | None, imports: ImportTable) -> cst.BaseExpression | None:
    """The type an annotation names once `None` is taken out: `X` for `X`, `"X"`, `Optional[X]`,
    `X | None`, `Union[X, None]` and their nestings; None when that is not one type (`A | B`, an
    unparsable string)."""
    for _ in range(8):
        if expr is None:
            return None
        text = string_value(expr)
        if text is not None:
            try:
                expr = cst.parse_expression(text.strip())
            except Exception:
                return None
            continue
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.BitOr):
            sides = [e for e in (expr.left, expr.right) if not _is_none(e)]
            if len(sides) != 1:
                return None
            expr = sides[0]
            continue
        if isinstance(expr, cst.Subscript) and imports.symbol(expr.value) in ("typing.Optional", "typing.Union"):
            elements = [e.slice.value for e in expr.slice if isinstance(e.slice, cst.Index)]
            rest = [e for e in elements if not _is_none(e)]
            if len(rest) != 1:
                return None
            expr = rest[0]
            continue
        return expr
    return None


def _is_none(node: cst.CSTNode) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"


def canonical_symbol(qualified: str) -> str | None:
    root, _, _ = qualified.partition(".")
    last = qualified.rpartition(".")[2]
    if qualified.startswith(_FLASK_HANDLE + "."):
        tail = qualified[len(_FLASK_HANDLE) + 1:]
        if "." in tail:  # db.session.query etc.
            return None
        return "flask.Model" if tail == "Model" else tail
    if root == "sqlmodel" and last in _SQLMODEL_OWN:
        return "sqlmodel." + last
    if root == "flask_sqlalchemy" and last == "SQLAlchemy":
        return "flask.SQLAlchemy"
    if root in _SQLALCHEMY_ROOTS:
        return last
    if root in _TYPING_MODULES:
        return "typing." + last
    return None


_HANDLE_USE = re.compile(r"\b([A-Za-z_]\w*)\.(?:Column|relationship|mapped_column)\(")
_HANDLE_CALLS = (".Column(", ".relationship(", ".mapped_column(")  # a quick test before it


def build_import_table(module: cst.Module, source: str) -> ImportTable:
    """Imports and handle assignments at module level (including under ``if``/``try``)."""
    table = ImportTable()
    imported_from_elsewhere: set[str] = set()

    def visit_block(stmts: Iterable[cst.CSTNode], type_checking: bool) -> None:
        for stmt in stmts:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    visit_small(small, type_checking)
            elif isinstance(stmt, cst.If):
                guard = dotted_name(stmt.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING")
                visit_block(stmt.body.body, type_checking or guard)
                orelse = stmt.orelse
                while orelse is not None:
                    visit_block(orelse.body.body, type_checking)
                    orelse = orelse.orelse if isinstance(orelse, cst.If) else None
            elif isinstance(stmt, cst.Try):
                visit_block(stmt.body.body, type_checking)
                for handler in stmt.handlers:
                    visit_block(handler.body.body, type_checking)
                if stmt.orelse:
                    visit_block(stmt.orelse.body.body, type_checking)

    def bind(local: str, qualified: str, type_checking: bool) -> None:
        table.aliases[local] = qualified
        if type_checking:
            table.type_checking_only.add(local)
        else:
            table.type_checking_only.discard(local)

    def visit_small(small: cst.CSTNode, type_checking: bool) -> None:
        if isinstance(small, cst.Import):
            for alias in small.names:
                dotted = dotted_name(alias.name)
                if dotted is None:
                    continue
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    bind(alias.asname.name.value, dotted, type_checking)
                else:
                    head = dotted.partition(".")[0]
                    bind(head, head, type_checking)
        elif isinstance(small, cst.ImportFrom):
            module_name = dotted_name(small.module) if small.module is not None else None
            relative = len(small.relative) > 0
            if isinstance(small.names, cst.ImportStar):
                if module_name and not relative:
                    table.star_modules.append(module_name)
                return
            for alias in small.names:
                if not isinstance(alias.name, cst.Name):
                    continue
                local = alias.name.value
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    local = alias.asname.name.value
                if module_name and not relative:
                    bind(local, f"{module_name}.{alias.name.value}", type_checking)
                    if module_name.partition(".")[0] not in _SQLALCHEMY_ROOTS:
                        imported_from_elsewhere.add(local)
                else:
                    imported_from_elsewhere.add(local)
                    table.aliases.pop(local, None)
        elif isinstance(small, (cst.Assign, cst.AnnAssign)) and isinstance(small.value, cst.Call):
            targets = (
                [t.target for t in small.targets] if isinstance(small, cst.Assign) else [small.target]
            )
            if table.symbol(small.value.func) == "flask.SQLAlchemy":
                for target in targets:
                    if isinstance(target, cst.Name):
                        table.flask_handles.add(target.value)

    visit_block(module.body, False)
    # `from app.extensions import db` then `db.Column(...)`: a Flask-SQLAlchemy handle made in
    # another module. Recognised only when the file calls it like one.
    if imported_from_elsewhere and any(call in source for call in _HANDLE_CALLS):
        for local in imported_from_elsewhere & set(_HANDLE_USE.findall(source)):
            table.flask_handles.add(local)
            table.aliases.pop(local, None)
    return table


# ---------------------------------------------------------------------------------------------
# Bindings


def _target_names(target: cst.CSTNode) -> Iterator[str]:
    if isinstance(target, cst.Name):
        yield target.value
    elif isinstance(target, (cst.Tuple, cst.List)):
        for element in target.elements:
            yield from _target_names(element.value)
    elif isinstance(target, cst.StarredElement):
        yield from _target_names(target.value)


@dataclass
class Bindings:
    names: set[str] = field(default_factory=set)
    unknown: bool = False  # a star import from an unknown module: anything may be bound

    def __contains__(self, name: str) -> bool:
        return self.unknown or name in self.names


def statement_bindings(stmt: cst.CSTNode, into: Bindings) -> Bindings:
    """Add the names a statement binds in its own scope (not inside nested def/class bodies)."""
    if isinstance(stmt, cst.SimpleStatementLine):
        for small in stmt.body:
            _small_bindings(small, into)
    elif isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
        into.names.add(stmt.name.value)
    elif isinstance(stmt, (cst.For,)):
        into.names.update(_target_names(stmt.target))
        _block_bindings(stmt.body, into)
        if stmt.orelse:
            _block_bindings(stmt.orelse.body, into)
    elif isinstance(stmt, cst.While):
        _block_bindings(stmt.body, into)
        if stmt.orelse:
            _block_bindings(stmt.orelse.body, into)
    elif isinstance(stmt, cst.If):
        _block_bindings(stmt.body, into)
        if stmt.orelse is not None:
            if isinstance(stmt.orelse, cst.If):
                statement_bindings(stmt.orelse, into)
            else:
                _block_bindings(stmt.orelse.body, into)
    elif isinstance(stmt, (cst.Try, cst.TryStar)):
        _block_bindings(stmt.body, into)
        for handler in stmt.handlers:
            if handler.name is not None:
                into.names.update(_target_names(handler.name.name))
            _block_bindings(handler.body, into)
        if stmt.orelse:
            _block_bindings(stmt.orelse.body, into)
        if stmt.finalbody:
            _block_bindings(stmt.finalbody.body, into)
    elif isinstance(stmt, cst.With):
        for item in stmt.items:
            if item.asname is not None:
                into.names.update(_target_names(item.asname.name))
        _block_bindings(stmt.body, into)
    elif isinstance(stmt, cst.Match):
        # Capture patterns bind names; rather than model patterns, treat every name in them as bound.
        for case in stmt.cases:
            into.names.update(_all_names(case.pattern))
            _block_bindings(case.body, into)
    return into


def _block_bindings(block: cst.BaseSuite, into: Bindings) -> None:
    if isinstance(block, cst.IndentedBlock):
        for stmt in block.body:
            statement_bindings(stmt, into)
    elif isinstance(block, cst.SimpleStatementSuite):
        for small in block.body:
            _small_bindings(small, into)


def _small_bindings(small: cst.CSTNode, into: Bindings) -> None:
    if isinstance(small, cst.Assign):
        for target in small.targets:
            into.names.update(_target_names(target.target))
    elif isinstance(small, cst.AnnAssign):
        if small.value is not None:
            into.names.update(_target_names(small.target))
    elif isinstance(small, cst.AugAssign):
        into.names.update(_target_names(small.target))
    elif isinstance(small, cst.Import):
        for alias in small.names:
            if alias.asname is not None:
                into.names.update(_target_names(alias.asname.name))
            else:
                dotted = dotted_name(alias.name)
                if dotted:
                    into.names.add(dotted.partition(".")[0])
    elif isinstance(small, cst.ImportFrom):
        if isinstance(small.names, cst.ImportStar):
            module = dotted_name(small.module) if small.module is not None else None
            if not small.relative and module in _STAR_EXPORTS:
                into.names.update(_STAR_EXPORTS[module])
            else:
                into.unknown = True
        else:
            for alias in small.names:
                name = alias.asname.name if alias.asname is not None else alias.name
                into.names.update(_target_names(name))
    elif isinstance(small, (cst.Global, cst.Nonlocal)):
        into.names.update(n.name.value for n in small.names)
    elif isinstance(small, cst.TypeAlias):
        into.names.add(small.name.value)


def _all_names(node: cst.CSTNode) -> Iterator[str]:
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Name):
            yield current.value
        stack.extend(syntax_children(current))


def block_bindings(stmts: Iterable[cst.CSTNode]) -> Bindings:
    bindings = Bindings()
    for stmt in stmts:
        statement_bindings(stmt, bindings)
    return bindings


def function_bindings(func: cst.FunctionDef) -> Bindings:
    """Parameters and every name bound anywhere in the body (Python's local-scope rule)."""
    bindings = Bindings()
    params = func.params
    for param in (*params.posonly_params, *params.params, *params.kwonly_params):
        bindings.names.add(param.name.value)
    for star in (params.star_arg, params.star_kwarg):
        if isinstance(star, cst.Param):
            bindings.names.add(star.name.value)
    _block_bindings(func.body, bindings)
    return bindings


_WALRUS_NAME = re.compile(r"[A-Za-z_]\w*\Z")


def walrus_targets(source: str) -> set[str]:
    """Names bound by ``:=`` anywhere. Read from the text: a name in a string or comment is
    counted too, which can only make a name look bound (silence), never invent a finding."""
    names = set()
    at = source.find(":=")
    while at != -1:
        # The word just before the operator, read backwards (a regular expression over the
        # whole text would try every word of it).
        end = at
        while end > 0 and source[end - 1].isspace():
            end -= 1
        start = end
        while start > 0 and (source[start - 1].isalnum() or source[start - 1] == "_"):
            start -= 1
        match = _WALRUS_NAME.search(source, start, end)
        if match is not None:
            names.add(match.group())
        at = source.find(":=", at + 2)
    return names
