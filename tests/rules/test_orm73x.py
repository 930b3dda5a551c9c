"""Migration safety, rules 7-11 of issue 16 (ORM730 and up): what the reader records, what is
reported and what is left alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from ormlint.migrations import parse_revision
from tests.helpers import lint_project
from tests.rules.test_orm72x import _INI, _revision

_SQLITE = '[tool.ormlint]\ntarget-dialect = "sqlite"\n'
_INVOICES = """
    op.create_table(
        "invoices",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("number", sa.String(20), unique=True),
        sa.Column("code", sa.String(20), index=True),
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customers.id")),
        sa.Column("note", sa.Text()),
    )
"""


def _head(tmp_path, body: str, before: str = _INVOICES, pyproject: str = _SQLITE) -> list[tuple[str, int, str]]:
    files = {
        "alembic.ini": _INI,
        "pyproject.toml": pyproject,
        "migrations/versions/0001_init.py": _revision("0001", None, before),
        "migrations/versions/0002_head.py": _revision("0002", "0001", body),
    }
    return [(Path(p).name, line, code) for p, line, code in lint_project(files, tmp_path)]


def _codes(findings) -> list[str]:
    return [code for _, _, code in findings if code.startswith("ORM73")]


def test_reader_records_batch_mode():
    source = _revision("0002", "0001", """
        op.drop_column("t", "a")
        op.drop_constraint("uq", "t", type_="unique")
        with op.batch_alter_table("t") as batch_op:
            batch_op.drop_column("a")
            batch_op.alter_column("b", nullable=False)
            batch_op.create_unique_constraint("uq", ["b"])
            batch_op.create_foreign_key("fk", "u", ["c"], ["id"])
            batch_op.create_primary_key("pk", ["id"])
            batch_op.drop_constraint("uq", type_="unique")
    """)
    operations = parse_revision("r.py", source).operations
    assert [(type(o).__name__, o.in_batch) for o in operations] == [
        ("DropColumn", False), ("DropConstraint", False), ("DropColumn", True),
        ("AlterColumn", True), ("CreateUniqueConstraint", True), ("CreateForeignKey", True),
        ("CreatePrimaryKey", True), ("DropConstraint", True),
    ]


@pytest.mark.parametrize("body", [
    'op.create_unique_constraint("uq", "invoices", ["note"])',
    'op.create_unique_constraint(None, "invoices", ["note"])',
    'op.create_foreign_key("fk", "invoices", "customers", ["note"], ["id"])',
    'op.create_primary_key("pk", "invoices", ["id"])',
    'op.drop_constraint("uq", "invoices", type_="unique")',
    'op.alter_column("invoices", "note", nullable=False)',
    'op.alter_column("invoices", "note", type_=sa.String(50))',
    'op.alter_column("invoices", "note", server_default="x")',
    'op.alter_column("invoices", "note", server_default=None)',
    'op.drop_column("invoices", "id")',  # primary key
    'op.drop_column("invoices", "number")',  # unique
    'op.drop_column("invoices", "code")',  # indexed
    'op.drop_column("invoices", "customer_id")',  # foreign key
])
def test_orm730_reports_what_sqlite_cannot_alter(tmp_path, body):
    assert _codes(_head(tmp_path, body)) == ["ORM730"]


@pytest.mark.parametrize("body", [
    'op.drop_column("invoices", "note")',  # DROP COLUMN of a plain column: SQLite 3.35+
    'op.alter_column("invoices", "note", new_column_name="remark")',  # RENAME COLUMN: 3.25+
    'op.alter_column("invoices", "note", existing_type=sa.Text())',  # changes nothing
    'op.drop_column("invoices", "unknown")',  # not a column the replay knows
    'op.drop_column("elsewhere", "id")',  # not a table the replay knows
    """
    with op.batch_alter_table("invoices") as batch_op:
        batch_op.drop_column("number")
        batch_op.alter_column("note", nullable=False)
        batch_op.create_unique_constraint("uq", ["note"])
        batch_op.drop_constraint("uq_other", type_="unique")
    """,
    """
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("invoices") as batch_op:
            batch_op.alter_column("note", nullable=False)
    else:
        op.alter_column("invoices", "note", nullable=False)
    """,
    """
    if op.get_bind().dialect.name != "sqlite":
        op.create_unique_constraint("uq", "invoices", ["note"])
    """,
])
def test_orm730_leaves_alone_what_sqlite_runs(tmp_path, body):
    assert _codes(_head(tmp_path, body)) == []


def test_orm730_reads_the_table_as_the_earlier_operations_left_it(tmp_path):
    body = """
        op.create_index("ix_invoices_note", "invoices", ["note"])
        op.drop_column("invoices", "note")
    """
    assert _head(tmp_path, body) == [("0002_head.py", 10, "ORM730")]
    before = _INVOICES + '    op.drop_index("ix_invoices_code", table_name="invoices")'
    assert _codes(_head(tmp_path, 'op.drop_column("invoices", "code")', before)) == []


def test_orm730_a_table_the_replay_is_unsure_of_is_left_alone(tmp_path):
    before = _INVOICES + '    op.execute("ALTER TABLE invoices DROP CONSTRAINT invoices_number_key")'
    assert _codes(_head(tmp_path, 'op.drop_column("invoices", "number")', before)) == []


def test_orm730_judges_sqlite_targets_only(tmp_path):
    body = 'op.alter_column("invoices", "note", nullable=False)'
    assert _codes(_head(tmp_path, body, pyproject="[tool.ormlint]\n")) == []


_PG_INVOICES = 'op.create_table("invoices", sa.Column("id", sa.Integer(), primary_key=True))'


@pytest.mark.parametrize("default", [
    'sa.text("gen_random_uuid()")',
    "sa.func.gen_random_uuid()",
    'sa.text("uuid_generate_v4()")',
    'sa.text("(random() * 10)::int")',
    "sa.func.clock_timestamp()",
    """sa.text("nextval('invoice_numbers')")""",
    'sa.text("pg_catalog.gen_random_uuid()")',
])
def test_orm731_reports_volatile_defaults_on_existing_tables(tmp_path, default):
    body = f'op.add_column("invoices", sa.Column("v", sa.Uuid(), server_default={default}))'
    assert _codes(_head(tmp_path, body, _PG_INVOICES, "[tool.ormlint]\n")) == ["ORM731"]


@pytest.mark.parametrize("body", [
    'op.add_column("invoices", sa.Column("v", sa.DateTime(), server_default=sa.text("now()")))',
    'op.add_column("invoices", sa.Column("v", sa.DateTime(), server_default=sa.func.now()))',
    'op.add_column("invoices", sa.Column("v", sa.Text(), server_default="random()"))',  # a string
    'op.add_column("invoices", sa.Column("v", sa.Text(), server_default=sa.text("my_random()")))',
    'op.alter_column("invoices", "id", server_default=sa.text("gen_random_uuid()"))',  # new rows only
    """
    op.create_table("tokens", sa.Column("id", sa.Integer(), primary_key=True))
    op.add_column("tokens", sa.Column("v", sa.Uuid(), server_default=sa.text("gen_random_uuid()")))
    """,
    """
    op.add_column("invoices", sa.Column("v", sa.Uuid(), server_default=sa.text("gen_random_uuid()")))
    op.drop_table("invoices")
    """,
])
def test_orm731_leaves_alone_what_does_not_rewrite_a_used_table(tmp_path, body):
    assert _codes(_head(tmp_path, body, _PG_INVOICES, "[tool.ormlint]\n")) == []


def test_orm731_judges_postgresql_only(tmp_path):
    body = 'op.add_column("invoices", sa.Column("v", sa.Uuid(), server_default=sa.text("gen_random_uuid()")))'
    assert _codes(_head(tmp_path, body, _PG_INVOICES)) == []  # sqlite


def _mapped_history(tmp_path, model_columns: str, *bodies: str, tablename: str = "invoices"):
    """A model of `tablename` with `model_columns`; 0001 creates invoices (id, number, note),
    each body a revision after it. All revisions judged; the ORM732 findings' (file, message)."""
    from ormlint.config import load_settings
    from ormlint.engine import run

    files = {
        "alembic.ini": _INI,
        "pyproject.toml": "[tool.ormlint]\n",
        "models.py": (
            "import sqlalchemy as sa\nfrom sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column\n\n\n"
            "class Base(DeclarativeBase):\n    pass\n\n\nclass Invoice(Base):\n"
            f'    __tablename__ = "{tablename}"\n    id: Mapped[int] = mapped_column(primary_key=True)\n'
            + "".join(f"    {c}: Mapped[str] = mapped_column(sa.Text())\n" for c in model_columns.split())
        ),
        "migrations/versions/0001_init.py": _revision("0001", None, """
            op.create_table(
                "invoices",
                sa.Column("id", sa.Integer(), primary_key=True),
                sa.Column("number", sa.Text()),
                sa.Column("note", sa.Text()),
            )
        """),
    }
    for i, body in enumerate(bodies, start=2):
        files[f"migrations/versions/000{i}_next.py"] = _revision(f"000{i}", f"000{i - 1}", body)
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    settings = load_settings([tmp_path]).with_overrides(all_revisions=True)
    return [(Path(f.path).name, f.message) for f in run([tmp_path], settings, jobs=1).findings if f.code == "ORM732"]


