"""Per-file results keyed on content, so an unchanged file is never parsed twice.

One JSON file per fingerprint (ormlint's code, the enabled rules, the per-file ignores) in a
cache directory that ormlint owns. The directory sits in the checked repository, where anyone can
plant a file, so nothing read from it runs code: entries are plain JSON, rebuilt into ormlint's
dataclasses only in the shapes their annotations allow (`ormlint.plaindata`), and an entry of any
other shape is a miss that the next save overwrites. Each entry is decoded when it is asked for:
a warm run reads only what it reports. Written atomically (temp file + rename): concurrent runs
may lose each other's new entries, never corrupt the file.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import stat
import tempfile
import time
from pathlib import Path
from typing import Any, Iterable, Optional

from ormlint import __version__
from ormlint.facts import FileFacts
from ormlint.findings import Finding
from ormlint.memo import BoundedMemo
from ormlint.plaindata import Malformed, decoder, encode

CACHE_DIR_NAME = ".ormlint_cache"
_FORMAT = 12
# Marks a directory as ormlint's own (and, per the Cache Directory Tagging specification, as a
# cache that backups may skip): ormlint writes only into directories it created or marked.
TAG_NAME = "CACHEDIR.TAG"
_TAG = "Signature: 8a477f597d28d172789f06886806bc55\n# This directory is ormlint's cache.\n"
_GITIGNORE = "# Created by ormlint\n*\n"
KEEP_FILES = 8  # result files kept: one per rule selection or ormlint build, most recent first
MAX_CACHE_BYTES = 256 * 1024 * 1024  # a larger file is not ormlint's: ignored
_STALE_TEMP_SECONDS = 600
# A file modified this recently may change again within its modification time's resolution
# without its status showing it: its status is not kept, so the next run hashes its content.
_RACY_NANOSECONDS = 2_000_000_000
# (line, column, code, message, end_line, end_column, fix): a Finding without its path, which
# depends on how the file was named on the command line.
Row = tuple[int, int, str, str, int, int, Optional[dict[str, Any]]]
_rows = decoder(tuple[Row, ...])
_facts = decoder(FileFacts)
_findings = decoder(tuple[Finding, ...])
# Entries decoded in this process, by (results file, file key): (digest hex, rows, facts). A
# resident process (the language server's) runs the project again and again: each unchanged
# file is decoded once, not at every run.
_decoded: dict[tuple[str, str], tuple[str, tuple[Row, ...], FileFacts]] = {}
# Alembic revisions decoded in this process, likewise: (digest hex, revision).
_decoded_revisions: dict[tuple[str, str], tuple[str, object]] = {}
# Results files read or written in this process, by path: (their status then, their JSON), so
# that a resident process does not parse again the file it wrote at its last run.
_loaded: dict[str, tuple[tuple[int, int, int], dict]] = {}
# The JSON text of each entry written in this process, by (results file, section, file key):
# (the entry, its `"key":value` text). A resident process rewrites the results file at every
# run where one file changed: the entries it did not replace are not encoded again.
_encoded = BoundedMemo(200_000)  # (file, section, key) -> (entry, text)
# Absolute paths by (working directory, path as named): a resident process names the same files
# at every run.
_absolute = BoundedMemo(100_000)  # (cwd, path) -> absolute path


def _file_status(path: Path) -> tuple[int, int, int]:
    status = os.stat(path)
    return (status.st_mtime_ns, status.st_size, status.st_ino)


def content_digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


def facts_digest(facts: FileFacts) -> bytes:
    """What the project rules read of a file, as a digest: two files' facts with the same digest
    are equal (the project findings are keyed on them, not on the files' text)."""
    return _plain_digest(encode(facts))


def _plain_digest(value: Any) -> bytes:
    return content_digest(json.dumps(value, separators=(",", ":")).encode())


def fingerprint(codes: Iterable[str], per_file_ignores: object) -> str:
    """Everything besides a file's content that changes its findings."""
    libcst_version, code = _running_identity()
    raw = repr((_FORMAT, __version__, libcst_version, sorted(codes), per_file_ignores, code))
    return hashlib.sha256(raw.encode()).hexdigest()[:20]


@functools.lru_cache(maxsize=1)
def _running_identity() -> tuple[str, object]:
    """The libcst and ormlint this process runs, read once: a resident process keeps running
    the code it loaded, so its results are stored under that code's identity even when a new
    build is installed under it (and a run no longer stats every source of a checkout)."""
    return _libcst_version(), _code_identity()


def installed_identity() -> tuple[str, str, object]:
    """Which ormlint (and libcst) runs: a resident process whose code changed on disk under it
    (`ormlint.daemon`) compares this with what it saw at its start."""
    return (__version__, _libcst_version(), _code_identity())


def _code_identity(package: Path = Path(__file__).parent) -> object:
    """What tells one build of ormlint from another. An installed wheel: its RECORD, which holds
    the hash of every file and is the same for every install of the build (a CI cache restored
    onto a fresh install, whose files have new mtimes, still hits). A development checkout: each
    source's size and mtime, so that it never reuses results of older code."""
    for record in package.parent.glob("ormlint-*.dist-info/RECORD"):
        try:
            return record.read_text(encoding="utf-8", errors="replace")
        except OSError:
            break
    return sorted(
        (str(p.relative_to(package)), p.stat().st_mtime_ns, p.stat().st_size)
        for p in package.rglob("*.py")
    )


def _libcst_version() -> str:
    """libcst's version without importing it (a cached run does not need the parser): its
    `_version.py`, else the installed package's modification time."""
    import importlib.util

    spec = importlib.util.find_spec("libcst")
    if spec is None or not spec.submodule_search_locations:
        return ""
    directory = Path(next(iter(spec.submodule_search_locations)))
    try:
        return (directory / "_version.py").read_text(encoding="utf-8")
    except OSError:
        try:
            return str(directory.stat().st_mtime_ns)
        except OSError:
            return ""


def owned_directory(requested: Path) -> Path:
    """Where ormlint keeps its files for `--cache-dir requested`: the directory itself when
    ormlint made it (or it does not exist yet, or is empty), else a `.ormlint_cache` inside it,
    so that `--cache-dir .` never puts a `.gitignore` of `*` into a project."""
    try:
        if not requested.is_dir() or (requested / TAG_NAME).is_file():
            return requested
        if (requested / ".gitignore").read_text(errors="replace") == _GITIGNORE:
            return requested  # made by an ormlint from before the tag
    except OSError:
        pass
    try:
        if not any(os.scandir(requested)):
            return requested
    except OSError:
        pass
    return requested / CACHE_DIR_NAME


class ResultCache:
    def __init__(self, directory: Path, key: str) -> None:
        self.directory = owned_directory(directory)
        self.file = self.directory / f"results-{key}.json"
        self.changed = False
        self.warning: str | None = None  # why the cache could not be written, after save()
        data = self._load()
        # path -> [digest hex, rows, facts, status or None, facts digest hex]: JSON as read,
        # decoded when asked for.
        # The status (`status_key`) says the file is unchanged without reading it.
        self.entries: dict[str, Any] = _object(data.get("entries"))
        self._statuses: dict[str, list[int] | None] = {}  # taken by `unchanged`, kept by `put`
        self._cwd = os.getcwd()
        self._file_name = str(self.file)
        # (files modified since this moment count as modified just now: the run's start, not
        # each file's look, so that no write after the run began is taken for settled)
        self._settled_before = time.time_ns() - _RACY_NANOSECONDS
        # The project rules' findings of the last run (before `# noqa`) and the key (every file's
        # name and facts digest) they were computed for: a project whose facts are unchanged does
        # not run its project rules again.
        self.project: Any = data.get("project")
        # Alembic revision files read for the drift rules: path -> [digest hex, revision].
        self.revisions: dict[str, Any] = _object(data.get("revisions"))
        # Each Alembic environment's database as read from the project's code, with what that
        # reading looked at (ormlint.migrations.dialect.environment_reading); checked there.
        self.environments: dict[str, Any] = _object(data.get("environments"))
        self._environments_seen = dict(self.environments)

    def _load(self) -> dict:
        memo = _loaded.pop(str(self.file), None)
        try:
            if memo is not None and memo[0] == _file_status(self.file):
                data = memo[1]
            else:
                with open(self.file, "rb") as handle:
                    if os.fstat(handle.fileno()).st_size > MAX_CACHE_BYTES:
                        return {}
                    data = json.load(handle)
            os.utime(self.file)  # recently used: kept when older files are pruned
        except (OSError, ValueError, RecursionError):  # missing, truncated, not JSON: start afresh
            return {}
        if type(data) is not dict or data.get("format") != _FORMAT:
            return {}
        try:
            _loaded[str(self.file)] = (_file_status(self.file), data)
        except OSError:
            pass
        return data

    def project_findings(self, key: bytes) -> list[Finding] | None:
        project = self.project
        if type(project) is not list or len(project) != 2 or project[0] != key.hex():
            return None
        try:
            return list(_findings(project[1]))
        except (Malformed, TypeError):
            self.project = None
            return None

    def put_project_findings(self, key: bytes, findings: list[Finding]) -> None:
        self.project = [key.hex(), encode(tuple(findings))]
        self.changed = True

    def unchanged(
        self, path: Path, display: str, max_size: int
    ) -> tuple[bytes, tuple[list[Finding], FileFacts, bytes]] | None:
        """The digest, findings and facts (and their digest) stored for the file if its status (size, modification
        and change times, inode and device) is the one stored with them: the file is then
        neither read nor hashed. Else None, and the status seen now is kept for `put` (taken
        before the read, so a change made meanwhile shows at the next run)."""
        key = self._key(path)
        try:
            status = os.stat(path)
        except (OSError, ValueError):
            self._statuses[key] = None
            return None
        seen = self._statuses[key] = status_key(status, self._settled_before)
        entry = self.entries.get(key)
        if (
            seen is None or status.st_size > max_size
            or type(entry) is not list or len(entry) != 5 or entry[3] != seen
        ):
            return None
        try:
            digest = bytes.fromhex(entry[0])
        except (TypeError, ValueError):
            return None
        found = self._get(key, digest, display)
        return (digest, found) if found is not None else None

    def get(
        self, path: Path, digest: bytes, display: str
    ) -> tuple[list[Finding], FileFacts, bytes] | None:
        """The findings and facts stored for this content, renamed to `display`, and the digest
        of the facts as stored (`facts_digest`)."""
        return self._get(self._key(path), digest, display)

    def _get(
        self, key: str, digest: bytes, display: str
    ) -> tuple[list[Finding], FileFacts, bytes] | None:
        entry = self.entries.get(key)
        if type(entry) is not list or len(entry) != 5 or entry[0] != digest.hex():
            return None
        try:
            stored_facts = bytes.fromhex(entry[4])
        except (TypeError, ValueError):
            return None
        memo_key = (self._file_name, key)
        memo = _decoded.get(memo_key)
        if memo is not None and memo[0] == entry[0]:
            rows, facts = memo[1], memo[2]
        else:
            try:
                rows, facts = _rows(entry[1]), _facts(entry[2])
            except (Malformed, TypeError):  # planted or damaged: a miss, overwritten on save
                del self.entries[key]
                return None
        findings = [Finding(display, *row) for row in rows]
        if facts.path != display:
            facts = dataclasses.replace(facts, path=display)
        if memo is None or memo[2] is not facts:  # (kept as named: the next run names it alike)
            _decoded[memo_key] = (entry[0], rows, facts)
        return findings, facts, stored_facts

    def put(self, path: Path, digest: bytes, findings: list[Finding], facts: FileFacts) -> bytes:
        """Store the file's results; returns the digest of its facts (`facts_digest`)."""
        rows = [
            [f.line, f.column, f.code, f.message, f.end_line, f.end_column, f.fix] for f in findings
        ]
        key = self._key(path)
        encoded = encode(facts)
        digest_of_facts = _plain_digest(encoded)
        self.entries[key] = [
            digest.hex(), rows, encoded, self._statuses.get(key), digest_of_facts.hex()
        ]
        self.changed = True
        return digest_of_facts

    def revision(self, path: Path, digest: bytes) -> object | None:
        key = self._key(path)
        entry = self.revisions.get(key)
        if type(entry) is not list or len(entry) != 2 or entry[0] != digest.hex():
            return None
        memo_key = (str(self.file), key)
        memo = _decoded_revisions.get(memo_key)
        if memo is not None and memo[0] == entry[0]:
            return memo[1]
        from ormlint.migrations.operations import Revision  # only a run that replays needs it

        try:
            revision = decoder(Revision)(entry[1])
        except (Malformed, TypeError):
            del self.revisions[key]
            return None
        _decoded_revisions[memo_key] = (entry[0], revision)
        return revision

    def put_revision(self, path: Path, digest: bytes, revision: object) -> None:
        self.revisions[self._key(path)] = [digest.hex(), encode(revision)]
        self.changed = True

    def save(self) -> None:
        """Write the cache if it changed; on failure, `warning` says why (the run goes on)."""
        if not self.changed and self.environments == self._environments_seen:
            return
        try:
            self._mark_directory()
            # (a file this run looked at exists, or did a moment ago: no second look)
            seen = self._statuses
            data = {
                "format": _FORMAT,
                "entries": {
                    k: v for k, v in self.entries.items()
                    if seen.get(k) is not None or os.path.exists(k)
                },
                "project": self.project,
                "revisions": {k: v for k, v in self.revisions.items() if os.path.exists(k)},
                "environments": self.environments,
            }
            fd, temp = tempfile.mkstemp(dir=self.directory, prefix=".results-", suffix=".tmp")
            try:
                with os.fdopen(fd, "w", encoding="ascii") as handle:
                    handle.write(self._json(data))
                os.replace(temp, self.file)
                _loaded[str(self.file)] = (_file_status(self.file), data)
            except BaseException:
                os.unlink(temp)
                raise
            self._prune()
        except (OSError, ValueError) as error:  # a read-only checkout still lints
            reason = getattr(error, "strerror", None) or str(error)
            self.warning = f"cannot write the cache in {self.directory}: {reason}"

    def _json(self, data: dict) -> str:
        """`json.dumps(data)` (compact), each entry's text reused from the last save in this
        process when the entry is the same object. (dumps, not dump: dump writes through the
        pure-Python encoder, a second on a 2,000-file project; dumps through the C one.)"""
        file = str(self.file)
        parts = []
        for name, value in data.items():
            if name not in ("entries", "revisions"):
                parts.append(f"{json.dumps(name)}:{json.dumps(value, separators=(',', ':'))}")
                continue
            items = []
            for key, entry in value.items():
                memo_key = (file, name, key)
                memo = _encoded.get(memo_key)
                if memo is None or memo[0] is not entry:
                    text = f"{json.dumps(key)}:{json.dumps(entry, separators=(',', ':'))}"
                    memo = _encoded.put(memo_key, (entry, text))
                items.append(memo[1])
            parts.append(f"{json.dumps(name)}:{{{','.join(items)}}}")
        return "{" + ",".join(parts) + "}"

    def _key(self, path: Path) -> str:
        """The file's key: its absolute path."""
        named = os.fspath(path)
        key = _absolute.get((self._cwd, named))
        if key is None:
            key = _absolute.put((self._cwd, named), os.path.abspath(named))
        return key

    def _mark_directory(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        tag = self.directory / TAG_NAME
        if not tag.exists():
            tag.write_text(_TAG)
        ignore = self.directory / ".gitignore"
        if not ignore.exists():
            ignore.write_text(_GITIGNORE)

    def _prune(self) -> None:
        """Keep the KEEP_FILES most recently used result files; drop other ormlint files that
        nothing reads any more (pickles of older versions, temp files of killed runs)."""
        now = time.time()
        results = []
        for entry in os.scandir(self.directory):
            name = entry.name
            try:
                if name.startswith("results-") and name.endswith(".json"):
                    results.append((entry.stat().st_mtime, entry.path))
                elif name.startswith("results-") and name.endswith(".pickle"):
                    os.unlink(entry.path)
                elif name.startswith(".results-") and name.endswith(".tmp"):
                    if now - entry.stat().st_mtime > _STALE_TEMP_SECONDS:
                        os.unlink(entry.path)
            except OSError:
                continue
        for _, path in sorted(results, reverse=True)[KEEP_FILES:]:
            if path != str(self.file):
                try:
                    os.unlink(path)
                except OSError:
                    pass


def status_key(status: os.stat_result, settled_before: int | None = None) -> list[int] | None:
    """What says a file is unchanged since: None for other than a regular file, and for one
    modified so recently (after `settled_before`, by default two seconds ago) that another
    write within the same clock tick could go unseen."""
    recent = time.time_ns() - _RACY_NANOSECONDS if settled_before is None else settled_before
    if not stat.S_ISREG(status.st_mode) or max(status.st_mtime_ns, status.st_ctime_ns) > recent:
        return None
    return [status.st_size, status.st_mtime_ns, status.st_ctime_ns, status.st_ino, status.st_dev]


def _object(value: Any) -> dict:
    return value if type(value) is dict else {}

