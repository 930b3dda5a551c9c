"""The database URLs a project's own code spells out, read with `ast` (never imported or run).

`ProjectCode.value` follows an expression of env.py through the project's modules: constants,
class attributes (`DB._DIALECT`), properties and `self.` attributes set once, the functions that
return them, f-strings and `.format()` templates whose scheme is literal, and imports, a bounded
number of steps and only inside the repository. `flask_database` reads the Flask application's
`SQLALCHEMY_DATABASE_URI` values wherever the project's files set them. Anything computed at run
time (the environment, a parameter, a name bound twice) is unknown (None).
"""

from __future__ import annotations

import ast
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Union

from ormlint.memo import BoundedMemo
from ormlint.migrations.read_log import note_directory, note_file

# The URL spellings of each dialect `target-dialect` names (`postgres://` is Heroku's); others
# are unknown.
BACKENDS = {
    "postgresql": "postgresql", "postgres": "postgresql", "mysql": "mysql", "mariadb": "mysql",
    "sqlite": "sqlite", "mssql": "mssql",
}
_URL_SCHEME = re.compile(r"^([A-Za-z][\w]*)(?:\+[\w]+)?://")

FLASK_URI_KEY = "SQLALCHEMY_DATABASE_URI"
# Flask-SQLAlchemy's other databases: the environment may migrate any of them.
_FLASK_BINDS_KEY = "SQLALCHEMY_BINDS"
# Flask config loaded from outside the project's Python (a file named by the environment, an
# instance folder, FLASK_* variables, the whole environment) may set the URI to anything.
_FLASK_OUTSIDE_CONFIG = re.compile(
    rb"\.(?:from_envvar|from_prefixed_env|from_pyfile|from_file)\(|config\.from_json\("
    rb"|config\.(?:update|from_mapping)\(\s*(?:\*\*)?(?:os\.)?environ\b"
)
_PROPERTIES = {"property", "cached_property", "computed_field"}
# Steps an expression may take from the one it starts at (names, attributes, calls, imports):
# beyond them it is unknown.
_MAX_DEPTH = 40
_MAX_STEPS = 5000
# The Flask scan reads at most this many Python files of the repository.
_MAX_FILES = 20_000
# The calls of a function whose parameter is followed.
_MAX_CALLS = 50
# Files that may set an environment variable outside the project's Python: any file but Python
# files, media, archives, compiled files and snapshots, and those larger than this (data, bundles).
_MAX_OTHER_FILE = 2 * 1024 * 1024
_NOT_SETTINGS = {
    ".png", ".jpg", ".jpeg", ".gif", ".ico", ".webp", ".bmp", ".svg", ".ttf", ".otf", ".eot",
    ".woff", ".woff2", ".pdf", ".zip", ".gz", ".tgz", ".bz2", ".xz", ".whl", ".so", ".dylib",
    ".dll", ".pyc", ".pyo", ".mo", ".map", ".snap", ".sqlite", ".db",
}
_SKIPPED_DIRECTORIES = {"node_modules", "__pycache__", "site-packages"}
# What the Flask scan learnt of each file, by path: (status, spells the key, loads outside config).
_FLASK_FILE_FLAGS = BoundedMemo(200_000)


@dataclass(frozen=True)
class Text:
    """A string the code builds: all of it when `complete`, else the literal text before the
    first part that is not known (a template's placeholder), which holds a URL's scheme."""

    value: str
    complete: bool


@dataclass(frozen=True, eq=False)
class _Module:
    path: Path
    tree: ast.Module
    bindings: dict[str, list["_Binding"]]


# A scope: the module, then the functions and classes an expression sits in, outermost first.
_Frames = tuple[Union[ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef], ...]


@dataclass(frozen=True)
class _Binding:
    node: ast.AST  # the Assign/AnnAssign, def, class, or import alias binding the name
    importer: ast.ImportFrom | ast.Import | None = None


@dataclass(frozen=True)
class _ClassRef:
    module: _Module
    frames: _Frames  # ending with the class


@dataclass(frozen=True)
class _Instance:
    module: _Module
    frames: _Frames  # ending with the class


@dataclass(frozen=True)
class _FunctionRef:
    module: _Module
    frames: _Frames  # ending with the function


@dataclass(frozen=True)
class _ModuleRef:
    module: _Module


@dataclass(frozen=True)
class _FlaskApp:  # flask's `current_app`
    pass


@dataclass(frozen=True)
class _FlaskConfig:  # `current_app.config`
    pass


@dataclass(frozen=True)
class _FlaskConfigGet:  # `current_app.config.get`
    pass


@dataclass(frozen=True)
class _Os:  # the `os` module
    pass


@dataclass(frozen=True)
class _Environ:  # `os.environ`
    pass


@dataclass(frozen=True)
class _EnvironGet:  # `os.environ.get`, `os.getenv`
    pass


@dataclass(frozen=True)
class AppDatabase:
    """The Flask application's database: its `SQLALCHEMY_DATABASE_URI`, the engine Flask-Migrate
    hands env.py (`current_app.extensions["migrate"].db.engine`), that engine's URL. `defaults`:
    the dialects of a `.get(KEY, default)`'s default, which applies when the key is not set."""

    defaults: frozenset[str | None] = frozenset()


_Value = Union[Text, _ClassRef, _Instance, _FunctionRef, _ModuleRef, _FlaskApp, _FlaskConfig,
               _FlaskConfigGet, _Os, _Environ, _EnvironGet, AppDatabase, None]