def test_orm732_a_drop_of_a_column_the_model_maps(tmp_path):
    [(name, message)] = _mapped_history(tmp_path, "number note", 'op.drop_column("invoices", "note")')
    assert name == "0002_next.py"
    assert "the model `Invoice` still maps `invoices.note`" in message


def test_orm732_a_drop_of_a_table_the_model_maps(tmp_path):
    [(_, message)] = _mapped_history(tmp_path, "number note", 'op.drop_table("invoices")')
    assert message.startswith("`drop_table` of table `invoices`: the model `Invoice` still maps")


@pytest.mark.parametrize("bodies", [
    ('op.drop_column("invoices", "note")',),  # the model no longer maps it: expand/contract
    ('op.drop_column("invoices", "number")', 'op.add_column("invoices", sa.Column("number", sa.Text()))'),
    ('op.alter_column("invoices", "note", new_column_name="remark")',),  # no model maps either
    ("""
     op.create_table("drafts", sa.Column("id", sa.Integer(), primary_key=True))
     op.rename_table("drafts", "invoices_old")
     """,),
])
def test_orm732_leaves_alone_names_no_model_maps_at_the_head(tmp_path, bodies):
    assert _mapped_history(tmp_path, "number", *bodies) == []


def test_orm732_a_rename_breaks_the_code_that_still_runs(tmp_path):
    [(_, message)] = _mapped_history(
        tmp_path, "number remark", 'op.alter_column("invoices", "note", new_column_name="remark")',
    )
    assert "while the deploy rolls out" in message and "maps the new one" in message


