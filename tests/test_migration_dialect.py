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


# -- env.py's URL followed into the project's modules (ormlint.migrations.project_urls) ----------


def test_a_class_attribute_in_an_fstring_two_imports_away(tmp_path):
    # aim's spelling: `f'{DB._DIALECT}:///{path}/...'`, DB imported from a module that env.py's
    # module imports
    files = {"app/__init__.py": "", "app/storage/__init__.py": "", "app/storage/db.py": """
        class DB:
            _DIALECT = 'sqlite'

            def __init__(self, path):
                self.db_url = self.get_db_url(path)

            @staticmethod
            def get_db_url(path):
                if not path:
                    raise RuntimeError("no path")
                return f'{DB._DIALECT}:///{path}/run.sqlite'
    """, "app/engines.py": """
        from app.storage.db import DB as Database
    """}
    env = """
        from sqlalchemy import create_engine
        from app.engines import Database

        def run_migrations_online():
            connectable = create_engine(Database.get_db_url(".aim"))
    """
    assert _dialect(tmp_path, _INI, env, files) == "sqlite"
    # the attribute `__init__` sets from the same method
    env_instance = "from sqlalchemy import create_engine\nfrom app.engines import Database\n" \
        'engine = create_engine(Database(".aim").db_url)\n'
    assert _dialect(tmp_path, _INI, env_instance, files) == "sqlite"


def test_a_settings_property_and_a_constant_re_exported(tmp_path):
    files = {"app/__init__.py": "", "app/settings.py": """
        class Settings:
            @property
            def database_url(self):
                template = "postgresql+asyncpg://{user}@{host}/app"
                return template.format(user=self.user, host=self.host)

        settings = Settings()
        MYSQL_URL = "mysql+pymysql://" + "app@db/app"
    """, "app/config.py": "from .settings import MYSQL_URL as DATABASE_URL\n"}
    env = """
        from alembic import context
        from app.settings import settings

        config = context.config
        config.set_main_option(name="sqlalchemy.url", value=settings.database_url)
    """
    assert _dialect(tmp_path, _INI, env, files) == "postgresql"
    env_constant = "from alembic import context\nfrom app.config import DATABASE_URL\n" \
        "context.configure(url=DATABASE_URL)\n"
    assert _dialect(tmp_path, _INI, env_constant, files) == "mysql"


@pytest.mark.parametrize("module", [
    # a field's default: pydantic settings and dataclasses take the value from the environment
    # or the caller
    'class Settings(BaseSettings):\n    url: str = "sqlite:///dev.db"\nsettings = Settings()\n',
    # a parameter
    'def make(scheme):\n    return f"{scheme}://h/db"\nclass Settings:\n    url = make("sqlite")\nsettings = Settings()\n',
    # a name bound twice
    'URL = "sqlite://"\nif PRODUCTION:\n    URL = "postgresql://h/db"\nclass Settings:\n    url = URL\nsettings = Settings()\n',
    # returns that disagree
    'class Settings:\n    @property\n    def url(self):\n        if self.prod:\n            return "postgresql://h/db"\n'
    '        return "sqlite://"\nsettings = Settings()\n',
    # an instance attribute set twice
    'class Settings:\n    def __init__(self):\n        self.url = "sqlite://"\n    def prod(self):\n'
    '        self.url = "postgresql://h/db"\nsettings = Settings()\n',
    # an import cycle
    "from app.settings import settings\n",
    # the environment
    'import os\nclass Settings:\n    url = os.environ.get("DB", "sqlite://")\nsettings = Settings()\n',
])
def test_values_the_code_does_not_fix_stay_unknown(tmp_path, module):
    files = {"app/__init__.py": "", "app/settings.py": module}
    env = "from alembic import context\nfrom app.settings import settings\ncontext.configure(url=settings.url)\n"
    assert _dialect(tmp_path, _INI + "sqlalchemy.url = postgresql://h/db\n", env, files) is None


