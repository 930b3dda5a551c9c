"""The drift rules (ORM701-ORM708) on a real project, against Alembic itself.

    python benchmarks/drift_oracle.py CHECKOUT [--env VENV] [--models MODULE ...]

For a checkout whose Alembic migrations can run, this

1. starts a throwaway PostgreSQL cluster (initdb / pg_ctl, unix socket only, trust
   authentication, as tests/test_drift_oracle.py does) and creates an empty database;
2. runs the history to head with Alembic's API (EnvironmentContext around the script
   directory's revision walk, NOT the project's env.py, which usually reads the project's
   settings to find its own database);
3. imports the project's models (`--models`, the modules that define or import every model) and
   takes the target MetaData (`--metadata MODULE:ATTR`, else `Base.metadata`,
   `SQLModel.metadata`, `db.metadata` or the one MetaData of the first models module);
4. runs `alembic.autogenerate.compare_metadata` with compare_type and compare_server_default and
   maps each diff item to a drift key (code, table, columns), as tests/test_drift_oracle.py does;
5. runs `ormlint check --select ORM7 --format json` in the checkout (as a user would) and reads
   the key of each finding from its message;

and prints three lists: agreed, ormlint only, Alembic only. ORM712 is Alembic's modify_comment /
add_table_comment / remove_table_comment, ORM714 its modify_default of an Identity; ORM711 (CHECK
constraints) and ORM713 (computed columns) have no Alembic item at all: theirs are "ormlint only"
by design, to be judged by reading the database (tests/test_beyond_autogenerate_oracle.py). Alembic items on tables that ormlint
judged uncertain (so never reports) are counted apart, as are Alembic's items on tables that
ormlint does not know at all when its migrations are uncertain as a whole.

Steps 2-4 import the project's code (revision files and models): they run in a child process
with the project's own interpreter (`--env`, a virtual environment with the project's minimal
requirements, SQLAlchemy, Alembic and psycopg2; default: this interpreter). This is a
measurement tool run by hand on checkouts you chose; ormlint itself never imports checked code.

Results are recorded in benchmarks/RESULTS.md ("Drift rules against Alembic").
"""

from __future__ import annotations

import argparse
import json
import os
import pwd
import re
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve()


# -- the child: migrate, import the models, compare (runs with the project's interpreter) ---------


def _flatten(diffs):
    for diff in diffs:
        if isinstance(diff, list):
            yield from diff
        else:
            yield diff


def _diff_key(diff):
    """(code, table, columns) of one Alembic diff item, None for alembic_version, or a string
    describing an item with no drift code."""
    kind = diff[0]
    names = lambda columns: [c.name for c in columns]  # noqa: E731
    if kind in ("add_table", "remove_table"):
        if diff[1].name == "alembic_version":
            return None
        return ["ORM701" if kind == "add_table" else "ORM702", diff[1].name, []]
    if kind in ("add_column", "remove_column"):
        return ["ORM703", diff[2], [diff[3].name]]
    if kind == "modify_default" and "Identity" in (type(diff[-1]).__name__, type(diff[-2]).__name__):
        return ["ORM714", diff[2], [diff[3]]]  # an Identity added, dropped or altered
    if kind in ("add_table_comment", "remove_table_comment"):
        return ["ORM712", diff[1].name, []]
    codes = {"modify_type": "ORM704", "modify_nullable": "ORM705", "modify_default": "ORM707", "modify_comment": "ORM712"}
    if kind in codes:
        return [codes[kind], diff[2], [diff[3]]]
    if kind in ("add_index", "remove_index"):
        index = diff[1]
        columns = names(index.columns)
        if len(columns) != len(index.expressions):
            return f"expression index {index.name} on {index.table.name}"
        return ["ORM706", index.table.name, columns]
    if kind in ("add_constraint", "remove_constraint"):
        constraint = diff[1]
        if type(constraint).__name__ != "UniqueConstraint":
            return f"{kind} {type(constraint).__name__} {constraint.name}"
        return ["ORM706", constraint.table.name, names(constraint.columns)]
    if kind in ("add_fk", "remove_fk"):
        return ["ORM708", diff[1].table.name, names(diff[1].columns)]
    return f"{kind}: {diff!r}"[:300]