def test_orm732_a_rename_the_model_does_not_follow_is_escalated(tmp_path):
    [(_, message)] = _mapped_history(tmp_path, "number note", 'op.rename_table("invoices", "bills")')
    assert "rename of table `invoices` to `bills`: the model `Invoice` still maps table `invoices`" in message
    assert "every query of it fails" in message


def test_orm732_a_drop_of_a_column_a_mixin_maps(tmp_path):
    from ormlint.config import load_settings
    from ormlint.engine import run

    assert _mapped_history(tmp_path, "number", 'op.drop_column("invoices", "note")') == []
    models = tmp_path / "models.py"  # now `note` is declared on a mixin of the model
    models.write_text(models.read_text().replace(
        "class Invoice(Base):\n",
        "class Noted:\n    note: Mapped[str] = mapped_column(sa.Text())\n\n\nclass Invoice(Noted, Base):\n",
    ))
    settings = load_settings([tmp_path]).with_overrides(all_revisions=True)
    [message] = [f.message for f in run([tmp_path], settings, jobs=1).findings if f.code == "ORM732"]
    assert "the model `Invoice` still maps `invoices.note`" in message


def test_orm732_a_renamed_table_the_model_follows(tmp_path):
    body = 'op.rename_table("invoices", "bills")'
    [(_, message)] = _mapped_history(tmp_path, "number note", body, tablename="bills")
    assert "while the deploy rolls out" in message


