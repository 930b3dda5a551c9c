"""Settings: `[tool.ormlint]` in pyproject.toml, found by walking up, then command-line options."""

from __future__ import annotations

import fnmatch
import functools
import json
import os
import re
import reprlib
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Iterable, Mapping

if TYPE_CHECKING:
    from ormlint.codes import RuleOptions

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

DEFAULT_EXCLUDE = (
    ".git", ".hg", ".svn", ".bzr", ".venv", "venv", ".tox", ".nox", "__pycache__",
    "node_modules", "build", "dist", ".eggs", "*.egg-info", ".mypy_cache", ".pytest_cache",
    ".ruff_cache", ".ormlint_cache", "site-packages",
)
KNOWN_KEYS = {
    "select", "extend-select", "ignore", "exclude", "extend-exclude", "per-file-ignores",
    "external-models", "external-tables", "target-dialect", "migrations", "respect-gitignore",
    "max-file-size", "migration-safety-since", "target-version",
}
# Larger files are reported (ORM999) instead of parsed: libcst's native parser needs many times
# a file's size in memory, and aborts the whole process on a file of tens of megabytes.
DEFAULT_MAX_FILE_SIZE = 4 * 1024 * 1024


class ConfigError(Exception):
    """Invalid configuration: reported as a usage error (exit 2)."""


@dataclass(frozen=True)
class Settings:
    root: Path = field(default_factory=Path.cwd)  # relative patterns are relative to this
    config_file: Path | None = None
    select: tuple[str, ...] | None = None  # None: the default selection
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    force_exclude: bool = False  # excludes apply to files named explicitly too
    # Defined outside the checked code: project rules do not call them missing.
    external_models: tuple[str, ...] = ()
    external_tables: tuple[str, ...] = ()
    # Gates dialect-specific limits (identifier length...) and migration rules. None: not
    # configured: each Alembic environment's own where its URL names it (ormlint.migrations.
    # dialect), else PostgreSQL.
    target_dialect: str | None = None
    # Alembic script directories or their `versions/` directories (relative to `root`); None:
    # found from alembic.ini / pyproject's [tool.alembic]; () with `use_migrations` False: off.
    migrations: tuple[str, ...] | None = None
    use_migrations: bool = True
    respect_gitignore: bool = True  # walks skip what git ignores (ormlint/gitignore.py)
    max_file_size: int = DEFAULT_MAX_FILE_SIZE  # bytes
    # The migration-safety rules (ORM72x) judge the revisions after this one (None: the heads),
    # or every revision with `all_revisions`.
    migration_safety_since: str | None = None
    all_revisions: bool = False
    target_version: tuple[int, int] | None = None  # of target-dialect's server; None: a current one

    @property
    def rule_options(self) -> "RuleOptions":
        from ormlint.codes import RuleOptions

        return RuleOptions(
            target_dialect=self.target_dialect or "postgresql",
            dialect_configured=self.target_dialect is not None,
            migration_safety_since=self.migration_safety_since,
            all_revisions=self.all_revisions,
            target_version=self.target_version,
        )

    def with_overrides(self, **overrides: Any) -> "Settings":
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})

    # -- selection ------------------------------------------------------------------------------

    def enabled_codes(self, all_codes: Iterable[str], default_codes: Iterable[str]) -> frozenset[str]:
        """Codes that run: the longest matching prefix decides between select and ignore."""
        selected = tuple(self.select or ()) + tuple(self.extend_select)
        defaults = frozenset(default_codes) if self.select is None else frozenset()
        enabled = set()
        for code in all_codes:
            chosen = _longest_prefix(code, selected)
            if code in defaults:
                chosen = max(chosen, 0)  # the default selection is the least specific selector
            if chosen >= 0 and chosen > _longest_prefix(code, self.ignore):
                enabled.add(code)
        return frozenset(enabled)

    def ignored_for(self, path: Path) -> tuple[str, ...]:
        if not self.per_file_ignores:
            return ()
        rel = self._relative(path)
        ignored: list[str] = []
        for pattern, codes in self.per_file_ignores:
            if _matches(rel, pattern):
                ignored.extend(codes)
        return tuple(ignored)

    # -- files ----------------------------------------------------------------------------------

    def is_excluded(self, path: Path | str, walking: bool = False) -> bool:
        """Does an exclude pattern match the path, any of its directories, or its name?
        `walking`: the parent directories were already checked (and kept) by the walk, so only
        the last component and the whole path need testing."""
        names, paths = self._exclude_matchers
        if walking and not paths:  # only the name to test: no relative path to build
            return names is not None and names.match(os.path.basename(path)) is not None
        rel = self._relative(path)
        parts = rel.parts[-1:] if walking else rel.parts
        if names is not None and any(names.match(part) for part in parts):
            return True
        text = str(rel)
        prefixes = [text] if walking else ["/".join(rel.parts[:i]) for i in range(1, len(rel.parts) + 1)]
        return any(p.match(prefix) for p in paths for prefix in prefixes)

    @functools.cached_property
    def _exclude_matchers(self) -> tuple[re.Pattern | None, list[re.Pattern]]:
        """Patterns without a slash match a single component; the others a leading path."""
        patterns = [_path_pattern(p) for p in (*self.exclude, *self.extend_exclude)]
        names = [fnmatch.translate(p) for p, anchored in patterns if p and not anchored]
        paths = [re.compile(fnmatch.translate(p)) for p, anchored in patterns if p and anchored]
        return (re.compile("|".join(names)) if names else None), paths

    def _relative(self, path: Path | str) -> PurePosixPath:
        # string operations: called for every file and directory of a walk, where pathlib's
        # relative_to cost more than the rest of a warm run
        absolute = os.path.abspath(path)
        root = self._root_prefix
        if absolute.startswith(root):
            absolute = absolute[len(root):]
        elif absolute == root.rstrip(os.sep):
            absolute = "."
        return PurePosixPath(absolute.replace(os.sep, "/") if os.sep != "/" else absolute)

    @functools.cached_property
    def _root_prefix(self) -> str:
        return os.path.join(os.path.abspath(self.root), "")


