"""Migration safety ORM722-ORM726 (constraints, NOT NULL, type changes) and `target-version`."""

from __future__ import annotations

from pathlib import Path

import pytest

from ormlint.config import ConfigError, load_settings
from ormlint.engine import run
from ormlint.migrations import parse_revision, replay
from ormlint.migrations.operations import CreateCheckConstraint, ValidateConstraint
from ormlint.migrations.revisions import RevisionGraph
from tests.rules.test_orm72x import _INI, _revision, _write

_TABLE = (
    'op.create_table("invoices", sa.Column("id", sa.Integer(), primary_key=True), '
    'sa.Column("number", sa.String(20), nullable=False), sa.Column("note", sa.String(20)), '
    'sa.Column("customer_id", sa.Integer()))'
)


def _findings(tmp_path, body: str, before: str = _TABLE, config: str = "[tool.ormlint]\n", env: str | None = None):
    files = {
        "alembic.ini": _INI,
        "pyproject.toml": config,
        "migrations/versions/0001_init.py": _revision("0001", None, before),
        "migrations/versions/0002_head.py": _revision("0002", "0001", body),
    }
    if env is not None:
        files["migrations/env.py"] = env
    _write(tmp_path, files)
    findings = run([tmp_path], load_settings([tmp_path]), jobs=1).findings
    return [(f.line, f.code, f.message) for f in findings if f.code.startswith("ORM72")]


def _codes(tmp_path, body: str, **kwargs) -> list[tuple[int, str]]:
    return [(line, code) for line, code, _ in _findings(tmp_path, body, **kwargs)]


# -- the reader ----------------------------------------------------------------------------------


def test_reader_records_not_valid_check_constraints_validate_and_alter_column_facts():
    source = _revision("0002", "0001", """
        op.create_foreign_key("fk", "t", "u", ["u_id"], ["id"], postgresql_not_valid=True)
        op.create_foreign_key("fk2", "t", "u", ["u_id"], ["id"], postgresql_not_valid=FLAG)
        op.create_check_constraint("ck", "t", "a IS NOT NULL")
        op.execute('ALTER TABLE "t" VALIDATE CONSTRAINT ck;')
        with op.get_context().autocommit_block():
            op.execute(sa.text("ALTER TABLE t VALIDATE CONSTRAINT fk"))
        op.alter_column("t", "a", type_=sa.BigInteger(), existing_type=sa.Integer(),
                        existing_nullable=True, postgresql_using="a::bigint")
        with op.batch_alter_table("t") as batch_op:
            batch_op.create_check_constraint("ck_b", "b > 0", postgresql_not_valid=True)
    """)
    fk, fk2, ck, validate, validate_in_block, alter, batch_ck = parse_revision("r.py", source).operations
    assert (fk.not_valid, fk2.not_valid) == (True, None)
    assert ck == CreateCheckConstraint("ck", "t", "a IS NOT NULL", ck.location, False)
    assert validate == ValidateConstraint("t", "ck", validate.location, False)
    assert validate_in_block == ValidateConstraint("t", "fk", validate_in_block.location, True)
    assert (alter.type, alter.existing_type, alter.existing_nullable, alter.using) == ("BIGINT", "INTEGER", True, True)
    assert (batch_ck.table, batch_ck.condition, batch_ck.not_valid) == ("t", "b > 0", True)


def test_check_constraints_and_validate_leave_the_replayed_table_known():
    """They change nothing but CHECK constraints: the table stays certain (a VALIDATE used to be
    SQL of unknown effect); a check constraint on a non-literal table leaves only the tables'
    CHECK constraints unknown (ORM711)."""
    first = parse_revision("1.py", _revision("0001", None, _TABLE))
    second = parse_revision("2.py", _revision("0002", "0001", """
        op.create_check_constraint("ck", "invoices", "id > 0", postgresql_not_valid=True)
        op.execute("ALTER TABLE invoices VALIDATE CONSTRAINT ck")
        op.create_check_constraint("ck2", TABLE, "id > 0")
    """))
    assert len(second.operations) == 3
    schema = replay(RevisionGraph([first, second]), "postgresql")
    assert not schema.uncertain and not schema.tables["invoices"].uncertain
    assert not schema.tables["invoices"].checks_known