@dataclass
class ProjectCode:
    """The project's modules as `ast`, read on demand once each (`files_read` lists them), and
    what their expressions evaluate to. `top`: the repository's top; modules are looked for
    between a file's directory and it, never outside."""

    top: Path | None
    files_read: list[Path] = field(default_factory=list)
    _modules: dict[Path, _Module | None] = field(default_factory=dict)
    _steps: int = 0
    _active: set[tuple[int, int]] = field(default_factory=set)
    # While the writers of an environment variable are read: a parameter's value is what every
    # call of its function in the repository passes.
    _follow_parameters: bool = False
    _python_files: list[Path] | None = None
    _contents: dict[Path, bytes] = field(default_factory=dict)
    _variables: dict[tuple[str, Path], _Value] = field(default_factory=dict)  # by variable, reader

    def module(self, path: Path) -> _Module | None:
        """The parsed file `path` (None when it cannot be read or parsed)."""
        from ormlint.migrations.environment import read_source
        from ormlint.syntax import parse_python

        path = path.resolve()
        if path not in self._modules:
            if path not in self.files_read:
                self.files_read.append(path)
            note_file(path)
            source = read_source(str(path))
            try:
                tree = parse_python(source) if source is not None else None
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                tree = None
            self._modules[path] = _Module(path, tree, _bindings(tree.body)) if tree is not None else None
        return self._modules[path]

    def value(self, node: ast.expr, module: _Module, frames: _Frames = (), depth: int = 0) -> _Value:
        """What `node`, written in `module` inside `frames`, evaluates to, where the code says."""
        if depth == 0:
            self._steps = 0
        self._steps += 1
        key = (id(node), id(frames[-1]) if frames else 0)
        if depth > _MAX_DEPTH or self._steps > _MAX_STEPS or key in self._active:
            return None
        self._active.add(key)
        try:
            return self._value(node, module, frames, depth + 1)
        finally:
            self._active.discard(key)

    # -- expressions ---------------------------------------------------------------------------

    def _value(self, node: ast.expr, module: _Module, frames: _Frames, depth: int) -> _Value:
        if isinstance(node, ast.Constant):
            return Text(node.value, True) if isinstance(node.value, str) else None
        if isinstance(node, ast.JoinedStr):
            return self._fstring(node, module, frames, depth)
        if isinstance(node, ast.BinOp):
            left = self.value(node.left, module, frames, depth)
            if not isinstance(left, Text):
                return None
            if isinstance(node.op, ast.Mod):
                return Text(left.value.split("%", 1)[0], False)
            if not isinstance(node.op, ast.Add) or not left.complete or _URL_SCHEME.match(left.value):
                return Text(left.value, False) if isinstance(node.op, ast.Add) else None
            right = self.value(node.right, module, frames, depth)
            if isinstance(right, Text):
                return Text(left.value + right.value, right.complete)
            return Text(left.value, False)
        if isinstance(node, ast.IfExp):
            return _agree([self.value(n, module, frames, depth) for n in (node.body, node.orelse)])
        if isinstance(node, ast.Name):
            return self._name(node.id, module, frames, depth)
        if isinstance(node, ast.Attribute):
            if isinstance(node.ctx, ast.Load):
                return self._attribute(node, module, frames, depth)
            return None
        if isinstance(node, ast.Subscript):
            base = self.value(node.value, module, frames, depth)
            if isinstance(base, _FlaskConfig):
                return AppDatabase() if _is_string(node.slice, FLASK_URI_KEY) else None
            if isinstance(base, _Environ):
                return self._environment_variable(node.slice, None, module, frames, depth)
            return base if isinstance(base, AppDatabase) else None
        if isinstance(node, ast.Call):
            return self._call(node, module, frames, depth)
        return None

    def _fstring(self, node: ast.JoinedStr, module: _Module, frames: _Frames, depth: int) -> Text:
        text = ""
        for part in node.values:
            if isinstance(part, ast.Constant) and isinstance(part.value, str):
                text += part.value
                continue
            if _URL_SCHEME.match(text):
                return Text(text, False)
            inner = (
                self.value(part.value, module, frames, depth)
                if isinstance(part, ast.FormattedValue) and part.format_spec is None
                and part.conversion in (-1, ord("s")) else None
            )
            if not isinstance(inner, Text):
                return Text(text, False)
            text += inner.value
            if not inner.complete or _URL_SCHEME.match(text):  # (the rest names no database)
                return Text(text, False)
        return Text(text, True)

    def _call(self, node: ast.Call, module: _Module, frames: _Frames, depth: int) -> _Value:
        func = node.func
        if isinstance(func, ast.Name) and func.id == "str" and len(node.args) == 1 and not node.keywords:
            found = self.value(node.args[0], module, frames, depth)
            return found if isinstance(found, (Text, AppDatabase)) else None
        if isinstance(func, ast.Attribute) and func.attr in ("format", "replace", "strip"):
            receiver = self.value(func.value, module, frames, depth)
            if isinstance(receiver, AppDatabase):
                return receiver
            if isinstance(receiver, Text):
                return _string_method(receiver, func.attr, node)
        callee = self.value(func, module, frames, depth)
        if isinstance(callee, _FunctionRef):
            return self._returned(callee, depth)
        if isinstance(callee, _ClassRef):
            return _Instance(callee.module, callee.frames)
        if isinstance(callee, AppDatabase):  # `db.get_engine()`
            return callee
        if isinstance(callee, _EnvironGet) and node.args and len(node.args) <= 2 and not node.keywords:
            default = node.args[1] if len(node.args) == 2 else None
            return self._environment_variable(node.args[0], default, module, frames, depth)
        if isinstance(callee, _FlaskConfigGet) and node.args and _is_string(node.args[0], FLASK_URI_KEY):
            if len(node.args) < 2:
                return AppDatabase()
            default = self.value(node.args[1], module, frames, depth)
            return AppDatabase(frozenset({_dialect_of(default)}))
        return None

    def _returned(self, function: _FunctionRef, depth: int) -> _Value:
        """What a function returns, when every `return` says the same (a URL of one database)."""
        definition = function.frames[-1]
        values = []
        for node in _own_nodes(definition):
            if isinstance(node, (ast.Yield, ast.YieldFrom)):
                return None
            if isinstance(node, ast.Return):
                if node.value is None:
                    return None
                values.append(self.value(node.value, function.module, function.frames, depth))
        return _agree(values) if values else None

    def _name(self, name: str, module: _Module, frames: _Frames, depth: int) -> _Value:
        for position in range(len(frames) - 1, -1, -1):
            frame = frames[position]
            if isinstance(frame, ast.ClassDef):
                if position != len(frames) - 1:
                    continue  # a class body's names are not seen from its methods
                bindings = _class_bindings(frame)
            else:
                if name in _parameters(frame):
                    if self._follow_parameters and position == len(frames) - 1:
                        return self._parameter(name, module, frames, depth)
                    return None
                if name in _declared_outside(frame):
                    return None
                bindings = _function_bindings(frame)
            if name in bindings:
                return self._bound(bindings[name], module, frames[: position + 1], depth)
        if name in module.bindings:
            return self._bound(module.bindings[name], module, (), depth)
        return None

    def _bound(self, bindings: list[_Binding], module: _Module, frames: _Frames, depth: int) -> _Value:
        if len(bindings) != 1:
            return None
        binding = bindings[0]
        node = binding.node
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            return self.value(node.value, module, frames, depth)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return _FunctionRef(module, frames + (node,))
        if isinstance(node, ast.ClassDef):
            return _ClassRef(module, frames + (node,))
        if isinstance(node, ast.alias) and binding.importer is not None:
            return self._imported(node, binding.importer, module, depth)
        return None

    def _imported(self, alias: ast.alias, importer: ast.Import | ast.ImportFrom, module: _Module, depth: int) -> _Value:
        if isinstance(importer, ast.Import):
            dotted = alias.name if alias.asname else alias.name.split(".")[0]
            found = self._module_named(dotted, 0, module.path)
            if found is None and dotted == "os":
                return _Os()
            return _ModuleRef(found) if found is not None else None
        if importer.module == "os" and not importer.level and alias.name in ("environ", "getenv"):
            return _Environ() if alias.name == "environ" else _EnvironGet()
        if importer.module == "flask" and alias.name == "current_app" and not importer.level:
            return _FlaskApp()
        source = self._module_named(importer.module or "", importer.level, module.path)
        if source is None:
            return None
        return self._module_attribute(source, alias.name, depth)

    def _module_attribute(self, module: _Module, name: str, depth: int) -> _Value:
        self._steps += 1
        if depth > _MAX_DEPTH or self._steps > _MAX_STEPS:
            return None
        if name in module.bindings:
            return self._bound(module.bindings[name], module, (), depth + 1)
        if module.path.name == "__init__.py":
            submodule = self._file_of(module.path.parent / name, module.path.parent)
            if submodule is not None:
                return _ModuleRef(submodule)
        return None

    def _attribute(self, node: ast.Attribute, module: _Module, frames: _Frames, depth: int) -> _Value:
        base = self._receiver(node.value, module, frames, depth)
        name = node.attr
        if isinstance(base, _ModuleRef):
            return self._module_attribute(base.module, name, depth)
        if isinstance(base, _ClassRef):
            bindings = _class_bindings(base.frames[-1]).get(name)
            return self._bound(bindings, base.module, base.frames, depth) if bindings else None
        if isinstance(base, _Instance):
            return self._instance_attribute(base, name, depth)
        if isinstance(base, _FlaskApp):
            return _FlaskConfig() if name == "config" else AppDatabase() if name == "extensions" else None
        if isinstance(base, _FlaskConfig):
            return _FlaskConfigGet() if name == "get" else None
        if isinstance(base, AppDatabase):  # `.db.engine.url` of the app's database
            return base
        if isinstance(base, _Os):
            return _Environ() if name == "environ" else _EnvironGet() if name == "getenv" else None
        if isinstance(base, _Environ):
            return _EnvironGet() if name == "get" else None
        return None

    def _receiver(self, node: ast.expr, module: _Module, frames: _Frames, depth: int) -> _Value:
        """`self`/`cls` in a method: its class; else the value of `node`."""
        if isinstance(node, ast.Name) and len(frames) >= 2 and isinstance(frames[-2], ast.ClassDef):
            method = frames[-1]
            if isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)) and not _decorated(method, "staticmethod"):
                arguments = method.args.posonlyargs + method.args.args
                if arguments and arguments[0].arg == node.id:
                    if _decorated(method, "classmethod"):
                        return _ClassRef(module, frames[:-1])
                    return _Instance(module, frames[:-1])
        return self.value(node, module, frames, depth)

    def _instance_attribute(self, instance: _Instance, name: str, depth: int) -> _Value:
        """An attribute of an instance: a property's or method's, a plain class attribute, or
        the one value the class's methods assign to `self.<name>`. A class body's annotated
        default of a class with bases or decorators is a field (a dataclass, pydantic's
        settings): set when the object is made, or from the environment; unknown."""
        cls = instance.frames[-1]
        assert isinstance(cls, ast.ClassDef)
        assigned = _self_assignments(cls, name)
        bindings = _class_bindings(cls).get(name)
        if bindings:
            if assigned or len(bindings) != 1:
                return None
            node = bindings[0].node
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                function = _FunctionRef(instance.module, instance.frames + (node,))
                return self._returned(function, depth) if _is_property(node) else function
            if isinstance(node, ast.AnnAssign) and (cls.bases or cls.keywords or cls.decorator_list):
                return None
            return self._bound(bindings, instance.module, instance.frames, depth)
        if len(assigned) == 1:
            method, value = assigned[0]
            return self.value(value, instance.module, instance.frames + (method,), depth)
        return None

    # -- environment variables and parameters ----------------------------------------------------

    def _environment_variable(
        self, key: ast.expr, default: ast.expr | None, module: _Module, frames: _Frames, depth: int
    ) -> _Value:
        """The URL in environment variable `key`, when the project's own code sets it for the
        migrations it runs: a module beside the file reading it (the script directory's
        launcher) or one that file imports writes it (`env[NAME] = url` into a copy of
        `os.environ` for `alembic upgrade`, `os.environ[NAME] = url`, `setdefault`, ...), every
        write of it in the repository's Python names the same database (a test setting it to
        SQLite beside the launcher's PostgreSQL: unknown), and no other file of the repository
        names it (a deployment, a CI job or a `.env` file may set it to anything). A default
        (`os.environ.get(NAME, default)`) must agree."""
        name = self.value(key, module, frames, depth)
        if not isinstance(name, Text) or not name.complete or not name.value:
            return None
        if (name.value, module.path) not in self._variables:
            self._variables[(name.value, module.path)] = self._variable_writers(name.value, module, depth)
        found = self._variables[(name.value, module.path)]
        if found is not None and default is not None:
            found = _agree([found, self.value(default, module, frames, depth)])
        return found if isinstance(found, Text) and _dialect_of(found) is not None else None

    def _variable_writers(self, name: str, module: _Module, depth: int) -> _Value:
        """What the project's writes of environment variable `name` agree on
        (`_environment_variable`), for a read in `module`."""
        needle = name.encode()
        beside = [p for p in module.path.parent.glob("*.py")] + list(self.files_read)
        if not any(needle in self._bytes(path) and _writes(self.module(path), name) for path in beside):
            return None
        python = self._repository_python()
        if python is None or self.top is None:
            return None
        elsewhere = _mentioned_elsewhere(self.top, needle)
        if elsewhere is not None:
            self.files_read.append(elsewhere)  # (what the answer depends on)
            return None
        writers = [path for path in python if needle in self._bytes(path)]
        values: list[_Value] = []
        following = self._follow_parameters
        self._follow_parameters = True
        try:
            for path in writers:
                writer = self.module(path)
                if writer is None:
                    return None
                for value, scope in _variable_writes(writer.tree, name):
                    values.append(self.value(value, writer, scope, depth) if value is not None else None)
                    if values[-1] is None:
                        return None
        finally:
            self._follow_parameters = following
        return _agree(values)

    def _parameter(self, name: str, module: _Module, frames: _Frames, depth: int) -> _Value:
        """What every call of the function `frames[-1]` in the repository passes for its
        parameter `name` (its default where a call leaves it out); None when there is no call,
        a call passes `*args`/`**kwargs`, or the function's name is used where it cannot be
        told apart (a call of an unknown object's method, a callback)."""
        function = frames[-1]
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return None
        method = len(frames) >= 2 and isinstance(frames[-2], ast.ClassDef) and not _decorated(function, "staticmethod")
        positional = [a.arg for a in function.args.posonlyargs + function.args.args]
        defaults = dict(zip(positional[len(positional) - len(function.args.defaults):], function.args.defaults))
        defaults.update({
            a.arg: d for a, d in zip(function.args.kwonlyargs, function.args.kw_defaults) if d is not None
        })
        if method:
            positional = positional[1:]
        needle = function.name.encode()
        values: list[_Value] = []
        for path in self._repository_python() or []:
            if needle not in self._bytes(path):
                continue
            caller = self.module(path)
            if caller is None:
                return None
            for node, parent, scope in walk_scoped(caller.tree):
                named = isinstance(node, ast.Name) and node.id == function.name \
                    or isinstance(node, ast.Attribute) and node.attr == function.name
                if named and not (isinstance(parent, ast.Call) and parent.func is node):
                    if not isinstance(node.ctx, ast.Store):  # type: ignore[union-attr]
                        return None  # a callback, or another object's attribute of that name
                if not isinstance(node, ast.Call) or _called_name(node.func) != function.name:
                    continue
                callee = self.value(node.func, caller, scope, depth)
                if callee is None:
                    return None  # maybe this function, through an object not read here
                if not isinstance(callee, _FunctionRef) or callee.frames[-1] is not function:
                    continue
                if method and isinstance(node.func, ast.Attribute) and not _decorated(function, "classmethod") \
                        and isinstance(self._receiver(node.func.value, caller, scope, depth), _ClassRef):
                    return None  # `Class.method(obj, ...)`: the arguments are not shifted
                if any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
                    return None
                given = next((k.value for k in node.keywords if k.arg == name), None)
                if given is None and name in positional and positional.index(name) < len(node.args):
                    given = node.args[positional.index(name)]
                if given is not None:
                    values.append(self.value(given, caller, scope, depth))
                elif name in defaults:
                    values.append(self.value(defaults[name], module, frames[:-1], depth))
                else:
                    return None
                if values[-1] is None or len(values) > _MAX_CALLS:
                    return None
        return _agree(values)

    def _bytes(self, path: Path) -> bytes:
        if path not in self._contents:
            note_file(path)
            try:
                self._contents[path] = path.read_bytes()
            except OSError:
                self._contents[path] = b""
        return self._contents[path]

    def _repository_python(self) -> list[Path] | None:
        if self._python_files is None and self.top is not None:
            self._python_files = _python_files(self.top)
        return self._python_files

    # -- modules ---------------------------------------------------------------------------------

    def _module_named(self, dotted: str, level: int, importer: Path) -> _Module | None:
        """The module `dotted` (relative by `level` to `importer`'s package), looked for from the
        importer's directory up to the repository's top."""
        relative = Path(*dotted.split(".")) if dotted else None
        if level:
            base = importer.resolve().parent
            for _ in range(level - 1):
                base = base.parent
            return self._file_of(base / relative if relative is not None else base, base)
        if relative is None:
            return None
        for directory in importer.resolve().parents:
            if self.top is not None and not directory.is_relative_to(self.top):
                break
            found = self._file_of(directory / relative, directory)
            if found is not None:
                return found
            if (directory / ".git").exists():
                break
        return None

    def _file_of(self, stem: Path, start: Path) -> _Module | None:
        # (every directory from `start` down to `stem`: a `stem.py` or a package on the way
        # may appear in one of them)
        for directory in (stem, *stem.parents):
            note_directory(directory)
            if directory == start or len(directory.parts) <= len(start.parts):
                break
        for candidate in (stem.with_suffix(".py"), stem / "__init__.py"):
            if candidate.is_file():
                return self.module(candidate)
        return None