def _longest_prefix(code: str, prefixes: Iterable[str]) -> int:
    best = -1
    for prefix in prefixes:
        prefix = prefix.strip().upper()
        if prefix == "ALL":
            best = max(best, 0)
        elif code.startswith(prefix):
            best = max(best, len(prefix))
    return best


def _matches(rel: PurePosixPath, pattern: str) -> bool:
    """A pattern matches the relative path, a leading part of it, or any single component."""
    pattern, anchored = _path_pattern(pattern)
    if not pattern:
        return False
    if not anchored:
        return any(fnmatch.fnmatchcase(part, pattern) for part in rel.parts)
    parts = rel.parts
    return any(fnmatch.fnmatchcase("/".join(parts[:i]), pattern) for i in range(1, len(parts) + 1))


def _path_pattern(raw: str) -> tuple[str, bool]:
    """A path pattern, and whether it is anchored (matches a leading path from the root rather
    than any one component): one with a slash, as `app/models.py`, or `./app` (which is `app`)."""
    pattern = raw.strip().rstrip("/")
    anchored = "/" in pattern
    while pattern.startswith("./"):
        pattern = pattern[2:]
    return pattern, anchored


def find_config(start: Path) -> Path | None:
    """The nearest pyproject.toml with a [tool.ormlint] table, walking up from `start`."""
    current = start.resolve()
    # os.path rather than Path: False, not PermissionError, in a directory without search permission
    if not os.path.isdir(current):  # a file, or a path that cannot even be stat'ed
        current = current.parent
    for directory in (current, *current.parents):
        candidate = directory / "pyproject.toml"
        if os.path.isfile(candidate):
            tool = _read_pyproject(candidate).get("tool", {})
            if not isinstance(tool, dict):
                raise ConfigError(f"{candidate}: `tool` must be a table, not {_type_name(tool)}")
            if "ormlint" in tool:
                return candidate
    return None


def _read_pyproject(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"{path}: cannot read: {error}") from error
    except RecursionError:  # tomllib reads nested arrays and tables recursively
        raise ConfigError(f"{path}: cannot read: values nested too deeply") from None


def load_settings(paths: Iterable[Path]) -> Settings:
    """Settings from the config found above the common ancestor of `paths` (or the cwd)."""
    resolved = [p.resolve() for p in paths] or [Path.cwd()]
    start = Path(_common_ancestor(resolved))
    config = find_config(start)
    if config is None:
        return Settings(root=Path.cwd())
    return settings_from_table(_read_pyproject(config)["tool"]["ormlint"], config)


