"""ORM740 (UPDATE/DELETE without WHERE) and ORM741 (a data change under the DDL's lock): the SQL
reader and what each rule leaves alone."""

from __future__ import annotations

import textwrap

import pytest

from ormlint.rules.migration_safety.data_statements import data_statements
from tests.helpers import project_findings

_INI = "[alembic]\nscript_location = %(here)s/migrations\n"


def _revision(rid: str, down: str | None, body: str) -> str:
    down_text = f'"{down}"' if down else "None"
    return (
        "import sqlalchemy as sa\nfrom alembic import op\n\n"
        f'revision = "{rid}"\ndown_revision = {down_text}\n\n\ndef upgrade():\n'
        + textwrap.indent(textwrap.dedent(body).strip("\n"), "    ") + "\n"
    )


def _head(tmp_path, body: str, ini: str = _INI, env: str | None = None) -> list[tuple[int, str]]:
    files = {
        "pyproject.toml": "[tool.ormlint]\n",
        "alembic.ini": ini,
        "migrations/versions/0001_init.py": _revision("0001", None, """
            op.create_table("invoices", sa.Column("id", sa.Integer(), primary_key=True),
                            sa.Column("number", sa.String(20)))
        """),
        "migrations/versions/0002_head.py": _revision("0002", "0001", body),
    }
    if env is not None:
        files["migrations/env.py"] = env
    found = project_findings(files, tmp_path, extend_select=("ORM740", "ORM741"))
    return [(f.line, f.code) for path, f in found if f.code in ("ORM740", "ORM741")]


@pytest.mark.parametrize(("sql", "expected"), [
    ("UPDATE invoices SET number = 'x'", [("UPDATE", "invoices", True)]),
    ("update ONLY public.invoices set number = 'x';", [("UPDATE", "public.invoices", True)]),
    ('DELETE FROM "invoices"', [("DELETE", "invoices", True)]),
    ("UPDATE invoices SET number = 'x' WHERE id = 1", [("UPDATE", "invoices", False)]),
    ("update invoices set number = 'x'\n where id = 1", [("UPDATE", "invoices", False)]),
    # a WHERE in a subquery, a CTE, a comment or a string limits nothing of the statement's rows
    ("UPDATE invoices SET number = (SELECT max(n) FROM t WHERE t.id = 1)", [("UPDATE", "invoices", True)]),
    ("WITH x AS (SELECT id FROM t WHERE a) UPDATE invoices SET number = '1'", [("UPDATE", "invoices", True)]),
    ("UPDATE invoices SET number = 'x' -- WHERE id = 1", [("UPDATE", "invoices", True)]),
    ("UPDATE invoices SET number = 'x' /* WHERE id = 1 */", [("UPDATE", "invoices", True)]),
    ("UPDATE invoices SET number = 'WHERE id = 1'", [("UPDATE", "invoices", True)]),
    # FROM/USING join, JOIN, LIMIT: not every row
    ("UPDATE invoices SET number = c.n FROM c", [("UPDATE", "invoices", False)]),
    ("DELETE FROM invoices USING c", [("DELETE", "invoices", False)]),
    ("UPDATE invoices i JOIN c ON c.id = i.id SET i.number = c.n", [("UPDATE", "invoices", False)]),
    ("DELETE FROM invoices LIMIT 10", [("DELETE", "invoices", False)]),
    # several statements; a function's body is not run
    ("UPDATE a SET x = 1; DELETE FROM b WHERE y", [("UPDATE", "a", True), ("DELETE", "b", False)]),
    ("CREATE FUNCTION f() RETURNS trigger AS $$ BEGIN UPDATE a SET x = 1; END $$ LANGUAGE plpgsql", []),
    ("SELECT 1; ALTER TABLE a ADD COLUMN b int", []),
    ("DELETE a FROM a JOIN b ON a.id = b.id", []),  # MySQL's multi-table form: not read
])
def test_data_statements(sql, expected):
    statements = data_statements(sql)
    assert [(s.kind, s.table, s.every_row) for s in statements] == expected


@pytest.mark.parametrize("sql", ["UPDATE a SET x = (1", "UPDATE a SET x = 'open", "$$ UPDATE a SET x = 1"])
def test_data_statements_unreadable(sql):
    assert data_statements(sql) is None


def test_insert_select_is_told_from_insert_values():
    select, values = data_statements("INSERT INTO a (x) SELECT x FROM b; INSERT INTO a (x) VALUES (1)")
    assert (select.from_select, values.from_select) == (True, False)


def test_orm740_reports_every_row_of_an_existing_table(tmp_path):
    body = """
        op.execute("UPDATE invoices SET number = 'void'")
        op.execute(sa.text("DELETE FROM invoices"))
        op.execute("DELETE FROM invoices WHERE number = ''")
    """
    assert _head(tmp_path, body) == [(9, "ORM740"), (10, "ORM740")]