def dialect_of(found: _Value, flask: Callable[[], str | None]) -> set[str | None]:
    """The databases a URL value names: its scheme's, or the Flask app's (`flask()`, read only
    when needed) and its defaults'; {None} when unknown."""
    if isinstance(found, Text):
        return {url_dialect(found.value)}
    if isinstance(found, AppDatabase):
        return {flask()} | set(found.defaults)
    return {None}


def url_dialect(url: str) -> str | None:
    """`postgresql` for `postgresql+psycopg://u@h/db`; None when the URL is not a literal one
    (interpolation, an unknown scheme such as alembic.ini's template `driver://`)."""
    if "%(" in url or "${" in url:
        return None
    match = _URL_SCHEME.match(url.strip())
    return BACKENDS.get(match.group(1).lower()) if match else None


def _dialect_of(found: _Value) -> str | None:
    return url_dialect(found.value) if isinstance(found, Text) else None


def _agree(values: list[_Value]) -> _Value:
    """The one value several (a function's returns, a conditional's branches) agree on: the
    same text, the same database's URL, or the app's database; else None."""
    if not values or any(v is None for v in values):
        return None
    if all(isinstance(v, Text) for v in values):
        texts = {v.value for v in values}  # type: ignore[union-attr]
        if len(texts) == 1:
            return Text(texts.pop(), all(v.complete for v in values))  # type: ignore[union-attr]
        schemes = {_dialect_of(v) for v in values}
        if len(schemes) == 1 and None not in schemes:
            first = values[0].value  # type: ignore[union-attr]
            return Text(first.split("://", 1)[0] + "://", False)
        return None
    if all(isinstance(v, AppDatabase) for v in values):
        return AppDatabase(frozenset().union(*(v.defaults for v in values)))  # type: ignore[union-attr]
    return values[0] if len(set(values)) == 1 else None


