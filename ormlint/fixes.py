"""Applying fixes: text edits, re-parsed before anything is written, repeated until none apply,
written atomically and only if the file did not change meanwhile."""

from __future__ import annotations

import difflib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import libcst as cst

from ormlint.findings import Finding
from ormlint.model.types import FileModel
from ormlint.syntax import python_lines

MAX_ROUNDS = 10


# -- helpers for rules that build fixes ----------------------------------------------------------


def sqlalchemy_name(model: FileModel, name: str) -> tuple[str, tuple[tuple[cst.CSTNode, str], ...]] | None:
    """How this module can refer to `sqlalchemy.<name>` (e.g. `text`): the expression to write
    and the extra replacements needed (adding the name to an existing `from sqlalchemy import`).
    None when there is no clean way (no SQLAlchemy import to extend)."""
    imports = model.imports
    for local, qualified in imports.aliases.items():
        if qualified in (f"sqlalchemy.{name}", f"sqlalchemy.sql.{name}", f"sqlalchemy.sql.expression.{name}"):
            if local not in imports.type_checking_only:
                return local, ()
    for local, qualified in imports.aliases.items():
        if qualified == "sqlalchemy" and local not in imports.type_checking_only:
            return f"{local}.{name}", ()
    for handle in sorted(imports.flask_handles):
        return f"{handle}.{name}", ()
    if name in model.module_bindings:
        return None  # the name means something else here
    sqlalchemy_imports = []
    for stmt in model.module.body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if isinstance(small, cst.ImportFrom) and not small.relative and small.module is not None:
                module = model.module.code_for_node(small.module)
                if module == "sqlalchemy" and not isinstance(small.names, cst.ImportStar):
                    return name, ((small, model.module.code_for_node(_with_name(small, name))),)
                if module.startswith("sqlalchemy.") and len(stmt.body) == 1:
                    sqlalchemy_imports.append(small)
    if sqlalchemy_imports:  # `from sqlalchemy.orm import ...` only: add a line above it
        first = sqlalchemy_imports[0]
        code = model.module.code_for_node(first)
        return name, ((first, f"from sqlalchemy import {name}\n{code}"),)
    return None


def _with_name(node: cst.ImportFrom, name: str) -> cst.ImportFrom:
    names = list(node.names)
    last = names[-1]
    trailing = last.comma
    if isinstance(trailing, cst.Comma):  # `(a, b,)`: keep the trailing comma after the new name
        names.append(cst.ImportAlias(name=cst.Name(name), comma=trailing))
        names[-2] = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
    else:
        names[-1] = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        names.append(cst.ImportAlias(name=cst.Name(name)))
    return node.with_changes(names=names)


# -- applying edits --------------------------------------------------------------------------------


@dataclass
class FixResult:
    source: str
    fixed: list[Finding]  # findings whose fix was applied
    error: str | None = None  # why fixing stopped early (a fix that would not parse)


def _offsets(source: str) -> list[int]:
    """Where each line starts, lines numbered as Python (and so the findings) number them."""
    starts = [0]
    for line in python_lines(source):
        starts.append(starts[-1] + len(line))
    return starts


_FIRST_NEWLINE = re.compile(r"\r\n|\r|\n")
_BARE_LF = re.compile(r"(?<!\r)\n")


def newline_of(source: str) -> str:
    """The file's newline: its first line end, as libcst takes it (default "\n")."""
    found = _FIRST_NEWLINE.search(source)
    return found.group() if found else "\n"


def apply_edits(source: str, findings: Sequence[Finding]) -> tuple[str, list[Finding]]:
    """Apply the fixes of `findings` that do not overlap one another (first come, first
    served); the others wait for the next round. Returns the new text and the findings fixed.
    A line a fix inserts ends with the file's own newline (fixes write "\n")."""
    starts = _offsets(source)
    newline = newline_of(source)

    def in_file_newlines(content: str) -> str:
        return content if newline == "\n" else _BARE_LF.sub(newline, content)

    def offset(line: int, column: int) -> int:
        return starts[line - 1] + column - 1

    taken: list[tuple[int, int]] = []
    chosen: list[tuple[int, int, str]] = []
    applied: list[Finding] = []
    for finding in findings:
        edits = [
            (
                offset(e["line"], e["column"]), offset(e["end_line"], e["end_column"]),
                in_file_newlines(e["content"]),
            )
            for e in finding.fix["edits"]
        ]
        if any(s < te and ts < e or s == e == ts for s, e, _ in edits for ts, te in taken):
            continue
        taken += [(s, e) for s, e, _ in edits]
        chosen += edits
        applied.append(finding)
    for start, end, content in sorted(chosen, reverse=True):
        source = source[:start] + content + source[end:]
    return source, applied


