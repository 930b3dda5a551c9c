"""Oracle for the drift Alembic's autogenerate does not see (ORM711+), on PostgreSQL 15.

The fixture tests/data/beyond_autogenerate/checks_comments is migrated to head on a throwaway
cluster (tests/test_drift_oracle.py's, skipped with the reason when the server is absent). Then:

1. the database really holds the migrations' CHECK conditions (`pg_get_constraintdef`) and
   comments (`obj_description`, `col_description`), not the models';
2. Alembic's `compare_metadata` (compare_type, compare_server_default) reports none of the CHECK
   differences (it compares CHECK constraints not at all) but does report the comments;
3. ormlint reports each difference from source alone (ORM711, ORM712);
4. the revision `ormlint migrations revision` writes brings the database to the models: the same
   conditions and comments, no Alembic item, `ormlint migrations check` exits 0, and the history
   goes down to base and up again through the new revision.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from ormlint.cli import main
from ormlint.sql_expressions import expression_key
from tests.test_drift_oracle import (  # noqa: F401  (postgresql_server is a fixture)
    _flatten, alembic_diffs, fresh_database, load_metadata, ormlint_keys, postgresql_server, run_migrations,
)

FIXTURES = Path(__file__).parent / "data" / "beyond_autogenerate"

EXPECTED = {
    ("ORM711", "products", ("ck_products_price",)),
    ("ORM711", "products", ("ck_products_stock",)),
    ("ORM711", "orders", ("ck_orders_quantity",)),
    ("ORM712", "products", ()),
    ("ORM712", "products", ("price",)),
    ("ORM712", "products", ("note",)),
}


def _copy(name: str, tmp_path: Path) -> Path:
    import shutil

    project = tmp_path / name
    shutil.copytree(FIXTURES / name, project, ignore=shutil.ignore_patterns("__pycache__"))
    return project


def _query(url: str, sql: str, **params) -> list:
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql), params)]
    finally:
        engine.dispose()


def database_state(url: str, tables: list[str]) -> dict:
    """What PostgreSQL holds: each table's CHECK conditions (as keys) and comments."""
    state = {}
    for table in tables:
        checks = _query(url, (
            "SELECT pg_get_constraintdef(c.oid) FROM pg_constraint c JOIN pg_class t ON c.conrelid = t.oid "
            "WHERE c.contype = 'c' AND t.relname = :table"
        ), table=table)
        comment = _query(url, "SELECT obj_description(CAST(:table AS regclass), 'pg_class')", table=table)
        columns = _query(url, (
            "SELECT attname, col_description(attrelid, attnum) FROM pg_attribute "
            "WHERE attrelid = CAST(:table AS regclass) AND attnum > 0 AND NOT attisdropped"
        ), table=table)
        state[table] = {
            "checks": sorted(expression_key(_without_casts(text.removeprefix("CHECK "))) for (text,) in checks),
            "comment": comment[0][0],
            "columns": dict(columns),
        }
    return state


def _without_casts(deparsed: str) -> str:
    """PostgreSQL's text of a condition less the casts it adds (`(name)::text`)."""
    return re.sub(r"::[a-z_]+(?: [a-z_]+)*", "", deparsed)


def model_state(project: Path, tables: list[str]) -> dict:
    """The same, as the models declare it (SQLAlchemy's MetaData of models.py)."""
    from sqlalchemy import CheckConstraint

    metadata = load_metadata(project)
    state = {}
    for name in tables:
        table = metadata.tables[name]
        state[name] = {
            "checks": sorted(
                expression_key(str(c.sqltext))
                for c in [*table.constraints, *(k for column in table.columns for k in column.constraints)]
                if isinstance(c, CheckConstraint)
            ),
            "comment": table.comment,
            "columns": {column.name: column.comment for column in table.columns},
        }
    return state


def _migrated(tmp_path, request):
    pytest.importorskip("alembic")
    project = _copy("checks_comments", tmp_path)
    url = fresh_database("postgresql", tmp_path, request)
    run_migrations(project, url, "head")
    return project, url


TABLES = ["orders", "products"]


