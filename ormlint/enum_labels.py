"""The labels of a model's named PostgreSQL enum type, as SQLAlchemy creates it (ORM717).

`Enum("a", "b", name="status")` has the labels written; `Enum(Status)` (and `Mapped[Status]`)
the member NAMES of the Python enum class, unless `values_callable=lambda e: [m.value for m in
e]` makes them its values. A class is read only when its members are certain: plain
`NAME = <literal>` or `auto()` assignments, no aliases (SQLAlchemy leaves those out), methods
beside them; anything else (another base, a nested class, a computed value) is not known.
"""

from __future__ import annotations

import ast
from collections import Counter

import libcst as cst

from ormlint.model.names import ImportTable, dotted_name, string_value

# Python enum bases whose members are plain; `str`/`int` may be mixed in
_ENUM_BASES = {"enum.Enum": None, "enum.StrEnum": str, "enum.IntEnum": int}
_MIXINS = {"str": str, "int": int}
_UNIQUE = {"enum.unique"}

Members = tuple[tuple[str, "str | None"], ...]  # (name, value when a string) in order


def enum_call(expr: cst.BaseExpression | None, imports: ImportTable) -> cst.Call | None:
    """The `Enum(...)`/`ENUM(...)` call a column's type is (also inside `ARRAY(...)`)."""
    if not isinstance(expr, cst.Call):
        return None
    symbol = imports.symbol(expr.func)
    if symbol == "ARRAY" and expr.args and expr.args[0].keyword is None and not expr.args[0].star:
        return enum_call(expr.args[0].value, imports)
    return expr if symbol in ("Enum", "ENUM") else None


def read_enum_type(call: cst.Call, imports: ImportTable) -> tuple[str | None, tuple[str, ...] | None, str | None, bool] | None:
    """(name, labels written, the enum class's dotted name, labels are the members' values) of
    a named native enum type; None when it is not one or something about it is not known
    (`native_enum=False` or not a literal, `schema=`, `**kwargs`, `*labels`, another
    `values_callable`, no name)."""
    keywords = {a.keyword.value: a.value for a in call.args if a.keyword is not None}
    positional = [a for a in call.args if a.keyword is None]
    if any(a.star for a in call.args) or {"schema", "inherit_schema", "metadata"} & set(keywords):
        return None
    native = keywords.get("native_enum")
    if native is not None and not (isinstance(native, cst.Name) and native.value == "True"):
        return None
    name = string_value(keywords["name"]) if "name" in keywords else None
    if "name" in keywords and name is None:
        return None
    by_value = False
    if "values_callable" in keywords:
        by_value = _member_values(keywords["values_callable"])
        if not by_value:
            return None
    labels = [string_value(a.value) for a in positional]
    if labels and None not in labels:
        if by_value or name is None:
            return None  # SQLAlchemy needs a name for the type; values_callable is for classes
        return name, tuple(labels), None, False  # type: ignore[arg-type]
    if len(positional) == 1 and isinstance(positional[0].value, (cst.Name, cst.Attribute)):
        dotted = dotted_name(positional[0].value)
        return (name, None, dotted, by_value) if dotted is not None else None
    return None


def _member_values(node: cst.BaseExpression) -> bool:
    """`lambda e: [m.value for m in e]` (any names)."""
    if not (isinstance(node, cst.Lambda) and len(node.params.params) == 1 and not isinstance(node.params.star_arg, cst.Param)
            and not node.params.kwonly_params and not node.params.posonly_params and node.params.star_kwarg is None):
        return False
    param = node.params.params[0].name.value
    body = node.body
    if not (isinstance(body, cst.ListComp) and body.for_in.inner_for_in is None and not body.for_in.ifs):
        return False
    target, element = body.for_in.target, body.elt
    return (
        isinstance(target, cst.Name) and isinstance(body.for_in.iter, cst.Name) and body.for_in.iter.value == param
        and isinstance(element, cst.Attribute) and element.attr.value == "value"
        and isinstance(element.value, cst.Name) and element.value.value == target.value
        and not body.for_in.asynchronous
    )


def enum_class_members(node: cst.ClassDef, imports: ImportTable) -> Members | None:
    """The members of a Python enum class, when certain; None when it is not an enum class or
    its members cannot be known for certain."""
    kind = None
    enum_base = str_enum = False
    for arg in node.bases:
        dotted = dotted_name(arg.value)
        qualified = (imports.qualify(dotted) if dotted else None) or dotted
        if qualified in _ENUM_BASES:
            enum_base = True
            kind = _ENUM_BASES[qualified] or kind
            str_enum = str_enum or qualified == "enum.StrEnum"
        elif dotted in _MIXINS:
            kind = _MIXINS[dotted]
        else:
            return None
    if not enum_base or node.keywords or any(
        (imports.qualify(dotted_name(d.decorator) or "") or dotted_name(d.decorator)) not in _UNIQUE
        for d in node.decorators
    ):
        return None
    members: list[tuple[str, object]] = []
    for stmt in node.body.body:
        if isinstance(stmt, cst.FunctionDef):
            continue
        if not isinstance(stmt, cst.SimpleStatementLine):
            return None
        for small in stmt.body:
            if isinstance(small, cst.Pass) or (isinstance(small, cst.Expr) and isinstance(small.value, cst.SimpleString)):
                continue
            if not (isinstance(small, cst.Assign) and len(small.targets) == 1 and isinstance(small.targets[0].target, cst.Name)):
                return None
            name = small.targets[0].target.value
            if name.startswith("_"):
                return None  # _sunder_ settings, private names: not plain members
            members.append((name, _member_value(small.value, imports)))
    return _without_doubt(members, kind, str_enum)