def test_a_long_chain_of_names_is_not_followed_without_end(tmp_path):
    chain = "".join(f"URL{i} = URL{i + 1}\n" for i in range(100)) + 'URL100 = "sqlite://"\n'
    files = {"app/__init__.py": "", "app/urls.py": chain}
    env = "from alembic import context\nfrom app.urls import URL0\ncontext.configure(url=URL0)\n"
    assert _dialect(tmp_path, _INI, env, files) is None
    short = {"app/__init__.py": "", "app/urls.py": "URL0 = URL1\nURL1 = 'sqlite://'\n"}
    assert _dialect(tmp_path, _INI, env, short) == "sqlite"


def test_modules_outside_the_repository_are_not_read(tmp_path):
    (tmp_path / "outside.py").write_text('URL = "sqlite://"\n')
    repository = tmp_path / "repo"
    repository.mkdir()
    env = "from alembic import context\nfrom outside import URL\ncontext.configure(url=URL)\n"
    assert _dialect(repository, _INI, env) is None


# -- Flask-Migrate: the app's SQLALCHEMY_DATABASE_URI ----------------------------------------------

_FLASK_MIGRATE_ENV = """
    from alembic import context
    from flask import current_app

    config = context.config

    def get_engine():
        try:
            return current_app.extensions['migrate'].db.get_engine()
        except (TypeError, AttributeError):
            return current_app.extensions['migrate'].db.engine

    def get_engine_url():
        try:
            return get_engine().url.render_as_string(hide_password=False).replace('%', '%%')
        except AttributeError:
            return str(get_engine().url).replace('%', '%%')

    config.set_main_option('sqlalchemy.url', get_engine_url())
"""
_FLASK_CONFIG_ENV = """
    from alembic import context
    from flask import current_app

    config = context.config
    config.set_main_option('sqlalchemy.url', current_app.config.get('SQLALCHEMY_DATABASE_URI'))
"""
# Community-Pulse's spelling: a template in a settings property, handed to Flask in a dict
_SETTINGS = """
    class Settings:
        @property
        def database_url(self) -> str:
            url_template = "mysql+pymysql://{user}:{password}@{host}:{port}/{db}"
            return url_template.format(user=self.USER, password=self.PASSWORD, host=self.HOST,
                                       port=self.PORT, db=self.DB)

        def get_flask_config(self):
            return {"DEBUG": self.DEBUG, "SQLALCHEMY_DATABASE_URI": self.database_url}

    settings = Settings()
"""
_APP = """
    from flask import Flask
    from src.config import settings

    def create_app():
        app = Flask(__name__)
        app.config.update(settings.get_flask_config())
        if not app.config.get("SQLALCHEMY_DATABASE_URI") or "SQLALCHEMY_DATABASE_URI" not in app.config:
            raise RuntimeError(app.config["SQLALCHEMY_DATABASE_URI"])
        return app
"""


@pytest.mark.parametrize("env", [_FLASK_MIGRATE_ENV, _FLASK_CONFIG_ENV])
def test_flask_migrate_takes_the_apps_database(tmp_path, env):
    files = {"src/__init__.py": "", "src/config.py": _SETTINGS, "src/app.py": _APP}
    assert _dialect(tmp_path, None, env, files) == "mysql"


@pytest.mark.parametrize("spelling", [
    'class Config:\n    SQLALCHEMY_DATABASE_URI = "postgresql://app@db/app"\n',
    'app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg2://app@db/app"\n',
    'app.config.from_mapping(SQLALCHEMY_DATABASE_URI="postgresql://app@db/app")\n',
    'app.config.setdefault("SQLALCHEMY_DATABASE_URI", "postgresql://app@db/app")\n',
    'import os\nSQLALCHEMY_DATABASE_URI = f"postgresql://{os.environ[\'USER\']}@db/app"\n',
])
def test_flask_literal_uri_spellings(tmp_path, spelling):
    files = {"app/__init__.py": "", "app/config.py": spelling}
    assert _dialect(tmp_path, None, _FLASK_CONFIG_ENV, files) == "postgresql"


