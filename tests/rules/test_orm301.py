import pytest

from ormlint.rules.defaults import looks_like_sql_expression
from tests.helpers import codes_and_lines


@pytest.mark.parametrize(
    "text",
    [
        "now()", "NOW()", "gen_random_uuid()", "uuid_generate_v4()", "CURRENT_TIMESTAMP",
        "current_date", "LOCALTIMESTAMP", "CURRENT_TIMESTAMP(6)", "timezone('utc', now())",
        "(now() at time zone 'utc')", "now() AT TIME ZONE 'UTC'", "nextval('seq'::regclass)",
        "'{}'::jsonb", "gen_random_uuid()::text", " now() ", "pg_catalog.now()",
    ],
)
def test_sql_expressions(text):
    assert looks_like_sql_expression(text)


@pytest.mark.parametrize(
    "text",
    ["0", "1", "", "false", "true", "active", "now", "TBD (pending)", "N/A", "(none)", "{}",
     "[]", "CURRENT", "user", "a(b", "Hello, World!", "'quoted'"],
)
def test_ordinary_literals(text):
    assert not looks_like_sql_expression(text)


def test_columns_tables_and_aliases():
    assert codes_and_lines(
        "import sqlalchemy as sa\n"
        "from sqlalchemy import Column, DateTime, Table, MetaData, text, func\n"
        "from sqlalchemy.orm import mapped_column\n"
        "class A(Base):\n"
        "    a = Column(DateTime, server_default='now()')\n"
        "    b = sa.Column(sa.DateTime, server_default=\"CURRENT_TIMESTAMP\")\n"
        "    c = mapped_column(server_default=text('now()'))\n"
        "    d = mapped_column(server_default=func.now())\n"
        "    e = mapped_column(server_default='0')\n"
        "    f = mapped_column(default='now()')\n"
        "t = Table('t', MetaData(), Column('x', DateTime, server_default='now' '()'))\n",
        "ORM3",
    ) == [("ORM301", 5), ("ORM301", 6), ("ORM301", 11)]


def test_f_strings_and_non_sqlalchemy_calls_are_ignored():
    assert codes_and_lines(
        "from mylib import Column\n"
        "import sqlalchemy\n"
        "class A:\n"
        "    a = Column(server_default='now()')\n"
        "    b = sqlalchemy.Column(server_default=f'{fn}()')\n",
        "ORM3",
    ) == []


def test_message_says_what_to_write():
    from tests.helpers import lint

    (finding,) = lint(
        "from sqlalchemy import Column\nclass A(Base):\n    a = Column(server_default='gen_random_uuid()')\n"
    )
    assert "DEFAULT 'gen_random_uuid()'" in finding.message
    assert "text('gen_random_uuid()')" in finding.message
    assert "func.gen_random_uuid()" in finding.message


def test_declared_attr_and_migration_columns():
    assert codes_and_lines(
        "import sqlalchemy as sa\n"
        "from alembic import op\n"
        "from sqlalchemy.orm import Mapped, declared_attr, mapped_column\n"
        "class Stamped:\n"
        "    @declared_attr\n"
        "    def updated_at(cls) -> Mapped[int]:\n"
        "        return mapped_column(server_default='CURRENT_TIMESTAMP')\n"
        "def upgrade():\n"
        "    op.add_column('audit', sa.Column('at', sa.DateTime(), server_default='now()'))\n"
        "    op.create_table('t', sa.Column('id', sa.Integer), sa.Column('at', sa.DateTime, server_default=sa.text('now()')))\n",
        "ORM3",
    ) == [("ORM301", 7), ("ORM301", 9)]