def settings_from_table(table: Mapping[str, Any], config: Path) -> Settings:
    if not isinstance(table, dict):
        raise ConfigError(f"{config}: [tool.ormlint] must be a table, not {_type_name(table)}")
    unknown = set(table) - KNOWN_KEYS
    if unknown:
        raise ConfigError(
            f"{config}: unknown key(s) in [tool.ormlint]: {', '.join(sorted(unknown))} "
            f"(known: {', '.join(sorted(KNOWN_KEYS))})"
        )
    settings = Settings(root=config.parent, config_file=config)
    values: dict[str, Any] = {}
    for key in (
        "select", "extend-select", "ignore", "exclude", "extend-exclude", "external-models",
        "external-tables", "migrations",
    ):
        if key in table:
            values[key.replace("-", "_")] = _string_list(table[key], key, config)
    for key in ("select", "extend-select", "ignore"):
        if key in table:
            attribute = key.replace("-", "_")
            values[attribute] = rule_selectors(values[attribute], f"{config}: invalid value for `{key}`")
    if values.get("select") == ():
        raise ConfigError(
            f"{config}: `select` is empty, which would turn every rule off; to turn ormlint off, "
            "remove it from the hook or CI step instead"
        )
    if "migrations" in table:
        values["migrations"] = _project_migrations(values["migrations"], config)
    if "target-dialect" in table:
        from ormlint.codes import DIALECTS

        dialect = table["target-dialect"]
        if dialect not in DIALECTS:
            raise ConfigError(
                f"{config}: target-dialect must be one of {', '.join(DIALECTS)}, not {dialect!r}"
            )
        values["target_dialect"] = dialect
    if "target-version" in table:
        values["target_version"] = _target_version(table["target-version"], config)
    if "migration-safety-since" in table:
        since = table["migration-safety-since"]
        if not isinstance(since, str) or not since.strip():
            raise ConfigError(f"{config}: `migration-safety-since` must be a revision id (a string)")
        values["migration_safety_since"] = since.strip()
    if "respect-gitignore" in table:
        if not isinstance(table["respect-gitignore"], bool):
            raise ConfigError(f"{config}: `respect-gitignore` must be true or false")
        values["respect_gitignore"] = table["respect-gitignore"]
    if "max-file-size" in table:
        size = table["max-file-size"]
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ConfigError(f"{config}: `max-file-size` must be a positive number of bytes")
        values["max_file_size"] = size
    if "per-file-ignores" in table:
        raw = table["per-file-ignores"]
        if not isinstance(raw, dict):
            raise ConfigError(f"{config}: per-file-ignores must be a table of pattern = [codes]")
        entries = []
        for pattern, codes in raw.items():
            key = f"per-file-ignores.{json.dumps(pattern)}"
            selectors = _string_list(codes, key, config)
            entries.append((pattern, rule_selectors(selectors, f"{config}: invalid value for `{key}`")))
        values["per_file_ignores"] = tuple(entries)
    return replace(settings, **values)


def _target_version(value: object, config: Path) -> tuple[int, int]:
    """`target-version = 11` or `"9.6"`: the server's (major, minor) version."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value, 0
    match = re.fullmatch(r"\s*(\d+)(?:\.(\d+))?\s*", value) if isinstance(value, str) else None
    if match is None or int(match.group(1)) == 0:
        raise ConfigError(
            f"{config}: `target-version` must be the target-dialect's server version, a major "
            f"version number or a \"major.minor\" string (e.g. 15 or \"9.6\"), not {value!r}"
        )
    return int(match.group(1)), int(match.group(2) or 0)


def _string_list(value: Any, key: str, config: Path) -> tuple[str, ...]:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    if isinstance(value, str):
        found = f"a string (write [{json.dumps(value)}])"
    elif isinstance(value, list):
        item = next(v for v in value if not isinstance(v, str))
        found = f"a list holding {_type_name(item)} ({reprlib.repr(item)})"
    else:
        found = _type_name(value)
    raise ConfigError(f"{config}: `{key}` must be a list of strings, not {found}")


def _type_name(value: Any) -> str:
    """What a TOML value is, as the user wrote it."""
    for kind, name in ((bool, "a boolean"), (int, "an integer"), (float, "a float"), (str, "a string"),
                       (list, "a list"), (dict, "a table")):
        if isinstance(value, kind):
            return name
    return "a date or time"


def rule_selectors(values: Iterable[str], where: str) -> tuple[str, ...]:
    """Rule selectors in upper case, each `ALL`, `ORM` or a prefix of an existing code: anything
    else would silently select or ignore nothing (and an empty selector, everything).
    `where` begins the error message."""
    from difflib import get_close_matches

    from ormlint.codes import PARSE_ERROR_CODE, RULE_CODES, digits_for_lookalikes

    codes = (*RULE_CODES, PARSE_ERROR_CODE)
    valid = {"ALL", *(code[:length] for code in codes for length in range(3, len(code) + 1))}
    selectors = []
    for value in values:
        selector = value.strip().upper()
        if selector not in valid:
            lookalike = digits_for_lookalikes(selector)  # ORM3O1: difflib ties it with ORM731
            close = [lookalike] if lookalike in valid else get_close_matches(selector, sorted(valid), n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise ConfigError(f"{where}: unknown rule selector {value!r}{hint}")
        selectors.append(selector)
    return tuple(selectors)


def _project_migrations(entries: tuple[str, ...], config: Path) -> tuple[str, ...]:
    """Configured migration directories: inside the project (a configuration file cannot send
    ormlint through the whole filesystem), and holding revisions (a wrong path must not turn the
    drift rules off in silence)."""
    from ormlint.migrations.discovery import holds_revisions

    root = config.parent.resolve()
    for entry in entries:
        directory = (root / entry).resolve()
        if directory != root and root not in directory.parents:
            raise ConfigError(
                f"{config}: invalid value for `migrations`: {entry!r} is outside the project "
                f"({root}); name it with --migrations on the command line instead"
            )
        if not directory.is_dir():
            raise ConfigError(f"{config}: invalid value for `migrations`: {entry!r} is not a directory")
        if not holds_revisions(directory):
            raise ConfigError(
                f"{config}: invalid value for `migrations`: {entry!r} holds no Alembic revision "
                "(no *.py file with `revision =` in it or in its versions/)"
            )
    return entries


def _common_ancestor(paths: list[Path]) -> str:
    import os

    try:
        return os.path.commonpath([str(p) for p in paths])
    except ValueError:
        return str(Path.cwd())
