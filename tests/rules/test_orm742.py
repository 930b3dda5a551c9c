"""ORM742 lock-without-timeout (issue 16, rule 11, opt-in): the first lock a revision takes on
an existing table with no lock_timeout set."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import project_findings
from tests.rules.test_orm72x import _INI
from tests.rules.test_orm736_737 import _revision

_FIRST = """
    op.create_table("invoices", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("n", sa.Integer()))
"""


def _orm742(tmp_path, upgrade: str, env: str | None = None) -> list[int]:
    files = {"alembic.ini": _INI, "pyproject.toml": "[tool.ormlint]\n"}
    files["migrations/versions/0001_r.py"] = _revision("0001", None, _FIRST)
    files["migrations/versions/0002_r.py"] = _revision("0002", "0001", upgrade)
    if env is not None:
        files["migrations/env.py"] = env
    found = project_findings(files, tmp_path, extend_select=("ORM742",))
    return [f.line for path, f in found if f.code == "ORM742" and Path(path).name == "0002_r.py"]


@pytest.mark.parametrize("operation", [
    'op.add_column("invoices", sa.Column("note", sa.Text()))',
    'op.alter_column("invoices", "n", nullable=False)',
    'op.create_index("ix_n", "invoices", ["n"])',
    'op.rename_table("invoices", "bills")',
    'op.execute("ALTER TABLE invoices ADD COLUMN note text")',
])
def test_the_first_lock_on_an_existing_table(tmp_path, operation):
    assert _orm742(tmp_path, operation) == [10]


def test_one_finding_per_revision(tmp_path):
    assert _orm742(tmp_path, """
        op.add_column("invoices", sa.Column("note", sa.Text()))
        op.create_index("ix_n", "invoices", ["n"])
    """) == [10]


@pytest.mark.parametrize(("upgrade", "env"), [
    ("op.execute(\"SET LOCAL lock_timeout = '5s'\")\nop.add_column(\"invoices\", sa.Column(\"note\", sa.Text()))", None),
    ('op.add_column("invoices", sa.Column("note", sa.Text()))',
     'connectable.execute(text("SET lock_timeout = \'5s\'"))\n'),
    ('op.create_index("ix_n", "invoices", ["n"], postgresql_concurrently=True)', None),
    ('op.create_table("notes", sa.Column("id", sa.Integer()))\nop.create_index("ix", "notes", ["id"])', None),
])
def test_left_alone(tmp_path, upgrade, env):
    assert _orm742(tmp_path, upgrade, env) == []


def test_opt_in(tmp_path):
    from tests.helpers import lint_project

    files = {
        "alembic.ini": _INI, "pyproject.toml": "[tool.ormlint]\n",
        "migrations/versions/0001_r.py": _revision("0001", None, _FIRST),
        "migrations/versions/0002_r.py": _revision("0002", "0001", 'op.add_column("invoices", sa.Column("x", sa.Text()))'),
    }
    assert "ORM742" not in [code for _, _, code in lint_project(files, tmp_path)]