def parses(source: str) -> bool:
    from ormlint.syntax import parse_python

    try:
        parse_python(source)
    except SyntaxError:
        try:  # syntax newer than this interpreter: libcst's verdict
            cst.parse_module(source)
        except Exception:
            return False
    except Exception:
        return False
    return True


def fix_source(
    source: str,
    analyse: Callable[[str], list[Finding]],
    unsafe: bool = False,
) -> FixResult:
    """Apply fixes round after round until none is left (bounded); a round whose result would
    not parse is dropped and ends fixing."""
    fixed: list[Finding] = []
    current = source
    for _ in range(MAX_ROUNDS):
        fixable = [
            f for f in analyse(current)
            if f.fix and (unsafe or f.fix["applicability"] == "safe")
        ]
        if not fixable:
            break
        candidate, applied = apply_edits(current, fixable)
        if candidate == current:
            break
        if not parses(candidate):
            codes = ", ".join(sorted({f.code for f in applied}))
            return FixResult(current, fixed, f"a fix for {codes} would not parse; not applied")
        fixed += applied
        current = candidate
    return FixResult(current, fixed)


def unified_diff(path: str, before: str, after: str) -> str:
    return "".join(
        difflib.unified_diff(
            python_lines(before), python_lines(after),
            fromfile=f"a/{path}", tofile=f"b/{path}",
        )
    )


def write_atomically(path: Path, new_text: str, original: bytes, encoding: str) -> bool:
    """Replace the file's content, keeping its permissions, unless it changed since it was read
    (`original`). A temp file beside it is renamed over it, so a crash leaves either version."""
    try:
        if path.read_bytes() != original:
            return False
        mode = path.stat().st_mode
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".ormlint")
        try:
            with os.fdopen(fd, "w", encoding=encoding, newline="") as handle:
                handle.write(new_text)
            os.chmod(temp, mode & 0o7777)
            os.replace(temp, path)
        except BaseException:
            if os.path.exists(temp):
                os.unlink(temp)
            raise
    except OSError:
        return False
    return True



@dataclass
class FileFix:
    display: str
    before: str
    after: str
    fixed: list[Finding]
    written: bool = False
    error: str | None = None


def fix_paths(paths: Sequence[Path], settings, unsafe: bool, write: bool) -> list[FileFix]:
    """Fix every checked file that has fixable findings; write the result when `write`."""
    from ormlint.engine import check_source, decode, discover, may_contain_models, read_file

    results: list[FileFix] = []
    for path, display in discover(paths, settings):
        data = read_file(path)
        if isinstance(data, OSError):
            continue
        try:
            source = decode(data)
        except (SyntaxError, UnicodeDecodeError, LookupError):
            continue
        if not may_contain_models(source):
            continue
        result = fix_source(
            source, lambda text: check_source(text, display, settings, path), unsafe
        )
        if result.source == source and result.error is None:
            continue
        outcome = FileFix(display, source, result.source, result.fixed, error=result.error)
        if write and result.source != source:
            outcome.written = write_atomically(path, result.source, data, _encoding(data))
            if not outcome.written:
                outcome.error = "the file changed on disk while it was being fixed; left alone"
        results.append(outcome)
    return results


def _encoding(data: bytes) -> str:
    import io
    import tokenize

    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return "utf-8" if encoding == "utf-8-sig" and not data.startswith(b"\xef\xbb\xbf") else encoding


def without_argument(model: FileModel, call: cst.Call, arg: cst.Arg) -> tuple[cst.CSTNode, str] | None:
    """Replace `call` by itself without `arg` (`Column(String, index=True)` -> `Column(String)`)."""
    args = list(call.args)
    if arg not in args:
        return None
    position = args.index(arg)
    del args[position]
    if args and position == len(args):  # removed the last: the new last keeps its comma style
        args[-1] = args[-1].with_changes(comma=arg.comma)
    return call, model.module.code_for_node(call.with_changes(args=args))


def typing_name(model: FileModel, name: str) -> str | None:
    """How the module refers to `typing.<name>`, if it imports it."""
    for local, qualified in model.imports.aliases.items():
        if qualified in (f"typing.{name}", f"typing_extensions.{name}"):
            return local
    for local, qualified in model.imports.aliases.items():
        if qualified == "typing":
            return f"{local}.{name}"
    return None