def _metadata(modules, spec):
    import importlib

    from sqlalchemy import MetaData

    loaded = [importlib.import_module(name) for name in modules]
    if spec:
        module_name, _, attr = spec.partition(":")
        value = importlib.import_module(module_name)
        for part in attr.split("."):
            value = getattr(value, part)
        return value if isinstance(value, MetaData) else value.metadata
    for module in loaded[:1]:
        for attr in ("Base", "SQLModel", "db", "Model"):
            value = getattr(module, attr, None)
            metadata = getattr(value, "metadata", None)
            if isinstance(metadata, MetaData):
                return metadata
        found = [v for v in vars(module).values() if isinstance(v, MetaData)]
        if len(found) == 1:
            return found[0]
    raise SystemExit(f"no MetaData found in {modules}: pass --metadata MODULE:ATTR")


def _install_stubs(prefixes: list[str]) -> None:
    """Modules under these names import as stubs whose every attribute is a MagicMock: for a
    project's imports that the models do not need (a package that cannot be installed here)."""
    import importlib.abc
    import importlib.machinery
    import types
    from unittest import mock

    class StubModule(types.ModuleType):
        def __getattr__(self, name):
            if name.startswith("__"):
                raise AttributeError(name)
            value = mock.MagicMock(name=f"{self.__name__}.{name}")
            setattr(self, name, value)
            return value

    class StubFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
        def find_spec(self, fullname, path, target=None):
            if any(fullname == p or fullname.startswith(p + ".") for p in prefixes):
                return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
            return None

        def create_module(self, spec):
            module = StubModule(spec.name)
            module.__path__ = []
            return module

        def exec_module(self, module):
            pass

    sys.meta_path.insert(0, StubFinder())


def child_main(request: dict) -> None:
    """Migrate the database at request["url"] to head, then compare the models with it; prints
    one JSON object on the last line of stdout."""
    from alembic.autogenerate import compare_metadata
    from alembic.config import Config
    from alembic.migration import MigrationContext
    from alembic.runtime.environment import EnvironmentContext
    from alembic.script import ScriptDirectory
    from sqlalchemy import create_engine
    from sqlalchemy.orm import configure_mappers
    from sqlalchemy.pool import NullPool

    ini = Path(request["ini"])
    os.chdir(request["cwd"])
    for entry in reversed(request["pythonpath"]):
        sys.path.insert(0, entry)
    _install_stubs(request["stubs"])
    config = Config(str(ini))
    location = request["script_location"] or config.get_main_option("script_location")
    if not location or "{" in location:  # Flask-Migrate keeps it out of the ini; or a template
        location = str(ini.parent)
    elif not Path(location).is_dir() and (Path(request["checkout"]) / location).is_dir():
        location = str(Path(request["checkout"]) / location)  # relative to the project root
    config.set_main_option("script_location", location)
    config.set_main_option("sqlalchemy.url", request["url"].replace("%", "%%"))
    script = ScriptDirectory.from_config(config)
    heads = script.get_heads()
    engine = create_engine(request["url"], poolclass=NullPool)
    try:
        with engine.connect() as connection:
            def step(rev, context):
                return script._upgrade_revs("heads", rev)

            with EnvironmentContext(config, script, fn=step, destination_rev="heads") as env:
                env.configure(connection=connection, target_metadata=None,
                              transaction_per_migration=True)
                with env.begin_transaction():
                    env.run_migrations()
            connection.commit()
        metadata = _metadata(request["models"], request["metadata"])
        configure_mappers()
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "compare_server_default": True}
            )
            diffs = list(_flatten(compare_metadata(context, metadata)))
        roundtrip = _downgrade_and_upgrade(config, script, engine) if request.get("roundtrip") else None
    finally:
        engine.dispose()
    keys, other = [], []
    for diff in diffs:
        key = _diff_key(diff)
        if isinstance(key, str):
            other.append(key)
        elif key is not None:
            keys.append({"key": key, "raw": repr(diff[:4])[:400]})
    print(json.dumps({"heads": list(heads), "tables": sorted(metadata.tables), "keys": keys,
                      "other": other, "roundtrip": roundtrip}))


