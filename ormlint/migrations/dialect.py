"""The database an Alembic environment runs on, where its alembic.ini or env.py names it
literally: `sqlalchemy.url = postgresql://...`, `create_engine("sqlite:///...")`,
`context.configure(url="mysql+pymysql://...")` or `dialect_name="..."`. env.py is read, never
run. A URL that is interpolated (`%(DB_URL)s`), read from the environment or the application's
settings, or two databases named, leave it unknown (None). Then the revisions may tell: when they
import the types of one database only (`from sqlalchemy.dialects import mysql`), autogenerate
wrote them against it (`history_dialect`). Else `target-dialect` decides (PostgreSQL by default).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

if TYPE_CHECKING:
    from ormlint.codes import RuleOptions
    from ormlint.migrations.operations import Revision

# The URL spellings of each dialect `target-dialect` names (`postgres://` is Heroku's); others
# are unknown.
_BACKENDS = {
    "postgresql": "postgresql", "postgres": "postgresql", "mysql": "mysql", "mariadb": "mysql",
    "sqlite": "sqlite", "mssql": "mssql",
}
_URL_SCHEME = re.compile(r"^([A-Za-z][\w]*)(?:\+[\w]+)?://")
_ENGINE_FACTORIES = {"create_engine", "create_async_engine"}
# calls whose value comes from alembic.ini (which is read on its own)
_FROM_INI = {"get_main_option", "get_section", "get_section_option", "engine_from_config",
             "async_engine_from_config"}


def url_dialect(url: str) -> str | None:
    """`postgresql` for `postgresql+psycopg://u@h/db`; None when the URL is not a literal one
    (interpolation, an unknown scheme such as alembic.ini's template `driver://`)."""
    if "%(" in url or "${" in url:
        return None
    match = _URL_SCHEME.match(url.strip())
    return _BACKENDS.get(match.group(1).lower()) if match else None


def environment_ini(versions: tuple[Path, ...], env: Path | None) -> Path | None:
    """The configuration whose `sqlalchemy.url` an environment reads: the alembic.ini (or
    pyproject.toml) naming its script directory, else Flask-Migrate's alembic.ini beside env.py."""
    from ormlint.migrations.discovery import environment_config

    script = env.parent if env is not None else versions[0].parent
    config = environment_config(script)
    if config is None and (script / "alembic.ini").is_file():
        config = script / "alembic.ini"
    return config


def history_dialect(revisions: Iterable["Revision"]) -> str | None:
    """The one database whose own types the revisions import (`from sqlalchemy.dialects import
    mysql` beside `mysql.VARCHAR(...)`: autogenerate rendered what it reflected from that
    database), or None: none, or several."""
    named = {_BACKENDS.get(name) for revision in revisions for name in revision.dialect_imports}
    return named.pop() if len(named) == 1 else None


def models_dialect(options: "RuleOptions", migrations: Any, path: str) -> str | None:
    """The database the tables of model file `path` are created on: `target-dialect` when
    configured; else the one dialect the Alembic environments whose root holds the file (all of
    them when none does) name in their alembic.ini or env.py (`ScriptDirectory.dialect`); None
    when there are no migrations, they disagree, or one knows its dialect only from the types
    its revisions import (a history may outlive a move to another database)."""
    if options.dialect_configured:
        return options.target_dialect
    directories = list(migrations.directories) if migrations is not None else []
    named = {None if d.dialect_from_revisions else d.dialect for d in directories}
    if len(named) == 1:  # (every environment agrees: which of them holds the file is moot)
        return named.pop()
    absolute = Path(path).resolve()
    holding = [d for d in directories if d.root is not None and absolute.is_relative_to(d.root.resolve())]
    named = {None if d.dialect_from_revisions else d.dialect for d in holding or directories}
    return named.pop() if len(named) == 1 else None


def environment_dialect(ini: Path | None, env: Path | None) -> str | None:
    """The one database the environment's literal URLs name, or None (unknown)."""
    from ormlint.migrations.discovery import ini_value
    from ormlint.migrations.environment import read_source

    named: set[str | None] = set()
    overridden = False
    if env is not None:
        source = read_source(str(env))
        if source is None:
            return None
        found = _env_dialects(source, env)
        if found is None:
            return None
        named |= found.named
        overridden = found.overrides_ini
    if ini is not None and ini.suffix == ".ini" and not overridden:
        url = ini_value(ini, "sqlalchemy.url")
        if url is not None and url.strip():
            named.add(url_dialect(url))
    return named.pop() if len(named) == 1 else None


class _EnvReading:
    def __init__(self) -> None:
        self.named: set[str | None] = set()  # None: a URL that is not literal
        self.overrides_ini = False  # env.py sets the URL itself: alembic.ini's is not used


def _env_dialects(source: str, env: Path) -> _EnvReading | None:
    """The databases env.py names (None among them for a URL it computes); None when env.py
    does not parse."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    constants = _module_strings(tree)
    constants.update(_imported_urls(tree, env))
    reading = _EnvReading()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _called_name(node.func)
        if name in _ENGINE_FACTORIES and node.args:
            reading.named.add(_literal_dialect(node.args[0], constants))
            reading.overrides_ini = True
        elif name == "set_main_option" and len(node.args) == 2 and _is_string(node.args[0], "sqlalchemy.url"):
            reading.named.add(_literal_dialect(node.args[1], constants))
            reading.overrides_ini = True
        for keyword in node.keywords:
            if keyword.arg == "dialect_name":
                value = _string(keyword.value, constants)
                reading.named.add(_BACKENDS.get(value.lower()) if value else None)
            elif keyword.arg == "url" and name == "configure" and not _reads_ini(keyword.value, tree):
                reading.named.add(_literal_dialect(keyword.value, constants))
                reading.overrides_ini = True
    return reading


def _imported_urls(tree: ast.Module, env: Path) -> dict[str, str]:
    """Names env.py imports from a module of the project (`from app.db import get_db_url`) that
    hold a URL there: a module-level string, or a function whose every `return` gives one with
    the same scheme. Keyed by the local name; a function's as `name()`. One level deep."""
    found: dict[str, str] = {}
    for node in tree.body:
        if not isinstance(node, ast.ImportFrom) or node.level or not node.module:
            continue
        module = _module_tree(node.module, env)
        if module is None:
            continue
        strings = _module_strings(module)
        functions = {
            f.name: f for f in module.body if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
        }
        for alias in node.names:
            local = alias.asname or alias.name
            if alias.name in strings:
                found[local] = strings[alias.name]
            elif alias.name in functions:
                returned = {
                    _string(r.value, strings) for r in ast.walk(functions[alias.name])
                    if isinstance(r, ast.Return) and r.value is not None
                }
                schemes = {url_dialect(v) if v is not None else None for v in returned}
                if len(returned) >= 1 and len(schemes) == 1 and None not in schemes:
                    found[local + "()"] = returned.pop()  # type: ignore[assignment]
    return found


def _module_tree(module: str, env: Path) -> ast.Module | None:
    """The parsed file of `module`, looked for from env.py's directory up to the repository's
    top (never outside it); None when not found or not parsed."""
    from ormlint.migrations.environment import read_source

    relative = Path(*module.split("."))
    for directory in env.resolve().parents:
        for candidate in (directory / relative.with_suffix(".py"), directory / relative / "__init__.py"):
            if candidate.is_file():
                source = read_source(str(candidate))
                try:
                    return ast.parse(source) if source is not None else None
                except (SyntaxError, ValueError):
                    return None
        if (directory / ".git").exists():
            break
    return None


def _literal_dialect(node: ast.expr, constants: dict[str, str]) -> str | None:
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.args:
        value = constants.get(node.func.id + "()")
        return url_dialect(value) if value is not None else None
    value = _string(node, constants)
    return url_dialect(value) if value is not None else None


def _reads_ini(node: ast.expr, tree: ast.Module) -> bool:
    """`config.get_main_option("sqlalchemy.url")`, or a name assigned only from it (Alembic's
    template: `url = config.get_main_option(...)`; `context.configure(url=url)`)."""
    if isinstance(node, ast.Call):
        return _called_name(node.func) in _FROM_INI
    if isinstance(node, ast.Name):
        values = [
            assign.value for assign in ast.walk(tree)
            if isinstance(assign, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == node.id for t in assign.targets)
        ]
        return bool(values) and all(
            isinstance(v, ast.Call) and _called_name(v.func) in _FROM_INI for v in values
        )
    return False


def _module_strings(tree: ast.Module) -> dict[str, str]:
    """Module-level names assigned a string literal exactly once."""
    seen: dict[str, list[ast.expr]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    seen.setdefault(target.id, []).append(node.value)
    return {
        name: values[0].value for name, values in seen.items()
        if len(values) == 1 and isinstance(values[0], ast.Constant) and isinstance(values[0].value, str)
    }


def _string(node: ast.expr, constants: dict[str, str]) -> str | None:
    """A string literal (or a module-level constant holding one); of a URL built from a
    template (`f"postgresql://{user}@{host}/db"`, `"sqlite:///{}".format(path)`, `"..." % x`),
    the literal text before the first placeholder, which holds the scheme."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name):
        return constants.get(node.id)
    if isinstance(node, ast.JoinedStr):
        first = node.values[0] if node.values else None
        return first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else None
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        template = _string(node.func.value, constants)
        return template.split("{", 1)[0] if template is not None else None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        template = _string(node.left, constants)
        return template.split("%", 1)[0] if template is not None else None
    return None


def _is_string(node: ast.expr, value: str) -> bool:
    return isinstance(node, ast.Constant) and node.value == value


def _called_name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return None
