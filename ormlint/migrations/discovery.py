"""Where an Alembic project keeps its revisions: alembic.ini / pyproject `[tool.alembic]`
(`script_location`, `version_locations`) and the revision files under a versions directory.
Kept apart from the parser so that looking for migrations imports nothing heavy."""

from __future__ import annotations

import configparser
import os
import re
import sys
import time
from pathlib import Path

from ormlint.memo import BoundedMemo


# -- discovery -----------------------------------------------------------------------------------


def revision_files(directory: Path) -> list[Path]:
    """The revision files of a versions directory, sorted: its own `*.py` files, not those of
    its subdirectories, as Alembic reads it (subdirectories are version locations of their own
    only with `recursive_version_locations`, see `version_directories`)."""
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.glob("*.py") if p.name != "__init__.py" and p.is_file())


def _with_subdirectories(directories: list[Path]) -> list[Path]:
    """`recursive_version_locations = true`: every directory below a location is read too."""
    found = []
    for directory in directories:
        found.append(directory)
        if directory.is_dir():
            found += sorted(
                p for p in directory.rglob("*") if p.is_dir() and "__pycache__" not in p.parts
            )
    return found


# A revision file assigns its id at module level: `revision = "..."` or `revision: str = "..."`.
_REVISION_ASSIGNMENT = re.compile(rb"^revision[ \t]*(?::[^=\n]*)?=", re.MULTILINE)


def script_parts(directory: Path) -> tuple[Path, Path]:
    """(versions directory, env.py) of a configured migrations directory: a script directory
    (it has versions/ or env.py) or a versions directory itself."""
    if (directory / "versions").is_dir() or (directory / "env.py").is_file():
        return directory / "versions", directory / "env.py"
    return directory, directory.parent / "env.py"


def holds_revisions(directory: Path) -> bool:
    """Does a configured migrations directory hold at least one revision file?"""
    for file in revision_files(script_parts(directory)[0]):
        try:
            if _REVISION_ASSIGNMENT.search(file.read_bytes()):
                return True
        except OSError:
            continue
    return False


def _resolve(value: str, base: Path) -> Path | None:
    value = value.strip()
    if not value or (":" in value and not Path(value).is_absolute() and not re.match(r"^[A-Za-z]:[\\/]", value)):
        return None  # "package:path" resource notation: not resolved here
    path = Path(value)
    return path if path.is_absolute() else base / path


# Each alembic.ini's [alembic] section by its path and status: a resident process reads the
# same ones (six on polar) at every run.
_ini_sections = BoundedMemo(1_000)
_SETTLED_NANOSECONDS = 2_000_000_000


def _read_ini(ini_path: Path) -> configparser.SectionProxy | None:
    """The `[alembic]` section (read only by callers), None when absent or unreadable."""
    try:
        status = os.stat(ini_path)
        key = (os.path.abspath(ini_path), status.st_mtime_ns, status.st_size, status.st_ino)
        if time.time_ns() - status.st_mtime_ns < _SETTLED_NANOSECONDS:
            key = None  # (written just now: a second write may keep this status)
    except (OSError, ValueError):
        key = None
    if key is not None and key in _ini_sections:
        return _ini_sections[key]
    parser = configparser.ConfigParser(defaults={"here": ini_path.absolute().parent.as_posix()})
    try:
        parser.read(ini_path, encoding="utf-8")
    except (configparser.Error, OSError, UnicodeDecodeError):
        return None
    section = parser["alembic"] if parser.has_section("alembic") else None
    return _ini_sections.put(key, section) if key is not None else section


def script_location_from_ini(ini_path: Path) -> Path | None:
    """`[alembic] script_location` of an alembic.ini, `%(here)s` substituted; a relative path
    is taken relative to the ini file's directory. None when absent or a package resource."""
    section = _read_ini(ini_path)
    if section is None:
        return None
    try:
        value = section.get("script_location")
    except (configparser.Error, ValueError):
        return None
    return _resolve(value, ini_path.absolute().parent) if value else None