def test_the_database_differs_and_alembic_sees_only_the_comments(tmp_path, request):
    project, url = _migrated(tmp_path, request)
    database, models = database_state(url, TABLES), model_state(project, TABLES)
    assert database["products"]["checks"] != models["products"]["checks"]
    assert expression_key("price > 0") in database["products"]["checks"]  # the migrations' condition
    assert expression_key("stock >= 0") not in database["products"]["checks"]
    assert database["orders"]["checks"] == [expression_key("quantity < 1000")] != models["orders"]["checks"]
    assert (database["products"]["comment"], models["products"]["comment"]) == (None, "Things we sell")
    assert database["products"]["columns"]["price"] == "In euros"
    assert database["products"]["columns"]["note"] == "legacy"
    # Alembic: the comments, and not one of the three CHECK differences
    kinds = sorted(diff[0] for diff in _flatten(alembic_diffs(project, url)))
    assert kinds == ["add_table_comment", "modify_comment", "modify_comment"], kinds
    # ormlint, from source alone: all six
    assert ormlint_keys(_copy("checks_comments", tmp_path / "static")) == EXPECTED


def test_the_written_revision_brings_the_database_to_the_models(tmp_path, request):
    project, url = _migrated(tmp_path, request)
    assert_the_revision_syncs(project, url, database_state, model_state, TABLES)


def assert_the_revision_syncs(project: Path, url: str, state, model, tables: list[str]) -> None:
    """`ormlint migrations revision`, upgrade: the database's `state` is the `model`'s, Alembic
    sees nothing, `migrations check` exits 0; down to base and up again."""
    runner = CliRunner()
    assert runner.invoke(main, ["migrations", "check", str(project)]).exit_code == 1
    versions = project / "migrations" / "versions"
    before = set(versions.glob("*.py"))
    written = runner.invoke(main, ["migrations", "revision", "-m", "sync the models", str(project)])
    assert written.exit_code == 0, written.output
    [new] = set(versions.glob("*.py")) - before
    text = new.read_text()
    ast.parse(text)
    run_migrations(project, url, "head")
    assert state(url, tables) == model(project, tables), text
    assert list(_flatten(alembic_diffs(project, url))) == []
    after = runner.invoke(main, ["migrations", "check", str(project)])
    assert after.exit_code == 0, after.output + text
    run_migrations(project, url, "base")  # the new revision's downgrade, then the history's
    run_migrations(project, url, "head")
    assert state(url, tables) == model(project, tables)


# -- computed and identity columns (ORM713, ORM714) ------------------------------------------------

GENERATED_TABLES = ["counters", "invoices"]


def generated_database_state(url: str, tables: list[str]) -> dict:
    """Per column: its generation expression (a key; None: a plain column) from attgenerated and
    pg_attrdef, and its identity (attidentity 'a' always / 'd' by default, the sequence's start)."""
    state = {}
    for table in tables:
        rows = _query(url, (
            "SELECT a.attname, a.attgenerated, pg_get_expr(d.adbin, d.adrelid), a.attidentity, "
            "  (SELECT seqstart FROM pg_sequence WHERE seqrelid = "
            "   CAST(pg_get_serial_sequence(:table, a.attname) AS regclass)) "
            "FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
            "WHERE a.attrelid = CAST(:table AS regclass) AND a.attnum > 0 AND NOT a.attisdropped"
        ), table=table)
        state[table] = {
            name: (
                expression_key(_without_casts(expression)) if generated == "s" else None,
                {"a": "always", "d": "by default"}.get(identity), start if identity else None,
            )
            for name, generated, expression, identity, start in rows
        }
    return state


def generated_model_state(project: Path, tables: list[str]) -> dict:
    from sqlalchemy import Computed, Identity

    metadata = load_metadata(project)
    state = {}
    for name in tables:
        columns = {}
        for column in metadata.tables[name].columns:
            default = column.server_default
            identity = column.identity if isinstance(column.identity, Identity) else None
            columns[column.name] = (
                expression_key(str(default.sqltext)) if isinstance(default, Computed) else None,
                ("always" if identity.always else "by default") if identity is not None else None,
                (identity.start or 1) if identity is not None else None,
            )
        state[name] = columns
    return state


GENERATED_EXPECTED = {
    ("ORM713", "invoices", ("gross",)), ("ORM713", "invoices", ("tax",)),
    ("ORM714", "invoices", ("id",)), ("ORM714", "counters", ("id",)),
}


def _migrated_generated(tmp_path, request):
    pytest.importorskip("alembic")
    project = _copy("computed_identity", tmp_path)
    url = fresh_database("postgresql", tmp_path, request)
    run_migrations(project, url, "head")
    return project, url