def test_a_decorated_upgrade_is_not_judged(tmp_path):
    # ihatemoney's `@utils.skip_if_sqlite`: whether the body runs is the decorator's choice
    files = {
        "alembic.ini": _INI,
        "pyproject.toml": _SQLITE,
        "migrations/versions/0001_init.py": _revision("0001", None, _INVOICES),
        "migrations/versions/0002_head.py": _revision("0002", "0001", """
            op.alter_column("invoices", "note", type_=sa.String(256))
        """).replace("def upgrade", "@skip_if_sqlite\ndef upgrade"),
    }
    assert _codes(lint_project(files, tmp_path)) == []


_APP_MODELS = """
import enum

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Status(enum.Enum):
    open = "open"


class Base(DeclarativeBase):
    pass


class Invoice(Base):
    __tablename__ = "invoices"
    id: Mapped[int] = mapped_column(primary_key=True)
"""


def _importing_revision(tmp_path, imports: str, models_path: str = "app/models.py"):
    files = {
        "alembic.ini": _INI,
        "pyproject.toml": "[tool.ormlint]\n",
        models_path: _APP_MODELS,
        "migrations/versions/0001_init.py": _revision("0001", None, """
            op.create_table("invoices", sa.Column("id", sa.Integer(), primary_key=True))
        """),
        "migrations/versions/0002_head.py": imports + "\n" + _revision("0002", "0001", "pass"),
    }
    return [(name, line) for name, line, code in _findings(files, tmp_path) if code == "ORM733"]


def _findings(files, tmp_path):
    return [(Path(p).name, line, code) for p, line, code in lint_project(files, tmp_path)]


@pytest.mark.parametrize(("imports", "models_path"), [
    ("from app.models import Invoice", "app/models.py"),
    ("from app.models import Status, Invoice", "app/models.py"),
    ("from app.models import Invoice", "src/app/models.py"),  # a src layout
    ("from app.models import Invoice", "app/models/__init__.py"),
])
def test_orm733_reports_an_imported_mapped_class(tmp_path, imports, models_path):
    assert _importing_revision(tmp_path, imports, models_path) == [("0002_head.py", 1)]


@pytest.mark.parametrize("imports", [
    "from app.models import Status",  # an enum: not a model
    "from app.models import Base",
    "from app import models",  # a module: what it is used for is not read
    "from sqlalchemy.orm import Session",
    "from .models import Invoice",  # relative: not an application module
])
def test_orm733_leaves_alone_other_imports(tmp_path, imports):
    assert _importing_revision(tmp_path, imports) == []


def test_orm733_an_import_inside_upgrade_is_reported(tmp_path):
    files = {
        "alembic.ini": _INI,
        "pyproject.toml": "[tool.ormlint]\n",
        "app/models.py": _APP_MODELS,
        "migrations/versions/0001_init.py": _revision("0001", None, """
            from app.models import Invoice
        """),
    }
    assert [f for f in _findings(files, tmp_path) if f[2] == "ORM733"] == [("0001_init.py", 9, "ORM733")]


def test_orm732_a_column_the_revision_added_is_known_to_no_running_code(tmp_path):
    # full-stack-fastapi-template d98dd8ec85a3: add new_id, fill it, drop id, rename new_id to id
    body = """
        op.add_column("invoices", sa.Column("new_id", sa.Uuid()))
        op.drop_column("invoices", "number")
        op.alter_column("invoices", "new_id", new_column_name="code")
    """
    assert _mapped_history(tmp_path, "code", body) == []


