"""`ormlint migrations revision`: a new revision file in the script directory, as `alembic
revision` writes it: a fresh id, `down_revision` the single head, the project's `script.py.mako`.

The template is filled in, never run: Mako would execute any Python the template holds (code of
the checked repository). Only the expressions of Alembic's own templates are substituted; a
template with anything else (`<% %>` blocks, `% for` lines, other expressions) is set aside for
the built-in one, with a warning.
"""

from __future__ import annotations

import datetime
import os
import re
import tempfile
import uuid
from pathlib import Path

from ormlint.migrations.autogenerate import Plan, render_operations

BUILT_IN_TEMPLATE = '''"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
${imports if imports else ""}

# revision identifiers, used by Alembic.
revision: str = ${repr(up_revision)}
down_revision: Union[str, Sequence[str], None] = ${repr(down_revision)}
branch_labels: Union[str, Sequence[str], None] = ${repr(branch_labels)}
depends_on: Union[str, Sequence[str], None] = ${repr(depends_on)}


def upgrade() -> None:
    ${upgrades if upgrades else "pass"}


def downgrade() -> None:
    ${downgrades if downgrades else "pass"}
'''

_EXPRESSION = re.compile(r"\$\{(.*?)\}")


class RevisionRefused(Exception):
    """Why no revision file was written (a usage error: exit 2)."""


def revision_text(plan: Plan, message: str, revision: str, down_revision: str | None,
                  template: str, now: datetime.datetime) -> str:
    values = {
        "message": message,
        "up_revision": revision,
        "down_revision | comma,n": down_revision or "",
        "create_date": str(now),
        'imports if imports else ""': "\n".join(sorted(plan.imports)),
        "repr(up_revision)": repr(revision),
        "repr(down_revision)": repr(down_revision),
        "repr(branch_labels)": "None",
        "repr(depends_on)": "None",
    }
    lines = []
    for line in template.splitlines(keepends=True):
        body = line.strip()
        if body in ('${upgrades if upgrades else "pass"}', '${downgrades if downgrades else "pass"}'):
            indent = line[: len(line) - len(line.lstrip())]
            operations = plan.upgrade if body.startswith("${upgrades") else plan.downgrade
            header = _header(plan) if body.startswith("${upgrades") else ""
            if header:
                lines.append("".join(indent + h + "\n" for h in header.splitlines()))
            lines.append(render_operations(operations, indent, plan.batch))
            continue
        lines.append(_EXPRESSION.sub(lambda m: values[m.group(1).strip()], line))
    return "".join(lines)


def _header(plan: Plan) -> str:
    """Comments at the top of upgrade(): what ormlint left alone, and what needs a hand."""
    notes = [_WRITTEN_BY]
    notes += [f"# left alone: {reason}" for reason in plan.left_alone]
    notes += [f"# TODO by hand: {reason}" for reason in plan.manual]
    notes += [f"# rewrite for safety: {reason}" for reason in plan.safety]
    notes += [f"# possible rename: {hint}" for hint in plan.hints]
    return "\n".join(notes)


_WRITTEN_BY = "# ### written by ormlint from the models and the migrations; please review ###"


def announce_safety(text: str, findings) -> str:
    """`text` whose `# rewrite for safety:` notes are those of the migration-safety rules'
    findings (code, message) on it: the rules judge the written operations themselves, so
    every finding is named, not only those the plan foresaw."""
    if _WRITTEN_BY not in text:
        return text
    lines = [line for line in text.splitlines(keepends=True) if not line.lstrip().startswith("# rewrite for safety: ")]
    text = "".join(lines)
    head, _, rest = text.partition(_WRITTEN_BY)
    indent = head[head.rfind("\n") + 1:]
    notes = dict.fromkeys(f"# rewrite for safety: {code}: {message}" for code, message in findings)
    return head + _WRITTEN_BY + "".join(f"\n{indent}{note}" for note in notes) + rest


def usable_template(text: str) -> bool:
    """Does the template hold only what `revision_text` fills in (nothing to run)?"""
    known = {
        "message", "up_revision", "down_revision | comma,n", "create_date", 'imports if imports else ""',
        "repr(up_revision)", "repr(down_revision)", "repr(branch_labels)", "repr(depends_on)",
        'upgrades if upgrades else "pass"', 'downgrades if downgrades else "pass"',
    }
    if "<%" in text or any(line.lstrip().startswith("%") and not line.lstrip().startswith("%%") for line in text.splitlines()):
        return False
    return all(m.group(1).strip() in known for m in _EXPRESSION.finditer(text))


def write_revision(plan: Plan, message: str, now: datetime.datetime | None = None) -> tuple[Path, list[str]]:
    """Write the revision file; returns its path and warnings. RevisionRefused says why not."""
    directory = plan.directory
    graph = directory.graph
    warnings: list[str] = []
    heads = sorted(graph.heads)
    if len(heads) > 1:
        raise RevisionRefused(
            f"the history has {len(heads)} heads ({', '.join(heads)}): merge them first "
            "(`alembic merge heads`), then generate the revision"
        )
    if not graph.complete:
        raise RevisionRefused("the revision graph is incomplete (a revision file could not be read)")
    if not plan.needed:
        raise RevisionRefused("the models need no migration: nothing to write")
    template = BUILT_IN_TEMPLATE
    mako = (directory.env.parent if directory.env is not None else directory.versions[0].parent) / "script.py.mako"
    if mako.is_file():
        text = mako.read_text(encoding="utf-8", errors="replace")
        if usable_template(text):
            template = text
        else:
            warnings.append(f"{mako} holds Mako code, which ormlint does not run: the built-in template was used")
    revision = uuid.uuid4().hex[-12:]
    slug = re.sub(r"[^a-z0-9]+", "_", message.lower()).strip("_")[:40].rstrip("_") or "revision"
    target = directory.versions[0] / f"{revision}_{slug}.py"
    text = revision_text(plan, message, revision, heads[0] if heads else None, template,
                         now or datetime.datetime.now())
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".ormlint-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.link(temp, target)  # fails if the name exists: never overwrite a revision
    finally:
        os.unlink(temp)
    return target, warnings