# -- ORM722 --------------------------------------------------------------------------------------


def test_orm722_reports_a_foreign_key_and_names_both_locked_tables(tmp_path):
    before = _TABLE + '\nop.create_table("customers", sa.Column("id", sa.Integer(), primary_key=True))'
    findings = _findings(tmp_path, 'op.create_foreign_key("fk_c", "invoices", "customers", ["customer_id"], ["id"])', before)
    assert [(line, code) for line, code, _ in findings] == [(9, "ORM722")]
    assert "SHARE ROW EXCLUSIVE lock on it and on `customers`" in findings[0][2]
    assert "ALTER TABLE invoices VALIDATE CONSTRAINT fk_c" in findings[0][2]


@pytest.mark.parametrize("body", [
    'op.create_check_constraint("ck", "invoices", "id > 0", postgresql_not_valid=True)',
    'op.create_check_constraint("ck", "invoices", "id > 0", postgresql_not_valid=FLAG)',  # not a literal
    # validated in a later transaction: the autocommit block commits the first one
    """
    op.create_check_constraint("ck", "invoices", "id > 0", postgresql_not_valid=True)
    with op.get_context().autocommit_block():
        op.execute("ALTER TABLE invoices VALIDATE CONSTRAINT ck")
    """,
    """
    with op.get_context().autocommit_block():
        op.create_check_constraint("ck", "invoices", "id > 0", postgresql_not_valid=True)
    op.execute("ALTER TABLE invoices VALIDATE CONSTRAINT ck")
    """,
    # a constraint an earlier revision added: VALIDATE alone takes a weak lock
    'op.execute("ALTER TABLE invoices VALIDATE CONSTRAINT ck_old")',
    # tables without old rows, or locked anyway
    """
    op.create_table("payments", sa.Column("id", sa.Integer(), primary_key=True))
    op.create_check_constraint("ck", "payments", "id > 0")
    """,
    """
    op.create_check_constraint("ck", "invoices", "id > 0")
    op.drop_table("invoices")
    """,
])
def test_orm722_leaves_alone(tmp_path, body):
    assert _codes(tmp_path, body) == []


def test_orm722_reports_validate_in_the_transaction_that_added_it(tmp_path):
    body = """
        op.create_check_constraint("ck", "invoices", "id > 0", postgresql_not_valid=True)
        op.execute("ALTER TABLE invoices VALIDATE CONSTRAINT ck")
    """
    assert _codes(tmp_path, body) == [(10, "ORM722")]


def test_orm722_validate_is_fine_when_env_py_runs_outside_a_transaction(tmp_path):
    env = (
        "from alembic import context\n\n"
        "def run_migrations_online(connectable):\n"
        '    with connectable.connect().execution_options(isolation_level="AUTOCOMMIT") as c:\n'
        "        context.configure(connection=c, target_metadata=None)\n"
        "        context.run_migrations()\n"
    )
    body = """
        op.create_check_constraint("ck", "invoices", "id > 0", postgresql_not_valid=True)
        op.execute("ALTER TABLE invoices VALIDATE CONSTRAINT ck")
    """
    assert _codes(tmp_path, body, env=env) == []


# -- ORM723 --------------------------------------------------------------------------------------


def test_orm723_reports_a_primary_key_with_the_using_index_spelling(tmp_path):
    findings = _findings(tmp_path, 'op.create_primary_key(None, "invoices", ["number"])')
    assert [(line, code) for line, code, _ in findings] == [(9, "ORM723")]
    assert 'op.create_index("invoices_number_pkey", "invoices", ["number"], unique=True' in findings[0][2]
    assert (
        'ALTER TABLE invoices ADD CONSTRAINT invoices_number_pkey PRIMARY KEY USING INDEX '
        'invoices_number_pkey' in findings[0][2]
    )


