"""The rule framework: a rule is one small class with its code, docs, examples and a check."""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from typing import ClassVar, Iterator

import libcst as cst

from ormlint.model.types import FileModel
from ormlint.project import Location, ProjectIndex

# An invalid example marks each line a rule must report with a trailing `# ORM101` comment.
EXPECT_MARKER = re.compile(r"\s*# (ORM\d{3})\s*$")


@dataclass(frozen=True)
class Fix:
    """A rewrite of the reported code: each node is replaced by source text. `safe` fixes keep
    the program's meaning apart from the bug; `unsafe` ones may change behaviour (applied only
    with --unsafe-fixes). `imports`: (module, name) pairs the replacement text refers to by the
    local names given in it; the engine checks they resolve and adds missing imports."""

    message: str
    replacements: tuple[tuple[cst.CSTNode, str], ...]
    applicability: str = "safe"  # or "unsafe"


@dataclass(frozen=True)
class Violation:
    """What a rule found: the node it is about, the finished message and maybe a fix."""

    code: str
    node: cst.CSTNode
    message: str
    fix: Fix | None = None


@dataclass(frozen=True)
class ProjectViolation:
    """What a project rule found: a place in some file of the project."""

    code: str
    path: str
    location: Location
    message: str


from ormlint.codes import DIALECTS, RuleOptions  # noqa: E402,F401  (re-exported)


class Rule:
    scope: ClassVar[str] = "file"  # "project": reads the ProjectIndex of all files
    code: ClassVar[str]
    name: ClassVar[str]  # kebab-case, e.g. "relationship-argument-is-builtin"
    summary: ClassVar[str]  # one line for `ormlint rules`
    message: ClassVar[str]  # str.format template: what is wrong and what to write instead
    what_it_does: ClassVar[str]
    why_bad: ClassVar[str]
    fix_safety: ClassVar[str] = "No automatic fix yet."
    references: ClassVar[tuple[str, ...]] = ()
    # Runnable examples: the first invalid and valid ones are the docs' Example and Use instead.
    invalid: ClassVar[tuple[str, ...]]
    valid: ClassVar[tuple[str, ...]]
    default_enabled: ClassVar[bool] = True
    # Function bodies the rule reads beyond model code: the narrowed parse keeps those whose
    # text matches (declared in ormlint.codes.BODY_PATTERNS, which a cached run reads).
    reads_bodies_matching: ClassVar[re.Pattern[str] | None] = None

    def __init__(self, options: RuleOptions | None = None) -> None:
        self.options = options or RuleOptions()

    def check(self, model: FileModel) -> Iterator[Violation]:
        raise NotImplementedError

    def violation(self, node: cst.CSTNode, autofix: Fix | None = None, **fields: object) -> Violation:
        return Violation(self.code, node, self.message.format(**fields), autofix)


    @classmethod
    def docs(cls) -> str:
        """The rule's page, in the layout of ruff's rule docs."""
        parts = [
            f"# {cls.name} ({cls.code})",
            "",
            "## What it does",
            paragraph(cls.what_it_does),
            "",
            "## Why is this bad?",
            paragraph(cls.why_bad),
            "",
            "## Example",
            "```python",
            strip_markers(cls.invalid[0]).rstrip(),
            "```",
            "",
            "Use instead:",
            "```python",
            cls.valid[0].rstrip(),
            "```",
            "",
            "## Fix safety",
            paragraph(cls.fix_safety),
        ]
        if cls.references:
            parts += ["", "## References"] + [f"- {ref}" for ref in cls.references]
        return "\n".join(parts) + "\n"


class ProjectRule(Rule):
    """A rule over the whole project's index (other files' classes, tables, relationships).
    When only part of a project is checked, "not found" verdicts are not given."""

    scope = "project"
    # Every finding lies in a migration file (a revision, env.py): a run that reports other
    # files only (a model file checked alone) need not run the rule.
    located_in_migrations = False

    def check(self, model: FileModel) -> Iterator[Violation]:
        return iter(())

    def check_project(self, index: ProjectIndex) -> Iterator[ProjectViolation]:
        raise NotImplementedError

    def project_violation(self, path: str, location: Location, **fields: object) -> ProjectViolation:
        return ProjectViolation(self.code, path, location, self.message.format(**fields))


def paragraph(text: str) -> str:
    return textwrap.dedent(text).strip()


def example(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def strip_markers(source: str) -> str:
    return "\n".join(EXPECT_MARKER.sub("", line) for line in source.splitlines()) + "\n"


# A multi-file example (a project with models and migrations) starts each file with this line.
FILE_HEADER = re.compile(r"^# file: (\S+)\s*$", re.MULTILINE)


def example_files(source: str) -> dict[str, str] | None:
    """The files of a multi-file example by path; None for a one-file example."""
    parts = FILE_HEADER.split(source)
    if len(parts) < 3:
        return None
    return {parts[i]: parts[i + 1].lstrip("\n") for i in range(1, len(parts) - 1, 2)}


def python_sources(source: str) -> list[str]:
    """The Python modules of an example: itself, or the `.py` files of a multi-file one."""
    files = example_files(source)
    if files is None:
        return [source]
    return [text for path, text in files.items() if path.endswith(".py")]


def expected_lines(source: str, code: str) -> list[int]:
    return [
        number
        for number, line in enumerate(source.splitlines(), start=1)
        if (m := EXPECT_MARKER.search(line)) and m.group(1) == code
    ]