@pytest.mark.parametrize("files", [
    # a test configuration's SQLite beside production's MySQL: two databases
    {"app/config.py": 'class Prod:\n    SQLALCHEMY_DATABASE_URI = "mysql://app@db/app"\n',
     "tests/conftest.py": 'CONFIG = {"SQLALCHEMY_DATABASE_URI": "sqlite://"}\n'},
    # computed at run time
    {"app/config.py": 'import os\nSQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or "sqlite:///app.db"\n'},
    # set nowhere
    {"app/config.py": "DEBUG = True\n"},
    # other databases
    {"app/config.py": 'SQLALCHEMY_DATABASE_URI = "mysql://app@db/app"\nSQLALCHEMY_BINDS = {"logs": "sqlite://"}\n'},
    # configuration from outside the project's Python
    {"app/config.py": 'SQLALCHEMY_DATABASE_URI = "mysql://app@db/app"\n',
     "app/__init__.py": 'def create_app(app):\n    app.config.from_envvar("APP_SETTINGS")\n'},
    {"app/config.py": 'SQLALCHEMY_DATABASE_URI = "mysql://app@db/app"\n',
     "app/factory.py": "import os\ndef create_app(app):\n    app.config.update(os.environ)\n"},
    # the key set in a file other than Python (dynaconf's settings.toml, a .env)
    {"app/config.py": 'SQLALCHEMY_DATABASE_URI = "mysql://app@db/app"\n',
     "settings.toml": '[production]\nSQLALCHEMY_DATABASE_URI = "postgresql://h/db"\n'},
    # a spelling of the key that is neither a plain write nor a read
    {"app/config.py": 'SQLALCHEMY_DATABASE_URI = "mysql://app@db/app"\n',
     "tests/test_app.py": 'def test(monkeypatch, app):\n    monkeypatch.setitem(app.config, "SQLALCHEMY_DATABASE_URI", "sqlite://")\n'},
    # a field default (pydantic settings: the environment decides)
    {"app/config.py": 'class Settings(BaseSettings):\n    SQLALCHEMY_DATABASE_URI: str = "mysql://app@db/app"\n'},
])
def test_flask_uri_unknown_or_conflicting_is_unknown(tmp_path, files):
    assert _dialect(tmp_path, None, _FLASK_CONFIG_ENV, files) is None


def test_flask_get_default_counts_beside_the_config(tmp_path):
    env = _FLASK_CONFIG_ENV.replace(
        "get('SQLALCHEMY_DATABASE_URI')", "get('SQLALCHEMY_DATABASE_URI', 'postgresql://h/db')"
    )
    files = {"app/config.py": 'SQLALCHEMY_DATABASE_URI = "mysql://app@db/app"\n'}
    assert _dialect(tmp_path, None, env, files) is None
    files = {"app/config.py": 'SQLALCHEMY_DATABASE_URI = "postgresql://app@db/app"\n'}
    assert _dialect(tmp_path, None, env, files) == "postgresql"


def test_a_flask_migrate_mysql_project_gets_no_postgresql_verdict(tmp_path):
    # Community-Pulse's false ORM722: its database is MySQL, named in src/config.py only
    files = _history(None)
    files.update({
        "migrations/env.py": textwrap.dedent(_FLASK_MIGRATE_ENV),
        "src/__init__.py": "", "src/config.py": textwrap.dedent(_SETTINGS), "src/app.py": textwrap.dedent(_APP),
    })
    del files["alembic.ini"]
    files["migrations/alembic.ini"] = "[alembic]\n"  # Flask-Migrate's, beside env.py
    assert [code for _, _, code in lint_project(files, tmp_path) if code.startswith("ORM7")] == []
    files["src/config.py"] = files["src/config.py"].replace("mysql+pymysql", "postgresql")
    assert [code for _, _, code in lint_project(files, tmp_path / "pg") if code.startswith("ORM7")] == ["ORM722"]


def test_a_cached_run_sees_the_url_change_in_a_module_env_py_reads(tmp_path):
    from ormlint.config import load_settings
    from ormlint.engine import run

    project = tmp_path / "project"
    files = _history(None)
    files["app/__init__.py"] = ""
    files["app/settings.py"] = 'DATABASE_URL = "postgresql://app@db/app"\n'
    files["migrations/env.py"] = (
        "from alembic import context\nfrom app.settings import DATABASE_URL\ncontext.configure(url=DATABASE_URL)\n"
    )
    lint_project(files, project)

    def codes() -> list[str]:
        result = run([project], load_settings([project]), jobs=1, cache_dir=tmp_path / "cache")
        return [f.code for f in result.findings if f.code.startswith("ORM7")]

    assert codes() == ["ORM722"]
    (project / "app/settings.py").write_text('DATABASE_URL = "mysql+pymysql://app@db/app"\n')
    assert codes() == []


