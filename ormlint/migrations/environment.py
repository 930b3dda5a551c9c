"""What Alembic's env.py hands to autogenerate, and which model modules that metadata can see.

A declarative base's MetaData knows a table only once the module declaring its class has been
imported. Autogenerate imports env.py and nothing else, so a model module that no import chain
from env.py reaches is invisible to it, and its tables look like tables to drop. The chain is
followed through the project's own files with `ast` (imports only; never executed).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Callable, Iterable

from ormlint.facts import Location
from ormlint.syntax import as_python_reads, statements_breadth_first

# Calls that import modules by a computed name: the set of imported modules is then unknown.
_DYNAMIC_IMPORTS = {"import_module", "__import__", "walk_packages", "iter_modules", "load_module",
                    "exec_module", "run_path", "exec", "autodiscover_modules", "find_modules",
                    "import_string"}
_DYNAMIC_IMPORT_NAME = re.compile(r"\b(?:" + "|".join(sorted(_DYNAMIC_IMPORTS)) + r")\b")


def target_metadata_value(source: str) -> tuple[ast.expr, Location] | None:
    """The value of the last top-level `target_metadata = ...` of env.py and where it is;
    None when there is none (or the file does not parse)."""
    tree = _parse(source)
    if tree is None:
        return None
    found = None
    for stmt in tree.body:
        if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None:
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            if any(isinstance(t, ast.Name) and t.id == "target_metadata" for t in targets):
                location = Location(stmt.lineno, stmt.col_offset + 1, stmt.end_lineno or stmt.lineno,
                                    (stmt.end_col_offset or stmt.col_offset) + 1)
                found = (stmt.value, location)
    return found


def filters_tables(env: Path) -> bool:
    """Does env.py hand autogenerate a filter (`include_object=`, `include_name=` of
    `context.configure`)? Which tables it compares is then decided by that code (dispatch splits
    one metadata between two environments by schema)."""
    source = read_source(str(env))
    if source is None or not re.search(r"\binclude_(?:object|name)\b", source):
        return False
    tree = _parse(source)
    return tree is None or any(
        keyword.arg in ("include_object", "include_name", None)  # None: `**options`
        for node in ast.walk(tree) if isinstance(node, ast.Call) for keyword in node.keywords
    )


def _parse(source: str) -> ast.Module | None:
    from ormlint.syntax import parse_python

    try:
        return parse_python(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


# -- the import graph ------------------------------------------------------------------------------


def module_key(path: str) -> str:
    """A file's module as a path without `.py` (and without `/__init__` for a package)."""
    posix = path.replace("\\", "/")
    stem = posix[:-3] if posix.endswith(".py") else posix
    return stem[: -len("/__init__")] if stem.endswith("/__init__") else stem


class ModuleFiles:
    """The project's files by module key, for resolving imports by path suffix. `prefer`: the
    files of one environment (a service of its own); an import that matches some of them and
    other files too (two services with an `app.models`) loads only those."""

    def __init__(self, paths: Iterable[str], prefer: Callable[[str], bool] | None = None) -> None:
        self.prefer = prefer
        self.by_key: dict[str, list[str]] = {}
        self.by_suffix: dict[str, list[str]] = {}  # "c", "b/c", "a/b/c" -> files of a/b/c
        for path in paths:
            key = module_key(path)
            self.by_key.setdefault(key, []).append(path)
            parts = key.split("/")
            for start in range(len(parts)):
                self.by_suffix.setdefault("/".join(parts[start:]), []).append(path)

    def absolute(self, dotted: str) -> list[str]:
        """Files `import a.b.c` may load: a/b/c and its packages a, a/b (matched as a suffix
        of a project path, wherever the import root is)."""
        parts = dotted.split(".")
        found: list[str] = []
        for end in range(1, len(parts) + 1):
            matches = self.by_suffix.get("/".join(parts[:end]), [])
            preferred = [p for p in matches if self.prefer(p)] if self.prefer is not None else []
            found += preferred or matches
        return found

    def exact(self, key: str) -> list[str]:
        return list(self.by_key.get(key, ()))


def reachable_files(
    start: str,
    start_source: str,
    files: ModuleFiles,
    read: Callable[[str], str | None],
    is_local: Callable[[str], bool],
) -> set[str] | None:
    """Every project file an import chain from `start` can load; None when some file on the way
    imports by computed name, cannot be read, or imports a module of the project that is not
    among `files` (`is_local(dotted)`; the chain may go on there): the answer would be a guess."""
    seen: set[str] = set()
    pending: list[tuple[str, str | None]] = [(start, start_source)]
    while pending:
        path, source = pending.pop()
        if path in seen:
            continue
        seen.add(path)
        if source is None:
            source = read(path)
        if source is None:
            return None
        tree = _parse(source)
        if tree is None:
            return None
        here = module_key(path)
        package = here if path.replace("\\", "/").endswith("/__init__.py") else here.rpartition("/")[0]
        # Imports are statements; the calls that import by computed name are looked for only in
        # a file that spells one of their names.
        dynamic = _DYNAMIC_IMPORT_NAME.search(as_python_reads(source)) is not None
        nodes = ast.walk(tree) if dynamic else statements_breadth_first(tree)
        for node in nodes:
            loaded: list[str] = []
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if not files.absolute(alias.name) and is_local(alias.name):
                        return None
                    loaded += files.absolute(alias.name)
            elif isinstance(node, ast.ImportFrom):
                names = [a.name for a in node.names if a.name != "*"]
                if node.level:
                    base = package
                    for _ in range(node.level - 1):
                        base = base.rpartition("/")[0]
                    module = "/".join(p for p in (base, (node.module or "").replace(".", "/")) if p)
                    if not files.exact(module) and not any(files.exact(f"{module}/{n}") for n in names):
                        return None  # a module beside this one that is not checked
                    loaded += files.exact(module)
                    loaded += [p for n in names for p in files.exact(f"{module}/{n}")]
                    # the packages between the base and the module run too
                    parts = (node.module or "").split(".") if node.module else []
                    for end in range(1, len(parts)):
                        loaded += files.exact("/".join([base, *parts[:end]]))
                else:
                    module = node.module or ""
                    if not files.absolute(module) and is_local(module):
                        return None
                    loaded += files.absolute(module)
                    loaded += [p for n in names for p in files.absolute(f"{module}.{n}")]
            elif isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
                if name in _DYNAMIC_IMPORTS:
                    return None
                continue
            for target in loaded:
                if target not in seen:
                    pending.append((target, None))
    return seen