def _downgrade_and_upgrade(config, script, engine) -> dict:
    """`alembic downgrade -1` then `alembic upgrade head`, as the CLI runs them: whether each ran."""
    from alembic.runtime.environment import EnvironmentContext

    def migrate(destination, revs):
        with engine.connect() as connection:
            with EnvironmentContext(config, script, fn=revs, destination_rev=destination) as env:
                env.configure(connection=connection, target_metadata=None,
                              transaction_per_migration=True)
                with env.begin_transaction():
                    env.run_migrations()
            connection.commit()

    result = {}
    for name, destination, revs in (
        ("downgrade -1", "-1", lambda rev, context: script._downgrade_revs("-1", rev)),
        ("upgrade head", "heads", lambda rev, context: script._upgrade_revs("heads", rev)),
    ):
        try:
            migrate(destination, revs)
            result[name] = "ran"
        except Exception as error:  # measured, not raised: the report says which step failed
            result[name] = f"{type(error).__name__}: {str(error)[:300]}"
            break
    return result


# -- PostgreSQL ---------------------------------------------------------------------------------


class Cluster:
    """A throwaway PostgreSQL cluster on a unix socket in a temporary folder."""

    def __init__(self) -> None:
        initdb = shutil.which("initdb")
        if initdb is None:
            raise SystemExit("initdb not on PATH: PostgreSQL's server binaries are needed")
        self.bin = Path(os.path.realpath(initdb)).parent
        self.root = Path(tempfile.mkdtemp(prefix="ormlint-pg-"))
        self.prefix: list[str] = []
        if os.geteuid() == 0:  # initdb and postgres refuse to run as root
            user = pwd.getpwnam("postgres")
            os.chown(self.root, user.pw_uid, user.pw_gid)
            self.prefix = ["runuser", "-u", "postgres", "--"]
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.data = self.root / "data"
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                  "--no-locale", "-N")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-w",
                  "-t", "60", "-o", f"-p {self.port} -k {self.root} -c listen_addresses='' "
                  "-c fsync=off", "start")

    def _run(self, program: str, *args: str) -> None:
        done = subprocess.run(self.prefix + [str(self.bin / program), *args],
                              capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise SystemExit(f"{program} failed:\n{done.stdout}\n{done.stderr}")

    def database(self, name: str, extensions: list[str]) -> str:
        self._run("psql", "-h", str(self.root), "-p", str(self.port), "-U", "postgres", "-q",
                  "-c", f'CREATE DATABASE "{name}"')
        for extension in extensions:
            self._run("psql", "-h", str(self.root), "-p", str(self.port), "-U", "postgres",
                      "-d", name, "-q", "-c", f'CREATE EXTENSION IF NOT EXISTS "{extension}"')
        return f"postgresql+psycopg2://postgres@/{name}?host={self.root}&port={self.port}"

    def stop(self) -> None:
        subprocess.run(self.prefix + [str(self.bin / "pg_ctl"), "-D", str(self.data), "-m",
                                      "immediate", "stop"], capture_output=True, timeout=120)
        shutil.rmtree(self.root, ignore_errors=True)


# -- ormlint's side -----------------------------------------------------------------------------

# The key of a finding, read from its message (ormlint.drift's wording).
_TABLE = re.compile(r"^table `([^`]+)`")
_COLUMN = re.compile(r"^column `([^`.]+)\.([^`]+)`")
_INDEX = re.compile(r" on `([^`]+)` \(([^)]*)\)")
_FK = re.compile(r"^foreign key `([^`.]+)\.([^`]+)`")


def finding_key(finding: dict):
    code, message = finding["code"], finding["message"]
    if code in ("ORM701", "ORM702"):
        match = _TABLE.match(message)
        return (code, match.group(1), ()) if match else None
    if code == "ORM712" and message.startswith("table `"):
        match = _TABLE.match(message)
        return (code, match.group(1), ()) if match else None
    if code in ("ORM703", "ORM704", "ORM705", "ORM707", "ORM712", "ORM713", "ORM714"):
        match = _COLUMN.match(message)
        return (code, match.group(1), (match.group(2),)) if match else None
    if code == "ORM706":
        match = _INDEX.search(message)
        if match:
            return (code, match.group(1), tuple(c.strip() for c in match.group(2).split(",") if c.strip()))
    if code == "ORM708":
        match = _FK.match(message)
        if match:
            return (code, match.group(1), tuple(c.strip() for c in match.group(2).split(",")))
    return None


def _ormlint_command(source: Path | None) -> list[str]:
    """ormlint's CLI: the installed one, or the one in the source tree `source` (a clean clone of
    a commit, to measure it while the working tree is being edited)."""
    if source is None:
        return [str(Path(sys.executable).with_name("ormlint"))]
    return [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(source)!r}); "
            "from ormlint.cli import main; sys.argv[0] = 'ormlint'; main()"]