def test_a_resident_process_sees_flask_config_edits(tmp_path, monkeypatch):
    # the scan keeps what it read of each file by status: a file edited to spell the key (a
    # different size) is read anew
    monkeypatch.setattr("ormlint.cache._RACY_NANOSECONDS", 0)  # every file's status settled
    files = {"app/config.py": 'SQLALCHEMY_DATABASE_URI = "mysql://app@db/app"\n', "tests/conftest.py": "CONFIG = {}\n"}
    assert _dialect(tmp_path, None, _FLASK_CONFIG_ENV, files) == "mysql"
    env_path = tmp_path / "migrations" / "env.py"
    (tmp_path / "app/config.py").write_text('SQLALCHEMY_DATABASE_URI = "postgresql://app@db/app"\n')
    assert environment_dialect(None, env_path) == "postgresql"
    (tmp_path / "tests/conftest.py").write_text('CONFIG = {"SQLALCHEMY_DATABASE_URI": "sqlite://"}\n')
    assert environment_dialect(None, env_path) is None


# -- a URL from an environment variable the project's own launcher sets ----------------------------

_LAUNCHED_ENV = """
    import os
    from alembic import context
    from sqlalchemy import create_engine

    def run_migrations_online():
        connectable = create_engine(os.environ.get('APP_MIGRATION_DB_URL'))
"""
# aim's spelling: the launcher beside env.py runs `alembic upgrade` with the variable set to the
# URL its caller passes, which a class builds from a class attribute
_LAUNCHER = {
    "migrations/utils.py": """
        import os
        import subprocess
        import sys

        def upgrade_database(db_url):
            migration_env = os.environ.copy()
            migration_env['APP_MIGRATION_DB_URL'] = db_url
            subprocess.run([sys.executable, '-m', 'alembic', 'upgrade', 'head'], env=migration_env)
    """,
    "app/__init__.py": "",
    "app/db.py": """
        from migrations.utils import upgrade_database

        class DB:
            _DIALECT = 'sqlite'

            def __init__(self, path):
                self.db_url = self.get_db_url(path)

            @staticmethod
            def get_db_url(path):
                return f'{DB._DIALECT}:///{path}/run.sqlite'

            def run_upgrades(self):
                upgrade_database(self.db_url)
    """,
}


def test_an_environment_variable_set_by_the_projects_launcher(tmp_path):
    assert _dialect(tmp_path, _INI, _LAUNCHED_ENV, _LAUNCHER) == "sqlite"
    literal = {"migrations/launch.py": "import os\nos.environ.setdefault('APP_MIGRATION_DB_URL', 'mysql://h/db')\n"}
    (tmp_path / "literal").mkdir()
    assert _dialect(tmp_path / "literal", _INI, _LAUNCHED_ENV, literal) == "mysql"


@pytest.mark.parametrize("extra", [
    # set from outside the project's Python too: a deployment's .env, a CI job
    {".env": "APP_MIGRATION_DB_URL=postgresql://h/db\n"},
    {".github/workflows/ci.yml": "env:\n  APP_MIGRATION_DB_URL: postgresql://h/db\n"},
    # another write naming another database, or one not literal
    {"tests/conftest.py": "import os\nos.environ['APP_MIGRATION_DB_URL'] = 'postgresql://h/db'\n"},
    {"app/cli.py": "import os\nfrom migrations.utils import upgrade_database\nupgrade_database(os.environ['DB'])\n"},
    # the launcher passed as a callback: its callers are not known
    {"app/hooks.py": "from migrations.utils import upgrade_database\nHOOKS = [upgrade_database]\n"},
    # a spelling of the name that is neither a write nor a read
    {"app/names.py": "VARIABLES = ['APP_MIGRATION_DB_URL']\n"},
])
def test_an_environment_variable_set_elsewhere_too_is_unknown(tmp_path, extra):
    assert _dialect(tmp_path, _INI, _LAUNCHED_ENV, {**_LAUNCHER, **extra}) is None