def read_source(path: str) -> str | None:
    try:
        data = Path(path).read_bytes()
    except OSError:
        return None
    from ormlint.sources import decode

    try:
        return decode(data)
    except (SyntaxError, UnicodeDecodeError, LookupError):
        return None


# -- version_locations chosen when env.py runs ------------------------------------------------------


def run_time_version_locations(env: Path, root: Path) -> tuple[list[Path], bool] | None:
    """The version directories env.py sets when it runs (`context.script.version_locations =
    [...]`, `config.set_main_option("version_locations", ...)`, `configure(version_locations=
    ...)`), usually one history per dialect chosen under an `if`: (directories, whether every
    value was read). Unread values are guessed as the versions directory and its subdirectories.
    Relative values are taken from `root`, where Alembic runs. None when env.py sets none."""
    source = read_source(str(env))
    if source is None or "version_locations" not in source:
        return None
    tree = _parse(source)
    if tree is None:
        return None
    values = _version_location_values(tree)
    if not values:
        return None
    names = _module_assignments(tree)
    found: list[Path] = []
    read = True
    for value in values:
        paths = _path_values(value, env, names)
        if paths is None:
            read = False
            continue
        for text in paths:
            for part in re.split(r"[,\s]+", text.replace("%(here)s", root.as_posix())):
                if part and "\0" not in part:
                    path = Path(part)
                    found.append(path if path.is_absolute() else root / path)
    if not read:
        versions = env.parent / "versions"
        found += [versions] + sorted(
            p for p in versions.rglob("*") if p.is_dir() and "__pycache__" not in p.parts
        ) if versions.is_dir() else []
    return list(dict.fromkeys(found)), read


def _version_location_values(tree: ast.Module) -> list[ast.expr]:
    values: list[ast.expr] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            if any(isinstance(t, ast.Attribute) and t.attr == "version_locations" for t in node.targets):
                values.append(node.value)
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name in ("set_main_option", "set_section_option"):
                key = node.args[-2] if len(node.args) >= 2 else None
                if isinstance(key, ast.Constant) and key.value == "version_locations":
                    values.append(node.args[-1])
            values += [k.value for k in node.keywords if k.arg == "version_locations"]
    return values


def _module_assignments(tree: ast.Module) -> dict[str, ast.expr]:
    """Names assigned once at module level (a second assignment: not known)."""
    names: dict[str, ast.expr | None] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            name = stmt.targets[0].id
            names[name] = None if name in names else stmt.value
    return {name: value for name, value in names.items() if value is not None}


def _path_values(expr: ast.expr, env: Path, names: dict[str, ast.expr], depth: int = 0) -> list[str] | None:
    """The path strings `expr` spells (`"a/b"`, `os.path.join(os.path.dirname(__file__), "x")`,
    `Path(__file__).parent / "x"`, a list of them, a module-level name for one); None when it
    is computed otherwise."""
    if depth > 20:
        return None

    def one(node: ast.expr) -> str | None:
        found = _path_values(node, env, names, depth + 1)
        return found[0] if found is not None and len(found) == 1 else None

    if isinstance(expr, (ast.List, ast.Tuple)):
        items = [one(item) for item in expr.elts]
        return None if None in items else items  # type: ignore[return-value]
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return [expr.value]
    if isinstance(expr, ast.Name):
        if expr.id == "__file__":
            return [str(env.absolute())]
        return _path_values(names[expr.id], env, names, depth + 1) if expr.id in names else None
    if isinstance(expr, ast.Attribute) and expr.attr == "parent":
        inner = one(expr.value)
        return [str(Path(inner).parent)] if inner is not None else None
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Div):
        left, right = one(expr.left), one(expr.right)
        return [str(Path(left) / right)] if left is not None and right is not None else None
    if isinstance(expr, ast.Call) and not expr.keywords:
        func = expr.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        args = [one(arg) for arg in expr.args]
        if None in args:
            return None
        if name == "join" and args:
            return [str(Path(*args))]  # type: ignore[arg-type]
        if name == "dirname" and len(args) == 1:
            return [str(Path(args[0]).parent)]  # type: ignore[arg-type]
        if name in ("Path", "PurePath", "str", "abspath", "realpath", "normpath", "resolve") and len(args) <= 1:
            if not args and isinstance(func, ast.Attribute):  # `Path(...).resolve()`
                return _path_values(func.value, env, names, depth + 1)
            return list(args) if args else None  # type: ignore[arg-type]
    return None
