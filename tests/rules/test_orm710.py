"""ORM710: which model modules env.py's target_metadata can see."""

from __future__ import annotations

from ormlint.rules import RULES
from ormlint.rules.base import example_files
from tests.helpers import lint_project

PROJECT = example_files(RULES["ORM710"].invalid[0])
ENV = "migrations/env.py"


def _run(tmp_path, **changes):
    files = {**PROJECT, **changes}
    return [f for f in lint_project(files, tmp_path) if f[2] == "ORM710"]


def test_env_importing_only_the_base_misses_the_models(tmp_path):
    assert _run(tmp_path) == [(ENV, 3, "ORM710")]


def test_target_metadata_none_is_reported(tmp_path):
    assert _run(tmp_path, **{ENV: "target_metadata = None\n"}) == [(ENV, 1, "ORM710")]


def test_no_metadata_is_right_for_a_project_without_models(tmp_path):
    # Hand-written migrations and raw SQL: Alembic's template default `target_metadata = None`
    # is all there is to give, and no migrated table is "not mapped".
    files = {
        "alembic.ini": "[alembic]\nscript_location = %(here)s/migrations\n",
        "migrations/env.py": "from alembic import context\n\ntarget_metadata = None\n",
        "migrations/versions/0001_items.py": (
            "import sqlalchemy as sa\nfrom alembic import op\n\n"
            "revision = '0001'\ndown_revision = None\n\n\n"
            "def upgrade():\n    op.create_table('item', sa.Column('id', sa.Integer(), primary_key=True))\n"
        ),
        "app/queries.py": "import sqlalchemy as sa\n\nITEMS = sa.text('select id from item')\n",
    }
    assert [f for f in lint_project(files, tmp_path) if f[2].startswith("ORM7")] == []


def test_the_base_package_importing_the_models_makes_them_visible(tmp_path):
    # env.py imports app.base; importing app.base runs app/__init__.py, which imports the models
    assert _run(tmp_path, **{"app/__init__.py": "from app import models  # noqa: F401\n"}) == []


def test_relative_import_chain_is_followed(tmp_path):
    changes = {
        "app/__init__.py": "from . import registry  # noqa: F401\n",
        "app/registry.py": "from .models import Author  # noqa: F401\n",
    }
    assert _run(tmp_path, **changes) == []


def test_computed_imports_make_it_silent(tmp_path):
    env = (
        "import importlib\n\nfrom app.base import Base\n\n"
        "importlib.import_module('app.models')\ntarget_metadata = Base.metadata\n"
    )
    assert _run(tmp_path, **{ENV: env}) == []


def test_a_computed_import_deep_in_an_imported_module_makes_it_silent(tmp_path):
    # Not a statement: the call sits in a function of a module on the chain, spelled as Python
    # reads it (NFKC), and the walk must still find it.
    loader = "import importlib\n\n\ndef load(name):\n    return [importlib.ｉmport_module(name)]\n"
    changes = {"app/__init__.py": "from app import loader  # noqa: F401\n", "app/loader.py": loader}
    assert _run(tmp_path, **changes) == []
    plain = {"app/__init__.py": "from app import loader  # noqa: F401\n", "app/loader.py": "X = 1\n"}
    assert _run(tmp_path, **plain) == [(ENV, 3, "ORM710")]


def test_an_unchecked_local_package_on_the_way_makes_it_silent(tmp_path):
    # env.py imports `bootstrap`, a package of the project that is excluded from the check: the
    # models may be imported there, so nothing certain can be said.
    from ormlint.config import load_settings
    from ormlint.engine import run

    env = "import bootstrap  # noqa: F401\nfrom app.base import Base\n\ntarget_metadata = Base.metadata\n"
    files = {**PROJECT, ENV: env, "bootstrap/__init__.py": "import app.models  # noqa: F401\n"}
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    (tmp_path / "pyproject.toml").write_text("[tool.ormlint]\nextend-exclude = [\"bootstrap\"]\n")
    result = run([tmp_path], load_settings([tmp_path]), jobs=1)
    assert [f for f in result.findings if f.code == "ORM710"] == []
    # and checked, the same project is fine because the chain is followed
    (tmp_path / "pyproject.toml").write_text("[tool.ormlint]\n")
    result = run([tmp_path], load_settings([tmp_path]), jobs=1)
    assert [f for f in result.findings if f.code == "ORM710"] == []


def test_a_function_returning_the_metadata_is_not_judged(tmp_path):
    env = "from app.base import Base\n\n\ndef meta():\n    return Base.metadata\n\n\ntarget_metadata = meta()\n"
    assert _run(tmp_path, **{ENV: env}) == []


def test_models_of_a_test_module_are_not_expected_in_the_metadata(tmp_path):
    # tests create their own tables (create_all); env.py need not import them
    visible = {"app/__init__.py": "from app import models  # noqa: F401\n"}
    test_models = (
        "from sqlalchemy.orm import Mapped, mapped_column\n\nfrom app.base import Base\n\n\n"
        "class Scratch(Base):\n    __tablename__ = 'scratch'\n    id: Mapped[int] = mapped_column(primary_key=True)\n"
    )
    assert _run(tmp_path, **visible, **{"tests/test_scratch.py": test_models}) == []
    assert _run(tmp_path, **visible, **{"app/scratch.py": test_models}) == [(ENV, 3, "ORM710")]


def test_flask_migrate_current_app_metadata_is_not_judged(tmp_path):
    # the app that runs the migrations has imported its models; env.py's imports do not matter
    files = {
        "app/__init__.py": "from flask_sqlalchemy import SQLAlchemy\n\ndb = SQLAlchemy()\n",
        "app/models.py": (
            "from app import db\n\n\nclass Author(db.Model):\n    __tablename__ = 'author'\n"
            "    id = db.Column(db.Integer, primary_key=True)\n"
        ),
        "alembic.ini": PROJECT["alembic.ini"],
        "migrations/versions/0001_init.py": PROJECT["migrations/versions/0001_init.py"],
    }
    env = (
        "from flask import current_app\n\n"
        "target_metadata = current_app.extensions['migrate'].db.metadata\n"
    )
    found = [f for f in lint_project({**files, ENV: env}, tmp_path) if f[2] == "ORM710"]
    assert found == []
    # the same models behind an env.py that imports only the handle are not seen
    env = "from app import db\n\ntarget_metadata = db.metadata\n"
    found = [f for f in lint_project({**files, ENV: env}, tmp_path) if f[2] == "ORM710"]
    assert found == [(ENV, 3, "ORM710")]