def test_computed_and_identity_columns_differ_and_alembic_reports_only_the_identity(tmp_path, request):
    import warnings

    project, url = _migrated_generated(tmp_path, request)
    database, models = generated_database_state(url, GENERATED_TABLES), generated_model_state(project, GENERATED_TABLES)
    assert database["invoices"]["gross"][0] == expression_key("net * 3") != models["invoices"]["gross"][0]
    assert (database["invoices"]["tax"][0], models["invoices"]["tax"][0]) == (None, expression_key("net / 5"))
    assert database["invoices"]["code"][0] == models["invoices"]["code"][0]  # upper(name) agrees
    assert (database["invoices"]["id"][1], models["invoices"]["id"][1]) == ("by default", "always")
    assert (database["counters"]["id"][2], models["counters"]["id"][2]) == (1, 100)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        diffs = list(_flatten(alembic_diffs(project, url)))
    # Alembic: the two identity columns (modify_default), nothing for the computed columns, only
    # its warning that they "cannot be modified"
    assert sorted((d[0], d[2], d[3]) for d in diffs) == [
        ("modify_default", "counters", "id"), ("modify_default", "invoices", "id")]
    assert any("Computed default on invoices.gross cannot be modified" in str(w.message) for w in caught)
    assert ormlint_keys(_copy("computed_identity", tmp_path / "static")) == GENERATED_EXPECTED


def test_the_written_revision_recreates_computed_columns_and_alters_identities(tmp_path, request):
    project, url = _migrated_generated(tmp_path, request)
    assert_the_revision_syncs(project, url, generated_database_state, generated_model_state, GENERATED_TABLES)


# -- primary keys (ORM715) -------------------------------------------------------------------------

KEY_TABLES = ["prices", "tags"]


def key_database_state(url: str, tables: list[str]) -> dict:
    """Each table's primary-key columns, as PostgreSQL holds them (pg_index.indisprimary)."""
    return {table: sorted(name for (name,) in _query(url, (
        "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
        "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = CAST(:table AS regclass) AND i.indisprimary"
    ), table=table)) for table in tables}


def key_model_state(project: Path, tables: list[str]) -> dict:
    metadata = load_metadata(project)
    return {name: sorted(c.name for c in metadata.tables[name].primary_key.columns) for name in tables}


def test_primary_keys_differ_and_alembic_reports_none(tmp_path, request):
    pytest.importorskip("alembic")
    project = _copy("primary_keys", tmp_path)
    url = fresh_database("postgresql", tmp_path, request)
    run_migrations(project, url, "head")
    assert key_database_state(url, KEY_TABLES) == {"prices": ["currency", "product"], "tags": ["name"]}
    assert key_model_state(project, KEY_TABLES) == {"prices": ["product"], "tags": ["lang", "name"]}
    assert list(_flatten(alembic_diffs(project, url))) == []
    assert ormlint_keys(_copy("primary_keys", tmp_path / "static")) == {
        ("ORM715", "prices", ()), ("ORM715", "tags", ()),
    }


def test_the_written_revision_changes_the_primary_keys(tmp_path, request):
    pytest.importorskip("alembic")
    project = _copy("primary_keys", tmp_path)
    url = fresh_database("postgresql", tmp_path, request)
    run_migrations(project, url, "head")
    assert_the_revision_syncs(project, url, key_database_state, key_model_state, KEY_TABLES)


# -- partial indexes (ORM716) ----------------------------------------------------------------------

PARTIAL_TABLES = ["orders", "tickets", "users"]


def predicate_database_state(url: str, tables: list[str]) -> dict:
    """Each table's non-key indexes: name -> the predicate's key (None: not partial)."""
    state = {}
    for table in tables:
        rows = _query(url, (
            "SELECT c.relname, pg_get_expr(i.indpred, i.indrelid) FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = CAST(:table AS regclass) "
            "AND NOT i.indisprimary"
        ), table=table)
        state[table] = {name: expression_key(_without_casts(p)) if p else None for name, p in rows}
    return state


def predicate_model_state(project: Path, tables: list[str]) -> dict:
    metadata = load_metadata(project)
    state = {}
    for name in tables:
        state[name] = {}
        for index in metadata.tables[name].indexes:
            where = index.dialect_options["postgresql"]["where"]
            state[name][index.name] = expression_key(str(where)) if where is not None else None
    return state


def test_partial_indexes_differ_and_alembic_reports_none(tmp_path, request):
    pytest.importorskip("alembic")
    project = _copy("partial_indexes", tmp_path)
    url = fresh_database("postgresql", tmp_path, request)
    run_migrations(project, url, "head")
    database = predicate_database_state(url, PARTIAL_TABLES)
    models = predicate_model_state(project, PARTIAL_TABLES)
    assert database["users"]["ix_users_email"] is None
    assert models["users"]["ix_users_email"] == expression_key("deleted_at IS NULL")
    assert database["orders"]["ix_orders_status"] == expression_key("status <> 'done'")
    assert models["orders"]["ix_orders_status"] is None
    assert database["tickets"]["ix_tickets_priority"] == expression_key("priority > 3")
    assert models["tickets"]["ix_tickets_priority"] == expression_key("priority > 2")
    assert list(_flatten(alembic_diffs(project, url))) == []
    assert ormlint_keys(_copy("partial_indexes", tmp_path / "static")) == {
        ("ORM716", "users", ("email",)), ("ORM716", "orders", ("status",)), ("ORM716", "tickets", ("priority",)),
    }


