"""The flake8 plugin: `pip install ormlint`, then `flake8 --select ORM`.

flake8 runs every installed plugin on every file, whatever `--select` says; the engine's text
prefilter is what keeps that free for files without models. flake8 does its own selection and
per-file-ignores on top of what the plugin reports; the plugin reports what `ormlint check`
would for the file under the file's `[tool.ormlint]` (its selection, excludes, per-file-ignores,
target-dialect, max-file-size), plus the opt-in rules that flake8's own `--select` or
`--extend-select` name more narrowly than `ORM` (`--extend-select ORM801`). `# noqa` is applied here too, unless
`--disable-noqa`, so that a comment means the same as under `ormlint check`: flake8 alone
compares codes case-sensitively (`# noqa: orm301` would not count) and reads only a line's first
`# noqa`. A file that does not parse is flake8's E999, so ORM999 is never reported here.
"""

from __future__ import annotations

import ast
import functools
import os
import sys
from pathlib import Path
from typing import Iterator

from ormlint import __version__
from ormlint.config import ConfigError, Settings, load_settings
from ormlint.engine import all_codes, analyse_source, default_codes
from ormlint.sources import text_size
from ormlint.rules import PARSE_ERROR_CODE


class Flake8Plugin:
    name = "ormlint"
    version = __version__
    apply_noqa = True
    selected: tuple[str, ...] = ()  # flake8's --select and --extend-select

    @classmethod
    def parse_options(cls, options) -> None:
        cls.apply_noqa = not getattr(options, "disable_noqa", False)
        cls.selected = tuple(
            str(s).strip().upper()
            for name in ("select", "extend_select")
            for s in (getattr(options, name, None) or ())
            if str(s).strip()
        )

    # Asking for `tree` makes flake8 call this once per file; the text comes from `lines`, which
    # flake8 has already read (works for stdin too).
    def __init__(self, tree: ast.AST, lines: list[str], filename: str = "stdin") -> None:
        self.tree = tree
        self.lines = lines
        self.filename = filename

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        path = Path(self.filename if self.filename not in ("stdin", "-") else "stdin.py")
        settings = _settings_for(os.path.dirname(os.path.abspath(path)))
        if settings.is_excluded(path):
            return
        codes = _codes(settings, self.selected)
        source = "".join(self.lines)
        if text_size(source) > settings.max_file_size:
            return  # not parsed, as `ormlint check` would not; ORM999 is not reported here
        findings = analyse_source(
            source, self.filename, codes, settings.ignored_for(path), apply_noqa=self.apply_noqa,
            tree=self.tree, options=settings.rule_options,
        )
        for finding in findings:
            if finding.code == PARSE_ERROR_CODE:
                continue  # an internal error: flake8 users are not the audience for it
            # flake8 adds 1 to the column it is given.
            yield finding.line, finding.column - 1, f"{finding.code} {finding.message}", type(self)


@functools.lru_cache(maxsize=None)
def _settings_for(directory: str) -> Settings:
    """The `[tool.ormlint]` that applies in a directory (read once per directory). A broken one
    is reported once on stderr, and the defaults apply: flake8 has no channel for it."""
    try:
        return load_settings([Path(directory)])
    except ConfigError as error:
        print(f"ormlint: error: {error} (flake8 uses ormlint's defaults)", file=sys.stderr)
        return Settings(root=Path(directory))


@functools.lru_cache(maxsize=None)
def _codes(settings: Settings, selected: tuple[str, ...]) -> frozenset[str]:
    enabled = set(settings.enabled_codes(all_codes(), default_codes()))
    opt_in = set(all_codes()) - set(default_codes())
    # `ORM` is how flake8 users pick the plugin at all (README: `flake8 --select ORM`): an opt-in
    # rule needs a selector of its own, `ORM8` or `ORM801`
    enabled |= {
        code for code in opt_in if any(code.startswith(s) and len(s) > 3 for s in selected)
    }
    enabled.discard(PARSE_ERROR_CODE)
    return frozenset(enabled)
