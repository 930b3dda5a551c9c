"""ORM717 enum-values-differ: a named PostgreSQL enum type's labels, models against migrations."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from ormlint.enum_labels import class_labels, enum_class_members
from ormlint.model.names import build_import_table
from tests.rules.test_orm711 import findings
from tests.rules.test_orm715 import PG, SQLITE, diff

CLASS = '''
class Status(enum.Enum):
    DRAFT = "draft"
    PUBLISHED = "published"
'''


def model(column: str = 'mapped_column(Enum("draft", "published", name="status"))', classes: str = "") -> str:
    return textwrap.dedent('''\
        import enum

        from sqlalchemy import Enum
        from sqlalchemy.dialects import postgresql
        from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
        {classes}

        class Base(DeclarativeBase):
            pass


        class Item(Base):
            __tablename__ = "item"
            id: Mapped[int] = mapped_column(primary_key=True)
            status: Mapped[str] = {column}
    ''').format(column=column, classes=textwrap.indent(classes, ""))


PG_IMPORT = "from sqlalchemy.dialects import postgresql\n"


def create(enum: str = 'sa.Enum("draft", "published", name="status")') -> str:
    return (PG_IMPORT if "postgresql." in enum else "") + (
        'op.create_table(\n    "item",\n    sa.Column("id", sa.Integer(), nullable=False),\n'
        f'    sa.Column("status", {enum}, nullable=True),\n    sa.PrimaryKeyConstraint("id"),\n)'
    )


def reported(tmp_path, model_text: str, *upgrades: str, files=PG) -> list:
    return findings(tmp_path, model_text, *upgrades, code="ORM717", files=files)


THREE = 'mapped_column(Enum("draft", "published", "archived", name="status"))'


@pytest.mark.parametrize(("column", "upgrades", "found"), [
    (None, [create()], False),
    ('mapped_column(Enum("published", "draft", name="status"))', [create()], False),  # order: not compared
    (THREE, [create()], True),  # a label no migration created
    ('mapped_column(Enum("draft", name="status"))', [create()], True),  # a label the model dropped
    (THREE, [create(), "op.execute(\"ALTER TYPE status ADD VALUE 'archived'\")"], False),
    (THREE, [create(), "op.execute(\"ALTER TYPE status ADD VALUE IF NOT EXISTS 'archived' AFTER 'draft'\")"], False),
    (THREE, [create(), "op.execute(\"ALTER TYPE status ADD VALUE 'archive'\")"], True),
    ('mapped_column(Enum("draft", "live", name="status"))',
     [create(), "op.execute(\"ALTER TYPE status RENAME VALUE 'published' TO 'live'\")"], False),
    (THREE, [create(), 'op.execute(f"ALTER TYPE {name} ADD VALUE \'archived\'")'], False),  # which type: unknown
    (THREE, [create(), "op.execute(sql)"], False),  # SQL not read: any type may have changed
    (THREE, [create(), "if flag:\n    op.execute(\"ALTER TYPE status ADD VALUE 'archived'\")"], False),
    (THREE, [create(), "helper()"], False),
    (THREE, [create('postgresql.ENUM(name="status", create_type=False)')], False),  # created elsewhere
    (THREE, [PG_IMPORT + 'postgresql.ENUM("draft", "published", name="status").create(op.get_bind())',
             create('postgresql.ENUM("draft", "published", name="status", create_type=False)')], True),
    (THREE, ["op.execute(\"CREATE TYPE status AS ENUM ('draft', 'published', 'archived')\")",
             create('postgresql.ENUM(name="status", create_type=False)')], False),
    (THREE, ["op.execute(\"CREATE TYPE status AS ENUM ('draft', 'published')\")",
             create('postgresql.ENUM(name="status", create_type=False)')], True),
    # the rewrite: the old type renamed away, a new one created, the column converted
    (THREE, [create(), "op.execute(\"ALTER TYPE status RENAME TO status_old\")",
             "op.execute(\"CREATE TYPE status AS ENUM ('draft', 'published', 'archived')\")",
             PG_IMPORT + 'op.alter_column("item", "status", type_=postgresql.ENUM(name="status", create_type=False), '
             'postgresql_using="status::text::status")',
             'op.execute("DROP TYPE status_old")'], False),
    # renamed away and never replaced: the column keeps the old type, which the model does not name
    (THREE, [create(), "op.execute(\"ALTER TYPE status RENAME TO status_old\")"], False),
    ('mapped_column(Enum("draft", "published", "archived", name="status", native_enum=False))', [create()], False),
    ('mapped_column(Enum("draft", "published", "archived", name="status", schema="app"))', [create()], False),
    ('mapped_column(Enum(*LABELS, name="status"))', [create()], False),
    (THREE, [create('sa.Enum("draft", "published", name="state")')], False),  # another type: not this rule's
])
def test_orm717_on_postgresql(tmp_path, column, upgrades, found):
    text = model(column) if column else model()
    result = reported(tmp_path, text, *upgrades)
    assert bool(result) == found, result


def test_the_finding_is_on_the_model_column_and_names_the_labels(tmp_path):
    from tests.helpers import project_findings
    from tests.rules.test_orm711 import ALEMBIC_INI, ENV, revision

    project = {"alembic.ini": ALEMBIC_INI, "migrations/env.py": ENV, **PG, "models.py": model(
        'mapped_column(Enum("draft", "archived", name="status"))'),
        "migrations/versions/0001_step.py": revision(create())}
    found = [(path, f) for path, f in project_findings(project, tmp_path) if f.code == "ORM717"]
    assert [(path, f.line) for path, f in found] == [("models.py", 15)]
    messages = [f.message for _, f in found]
    assert "lacks the label 'archived'" in messages[0] and "has the label 'published'" in messages[0]
    assert "ALTER TYPE status ADD VALUE 'archived'" in messages[0]


def test_not_on_sqlite_histories(tmp_path):
    assert reported(tmp_path, model(THREE), create(), files=SQLITE) == []


def test_one_finding_per_type_used_by_two_columns(tmp_path):
    text = model(THREE).replace(
        "    status: Mapped[str]", "    other: Mapped[str] = " + THREE + "\n    status: Mapped[str]")
    history = create().replace(
        '    sa.Column("status"', '    sa.Column("other", sa.Enum("draft", "published", name="status"), nullable=True),\n'
        '    sa.Column("status"')
    assert len(reported(tmp_path, text, history)) == 1


# -- Python enum classes ---------------------------------------------------------------------------


@pytest.mark.parametrize(("column", "migrated", "found"), [
    ("mapped_column(Enum(Status))", 'sa.Enum("DRAFT", "PUBLISHED", name="status")', False),  # member names
    ("mapped_column(Enum(Status))", 'sa.Enum("draft", "published", name="status")', True),  # values: not stored
    ("mapped_column(Enum(Status, values_callable=lambda e: [m.value for m in e]))",
     'sa.Enum("draft", "published", name="status")', False),
    ("mapped_column(Enum(Status, values_callable=lambda e: [m.value for m in e]))",
     'sa.Enum("DRAFT", "PUBLISHED", name="status")', True),
    ("mapped_column(Enum(Status, values_callable=labels_of))", 'sa.Enum("DRAFT", name="status")', False),
    ("mapped_column()", 'sa.Enum("DRAFT", name="status")', True),  # Mapped[Status]: Enum(Status)
    ('mapped_column(Enum(Status, name="state"))', 'sa.Enum("DRAFT", name="state")', True),
])
def test_python_enum_classes(tmp_path, column, migrated, found):
    text = model(column, CLASS).replace("status: Mapped[str]", "status: Mapped[Status]")
    assert bool(reported(tmp_path, text, create(migrated))) == found


def test_an_enum_class_in_another_module(tmp_path):
    files = {**PG, "enums.py": "import enum\n" + CLASS}
    text = model("mapped_column(Enum(Status))").replace("import enum\n", "import enum\nfrom enums import Status\n")
    assert reported(tmp_path, text, create('sa.Enum("DRAFT", name="status")'), files=files)
    assert not reported(tmp_path, text, create('sa.Enum("DRAFT", "PUBLISHED", name="status")'), files=files)


def test_a_class_that_is_no_enum_is_no_enum_type(tmp_path):
    text = model("mapped_column()", "class Status:\n    DRAFT = 'draft'\n").replace(
        "status: Mapped[str]", "status: Mapped[Status]")
    assert reported(tmp_path, text, create('sa.Enum("x", name="status")')) == []


def members(source: str):
    text = textwrap.dedent(source)
    module = cst.parse_module(text)
    return enum_class_members(module.body[-1], build_import_table(module, text))


@pytest.mark.parametrize(("body", "expected"), [
    ("class S(enum.Enum):\n    A = 'a'\n    B = 'b'\n", (("A", "a"), ("B", "b"))),
    ("class S(str, enum.Enum):\n    A = 'a'\n    def label(self):\n        return self.value\n", (("A", "a"),)),
    ("class S(enum.IntEnum):\n    A = 1\n    B = 2\n", (("A", None), ("B", None))),
    ("class S(enum.StrEnum):\n    A = enum.auto()\n    B = enum.auto()\n", (("A", "a"), ("B", "b"))),
    ("class S(enum.Enum):\n    A = enum.auto()\n", (("A", None),)),
    ("@enum.unique\nclass S(enum.Enum):\n    '''Doc.'''\n    A = 'a'\n", (("A", "a"),)),
])
def test_members_read_for_certain(body, expected):
    assert members("import enum\n" + body) == expected


@pytest.mark.parametrize("body", [
    "class S(enum.Enum):\n    A = 'a'\n    B = 'a'\n",  # B is an alias of A
    "class S(enum.Enum):\n    A = 1\n    B = enum.auto()\n",  # auto() after a value
    "class S(enum.Enum):\n    _ignore_ = ['x']\n    A = 'a'\n",
    "class S(enum.Enum):\n    A = make()\n",
    "class S(Base):\n    A = 'a'\n",  # another base: its members are not known here
    "class S(enum.Flag):\n    A = 1\n",
    "class S(enum.IntEnum):\n    A = '1'\n    B = 1\n",
    "class S(enum.Enum):\n    class Inner:\n        pass\n    A = 'a'\n",
    "class S(enum.Enum):\n    A: str = 'a'\n",
    "class S(enum.StrEnum):\n    A = enum.auto()\n    a = enum.auto()\n",
    "class S:\n    A = 'a'\n",
])
def test_members_not_certain(body):
    assert members("import enum\n" + body) is None


def test_labels_by_name_or_by_value():
    found = (("A", "a"), ("B", None))
    assert class_labels(found, by_value=False) == ("A", "B")
    assert class_labels(found, by_value=True) is None
    assert class_labels((("A", "a"),), by_value=True) == ("a",)


# -- the revision ----------------------------------------------------------------------------------


def test_the_revision_adds_the_labels_outside_the_transaction(tmp_path):
    upgrade, downgrade = diff(tmp_path, model(THREE), create())
    assert "with op.get_context().autocommit_block():" in upgrade
    assert "op.execute(\"ALTER TYPE status ADD VALUE IF NOT EXISTS 'archived'\")" in upgrade
    assert "ADD VALUE" not in downgrade


def test_a_dropped_label_is_left_to_the_author(tmp_path):
    upgrade, _ = diff(tmp_path, model('mapped_column(Enum("draft", name="status"))'), create())
    assert "# TODO by hand: enum type `status`: the model no longer declares 'published'" in upgrade
    assert "ALTER TYPE" not in upgrade.replace("# TODO", "")


def test_what_orm717_reads_survives_the_cache_json():
    import json

    from ormlint.migrations.operations import Revision
    from ormlint.migrations.revisions import parse_revision
    from ormlint.plaindata import decoder, encode
    from tests.rules.test_orm711 import revision

    parsed = parse_revision("v.py", revision('''
        op.create_table("t", sa.Column("s", sa.Enum("a", "b", name="s")))
        op.execute("ALTER TYPE s ADD VALUE 'c'")
        op.execute("ALTER TYPE s RENAME TO s_old")
        op.alter_column("t", "s", type_=sa.Enum("a", name="s2"))
    '''))
    assert decoder(Revision)(json.loads(json.dumps(encode(parsed)))) == parsed
    assert parsed.operations[0].columns[0].enum_type.values == ("a", "b")
    assert parsed.operations[-1].enum_type.values == ("a",)


@pytest.mark.parametrize(("sql", "read"), [
    ("CREATE TYPE s AS ENUM ('a', 'b''s')", ("create", ("a", "b's"))),
    ("ALTER TYPE s ADD VALUE IF NOT EXISTS 'c' BEFORE 'a'", ("add_value", ("c",))),
    ("ALTER TYPE s RENAME VALUE 'a' TO 'z'", ("rename_value", ("a", "z"))),
    ("ALTER TYPE s ADD VALUE 'in  progress'", ("add_value", None)),  # the reader joins spaces
    ("ALTER TYPE s ADD VALUE 'a;b'", ("add_value", None)),  # the reader splits at `;`
    ("CREATE TYPE s AS ENUM ('a  b')", ("create", None)),
    ("CREATE TYPE s AS (x int)", ("create", None)),
])
def test_labels_read_from_sql(sql, read):
    from ormlint.migrations.operations import NOWHERE
    from ormlint.migrations.revisions import _type_changes

    (change,) = _type_changes(sql, NOWHERE)
    assert (change.action, change.values) == read
