"""The database an Alembic environment runs on, inferred from alembic.ini / env.py where they
name it literally (ormlint.migrations.dialect), and the migration rules that follow it."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from ormlint.migrations.dialect import environment_dialect, url_dialect
from tests.helpers import lint_project

_INI = "[alembic]\nscript_location = %(here)s/migrations\n"


def _dialect(tmp_path: Path, ini: str | None, env: str | None, files: dict[str, str] | None = None) -> str | None:
    (tmp_path / ".git").mkdir(exist_ok=True)  # the repository's top: module look-ups stop here
    for name, text in {**(files or {})}.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(textwrap.dedent(text))
    ini_path = env_path = None
    if ini is not None:
        ini_path = tmp_path / "alembic.ini"
        ini_path.write_text(ini)
    if env is not None:
        env_path = tmp_path / "migrations" / "env.py"
        env_path.parent.mkdir(parents=True, exist_ok=True)
        env_path.write_text(textwrap.dedent(env))
    return environment_dialect(ini_path, env_path)


@pytest.mark.parametrize(("url", "dialect"), [
    ("postgresql://u:p@db/app", "postgresql"),
    ("postgresql+asyncpg://u@db/app", "postgresql"),
    ("postgres://u@db/app", "postgresql"),
    ("mysql+pymysql://u@db/app", "mysql"),
    ("mariadb://u@db/app", "mysql"),
    ("sqlite:///app.db", "sqlite"),
    ("mssql+pyodbc://u@dsn", "mssql"),
    ("driver://user:pass@localhost/dbname", None),  # alembic.ini's template
    ("%(DB_URL)s", None),
    ("${DATABASE_URL}", None),
    ("", None),
])
def test_url_dialect(url, dialect):
    assert url_dialect(url) == dialect


def test_alembic_ini_url(tmp_path):
    ini = _INI + "sqlalchemy.url = mysql+pymysql://app@localhost/app\n"
    assert _dialect(tmp_path, ini, None) == "mysql"


def test_alembic_ini_interpolated_url_is_unknown(tmp_path):
    ini = _INI + "sqlalchemy.url = %(DB_URL)s\n"
    assert _dialect(tmp_path, ini, None) is None


def test_env_py_create_engine_literal(tmp_path):
    env = """
        from sqlalchemy import create_engine
        from alembic import context

        connectable = create_engine("sqlite:///app.db")
    """
    assert _dialect(tmp_path, _INI, env) == "sqlite"


def test_env_py_configure_url_and_dialect_name(tmp_path):
    env = """
        from alembic import context

        DATABASE_URL = "mysql+pymysql://app@db/app"
        context.configure(url=DATABASE_URL, literal_binds=True)
    """
    assert _dialect(tmp_path, _INI, env) == "mysql"
    assert _dialect(tmp_path, _INI, 'from alembic import context\ncontext.configure(dialect_name="sqlite")\n') == "sqlite"


def test_env_py_set_main_option_literal_overrides_the_ini(tmp_path):
    ini = _INI + "sqlalchemy.url = postgresql://app@db/app\n"
    env = 'from alembic import context\nconfig = context.config\nconfig.set_main_option("sqlalchemy.url", "sqlite:///app.db")\n'
    assert _dialect(tmp_path, ini, env) == "sqlite"


def test_env_py_url_template_with_a_literal_scheme(tmp_path):
    env = """
        import os
        from sqlalchemy import create_engine

        engine = create_engine(f"postgresql+psycopg://{os.environ['USER']}@db/app")
    """
    assert _dialect(tmp_path, None, env) == "postgresql"


def test_env_py_url_from_a_project_function(tmp_path):
    files = {"app/__init__.py": "", "app/utils.py": """
        def get_db_url():
            return "sqlite:///{}/app.db".format(root())
    """}
    env = """
        from alembic import context
        from app.utils import get_db_url

        context.configure(url=get_db_url(), literal_binds=True)
    """
    assert _dialect(tmp_path, _INI, env, files) == "sqlite"


def test_env_py_reading_the_ini_keeps_the_ini_url(tmp_path):
    ini = _INI + "sqlalchemy.url = postgresql://app@db/app\n"
    env = """
        from alembic import context
        from sqlalchemy import engine_from_config

        def run_migrations_offline():
            url = config.get_main_option("sqlalchemy.url")
            context.configure(url=url)

        def run_migrations_online():
            connectable = engine_from_config(config.get_section(config.config_ini_section))
    """
    assert _dialect(tmp_path, ini, env) == "postgresql"


@pytest.mark.parametrize("env", [
    # the URL comes from the environment or the application: unknown, whatever the ini says
    'import os\nconfig.set_main_option("sqlalchemy.url", os.environ["DATABASE_URL"])\n',
    'import os\nfrom sqlalchemy import create_engine\nengine = create_engine(os.getenv("DB", "sqlite://"))\n',
    "from app.settings import settings\ncontext.configure(url=settings.DATABASE_URL)\n",
    # two databases named: unknown
    'from sqlalchemy import create_engine\na = create_engine("sqlite://")\nb = create_engine("postgresql://h/db")\n',
    "def broken(:\n",
])
def test_computed_or_conflicting_urls_are_unknown(tmp_path, env):
    ini = _INI + "sqlalchemy.url = postgresql://app@db/app\n"
    assert _dialect(tmp_path, ini, env) is None


def _revision(rid: str, down: str | None, body: str) -> str:
    down_text = f'"{down}"' if down else "None"
    return (
        "import sqlalchemy as sa\nfrom alembic import op\n\n"
        f'revision = "{rid}"\ndown_revision = {down_text}\n\n\ndef upgrade():\n'
        + textwrap.indent(textwrap.dedent(body).strip("\n"), "    ") + "\n"
    )


def _history(url: str | None, pyproject: str = "[tool.ormlint]\n") -> dict[str, str]:
    return {
        "pyproject.toml": pyproject,
        "alembic.ini": _INI + (f"sqlalchemy.url = {url}\n" if url else ""),
        "migrations/versions/0001_init.py": _revision("0001", None, """
            op.create_table("invoices", sa.Column("id", sa.Integer(), primary_key=True),
                            sa.Column("customer_id", sa.Integer()))
        """),
        "migrations/versions/0002_head.py": _revision("0002", "0001", """
            op.create_foreign_key("fk", "invoices", "invoices", ["customer_id"], ["id"])
        """),
    }


@pytest.mark.parametrize(("url", "pyproject", "codes"), [
    # a PostgreSQL-only rule on a PostgreSQL project (named, or unknown: PostgreSQL)
    ("postgresql://app@db/app", "[tool.ormlint]\n", ["ORM722"]),
    (None, "[tool.ormlint]\n", ["ORM722"]),
    ("%(DB_URL)s", "[tool.ormlint]\n", ["ORM722"]),
    # MySQL and SQLite projects: no PostgreSQL verdict; SQLite's own rule instead
    ("mysql+pymysql://app@db/app", "[tool.ormlint]\n", []),
    ("sqlite:///app.db", "[tool.ormlint]\n", ["ORM730"]),
    # a configured target-dialect wins over the URL
    ("sqlite:///app.db", '[tool.ormlint]\ntarget-dialect = "postgresql"\n', ["ORM722"]),
])
def test_the_safety_rules_follow_the_inferred_dialect(tmp_path, url, pyproject, codes):
    findings = lint_project(_history(url, pyproject), tmp_path)
    assert [code for _, _, code in findings if code.startswith("ORM7")] == codes


def test_the_replay_takes_the_inferred_dialects_branch(tmp_path):
    files = _history("sqlite:///app.db")
    files["migrations/versions/0002_head.py"] = _revision("0002", "0001", """
        if op.get_bind().dialect.name == "sqlite":
            return
        op.create_foreign_key("fk", "invoices", "invoices", ["customer_id"], ["id"])
    """)
    assert lint_project(files, tmp_path) == []


def test_a_cached_run_sees_the_url_change_in_alembic_ini(tmp_path):
    from ormlint.config import load_settings
    from ormlint.engine import run

    project = tmp_path / "project"
    lint_project(_history("postgresql://app@db/app"), project)  # writes the files

    def codes() -> list[str]:
        result = run([project], load_settings([project]), jobs=1, cache_dir=tmp_path / "cache")
        return [f.code for f in result.findings if f.code.startswith("ORM7")]

    assert codes() == ["ORM722"]
    (project / "alembic.ini").write_text(_INI + "sqlalchemy.url = mysql+pymysql://app@db/app\n")
    assert codes() == []


@pytest.mark.parametrize(("imports", "url", "codes"), [
    # autogenerate imported MySQL's types: the history was written against MySQL
    (["from sqlalchemy.dialects import mysql"], None, []),
    (["from sqlalchemy.dialects.mysql import VARCHAR"], None, []),
    (["from sqlalchemy.dialects import sqlite"], None, ["ORM730"]),
    (["from sqlalchemy.dialects import postgresql"], None, ["ORM722"]),
    # two databases' types: unknown, PostgreSQL
    (["from sqlalchemy.dialects import mysql", "from sqlalchemy.dialects import sqlite"], None, ["ORM722"]),
    # a literal URL wins over the revisions
    (["from sqlalchemy.dialects import mysql"], "postgresql://app@db/app", ["ORM722"]),
])
def test_the_revisions_own_database_types_name_the_dialect(tmp_path, imports, url, codes):
    files = _history(url)
    first = files["migrations/versions/0001_init.py"]
    files["migrations/versions/0001_init.py"] = first.replace(
        "from alembic import op\n", "from alembic import op\n" + imports[0] + "\n"
    )
    if len(imports) > 1:
        files["migrations/versions/0002_head.py"] = files["migrations/versions/0002_head.py"].replace(
            "from alembic import op\n", "from alembic import op\n" + imports[1] + "\n"
        )
    findings = lint_project(files, tmp_path)
    assert [code for _, _, code in findings if code.startswith("ORM7")] == codes
