"""The flake8 plugin: `pip install ormlint`, then `flake8 --select ORM`.

flake8 does its own selection and per-file-ignores on top of what the plugin reports; the plugin
reports what `ormlint check FILE` would for a file named on its command line, and what
`ormlint check ROOT` reports in it for a file found in a directory (the migration-safety rules
judge the head revisions there, not every revision), through `ormlint.api`: inside the file's
project, project and drift findings included, under the file's `[tool.ormlint]` (its selection,
excludes, per-file-ignores, target-dialect, max-file-size), plus the opt-in rules that flake8's
own `--select` or `--extend-select` name more narrowly than `ORM` (`--extend-select ORM801`).
flake8 runs every installed plugin on every file, whatever `--select` says, and calls it once
per file, in several processes: each process runs a project once (through the content-hash
cache `ormlint check` uses, `.ormlint_cache` beside the configuration or in the working
directory) and answers its files from that run. `# noqa` is applied here too, unless `--disable-noqa`, so that a comment means the same
as under `ormlint check`: flake8 alone compares codes case-sensitively (`# noqa: orm301` would
not count) and reads only a line's first `# noqa`. A file that does not parse is flake8's E999,
so ORM999 is never reported here.
"""

from __future__ import annotations

import ast
import functools
import multiprocessing
import os
import sys
from pathlib import Path
from typing import Iterator

from ormlint import __version__
from ormlint.api import STDIN, CheckRequest, check
from ormlint.codes import PARSE_ERROR_CODE, all_codes, default_codes
from ormlint.config import ConfigError, Settings, load_settings
from ormlint.sources import encode, text_size


class Flake8Plugin:
    name = "ormlint"
    version = __version__
    apply_noqa = True
    selected: tuple[str, ...] = ()  # flake8's --select and --extend-select
    reads_stdin = False  # flake8 checks standard input (`-`), not files it reads itself
    named: frozenset[str] = frozenset()  # the files on flake8's command line (absolute paths)

    @classmethod
    def parse_options(cls, options) -> None:
        cls.apply_noqa = not getattr(options, "disable_noqa", False)
        filenames = getattr(options, "filenames", None) or ()
        cls.reads_stdin = "-" in filenames
        cls.named = frozenset(os.path.abspath(f) for f in filenames if f != "-")
        cls.selected = tuple(
            str(s).strip().upper()
            for name in ("select", "extend_select")
            for s in (getattr(options, name, None) or ())
            if str(s).strip()
        )

    # Asking for `tree` makes flake8 call this once per file; the text comes from `lines`, which
    # flake8 has already read (standard input too).
    def __init__(self, tree: ast.AST, lines: list[str], filename: str = "stdin") -> None:
        self.tree = tree
        self.lines = lines
        self.filename = filename

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        named = self.filename not in ("stdin", "-")
        path = Path(self.filename if named else "stdin.py")
        settings = _settings_for(os.path.dirname(os.path.abspath(path)), self.selected)
        if settings.is_excluded(path):
            return
        if self.reads_stdin:  # the text stands for the file (--stdin-display-name), if any
            source = "".join(self.lines)
            if text_size(source) > settings.max_file_size:
                return  # not parsed, as `ormlint check` would not; ORM999 is not reported here
            key = path if named else STDIN
            sources = {key: encode(source)}
        else:
            key, sources = path, {}
        # A file flake8 found in a directory is judged as `ormlint check` judges a directory's.
        walked = not self.reads_stdin and os.path.abspath(path) not in self.named
        request = CheckRequest(
            [key], settings, sources, cache_dir=_cache_dir(settings), jobs=_jobs(),
            apply_noqa=self.apply_noqa, remember_projects=True, walked=walked,
        )
        for finding in check(request).findings:
            if finding.code == PARSE_ERROR_CODE:
                continue  # an internal error: flake8 users are not the audience for it
            # flake8 adds 1 to the column it is given.
            yield finding.line, finding.column - 1, f"{finding.code} {finding.message}", type(self)


@functools.lru_cache(maxsize=None)
def _settings_for(directory: str, selected: tuple[str, ...]) -> Settings:
    """The `[tool.ormlint]` that applies in a directory (read once per directory), with the
    opt-in rules flake8's selection names. A broken one is reported once on stderr, and the
    defaults apply: flake8 has no channel for it."""
    try:
        settings = load_settings([Path(directory)])
    except ConfigError as error:
        print(f"ormlint: error: {error} (flake8 uses ormlint's defaults)", file=sys.stderr)
        settings = Settings(root=Path(directory))
    opt_in = sorted(set(all_codes()) - set(default_codes()))
    # `ORM` is how flake8 users pick the plugin at all (README: `flake8 --select ORM`): an opt-in
    # rule needs a selector of its own, `ORM8` or `ORM801`
    chosen = tuple(c for c in opt_in if any(c.startswith(s) and len(s) > 3 for s in selected))
    return settings.with_overrides(extend_select=settings.extend_select + chosen) if chosen else settings


def _cache_dir(settings: Settings) -> Path:
    """Where `ormlint check` keeps its cache for these settings: flake8 shares it."""
    from ormlint.cache import CACHE_DIR_NAME

    return Path(os.environ.get("ORMLINT_CACHE_DIR") or settings.root / CACHE_DIR_NAME)


def _jobs() -> int | None:
    """flake8's worker processes are daemons, which may not start processes of their own."""
    return 1 if multiprocessing.current_process().daemon else None

