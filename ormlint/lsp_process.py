"""The language server's lint process, and what runs in it. Apart from `ormlint.lsp` so that
neither the process nor `ormlint lsp` before it starts the process imports pygls (seconds)."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from ormlint.config import Settings
from ormlint.analysis import check_source
from ormlint.findings import Finding

# The top-level statements parsed at earlier lints: an edit re-parses only what it changed.
_statements: Any = None


def check_in_process(text: str, display: str, settings: Settings, path: Path | None) -> list[Finding]:
    """The document's text checked alone (`ormlint.api.check`, whole_project=False)."""
    global _statements
    if _statements is None:
        from ormlint.statements import StatementCache

        _statements = StatementCache()
    from ormlint.api import STDIN, CheckRequest, check
    from ormlint.sources import encode

    key = path if path is not None else STDIN
    request = CheckRequest(
        [key], settings, {key: encode(text)}, whole_project=False, statements=_statements
    )
    return check(request).findings


def check_project_in_process(
    root: Path, settings: Settings, texts: dict[str, str]
) -> list[Finding]:
    """The findings of the files `texts` names (absolute path -> the editor's text) checked
    inside their project at `root`, project and drift findings included, as the CLI checks
    them. The project's other files come from the content-hash cache in the project (what the
    CLI uses too): only files changed since are analysed again."""
    return check_project_with_models(root, settings, texts)[0]


def check_project_with_models(
    root: Path, settings: Settings, texts: dict[str, str]
) -> tuple[list[Finding], dict[str, Any]]:
    """`check_project_in_process`'s findings, and the project's model files from the same run
    (`ormlint.model_map.model_files`), which the server navigates."""
    from ormlint.api import CheckRequest, check
    from ormlint.cache import CACHE_DIR_NAME
    from ormlint.facts import ProjectIndex
    from ormlint.model_map import model_files
    from ormlint.sources import encode

    cache_dir = (settings.root if settings.config_file is not None else root) / CACHE_DIR_NAME
    sources = {Path(path): encode(text) for path, text in texts.items()}
    request = CheckRequest(paths=list(sources), settings=settings, sources=sources, cache_dir=cache_dir)
    result = check(request)
    # The files as the project index holds them (implicit table names given): the run's own
    # index when it ran the project phase, else built here (the project findings were cached:
    # an edit that left every file's facts alone).
    index = result.index or ProjectIndex.build(
        result.file_facts, True, settings.external_models, settings.external_tables
    )
    return result.findings, model_files(index.files)


# The model files this process last sent to the server, by project root: the next lint sends
# only what changed (unpickling every file's facts cost the server 0.14 s per lint on polar).
_sent_models: dict[Path, dict[str, Any]] = {}


def check_project_for_server(
    root: Path, settings: Settings, texts: dict[str, str], server_has_map: bool = False
) -> tuple[list[Finding], tuple[bool, dict[str, Any], tuple[str, ...]]]:
    """`check_project_with_models`, with the model files as an update of the last ones this
    process sent for `root`: (everything, the files new or changed, the paths gone). Every file
    is sent (`everything` True) at the first lint of a root in this process, and whenever the
    server says it holds no map of the project."""
    findings, files = check_project_with_models(root, settings, texts)
    sent = _sent_models.get(root)
    _sent_models[root] = files
    if sent is None or not server_has_map:
        return findings, (True, files, ())
    changed = {
        path: facts for path, facts in files.items()
        if (before := sent.get(path)) is not facts and before != facts
    }
    return findings, (False, changed, tuple(path for path in sent if path not in files))


_runs = 0  # lints run in this process


def settle() -> None:
    """After a lint (its result sent): the heap collected and frozen (`ormlint.memo`)."""
    global _runs
    from ormlint.memo import settle_heap

    _runs += 1
    settle_heap(_runs)


def warm_up() -> None:
    """Loads what a lint needs (libcst, the rules) before the first document comes."""
    source = "from sqlalchemy import Column\n\nclass A(Base):\n    id = Column()\n"
    check_source(source, "warm-up.py", Settings())


class LintCancelled(Exception):
    """The lint was stopped: a newer version of its document came."""