def test_orm723_leaves_alone_a_table_the_revision_renames_from_a_new_one(tmp_path):
    body = """
        op.create_table("payments", sa.Column("id", sa.Integer(), nullable=False))
        op.rename_table("payments", "payments_v2")
        op.create_unique_constraint("uq", "payments_v2", ["id"])
    """
    assert _codes(tmp_path, body) == []


# -- ORM724 --------------------------------------------------------------------------------------


def test_orm724_reports_a_column_the_replay_knows_was_nullable(tmp_path):
    findings = _findings(tmp_path, 'op.alter_column("invoices", "note", nullable=False)')
    assert [(line, code) for line, code, _ in findings] == [(9, "ORM724")]
    assert 'op.create_check_constraint("ck_invoices_note_not_null", "invoices", "note IS NOT NULL"' in findings[0][2]


def test_orm724_follows_an_earlier_alter_column(tmp_path):
    before = _TABLE + '\nop.alter_column("invoices", "number", nullable=True)'
    assert _codes(tmp_path, 'op.alter_column("invoices", "number", nullable=False)', before=before) == [(9, "ORM724")]


@pytest.mark.parametrize(("body", "before"), [
    ('op.alter_column("invoices", "number", nullable=False)', _TABLE),  # already NOT NULL
    ('op.alter_column("invoices", "missing", nullable=False, existing_nullable=True)', _TABLE),
    # SQL ormlint does not read may have changed the column
    ('op.alter_column("invoices", "note", nullable=False)',
     _TABLE + '\nop.execute("ALTER TABLE invoices ALTER COLUMN note SET DEFAULT 0")'),
    # the PostgreSQL 12+ route: a check proves it, SET NOT NULL does not scan
    ('op.alter_column("invoices", "note", nullable=False)',
     _TABLE + '\nop.create_check_constraint("ck", "invoices", "note IS NOT NULL", postgresql_not_valid=True)'),
    ("""
    op.add_column("invoices", sa.Column("currency", sa.String(3), nullable=True))
    op.execute("UPDATE invoices SET currency = 'EUR'")
    op.alter_column("invoices", "currency", nullable=False)
    """, _TABLE),
])
def test_orm724_leaves_alone(tmp_path, body, before):
    assert _codes(tmp_path, body, before=before) == []


def test_orm724_says_when_the_target_version_cannot_skip_the_scan(tmp_path):
    config = "[tool.ormlint]\ntarget-version = 11\n"
    findings = _findings(tmp_path, 'op.alter_column("invoices", "note", nullable=False)', config=config)
    assert [code for _, code, _ in findings] == ["ORM724"]
    assert "PostgreSQL 11.0 (target-version) cannot skip the scan" in findings[0][2]
    assert "create_check_constraint" not in findings[0][2]


# -- ORM725 / ORM726 -----------------------------------------------------------------------------


def test_orm725_knows_the_old_type_from_the_replay(tmp_path):
    findings = _findings(tmp_path, 'op.alter_column("invoices", "customer_id", type_=sa.BigInteger())')
    assert [(line, code) for line, code, _ in findings] == [(9, "ORM725")]
    assert "from INTEGER to BIGINT rewrites the whole table" in findings[0][2]


@pytest.mark.parametrize("body", [
    'op.alter_column("invoices", "number", type_=sa.String(40))',
    'op.alter_column("invoices", "number", type_=sa.Text())',
    'op.alter_column("invoices", "number", type_=sa.String())',
    'op.alter_column("invoices", "number", type_=sa.String(20))',  # no change
    'op.alter_column("invoices", "number", type_=MyType())',  # unknown type
    # existing_type says otherwise, the replay knows better
    'op.alter_column("invoices", "number", type_=sa.String(40), existing_type=sa.Integer())',
    # USING may or may not keep the bytes: not judged
    'op.alter_column("invoices", "number", type_=sa.Text(), postgresql_using="number::text")',
])
def test_orm725_leaves_alone(tmp_path, body):
    assert [c for c in _codes(tmp_path, body) if c[1] == "ORM725"] == []