def run_ormlint(cwd: Path, extra: list[str], source: Path | None = None) -> list[dict]:
    done = subprocess.run(
        [*_ormlint_command(source), "check", "--select", "ORM7", "--format",
         "json", "--no-cache", *extra],
        cwd=cwd, capture_output=True, text=True, timeout=1800,
    )
    if done.returncode not in (0, 1):
        raise SystemExit(f"ormlint failed ({done.returncode}):\n{done.stderr}")
    return json.loads(done.stdout or "[]")


_UNCERTAINTY = r"""
import json, sys
from pathlib import Path
if sys.argv[1]:
    sys.path.insert(0, sys.argv[1])
del sys.argv[1]
out = {}


def why_uncertain(graph):
    # Replays the graph again, one operation at a time, and names the operation (reason,
    # file:line) that first made the whole schema, or each table, uncertain.
    from ormlint.migrations.replay import apply
    from ormlint.schema import Schema
    schema, reasons, uncertain_named = Schema(), [], set()
    if not graph.complete:
        reasons.append(["*", "revision graph incomplete", ""])
    for revision in graph.ordered():
        for op in revision.operations:
            before = schema.uncertain
            apply(schema, op, revision.path)
            reason = getattr(op, "reason", type(op).__name__)
            line = getattr(getattr(op, "location", None), "line", "?")
            if schema.uncertain and not before:
                reasons.append(["*", reason, f"{revision.path}:{line}"])
            for name, table in schema.tables.items():
                if table.uncertain and name not in uncertain_named:
                    uncertain_named.add(name)
                    reasons.append([name, reason, f"{revision.path}:{line}"])
    return reasons


try:
    from ormlint.config import load_settings
    from ormlint.drift import model_schema, models_index
    from ormlint.engine import run
    settings = load_settings([Path(".")]).with_overrides(select=("ORM7",))
    extra = sys.argv[1:]
    if extra:
        settings = settings.with_overrides(migrations=tuple(str(Path(p).resolve()) for p in extra))
    index = run([Path(".")], settings, jobs=1).index
    migrations = index.migrations
    out["directories"] = [str(d.versions) for d in migrations.directories] if migrations else []
    if migrations and len(migrations.directories) == 1:
        directory = migrations.directories[0]
        out["graph_complete"] = directory.graph.complete
        out["schema_uncertain"] = directory.schema.uncertain
        out["migrated_tables"] = sorted(directory.schema.tables)
        out["migrated_uncertain"] = sorted(n for n, t in directory.schema.tables.items() if t.uncertain)
        models = model_schema(models_index(index), migrations.paths, directory.env)
        out["model_tables"] = sorted(models.schema.tables)
        out["model_uncertain"] = sorted(n for n, t in models.schema.tables.items() if t.uncertain)
        out["tables_complete"] = models.tables_complete
        out["why_uncertain"] = why_uncertain(directory.graph)
except Exception as error:  # the code under measurement changes: report, do not fail
    out["error"] = f"{type(error).__name__}: {error}"
print(json.dumps(out))
"""


def ormlint_state(cwd: Path, migrations: list[str], source: Path | None = None) -> dict:
    done = subprocess.run([sys.executable, "-c", _UNCERTAINTY, str(source or ""), *migrations], cwd=cwd,
                          capture_output=True, text=True, timeout=1800)
    try:
        return json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        return {"error": done.stderr[-2000:]}