def _toml_section(pyproject: Path) -> dict | None:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    try:
        with open(pyproject, "rb") as handle:
            data = tomllib.load(handle)
    except (OSError, ValueError, RecursionError):
        return None
    tool = data.get("tool")
    section = tool.get("alembic") if isinstance(tool, dict) else None
    return section if isinstance(section, dict) else None


def script_location_from_pyproject(pyproject: Path) -> Path | None:
    """`[tool.alembic] script_location` of a pyproject.toml (Alembic 1.16+)."""
    section = _toml_section(pyproject)
    value = section.get("script_location") if section else None
    if not isinstance(value, str):
        return None
    here = pyproject.absolute().parent
    return _resolve(value.replace("%(here)s", here.as_posix()), here)


def version_directories(config: Path) -> list[Path]:
    """The directories holding revision files for an alembic.ini or pyproject.toml:
    `version_locations` when given, else `<script_location>/versions`."""
    here = config.absolute().parent
    locations: list[str] | None = None
    if config.suffix == ".toml":
        section = _toml_section(config) or {}
        value = section.get("version_locations")
        if isinstance(value, list):
            locations = [v.replace("%(here)s", here.as_posix()) for v in value if isinstance(v, str)]
        script = script_location_from_pyproject(config)
    else:
        ini = _read_ini(config)
        script = script_location_from_ini(config)
        try:
            raw = ini.get("version_locations") if ini is not None else None
            separator = (ini.get("path_separator") or ini.get("version_path_separator")) if ini is not None else None
        except (configparser.Error, ValueError):
            raw = separator = None
        if raw:
            split = {"space": " ", "newline": "\n", "os": os.pathsep, ":": ":", ";": ";"}.get(separator or "")
            parts = raw.split(split) if split else re.split(r", *| +", raw)
            locations = [p.strip() for p in parts if p.strip()]
    if locations:
        directories = [p for p in (_resolve(v, here) for v in locations) if p is not None]
    else:
        directories = [script / "versions"] if script is not None else []
    return _with_subdirectories(directories) if reads_recursively(config) else directories


def reads_recursively(config: Path) -> bool:
    """`recursive_version_locations` of an alembic.ini or pyproject `[tool.alembic]` (Alembic
    reads the subdirectories of its version locations only then)."""
    if config.suffix == ".toml":
        value = (_toml_section(config) or {}).get("recursive_version_locations")
        return value is True or (isinstance(value, str) and value.strip().lower() in ("true", "1", "yes", "on"))
    section = _read_ini(config)
    try:
        return section is not None and section.getboolean("recursive_version_locations", fallback=False)
    except (configparser.Error, ValueError):
        return False


# -- the project's script directories -------------------------------------------------------


def migration_locations(settings, paths, discovered: list[tuple[Path, str]]) -> list[tuple[tuple[Path, ...], Path | None]]:
    """The Alembic script directories to read, as (versions directories, env.py or None):
    from `migrations` in the settings, else from an alembic.ini or pyproject `[tool.alembic]`
    beside the configuration or in a checked directory, else a checked `env.py` with a
    `versions/` directory beside it (Flask-Migrate's layout)."""
    if not settings.use_migrations:
        return []
    found: list[tuple[tuple[Path, ...], Path | None]] = []
    seen: set[Path] = set()

    def add(versions: list[Path], env: Path | None) -> None:
        versions = [v for v in versions if v.is_dir() and v.resolve() not in seen]
        if versions:
            seen.update(v.resolve() for v in versions)
            found.append((tuple(versions), env if env is not None and env.is_file() else None))

    if settings.migrations is not None:
        # named directories follow the project's alembic.ini on reading subdirectories
        ini = settings.root / "alembic.ini"
        recursive = ini.is_file() and reads_recursively(ini)
        for entry in settings.migrations:
            versions, env = script_parts(Path(entry) if Path(entry).is_absolute() else settings.root / entry)
            add(_with_subdirectories([versions]) if recursive else [versions], env)
        return found
    roots = [settings.root] + [Path(p) for p in paths if os.path.isdir(p)]
    for root in dict.fromkeys(r.resolve() for r in roots):
        ini = root / "alembic.ini"
        if ini.is_file():
            script = script_location_from_ini(ini)
            add(_inside_project(version_directories(ini), ini, settings.root), script / "env.py" if script else None)
        pyproject = root / "pyproject.toml"
        if pyproject.is_file() and "[tool.alembic]" in _read_text(pyproject):
            add(_inside_project(version_directories(pyproject), pyproject, settings.root), None)
    for path, _ in discovered:
        if path.name == "env.py" and (path.parent / "versions").is_dir() and (
            (path.parent / "script.py.mako").is_file() or (path.parent / "alembic.ini").is_file()
        ):
            ini = path.parent / "alembic.ini"  # Flask-Migrate keeps it there
            versions = [path.parent / "versions"]
            add(_with_subdirectories(versions) if ini.is_file() and reads_recursively(ini) else versions, path)
    return [history for location in found for history in _histories(location)]