@pytest.mark.parametrize(("body", "expected"), [
    ("""
     op.execute("ALTER TYPE status ADD VALUE 'archived'")
     op.execute("UPDATE invoices SET status = 'archived'")
     """, ["ORM734"]),
    ("""op.execute("ALTER TYPE status ADD VALUE IF NOT EXISTS 'archived'; UPDATE invoices SET status = 'archived'")""",
     ["ORM734"]),
    ("""
     op.execute(sa.text("ALTER TYPE status ADD VALUE 'it''s'"))
     op.execute("UPDATE invoices SET status = 'it''s'")
     """, ["ORM734"]),
    ("""
     with op.get_context().autocommit_block():
         op.execute("ALTER TYPE status ADD VALUE 'archived'")
     op.execute("UPDATE invoices SET status = 'archived'")
     """, []),
    ("""
     op.execute("ALTER TYPE status ADD VALUE 'archived'")
     op.execute("UPDATE invoices SET status = 'closed'")
     """, []),  # PostgreSQL 12+ adds a value in a transaction; only its use fails
    ("""
     op.execute("UPDATE invoices SET status = 'archived'")
     op.execute("ALTER TYPE status ADD VALUE 'archived'")
     """, []),
])
def test_orm734_an_enum_value_used_in_the_transaction_that_adds_it(tmp_path, body, expected):
    assert _codes(_head(tmp_path, body, _PG_INVOICES, "[tool.ormlint]\n")) == expected


def test_orm734_env_py_outside_a_transaction(tmp_path):
    files = {
        "alembic.ini": _INI,
        "pyproject.toml": "[tool.ormlint]\n",
        "migrations/env.py": 'ISOLATION = "AUTOCOMMIT"\n',
        "migrations/versions/0001_init.py": _revision("0001", None, _PG_INVOICES),
        "migrations/versions/0002_head.py": _revision("0002", "0001", """
            op.execute("ALTER TYPE status ADD VALUE 'archived'")
            op.execute("UPDATE invoices SET status = 'archived'")
        """),
    }
    assert _codes(lint_project(files, tmp_path)) == []


def test_reader_records_literal_sql_for_the_safety_rules():
    source = _revision("0002", "0001", """
        op.execute("UPDATE t SET a = 1")
        with op.get_context().autocommit_block():
            op.execute(sa.text("ALTER TYPE s ADD VALUE 'v'"))
        op.execute(f"UPDATE {name} SET a = 1")
    """)
    operations = parse_revision("r.py", source).operations
    executed = [(o.text, o.autocommit_block) for o in operations if type(o).__name__ == "ExecuteSql"]
    assert executed == [("UPDATE t SET a = 1", False), ("ALTER TYPE s ADD VALUE 'v'", True)]


@pytest.mark.parametrize(("body", "expected"), [
    ('op.drop_constraint(None, "invoices", type_="foreignkey")', ["ORM735"]),
    ('op.drop_constraint(None, "invoices")', ["ORM735"]),
    ("""
     with op.batch_alter_table("invoices") as batch_op:
         batch_op.drop_constraint(None, type_="unique")
     """, ["ORM735"]),
    # a naming convention of the target metadata may name these (pk_invoices)
    ('op.drop_constraint(None, "invoices", type_="primary")', []),
    ('op.drop_constraint(None, "invoices", type_="unique")', []),
    ('op.drop_constraint("fk_invoices_customer", "invoices", type_="foreignkey")', []),
    ('op.drop_constraint(NAME, "invoices", type_="foreignkey")', []),  # not a literal
])
def test_orm735_a_constraint_dropped_by_the_name_none(tmp_path, body, expected):
    assert _codes(_head(tmp_path, body, _PG_INVOICES, "[tool.ormlint]\n")) == expected


def test_orm734_the_same_value_added_to_another_type_is_no_use(tmp_path):
    # fides: 'pre_approval_not_eligible' is added to two enum types in one revision
    body = """
        op.execute("alter type privacyrequeststatus add value 'not_eligible'")
        op.execute("alter type auditlogaction add value 'not_eligible'")
    """
    assert _codes(_head(tmp_path, body, _PG_INVOICES, "[tool.ormlint]\n")) == []
