"""Which files a run checks: directories walked past excludes and `.gitignore`, files named on
the command line, each file once; and the project the files belong to."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from ormlint.config import Settings
from ormlint.gitignore import GIT_DIR, IGNORE_FILE, GitIgnore, is_ignored
from ormlint.memo import BoundedMemo


# A walked file's path as a Path and as displayed, by its path as a string: a resident process
# (daemon, language server) walks the same tree at every run, and making a Path is most of the
# walk's own cost.
_named = BoundedMemo(100_000)  # str -> (Path, display path)


def discover(
    paths: Iterable[Path], settings: Settings,
    unreadable: list[tuple[str, OSError]] | None = None,
) -> list[tuple[Path, str]]:
    """Python files under `paths` as (path, display path). Explicitly named files always count
    (unless `force_exclude`), whatever their type: reading them says what is wrong. Directories
    the walk cannot list are added to `unreadable` as (display path, error)."""
    paths = list(paths)
    found: list[tuple[Path, str]] = []
    seen: set[object] = set()
    for given in paths:
        if settings.force_exclude and is_excluded_when_named(given, settings):
            continue
        several = len(paths) > 1  # one walk lists each file once: no need to tell files apart
        if os.path.isdir(given):  # False, not an error, for a path that cannot be stat'ed
            candidates = list(_walk(given, settings, unreadable, identify=several))
        else:
            candidates = [(given, str(given), _file_identity(given) if several else None)]
        if not several:
            found.extend((path, display) for path, display, _ in candidates)
            continue
        for path, display, key in candidates:
            if key not in seen:
                seen.add(key)
                found.append((path, display))
    return found


def _file_identity(path: Path) -> object:
    """Which file a path names, so that each is listed once: its device and inode, one system
    call where resolving every link of the path takes one per directory of it (a tenth of a
    warm run on 2,000 files); the resolved path when it cannot be stat'ed."""
    try:
        status = os.stat(path)
    except (OSError, ValueError):
        return path.resolve()
    if not status.st_ino:  # a file system without inode numbers
        return path.resolve()
    return (status.st_dev, status.st_ino)


def is_excluded_when_named(path: Path, settings: Settings) -> bool:
    """Would `force_exclude` skip this path named on the command line (or `--stdin-filename`):
    an exclude pattern or, with `respect_gitignore`, git's ignore rules?"""
    if settings.is_excluded(path):
        return True
    if not settings.respect_gitignore:
        return False
    return is_ignored(os.fspath(path))


def _walk(
    root: Path, settings: Settings, unreadable: list[tuple[str, OSError]] | None = None,
    identify: bool = False,
) -> Iterator[tuple[Path, str, object]]:
    """Regular `.py` files under `root`, depth first in name order, past excludes and (with
    `respect_gitignore`) git's ignore rules, as (path, display path, `_file_identity` when
    `identify`, else None). FIFOs, sockets and devices are passed over; a symbolic link to a
    directory is not followed, one to nothing is kept (reading it reports it)."""
    # Strings until a file is kept: pathlib costs more than the rest of a warm run's walk.
    top = os.fspath(root)
    gitignore = GitIgnore.above(top) if settings.respect_gitignore else None
    stack = [(top, os.path.abspath(top), gitignore)]
    while stack:
        directory, absolute, gitignore = stack.pop()
        try:
            with os.scandir(directory) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError as error:
            if unreadable is not None:
                unreadable.append((os.path.normpath(directory), error))
            continue
        if gitignore is not None:
            names = {entry.name for entry in entries if entry.name in (GIT_DIR, IGNORE_FILE)}
            gitignore = gitignore.entering(absolute, GIT_DIR in names, IGNORE_FILE in names)
        subdirectories = []
        device = _device(directory) if identify else None
        # Joined by concatenation: os.path.join per entry was a third of the walk's own time.
        prefix, absolute_prefix = os.path.join(directory, ""), os.path.join(absolute, "")
        for entry in entries:
            name = entry.name
            path = prefix + name
            if name.endswith(".py") and _is_regular_or_broken(entry):
                is_dir = False
            elif _is_real_directory(entry):
                is_dir = True
            else:
                continue
            if settings.is_excluded(path, walking=True):
                continue
            if gitignore is not None and gitignore.levels and gitignore.ignores(absolute_prefix + name, is_dir):
                continue
            if is_dir:
                subdirectories.append((path, absolute_prefix + name, gitignore))
            else:
                identity = _entry_identity(entry, device, path) if identify else None
                named = _named.get(path)
                if named is None:
                    named = _named.put(path, (Path(path), os.path.normpath(path)))
                yield named[0], named[1], identity
        stack.extend(reversed(subdirectories))


def _device(directory: str) -> int | None:
    try:
        return os.stat(directory).st_dev
    except OSError:
        return None


def _entry_identity(entry: os.DirEntry, device: int | None, path: str) -> object:
    """`_file_identity` of a listed file without a system call: the directory's device and the
    inode the listing gave (a link is followed with one, as `_file_identity` does)."""
    try:
        if device is not None and entry.inode() and not entry.is_symlink():
            return (device, entry.inode())
    except OSError:
        pass
    return _file_identity(Path(path))


def _is_regular_or_broken(entry: os.DirEntry) -> bool:
    """A regular file, or a link whose target cannot be reached (reported when read)."""
    try:
        if entry.is_file():
            return True
        if not entry.is_symlink():
            return False
        entry.stat()
        return False  # a link to a FIFO, a device, a directory named *.py
    except OSError:
        return True


def _is_real_directory(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir(follow_symlinks=False)
    except OSError:
        return False


def project_root(settings: Settings, paths: Sequence[Path]) -> Path | None:
    """The project the files belong to: the directory of the `[tool.ormlint]` configuration,
    else the nearest directory above them with an `alembic.ini`, else their repository's root
    (`.git`, `.hg`); None when there is none (the files are checked on their own)."""
    if settings.config_file is not None:
        return settings.config_file.parent
    directories = [os.path.dirname(os.path.abspath(p)) for p in paths if str(p) != "-"]
    if not directories:
        return None
    start = Path(os.path.commonpath(directories))
    for marker in ("alembic.ini", ".git", ".hg"):
        for directory in (start, *start.parents):
            if os.path.exists(directory / marker):
                return directory
    return None