def _histories(location: tuple[tuple[Path, ...], Path | None]) -> list[tuple[tuple[Path, ...], Path | None]]:
    """An environment whose env.py sets `version_locations` when it runs (one history per
    dialect, reusing revision ids): each of those directories holding revisions is a history of
    its own, sharing the env.py."""
    versions, env = location
    if env is None:
        return [location]
    from ormlint.migrations.environment import run_time_version_locations

    root = environment_root(env.parent)
    chosen = run_time_version_locations(env, root)
    if chosen is None:
        return [location]
    bounds = {root.resolve(), env.parent.resolve()}  # never a directory elsewhere (`/`)
    histories = [
        ((d,), env) for d in chosen[0]
        if any(b == d.resolve() or b in d.resolve().parents for b in bounds) and revision_files(d)
    ]
    return histories or [location]


def environment_root(script: Path) -> Path:
    """The directory an Alembic environment runs from (its service's own tree): that of its
    configuration (`environment_config`), else the script directory's parent (Flask-Migrate
    keeps its alembic.ini inside the script directory)."""
    config = environment_config(script)
    return config.parent if config is not None else script.resolve().parent


def environment_config(script: Path) -> Path | None:
    """The alembic.ini or pyproject.toml whose `script_location` names the script directory
    `script`, looked for from the script directory up to the repository's top."""
    wanted = script.resolve()
    for directory in script.resolve().parents:
        ini, pyproject = directory / "alembic.ini", directory / "pyproject.toml"
        if ini.is_file() and _names(script_location_from_ini(ini), wanted):
            return ini
        if pyproject.is_file() and "[tool.alembic]" in _read_text(pyproject) and _names(
            script_location_from_pyproject(pyproject), wanted
        ):
            return pyproject
        if (directory / ".git").exists():
            break
    return None


def ini_value(ini_path: Path, key: str) -> str | None:
    """`[alembic] <key>` of an alembic.ini as written (no `%(...)s` substituted); None when
    absent or unreadable."""
    section = _read_ini(ini_path)
    if section is None:
        return None
    try:
        return section.get(key, raw=True)
    except (configparser.Error, ValueError):
        return None


def _names(location: Path | None, wanted: Path) -> bool:
    return location is not None and location.resolve() == wanted


def _inside_project(directories: list[Path], config: Path, root: Path) -> list[Path]:
    """The version directories an Alembic configuration names inside the project (the checked
    root or the configuration's own directory): one elsewhere (`/`, a site-packages) would have
    ormlint read unrelated files as revisions. Named with --migrations, they are read anywhere."""
    bounds = {root.resolve(), config.parent.resolve()}
    kept = []
    for directory in directories:
        resolved = directory.resolve()
        if any(resolved == bound or bound in resolved.parents for bound in bounds):
            kept.append(directory)
        else:
            print(
                f"ormlint: warning: {config}: skipping {directory} (script_location or "
                f"version_locations): it is outside the project {root.resolve()}; name it with "
                "--migrations to read it",
                file=sys.stderr,
            )
    return kept


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def display_path(path: Path, absolute: bool) -> str:
    """A path as findings show it: relative to the working directory unless paths were given
    absolute (as the file discovery does)."""
    import os

    if absolute:
        return os.path.normpath(str(path.absolute()))
    try:
        return os.path.normpath(os.path.relpath(path))
    except ValueError:
        return os.path.normpath(str(path))