@pytest.mark.parametrize("body", [
    # a table the revision creates anew holds no rows from before it
    """
    op.drop_table("invoices")
    op.create_table("invoices", sa.Column("id", sa.Integer(), primary_key=True))
    op.execute("DELETE FROM invoices")
    """,
    # a table the history does not show
    'op.execute("UPDATE legacy_table SET flag = true")',
    # run or not, once or many times: not known
    """
    if op.get_context().as_sql:
        op.execute("UPDATE invoices SET number = 'void'")
    """,
    """
    for n in range(3):
        op.execute("DELETE FROM invoices")
    """,
])
def test_orm740_leaves_alone_what_it_cannot_vouch_for(tmp_path, body):
    assert _head(tmp_path, body) == []


def test_orm740_judges_any_dialect(tmp_path):
    ini = _INI + "sqlalchemy.url = mysql+pymysql://app@db/app\n"
    body = """
        op.add_column("invoices", sa.Column("currency", sa.String(3)))
        op.execute("UPDATE invoices SET currency = 'EUR'")
    """
    assert _head(tmp_path, body, ini) == [(10, "ORM740")]  # not ORM741: MySQL commits each DDL


def test_orm741_reports_the_backfill_under_the_ddl_lock(tmp_path):
    body = """
        op.add_column("invoices", sa.Column("currency", sa.String(3)))
        op.execute("UPDATE invoices SET currency = 'EUR' WHERE currency IS NULL")
        op.execute("INSERT INTO invoices (number) SELECT number FROM invoices")
    """
    assert _head(tmp_path, body) == [(10, "ORM741"), (11, "ORM741")]


@pytest.mark.parametrize("body", [
    # the data step first: the lock comes after it
    """
    op.execute("UPDATE invoices SET number = '' WHERE number IS NULL")
    op.alter_column("invoices", "number", nullable=False)
    """,
    # committed in between (an autocommit block, a COMMIT)
    """
    op.add_column("invoices", sa.Column("currency", sa.String(3)))
    with op.get_context().autocommit_block():
        op.execute("UPDATE invoices SET currency = 'EUR' WHERE currency IS NULL")
    """,
    """
    op.add_column("invoices", sa.Column("currency", sa.String(3)))
    op.execute("COMMIT")
    op.execute("UPDATE invoices SET currency = 'EUR' WHERE currency IS NULL")
    """,
    # a fixed set of rows, another table, a new table, an index built concurrently
    """
    op.add_column("invoices", sa.Column("currency", sa.String(3)))
    op.execute("INSERT INTO invoices (number) VALUES ('n1')")
    op.execute("UPDATE customers SET name = '' WHERE name IS NULL")
    """,
    """
    op.create_table("payments", sa.Column("id", sa.Integer(), primary_key=True))
    op.create_index("ix_payments_id", "payments", ["id"])
    op.execute("INSERT INTO payments (id) SELECT id FROM invoices")
    """,
    """
    with op.get_context().autocommit_block():
        op.create_index("ix_n", "invoices", ["number"], postgresql_concurrently=True)
    op.execute("UPDATE invoices SET number = '' WHERE number IS NULL")
    """,
])
def test_orm741_leaves_alone(tmp_path, body):
    assert [code for _, code in _head(tmp_path, body) if code == "ORM741"] == []


def test_orm741_leaves_alone_an_env_py_outside_a_transaction(tmp_path):
    env = "from alembic import context\ncontext.configure(transactional_ddl=False)\n"
    body = """
        op.add_column("invoices", sa.Column("currency", sa.String(3)))
        op.execute("UPDATE invoices SET currency = 'EUR' WHERE currency IS NULL")
    """
    assert _head(tmp_path, body, env=env) == []


def test_core_update_and_delete_constructs(tmp_path):
    body = """
        invoices = sa.table("invoices", sa.column("id"), sa.column("number"))
        op.execute(invoices.update().values(number="void"))
        op.execute(sa.delete(invoices))
        op.execute(invoices.update().where(invoices.c.id == 1).values(number="n1"))
        op.execute(invoices.delete(invoices.c.id == 2))
        op.execute(sa.update(sa.table("invoices", sa.column("number"))).values(number=""))
        op.execute(sa.delete(unknown_table))
    """
    assert _head(tmp_path, body) == [(10, "ORM740"), (11, "ORM740"), (14, "ORM740")]


def test_core_backfill_after_the_ddl(tmp_path):
    body = """
        t = op.create_table("payments", sa.Column("id", sa.Integer(), primary_key=True))
        op.add_column("invoices", sa.Column("currency", sa.String(3)))
        invoices = sa.table("invoices", sa.column("currency"))
        op.execute(invoices.update().where(invoices.c.currency.is_(None)).values(currency="EUR"))
        op.execute(t.delete())
    """
    assert _head(tmp_path, body) == [(12, "ORM741")]  # `payments` is new: no old rows