def test_the_written_revision_recreates_the_partial_indexes(tmp_path, request):
    pytest.importorskip("alembic")
    project = _copy("partial_indexes", tmp_path)
    url = fresh_database("postgresql", tmp_path, request)
    run_migrations(project, url, "head")
    assert_the_revision_syncs(project, url, predicate_database_state, predicate_model_state, PARTIAL_TABLES)


# -- enum labels (ORM717) --------------------------------------------------------------------------

ENUM_TABLES = ["orders", "tickets"]


def label_database_state(url: str, tables: list[str]) -> dict:
    """Each enum column's type name and its labels (as a set: their order is not compared)."""
    rows = _query(url, (
        "SELECT c.relname, a.attname, t.typname, e.enumlabel FROM pg_attribute a "
        "JOIN pg_class c ON c.oid = a.attrelid JOIN pg_type t ON t.oid = a.atttypid "
        "JOIN pg_enum e ON e.enumtypid = t.oid WHERE c.relname = ANY(:tables)"
    ), tables=tables)
    state: dict = {}
    for table, column, enum, label in rows:
        state.setdefault(f"{table}.{column}", (enum, set()))[1].add(label)
    return state


def label_model_state(project: Path, tables: list[str]) -> dict:
    from sqlalchemy import Enum

    metadata = load_metadata(project)
    return {
        f"{name}.{column.name}": (column.type.name, set(column.type.enums))
        for name in tables for column in metadata.tables[name].columns if isinstance(column.type, Enum)
    }


def _insert_fails(url: str, project: Path, table: str, column: str, member: str) -> str:
    """The error PostgreSQL gives an INSERT, through the model's table, of the enum member."""
    from sqlalchemy import create_engine
    from sqlalchemy.exc import DataError
    from sqlalchemy.pool import NullPool

    model = load_metadata(project).tables[table]
    value = getattr(model.c[column].type.enum_class, member)
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection, pytest.raises(DataError) as failed:
            connection.execute(model.insert().values(id=1, **{column: value}))
    finally:
        engine.dispose()
    return type(failed.value.orig).__name__


def test_enum_labels_differ_and_alembic_reports_none(tmp_path, request):
    pytest.importorskip("alembic")
    project = _copy("enum_labels", tmp_path)
    url = fresh_database("postgresql", tmp_path, request)
    run_migrations(project, url, "head")
    database = label_database_state(url, ENUM_TABLES)
    models = label_model_state(project, ENUM_TABLES)
    assert database["orders.status"] == ("order_status", {"PENDING", "PAID"})
    assert models["orders.status"] == ("order_status", {"PENDING", "PAID", "REFUNDED"})  # member names
    assert database["tickets.priority"] == ("priority", {"Low", "High", "Urgent"})
    assert models["tickets.priority"] == ("priority", {"Low", "High", "Urgent", "Critical"})  # values
    assert database["tickets.state"] == models["tickets.state"] == ("ticket_state", {"open", "closed"})
    assert _insert_fails(url, project, "orders", "status", "REFUNDED") == "InvalidTextRepresentation"
    assert list(_flatten(alembic_diffs(project, url))) == []
    assert ormlint_keys(_copy("enum_labels", tmp_path / "static")) == {
        ("ORM717", "orders", ("status",)), ("ORM717", "tickets", ("priority",)),
    }


def test_the_written_revision_adds_the_enum_labels(tmp_path, request):
    pytest.importorskip("alembic")
    project = _copy("enum_labels", tmp_path)
    url = fresh_database("postgresql", tmp_path, request)
    run_migrations(project, url, "head")
    assert_the_revision_syncs(project, url, label_database_state, label_model_state, ENUM_TABLES)


