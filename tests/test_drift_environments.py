"""Drift (ORM70x) and ORM709/ORM710 in a repository with several Alembic environments: services
that each have their own alembic.ini, env.py, versions/ and database, often sharing a library's
metadata (`SQLModel.metadata`). Each environment is judged with the models that are its own."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.helpers import lint_project

ALEMBIC_INI = "[alembic]\nscript_location = %(here)s/alembic\n"


def revision(upgrade: str, rev: str = "0001", down: str | None = None) -> str:
    body = textwrap.indent(textwrap.dedent(upgrade).strip(), "    ")
    return (
        "import sqlalchemy as sa\nfrom alembic import op\n\n"
        f"revision = {rev!r}\ndown_revision = {down!r}\n\n\ndef upgrade():\n{body}\n"
    )


def create_table(table: str, *columns: str) -> str:
    extra = "".join(f"    sa.Column({c!r}, sa.String(length=50), nullable=True),\n" for c in columns)
    return (
        f"op.create_table(\n    {table!r},\n    sa.Column('id', sa.Integer(), nullable=False),\n"
        f"{extra}    sa.PrimaryKeyConstraint('id'),\n)\n"
    )


def sqlmodel_service(package: str, tables: dict[str, str], env_imports: str | None = None) -> dict[str, str]:
    """A service of Open-Assistant's shape: `<service>/alembic.ini`, `<service>/alembic/env.py`
    giving autogenerate `sqlmodel.SQLModel.metadata`, one model module per table."""
    imports = env_imports if env_imports is not None else f"from {package} import models  # noqa: F401\n"
    files = {
        "alembic.ini": ALEMBIC_INI,
        "alembic/script.py.mako": "",
        "alembic/env.py": f"import sqlmodel\nfrom alembic import context\n{imports}\n"
        "target_metadata = sqlmodel.SQLModel.metadata\n",
        f"{package}/__init__.py": "",
        f"{package}/models/__init__.py": "".join(f"from .{m} import *  # noqa\n" for m in tables),
        "alembic/versions/0001_init.py": revision("".join(create_table(t) for t in tables.values())),
    }
    for module, table in tables.items():
        files[f"{package}/models/{module}.py"] = (
            "from sqlmodel import Field, SQLModel\n\n\n"
            f"class {module.title()}(SQLModel, table=True):\n"
            f"    __tablename__ = {table!r}\n"
            "    id: int = Field(primary_key=True)\n"
        )
    return files


def declarative_service(models: str, upgrade: str, env: str = "from app.models import Base\n") -> dict[str, str]:
    """A service with a declarative base of its own in `app/models.py` (every service names its
    package `app`, so `from app.models import Base` matches the files of each)."""
    return {
        "alembic.ini": ALEMBIC_INI,
        "alembic/env.py": f"{env}\ntarget_metadata = Base.metadata\n",
        "alembic/script.py.mako": "",
        "app/__init__.py": "",
        "app/models.py": (
            "from sqlalchemy import Column, Integer, String\n"
            "from sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n"
            + textwrap.dedent(models)
        ),
        "alembic/versions/0001_init.py": revision(upgrade),
    }


def under(directory: str, files: dict[str, str]) -> dict[str, str]:
    return {f"{directory}/{name}": source for name, source in files.items()}


def findings(tmp_path, files: dict[str, str]) -> list[tuple[str, str]]:
    found = lint_project(files, tmp_path)
    assert not [f for f in found if f[2] in ("ORM000", "ORM999")], found
    return sorted((path, code) for path, _, code in found if code.startswith("ORM7"))


def withheld(tmp_path) -> list[str]:
    from ormlint.config import load_settings
    from ormlint.drift import withheld as withheld_lines
    from ormlint.engine import run

    result = run([Path(tmp_path)], load_settings([Path(tmp_path)]), jobs=1, whole_project=True)
    return withheld_lines(result.index)


# -- ORM710: each env.py is asked only about the models under its own root --------------------


def test_services_sharing_sqlmodel_metadata_are_not_told_to_import_each_others_models(tmp_path):
    # Open-Assistant: backend/ and inference/server/ each migrate their own database
    files = {
        **under("backend", sqlmodel_service("backend_app", {"message": "message", "journal": "journal"})),
        **under("inference/server", sqlmodel_service("inference_app", {"chat": "chat"})),
    }
    assert findings(tmp_path, files) == []


def test_a_service_that_does_not_import_its_own_model_module_is_still_told(tmp_path):
    backend = sqlmodel_service("backend_app", {"message": "message", "journal": "journal"})
    backend["backend_app/models/__init__.py"] = "from .message import *  # noqa\n"
    files = {
        **under("backend", backend),
        **under("inference/server", sqlmodel_service("inference_app", {"chat": "chat"})),
    }
    found = lint_project(files, tmp_path)
    assert [(path, code) for path, _, code in found if code.startswith("ORM7")] == [
        ("backend/alembic/env.py", "ORM710"),
    ]
    assert [f for f in found if f[2] == "ORM701"] == []  # journal is migrated


# -- ORM701-ORM708: each environment's history against its own models -------------------------

SERVICE_A_MODELS = '''

class Order(Base):
    __tablename__ = "orders"
    id = Column(Integer, primary_key=True)
    note = Column(String(50))
'''

SERVICE_B_MODELS = '''

class Invoice(Base):
    __tablename__ = "invoices"
    id = Column(Integer, primary_key=True)
    note = Column(String(50))
'''


def test_each_environment_is_compared_with_the_models_its_env_py_imports(tmp_path):
    files = {
        **under("orders", declarative_service(SERVICE_A_MODELS, create_table("orders", "note"))),
        **under("billing", declarative_service(
            SERVICE_B_MODELS + "    total = Column(Integer)\n", create_table("invoices", "note"),
        )),
    }
    # billing's history lacks `total`; neither service's tables are missing from the other's
    assert findings(tmp_path, files) == [("billing/app/models.py", "ORM703")]


def test_environments_that_agree_with_their_models_get_no_finding(tmp_path):
    files = {
        **under("orders", declarative_service(SERVICE_A_MODELS, create_table("orders", "note"))),
        **under("billing", declarative_service(SERVICE_B_MODELS, create_table("invoices", "note"))),
    }
    assert findings(tmp_path, files) == []
    assert withheld(tmp_path) == []


DYNAMIC_ENV = "import importlib\n\nBase = importlib.import_module('app.models').Base\n"


def test_an_environment_whose_imports_cannot_be_followed_is_compared_with_the_models_under_its_root(tmp_path):
    files = {
        **under("orders", declarative_service(
            SERVICE_A_MODELS + "    total = Column(Integer)\n", create_table("orders", "note"), DYNAMIC_ENV,
        )),
        **under("billing", declarative_service(SERVICE_B_MODELS, create_table("invoices", "note"))),
    }
    assert findings(tmp_path, files) == [("orders/app/models.py", "ORM703")]


def test_environments_sharing_a_root_whose_imports_cannot_be_followed_are_not_judged(tmp_path):
    files = {
        "alembic.ini": "[alembic]\nscript_location = %(here)s/one\n",
        "one/env.py": DYNAMIC_ENV + "target_metadata = Base.metadata\n",
        "one/script.py.mako": "",
        "one/versions/0001_init.py": revision(create_table("orders", "note")),
        "two/env.py": DYNAMIC_ENV + "target_metadata = Base.metadata\n",
        "two/script.py.mako": "",
        "two/versions/0001_init.py": revision(create_table("invoices", "note")),
        "app/__init__.py": "",
        "app/models.py": (
            "from sqlalchemy import Column, Integer, String\n"
            "from sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n"
            + SERVICE_A_MODELS + "    total = Column(Integer)\n" + SERVICE_B_MODELS
        ),
    }
    assert findings(tmp_path, files) == []  # which models are whose: not known
    lines = withheld(tmp_path)
    assert len(lines) == 2 and all("other environments share its root" in line for line in lines), lines


# -- env.py choosing `version_locations` when it runs: one history per directory ---------------

DIALECT_ENV = '''
from pathlib import Path

from alembic import context

from app.models import Base

target_metadata = Base.metadata
HERE = Path(__file__).parent

if context.get_context().dialect.name == "sqlite":
    context.script.version_locations = [str(HERE / "versions" / "sqlite")]
else:
    context.script.version_locations = [str(HERE / "versions" / "postgresql")]
'''


def per_dialect_project(env: str = DIALECT_ENV, sqlite_revisions: dict[str, str] | None = None) -> dict[str, str]:
    """One environment with a history per dialect that reuse the same revision ids, and a model
    column (`total`) that neither history creates."""
    files = declarative_service(SERVICE_B_MODELS + "    total = Column(Integer)\n", "pass")
    del files["alembic/versions/0001_init.py"]
    files["alembic/env.py"] = env
    for dialect in ("sqlite", "postgresql"):
        files[f"alembic/versions/{dialect}/0001_init.py"] = revision(create_table("invoices", "note"))
        files[f"alembic/versions/{dialect}/0002_noop.py"] = revision("pass", "0002", "0001")
    files.update(sqlite_revisions or {})
    return files


def test_histories_env_py_chooses_per_dialect_reuse_ids_and_get_no_drift_verdict(tmp_path):
    assert findings(tmp_path, per_dialect_project()) == []  # no duplicate ids, no ORM701/ORM703
    lines = withheld(tmp_path)
    assert len(lines) == 2 and all("version_locations" in line for line in lines), lines
    assert {line.split(":")[0].rsplit("/", 1)[-1] for line in lines} == {"sqlite", "postgresql"}


def test_each_history_env_py_chooses_is_a_revision_graph_of_its_own(tmp_path):
    files = per_dialect_project(sqlite_revisions={
        "alembic/versions/sqlite/0003_fork.py": revision("pass", "0003", "0001"),
    })
    assert findings(tmp_path, files) == [
        ("alembic/versions/sqlite/0002_noop.py", "ORM709"),
        ("alembic/versions/sqlite/0003_fork.py", "ORM709"),
    ]


def test_version_locations_set_through_the_config_are_read(tmp_path):
    env = (
        "import os\n\nfrom alembic import context\n\nfrom app.models import Base\n\n"
        "target_metadata = Base.metadata\nconfig = context.config\n"
        "if config.get_main_option('dialect') == 'sqlite':\n"
        "    config.set_main_option('version_locations', os.path.join(os.path.dirname(__file__), 'versions', 'sqlite'))\n"
        "else:\n"
        "    config.set_main_option('version_locations', '%(here)s/alembic/versions/postgresql')\n"
    )
    files = per_dialect_project(env, {"alembic/versions/sqlite/0003_fork.py": revision("pass", "0003", "0001")})
    assert findings(tmp_path, files) == [
        ("alembic/versions/sqlite/0002_noop.py", "ORM709"),
        ("alembic/versions/sqlite/0003_fork.py", "ORM709"),
    ]


def test_computed_version_locations_make_each_directory_a_history_without_head_verdicts(tmp_path):
    # prefect: `context.script.version_locations = [db_interface.orm.versions_dir]`
    env = (
        "from alembic import context\n\nfrom app.models import Base\nfrom app import settings\n\n"
        "target_metadata = Base.metadata\n"
        "context.script.version_locations = [settings.versions_dir()]\n"
    )
    files = per_dialect_project(env, {
        "app/settings.py": "def versions_dir():\n    return None\n",
        "alembic/versions/sqlite/0003_fork.py": revision("pass", "0003", "0001"),
    })
    # which directories env.py reads together is not known: no head or link is judged
    assert findings(tmp_path, files) == []
    assert len(withheld(tmp_path)) == 2


# -- oracle: each service's own `alembic check` agrees --------------------------------------

REAL_ENV = '''
from alembic import context
from sqlalchemy import engine_from_config, pool

from app.models import Base

config = context.config
target_metadata = Base.metadata

engine = engine_from_config(
    config.get_section(config.config_ini_section), prefix="sqlalchemy.", poolclass=pool.NullPool
)
with engine.connect() as connection:
    context.configure(
        connection=connection, target_metadata=target_metadata,
        compare_type=True, compare_server_default=True,
    )
    with context.begin_transaction():
        context.run_migrations()
'''


def test_each_service_agrees_with_its_own_alembic_check(tmp_path):
    """Two services, each with a package named `app`: Alembic, run in each service as its
    developers run it, sees drift in billing only, and so does ormlint."""
    pytest.importorskip("alembic", reason="alembic is not installed: the Alembic oracle needs it")
    services = {
        "orders": declarative_service(SERVICE_A_MODELS, create_table("orders", "note"), REAL_ENV),
        "billing": declarative_service(
            SERVICE_B_MODELS + "    total = Column(Integer)\n", create_table("invoices", "note"), REAL_ENV,
        ),
    }
    files = {}
    for name, service in services.items():
        service["alembic.ini"] = (
            ALEMBIC_INI + "prepend_sys_path = .\nsqlalchemy.url = sqlite:///%(here)s/service.db\n"
        )
        service["alembic/env.py"] = REAL_ENV
        files.update(under(name, service))
    assert findings(tmp_path, files) == [("billing/app/models.py", "ORM703")]

    def alembic(service: str, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "alembic", *args], capture_output=True, text=True, timeout=120,
            cwd=tmp_path / service,
        )

    for service, drifts in (("orders", False), ("billing", True)):
        upgrade = alembic(service, "upgrade", "head")
        assert upgrade.returncode == 0, upgrade.stderr
        check = alembic(service, "check")
        output = check.stdout + check.stderr
        if drifts:
            assert check.returncode != 0 and "add_column" in output and "total" in output, output
        else:
            assert check.returncode == 0, output


# -- env.py filtering what autogenerate compares ---------------------------------------------

FILTERING_ENV = '''
from alembic import context

from app.models import Base

target_metadata = Base.metadata


def include_object(object, name, type_, reflected, compare_to):
    return not (type_ == "table" and object.schema == "core")


context.configure(target_metadata=target_metadata, include_object=include_object)
'''


def test_environments_splitting_one_metadata_with_include_object_call_no_table_missing(tmp_path):
    # dispatch: a core and a tenant environment import one Base, each filters out the other's
    # tables (by schema there), so neither's table is missing from the other's history
    models = declarative_service(SERVICE_A_MODELS + SERVICE_B_MODELS + "    total = Column(Integer)\n", "pass")
    files = {"app/__init__.py": "", "app/models.py": models["app/models.py"]}
    for name, table in (("core", "orders"), ("tenant", "invoices")):
        files[f"revisions/{name}/env.py"] = FILTERING_ENV
        files[f"revisions/{name}/script.py.mako"] = ""
        files[f"revisions/{name}/versions/0001_init.py"] = revision(create_table(table, "note"))
    # the columns of a table an environment creates are still compared
    assert findings(tmp_path, files) == [("app/models.py", "ORM703")]
    lines = withheld(tmp_path)
    assert len([line for line in lines if "include_object" in line]) == 2, lines


def test_version_locations_outside_the_project_are_not_read(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "0001_elsewhere.py").write_text(revision("pass"))
    env = DIALECT_ENV.replace('str(HERE / "versions" / "sqlite")', repr(str(outside))).replace(
        'str(HERE / "versions" / "postgresql")', '"../.."'
    )
    project = tmp_path / "project"
    findings(project, per_dialect_project(env))
    from ormlint.config import load_settings
    from ormlint.engine import run

    result = run([project], load_settings([project]), jobs=1, whole_project=True)
    versions = [v for d in result.index.migrations.directories for v in d.versions]
    assert versions and all(project in v.resolve().parents for v in versions), versions