def test_orm725_reads_existing_type_when_the_replay_cannot_read_the_column_type(tmp_path):
    before = _TABLE + '\nop.add_column("invoices", sa.Column("total", MyInteger()))'
    body = 'op.alter_column("invoices", "total", type_=sa.BigInteger(), existing_type=sa.Integer())'
    assert _codes(tmp_path, body, before=before) == [(9, "ORM725")]


def test_orm725_and_orm726_do_not_trust_existing_type_when_the_replay_is_unsure_of_the_table(tmp_path):
    """Autogenerate run against SQLite writes `existing_type=sa.NUMERIC()` for a UUID column
    (SmartWalletFX 0007): on PostgreSQL the column is a UUID already."""
    before = """
        op.create_table("users", sa.Column("id", sa.UUID(), primary_key=True))
        op.execute("DROP INDEX IF EXISTS ix_old")
    """
    body = 'op.alter_column("users", "id", existing_type=sa.NUMERIC(), type_=sa.UUID())'
    assert _codes(tmp_path, body, before=before) == []


def test_orm725_a_using_conversion_rewrites(tmp_path):
    body = 'op.alter_column("invoices", "number", type_=sa.Integer(), postgresql_using="number::integer")'
    assert _codes(tmp_path, body) == [(9, "ORM725")]


def test_orm726_reports_a_change_without_an_automatic_cast(tmp_path):
    findings = _findings(tmp_path, 'op.alter_column("invoices", "number", type_=sa.Integer())')
    assert [(line, code) for line, code, _ in findings] == [(9, "ORM726")]  # not ORM725 too
    assert 'column "number" cannot be cast automatically to type integer' in findings[0][2]
    assert 'postgresql_using="number::integer"' in findings[0][2]


def test_orm726_also_judges_a_table_the_revision_creates(tmp_path):
    body = """
        op.create_table("flags", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("on", sa.Integer()))
        op.alter_column("flags", "on", type_=sa.Boolean())
    """
    assert _codes(tmp_path, body) == [(10, "ORM726")]


# -- target-version ------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "expected"), [("11", (11, 0)), ('"9.6"', (9, 6)), ('"15"', (15, 0))])
def test_target_version_is_a_major_number_or_a_major_minor_string(tmp_path, value, expected):
    (tmp_path / "pyproject.toml").write_text(f"[tool.ormlint]\ntarget-version = {value}\n")
    assert load_settings([tmp_path]).rule_options.target_version == expected


@pytest.mark.parametrize("value", ['"postgresql 11"', "0", "true", '"11.x"', "11.5", '""'])
def test_a_bad_target_version_is_a_configuration_error(tmp_path, value):
    (tmp_path / "pyproject.toml").write_text(f"[tool.ormlint]\ntarget-version = {value}\n")
    with pytest.raises(ConfigError, match="target-version"):
        load_settings([tmp_path])


def test_a_bad_target_version_exits_2(tmp_path):
    from click.testing import CliRunner

    from ormlint.cli import main

    (tmp_path / "pyproject.toml").write_text('[tool.ormlint]\ntarget-version = "postgresql 11"\n')
    (tmp_path / "m.py").write_text("import sqlalchemy\n")
    result = CliRunner().invoke(main, ["check", "--no-cache", str(tmp_path)])
    assert result.exit_code == 2 and "target-version" in result.output