def test_a_label_the_model_dropped_cannot_be_loaded_and_is_left_to_the_author(tmp_path, request):
    pytest.importorskip("alembic")
    from sqlalchemy import create_engine, select, text
    from sqlalchemy.pool import NullPool

    project = _copy("enum_labels", tmp_path)
    url = fresh_database("postgresql", tmp_path, request)
    run_migrations(project, url, "head")
    models = project / "models.py"
    models.write_text(models.read_text().replace('"open", "closed", name=', '"closed", name='))
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            connection.execute(text("INSERT INTO tickets VALUES (1, 'Low', 'open')"))
            tickets = load_metadata(project).tables["tickets"]
            with pytest.raises(LookupError):
                connection.execute(select(tickets.c.state)).all()
    finally:
        engine.dispose()
    assert ("ORM717", "tickets", ("state",)) in ormlint_keys(project)
    result = CliRunner().invoke(main, ["migrations", "diff", str(project)])
    assert "# TODO by hand: enum type `ticket_state`: the model no longer declares 'open'" in result.output
    assert "DROP" not in result.output and "'open'" not in result.output.split("TODO by hand: enum type `ticket_state`")[0]


# -- SERIAL against Identity (ORM714) ---------------------------------------------------------------

SERIAL_TABLES = ["badges", "tickets"]


def _execute(url: str, *statements: str) -> list:
    """Run statements in one transaction; the rows of the last."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.begin() as connection:
            for statement in statements:
                result = connection.execute(text(statement))
            return [tuple(row) for row in result] if result.returns_rows else []
    finally:
        engine.dispose()


def _migrated_serial(tmp_path, request):
    pytest.importorskip("alembic")
    project = _copy("serial_identity", tmp_path)
    url = fresh_database("postgresql", tmp_path, request)
    run_migrations(project, url, "head")
    _execute(url, "INSERT INTO tickets (id, title) VALUES (1, 'a'), (7, 'b')",
             "INSERT INTO badges (label) VALUES ('a'), ('b')")
    return project, url


def test_serial_and_identity_differ_and_alembic_sees_only_a_default(tmp_path, request):
    from sqlalchemy.exc import DBAPIError

    project, url = _migrated_serial(tmp_path, request)
    database = _query(url, (
        "SELECT c.relname, a.attidentity, pg_get_expr(d.adbin, d.adrelid) FROM pg_attribute a "
        "JOIN pg_class c ON c.oid = a.attrelid LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
        "WHERE c.relname IN ('tickets', 'badges') AND a.attname = 'id' ORDER BY c.relname"))
    assert database == [("badges", "d", None), ("tickets", "", "nextval('tickets_id_seq'::regclass)")]
    models = generated_model_state(project, SERIAL_TABLES)
    assert (models["tickets"]["id"][1], models["badges"]["id"][1]) == ("always", None)
    # Alembic sees it only with compare_server_default, as a default change, whose rendering
    # (`alter_column(server_default=sa.Identity())`: ADD GENERATED) fails on the SERIAL column below
    diffs = sorted((d[0], d[2], d[3], type(d[-1]).__name__, type(d[-2]).__name__) for d in _flatten(alembic_diffs(project, url)))
    assert diffs == [("modify_default", "badges", "id", "NoneType", "Identity"),
                     ("modify_default", "tickets", "id", "Identity", "NoneType")], diffs
    assert ormlint_keys(_copy("serial_identity", tmp_path / "static")) == {
        ("ORM714", "tickets", ("id",)), ("ORM714", "badges", ("id",))}
    # what breaks: the SERIAL column took the explicit ids GENERATED ALWAYS refuses
    _execute(url, "CREATE TABLE always_copy (id INTEGER GENERATED ALWAYS AS IDENTITY PRIMARY KEY)")
    with pytest.raises(DBAPIError, match="cannot insert a non-DEFAULT value"):
        _execute(url, "INSERT INTO always_copy (id) VALUES (7)")
    # and Alembic's own way to add an identity fails on the SERIAL column
    with pytest.raises(DBAPIError, match="already has a default value"):
        _execute(url, "ALTER TABLE tickets ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY")


def test_the_written_sql_converts_serial_and_identity_keeping_the_next_id(tmp_path, request):
    project, url = _migrated_serial(tmp_path, request)
    diff = CliRunner().invoke(main, ["migrations", "diff", str(project)])
    assert diff.exit_code == 0, diff.output
    upgrade = diff.output.split("def downgrade", 1)[0]
    assert "op." not in upgrade  # nothing applied silently
    steps = [line.strip()[1:].strip() for line in upgrade.splitlines() if line.strip().startswith("#     ")]
    assert len(steps) == 8, diff.output
    _execute(url, *steps)
    assert generated_database_state(url, SERIAL_TABLES) == generated_model_state(project, SERIAL_TABLES)
    assert _execute(url, "INSERT INTO tickets (title) VALUES ('c') RETURNING id") == [(8,)]
    assert _execute(url, "INSERT INTO badges (label) VALUES ('c') RETURNING id") == [(3,)]
    assert list(_flatten(alembic_diffs(project, url))) == []
