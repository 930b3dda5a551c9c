"""Git's ignore rules, read without running git (nor anything else from the checked repository).

The subset file discovery needs, with git's meaning: `.gitignore` in every directory of a work
tree and `.git/info/exclude`; blank lines and `#` comments; `!` re-includes; a pattern with a
slash before its end is anchored to its file's directory, one without matches a name at any
depth; a trailing `/` matches directories only; `*`, `?`, `[...]` and `**` (leading, trailing,
between slashes). Not read: the user's global excludes file (`core.excludesFile`); not honoured:
`core.ignoreCase`. A deeper file decides before a shallower one, and the last matching line of a
file wins. Nothing outside a work tree (a directory with `.git` in it or above it) is ignored.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from ormlint.memo import BoundedMemo

IGNORE_FILE = ".gitignore"
GIT_DIR = ".git"
_MAX_VERDICTS = 200_000  # per pattern file
# (directory, the file's text) -> its patterns, so that a process that walks a tree again reuses
# them and their verdicts; a file whose text changed is read afresh.
_pattern_files = BoundedMemo(10_000)  # (directory, text) -> _PatternFile | None


@dataclass(frozen=True)
class _PatternFile:
    """One file's patterns: a directory's `.gitignore`, or the work tree's `info/exclude`."""

    base: str  # the directory they are relative to: absolute, ending with a separator
    for_files: re.Pattern | None  # every pattern but the directory-only ones, last line first
    files_negated: tuple[bool, ...]
    for_dirs: re.Pattern | None  # every pattern, last line first
    dirs_negated: tuple[bool, ...]
    # (absolute, is_dir) -> verdict: a resident process (daemon, language server) walks the same
    # tree at every run, and one file's patterns are one regex tried on every path under it.
    verdicts: BoundedMemo = field(
        default_factory=lambda: BoundedMemo(_MAX_VERDICTS), compare=False, hash=False, repr=False
    )

    def verdict(self, absolute: str, is_dir: bool) -> bool | None:
        """True: ignored; False: re-included (`!`); None: no line of this file matches."""
        known = self.verdicts.get((absolute, is_dir), self)
        if known is not self:
            return known
        return self.verdicts.put((absolute, is_dir), self._verdict(absolute, is_dir))

    def _verdict(self, absolute: str, is_dir: bool) -> bool | None:
        regex, negated = (self.for_dirs, self.dirs_negated) if is_dir else (self.for_files, self.files_negated)
        if regex is None or not absolute.startswith(self.base):
            return None
        relative = absolute[len(self.base):]
        if os.sep != "/":
            relative = relative.replace(os.sep, "/")
        match = regex.fullmatch(relative)
        if match is None:
            return None
        return not negated[match.lastindex - 1]  # type: ignore[operator]


@dataclass(frozen=True)
class GitIgnore:
    """The ignore rules in force inside one directory: the pattern files that apply, deepest
    last. `in_work_tree`: False above every work tree, where nothing is ignored."""

    levels: tuple[_PatternFile, ...] = ()
    in_work_tree: bool = False

    @classmethod
    def above(cls, directory: str) -> "GitIgnore":
        """The rules `directory` inherits from its parents (its own files are added by `entering`)."""
        absolute = os.path.abspath(directory)
        top = _work_tree_top(absolute)
        if top is None:
            return cls()
        rules = cls()
        parents = []
        current = absolute
        while current != top:
            current = os.path.dirname(current)
            parents.append(current)
        for parent in reversed(parents):
            rules = rules.entering(parent, os.path.exists(os.path.join(parent, GIT_DIR)),
                                   os.path.isfile(os.path.join(parent, IGNORE_FILE)))
        return rules

    def entering(self, directory: str, has_git: bool, has_ignore_file: bool) -> "GitIgnore":
        """The rules inside `directory` (absolute), given what its listing showed. A directory
        with `.git` starts a work tree of its own (a nested repository is git's own business)."""
        if not (has_git or has_ignore_file) or not (has_git or self.in_work_tree):
            return self
        levels = self.levels
        if has_git:
            levels = ()
            exclude = _read_patterns(directory, os.path.join(directory, GIT_DIR, "info", "exclude"))
            if exclude is not None:
                levels = (exclude,)
        if has_ignore_file:
            own = _read_patterns(directory, os.path.join(directory, IGNORE_FILE))
            if own is not None:
                levels = (*levels, own)
        return GitIgnore(levels, True)

    def ignores(self, absolute: str, is_dir: bool) -> bool:
        for level in reversed(self.levels):
            verdict = level.verdict(absolute, is_dir)
            if verdict is not None:
                return verdict
        return False