def test_orm741_batch_operations_run_where_their_block_ends(tmp_path):
    """Alembic collects a batch block's operations and runs them at its end: a data step inside
    the block runs before them (no lock yet); one after the block runs under their lock."""
    body = """
        with op.batch_alter_table("invoices") as batch_op:
            batch_op.add_column(sa.Column("currency", sa.String(3)))
            batch_op.execute("UPDATE invoices SET number = '' WHERE number IS NULL")
        op.execute("UPDATE invoices SET currency = 'EUR' WHERE currency IS NULL")
    """
    assert _head(tmp_path, body) == [(12, "ORM741")]


_INVOICE_CLASS = """
    class Invoice(Base):
        __tablename__ = "invoices"
        id = sa.Column(sa.Integer, primary_key=True)
"""


def test_orm741_reads_an_orm_session_on_the_migrations_connection(tmp_path):
    body = _INVOICE_CLASS + """
    op.add_column("invoices", sa.Column("currency", sa.String(3)))
    session = sa.orm.Session(bind=op.get_bind())
    session.execute(sa.text("UPDATE invoices SET currency = 'EUR' WHERE currency IS NULL"))
    session.query(Invoice).filter(Invoice.currency.is_(None)).update({"currency": "EUR"})
    session.execute(sa.update(Invoice).where(Invoice.currency.is_(None)).values(currency="EUR"))
    session.query(Invoice).delete()
    session.commit()
    """
    # the DELETE of every row: ORM740 too
    assert _head(tmp_path, body) == [(15, "ORM741"), (16, "ORM741"), (17, "ORM741"), (18, "ORM740"), (18, "ORM741")]


def test_orm741_reads_a_session_made_in_a_with_statement_or_by_a_sessionmaker(tmp_path):
    body = """
    from sqlalchemy import orm
    op.add_column("invoices", sa.Column("currency", sa.String(3)))
    bind = op.get_bind()
    with orm.Session(bind) as session:
        session.execute(sa.text("UPDATE invoices SET currency = 'EUR' WHERE currency IS NULL"))
    other = orm.sessionmaker(bind=bind)()
    other.execute(sa.text("UPDATE invoices SET currency = 'EUR' WHERE currency IS NULL"))
    """
    assert _head(tmp_path, body) == [(13, "ORM741"), (15, "ORM741")]


@pytest.mark.parametrize("body", [
    # a session on another engine, not the migration's connection
    """
    op.add_column("invoices", sa.Column("currency", sa.String(3)))
    session = sa.orm.Session(bind=other_engine)
    session.execute(sa.text("UPDATE invoices SET currency = 'EUR' WHERE currency IS NULL"))
    """,
    # objects added one by one: a fixed number of rows
    _INVOICE_CLASS + """
    op.add_column("invoices", sa.Column("currency", sa.String(3)))
    session = sa.orm.Session(bind=op.get_bind())
    session.add(Invoice(currency="EUR"))
    session.commit()
    """,
    # a class mapped to another table
    """
    class Customer(Base):
        __tablename__ = "customers"
    op.add_column("invoices", sa.Column("currency", sa.String(3)))
    session = sa.orm.Session(bind=op.get_bind())
    session.query(Customer).filter(Customer.id == 1).update({"name": ""})
    """,
    # rows written out in the revision, or computed without reading the database
    """
    op.add_column("invoices", sa.Column("currency", sa.String(3)))
    invoices = sa.table("invoices", sa.column("number"))
    op.bulk_insert(invoices, [{"number": "n1"}, {"number": "n2"}])
    op.bulk_insert(invoices, [{"number": f"n{i}"} for i in range(3)])
    op.bulk_insert(invoices, make_rows())
    """,
])
def test_orm741_leaves_alone_fixed_rows_and_other_sessions(tmp_path, body):
    assert [code for _, code in _head(tmp_path, body) if code == "ORM741"] == []


def test_orm741_bulk_insert_of_rows_read_from_the_database(tmp_path):
    body = """
    op.add_column("invoices", sa.Column("currency", sa.String(3)))
    old = op.get_bind().execute(sa.text("SELECT number FROM invoices")).fetchall()
    invoices = sa.table("invoices", sa.column("number"), sa.column("currency"))
    op.bulk_insert(invoices, [{"number": n + "-copy", "currency": "EUR"} for (n,) in old])
    with op.get_context().autocommit_block():
        op.bulk_insert(invoices, [{"number": n + "-2", "currency": "EUR"} for (n,) in old])
    """
    assert _head(tmp_path, body) == [(12, "ORM741")]
