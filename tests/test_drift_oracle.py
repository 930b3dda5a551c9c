"""Oracle for the drift rules (ORM701-ORM708): ormlint's static findings against real Alembic.

Each fixture project under tests/data/drift/<name>/ (models.py, alembic.ini, migrations/) holds
known drift between its models and its migrations. For each one, this module

1. runs the real migrations to head on a fresh database (SQLite file; PostgreSQL too for the
   fixtures that need it, on a throwaway cluster started here when the server binaries and a
   driver are available), then back to base and up again, so the revision files are known to
   work both ways;
2. imports the fixture's models.py by file path and runs Alembic's autogenerate comparison
   (`compare_metadata`, with compare_type and compare_server_default) between its MetaData and
   the migrated database;
3. maps every diff item to a drift key (code, table, columns), the shape of ormlint's
   `DriftItem`, and asserts that the keys equal both a hand-written EXPECTED set (so the Alembic
   side is pinned on its own, and a broken harness cannot pass vacuously) and the keys that
   `ormlint.engine.drift_for_project` finds statically.

Mapping of Alembic's diff items to keys (one key per (code, table, columns); keys are compared as
sets, and ormlint must report each key once):

    add_table                      ORM701 (table in the models only)          columns ()
    remove_table                   ORM702 (table in the migrations only)      columns ()
    add_column / remove_column     ORM703                                     (column,)
    modify_type                    ORM704                                     (column,)
    modify_nullable                ORM705                                     (column,)
    add_index / remove_index,      ORM706                                     the index's or
    add_constraint / remove_constraint of a UniqueConstraint                  constraint's columns
    modify_default                 ORM707                                     (column,)
    add_fk / remove_fk             ORM708                                     local columns

A table on one side only is one ORM701/ORM702 key: the add_index / remove_index items Alembic
reports with it are dropped (they belong to the table).

What that means for the pairs Alembic reports as a drop and a create:
- an index (or unique constraint) whose uniqueness differs is a remove and an add on the same
  columns: ONE ORM706 key;
- an index (or unique constraint) whose columns differ is a remove on the old columns and an add
  on the new ones: TWO ORM706 keys, one per column list;
- a foreign key whose target or ondelete differs is a remove_fk and an add_fk on the same local
  columns: ONE ORM708 key.

Alembic's behaviour where it is subtle (Alembic 1.20.1, SQLAlchemy 2.1; checked by hand and by
these fixtures):
- String(50) vs String(100) and Integer vs BigInteger: reported on SQLite and on PostgreSQL
  (SQLite keeps the declared type name and length, and Alembic compares them).
- DateTime vs DateTime(timezone=True), JSON vs JSONB: NOT visible on SQLite (SQLite has no
  time-zone flag, and JSONB cannot be created there); reported on PostgreSQL. They live in the
  PostgreSQL-only fixture `pg_types`.
- Server defaults: Alembic compares the rendered SQL, with quoting normalised: `"x"` and
  `text("'x'")` are equal, `"0"` and `text("0")` are equal, `'a'` vs `'b'` differ; a default on
  one side only is reported. On PostgreSQL Alembic asks the server to evaluate both expressions
  (`SELECT <reflected> = <model>`), so `now()`, `CURRENT_TIMESTAMP`, `transaction_timestamp()`
  and `LOCALTIMESTAMP` compare equal there, casts do not matter (`'x'::character varying`), and
  `clock_timestamp()` differs from `now()` (PostgreSQL-only fixture `pg_leniency`; on SQLite
  `func.now()` renders CURRENT_TIMESTAMP and is compared as text). A string default on an
  Integer column equals the same number as SQL text: "0" and `text("0")` are the same default
  to Alembic on SQLite and PostgreSQL (`defaults_fks`, books.copies).
- Types on PostgreSQL (`pg_leniency`): a length or precision on one side only is not compared
  (`String` vs `VARCHAR(128)`, `Numeric(10, 2)` vs `Numeric`), `Float` and `Double` are
  synonyms, and `Float(10)` on both sides is reported (PostgreSQL stores REAL).
- Foreign keys: SQLite reflects ondelete (SQLAlchemy parses the CREATE TABLE text), and since the
  reflected FKs carry "options", Alembic compares ondelete on SQLite as on PostgreSQL. ondelete
  "NO ACTION" and none are the same to Alembic (its FK signature maps "no action" to None).
- Unique constraints: an unnamed one in the models matches by its columns. A difference in NAME
  only is reported inconsistently: on SQLite, an unnamed constraint in the database against a
  named one in the models gives only an add_constraint, and the reverse gives nothing; on
  PostgreSQL (which names every constraint) a named model constraint against a differently named
  one in the database gives a remove and an add. Name-only differences are not drift in
  ormlint's sense, so no fixture has one.
- Indexes are matched by name: a renamed index (same columns) is a remove_index and an add_index,
  which this mapping would turn into one ORM706 key. No fixture renames an index.
- Nullability: reported on both backends. A primary key column is NOT NULL on both sides.
- The indexes of a table that exists on one side only come with its add_table / remove_table
  as separate add_index / remove_index items (folded, see above); its unique constraints and
  foreign keys do not (they are part of the table).
- SQLAlchemy 2.1 maps a bare `Mapped[float]` to `Double`, and Alembic reports Double vs a
  migration's `sa.Float()` on SQLite (DOUBLE vs FLOAT): no fixture uses a float column.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

import pytest

DRIFT = Path(__file__).parent / "data" / "drift"

Key = tuple[str, str, tuple[str, ...]]


@dataclass(frozen=True)
class Case:
    name: str
    backends: tuple[str, ...]  # "sqlite", "postgresql"
    expected: frozenset  # of Key


CASES = [
    Case("clean", ("sqlite", "postgresql"), frozenset()),
    Case(
        "tables_columns",
        ("sqlite", "postgresql"),
        frozenset({
            ("ORM701", "audit_events", ()),
            ("ORM702", "legacy_sessions", ()),
            ("ORM703", "customers", ("nickname",)),
            ("ORM703", "customers", ("fax",)),
            ("ORM703", "customers", ("loyalty_points",)),
        }),
    ),
    Case(
        "types_nullable",
        ("sqlite", "postgresql"),
        frozenset({
            ("ORM704", "products", ("name",)),
            ("ORM704", "products", ("stock",)),
            ("ORM704", "products", ("barcode",)),
            ("ORM705", "products", ("description",)),
            ("ORM705", "products", ("title",)),
            ("ORM705", "products", ("barcode",)),
        }),
    ),
    Case(
        "indexes_uniques",
        ("sqlite", "postgresql"),
        frozenset({
            ("ORM706", "accounts", ("email",)),
            ("ORM706", "accounts", ("username",)),
            ("ORM706", "accounts", ("created_at",)),
            ("ORM706", "accounts", ("org_id", "region")),
            ("ORM706", "accounts", ("org_id",)),
            ("ORM706", "memberships", ("team_id", "role")),
            ("ORM706", "memberships", ("account_id", "role")),
        }),
    ),
    Case(
        "defaults_fks",
        ("sqlite", "postgresql"),
        frozenset({
            ("ORM707", "books", ("status",)),
            ("ORM707", "books", ("featured",)),
            ("ORM707", "books", ("rating",)),
            ("ORM708", "books", ("author_id",)),
            ("ORM708", "books", ("publisher_id",)),
            ("ORM708", "books", ("editor_id",)),
            ("ORM708", "reviews", ("reviewer_id",)),
        }),
    ),
    Case(
        "pg_types",
        ("postgresql",),
        frozenset({
            ("ORM704", "events", ("occurred_at",)),
            ("ORM704", "events", ("payload",)),
            ("ORM704", "events", ("sequence",)),
            ("ORM707", "events", ("kind",)),
        }),
    ),
    Case(
        "pg_leniency",
        ("postgresql",),
        frozenset({
            ("ORM704", "measures", ("summary",)),
            ("ORM704", "measures", ("units",)),
            ("ORM704", "measures", ("ratio",)),
            ("ORM704", "measures", ("amount",)),
            ("ORM707", "stamps", ("seen_at",)),
            ("ORM707", "stamps", ("touched_at",)),
            ("ORM707", "stamps", ("state",)),
            ("ORM707", "orders", ("created_at",)),
        }),
    ),
]

BY_NAME = {case.name: case for case in CASES}


# --- Alembic side ------------------------------------------------------------------------------

_module_counter = itertools.count()


def load_metadata(project: Path):
    """Import project/models.py under a unique module name and return its MetaData (`Base.metadata`
    when there is a `Base`, else the module's one MetaData object). The module is removed from
    sys.modules afterwards; its mappers are configured first, so a broken relationship fails.
    models.py may import sibling modules (`from mixins import ...`): the project folder is on
    sys.path meanwhile, and what was imported from it is forgotten afterwards."""
    from sqlalchemy import MetaData

    name = f"_ormlint_drift_models_{project.name}_{next(_module_counter)}"
    spec = importlib.util.spec_from_file_location(name, project / "models.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # SQLAlchemy resolves Mapped[...] annotations through sys.modules
    sys.path.insert(0, str(project))
    before = set(sys.modules)
    try:
        spec.loader.exec_module(module)
        base = getattr(module, "Base", None)
        if base is not None:
            registry = getattr(base, "registry", None)
            if registry is not None:
                registry.configure()
            return base.metadata
        found = [v for v in vars(module).values() if isinstance(v, MetaData)]
        assert len(found) == 1, f"{project.name}/models.py: no Base and {len(found)} MetaData"
        return found[0]
    finally:
        del sys.modules[name]
        sys.path.remove(str(project))
        for imported in set(sys.modules) - before:
            if str(getattr(sys.modules[imported], "__file__", None) or "").startswith(str(project)):
                del sys.modules[imported]


def _environment(project: Path, url: str):
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config(str(project / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", url)
    return config, ScriptDirectory.from_config(config)


def run_migrations(project: Path, url: str, destination: str) -> None:
    """Upgrade to "head" or downgrade to "base" the way `alembic upgrade` / `alembic downgrade`
    do (EnvironmentContext around ScriptDirectory's revision walk), but without the fixture's
    env.py: the harness must not depend on how a fixture's env.py finds its models."""
    from alembic.runtime.environment import EnvironmentContext
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    config, script = _environment(project, url)

    def step(rev, context):
        if destination == "head":
            return script._upgrade_revs("head", rev)
        return script._downgrade_revs("base", rev)

    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            with EnvironmentContext(config, script, fn=step, destination_rev=destination) as env:
                env.configure(connection=connection, target_metadata=None)
                with env.begin_transaction():
                    env.run_migrations()
            connection.commit()
    finally:
        engine.dispose()


def alembic_diffs(project: Path, url: str) -> list:
    """Alembic's autogenerate diff between project's models and the database at url."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    metadata = load_metadata(project)
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "compare_server_default": True}
            )
            return compare_metadata(context, metadata)
    finally:
        engine.dispose()


def _flatten(diffs: Iterable) -> Iterator[tuple]:
    # compare_metadata returns tuples, except for column modifications: a list of tuples per
    # column (modify_type, modify_nullable, modify_default for the same column together).
    for diff in diffs:
        if isinstance(diff, list):
            yield from diff
        else:
            yield diff


def _column_names(columns) -> tuple[str, ...]:
    return tuple(column.name for column in columns)


def diff_key(diff: tuple) -> Key | None:
    """The drift key of one Alembic diff item; None for the alembic_version table. Anything not
    in the mapping fails the test: nothing Alembic reports may be dropped silently."""
    from sqlalchemy import ForeignKeyConstraint, Index, UniqueConstraint

    kind = diff[0]
    if kind in ("add_table", "remove_table"):
        table = diff[1]
        if table.name == "alembic_version":
            return None
        return ("ORM701" if kind == "add_table" else "ORM702", table.name, ())
    if kind in ("add_column", "remove_column"):
        _, _schema, table_name, column = diff
        return ("ORM703", table_name, (column.name,))
    column_codes = {
        "modify_type": "ORM704",
        "modify_nullable": "ORM705",
        "modify_default": "ORM707",
    }
    if kind in column_codes:
        _, _schema, table_name, column_name = diff[:4]
        return (column_codes[kind], table_name, (column_name,))
    if kind in ("add_index", "remove_index"):
        index = diff[1]
        assert isinstance(index, Index)
        columns = _column_names(index.columns)
        assert len(columns) == len(index.expressions), f"expression index: {index!r}"
        return ("ORM706", index.table.name, columns)
    if kind in ("add_constraint", "remove_constraint"):
        constraint = diff[1]
        assert isinstance(constraint, UniqueConstraint), f"unexpected constraint diff: {diff!r}"
        return ("ORM706", constraint.table.name, _column_names(constraint.columns))
    if kind in ("add_fk", "remove_fk"):
        fk = diff[1]
        assert isinstance(fk, ForeignKeyConstraint)
        return ("ORM708", fk.table.name, _column_names(fk.columns))
    raise AssertionError(f"Alembic diff item with no drift code: {diff!r}")


def alembic_keys(diffs: list) -> set[Key]:
    keys = {diff_key(diff) for diff in _flatten(diffs)}
    keys.discard(None)
    # Alembic reports a table on one side only together with its indexes (add_table then
    # add_index, remove_index then remove_table). Those indexes are part of the ORM701/ORM702
    # finding, not drift of their own: ormlint reports the table once.
    whole = {table for code, table, _ in keys if code in ("ORM701", "ORM702")}
    return {key for key in keys if key[0] in ("ORM701", "ORM702") or key[1] not in whole}


def describe(diffs: list) -> str:
    return "\n".join(f"  {diff[:4]!r}" for diff in _flatten(diffs))


# --- databases ---------------------------------------------------------------------------------

_database_counter = itertools.count()


def _pg_bin_dir() -> Path | None:
    candidates = []
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(Path(os.path.realpath(initdb)).parent)
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for directory in candidates:
        if (directory / "initdb").is_file() and (directory / "pg_ctl").is_file():
            return directory
    return None


def _pg_driver() -> str | None:
    for module, dialect in (("psycopg2", "psycopg2"), ("psycopg", "psycopg")):
        try:
            importlib.import_module(module)
        except ImportError:
            continue
        return dialect
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def postgresql_server() -> Iterator[str]:
    """A throwaway PostgreSQL cluster listening only on a unix socket in a temporary folder; yields
    the URL of its `postgres` database (trust authentication, user `postgres`). Skipped when the
    server binaries or a driver are missing, or the cluster does not start (an error instead
    when ORMLINT_REQUIRE_POSTGRES is set)."""
    bin_dir = _pg_bin_dir()
    if bin_dir is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) not found")
    driver = _pg_driver()
    if driver is None:
        pytest.skip("no PostgreSQL driver importable (psycopg2-binary or psycopg)")
    prefix: list[str] = []
    root = Path(tempfile.mkdtemp(prefix="ormlint-pg-"))  # short: unix socket paths are limited
    if os.geteuid() == 0:  # initdb and postgres refuse to run as root
        runuser = shutil.which("runuser")
        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            user = None
        if runuser is None or user is None:
            shutil.rmtree(root, ignore_errors=True)
            pytest.skip("running as root with no `postgres` user or no runuser to start PostgreSQL")
        os.chown(root, user.pw_uid, user.pw_gid)
        prefix = [runuser, "-u", "postgres", "--"]
    data = root / "data"
    port = _free_port()

    def run(*args: str) -> None:
        done = subprocess.run(prefix + list(args), capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            log = root / "server.log"
            raise RuntimeError(
                f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}\n"
                + (log.read_text() if log.exists() else "")
            )

    try:
        run(str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
            "-E", "UTF8", "--no-locale", "-N")
        run(str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(root / "server.log"), "-w",
            "-t", "60", "-o", f"-p {port} -k {root} -c listen_addresses='' -c fsync=off", "start")
    except (OSError, RuntimeError, subprocess.TimeoutExpired) as error:
        shutil.rmtree(root, ignore_errors=True)
        if os.environ.get("ORMLINT_REQUIRE_POSTGRES"):
            raise
        pytest.skip(f"could not start a PostgreSQL cluster (set ORMLINT_REQUIRE_POSTGRES=1 to "
                    f"make this an error): {error}")
    try:
        yield f"postgresql+{driver}://postgres@/postgres?host={root}&port={port}"
    finally:
        subprocess.run(prefix + [str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate",
                                 "stop"], capture_output=True, timeout=120)
        shutil.rmtree(root, ignore_errors=True)


def fresh_database(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """The URL of a new, empty database on backend."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'drift.db'}"
    from sqlalchemy import create_engine, text

    server = request.getfixturevalue("postgresql_server")
    name = f"drift_{next(_database_counter)}"
    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return server.replace("/postgres?", f"/{name}?", 1)


def copy_fixture(name: str, tmp_path: Path) -> Path:
    project = tmp_path / name
    shutil.copytree(DRIFT / name, project, ignore=shutil.ignore_patterns("__pycache__", "*.db"))
    return project


def migrate_and_compare(name: str, backend: str, tmp_path: Path, request):
    """Copy fixture name, migrate a fresh database on backend to head and compare: returns the
    project copy, the database URL, Alembic's keys and a readable dump of Alembic's diff."""
    pytest.importorskip("alembic", reason="alembic is not installed: the Alembic oracle needs it")
    project = copy_fixture(name, tmp_path)
    url = fresh_database(backend, tmp_path, request)
    run_migrations(project, url, "head")
    diffs = alembic_diffs(project, url)
    return project, url, alembic_keys(diffs), describe(diffs)


# --- ormlint side ------------------------------------------------------------------------------


def ormlint_keys(project: Path) -> set[Key]:
    from ormlint.engine import drift_for_project

    items = list(drift_for_project(project))
    keys = [(item.code, item.table, tuple(item.columns)) for item in items]
    assert len(keys) == len(set(keys)), f"ormlint reports a drift key twice: {sorted(keys)}"
    return set(keys)


# --- tests -------------------------------------------------------------------------------------

BACKEND_PARAMS = [
    pytest.param(case.name, backend, id=f"{case.name}-{backend}")
    for case in CASES
    for backend in case.backends
]


@pytest.mark.parametrize(("name", "backend"), BACKEND_PARAMS)
def test_alembic_reports_the_expected_drift(name, backend, tmp_path, request):
    """The Alembic half alone: the fixture's drift is what Alembic sees, no more, no less; and the
    migrations go down to base and up to head again cleanly."""
    project, url, keys, raw = migrate_and_compare(name, backend, tmp_path, request)
    expected = set(BY_NAME[name].expected)
    assert keys == expected, f"Alembic's diff:\n{raw}"

    from sqlalchemy import create_engine, inspect
    from sqlalchemy.pool import NullPool

    run_migrations(project, url, "base")
    engine = create_engine(url, poolclass=NullPool)
    try:
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()
    run_migrations(project, url, "head")
    assert alembic_keys(alembic_diffs(project, url)) == expected


@pytest.mark.parametrize(("name", "backend"), BACKEND_PARAMS)
def test_ormlint_matches_alembic(name, backend, tmp_path, request):
    _, _, keys, raw = migrate_and_compare(name, backend, tmp_path, request)
    assert ormlint_keys(copy_fixture(name, tmp_path / "static")) == keys, f"Alembic's diff:\n{raw}"


@pytest.mark.parametrize("name", [case.name for case in CASES])
def test_ormlint_matches_expected(name, tmp_path):
    """Runs without a database: ormlint against the pinned keys (which the tests above check
    against Alembic wherever Alembic and the backend are available)."""
    assert ormlint_keys(copy_fixture(name, tmp_path)) == set(BY_NAME[name].expected)


def test_clean_fixture_is_clean():
    assert BY_NAME["clean"].expected == frozenset()


def test_fixtures_cover_every_drift_code():
    """Guards against a vacuous oracle: every code has drift in some fixture, every fixture but
    `clean` has drift, every fixture folder has a case, and each fixture's docstring names the
    codes it is pinned to."""
    assert {key[0] for case in CASES for key in case.expected} == {
        f"ORM70{n}" for n in range(1, 9)
    }
    assert all(case.expected for case in CASES if case.name != "clean")
    folders = {path.name for path in DRIFT.iterdir() if (path / "models.py").is_file()}
    assert folders == set(BY_NAME)
    for case in CASES:
        doc = ast.get_docstring(ast.parse((DRIFT / case.name / "models.py").read_text()))
        assert doc and doc.startswith(f"Drift fixture `{case.name}`"), case.name
        for code in {key[0] for key in case.expected}:
            assert code in doc, (case.name, code)


@pytest.mark.parametrize(
    "name", [case.name for case in CASES if "sqlite" in case.backends]
)
def test_fixture_env_py_with_alembic_cli(name, tmp_path):
    """The fixture's own env.py works with the real `alembic` command: `upgrade head`, then
    `check`, which fails exactly when the fixture has drift."""
    pytest.importorskip("alembic", reason="alembic is not installed: the Alembic oracle needs it")
    project = copy_fixture(name, tmp_path)
    ini = str(project / "alembic.ini")

    def alembic(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "alembic", "-c", ini, *args],
            capture_output=True, text=True, timeout=120, cwd=tmp_path,
        )

    upgrade = alembic("upgrade", "head")
    assert upgrade.returncode == 0, upgrade.stderr
    check = alembic("check")
    if BY_NAME[name].expected:
        output = check.stdout + check.stderr
        assert check.returncode != 0 and "New upgrade operations detected" in output, output
    else:
        assert check.returncode == 0, check.stderr + check.stdout


def test_inherited_column_drift_is_reported_at_the_mixin(tmp_path):
    """pg_leniency's `orders.created_at` comes from TimestampMixin in mixins.py: its ORM707 is at
    that file and line (not the base's line printed against models.py), naming both classes."""
    from ormlint.config import load_settings
    from ormlint.engine import run

    project = copy_fixture("pg_leniency", tmp_path)
    result = run([project], load_settings([project]), jobs=1, whole_project=True)
    found = [f for f in result.findings if f.code == "ORM707" and "orders.created_at" in f.message]
    line = next(
        number for number, text in enumerate((project / "mixins.py").read_text().splitlines(), 1)
        if text.strip().startswith("created_at =")
    )
    assert [(Path(f.path).name, f.line) for f in found] == [("mixins.py", line)]
    assert "`Order`" in found[0].message and "`TimestampMixin`" in found[0].message


# --- server defaults and types, one column per case --------------------------------------------

# (SQLAlchemy type, model's server_default, migration's server_default) as source text; None: no
# default. One column per case in one generated project, compared by real Alembic on PostgreSQL.
VERDICT_CASES = [
    ("sa.DateTime()", "sa.func.now()", 'sa.text("CURRENT_TIMESTAMP")'),
    ("sa.DateTime(timezone=True)", 'sa.text("CURRENT_TIMESTAMP")', "sa.func.now()"),
    ("sa.DateTime()", "sa.func.current_timestamp()", 'sa.text("now()")'),
    ("sa.DateTime()", "sa.func.now()", 'sa.text("LOCALTIMESTAMP")'),
    ("sa.DateTime(timezone=True)", "sa.func.now()", 'sa.text("transaction_timestamp()")'),
    ("sa.DateTime(timezone=True)", "sa.func.now()", 'sa.text("statement_timestamp()")'),
    ("sa.DateTime(timezone=True)", "sa.func.now()", 'sa.text("clock_timestamp()")'),
    ("sa.DateTime(timezone=True)", "sa.func.now()", 'sa.text("CURRENT_DATE")'),
    ("sa.DateTime(timezone=True)", "sa.func.now()", 'sa.text("CURRENT_TIMESTAMP(0)")'),
    ("sa.DateTime(timezone=True)", "sa.func.now()", 'sa.text("CURRENT_TIMESTAMP(6)")'),
    ("sa.DateTime()", "sa.func.now()", 'sa.text("timezone(\'utc\', now())")'),
    ("sa.DateTime()", 'sa.text("now() at time zone \'utc\'")', 'sa.text("timezone(\'utc\', now())")'),
    ("sa.DateTime()", "sa.func.now()", None),
    ("sa.DateTime()", None, "sa.func.now()"),
    ("sa.DateTime()", '"now"', "sa.func.now()"),
    ("sa.DateTime()", "sa.func.now()", '"now"'),
    ("sa.Date()", 'sa.text("CURRENT_DATE")', "sa.func.current_date()"),
    ("sa.String(10)", '"x"', 'sa.text("\'x\'::character varying")'),
    ("sa.String(10)", 'sa.text("\'x\'::varchar")', '"x"'),
    ("sa.String(10)", '"x"', '"y"'),
    ("sa.String(10)", '"x"', '"x "'),
    ("sa.String(10)", '"X"', '"x"'),
    ("sa.String(10)", '"a  b"', 'sa.text("\'a  b\'")'),
    ("sa.Text()", '"x"', 'sa.text("\'x\'")'),
    ("sa.CHAR(3)", '"a"', '"a  "'),
    ("sa.Integer()", '"0"', 'sa.text("0")'),
    ("sa.Integer()", '"00"', 'sa.text("\'0\'::integer")'),
    ("sa.Integer()", '" 1"', 'sa.text("1")'),
    ("sa.Integer()", '"1"', '"2"'),
    ("sa.Integer()", '"-1"', 'sa.text("-1")'),
    ("sa.Numeric(5, 2)", '"0.5"', 'sa.text("0.50")'),
    ("sa.Numeric(8, 2)", '"1e2"', '"100"'),
    ("sa.Numeric(5, 2)", '"1"', '"1.01"'),
    ("sa.Float()", '"1.5"', '"1.50"'),
    ("sa.Float()", '"0.1"', '"0.2"'),
    ("sa.Boolean()", "sa.false()", '"false"'),
    ("sa.Boolean()", '"f"', "sa.false()"),
    ("sa.Boolean()", '"0"', "sa.false()"),
    ("sa.Boolean()", '"no"', 'sa.text("false")'),
    ("sa.Boolean()", '"true"', "sa.false()"),
    ("sa.Boolean()", 'sa.text("FALSE")', "sa.false()"),
    ("sa.Boolean()", "sa.true()", 'sa.text("\'t\'")'),
    ("postgresql.JSONB()", '"{}"', 'sa.text("\'{}\'::jsonb")'),
    ("postgresql.JSONB()", "'{\"a\":1, \"b\": [1.0]}'", "'{\"b\": [1], \"a\": 1}'"),
    ("postgresql.JSONB()", "'{\"a\":1}'", "'{\"a\": 2}'"),
    ("sa.Uuid()", 'sa.text("gen_random_uuid()")', "sa.func.gen_random_uuid()"),
    ("sa.Uuid()", "sa.func.gen_random_uuid()", '"00000000-0000-0000-0000-000000000002"'),
    ("sa.Float()", "sa.func.random()", 'sa.text("random()")'),
    ("sa.Uuid()", '"00000000-0000-0000-0000-000000000001"', '"{00000000000000000000000000000001}"'),
    ("sa.String(5)", 'sa.text("NULL")', None),
    ("sa.String(5)", 'sa.text("NULL")', 'sa.text("NULL")'),
    ("sa.String(5)", '"a"', 'sa.text("(\'a\')")'),
    ("sa.Date()", '"2020-01-01"', 'sa.text("\'2020-01-01\'::date")'),
]

# Where Alembic reports a difference ormlint cannot establish without a database, and so does not
# report (a false negative, never a false positive): REAL compared with a numeric literal, a
# model's Python string with quotes at its ends (Alembic strips them), an Enum's values, a SQL
# function ormlint does not evaluate.
VERDICT_SILENT_CASES = [
    ("sa.REAL()", '"0.1"', '"0.1"'),
    ("sa.String(10)", "\"'x'\"", "\"'x'\""),
    ('sa.Enum("a", "b", name="verdict_letter")', '"a"', '"b"'),
    ("sa.String(10)", '"x"', 'sa.text("upper(\'x\')")'),
]


# (model's type, migration's type): ORM704 verdicts against Alembic's compare_type on PostgreSQL.
TYPE_VERDICT_CASES = [
    ("sa.String()", "sa.VARCHAR(128)"),
    ("sa.String(255)", "sa.String()"),
    ("sa.String(50)", "sa.String(100)"),
    ("sa.Text()", "sa.String()"),
    ("sa.String()", "sa.Text()"),
    ("sa.Unicode(20)", "sa.String(20)"),
    ("sa.UnicodeText()", "sa.Text()"),
    ("sa.CHAR(3)", "sa.String(3)"),
    ("sa.CHAR()", "sa.CHAR(3)"),
    ("sa.CHAR(3)", "sa.CHAR()"),
    ("sa.Numeric(10, 2)", "sa.Numeric()"),
    ("sa.Numeric()", "sa.Numeric(10, 2)"),
    ("sa.Numeric(10, 2)", "sa.Numeric(12, 2)"),
    ("sa.Numeric(10, 2)", "sa.Numeric(10)"),
    ("sa.Numeric(10)", "sa.Numeric(12)"),
    ("sa.DECIMAL(10, 2)", "sa.Numeric(10, 2)"),
    ("sa.DateTime()", "sa.DateTime(timezone=True)"),
    ("sa.DateTime(timezone=True)", "sa.DateTime()"),
    ("sa.TIMESTAMP()", "sa.DateTime()"),
    ("sa.Time()", "sa.Time(timezone=True)"),
    ("sa.Date()", "sa.DateTime()"),
    ("sa.JSON()", "postgresql.JSONB()"),
    ("postgresql.JSONB()", "sa.JSON()"),
    ("sa.Integer()", "sa.BigInteger()"),
    ("sa.SmallInteger()", "sa.Integer()"),
    ("sa.Boolean()", "sa.Integer()"),
    ("sa.Float()", "sa.Double()"),
    ("sa.Double()", "sa.Float()"),
    ("sa.Float(10)", "sa.Float(10)"),
    ("sa.Float(53)", "sa.Float()"),
    ("sa.Float()", "sa.REAL()"),
    ("sa.REAL()", "sa.Float(10)"),
    ("sa.Float()", "sa.Numeric()"),
    ("sa.Uuid()", "postgresql.UUID()"),
    ("sa.Uuid()", "sa.String(36)"),
    ("sa.LargeBinary()", "sa.LargeBinary(100)"),
    ("sa.Interval()", "sa.Interval()"),
    ("postgresql.INET()", "sa.String()"),
]


def _verdict_project(tmp_path: Path, cases) -> Path:
    """A project of one table with a column per case: (model's type, model's default, migration's
    type, migration's default), or (type, model's default, migration's default)."""
    cases = [case if len(case) == 4 else (case[0], case[1], case[0], case[2]) for case in cases]
    project = tmp_path / "verdicts"
    (project / "migrations" / "versions").mkdir(parents=True)
    shutil.copy(DRIFT / "pg_types" / "alembic.ini", project / "alembic.ini")
    shutil.copy(DRIFT / "pg_types" / "migrations" / "env.py", project / "migrations" / "env.py")

    def column(number: int, type_: str, default: str | None, migration: bool) -> str:
        default_arg = f", server_default={default}" if default is not None else ""
        if migration:
            return f'        sa.Column("c{number}", {type_}{default_arg}, nullable=True),\n'
        return f"    c{number} = sa.Column({type_}{default_arg}, nullable=True)\n"

    header = "import sqlalchemy as sa\nfrom sqlalchemy.dialects import postgresql\n"
    (project / "models.py").write_text(
        f'"""Drift verdicts: one column per case."""\n\n{header}'
        "from sqlalchemy.orm import DeclarativeBase\n\n\nclass Base(DeclarativeBase):\n    pass\n\n\n"
        'class Verdict(Base):\n    __tablename__ = "verdicts"\n\n'
        "    id = sa.Column(sa.Integer, primary_key=True)\n"
        + "".join(column(n, t, model, False) for n, (t, model, _, _) in enumerate(cases))
    )
    (project / "migrations" / "versions" / "0001_verdicts.py").write_text(
        f"{header}from alembic import op\n\nrevision = \"0001\"\ndown_revision = None\n\n\n"
        'def upgrade():\n    op.create_table(\n        "verdicts",\n'
        '        sa.Column("id", sa.Integer(), nullable=False),\n'
        + "".join(column(n, t, migrated, True) for n, (_, _, t, migrated) in enumerate(cases))
        + '        sa.PrimaryKeyConstraint("id"),\n    )\n\n\ndef downgrade():\n'
        '    op.drop_table("verdicts")\n'
    )
    return project


@pytest.mark.parametrize(
    ("cases", "silent"), [(VERDICT_CASES, False), (VERDICT_SILENT_CASES, True)], ids=["same", "silent"]
)
def test_server_default_verdicts_match_alembic_on_postgresql(cases, silent, tmp_path, request):
    """Every case's ORM707 verdict is Alembic's (`same`), or ormlint stays silent where Alembic
    reports (`silent`: each of those is reported by Alembic)."""
    pytest.importorskip("alembic", reason="alembic is not installed: the Alembic oracle needs it")
    project = _verdict_project(tmp_path, cases)
    url = fresh_database("postgresql", tmp_path, request)
    run_migrations(project, url, "head")
    diffs = alembic_diffs(project, url)
    theirs = alembic_keys(diffs)
    assert {key[0] for key in theirs} <= {"ORM707"}, describe(diffs)
    ours = ormlint_keys(project)
    if silent:
        assert ours == set() and len(theirs) == len(cases), describe(diffs)
    else:
        assert ours == theirs, describe(diffs)


def test_type_verdicts_match_alembic_on_postgresql(tmp_path, request):
    """Every case's ORM704 verdict is Alembic's compare_type verdict on PostgreSQL."""
    pytest.importorskip("alembic", reason="alembic is not installed: the Alembic oracle needs it")
    project = _verdict_project(tmp_path, [(m, None, t, None) for m, t in TYPE_VERDICT_CASES])
    url = fresh_database("postgresql", tmp_path, request)
    run_migrations(project, url, "head")
    diffs = alembic_diffs(project, url)
    theirs = alembic_keys(diffs)
    assert {key[0] for key in theirs} == {"ORM704"}, describe(diffs)
    assert ormlint_keys(project) == theirs, describe(diffs)
