"""The run every face calls (through `ormlint.api`): discover the files, analyse each (from the
content-hash cache when unchanged, on all cores), then the project phase over all of them.

The steps live in their own modules: `discovery` (which files), `prefilter` (which need parsing),
`analysis` (one file: parse, file rules, positions in `positions`, facts), `project_phase`
(project rules and the migrations' replay); `cache` keeps their results between runs.
"""

from __future__ import annotations

import dataclasses
import gc
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

from ormlint import progress
from ormlint.analysis import FileResult, analyse_bytes, collector_paused, unreadable
from ormlint.cache import ResultCache, content_digest, facts_digest, fingerprint
from ormlint.codes import MIGRATIONS, PARSE_ERROR_CODE, RULE_READS, RuleOptions, all_codes, default_codes
from ormlint.config import Settings, load_settings
from ormlint.discovery import discover, project_root
from ormlint.facts import CarriedAnswers, FileFacts, ProjectIndex
from ormlint.findings import Finding
from ormlint.migrations.discovery import migration_locations
from ormlint.prefilter import bytes_may_contain_models
from ormlint.project_phase import (
    lines_reader, migration_digests, project_findings, replayed_migrations, revision_file_names,
    unsuppressed,
)
from ormlint.sources import read_file, too_large


# Below this many files a process pool costs more than it saves (editor, pre-commit).
PARALLEL_THRESHOLD = 16



@dataclass(frozen=True)
class RunResult:
    findings: list[Finding]
    files_checked: int
    index: ProjectIndex | None = None  # the project phase's index (None: its findings were cached)
    warnings: list[str] = field(default_factory=list)  # for stderr: the run went on regardless
    files: tuple[Path, ...] = ()  # the files checked, as the run found them
    # Every file's facts, the project's files included when files are checked inside it (the
    # language server's model map), whether or not the project phase ran
    file_facts: tuple[FileFacts, ...] = ()



def run(
    paths: Sequence[Path],
    settings: Settings,
    jobs: int | None = None,
    cache_dir: Path | None = None,
    whole_project: bool | None = None,
    sources: Mapping[str, bytes] | None = None,
    need_index: bool = False,
    apply_noqa: bool = True,
) -> RunResult:
    """Check files and directories: file rules on each file, then project rules on the index
    of all of them. With `cache_dir`, files whose content was checked before with the same rules
    and ormlint are not analysed again. `whole_project` (default: a directory was given) lets
    project rules say that something is not defined anywhere. `sources`: the content of some
    files (by absolute path) instead of what is on disk (standard input, an unsaved editor).
    `need_index`: build the project index even when the project findings are cached.
    `apply_noqa`: False keeps the findings `# noqa` comments suppress (flake8 --disable-noqa).

    Files named alone (a pre-commit hook's list, an editor's one file) are checked inside their
    project (`project_root`): every file of it is analysed (from the cache when unchanged), and
    the findings located in the named files are reported, project and drift findings included,
    so that a model added without its migration fails the commit that adds it."""
    if whole_project is None and paths and not any(os.path.isdir(p) for p in paths):
        root = project_root(settings, paths)
        if root is not None:
            return _run_in_project(
                paths, root, settings, jobs, cache_dir, sources, need_index, apply_noqa
            )
    return _run_paths(
        paths, settings, jobs, cache_dir, whole_project, sources, need_index, apply_noqa=apply_noqa
    )



def _run_in_project(
    paths: Sequence[Path], root: Path, settings: Settings, jobs: int | None, cache_dir: Path | None,
    sources: Mapping[str, bytes] | None = None,
    need_index: bool = False,
    apply_noqa: bool = True,
) -> RunResult:
    named = discover(paths, settings)  # excludes apply as usual (--force-exclude)
    shown = {os.path.abspath(path): display for path, display in named}
    result = run_project(
        root, settings, jobs, cache_dir, [path for path, _ in named], sources, need_index,
        apply_noqa, only_named_findings=True,
    )
    findings = sorted(
        dataclasses.replace(f, path=shown[os.path.abspath(f.path)])
        for f in result.findings if os.path.abspath(f.path) in shown
    )
    return RunResult(
        findings, len(named), result.index, result.warnings, tuple(p for p, _ in named),
        result.file_facts,
    )



def run_project(
    root: Path, settings: Settings, jobs: int | None = None, cache_dir: Path | None = None,
    named: Sequence[Path] = (), sources: Mapping[str, bytes] | None = None,
    need_index: bool = False, apply_noqa: bool = True, only_named_findings: bool = False,
    named_files: bool = True,
) -> RunResult:
    """Every file of the project at `root`, and the `named` files (which its walk may exclude),
    checked as files named alone are checked inside it (`run`): the findings of all of them, each
    file's being what `run([file])` reports for it. Files are named as the walk names them
    (relative to the working directory when the root is under it). `only_named_findings`: the
    caller wants the named files' findings only (project rules may skip the others').
    `named_files` False: checked as `run([root])` checks them (the migration-safety rules judge
    the head revisions only, not every revision as for a named one)."""
    relative = os.path.relpath(root)
    walk_from = Path(relative if not relative.startswith("..") else root)
    return _run_paths(
        [walk_from, *named], settings, jobs, cache_dir, True, sources, need_index,
        named_files=named_files, apply_noqa=apply_noqa,
        reported=frozenset(map(os.path.abspath, named)) if only_named_findings else None,
    )



