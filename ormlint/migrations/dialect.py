"""The database an Alembic environment runs on, where its alembic.ini or env.py names it
literally: `sqlalchemy.url = postgresql://...`, `create_engine("sqlite:///...")`,
`context.configure(url="mysql+pymysql://...")` or `dialect_name="..."`, or builds the URL from
literals in the project's modules (a settings property, `f"{DB._DIALECT}:///..."`), or, for
Flask-Migrate, the Flask app's `SQLALCHEMY_DATABASE_URI`, or reads it from an environment
variable that only the project's own migration launcher sets (ormlint.migrations.project_urls).
env.py is read, never run. A URL that is interpolated (`%(DB_URL)s`), read from the environment
otherwise, or two databases named, leave it unknown (None). Then the revisions may tell: when they
import the types of one database only (`from sqlalchemy.dialects import mysql`), autogenerate
wrote them against it (`history_dialect`). Else `target-dialect` decides (PostgreSQL by default).
"""

from __future__ import annotations

import ast
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from ormlint.memo import BoundedMemo
from ormlint.migrations.project_urls import (
    BACKENDS, ProjectCode, Text, dialect_of, flask_database, repository_top, url_dialect, walk_scoped,
)
from ormlint.migrations.read_log import note_file, recording, still_holds, unkept

if TYPE_CHECKING:
    from ormlint.codes import RuleOptions
    from ormlint.migrations.operations import Revision

_ENGINE_FACTORIES = {"create_engine", "create_async_engine"}
# calls whose value comes from alembic.ini (which is read on its own)
_FROM_INI = {"get_main_option", "get_section", "get_section_option", "engine_from_config",
             "async_engine_from_config"}


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
    named = {BACKENDS.get(name) for revision in revisions for name in revision.dialect_imports}
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
    return environment_reading(ini, env)[0]


def environment_sources(ini: Path | None, env: Path | None, stored: dict | None = None) -> list[Path]:
    """The project's files `environment_dialect` reads beyond env.py and alembic.ini (the
    modules env.py's URL is followed into, the Flask app's configuration, the writers of an
    environment variable and the callers passing its value): what its answer depends on.
    `stored`: as for `environment_reading`."""
    return environment_reading(ini, env, stored)[1]


# This process's readings, by environment: [dialect, sources, the log of what was looked at].
_readings = BoundedMemo(1_000)


def environment_reading(
    ini: Path | None, env: Path | None, stored: dict | None = None
) -> tuple[str | None, list[Path]]:
    """The environment's database and the files read for it (`environment_dialect`,
    `environment_sources`), read again only when something the last reading looked at changed
    (ormlint.migrations.read_log): this process's last reading, else the one in `stored` (the
    results cache's `environments`, which gets this one)."""
    key = f"{os.path.abspath(env) if env is not None else ''}|{os.path.abspath(ini) if ini is not None else ''}"
    for earlier in (_readings.get(key), stored.get(key) if stored is not None else None):
        if _is_reading(earlier) and still_holds(earlier[2]):
            _readings.put(key, earlier)
            if stored is not None and stored.get(key) is not earlier:
                stored[key] = earlier
            return earlier[0], [Path(p) for p in earlier[1]]
    with recording() as log:
        if ini is not None:
            note_file(ini)
        dialect, sources = _environment_reading(ini, env)
    if log.settled:
        reading = [dialect, [os.fspath(p) for p in sources], log.entries]
        _readings.put(key, reading)
        if stored is not None:
            stored[key] = reading
    return dialect, sources


def _is_reading(value: Any) -> bool:
    """A reading as `environment_reading` stores it (the results file is not trusted)."""
    return (
        type(value) is list and len(value) == 3
        and (value[0] is None or value[0] in BACKENDS.values())
        and type(value[1]) is list and all(type(p) is str for p in value[1])
        and type(value[2]) is dict
    )


def _environment_reading(ini: Path | None, env: Path | None) -> tuple[str | None, list[Path]]:
    from ormlint.migrations.discovery import ini_value

    named: set[str | None] = set()
    overridden = False
    sources: list[Path] = []
    if env is not None:
        found = _env_dialects(env)
        sources = found.sources if found is not None else []
        if found is None or found.unreadable:
            return None, sources
        named |= found.named
        overridden = found.overrides_ini
    if ini is not None and ini.suffix == ".ini" and not overridden:
        url = ini_value(ini, "sqlalchemy.url")
        if url is not None and url.strip():
            named.add(url_dialect(url))
    return (named.pop() if len(named) == 1 else None), sources


class _EnvReading:
    def __init__(self) -> None:
        self.named: set[str | None] = set()  # None: a URL that is not literal
        self.overrides_ini = False  # env.py sets the URL itself: alembic.ini's is not used
        self.unreadable = False  # env.py does not parse
        self.sources: list[Path] = []  # the other files read


def _env_dialects(env: Path) -> _EnvReading:
    """The databases env.py names (None among them for a URL it computes), following the
    names its URLs are built from into the project's modules (ormlint.migrations.project_urls);
    a URL from the Flask app (Flask-Migrate's `current_app`) names the database of the
    project's `SQLALCHEMY_DATABASE_URI`."""
    from ormlint.migrations.discovery import environment_root

    top = repository_top(env.parent)
    if top is None:
        unkept()  # (where the environment runs from is read from files not logged)
        top = environment_root(env.parent)
    code = ProjectCode(top)
    reading = _EnvReading()
    module = code.module(env)
    if module is None:
        reading.unreadable = True
        return reading
    flask: list[str | None] = []

    def flask_dialect() -> str | None:
        if not flask:
            flask.append(flask_database(top, code))
        return flask[0]

    for node, _, frames in walk_scoped(module.tree):
        if not isinstance(node, ast.Call):
            continue
        name = _called_name(node.func)
        url = None
        if name in _ENGINE_FACTORIES and node.args:
            url = node.args[0]
        elif name == "set_main_option" and _is_string(_argument(node, 0, "name"), "sqlalchemy.url"):
            url = _argument(node, 1, "value")
        elif name == "configure":
            given = next((k.value for k in node.keywords if k.arg == "url"), None)
            url = given if given is not None and not _reads_ini(given, module.tree) else None
        if url is not None:
            reading.named |= dialect_of(code.value(url, module, frames), flask_dialect)
            reading.overrides_ini = True
        for keyword in node.keywords:
            if keyword.arg == "dialect_name":
                value = code.value(keyword.value, module, frames)
                complete = isinstance(value, Text) and value.complete
                named = BACKENDS.get(value.value.lower()) if complete else None  # type: ignore[union-attr]
                reading.named.add(named)
    reading.sources = sorted({path.resolve() for path in code.files_read} - {env.resolve()})
    return reading


def _argument(call: ast.Call, position: int, keyword: str) -> ast.expr | None:
    if len(call.args) > position:
        return call.args[position]
    return next((k.value for k in call.keywords if k.arg == keyword), None)


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


def _is_string(node: ast.expr, value: str) -> bool:
    return isinstance(node, ast.Constant) and node.value == value


def _called_name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return None
