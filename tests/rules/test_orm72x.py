"""Migration safety (ORM720, ORM721): what the reader records, which revisions are judged."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from ormlint.config import ConfigError, load_settings
from ormlint.engine import run
from ormlint.migrations import parse_revision
from tests.helpers import lint_project

_INI = "[alembic]\nscript_location = %(here)s/migrations\n"


def _revision(rid: str, down: str | None, body: str) -> str:
    down_text = f'"{down}"' if down else "None"
    return (
        "import sqlalchemy as sa\nfrom alembic import op\n\n"
        f'revision = "{rid}"\ndown_revision = {down_text}\n\n\ndef upgrade():\n'
        + textwrap.indent(textwrap.dedent(body).strip("\n"), "    ") + "\n"
    )


# 0001 creates the table; 0002 adds a NOT NULL column (ORM720); 0003 (the head) indexes it (ORM721)
HISTORY = {
    "alembic.ini": _INI,
    "migrations/versions/0001_init.py": _revision("0001", None, """
        op.create_table("invoices", sa.Column("id", sa.Integer(), primary_key=True))
    """),
    "migrations/versions/0002_currency.py": _revision("0002", "0001", """
        op.add_column("invoices", sa.Column("currency", sa.String(3), nullable=False))
    """),
    "migrations/versions/0003_index.py": _revision("0003", "0002", """
        op.create_index("ix_invoices_currency", "invoices", ["currency"])
    """),
}


def _safety(findings) -> list[tuple[str, str]]:
    return sorted((Path(path).name, code) for path, _, code in findings if code.startswith("ORM72"))


def _write(tmp_path: Path, files: dict[str, str]) -> None:
    for name, text in {**files, "pyproject.toml": files.get("pyproject.toml", "[tool.ormlint]\n")}.items():
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)


def test_a_directory_run_judges_the_heads_only(tmp_path):
    assert _safety(lint_project(HISTORY, tmp_path)) == [("0003_index.py", "ORM721")]


def test_all_revisions_judges_the_whole_history(tmp_path):
    _write(tmp_path, HISTORY)
    settings = load_settings([tmp_path]).with_overrides(all_revisions=True)
    findings = run([tmp_path], settings, jobs=1).findings
    assert sorted((Path(f.path).name, f.code) for f in findings) == [
        ("0002_currency.py", "ORM720"), ("0003_index.py", "ORM721"),
    ]


@pytest.mark.parametrize(("since", "expected"), [
    ("0001", [("0002_currency.py", "ORM720"), ("0003_index.py", "ORM721")]),
    ("0002", [("0003_index.py", "ORM721")]),
    ("0003", []),
    ("nonexistent", [("0003_index.py", "ORM721")]),  # names no revision: the heads, as unset
])
def test_migration_safety_since_judges_the_revisions_after_it(tmp_path, since, expected):
    files = {**HISTORY, "pyproject.toml": f'[tool.ormlint]\nmigration-safety-since = "{since}"\n'}
    assert _safety(lint_project(files, tmp_path)) == expected


def test_migration_safety_since_must_be_a_string(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.ormlint]\nmigration-safety-since = 12\n")
    with pytest.raises(ConfigError, match="migration-safety-since"):
        load_settings([tmp_path])


def test_a_named_revision_file_is_judged_even_when_it_is_not_a_head(tmp_path):
    _write(tmp_path, HISTORY)
    named = tmp_path / "migrations/versions/0002_currency.py"
    findings = run([named], load_settings([named]), jobs=1).findings
    assert [(Path(f.path).name, f.code) for f in findings] == [("0002_currency.py", "ORM720")]


def test_a_named_run_and_a_directory_run_do_not_share_cached_project_findings(tmp_path):
    _write(tmp_path, HISTORY)
    cache = tmp_path / ".cache"
    named = tmp_path / "migrations/versions/0002_currency.py"
    settings = load_settings([tmp_path])
    assert [f.code for f in run([named], settings, jobs=1, cache_dir=cache).findings] == ["ORM720"]
    assert [f.code for f in run([tmp_path], settings, jobs=1, cache_dir=cache).findings] == ["ORM721"]
    assert [f.code for f in run([named], settings, jobs=1, cache_dir=cache).findings] == ["ORM720"]


def test_other_dialects_are_not_judged(tmp_path):
    files = {**HISTORY, "pyproject.toml": '[tool.ormlint]\ntarget-dialect = "sqlite"\n'}
    assert _safety(lint_project(files, tmp_path)) == []


def _head(tmp_path, body: str, before: str = 'op.create_table("invoices", sa.Column("id", sa.Integer(), primary_key=True))'):
    files = {
        "alembic.ini": _INI,
        "migrations/versions/0001_init.py": _revision("0001", None, before),
        "migrations/versions/0002_head.py": _revision("0002", "0001", body),
    }
    return lint_project(files, tmp_path)


@pytest.mark.parametrize("column", [
    'sa.Column("id2", sa.Integer(), primary_key=True)',  # SERIAL fills it
    'sa.Column("n", sa.Integer(), sa.Identity(), nullable=False)',
    'sa.Column("n", sa.Integer(), sa.Computed("id * 2"), nullable=False)',
    'sa.Column("n", sa.Integer(), sa.DefaultClause("0"), nullable=False)',
    'sa.Column("n", sa.Integer(), nullable=False, server_default=sa.text("0"))',
    'sa.Column("n", sa.Integer(), nullable=NULLABLE)',  # not a literal
    'sa.Column("n", sa.Integer())',
])
def test_orm720_leaves_alone_columns_that_existing_rows_can_hold(tmp_path, column):
    assert _safety(_head(tmp_path, f'op.add_column("invoices", {column})')) == []


def test_orm720_judges_what_the_target_dialect_runs(tmp_path):
    body = """
        if op.get_bind().dialect.name == "sqlite":
            op.add_column("invoices", sa.Column("a", sa.Integer(), nullable=False))
        else:
            op.add_column("invoices", sa.Column("b", sa.Integer(), nullable=False))
    """
    findings = _head(tmp_path, body)
    assert [(Path(p).name, line, c) for p, line, c in findings] == [("0002_head.py", 12, "ORM720")]  # the else branch


def test_orm720_a_table_renamed_since_still_holds_its_rows(tmp_path):
    body = """
        op.rename_table("invoices", "bills")
        op.add_column("bills", sa.Column("n", sa.Integer(), nullable=False))
    """
    assert _safety(_head(tmp_path, body)) == [("0002_head.py", "ORM720")]


def test_orm720_a_table_dropped_and_created_anew_is_empty(tmp_path):
    body = """
        op.drop_table("invoices")
        op.create_table("invoices", sa.Column("id", sa.Integer(), primary_key=True))
        op.add_column("invoices", sa.Column("n", sa.Integer(), nullable=False))
        op.create_index("ix_invoices_n", "invoices", ["n"])
    """
    assert _safety(_head(tmp_path, body)) == []


def test_orm720_says_when_the_model_has_a_python_default_only(tmp_path):
    files = {
        "alembic.ini": _INI,
        "models.py": textwrap.dedent("""
            import sqlalchemy as sa
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


            class Base(DeclarativeBase):
                pass


            class Invoice(Base):
                __tablename__ = "invoices"
                id: Mapped[int] = mapped_column(primary_key=True)
                currency: Mapped[str] = mapped_column(sa.String(3), default="EUR")
        """),
        "migrations/versions/0001_init.py": _revision("0001", None, """
            op.create_table("invoices", sa.Column("id", sa.Integer(), primary_key=True))
        """),
        "migrations/versions/0002_head.py": _revision("0002", "0001", """
            op.add_column("invoices", sa.Column("currency", sa.String(3), nullable=False))
        """),
    }
    _write(tmp_path, files)
    findings = [f for f in run([tmp_path], load_settings([tmp_path]), jobs=1).findings if f.code == "ORM720"]
    assert len(findings) == 1
    assert "autogenerate never carries it into the migration" in findings[0].message


def test_orm720_says_that_a_migration_column_default_is_not_in_the_ddl(tmp_path):
    body = 'op.add_column("invoices", sa.Column("lang", sa.String(5), nullable=False, default="en"))'
    _write(tmp_path, {
        "alembic.ini": _INI,
        "migrations/versions/0001_init.py": _revision("0001", None, """
            op.create_table("invoices", sa.Column("id", sa.Integer(), primary_key=True))
        """),
        "migrations/versions/0002_head.py": _revision("0002", "0001", body),
    })
    findings = run([tmp_path], load_settings([tmp_path]), jobs=1).findings
    assert [f.code for f in findings] == ["ORM720"]
    assert "puts no DEFAULT in the DDL: write `server_default=` instead" in findings[0].message


def test_orm721_drop_index_before_drop_table_is_left_alone(tmp_path):
    before = """
        op.create_table("invoices", sa.Column("id", sa.Integer(), primary_key=True))
        op.create_index("ix_invoices_id", "invoices", ["id"])
    """
    body = """
        op.drop_index("ix_invoices_id", table_name="invoices")
        op.drop_table("invoices")
    """
    assert _safety(_head(tmp_path, body, before)) == []


def test_orm721_env_py_outside_a_transaction_allows_concurrently_anywhere(tmp_path):
    files = {
        "alembic.ini": _INI,
        "migrations/env.py": (
            "from alembic import context\n\n"
            "def run_migrations_online(connectable):\n"
            '    with connectable.connect().execution_options(isolation_level="AUTOCOMMIT") as c:\n'
            "        context.configure(connection=c, target_metadata=None)\n"
            "        context.run_migrations()\n"
        ),
        "migrations/versions/0001_init.py": _revision("0001", None, """
            op.create_table("invoices", sa.Column("id", sa.Integer(), primary_key=True))
        """),
        "migrations/versions/0002_head.py": _revision("0002", "0001", """
            op.create_index("ix", "invoices", ["id"], postgresql_concurrently=True)
        """),
    }
    assert _safety(lint_project(files, tmp_path)) == []


def test_reader_records_concurrently_and_the_autocommit_block():
    source = _revision("0002", "0001", """
        op.create_index("a", "t", ["x"])
        op.create_index("b", "t", ["x"], postgresql_concurrently=True)
        with op.get_context().autocommit_block():
            op.create_index("c", "t", ["x"], postgresql_concurrently=True)
            op.drop_index("d", table_name="t", postgresql_concurrently=True)
        op.drop_index("e", table_name="t", postgresql_concurrently=FLAG)
    """)
    operations = parse_revision("r.py", source).operations
    assert [(o.name, o.concurrently, o.autocommit_block) for o in operations] == [
        ("a", False, False), ("b", True, False), ("c", True, True), ("d", True, True),
        ("e", None, False),
    ]
