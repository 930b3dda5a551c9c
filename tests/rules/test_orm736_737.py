"""PostgreSQL enum types in revisions (issue 16, rule 8): ORM736 enum-type-created-twice and
ORM737 downgrade-leaves-enum-type; what the reader records for them (downgrade() included)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from ormlint.migrations import parse_revision
from ormlint.migrations.operations import EnumType, EnumTypeChange, Uncertain
from tests.helpers import lint_project
from tests.rules.test_orm72x import _INI

_HEADER = (
    "import sqlalchemy as sa\nfrom alembic import op\nfrom sqlalchemy.dialects import postgresql\n\n"
)


def _revision(rid: str, down: str | None, upgrade: str, downgrade: str | None = None) -> str:
    def body(text: str) -> str:
        return textwrap.indent(textwrap.dedent(text).strip("\n"), "    ") + "\n"

    down_text = f'"{down}"' if down else "None"
    source = _HEADER + f'revision = "{rid}"\ndown_revision = {down_text}\n\n\ndef upgrade():\n' + body(upgrade)
    if downgrade is not None:
        source += "\n\ndef downgrade():\n" + body(downgrade)
    return source


_FIRST = """
    op.create_table(
        "invoices",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("status", sa.Enum("draft", "paid", name="status")),
    )
"""


def _findings(tmp_path, *revisions: tuple[str, str | None], pyproject: str = "[tool.ormlint]\n", ini: str = _INI):
    """Lint a chain of revisions (upgrade, downgrade); the last is the head."""
    files = {"alembic.ini": ini, "pyproject.toml": pyproject}
    down = None
    for i, (upgrade, downgrade) in enumerate(revisions, 1):
        rid = f"{i:04}"
        files[f"migrations/versions/{rid}_r.py"] = _revision(rid, down, upgrade, downgrade)
        down = rid
    return [
        (Path(path).name, line, code) for path, line, code in lint_project(files, tmp_path)
        if code in ("ORM736", "ORM737")
    ]


def _codes(findings) -> list[str]:
    return [code for _, _, code in findings]


# -- the reader ----------------------------------------------------------------------------------


def _upgrade(body: str, module: str = ""):
    return parse_revision("r.py", _HEADER + module + _revision("0002", "0001", body)[len(_HEADER):])


def test_reader_records_the_enum_type_of_each_column():
    revision = _upgrade("""
        kind = postgresql.ENUM("a", name="kind", create_type=False)
        op.create_table(
            "t",
            sa.Column("id", sa.Integer(), primary_key=True),
            sa.Column("a", sa.Enum("x", "y", name="status")),
            sa.Column("b", sa.Enum("x", name="status", create_type=False)),
            sa.Column("c", sa.Enum("x", name="flag", native_enum=False)),
            sa.Column("d", sa.Enum(Mood)),
            sa.Column("e", sa.Enum("x", name="Kind", schema="billing")),
            sa.Column("f", postgresql.ARRAY(sa.Enum("x", name="tags"))),
            sa.Column("g", kind),
            sa.Column("h", SHARED),
            sa.Column("i", sa.Enum("x", name="n", create_type=flag)),
            sa.Column("j", sa.Enum("x", name=name_of())),
        )
    """, module='SHARED = sa.Enum("x", name="shared")\n')
    (table,) = revision.operations
    assert [c.enum_type for c in table.columns] == [
        None, EnumType("status", True, ("x", "y")), EnumType("status", False, ("x",)), None,
        EnumType("mood", True), EnumType("billing.Kind", True, ("x",)), EnumType("tags", True, ("x",)),
        EnumType("kind", False, ("a",)), EnumType("shared", True, ("x",)), EnumType("n", None, ("x",)), None,
    ]


def test_reader_records_types_created_and_dropped_outside_tables():
    revision = _upgrade("""
        status = sa.Enum("a", name="status")
        status.create(op.get_bind())
        postgresql.ENUM("a", name="kind").create(op.get_bind())
        status.drop(op.get_bind(), checkfirst=True)
        op.execute("CREATE TYPE public.Color AS ENUM ('r'); DROP TYPE IF EXISTS a, \\"B\\"")
        op.execute(sa.text("ALTER TYPE c RENAME TO d"))
        op.execute(f"DROP TYPE {name}")
        if cond:
            op.execute("DROP TYPE e")
    """)
    changes = [(o.action, o.name, o.checkfirst, o.certain) for o in revision.operations if isinstance(o, EnumTypeChange)]
    assert changes == [
        ("create", "status", False, True), ("create", "kind", True, True), ("drop", "status", True, True),
        ("create", "color", False, True), ("drop", "a", True, True), ("drop", "B", True, True),
        ("drop", "c", False, True), ("create", "d", False, True), ("drop", None, False, True),
        ("drop", "e", False, False),
    ]
    # a known enum's create() changes no table: the replay stays certain
    assert not any(isinstance(o, Uncertain) and "create" in o.reason for o in revision.operations)


def test_reader_reads_downgrade_apart_from_upgrade():
    source = _revision("0002", "0001", """
        from app.types import helper
        status = sa.Enum("a", name="status")
        op.create_table("t", sa.Column("s", status))
    """, """
        op.drop_table("t")
        status.drop(op.get_bind())
    """)
    revision = parse_revision("r.py", source)
    assert [type(o).__name__ for o in revision.operations] == ["CreateTable"]
    # `status` was bound in upgrade(): in downgrade() it is an unknown call
    assert [type(o).__name__ for o in revision.downgrade_operations] == ["DropTable", "Uncertain"]
    assert parse_revision("r.py", _revision("0002", "0001", "pass")).downgrade_operations is None
    # nor does a loop constant or a dialect name of upgrade()
    revision = parse_revision("r.py", _revision("0002", "0001", """
        dialect = op.get_bind().dialect.name
        for table in ["a"]:
            op.drop_table(table)
    """, """
        if dialect == "sqlite":
            op.drop_table("b")
        op.drop_table(table)
    """))
    assert [type(o).__name__ for o in revision.operations] == ["DropTable"]
    assert [type(o).__name__ for o in revision.downgrade_operations] == ["Uncertain", "Uncertain"]


def test_reading_downgrade_changes_nothing_upgrade_gives():
    upgrade = """
        op.create_table("t", sa.Column("id", sa.Integer(), primary_key=True))
        op.add_column("u", sa.Column("x", sa.Integer()))
    """
    with_downgrade = parse_revision("r.py", _revision("0002", "0001", upgrade, 'op.drop_table("t")'))
    without = parse_revision("r.py", _revision("0002", "0001", upgrade))
    assert with_downgrade.operations == without.operations


# -- ORM736 --------------------------------------------------------------------------------------


@pytest.mark.parametrize("second", [
    'op.create_table("refunds", sa.Column("status", sa.Enum("draft", "paid", name="status")))',
    'op.create_table("refunds", sa.Column("status", postgresql.ENUM("draft", name="status")))',
    'op.create_table("refunds", sa.Column("s", postgresql.ARRAY(sa.Enum("draft", name="status"))))',
    'op.create_table("refunds", sa.Column("status", sa.Enum(Status)))',
    'op.create_table("refunds", sa.Column("status", sa.Enum("a", name="status")), schema="billing")',
])
def test_orm736_a_table_creates_a_type_an_earlier_revision_created(tmp_path, second):
    assert _findings(tmp_path, (_FIRST, None), (second, None)) == [("0002_r.py", 10, "ORM736")]


@pytest.mark.parametrize(("first", "second", "line"), [
    # created by SQL in an earlier revision
    ("op.execute(\"CREATE TYPE status AS ENUM ('draft', 'paid')\")",
     'op.create_table("refunds", sa.Column("status", sa.Enum("draft", name="status")))', 10),
    # created explicitly earlier in the same revision (sa.Enum.create does not check first)
    ("pass", 'status = sa.Enum("draft", name="status")\nstatus.create(op.get_bind(), checkfirst=True)\n'
             'op.create_table("refunds", sa.Column("status", status))', 12),
    # an explicit create of a type that exists
    (_FIRST, 'sa.Enum("draft", name="status").create(op.get_bind())', 10),
    (_FIRST, "op.execute(\"CREATE TYPE Status AS ENUM ('draft')\")", 10),
])
def test_orm736_other_ways_to_create_a_type_twice(tmp_path, first, second, line):
    assert _findings(tmp_path, (first, None), (second, None)) == [("0002_r.py", line, "ORM736")]


@pytest.mark.parametrize("second", [
    'op.create_table("refunds", sa.Column("status", postgresql.ENUM("draft", name="status", create_type=False)))',
    'op.create_table("refunds", sa.Column("status", sa.Enum("draft", name="status", create_type=False)))',
    'op.create_table("refunds", sa.Column("status", sa.Enum("draft", name="status", native_enum=False)))',
    'op.create_table("refunds", sa.Column("status", sa.Enum("draft", name="status", schema="billing")))',
    'op.create_table("refunds", sa.Column("status", sa.Enum("draft", name="refund_status")))',
    'op.add_column("invoices", sa.Column("status2", sa.Enum("draft", name="status")))',
    'postgresql.ENUM("draft", name="status").create(op.get_bind())',
    'sa.Enum("draft", name="status").create(op.get_bind(), checkfirst=True)',
    # dropped first (and SQL of unknown effect: any type may be gone)
    'op.execute("DROP TYPE status")\nop.create_table("refunds", sa.Column("s", sa.Enum("a", name="status")))',
    'sa.Enum(name="status").drop(op.get_bind())\n'
    'op.create_table("refunds", sa.Column("s", sa.Enum("a", name="status")))',
    'op.execute(statement)\nop.create_table("refunds", sa.Column("s", sa.Enum("a", name="status")))',
    'if cond:\n    op.execute("DROP TYPE status")\n'
    'op.create_table("refunds", sa.Column("s", sa.Enum("a", name="status")))',
])
def test_orm736_leaves_alone_what_creates_no_type_twice(tmp_path, second):
    assert _findings(tmp_path, (_FIRST, None), (second, None)) == []


def test_orm736_two_tables_of_one_revision_create_the_type_once(tmp_path):
    assert _findings(tmp_path, ("""
        op.create_table("a", sa.Column("s", sa.Enum("x", name="status")))
        op.create_table("b", sa.Column("s", sa.Enum("x", name="status")))
    """, None)) == []


def test_orm736_judges_postgresql_only(tmp_path):
    second = 'op.create_table("refunds", sa.Column("status", sa.Enum("draft", name="status")))'
    sqlite = '[tool.ormlint]\ntarget-dialect = "sqlite"\n'
    assert _findings(tmp_path, (_FIRST, None), (second, None), pyproject=sqlite) == []
    # the environment's own database, where alembic.ini names it
    ini = _INI + "sqlalchemy.url = sqlite:///app.db\n"
    assert _findings(tmp_path / "ini", (_FIRST, None), (second, None), ini=ini) == []
    ini = _INI + "sqlalchemy.url = postgresql://app@db/app\n"
    assert _findings(tmp_path / "pg", (_FIRST, None), (second, None), ini=ini) == [("0002_r.py", 10, "ORM736")]


def test_orm736_a_type_dropped_in_history_is_not_there(tmp_path):
    second = 'op.create_table("refunds", sa.Column("status", sa.Enum("draft", name="status")))'
    dropped = ('op.drop_table("invoices")\nop.execute("DROP TYPE status")', None)
    assert _findings(tmp_path, (_FIRST, None), dropped, (second, None)) == []
    # op.drop_table alone leaves the type
    left = ('op.drop_table("invoices")', None)
    assert _findings(tmp_path, (_FIRST, None), left, (second, None)) == [("0003_r.py", 10, "ORM736")]


# -- ORM737 --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("upgrade", "downgrade", "line"), [
    (_FIRST, 'op.drop_table("invoices")', 18),
    # the type created explicitly, its column added and dropped
    ('sa.Enum("a", name="mood").create(op.get_bind())\n'
     'op.add_column("users", sa.Column("mood", postgresql.ENUM(name="mood", create_type=False)))',
     'op.drop_column("users", "mood")', 15),
    ("op.execute(\"CREATE TYPE mood AS ENUM ('a')\")\n"
     'op.add_column("users", sa.Column("mood", sa.Enum(name="mood", create_type=False)))',
     'op.drop_column("users", "mood")', 15),
    # the last of two tables of the type
    ('op.create_table("a", sa.Column("s", sa.Enum("x", name="kind")))\n'
     'op.create_table("b", sa.Column("s", sa.Enum("x", name="kind")))',
     'op.drop_table("b")\nop.drop_table("a")', 16),
])
def test_orm737_downgrade_leaves_the_type_upgrade_creates(tmp_path, upgrade, downgrade, line):
    assert _findings(tmp_path, (upgrade, downgrade)) == [("0001_r.py", line, "ORM737")]


@pytest.mark.parametrize(("upgrade", "downgrade"), [
    (_FIRST, 'op.drop_table("invoices")\nop.execute("DROP TYPE status")'),
    (_FIRST, 'op.drop_table("invoices")\nop.execute("DROP TYPE IF EXISTS status")'),
    (_FIRST, 'op.drop_table("invoices")\nsa.Enum(name="status").drop(op.get_bind())'),
    (_FIRST, 'op.drop_table("invoices")\npostgresql.ENUM(name="status").drop(op.get_bind(), checkfirst=False)'),
    (_FIRST, 'op.drop_table("invoices")\ndrop_enum("status")'),  # a helper may drop it
    (_FIRST, 'pass'),  # the table stays too
    (_FIRST, 'op.drop_column("invoices", "id")'),  # the column of the type stays
    # created only when missing: upgrading again creates nothing
    ('postgresql.ENUM("a", name="mood").create(op.get_bind())\n'
     'op.add_column("users", sa.Column("mood", postgresql.ENUM(name="mood", create_type=False)))',
     'op.drop_column("users", "mood")'),
    # a table of the type that create_type=False marks as made elsewhere
    ('op.create_table("t", sa.Column("s", sa.Enum("x", name="status", create_type=False)))',
     'op.drop_table("t")'),
])
def test_orm737_leaves_alone_a_downgrade_that_drops_the_type_or_keeps_its_users(tmp_path, upgrade, downgrade):
    assert _findings(tmp_path, (upgrade, downgrade)) == []


def test_orm737_a_type_an_earlier_revision_made_is_not_this_downgrades_to_drop(tmp_path):
    second = ('op.create_table("refunds", sa.Column("s", postgresql.ENUM(name="status", create_type=False)))',
              'op.drop_table("refunds")')
    assert _findings(tmp_path, (_FIRST, None), second) == []


def test_orm737_no_downgrade_no_verdict(tmp_path):
    assert _findings(tmp_path, (_FIRST, None)) == []