def is_ignored(path: str) -> bool:
    """Is a path (named on the command line) ignored: itself or one of its directories?"""
    absolute = os.path.abspath(path)
    top = _work_tree_top(os.path.dirname(absolute))
    if top is None:
        return False
    rules = GitIgnore()
    current = top
    for name in os.path.relpath(absolute, top).split(os.sep):
        rules = rules.entering(current, os.path.exists(os.path.join(current, GIT_DIR)),
                               os.path.isfile(os.path.join(current, IGNORE_FILE)))
        current = os.path.join(current, name)
        if rules.ignores(current, os.path.isdir(current)):
            return True
    return False


def _work_tree_top(absolute: str) -> str | None:
    """The nearest directory at or above `absolute` that holds `.git` (a directory, or a file in
    worktrees and submodules)."""
    current = absolute
    while True:
        if os.path.exists(os.path.join(current, GIT_DIR)):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def _read_patterns(directory: str, file: str) -> _PatternFile | None:
    try:
        with open(file, "rb") as handle:
            text = handle.read(1 << 20).decode("utf-8", "surrogateescape")
    except OSError:
        return None  # unreadable like a missing file, as git treats it
    key = (directory, text)
    if key not in _pattern_files:
        return _pattern_files.put(key, _parse_patterns(directory, text))
    return _pattern_files[key]


def _parse_patterns(directory: str, text: str) -> _PatternFile | None:
    # lines as git reads them: split at "\n" only, one "\r" before it dropped (dir.c)
    lines = (line[:-1] if line.endswith("\r") else line for line in text.split("\n"))
    patterns = [p for p in map(translate, lines) if p is not None]
    if not patterns:
        return None
    for_files = [(regex, negated) for regex, negated, dir_only in patterns if not dir_only]
    for_dirs = [(regex, negated) for regex, negated, _ in patterns]
    return _PatternFile(
        os.path.join(directory, ""), *_combined(for_files), *_combined(for_dirs)
    )


def _combined(patterns: list[tuple[str, bool]]) -> tuple[re.Pattern | None, tuple[bool, ...]]:
    """One regex of every pattern, last line first, each in its own group: the group that
    matches is the line that decides (the last matching line wins)."""
    if not patterns:
        return None, ()
    ordered = patterns[::-1]
    regex = re.compile("|".join(f"({r})" for r, _ in ordered), re.DOTALL)
    return regex, tuple(negated for _, negated in ordered)


def translate(line: str) -> tuple[str, bool, bool] | None:
    """One `.gitignore` line as (regex over the path relative to the file's directory, negated,
    directory-only), or None for a blank line or a comment. The regex has no capturing group."""
    if line.startswith("#"):
        return None
    while line.endswith(" ") and not line.endswith("\\ "):  # trailing spaces unless escaped
        line = line[:-1]
    negated = line.startswith("!")
    if negated:
        line = line[1:]
    dir_only = line.endswith("/")
    line = line.rstrip("/")
    anchored = "/" in line
    line = line.lstrip("/")
    if not line:
        return None
    parts = []
    segments = line.split("/")
    for number, segment in enumerate(segments):
        last = number == len(segments) - 1
        if segment == "**":
            parts.append(".*" if last else "(?:[^/]*/)*")  # everything inside; any directories
        else:
            parts.append(_segment(segment) + ("" if last else "/"))
    body = "".join(parts)
    return (body if anchored else f"(?:.*/)?{body}"), negated, dir_only


def _segment(segment: str) -> str:
    """A path component's glob as a regex: `*` and `?` stop at slashes."""
    out = []
    i = 0
    while i < len(segment):
        char = segment[i]
        if char == "*":
            while i + 1 < len(segment) and segment[i + 1] == "*":
                i += 1  # `**` inside a component is a plain `*`
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "\\" and i + 1 < len(segment):
            i += 1
            out.append(re.escape(segment[i]))
        elif char == "[":
            start = i + 1
            if segment[start:start + 1] in ("!", "^"):
                start += 1
            if segment[start:start + 1] == "]":
                start += 1  # a leading `]` is a member
            end = segment.find("]", start)
            if end == -1:
                out.append(re.escape(char))
            else:
                content = segment[i + 1:end]
                negate = content[:1] in ("!", "^")
                if negate:
                    content = content[1:]
                escaped = content.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")
                out.append(f"[^/{escaped}]" if negate else f"[{escaped}]")
                i = end
        else:
            out.append(re.escape(char))
        i += 1
    return "".join(out)
