"""The project phase: project rules over the index of every file's facts (with per-file ignores
and `# noqa`), and the Alembic migrations the drift rules compare the models with."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from ormlint.cache import content_digest, status_key
from ormlint.codes import RuleOptions
from ormlint.facts import ProjectIndex
from ormlint.findings import Finding
from ormlint.memo import BoundedMemo
from ormlint.migrations.discovery import display_path, revision_files
from ormlint.noqa import is_suppressed_finding
from ormlint.sources import decode, lines_on_disk, read_file
from ormlint.syntax import python_lines


def project_findings(
    index: ProjectIndex,
    codes: frozenset[str],
    ignored_by_path: dict[str, tuple[str, ...]],
    lines_for: Callable[[str], list[str]] | None = None,
    apply_noqa: bool = True,
    options: RuleOptions | None = None,
) -> list[Finding]:
    """Project rules over the index of every file's facts, with per-file ignores and `# noqa`
    (read from `lines_for(path)`, by default from the file on disk)."""
    from ormlint.rules import RULES  # (with libcst: not on a cached run)

    project_rules = [
        rule(options) for code, rule in RULES.items()
        if code in codes and rule.scope == "project" and _may_report(rule, index)
    ]
    if not project_rules:
        return []
    findings = []
    for rule in project_rules:
        for violation in rule.check_project(index):
            if any(violation.code.startswith(p) for p in ignored_by_path.get(violation.path, ())):
                continue
            loc = violation.location
            findings.append(Finding(
                violation.path, loc.line, loc.column, violation.code, violation.message,
                loc.end_line, loc.end_column,
            ))
    return unsuppressed(findings, lines_for or lines_on_disk) if apply_noqa else findings


def unsuppressed(findings: list[Finding], lines_for: Callable[[str], list[str]]) -> list[Finding]:
    """The findings no `# noqa` comment on their line suppresses, each file's lines read from
    `lines_for(path)` once."""
    lines_by_path: dict[str, list[str]] = {}
    kept = []
    for finding in findings:
        if finding.path not in lines_by_path:
            lines_by_path[finding.path] = lines_for(finding.path)
        if not is_suppressed_finding(finding, lines_by_path[finding.path]):
            kept.append(finding)
    return kept


def _may_report(rule: Any, index: ProjectIndex) -> bool:
    """Can the project rule find something in the files the run reports? One whose findings
    lie in the migration files only has nothing to say about a model file checked alone."""
    if index.reported_files is None or not rule.located_in_migrations:
        return True
    paths = index.migrations.paths if index.migrations is not None else ()
    return any(os.path.abspath(path) in index.reported_files for path in paths)


# A resident process (daemon, language server) replays the same history at every run where a
# model changed: the replay, by what it was computed from (see `replayed_migrations`), and each
# migration file's digest, by its path and status (`status_key`).
_replays = BoundedMemo(1)  # one history per process is what resident processes run
_digests = BoundedMemo(50_000)  # path -> (status, digest)


def migration_digests(
    locations, digest: Callable[[bytes], bytes], infer_dialect: bool = True,
    stored_readings: dict | None = None,
) -> list[tuple[Path, bytes]]:
    """What the migrations' findings depend on: every revision file, env.py and the alembic.ini
    whose URL may name the database (ormlint.migrations.dialect), by content; with
    `infer_dialect` (`target-dialect` unset), the project files env.py's URL is read from too
    (`stored_readings`: the results cache's, see `environment_reading`)."""
    from ormlint.migrations.dialect import environment_ini, environment_sources

    found = []
    for versions, env in locations:
        files = [f for directory in versions for f in revision_files(directory)]
        ini = environment_ini(versions, env)
        sources = environment_sources(ini, env, stored_readings) if infer_dialect else []
        for file in files + [f for f in (env, ini) if f is not None] + sources:
            found.append((file, _file_digest(file, digest)))
    return found


def _file_digest(file: Path, digest: Callable[[bytes], bytes]) -> bytes:
    """The file's `digest` (b"" when it cannot be read), not read again while its status stays."""
    key = os.fspath(file)
    try:
        status = status_key(os.stat(key))
    except (OSError, ValueError):
        status = None
    known = _digests.get(key)
    if status is not None and known is not None and known[0] == status and digest is content_digest:
        return known[1]
    data = read_file(file)
    found = digest(data) if isinstance(data, bytes) else b""
    if status is not None and digest is content_digest:
        _digests.put(key, (status, found))
    return found


def revision_file_names(locations, paths: Sequence[Path]) -> dict[str, str]:
    """Each revision file of `locations`, by absolute path, as the migration reader names it."""
    absolute = any(Path(p).is_absolute() for p in paths)
    return {
        os.path.abspath(file): display_path(file, absolute)
        for versions, _ in locations for directory in versions for file in revision_files(directory)
    }


def replayed_migrations(
    locations, paths: Sequence[Path], cache, read: dict[str, Any], dialect: str | None = None,
    digests: list[tuple[Path, bytes]] | None = None,
) -> Any:
    """Read and replay the migrations, reusing the revisions the file pass (`read`, by name) or
    the cache read before. `digests`: `migration_digests(locations, content_digest)`, when the
    caller has them. The replay is shared with earlier runs of this process over the same files
    (nothing changes a replayed history once it is built)."""
    from ormlint.drift import load_migrations  # (with libcst: not on a cached run)

    absolute = any(Path(p).is_absolute() for p in paths)
    if cache is None:
        return load_migrations(locations, absolute, dict(read), dialect)
    if digests is None:
        digests = migration_digests(locations, content_digest, dialect is None, cache.environments)
    replay_key = (repr(locations), absolute, dialect, os.getcwd(), tuple(digests))
    if replay_key in _replays:
        return _replays[replay_key]
    files = {display_path(file, absolute): (file, digest) for file, digest in digests}
    parsed = {}
    for display, (file, digest) in files.items():
        revision = cache.revision(file, digest)
        if revision is not None:  # named as this run names files
            parsed[display] = dataclasses.replace(revision, path=display)
    known = set(parsed)
    parsed.update((name, revision) for name, revision in read.items() if name not in known)
    migrations = load_migrations(locations, absolute, parsed, dialect)
    for display, revision in parsed.items():
        if display not in known and display in files:
            file, digest = files[display]
            cache.put_revision(file, digest, revision)
    if all(digest for _, digest in digests):  # (a file that could not be read: not kept)
        _replays.put(replay_key, migrations)
    return migrations


def lines_reader(given: Mapping[str, bytes]) -> Callable[[str], list[str]]:
    """A file's lines for its `# noqa` comments: from the text standing for it (standard input,
    an editor's unsaved text) when there is one, else from the disk."""

    def lines_for(path: str) -> list[str]:
        data = given.get(path)
        if data is None:
            return lines_on_disk(path)
        try:
            return python_lines(decode(data))
        except (SyntaxError, UnicodeDecodeError, LookupError):
            return []

    return lines_for