def test_a_history_kept_for_another_dialect_is_not_judged(tmp_path):
    """env.py picks `versions/<dialect>` when it runs (as Prefect does): the SQLite history is
    not judged for PostgreSQL, the PostgreSQL one is."""
    body = 'op.create_check_constraint("ck", "invoices", "id > 0")'
    files = {
        "alembic.ini": _INI,
        "pyproject.toml": "[tool.ormlint]\n",
        "migrations/env.py": (
            "from alembic import context\n\n"
            "dialect = context.get_bind().dialect.name\n"
            'context.script.version_locations = [f"migrations/versions/{dialect}"]\n'
        ),
    }
    for dialect in ("postgresql", "sqlite"):
        files[f"migrations/versions/{dialect}/0001_init.py"] = _revision("0001", None, _TABLE)
        files[f"migrations/versions/{dialect}/0002_head.py"] = _revision("0002", "0001", body)
    _write(tmp_path, files)
    findings = run([tmp_path], load_settings([tmp_path]), jobs=1).findings
    assert [(Path(f.path).parent.name, f.code) for f in findings] == [("postgresql", "ORM722")]


@pytest.mark.parametrize(("emptying", "expected"), [
    ('op.execute("DELETE FROM invoices;")', []),
    ('op.execute("TRUNCATE TABLE invoices")', []),
    ('op.execute(\'DELETE FROM "invoices"\')', []),
    # rows are left: judged
    ('op.execute("DELETE FROM invoices WHERE id < 10")', ["ORM722", "ORM723", "ORM724", "ORM725"]),
    ('op.execute("""DELETE FROM invoices\nWHERE id < 10""")', ["ORM722", "ORM723", "ORM724", "ORM725"]),
    ('op.execute("DELETE FROM customers")', ["ORM722", "ORM723", "ORM724", "ORM725"]),
])
def test_a_table_the_revision_empties_first_holds_no_old_rows(tmp_path, emptying, expected):
    body = emptying + """
op.create_check_constraint("ck", "invoices", "id > 0")
op.create_unique_constraint("uq", "invoices", ["number"])
op.alter_column("invoices", "note", nullable=False)
op.alter_column("invoices", "customer_id", type_=sa.BigInteger())
"""
    assert sorted(code for _, code in _codes(tmp_path, body)) == expected


def test_orm723_names_an_unnamed_constraint_of_a_schema_table_without_the_schema(tmp_path):
    before = 'op.create_table("stuff", sa.Column("name", sa.String(20)), schema="happy")'
    findings = _findings(tmp_path, 'op.create_unique_constraint(None, "stuff", ["name"], schema="happy")', before)
    assert [code for _, code, _ in findings] == ["ORM723"]
    assert 'op.create_index("stuff_name_key", "stuff", ["name"], unique=True, postgresql_concurrently=True, schema="happy")' in findings[0][2]
    assert (
        'ALTER TABLE happy.stuff ADD CONSTRAINT stuff_name_key UNIQUE USING INDEX stuff_name_key'
        in findings[0][2]
    )


@pytest.mark.parametrize(("config", "default", "expected"), [
    ("target-version = 10\n", '"EUR"', ["ORM731"]),
    ('target-version = "9.6"\n', 'sa.text("0")', ["ORM731"]),
    ("target-version = 10\n", 'sa.text("NULL")', []),  # nothing to write into the rows
    ("target-version = 11\n", '"EUR"', []),
    ("", '"EUR"', []),  # not given: a current server
])
def test_orm731_before_postgresql_11_every_default_rewrites(tmp_path, config, default, expected):
    body = f'op.add_column("invoices", sa.Column("currency", sa.String(3), server_default={default}))'
    _write(tmp_path, {
        "alembic.ini": _INI,
        "pyproject.toml": "[tool.ormlint]\n" + config,
        "migrations/versions/0001_init.py": _revision("0001", None, _TABLE),
        "migrations/versions/0002_head.py": _revision("0002", "0001", body),
    })
    findings = run([tmp_path], load_settings([tmp_path]), jobs=1).findings
    assert [f.code for f in findings] == expected
    if expected:
        assert "(target-version) writes the default into every row" in findings[0].message