def module_enum_members(source: str) -> dict[str, Members]:
    """The members of the enum classes a module defines at its top level, by class name (a
    name defined twice: left out); for files no rule parses otherwise (no SQLAlchemy in them).
    libcst reads only the module's imports and its classes that may be enums (CPython's parser
    says which statements those are): a schema module's functions and other classes are most of
    its text, and parsing them all cost more than the rest of such a file's analysis."""
    from ormlint.model.names import build_import_table

    reduced = _enum_statements(source)
    try:
        module = cst.parse_module(reduced[0] if reduced is not None else source)
    except (cst.ParserSyntaxError, RecursionError, ValueError):
        return {}
    imports = build_import_table(module, source)
    classes = [stmt for stmt in module.body if isinstance(stmt, cst.ClassDef)]
    counts = reduced[1] if reduced is not None else Counter(c.name.value for c in classes)
    found = {}
    for node in classes:
        members = enum_class_members(node, imports) if counts[node.name.value] == 1 else None
        if members is not None:
            found[node.name.value] = members
    return found


def _enum_statements(source: str) -> tuple[str, Counter[str]] | None:
    """The module's top-level statements but its functions and the classes that cannot be
    enums (no base names something the `enum` module gives), verbatim and in order, and how
    many times each top-level class name is defined; None when CPython cannot parse the text or
    two statements share a line (the whole text is parsed then)."""
    from ormlint.syntax import python_lines

    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    enum_names, enum_modules = _enum_bindings(tree)
    lines = python_lines(source)
    kept: list[str] = []
    counts: Counter[str] = Counter()
    previous_end = 0
    for stmt in tree.body:
        start = min([stmt.lineno] + [d.lineno for d in getattr(stmt, "decorator_list", ())])
        end = stmt.end_lineno or stmt.lineno
        if start <= previous_end:
            return None
        previous_end = end
        if isinstance(stmt, ast.ClassDef):
            counts[stmt.name] += 1
            if not any(_may_name_an_enum(base, enum_names, enum_modules) for base in stmt.bases):
                continue
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        text = "".join(lines[start - 1:end])
        kept.append(text if text.endswith(("\n", "\r")) else text + "\n")
    return "".join(kept), counts


def _enum_bindings(tree: ast.Module) -> tuple[set[str], set[str]]:
    """Names that may stand for something of the `enum` module (`from enum import Enum as E`,
    `E = enum.Enum`), and names of the module itself (`import enum as e`): more than the import
    table will resolve, never fewer."""
    names: set[str] = set()
    modules: set[str] = {"enum"}
    for node in ast.walk(tree):
        if type(node) is ast.ImportFrom and (node.module or "").partition(".")[0] == "enum":
            names.update(alias.asname or alias.name for alias in node.names)
        elif type(node) is ast.Import:
            modules.update(alias.asname or alias.name for alias in node.names if alias.name == "enum")
    for stmt in tree.body:  # module-level handles: `Base = enum.Enum`
        if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None and _may_name_an_enum(
            stmt.value, names, modules
        ):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            names.update(t.id for t in targets if type(t) is ast.Name)
    return names, modules


def _may_name_an_enum(base: ast.expr, names: set[str], modules: set[str]) -> bool:
    return any(
        (type(node) is ast.Name and (node.id in names or node.id in modules or node.id.endswith("Enum")))
        or (type(node) is ast.Attribute and node.attr.endswith("Enum"))
        for node in ast.walk(base)
    )


_AUTO = object()


def _member_value(node: cst.BaseExpression, imports: ImportTable) -> object:
    text = string_value(node)
    if text is not None:
        return text
    if isinstance(node, cst.Integer):
        return int(node.value.replace("_", ""), 0)
    if isinstance(node, cst.Call) and not node.args and (
        imports.qualify(dotted_name(node.func) or "") or dotted_name(node.func)
    ) == "enum.auto":
        return _AUTO
    return None  # not known


def _without_doubt(members: list[tuple[str, object]], kind: type | None, str_enum: bool) -> Members | None:
    """The members, with their string values; None when two may be one (an alias), or the
    values are not what the class makes of them."""
    if not members or any(value is None for _, value in members):
        return None
    autos = [value is _AUTO for _, value in members]
    if any(autos) and not all(autos):
        return None  # auto() continues from the values before it: may meet one
    if all(autos):
        if str_enum:  # the lower-cased name
            values = [name.lower() for name, _ in members]
            if len(set(values)) < len(values):
                return None
            return tuple((name, name.lower()) for name, _ in members)
        return tuple((name, None) for name, _ in members)
    values = [value for _, value in members]
    if kind is not None and any(not isinstance(v, kind) for v in values):
        return None  # str("1") / int("1"): converted, may meet another
    if len(set(values)) < len(values):
        return None  # an alias: SQLAlchemy leaves it out
    return tuple((name, value if isinstance(value, str) else None) for name, value in members)


def class_labels(members: Members, by_value: bool) -> tuple[str, ...] | None:
    """The labels SQLAlchemy gives the type of an enum class with these members."""
    if not by_value:
        return tuple(name for name, _ in members)
    values = [value for _, value in members]
    return tuple(values) if None not in values else None  # type: ignore[arg-type]
