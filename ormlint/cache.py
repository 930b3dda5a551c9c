"""Per-file results keyed on content, so an unchanged file is never parsed twice.

One pickle per fingerprint (ormlint's code, the enabled rules, the per-file ignores) under
`.ormlint_cache/`. Written atomically (temp file + rename): concurrent runs may lose each other's
new entries, never corrupt the file. A missing, corrupt or foreign cache is simply empty.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import pickle
import tempfile
from pathlib import Path
from typing import Iterable

from ormlint import __version__
from ormlint.findings import Finding
from ormlint.facts import FileFacts

CACHE_DIR_NAME = ".ormlint_cache"
_FORMAT = 7
# (line, column, code, message, end_line, end_column, fix): a Finding without its path, which
# depends on how the file was named on the command line.
Row = tuple


def content_digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


def fingerprint(codes: Iterable[str], per_file_ignores: object) -> str:
    """Everything besides a file's content that changes its findings."""
    package = Path(__file__).parent
    # ormlint's own sources: a development checkout must not reuse results of older code.
    sources = sorted(
        (str(p.relative_to(package)), p.stat().st_mtime_ns, p.stat().st_size)
        for p in package.rglob("*.py")
    )
    raw = repr((_FORMAT, __version__, _libcst_version(), sorted(codes), per_file_ignores, sources))
    return hashlib.sha256(raw.encode()).hexdigest()[:20]


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


class ResultCache:
    def __init__(self, directory: Path, key: str) -> None:
        self.directory = directory
        self.file = directory / f"results-{key}.pickle"
        # The project rules' findings of the last run, and the key (every file's name and digest)
        # they were computed for: an unchanged project does not run its project rules again.
        self.project: tuple[bytes, tuple[Finding, ...]] | None = None
        # Alembic revision files read for the drift rules: absolute path -> (digest, Revision).
        # Kept pickled until asked for: a run whose project findings are cached never needs them.
        self._revisions: dict[str, tuple[bytes, object]] | None = {}
        self._revisions_pickled: bytes | None = None
        self.entries: dict[str, tuple[bytes, tuple[Row, ...], FileFacts]] = self._load()
        self.changed = False

    def _load(self) -> dict:
        try:
            with open(self.file, "rb") as handle:
                data = pickle.load(handle)
        except Exception:  # missing, truncated, from another Python: start afresh
            return {}
        if not isinstance(data, dict) or data.get("format") != _FORMAT:
            return {}
        project = data.get("project")
        if isinstance(project, tuple) and len(project) == 2:
            self.project = project
        revisions = data.get("revisions")
        if isinstance(revisions, bytes):
            self._revisions, self._revisions_pickled = None, revisions
        entries = data.get("entries")
        return entries if isinstance(entries, dict) else {}

    def project_findings(self, key: bytes) -> list[Finding] | None:
        if self.project is None or self.project[0] != key:
            return None
        return list(self.project[1])

    def put_project_findings(self, key: bytes, findings: list[Finding]) -> None:
        self.project = (key, tuple(findings))
        self.changed = True

    def get(
        self, path: Path, digest: bytes, display: str
    ) -> tuple[list[Finding], FileFacts] | None:
        """The findings and facts stored for this content, renamed to `display`."""
        entry = self.entries.get(_key(path))
        if entry is None or entry[0] != digest:
            return None
        try:
            findings = [Finding(display, *row) for row in entry[1]]
            return findings, dataclasses.replace(entry[2], path=display)
        except (TypeError, IndexError):  # an entry of another shape: treat as a miss
            return None

    def put(self, path: Path, digest: bytes, findings: list[Finding], facts: FileFacts) -> None:
        rows = tuple(
            (f.line, f.column, f.code, f.message, f.end_line, f.end_column, f.fix) for f in findings
        )
        self.entries[_key(path)] = (digest, rows, facts)
        self.changed = True

    @property
    def revisions(self) -> dict[str, tuple[bytes, object]]:
        if self._revisions is None:
            try:
                loaded = pickle.loads(self._revisions_pickled or b"")
            except Exception:
                loaded = None
            self._revisions = loaded if isinstance(loaded, dict) else {}
        return self._revisions

    def revision(self, path: Path, digest: bytes) -> object | None:
        entry = self.revisions.get(_key(path))
        return entry[1] if isinstance(entry, tuple) and len(entry) == 2 and entry[0] == digest else None

    def put_revision(self, path: Path, digest: bytes, revision: object) -> None:
        self.revisions[_key(path)] = (digest, revision)
        self.changed = True

    def save(self) -> None:
        if not self.changed:
            return
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            ignore = self.directory / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# Created by ormlint\n*\n")
            live = {k: v for k, v in self.entries.items() if os.path.exists(k)}
            fd, temp = tempfile.mkstemp(dir=self.directory, prefix=".results-", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as handle:
                    if self._revisions is None:  # never unpickled: unchanged
                        revisions = self._revisions_pickled
                    else:
                        revisions = pickle.dumps(
                            {k: v for k, v in self._revisions.items() if os.path.exists(k)},
                            protocol=4,
                        )
                    data = {
                        "format": _FORMAT, "entries": live, "project": self.project,
                        "revisions": revisions,
                    }
                    pickle.dump(data, handle, protocol=4)
                os.replace(temp, self.file)
            except BaseException:
                os.unlink(temp)
                raise
        except OSError:
            pass  # a read-only checkout still lints; it just does not remember


def _key(path: Path) -> str:
    return os.path.abspath(path)