def _string_method(receiver: Text, method: str, node: ast.Call) -> Text | None:
    if method == "format":
        prefix = receiver.value.split("{", 1)[0]
        return Text(prefix, receiver.complete and prefix == receiver.value and not node.args and not node.keywords)
    if method == "replace":
        if len(node.args) == 2 and all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in node.args):
            old, new = (a.value for a in node.args)  # type: ignore[attr-defined]
            return Text(receiver.value.replace(old, new), receiver.complete)
        return None
    if not node.args and receiver.complete:  # strip()
        return Text(receiver.value.strip(), True)
    return None


# -- scopes -------------------------------------------------------------------------------------


def _bindings(body: list[ast.stmt]) -> dict[str, list[_Binding]]:
    """The names a block of statements binds (descending into if/try/with/for/while, not into
    functions or classes), with every binding of each: a name bound twice is not one value."""
    found: dict[str, list[_Binding]] = {}

    def bind(name: str, binding: _Binding) -> None:
        found.setdefault(name, []).append(binding)

    def targets(target: ast.expr, statement: ast.AST) -> None:
        if isinstance(target, ast.Name):
            bind(target.id, _Binding(statement))
        elif isinstance(target, (ast.Tuple, ast.List, ast.Starred)):
            for element in ast.walk(target):
                if isinstance(element, ast.Name):
                    bind(element.id, _Binding(ast.Pass()))  # unpacked: not followed

    pending = list(body)
    while pending:
        statement = pending.pop(0)
        if isinstance(statement, ast.Assign):
            for target in statement.targets:
                targets(target, statement)
        elif isinstance(statement, ast.AnnAssign):
            if statement.value is not None:
                targets(statement.target, statement)
        elif isinstance(statement, (ast.AugAssign, ast.For, ast.AsyncFor)):
            targets(statement.target, ast.Pass())
        elif isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bind(statement.name, _Binding(statement))
        elif isinstance(statement, (ast.Import, ast.ImportFrom)):
            for alias in statement.names:
                if alias.name != "*":
                    name = alias.asname or alias.name.split(".")[0]
                    bind(name, _Binding(alias, statement))
        elif isinstance(statement, (ast.With, ast.AsyncWith)):
            for item in statement.items:
                if item.optional_vars is not None:
                    targets(item.optional_vars, ast.Pass())
        elif isinstance(statement, ast.Delete):
            for target in statement.targets:
                targets(target, ast.Pass())
        if isinstance(statement, (ast.For, ast.AsyncFor, ast.While, ast.If)):
            pending += statement.body + statement.orelse
        elif isinstance(statement, (ast.With, ast.AsyncWith)):
            pending += statement.body
        elif isinstance(statement, ast.Try) or type(statement).__name__ == "TryStar":
            pending += statement.body + statement.orelse + statement.finalbody  # type: ignore[attr-defined]
            for handler in statement.handlers:  # type: ignore[attr-defined]
                if handler.name:
                    bind(handler.name, _Binding(ast.Pass()))
                pending += handler.body
        elif type(statement).__name__ == "Match":
            for case in statement.cases:  # type: ignore[attr-defined]
                pending += case.body
    for node in _own_nodes_of(body):
        if isinstance(node, ast.NamedExpr) and isinstance(node.target, ast.Name):
            bind(node.target.id, _Binding(ast.Pass()))
    return found


