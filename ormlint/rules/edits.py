"""Edits that rules offer as fixes: how a module can name `sqlalchemy.text`, a call without
one of its arguments, the module's name for `typing.Optional`. Rules build their fixes with
these; `ormlint.fixes` applies them (and stands above the engine, which runs the rules)."""

from __future__ import annotations

import libcst as cst

from ormlint.model.types import FileModel


def sqlalchemy_name(model: FileModel, name: str) -> tuple[str, tuple[tuple[cst.CSTNode, str], ...]] | None:
    """How this module can refer to `sqlalchemy.<name>` (e.g. `text`): the expression to write
    and the extra replacements needed (adding the name to an existing `from sqlalchemy import`).
    None when there is no clean way (no SQLAlchemy import to extend)."""
    imports = model.imports
    for local, qualified in imports.aliases.items():
        if qualified in (f"sqlalchemy.{name}", f"sqlalchemy.sql.{name}", f"sqlalchemy.sql.expression.{name}"):
            if local not in imports.type_checking_only:
                return local, ()
    for local, qualified in imports.aliases.items():
        if qualified == "sqlalchemy" and local not in imports.type_checking_only:
            return f"{local}.{name}", ()
    for handle in sorted(imports.flask_handles):
        return f"{handle}.{name}", ()
    if name in model.module_bindings:
        return None  # the name means something else here
    return _imported_from(model, "sqlalchemy", name)


def _imported_from(model: FileModel, module_name: str, name: str) -> tuple[str, tuple[tuple[cst.CSTNode, str], ...]] | None:
    """`name` imported from `module_name`: added to an existing `from <module_name> import`, else
    on a new line above the first other SQLAlchemy import that stands alone on its line. None
    when the module imports nothing from SQLAlchemy that way."""
    anchor = None
    for stmt in model.module.body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if isinstance(small, cst.ImportFrom) and not small.relative and small.module is not None:
                module = model.module.code_for_node(small.module)
                if module == module_name and not isinstance(small.names, cst.ImportStar):
                    return name, ((small, model.module.code_for_node(_with_name(small, name))),)
                if (
                    anchor is None and module != module_name and len(stmt.body) == 1
                    and (module == "sqlalchemy" or module.startswith("sqlalchemy."))
                ):
                    anchor = small
    if anchor is None:
        return None
    code = model.module.code_for_node(anchor)
    return name, ((anchor, f"from {module_name} import {name}\n{code}"),)


def _with_name(node: cst.ImportFrom, name: str) -> cst.ImportFrom:
    names = list(node.names)
    last = names[-1]
    trailing = last.comma
    if isinstance(trailing, cst.Comma):  # `(a, b,)`: keep the trailing comma after the new name
        names.append(cst.ImportAlias(name=cst.Name(name), comma=trailing))
        names[-2] = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
    else:
        names[-1] = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        names.append(cst.ImportAlias(name=cst.Name(name)))
    return node.with_changes(names=names)


def without_argument(model: FileModel, call: cst.Call, arg: cst.Arg) -> tuple[cst.CSTNode, str] | None:
    """Replace `call` by itself without `arg` (`Column(String, index=True)` -> `Column(String)`)."""
    args = list(call.args)
    if arg not in args:
        return None
    position = args.index(arg)
    del args[position]
    if args and position == len(args):  # removed the last: the new last keeps its comma style
        args[-1] = args[-1].with_changes(comma=arg.comma)
    return call, model.module.code_for_node(call.with_changes(args=args))


def typing_name(model: FileModel, name: str) -> str | None:
    """How the module refers to `typing.<name>`, if it imports it."""
    for local, qualified in model.imports.aliases.items():
        if qualified in (f"typing.{name}", f"typing_extensions.{name}"):
            return local
    for local, qualified in model.imports.aliases.items():
        if qualified == "typing":
            return f"{local}.{name}"
    return None


def orm_name(model: FileModel, name: str) -> tuple[str, tuple[tuple[cst.CSTNode, str], ...]] | None:
    """How this module can refer to `sqlalchemy.orm.<name>` (e.g. `DeclarativeBase`): the
    expression to write and the replacements that import it (extending a `from sqlalchemy.orm
    import`, or a new line above the first SQLAlchemy import). None when there is no clean way."""
    imports = model.imports
    for local, qualified in imports.aliases.items():
        if qualified == f"sqlalchemy.orm.{name}" and local not in imports.type_checking_only:
            return local, ()
    for local, qualified in imports.aliases.items():
        if qualified == "sqlalchemy.orm" and local not in imports.type_checking_only:
            return f"{local}.{name}", ()
    if name in model.module_bindings:
        return None  # the name means something else here
    return _imported_from(model, "sqlalchemy.orm", name)


def imported_names(
    model: FileModel, wanted: list[tuple[str, str]]
) -> tuple[dict[str, str], tuple[tuple[cst.CSTNode, str], ...]] | None:
    """How this module can refer to each `(module, name)` (e.g. `("sqlalchemy.orm", "Mapped")`),
    and one edit per import statement touched: extending a `from module import`, or new lines
    above the first SQLAlchemy import (else the first import). None when a name is taken."""
    imports = model.imports
    names: dict[str, str] = {}
    missing: list[tuple[str, str]] = []
    for module, name in wanted:
        local = next((
            local for local, qualified in imports.aliases.items()
            if qualified == f"{module}.{name}" and local not in imports.type_checking_only
        ), None) or next((
            f"{local}.{name}" for local, qualified in imports.aliases.items()
            if qualified == module and local not in imports.type_checking_only
        ), None)
        if local is None:
            if name in model.module_bindings:
                return None  # the name means something else here
            missing.append((module, name))
            local = name
        names[name] = local
    if not missing:
        return names, ()
    from_imports: dict[str, cst.ImportFrom] = {}
    anchor = first_import = None
    for stmt in model.module.body:
        if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
            continue
        small = stmt.body[0]
        if isinstance(small, cst.ImportFrom) and not small.relative and small.module is not None:
            module = model.module.code_for_node(small.module)
            if module == "__future__":
                continue
            if not isinstance(small.names, cst.ImportStar):
                from_imports.setdefault(module, small)
            if module == "sqlalchemy" or module.startswith("sqlalchemy."):
                anchor = anchor or small
        if isinstance(small, (cst.Import, cst.ImportFrom)):
            first_import = first_import or small
    anchor = anchor or first_import
    extended: dict[cst.ImportFrom, cst.ImportFrom] = {}
    new_imports: dict[str, list[str]] = {}
    for module, name in missing:
        node = from_imports.get(module)
        if node is not None:
            extended[node] = _with_name(extended.get(node, node), name)
        else:
            new_imports.setdefault(module, []).append(name)
    new_lines = [f"from {module} import {', '.join(dict.fromkeys(names))}" for module, names in new_imports.items()]
    if new_lines and anchor is None:
        return None
    edits: dict[cst.CSTNode, str] = {
        node: model.module.code_for_node(new) for node, new in extended.items()
    }
    if new_lines:
        above = "\n".join(new_lines)
        edits[anchor] = f"{above}\n{edits.get(anchor, model.module.code_for_node(anchor))}"
    return names, tuple(edits.items())