def _run_paths(
    paths: Sequence[Path],
    settings: Settings,
    jobs: int | None = None,
    cache_dir: Path | None = None,
    whole_project: bool | None = None,
    sources: Mapping[str, bytes] | None = None,
    need_index: bool = False,
    named_files: bool = False,
    apply_noqa: bool = True,
    reported: frozenset[str] | None = None,
) -> RunResult:
    """`reported`: the absolute paths of the only files whose findings the caller uses."""
    codes = settings.enabled_codes(all_codes(), default_codes())
    unreadable_directories: list[tuple[str, OSError]] = []
    files = discover(paths, settings, unreadable_directories)
    # (the cache keeps the findings `# noqa` suppressed apart from those of ordinary runs)
    varies = (settings.per_file_ignores, settings.rule_options) + (() if apply_noqa else ("noqa off",))
    cache = ResultCache(cache_dir, fingerprint(codes, varies)) if cache_dir is not None else None
    # The Alembic migrations (for ORM7xx and the rules that read MIGRATIONS), found beside the
    # configuration or among the files. A revision file that is also checked is read for both
    # from one parse, in the file pass.
    locations = []
    if any(code.startswith("ORM7") or MIGRATIONS in RULE_READS.get(code, ()) for code in codes):
        locations = migration_locations(settings, paths, files)
    revision_names = revision_file_names(locations, paths)
    results: list[FileResult] = [
        unreadable(d, codes, error, "directory") for d, error in unreadable_directories
    ]
    pending: list[tuple[Path, bytes, tuple]] = []
    ignored_by_path: dict[str, tuple[str, ...]] = {}
    stored_facts: dict[int, bytes] = {}  # index in `results` -> its facts' digest in the cache
    given: dict[str, bytes] = {}  # display -> the text standing for the file (`sources`)
    # (a file's absolute path costs a getcwd: asked only of files named like a given one)
    given_names = {os.path.basename(p) for p in sources} if sources else set()
    # Cached results are decoded with the collector paused (their objects hold no reference
    # cycles, yet each of the collections their allocations trigger would walk them all), as
    # is the project phase below; never around the pool, whose forked workers would inherit it.
    with collector_paused():
        for path, display in files:
            ignored_by_path[display] = settings.ignored_for(path)
            data = (
                sources.get(os.path.abspath(path))
                if sources and os.path.basename(display) in given_names else None
            )
            if data is not None:
                given[display] = data
            if data is None and cache is not None:
                unchanged = cache.unchanged(path, display, settings.max_file_size)
                if unchanged is not None:  # neither read nor hashed
                    stored_facts[len(results)] = unchanged[1][2]
                    results.append(FileResult(*unchanged[1][:2]))
                    continue
            if data is None:
                data = read_file(path, settings.max_file_size)
            elif len(data) > settings.max_file_size:
                data = too_large(len(data), settings.max_file_size)
            if isinstance(data, OSError):
                results.append(unreadable(display, codes, data))
                continue
            digest = content_digest(data) if cache is not None else b""
            cached = cache.get(path, digest, display) if cache is not None else None
            if cached is not None:
                stored_facts[len(results)] = cached[2]
                results.append(FileResult(*cached[:2]))
            else:
                revision_name = (
                    revision_names.get(os.path.abspath(path)) if revision_names else None
                )
                job = (
                    data, display, codes, ignored_by_path[display], settings.rule_options,
                    revision_name, apply_noqa,
                )
                pending.append((path, digest, job))
    jobs = jobs or os.cpu_count() or 1
    jobs_args = [job for _, _, job in pending]
    fresh: list[Any] = [None] * len(jobs_args)
    progress.begin(len(jobs_args))
    # Files whose bytes show no prefilter marker are answered here from their text (an encoding
    # that hides a marker from a bytes search is still analysed in full, here): sending them to
    # the pool would cost more than they do.
    remote = [i for i, job in enumerate(jobs_args) if bytes_may_contain_models(job[0])]
    crashed: set[str] = set()  # displays of files that killed their worker: not cached
    if jobs > 1 and len(remote) >= PARALLEL_THRESHOLD:
        from ormlint.pool import map_in_workers

        # Largest files first, one at a time: a big file handed out last, or a chunk of them,
        # would keep one core busy while the others wait.
        remote.sort(key=lambda i: len(jobs_args[i][0]), reverse=True)
        # Loaded once, before the workers are forked with them (where processes are forked):
        # the project phase needs the rules too, after the workers are done.
        import ormlint.narrow  # noqa: F401  (libcst and the rules)
        import ormlint.project  # noqa: F401

        # What is loaded now is kept out of the collector's scans while the workers run: their
        # collections would otherwise write to every object and copy each page they share.
        # Thawed afterwards, so a process that calls run() again can still free it.
        gc.freeze()

        def analyse_here() -> Iterator[None]:  # while the workers run
            for i in set(range(len(jobs_args))).difference(remote):
                fresh[i] = _analyse_job(jobs_args[i])
                progress.advance()
                yield

        def worker_crashed(job: tuple) -> FileResult:
            crashed.add(job[1])
            return _worker_crashed(job[1], codes)

        try:
            done = map_in_workers(
                _analyse_job, [jobs_args[i] for i in remote], jobs, worker_crashed, analyse_here()
            )
            for i, result in zip(remote, done):
                fresh[i] = result
        finally:
            gc.unfreeze()
    else:
        for i, job in enumerate(jobs_args):
            fresh[i] = _analyse_job(job)
            progress.advance()
    for (path, digest, job), result in zip(pending, fresh):
        if cache is not None and job[1] not in crashed:
            stored_facts[len(results)] = cache.put(path, digest, result.findings, result.facts)
        results.append(result)
    findings = [f for result in results for f in result.findings]
    if whole_project is None:
        whole_project = any(os.path.isdir(p) for p in paths)
    # The project rules read the files' facts alone (`# noqa` comments are applied afterwards):
    # a run whose files' facts are all as they were reuses their findings, whatever else changed
    # in the files' text (a comment, a function body).
    project_key = None
    digests = (
        migration_digests(
            locations, content_digest, settings.target_dialect is None, cache.environments
        )
        if cache is not None else None
    )
    if cache is not None:
        project_key = content_digest(repr((
            sorted(
                (result.facts.path, stored_facts.get(i) or facts_digest(result.facts))
                for i, result in enumerate(results)
            ),
            whole_project, settings.external_models, settings.external_tables, named_files,
            sorted(reported) if reported is not None else None,
            [(str(file), digest) for file, digest in digests],
        )).encode())
    project = (
        cache.project_findings(project_key) if cache is not None and not need_index else None
    )
    index = None
    if project is None:
        with collector_paused():
            index = ProjectIndex.build(
                [r.facts for r in results], whole_project, settings.external_models,
                settings.external_tables,
            )
            global _carried_answers
            _carried_answers = index.carry_answers(_carried_answers)
            index.named_files = named_files
            index.reported_files = reported
            if locations:
                read = {r.revision.path: r.revision for r in fresh if r.revision is not None}
                index.migrations = replayed_migrations(
                    locations, paths, cache, read, settings.target_dialect, digests
                )
            project = project_findings(
                index, codes, ignored_by_path, apply_noqa=False, options=settings.rule_options
            )
            if cache is not None:
                cache.put_project_findings(project_key, project)
    findings += unsuppressed(project, lines_reader(given)) if apply_noqa else project
    warnings = []
    if cache is not None:
        cache.save()
        if cache.warning:
            warnings.append(cache.warning)
    return RunResult(
        sorted(findings), len(files), index, warnings, tuple(p for p, _ in files),
        tuple(r.facts for r in results),
    )