# What is read of a function's or class's body, by the node and what (`_per_node`): kept while
# the node lives (its module stays parsed in a ProjectCode), so that a class's attributes are
# not searched again at each attribute read.
_PER_NODE = BoundedMemo(20_000)  # (id of the node, what) -> (node, value)


def _per_node(node: ast.AST, what: str, compute: Callable[[], Any]) -> Any:
    known = _PER_NODE.get((id(node), what))
    if known is None or known[0] is not node:
        known = _PER_NODE.put((id(node), what), (node, compute()))
    return known[1]


def _function_bindings(function: ast.FunctionDef | ast.AsyncFunctionDef) -> dict[str, list[_Binding]]:
    return _per_node(function, "bindings", lambda: _bindings(function.body))


def _class_bindings(cls: ast.ClassDef) -> dict[str, list[_Binding]]:
    return _per_node(cls, "bindings", lambda: _bindings(cls.body))


def _declared_outside(function: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    """The names a function declares `global` or `nonlocal`."""
    return _per_node(function, "global", lambda: {
        name for n in _own_nodes(function) if isinstance(n, (ast.Global, ast.Nonlocal)) for name in n.names
    })


def _parameters(function: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> set[str]:
    if isinstance(function, ast.ClassDef):
        return set()
    args = function.args
    names = {a.arg for a in args.posonlyargs + args.args + args.kwonlyargs}
    names |= {a.arg for a in (args.vararg, args.kwarg) if a is not None}
    return names


def _own_nodes(scope: ast.AST) -> Iterator[ast.AST]:
    """The nodes of a function's or class's body, not those of the functions, classes and
    lambdas nested in it."""
    yield from _own_nodes_of(getattr(scope, "body", []))


def _own_nodes_of(body: list[ast.stmt]) -> Iterator[ast.AST]:
    pending: list[ast.AST] = list(body)
    while pending:
        node = pending.pop()
        yield node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        pending.extend(ast.iter_child_nodes(node))


def _self_assignments(cls: ast.ClassDef, name: str) -> "_Assigned":
    """`self.<name> = value` in the class's methods, with the method (a value None: set another
    way, `self.x += 1`, `setattr`, unpacking)."""
    return _per_node(cls, "self", lambda: _instance_assignments(cls)).get(name, [])


_Assigned = list[tuple[Union[ast.FunctionDef, ast.AsyncFunctionDef], ast.expr]]


def _instance_assignments(cls: ast.ClassDef) -> dict[str, _Assigned]:
    found: dict[str, _Assigned] = {}
    for method in cls.body:
        if not isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        arguments = method.args.posonlyargs + method.args.args
        if not arguments:
            continue
        receiver = arguments[0].arg
        values: dict[int, ast.expr] = {}
        targets: list[ast.Attribute] = []
        for node in ast.walk(method):
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                values[id(node.targets[0])] = node.value
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                values[id(node.target)] = node.value
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, (ast.Store, ast.Del)) \
                    and isinstance(node.value, ast.Name) and node.value.id == receiver:
                targets.append(node)
        for target in targets:
            value = values.get(id(target), ast.Constant(value=None))  # set another way: not a string
            found.setdefault(target.attr, []).append((method, value))
    return found


def _decorated(function: ast.FunctionDef | ast.AsyncFunctionDef, name: str) -> bool:
    return any(_called_name(d) == name for d in function.decorator_list)


def _is_property(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return any(_called_name(d) in _PROPERTIES for d in function.decorator_list)


def _called_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else None


def _is_string(node: ast.expr, value: str) -> bool:
    return isinstance(node, ast.Constant) and node.value == value


def repository_top(start: Path) -> Path | None:
    """The repository `start` is in: the directory holding `.git` at or above it, else the
    highest one holding a project file (pyproject.toml, setup.py, setup.cfg); None when none."""
    marked = None
    for directory in (start.resolve(), *start.resolve().parents):
        note_directory(directory)
        if (directory / ".git").exists():
            return directory
        if any((directory / name).is_file() for name in ("pyproject.toml", "setup.py", "setup.cfg")):
            marked = directory
    return marked


# -- Flask --------------------------------------------------------------------------------------


def flask_database(root: Path, code: ProjectCode) -> str | None:
    """The one database the project's `SQLALCHEMY_DATABASE_URI` values name, reading every
    Python file under `root` that spells the key (their paths and the other files read are
    added to `code.files_read`); None when any value is not literal, two databases are named (a
    test configuration's SQLite beside production's MySQL), none is set, the key is written in
    a way not read here, the app has other databases (`SQLALCHEMY_BINDS`), or its configuration
    may come from outside the project's Python (`from_envvar`, `from_pyfile`, ...,
    `config.update(os.environ)`, a file other than Python naming the key)."""
    found = _flask_files(root)
    if found is None:
        return None
    files, outside = found
    code.files_read.extend(outside + files)  # (what the answer depends on)
    if outside or not files:
        return None
    named: set[str | None] = set()
    for path in files:
        module = code.module(path)
        if module is None or _spells(module.tree, _FLASK_BINDS_KEY):
            return None
        for value, frames in _flask_uri_writes(module.tree):
            named.add(_dialect_of(code.value(value, module, frames)) if value is not None else None)
            if None in named or len(named) > 1:
                return None
    if len(named) != 1:
        return None
    elsewhere = _mentioned_elsewhere(root, FLASK_URI_KEY.encode())
    if elsewhere is not None:  # a settings.toml, a .env, a compose file: set there too
        code.files_read.append(elsewhere)
        return None
    return named.pop()


def _flask_files(root: Path) -> tuple[list[Path], list[Path]] | None:
    """The Python files under `root` (hidden directories, virtual environments and installed
    packages aside) that spell `SQLALCHEMY_DATABASE_URI`, and those that load configuration
    from outside; None when there are more than `_MAX_FILES` Python files. A file is read again
    only when its status changed (a resident process walks the same tree at every run)."""
    from ormlint.cache import status_key

    found = []
    outside = []
    python = _python_paths(root)
    if python is None:
        return None
    for key in python:  # (strings: a Path per file cost a third of the scan)
        note_file(key)
        try:
            status = status_key(os.stat(key))
            known = _FLASK_FILE_FLAGS.get(key)
            if status is None or known is None or known[0] != status:
                with open(key, "rb") as handle:
                    data = handle.read()
                # (every spelling the pattern matches holds `.from_` or `environ`: a plain search
                # rules most files out at once, where the pattern stops at every dot: 43 of 123
                # ms on indico's 1,294 files)
                outside_config = (b".from_" in data or b"environ" in data) and (
                    _FLASK_OUTSIDE_CONFIG.search(data) is not None
                )
                known = (status, FLASK_URI_KEY.encode() in data, outside_config)
                if status is not None:
                    _FLASK_FILE_FLAGS.put(key, known)
        except OSError:
            continue
        if known[1]:
            found.append(Path(key))
        if known[2]:
            outside.append(Path(key))
    return sorted(found), sorted(outside)


def _variable_writes(tree: ast.Module, name: str) -> Iterator[tuple[ast.expr | None, _Frames]]:
    """Each value a module gives environment variable `name` (`_string_key_write`, and
    `f(NAME=v)`: `os.environ.update`, `dict`), with its scope; None for a spelling of the name
    that is neither a write nor a read."""
    for node, parent, frames in walk_scoped(tree):
        if isinstance(node, ast.keyword) and node.arg == name:
            yield node.value, frames
        elif isinstance(node, ast.Constant) and node.value == name:
            yield from _string_key_write(node, parent, frames)


def _writes(module: _Module | None, name: str) -> bool:
    return module is not None and any(value is not None for value, _ in _variable_writes(module.tree, name))


def _python_files(root: Path) -> list[Path] | None:
    """The Python files under `root` (hidden directories, virtual environments and installed
    packages aside), in a stable order; None when there are more than `_MAX_FILES`."""
    found = _python_paths(root)
    return None if found is None else [Path(path) for path in found]


def _python_paths(root: Path) -> list[str] | None:
    """`_python_files` as strings."""
    found = [path for path, python in _files(root, hidden=False) if python]
    return None if len(found) > _MAX_FILES else found


def _mentioned_elsewhere(root: Path, needle: bytes) -> Path | None:
    """A file under `root` other than a Python file (a `.env`, a compose file, a CI job, a
    Dockerfile, the docs) that spells `needle`; `root` itself when there are too many to read."""
    count = 0
    for path, python in _files(root, hidden=True):
        if python or os.path.splitext(path)[1].lower() in _NOT_SETTINGS:
            continue
        count += 1
        if count > 5 * _MAX_FILES:
            return root
        note_file(path)
        try:
            if os.path.getsize(path) <= _MAX_OTHER_FILE:
                with open(path, "rb") as handle:
                    if needle in handle.read():
                        return Path(path)
        except OSError:
            continue
    return None


def _files(root: Path, hidden: bool) -> Iterator[tuple[str, bool]]:
    """The regular files under `root` with whether each is a Python file, skipping `.git`,
    virtual environments, installed packages and caches (`hidden`: and other hidden
    directories and files)."""
    top = os.fspath(root)
    pending = [top]
    while pending:
        directory = pending.pop()
        note_directory(directory)
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError:
            continue
        if directory != top and any(e.name == "pyvenv.cfg" for e in entries):
            continue
        for entry in entries:
            if entry.name == ".git" or entry.name.startswith(".") and not hidden:
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name not in _SKIPPED_DIRECTORIES:
                        pending.append(entry.path)
                elif entry.is_file(follow_symlinks=False):
                    yield entry.path, entry.name.endswith(".py")
            except OSError:
                continue


def _spells(tree: ast.Module, name: str) -> bool:
    return any(
        isinstance(n, ast.Name) and n.id == name or isinstance(n, ast.Attribute) and n.attr == name
        or isinstance(n, ast.keyword) and n.arg == name or isinstance(n, ast.Constant) and n.value == name
        for n in ast.walk(tree)
    )


def _flask_uri_writes(tree: ast.Module) -> Iterator[tuple[ast.expr | None, _Frames]]:
    """Each value a module gives `SQLALCHEMY_DATABASE_URI`, with its scope: `KEY = v` (module,
    class), `x.KEY = v`, `config["KEY"] = v`, `{"KEY": v}`, `f(KEY=v)`, `.setdefault("KEY", v)`,
    `setattr(x, "KEY", v)`; a None value for a spelling of the key that is neither one of these
    nor a plain read (`config["KEY"]`, `.get("KEY")`, `"KEY" in config`, an import)."""
    key = FLASK_URI_KEY
    for node, parent, frames in walk_scoped(tree):
        if isinstance(node, ast.Name) and node.id == key or isinstance(node, ast.Attribute) and node.attr == key:
            if isinstance(node.ctx, ast.Load):
                continue
            if isinstance(parent, ast.Assign) and node in parent.targets:
                yield parent.value, frames
            elif isinstance(parent, ast.AnnAssign) and parent.target is node:
                if parent.value is None:
                    continue
                cls = frames[-1] if frames else None
                field_default = isinstance(cls, ast.ClassDef) and (cls.bases or cls.keywords or cls.decorator_list)
                yield (None if field_default else parent.value), frames
            else:
                yield None, frames
        elif isinstance(node, ast.keyword) and node.arg == key:
            yield node.value, frames
        elif isinstance(node, ast.alias) and (node.asname or node.name) == key:
            continue  # an import: the module it comes from is read on its own
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.arg)) and \
                getattr(node, "name", getattr(node, "arg", None)) == key:
            yield None, frames
        elif isinstance(node, ast.Constant) and node.value == key:
            yield from _string_key_write(node, parent, frames)