# -- comparing ----------------------------------------------------------------------------------


def compare(alembic: dict, findings: list[dict], state: dict) -> dict:
    alembic_keys = {}
    for item in alembic["keys"]:
        code, table, columns = item["key"]
        alembic_keys.setdefault((code, table, tuple(columns)), item["raw"])
    # A table on one side only is one ORM701/ORM702 key: drop the indexes Alembic lists with it.
    whole = {t for c, t, _ in alembic_keys if c in ("ORM701", "ORM702")}
    alembic_keys = {k: v for k, v in alembic_keys.items() if k[0] in ("ORM701", "ORM702") or k[1] not in whole}
    ormlint_keys, unmapped, other_codes = {}, [], []
    for finding in findings:
        if finding["code"] in ("ORM709", "ORM710"):
            other_codes.append(finding)
            continue
        key = finding_key(finding)
        if key is None:
            unmapped.append(finding)
        else:
            ormlint_keys.setdefault(key, finding)
    uncertain_tables = set(state.get("migrated_uncertain", ())) | set(state.get("model_uncertain", ()))
    whole_uncertain = bool(state.get("schema_uncertain")) or state.get("graph_complete") is False \
        or "error" in state or len(state.get("directories", [])) != 1
    known = set(state.get("migrated_tables", ())) | set(state.get("model_tables", ()))

    def is_uncertain(key) -> bool:
        code, table, _ = key
        if table in uncertain_tables:
            return True
        if code in ("ORM701", "ORM702"):
            # table-level findings need a certain schema (and, for 702, every table mapped)
            return whole_uncertain or (code == "ORM702" and state.get("tables_complete") is False)
        return whole_uncertain and table not in known

    agreed = sorted(k for k in alembic_keys if k in ormlint_keys)
    ormlint_only = sorted(k for k in ormlint_keys if k not in alembic_keys)
    alembic_rest = [k for k in alembic_keys if k not in ormlint_keys]
    uncertain = sorted(k for k in alembic_rest if is_uncertain(k))
    alembic_only = sorted(k for k in alembic_rest if not is_uncertain(k))
    return {
        "agreed": [(k, ormlint_keys[k]) for k in agreed],
        "ormlint_only": [(k, ormlint_keys[k]) for k in ormlint_only],
        "alembic_only": [(k, alembic_keys[k]) for k in alembic_only],
        "uncertain": [(k, alembic_keys[k]) for k in uncertain],
        "unmapped_findings": unmapped,
        "other_codes": other_codes,
        "alembic_unmapped": alembic.get("other", []),
    }


def _show(key) -> str:
    code, table, columns = key
    return f"{code} {table}" + (f" ({', '.join(columns)})" if columns else "")


def print_report(result: dict, state: dict, alembic: dict) -> None:
    print(f"ormlint migrations: {state}" if "error" in state else
          f"ormlint: {len(state.get('directories', []))} script director(y/ies); graph complete: "
          f"{state.get('graph_complete')}; schema uncertain: {state.get('schema_uncertain')}; "
          f"tables: {len(state.get('model_tables', []))} mapped ({len(state.get('model_uncertain', []))} "
          f"uncertain), {len(state.get('migrated_tables', []))} migrated "
          f"({len(state.get('migrated_uncertain', []))} uncertain)")
    print(f"ormlint from {state.get('ormlint')}")
    print(f"Alembic: heads {alembic['heads']}, {len(alembic['tables'])} tables in the metadata")
    for title, name in (("agreed", "agreed"), ("ormlint only", "ormlint_only"),
                        ("Alembic only", "alembic_only"),
                        ("Alembic only, on tables ormlint judged uncertain", "uncertain")):
        print(f"\n== {title}: {len(result[name])}")
        for key, detail in result[name]:
            if isinstance(detail, dict):
                print(f"  {_show(key)}  [{detail['path']}:{detail['line']}] {detail['message'][:220]}")
            else:
                print(f"  {_show(key)}  {detail}")
    for title, name in (("ormlint findings with no key", "unmapped_findings"),
                        ("ORM709/ORM710", "other_codes")):
        if result[name]:
            print(f"\n== {title}: {len(result[name])}")
            for finding in result[name]:
                print(f"  {finding['code']} [{finding['path']}:{finding['line']}] {finding['message'][:220]}")
    if result["alembic_unmapped"]:
        print(f"\n== Alembic items with no drift code: {len(result['alembic_unmapped'])}")
        for text in result["alembic_unmapped"]:
            print(f"  {text}")
    counts = {name: len(result[name]) for name in ("agreed", "ormlint_only", "alembic_only", "uncertain")}
    print(f"\nCOUNTS {json.dumps(counts)}")