# The class answers of this process's last project index (ProjectIndex.carry_answers): a
# resident process (daemon, language server) computes again only what a changed file reaches.
_carried_answers: CarriedAnswers | None = None


def _worker_crashed(display: str, codes: frozenset[str]) -> FileResult:
    """A file whose analysis killed its worker process twice, once alone (memory, most likely):
    `ormlint.pool` never runs it in the main process, which it would kill too."""
    message = "cannot analyse: analysis crashed the worker process twice (out of memory?)"
    findings = [Finding(display, 1, 1, PARSE_ERROR_CODE, message, 1, 1)]
    return FileResult(findings if PARSE_ERROR_CODE in codes else [], FileFacts(display, parsed=False))



def _analyse_job(
    job: tuple[bytes, str, frozenset[str], tuple[str, ...], RuleOptions, str | None, bool]
) -> FileResult:
    return analyse_bytes(*job)



def drift_for_project(root: Path) -> list:
    """The drift (`ormlint.drift.DriftItem`s) ormlint finds in the project at `root`, as
    comparable keys (for the oracle tests and tools)."""
    from ormlint.drift import project_drift  # (with libcst: not on a cached run)

    settings = load_settings([root]).with_overrides(select=tuple(all_codes()))
    result = run([root], settings, jobs=1, whole_project=True)
    return [d.item for d in project_drift(result.index)] if result.index is not None else []
