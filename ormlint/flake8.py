"""The flake8 plugin: `pip install ormlint`, then `flake8 --select ORM`.

flake8 runs every installed plugin on every file, whatever `--select` says; the engine's text
prefilter is what keeps that free for files without models. flake8 does selection and
per-file-ignores itself. `# noqa` is applied here too, unless `--disable-noqa`, so that a comment
means the same as under `ormlint check`: flake8 alone compares codes case-sensitively
(`# noqa: orm301` would not count) and reads only a line's first `# noqa`. A file that does not
parse is flake8's E999, so ORM999 is never reported here.
"""

from __future__ import annotations

import ast
from typing import Iterator

from ormlint import __version__
from ormlint.config import DEFAULT_MAX_FILE_SIZE
from ormlint.engine import analyse_source, default_codes, text_size
from ormlint.rules import PARSE_ERROR_CODE


class Flake8Plugin:
    name = "ormlint"
    version = __version__
    apply_noqa = True

    @classmethod
    def parse_options(cls, options) -> None:
        cls.apply_noqa = not getattr(options, "disable_noqa", False)

    # Asking for `tree` makes flake8 call this once per file; the text comes from `lines`, which
    # flake8 has already read (works for stdin too).
    def __init__(self, tree: ast.AST, lines: list[str], filename: str = "stdin") -> None:
        self.tree = tree
        self.lines = lines
        self.filename = filename

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        codes = frozenset(code for code in default_codes() if code != PARSE_ERROR_CODE)
        source = "".join(self.lines)
        if text_size(source) > DEFAULT_MAX_FILE_SIZE:
            return  # not parsed, as `ormlint check` would not; ORM999 is not reported here
        findings = analyse_source(
            source, self.filename, codes, apply_noqa=self.apply_noqa, tree=self.tree
        )
        for finding in findings:
            if finding.code == PARSE_ERROR_CODE:
                continue  # an internal error: flake8 users are not the audience for it
            # flake8 adds 1 to the column it is given.
            yield finding.line, finding.column - 1, f"{finding.code} {finding.message}", type(self)