def run_child(python: str, request: dict, env: dict) -> dict:
    done = subprocess.run([python, str(HERE), "x", "--child", json.dumps(request)],
                          capture_output=True, text=True, env=env, timeout=1800)
    if done.returncode != 0:
        raise SystemExit(f"migrating or comparing failed:\n{done.stdout[-3000:]}\n{done.stderr[-6000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- --generate: the revision ormlint writes, applied -------------------------------------------

_NOTE = re.compile(r"^\s*# (left alone|TODO by hand): (.*)$")


def revision_notes(text: str) -> dict:
    """The tables the generated revision's header names as left alone or to be done by hand
    ("*" for every table)."""
    notes: dict = {"left alone": set(), "TODO by hand": set(), "lines": []}
    for line in text.splitlines():
        match = _NOTE.match(line)
        if match:
            kind, reason = match.groups()
            notes["lines"].append(f"{kind}: {reason}")
            # "`table`: ...", "`table.column`: ...", "path: table `table`: ..."; else every table
            notes[kind].update(re.findall(r"(?:^|table )`([^`.]+)(?:\.[^`]+)?`", reason) or ["*"])
    return notes


def generate_and_compare(checkout: Path, cwd: Path, source, cluster, extensions, request: dict,
                         python: str, env: dict) -> dict:
    """Copies the checkout, writes `ormlint migrations revision -m sync` in the copy (run where
    ormlint ran), migrates a fresh database to the new head and compares again; then
    `downgrade -1` and `upgrade head`. Alembic's remaining items are sorted by whether the
    revision's header names their table as left alone or as a TODO by hand; the rest are wrong."""
    copy = Path(tempfile.mkdtemp(prefix="ormlint-generate-")) / checkout.name
    shutil.copytree(checkout, copy, symlinks=True,
                    ignore=shutil.ignore_patterns(".git", "node_modules", "__pycache__", ".venv"))
    try:
        moved = lambda path: path and str(copy / Path(path).relative_to(checkout)) \
            if Path(path).is_relative_to(checkout) else path  # noqa: E731
        copy_cwd = Path(moved(str(cwd)))
        done = subprocess.run([*_ormlint_command(source), "migrations", "revision", "-m", "sync"],
                              cwd=copy_cwd, capture_output=True, text=True, timeout=1800)
        result: dict = {"revision_exit": done.returncode, "revision_output": (done.stdout + done.stderr).strip()}
        written = re.search(r"^Generated (.+)$", done.stdout, re.M)
        if done.returncode != 0 or not written:
            return result
        text = (copy_cwd / written.group(1)).read_text()  # printed relative to where it ran
        result["revision"] = text
        notes = revision_notes(text)
        result["notes"] = notes["lines"]
        moved_request = {key: moved(value) if isinstance(value, str) else value for key, value in request.items()}
        moved_request["pythonpath"] = [moved(p) for p in request["pythonpath"]]
        moved_request["url"] = cluster.database("generated", extensions)
        moved_request["roundtrip"] = True
        try:
            alembic = run_child(python, moved_request, env)
        except SystemExit as error:  # the generated revision failed to run: that is the finding
            result["error"] = str(error)[-3000:]
            return result
        result["heads"], result["roundtrip"] = alembic["heads"], alembic["roundtrip"]
        keys = {tuple(item["key"][:2]) + (tuple(item["key"][2]),): item["raw"] for item in alembic["keys"]}
        whole = {t for c, t, _ in keys if c in ("ORM701", "ORM702")}
        keys = {k: v for k, v in keys.items() if k[0] in ("ORM701", "ORM702") or k[1] not in whole}
        result["remaining"] = sorted(keys.items())
        result["note_tables"] = {kind: notes[kind] for kind in ("TODO by hand", "left alone")}
        result["alembic_unmapped"] = alembic.get("other", [])
        check = subprocess.run([*_ormlint_command(source), "migrations", "check"], cwd=copy_cwd,
                               capture_output=True, text=True, timeout=1800)
        result["check_exit"] = check.returncode
        result["check_output"] = (check.stdout + check.stderr).strip()[-2000:]
        result["safety"] = _safety_findings(copy_cwd, source, Path(written.group(1)).name, text)
        return result
    finally:
        shutil.rmtree(copy.parent, ignore_errors=True)


def _safety_findings(cwd: Path, source, revision_name: str, text: str) -> dict:
    """ormlint's migration-safety rules (ORM72x, ORM73x) on the generated revision: each
    finding, and whether the revision's header already asks for the safe rewrite."""
    done = subprocess.run([*_ormlint_command(source), "check", "--select", "ORM72,ORM73", "--all-revisions",
                           "--format", "json", "--no-cache"], cwd=cwd, capture_output=True, text=True, timeout=1800)
    findings = [f for f in json.loads(done.stdout or "[]") if Path(f["path"]).name == revision_name]
    announced = {code for code in re.findall(r"# rewrite for safety: (ORM\d+)", text)}
    return {"announced": [f"{f['code']}:{f['line']}" for f in findings if f["code"] in announced],
            "silent": [f"{f['code']}:{f['line']} {f['message'][:200]}" for f in findings if f["code"] not in announced]}


BEYOND = "not in ormlint's drift (Alembic only before the revision)"


def sort_remaining(generated: dict, first: dict) -> None:
    """Alembic's items after the generated revision: on a table its header names (TODO by hand,
    left alone), one the drift rules never reported (Alembic only in the first comparison: the
    revision could not know), or wrong (ormlint reported it, the revision did not fix it)."""
    if "remaining" not in generated:
        return
    unseen = {key for key, _ in first["alembic_only"]} | {key for key, _ in first["uncertain"]}
    items: dict = {"TODO by hand": [], "left alone": [], BEYOND: [], "wrong": []}
    for key, raw in generated.pop("remaining"):
        notes = generated["note_tables"].items()
        kind = next((kind for kind, tables in notes if key[1] in tables), None) or (
            BEYOND if key in unseen else next((kind for kind, tables in notes if "*" in tables), "wrong"))
        items[kind].append((key, raw))
    generated["items"] = items
    generated["note_tables"] = {kind: sorted(tables) for kind, tables in generated["note_tables"].items()}


def print_generated(result: dict) -> None:
    print("\n==== --generate: `ormlint migrations revision -m sync` in a copy, applied")
    print(f"revision: exit {result['revision_exit']}: {result['revision_output'][:600]}")
    if "revision" in result:
        print(result["revision"])
    if "error" in result:
        print(f"GENERATED-FAILED {result['error']}")
    if "items" not in result:
        return
    for line in result["notes"]:
        print(f"  # {line}")
    print(f"heads after: {result['heads']}; round trip: {result['roundtrip']}")
    for kind, items in result["items"].items():
        print(f"\n== Alembic items left, {kind}: {len(items)}" if kind != "wrong"
              else f"\n== Alembic items left that the revision should have handled: {len(items)}")
        for key, raw in items:
            print(f"  {_show(key)}  {raw}")
    if result["alembic_unmapped"]:
        print(f"\n== Alembic items with no drift code: {len(result['alembic_unmapped'])}")
        for text in result["alembic_unmapped"]:
            print(f"  {text}")
    print(f"\n`ormlint migrations check` in the copy: exit {result['check_exit']}")
    if result["check_exit"]:
        print(result["check_output"])
    print(f"migration-safety findings on the revision: {len(result['safety']['announced'])} named in its "
          f"header, {len(result['safety']['silent'])} not")
    for line in result["safety"]["silent"]:
        print(f"  {line}")
    counts = {kind: len(items) for kind, items in result["items"].items()}
    counts["safety announced"] = len(result["safety"]["announced"])
    counts["safety silent"] = len(result["safety"]["silent"])
    print(f"GENERATED {json.dumps({**counts, 'unmapped': len(result['alembic_unmapped']), **result['roundtrip'], 'check_exit': result['check_exit']})}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("checkout", type=Path)
    parser.add_argument("--env", type=Path, help="virtual environment with the project's requirements")
    parser.add_argument("--models", nargs="+", default=[], help="modules to import (all the models)")
    parser.add_argument("--metadata", help="MODULE:ATTR of the target MetaData (or of a class with .metadata)")
    parser.add_argument("--ini", type=Path, help="alembic.ini (default: the one in the checkout)")
    parser.add_argument("--pythonpath", nargs="*", type=Path, default=[],
                        help="directories for sys.path (default: the checkout)")
    parser.add_argument("--setenv", nargs="*", default=[], help="NAME=VALUE for the child")
    parser.add_argument("--script-location", type=Path,
                        help="Alembic script directory, when the ini's is set at run time")
    parser.add_argument("--stub", nargs="*", default=[],
                        help="modules to import as stubs (uninstallable imports the models do not need)")
    parser.add_argument("--extensions", nargs="*", default=[], help="PostgreSQL extensions to create first")
    parser.add_argument("--ormlint-cwd", type=Path, help="where to run ormlint (default: the checkout)")
    parser.add_argument("--ormlint-source", type=Path,
                        help="run ormlint from this source tree (e.g. a clean clone of HEAD)")
    parser.add_argument("--ormlint-args", nargs="*", default=[], help="extra ormlint arguments")
    parser.add_argument("--json", type=Path, help="write the lists here too")
    parser.add_argument("--generate", action="store_true",
                        help="then write `ormlint migrations revision` in a copy of the checkout, "
                             "migrate a fresh database with it, compare again, downgrade -1, upgrade head")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_main(json.loads(args.child))
        return
    checkout = args.checkout.resolve()
    ini = args.ini.resolve() if args.ini else None
    if ini is None:
        found = sorted(p for p in checkout.rglob("alembic.ini") if "node_modules" not in p.parts)
        if len(found) != 1:
            raise SystemExit(f"{len(found)} alembic.ini files: pass --ini ({[str(p) for p in found]})")
        ini = found[0]
    python = str(args.env / "bin" / "python") if args.env else sys.executable
    cluster = Cluster()
    try:
        url = cluster.database("drift", args.extensions)
        request = {
            "ini": str(ini), "cwd": str(ini.parent), "checkout": str(checkout), "url": url, "models": args.models,
            "metadata": args.metadata, "stubs": args.stub,
            "script_location": str(args.script_location.resolve()) if args.script_location else None,
            "pythonpath": [str(p.resolve()) for p in args.pythonpath] or [str(checkout)],
        }
        env = dict(os.environ)
        env.update(item.split("=", 1) for item in args.setenv)
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        alembic = run_child(python, request, env)
        cwd = (args.ormlint_cwd or checkout).resolve()
        source = args.ormlint_source.resolve() if args.ormlint_source else None
        generated = None
        if args.generate:
            generated = generate_and_compare(checkout, cwd, source, cluster, args.extensions, request,
                                             python, env)
    finally:
        cluster.stop()
    findings = run_ormlint(cwd, args.ormlint_args, source)
    migrations = [args.ormlint_args[i + 1] for i, a in enumerate(args.ormlint_args) if a == "--migrations"]
    state = ormlint_state(cwd, migrations, source)
    state["ormlint"] = subprocess.run(
        [sys.executable, "-c", (f"import sys; sys.path.insert(0, {str(source)!r}); " if source else "")
         + "import ormlint; print(ormlint.__file__)"], capture_output=True, text=True,
    ).stdout.strip()
    result = compare(alembic, findings, state)
    print_report(result, state, alembic)
    if generated is not None:
        sort_remaining(generated, result)
        print_generated(generated)
    if args.json:
        args.json.write_text(json.dumps({"state": state, "alembic": alembic, "generated": generated, **{
            k: [(list(key), d) for key, d in v] if k in ("agreed", "ormlint_only", "alembic_only", "uncertain") else v
            for k, v in result.items()}}, indent=1, default=str))


if __name__ == "__main__":
    main()
