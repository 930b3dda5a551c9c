"""Oracles for the migration rules' own examples (ORM701-ORM709), run with real Alembic.

Each ORM701-708 invalid example is a project (models.py, alembic.ini, migrations/): its
migrations are run to head on SQLite and Alembic's `compare_metadata` must report exactly the
drift the rule's marker says, in the same keys ormlint uses; each valid example must compare
clean. ORM709's examples go through Alembic's ScriptDirectory: two heads make `upgrade head`
fail, the merge revision makes it work. (tests/test_drift_oracle.py does the same for bigger
fixtures, and on PostgreSQL.)
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from ormlint.engine import drift_for_project
from ormlint.rules import RULES
from ormlint.rules.base import example_files, strip_markers

pytest.importorskip("alembic")

from tests.test_drift_oracle import alembic_diffs, alembic_keys, run_migrations  # noqa: E402

DRIFT_CODES = [f"ORM70{n}" for n in range(1, 9)]


def _write(tmp_path: Path, source: str) -> Path:
    files = example_files(source)
    assert files is not None
    for name, text in files.items():
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(strip_markers(textwrap.dedent(text)))
    (tmp_path / "pyproject.toml").write_text("[tool.ormlint]\n")
    return tmp_path


def _alembic_keys(project: Path) -> set:
    url = f"sqlite:///{project / 'oracle.db'}"
    run_migrations(project, url, "head")
    return alembic_keys(alembic_diffs(project, url))


@pytest.mark.parametrize("code", DRIFT_CODES)
def test_invalid_example_is_the_drift_alembic_reports(code, tmp_path):
    project = _write(tmp_path, RULES[code].invalid[0])
    found = _alembic_keys(project)
    assert found, f"Alembic sees no drift in {code}'s invalid example"
    assert {key[0] for key in found} == {code}
    ours = {(d.code, d.table, d.columns) for d in drift_for_project(project)}
    assert ours == found


@pytest.mark.parametrize("code", DRIFT_CODES)
def test_valid_example_compares_clean_with_alembic(code, tmp_path):
    project = _write(tmp_path, RULES[code].valid[0])
    assert _alembic_keys(project) == set()
    assert drift_for_project(project) == []


def _upgrade_head(project: Path) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config(str(project / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", f"sqlite:///{project / 'oracle.db'}")
    command.upgrade(config, "head")


def test_orm709_two_heads_make_alembic_refuse_to_upgrade(tmp_path):
    from alembic.util import CommandError

    project = _write(tmp_path, RULES["ORM709"].invalid[0])
    (project / "migrations" / "env.py").write_text(_ENV)
    with pytest.raises(CommandError, match="Multiple head revisions are present"):
        _upgrade_head(project)


def test_orm709_merge_revision_lets_alembic_upgrade(tmp_path):
    project = _write(tmp_path, RULES["ORM709"].valid[0])
    (project / "migrations" / "env.py").write_text(_ENV)
    _upgrade_head(project)  # no error


def test_orm709_broken_down_revision_stops_alembic(tmp_path):
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    project = _write(tmp_path, RULES["ORM709"].valid[0])
    broken = project / "migrations" / "versions" / "0003_add_phone.py"
    broken.write_text(broken.read_text().replace('down_revision = "0001"', 'down_revision = "0x01"'))
    script = ScriptDirectory.from_config(Config(str(project / "alembic.ini")))
    with pytest.warns(UserWarning, match="Revision 0x01 referenced from .* is not present"):
        with pytest.raises(Exception, match="0x01"):
            list(script.walk_revisions())
    from tests.helpers import lint_project

    findings = lint_project({}, project)
    assert ("migrations/versions/0003_add_phone.py", 1, "ORM709") in findings


# The examples have no env.py (ORM709 needs none); Alembic's command API runs one.
_ENV = """\
from alembic import context
from sqlalchemy import create_engine

config = context.config
engine = create_engine(config.get_main_option("sqlalchemy.url"))
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=None)
    with context.begin_transaction():
        context.run_migrations()
"""


def test_orm710_target_metadata_none_stops_autogenerate(tmp_path):
    from alembic import command
    from alembic.config import Config
    from alembic.util import CommandError

    project = _write(tmp_path, RULES["ORM710"].invalid[0])
    (project / "migrations" / "env.py").write_text(_ENV)  # target_metadata=None, as the rule says
    (project / "migrations" / "script.py.mako").write_text("")
    config = Config(str(project / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", f"sqlite:///{project / 'oracle.db'}")
    command.upgrade(config, "head")
    with pytest.raises(CommandError, match="does not provide a MetaData object"):
        command.revision(config, autogenerate=True, message="x")


def test_orm710_metadata_without_the_model_module_proposes_dropping_its_table(tmp_path, monkeypatch):
    import importlib
    import sys

    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import create_engine

    project = _write(tmp_path, RULES["ORM710"].invalid[0])
    url = f"sqlite:///{project / 'oracle.db'}"
    run_migrations(project, url, "head")
    monkeypatch.syspath_prepend(str(project))
    for name in [m for m in sys.modules if m == "app" or m.startswith("app.")]:
        monkeypatch.delitem(sys.modules, name)
    base = importlib.import_module("app.base")  # what env.py imports, and nothing more
    try:
        with create_engine(url).connect() as connection:
            diffs = compare_metadata(MigrationContext.configure(connection), base.Base.metadata)
        assert [(d[0], d[1].name) for d in diffs] == [("remove_table", "author")]
        importlib.import_module("app.models")  # the valid example's import registers the table
        with create_engine(url).connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection), base.Base.metadata) == []
    finally:
        for name in [m for m in sys.modules if m == "app" or m.startswith("app.")]:
            del sys.modules[name]