class ProcessChecker:
    """`check_source` in a worker process, called from the lint thread. A thread alone would
    not do: libcst's parser holds the GIL for a whole parse, which stalled the event loop for
    1.2 s on a 0.3 MB model file. The process keeps the parsed statements between lints, dies
    with the server (`ormlint.pool`), and is started again after a crash or a cancellation.
    A lint that has run `CANCEL_AFTER_SECONDS` when a newer version of its document comes is
    stopped (by killing the process); a shorter one finishes, and its result is discarded."""

    CANCEL_AFTER_SECONDS = 1.0

    def __init__(self, settles: bool = False) -> None:
        # After each lint, the process's heap is collected and frozen (`settle`): for the
        # project process, whose warm heap (every file's facts) a full collection during a lint
        # walks; not for the text process, whose next keystroke lint would wait for it.
        self._settles = settles
        self._lock = threading.Lock()
        self._pool: Any = None
        self._running: tuple[str, float, Any] | None = None  # (uri, start, pool)
        self._cancelled: set[Any] = set()  # the pools stopped on purpose
        self._closed = False
        self._models: dict[Path, dict[str, Any]] = {}  # project root -> its model files

    def __call__(
        self, uri: str, text: str, display: str, settings: Settings, path: Path | None
    ) -> list[Finding]:
        return self._run(uri, check_in_process, text, display, settings, path)

    def check_project(self, key: str, root: Path, settings: Settings, texts: dict[str, str]) -> list[Finding]:
        """`check_project_in_process` in the process; `key` is what `cancel` is given. The
        project's model files from the same run are kept for `models(root)`."""
        with self._lock:
            has_map = root in self._models
        findings, (everything, changed, gone) = self._run(
            key, check_project_for_server, root, settings, texts, has_map
        )
        with self._lock:
            kept = self._models.get(root)
            if everything or kept is None:
                self._models[root] = changed
            elif changed or gone:  # (unchanged: the same map, which the server keeps as it is)
                files = {**kept, **changed}
                for path in gone:
                    files.pop(path, None)
                self._models[root] = files
        return findings

    def models(self, root: Path) -> dict[str, Any] | None:
        """The model files of the project's last lint (None: not linted yet)."""
        with self._lock:
            return self._models.get(root)

    def _run(self, key: str, function: Any, *args: Any) -> Any:
        from concurrent.futures.process import BrokenProcessPool

        for _ in range(2):  # a crash (out of memory?) gets one more try, in a new process
            pool = self._current_pool()
            with self._lock:
                self._running = (key, time.monotonic(), pool)
            try:
                result = pool.submit(function, *args).result()
                if self._settles:
                    try:
                        pool.submit(settle)  # off the clock: before the next lint, not during it
                    except (BrokenProcessPool, RuntimeError):  # (stopped meanwhile)
                        pass
                return result
            except BrokenProcessPool:
                with self._lock:
                    if self._pool is pool:
                        self._pool = None
                    if pool in self._cancelled:
                        self._cancelled.discard(pool)
                        raise LintCancelled() from None
            finally:
                with self._lock:
                    self._running = None
        raise RuntimeError("the lint process died twice (out of memory?)")

    def warm_up(self) -> None:
        """Starts the process (which loads what a lint needs), without waiting for it."""
        self._current_pool()

    def cancel(self, uri: str) -> None:
        """A newer version of `uri` came: stops its lint if it has run long."""
        with self._lock:
            running = self._running
            if running is None or running[0] != uri:
                return
            if time.monotonic() - running[1] < self.CANCEL_AFTER_SECONDS:
                return
            pool = running[2]
            self._cancelled.add(pool)
            if self._pool is pool:
                self._pool = None
        from ormlint.pool import stop

        stop(pool)

    def close(self) -> None:
        """Stops the process for good (the server exits): a lint in progress is cancelled."""
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, None
            if pool is not None:
                self._cancelled.add(pool)
        if pool is not None:
            from ormlint.pool import stop

            stop(pool)

    def _current_pool(self) -> Any:
        with self._lock:
            if self._closed:
                raise LintCancelled()
            if self._pool is None:
                import multiprocessing

                from ormlint.pool import worker_pool

                # Spawned, not forked: this process has threads, whose locks a fork would copy.
                self._pool = worker_pool(1, multiprocessing.get_context("spawn"))
                self._pool.submit(warm_up)
                if self._settles:
                    self._pool.submit(settle)
            return self._pool
