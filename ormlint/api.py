"""The public analysis entry point. Every face (`ormlint check` with its `--fix`, `--diff` and
standard input, the pre-commit hooks, the flake8 plugin, the language server) describes what it
wants in one `CheckRequest` and calls `check`; they differ only in how they present the result.

`ormlint.engine` is the run; this module decides which of its runs a request needs: files
on disk or texts standing for files, inside their project or alone, fixed first or not.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Mapping, Sequence

from ormlint import engine
from ormlint.analysis import check_source, fixable_findings
from ormlint.config import Settings
from ormlint.discovery import is_excluded_when_named, project_root
from ormlint.findings import Finding

if TYPE_CHECKING:
    from ormlint.facts import FileFacts, ProjectIndex
    from ormlint.fixes import FileFix
    from ormlint.statements import StatementCache

STDIN = Path("-")  # a text without a file: checked alone, named "-"


@dataclass(frozen=True)
class CheckRequest:
    """What to check, and how.

    `paths`: files and directories, as the user named them. A file named alone (a pre-commit
    hook's list, an editor's document) is checked inside its project (`discovery.project_root`),
    and the findings located in it are reported, project and drift findings included.
    `sources`: texts standing for some of `paths` (standard input, an unsaved editor buffer),
    used instead of what is on disk; `STDIN` is a text with no file behind it.
    `fix`: apply the "safe" (or also the "unsafe") fixes first; `write` puts them in the files
    (else they are only returned, for `--diff`). The findings always describe the text after
    fixing. `cache_dir`: the content-hash cache (None: none). `jobs`: processes (None: all
    cores). `whole_project`: see `engine.run`; False also checks each text alone, outside its
    project (the language server's lint of each keystroke). `need_index`: return the project
    index.
    `apply_noqa`: False keeps the findings `# noqa` comments suppress. `statements`: the
    language server's parsed statements, for a text checked alone. `remember_projects`: answer
    files of a project from one run of it per process (flake8, whose files do not change while
    it runs, calls once per file); `walked`: with it, the paths were found by walking a
    directory (`flake8 .`), not named one by one, and their project is checked as `ormlint check
    ROOT` checks it: the migration-safety rules judge the head revisions, not every revision as
    they do for a revision file named alone (a new one)."""

    paths: Sequence[Path]
    settings: Settings = field(default_factory=Settings)
    sources: Mapping[Path, bytes] = field(default_factory=dict)
    fix: Literal["safe", "unsafe"] | None = None
    write: bool = False
    cache_dir: Path | None = None
    jobs: int | None = None
    whole_project: bool | None = None
    need_index: bool = False
    apply_noqa: bool = True
    statements: StatementCache | None = None
    remember_projects: bool = False
    walked: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "paths", tuple(Path(p) for p in self.paths))
        object.__setattr__(self, "sources", {Path(p): data for p, data in self.sources.items()})


@dataclass(frozen=True)
class CheckResult:
    findings: list[Finding]
    files_checked: int
    fixes: list[FileFix] = field(default_factory=list)  # each file a fix changed or failed on
    index: ProjectIndex | None = None  # with `need_index` (None: no project phase ran)
    warnings: list[str] = field(default_factory=list)  # for stderr: the run went on regardless
    file_facts: tuple[FileFacts, ...] = ()  # `engine.RunResult.file_facts`


def check(request: CheckRequest) -> CheckResult:
    """The findings of `request`'s files (after its fixes, if any), as `ormlint check` reports
    them."""
    settings = request.settings
    sources = dict(request.sources)
    fixes = _fix(request, sources) if request.fix is not None else []
    findings: list[Finding] = []
    files_checked = 0
    on_run: list[Path] = []
    for path in request.paths:
        if path not in sources:
            on_run.append(path)
        elif settings.force_exclude and path != STDIN and is_excluded_when_named(path, settings):
            continue  # as the walk would (pre-commit's --force-exclude)
        elif path == STDIN or request.whole_project is False or project_root(settings, [path]) is None:
            findings += _check_alone(request, path, sources[path])  # unknown is not wrong
            files_checked += 1
        else:
            on_run.append(path)
    if not on_run:
        return CheckResult(sorted(findings), files_checked, fixes)
    if request.remember_projects:
        remembered = _remembered(request, on_run, sources)
        if remembered is not None:
            return CheckResult(sorted(findings + remembered), files_checked + len(on_run), fixes)
    result = engine.run(
        on_run, settings, request.jobs, request.cache_dir, request.whole_project,
        {os.path.abspath(p): data for p, data in sources.items() if p != STDIN} or None,
        request.need_index, request.apply_noqa,
    )
    return CheckResult(
        sorted(findings + result.findings), files_checked + result.files_checked, fixes,
        result.index, result.warnings, result.file_facts,
    )


def _check_alone(request: CheckRequest, path: Path, data: bytes) -> list[Finding]:
    """A text checked on its own: file rules, and project rules over its facts alone."""
    file = None if path == STDIN else path
    return check_source(
        readable_text(data), str(path), request.settings, file, statements=request.statements,
        apply_noqa=request.apply_noqa,
    )


def readable_text(data: bytes) -> str:
    """Bytes decoded as Python reads them, else as UTF-8 with replacement characters."""
    from ormlint.sources import decode

    try:
        return decode(data)
    except (SyntaxError, UnicodeDecodeError, LookupError):
        return data.decode("utf-8", errors="replace")


def _fix(request: CheckRequest, sources: dict[Path, bytes]) -> list[FileFix]:
    """Apply the fixes, round after round of each file's own analysis (`fixable_findings`: the
    engine's file pass). Texts are fixed in `sources`; files on disk are written when
    `request.write`, else their fixed text joins `sources`, so that the findings that follow,
    from the same run as `check` without fixes, describe it."""
    from ormlint.fixes import FileFix, fix_paths, fix_text

    settings, unsafe = request.settings, request.fix == "unsafe"
    fixes: list[FileFix] = []
    for path, data in list(sources.items()):
        if path not in request.paths:
            continue
        display, file = str(path), None if path == STDIN else path

        def analyse(text: str) -> list[Finding]:
            return fixable_findings(text, display, settings, file)

        outcome = fix_text(data, display, analyse, unsafe)
        if outcome is None:  # undecodable: left as it is
            text = readable_text(data)
            outcome = FileFix(display, text, text, [])
        fixes.append(outcome)
        if outcome.after != outcome.before:
            sources[path] = outcome.after.encode(outcome.encoding, errors="surrogateescape")
    on_disk = [path for path in request.paths if path not in sources]
    if on_disk:
        for outcome in fix_paths(on_disk, settings, unsafe, write=request.write):
            fixes.append(outcome)
            # (a file that could not be written is reported as it is)
            if not request.write and outcome.after != outcome.before and outcome.path is not None:
                sources[outcome.path] = outcome.after.encode(outcome.encoding, errors="surrogateescape")
    return fixes


# -- one run per project and process (`remember_projects`) ----------------------------------------

@dataclass(frozen=True)
class _ProjectRun:
    files: frozenset[str]  # absolute paths of the files the run checked
    findings: dict[str, list[Finding]]  # by absolute path


_projects: dict[tuple, _ProjectRun] = {}


def _remembered(
    request: CheckRequest, paths: list[Path], sources: Mapping[Path, bytes]
) -> list[Finding] | None:
    """The findings of `paths` from one run of their project, made at the first request for one
    of its files in this process; None when that run does not answer for them (a file its walk
    does not reach, a text that differs from the file on disk)."""
    from ormlint.sources import read_file

    settings = request.settings
    if request.whole_project is not None or len(paths) != 1 or os.path.isdir(paths[0]):
        return None
    path = paths[0]
    root = project_root(settings, [path])
    if root is None:
        return None
    key = (str(root), settings, request.cache_dir, request.apply_noqa, request.walked)
    if key not in _projects:
        result = engine.run_project(
            root, settings, request.jobs, request.cache_dir, apply_noqa=request.apply_noqa,
            named_files=not request.walked,
        )
        by_file: dict[str, list[Finding]] = {}
        for finding in result.findings:
            by_file.setdefault(os.path.abspath(finding.path), []).append(finding)
        _projects[key] = _ProjectRun(frozenset(map(os.path.abspath, result.files)), by_file)
    project = _projects[key]
    absolute = os.path.abspath(path)
    if absolute not in project.files:
        return None
    if path in sources and sources[path] != read_file(path, settings.max_file_size):
        return None
    from dataclasses import replace

    return [replace(finding, path=str(path)) for finding in project.findings.get(absolute, ())]