def _string_key_write(
    node: ast.Constant, parent: ast.AST | None, frames: _Frames
) -> Iterator[tuple[ast.expr | None, _Frames]]:
    """What a mapping key spelled as a string is given where it is written (`m["KEY"] = v`,
    `{"KEY": v}`, `.setdefault("KEY", v)`, `os.putenv("KEY", v)`, `monkeypatch.setenv("KEY",
    v)`, `setattr(x, "KEY", v)`); nothing where it is read (`m["KEY"]`, `.get("KEY")`,
    `getenv("KEY")`, `"KEY" in m`); None for any other spelling."""
    if isinstance(parent, ast.Subscript) and parent.slice is node:
        if isinstance(parent.ctx, ast.Load):
            return
        assignment = getattr(parent, "_assigned_from", None)
        yield assignment, frames
    elif isinstance(parent, ast.Dict):
        position = next(i for i, k in enumerate(parent.keys) if k is node)
        yield parent.values[position], frames
    elif isinstance(parent, ast.Call) and parent.args and parent.args[0] is node:
        method = _called_name(parent.func)
        if method in ("get", "getenv"):
            return
        setter = method in ("setdefault", "putenv", "setenv") and len(parent.args) == 2
        yield (parent.args[1] if setter else None), frames
    elif isinstance(parent, ast.Call) and _called_name(parent.func) == "setattr" and len(parent.args) == 3 \
            and parent.args[1] is node:
        yield parent.args[2], frames
    elif isinstance(parent, ast.Compare) and all(isinstance(op, (ast.In, ast.NotIn)) for op in parent.ops) \
            and parent.left is node:
        return
    else:
        yield None, frames


def walk_scoped(tree: ast.Module) -> Iterator[tuple[ast.AST, ast.AST | None, _Frames]]:
    """Every node with its parent and the functions and classes around it. A subscript assigned
    to (`config["KEY"] = v`) carries the assigned value as `_assigned_from` (None when set
    another way: `+=`, unpacking, `del`)."""
    pending: list[tuple[ast.AST, ast.AST | None, _Frames]] = [(tree, None, ())]
    while pending:
        node, parent, frames = pending.pop()
        yield node, parent, frames
        inner = frames + (node,) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) else frames
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Subscript):
            node.targets[0]._assigned_from = node.value  # type: ignore[attr-defined]
        for child in ast.iter_child_nodes(node):
            # a function's decorators and defaults belong to the scope around it
            outer = isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and (
                child in getattr(node, "decorator_list", ()) or child in getattr(node, "bases", ())
                or child is getattr(node, "args", None)
            )
            pending.append((child, node, frames if outer else inner))