def test_an_environment_variable_only_a_test_sets_is_unknown(tmp_path):
    # no launcher beside env.py (nor in a module it imports): a test's SQLite is not the database
    files = {"tests/conftest.py": "import os\nos.environ['APP_MIGRATION_DB_URL'] = 'sqlite://'\n"}
    assert _dialect(tmp_path, _INI, _LAUNCHED_ENV, files) is None


def test_an_environment_variable_default_must_agree(tmp_path):
    env = _LAUNCHED_ENV.replace("get('APP_MIGRATION_DB_URL')", "get('APP_MIGRATION_DB_URL', 'postgresql://h/db')")
    assert _dialect(tmp_path, _INI, env, _LAUNCHER) is None


# -- the reading kept while what it looked at is unchanged -----------------------------------------


def test_a_reading_is_kept_until_a_file_it_read_or_a_directory_it_listed_changes(tmp_path, monkeypatch):
    import ormlint.migrations.dialect as dialect_module
    from ormlint.migrations.dialect import environment_reading
    from ormlint.migrations.project_urls import ProjectCode

    monkeypatch.setattr("ormlint.cache._RACY_NANOSECONDS", 0)  # every status settled
    monkeypatch.setattr(dialect_module, "_readings", dialect_module.BoundedMemo(10))
    files = {"app/__init__.py": "", "app/config.py": 'SQLALCHEMY_DATABASE_URI = "mysql://app@db/app"\n'}
    assert _dialect(tmp_path, None, _FLASK_CONFIG_ENV, files) == "mysql"
    env = tmp_path / "migrations" / "env.py"
    reads = []
    module = ProjectCode.module
    monkeypatch.setattr(ProjectCode, "module", lambda self, path: reads.append(path) or module(self, path))
    stored: dict = {}
    assert environment_reading(None, env, stored)[0] == "mysql"
    assert reads == [] and len(stored) == 1  # this process's reading, now in the results cache too
    monkeypatch.setattr(dialect_module, "_readings", dialect_module.BoundedMemo(10))  # a new process
    assert environment_reading(None, env, stored)[0] == "mysql"
    assert reads == []
    # A new package spelling the key too: only the listing of app/ changed.
    (tmp_path / "app/testing").mkdir()
    (tmp_path / "app/testing/__init__.py").write_text('SQLALCHEMY_DATABASE_URI = "sqlite://"\n')
    assert environment_reading(None, env, stored)[0] is None
    assert reads != []


def test_a_stored_reading_of_another_shape_is_read_again(tmp_path, monkeypatch):
    import ormlint.migrations.dialect as dialect_module
    from ormlint.migrations.dialect import environment_reading

    monkeypatch.setattr("ormlint.cache._RACY_NANOSECONDS", 0)
    monkeypatch.setattr(dialect_module, "_readings", dialect_module.BoundedMemo(10))
    files = {"app/__init__.py": "", "app/config.py": 'SQLALCHEMY_DATABASE_URI = "mysql://app@db/app"\n'}
    _dialect(tmp_path, None, _FLASK_CONFIG_ENV, files)
    env = tmp_path / "migrations" / "env.py"
    for planted in (["oracle", [], {}], ["mysql", "x", {}], ["mysql", [], []], "mysql", None):
        monkeypatch.setattr(dialect_module, "_readings", dialect_module.BoundedMemo(10))
        stored = {f"{env}|": planted}
        assert environment_reading(None, env, stored)[0] == "mysql"
        assert stored[f"{env}|"] != planted


def test_what_changed_just_now_is_not_kept(tmp_path, monkeypatch):
    import ormlint.migrations.dialect as dialect_module
    from ormlint.migrations.dialect import environment_reading

    monkeypatch.setattr(dialect_module, "_readings", dialect_module.BoundedMemo(10))
    files = {"app/__init__.py": "", "app/config.py": 'SQLALCHEMY_DATABASE_URI = "mysql://app@db/app"\n'}
    _dialect(tmp_path, None, _FLASK_CONFIG_ENV, files)  # (written within the last two seconds)
    stored: dict = {}
    assert environment_reading(None, tmp_path / "migrations" / "env.py", stored)[0] == "mysql"
    assert stored == {}
