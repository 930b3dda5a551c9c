"""The migration side of the drift rules: revision files, the revision graph, replay."""

from __future__ import annotations

import pickle
import textwrap

import pytest

from ormlint.migrations import (
    AddColumn,
    AlterColumn,
    CreateForeignKey,
    CreateIndex,
    CreatePrimaryKey,
    CreateTable,
    CreateUniqueConstraint,
    DropColumn,
    DropConstraint,
    DropIndex,
    DropTable,
    RenameTable,
    RevisionGraph,
    Uncertain,
    parse_revision,
    replay,
    revision_files,
    script_location_from_ini,
    script_location_from_pyproject,
    version_directories,
)

HEADER = '''\
"""a revision"""
from alembic import op
import sqlalchemy as sa

revision = {revision!r}
down_revision = {down!r}
branch_labels = {labels!r}
depends_on = {depends!r}
'''


def revision_text(revision="r1", down=None, body="pass", labels=None, depends=None):
    return HEADER.format(revision=revision, down=down, labels=labels, depends=depends) + (
        "\n\ndef upgrade():\n" + textwrap.indent(textwrap.dedent(body).strip() or "pass", "    ")
        + "\n\n\ndef downgrade():\n    pass\n"
    )


def ops(body: str, **header):
    return parse_revision("v.py", revision_text(body=body, **header)).operations


def schema_of(*bodies: str):
    """Replay a linear chain of revisions, one per body."""
    revisions = []
    down = None
    for i, body in enumerate(bodies):
        revisions.append(parse_revision(f"v{i}.py", revision_text(f"r{i}", down, body)))
        down = f"r{i}"
    return replay(RevisionGraph(revisions))


USERS = '''
op.create_table(
    "users",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("email", sa.String(length=255), nullable=False),
    sa.Column("name", sa.String(50)),
    sa.PrimaryKeyConstraint("id"),
)
'''


# -- header --------------------------------------------------------------------------------------


def test_header_string_down_revision():
    rev = parse_revision("a.py", revision_text("abc", "def"))
    assert rev.revision == "abc"
    assert rev.down_revisions == ("def",)
    assert rev.branch_labels == ()
    assert rev.depends_on == ()
    assert rev.parsed and rev.header_error is None
    assert rev.location.line == 5 and rev.location.column == 1


def test_header_none_tuple_list_and_annotated():
    assert parse_revision("a.py", revision_text("a", None)).down_revisions == ()
    assert parse_revision("a.py", revision_text("a", ("b", "c"))).down_revisions == ("b", "c")
    assert parse_revision("a.py", revision_text("a", ["b", "c"])).down_revisions == ("b", "c")
    source = textwrap.dedent('''
        from typing import Sequence, Union
        from alembic import op
        revision: str = "a1"
        down_revision: Union[str, None] = "a0"
        branch_labels: Union[str, Sequence[str], None] = ("feature",)
        depends_on: Union[str, Sequence[str], None] = "x9"
        def upgrade() -> None:
            pass
    ''')
    rev = parse_revision("a.py", source)
    assert (rev.revision, rev.down_revisions, rev.branch_labels, rev.depends_on) == (
        "a1", ("a0",), ("feature",), ("x9",)
    )
    assert rev.operations == ()


def test_header_not_literal():
    source = 'from alembic import op\nrevision = "a"\ndown_revision = compute()\ndef upgrade():\n    pass\n'
    rev = parse_revision("a.py", source)
    assert rev.header_error and "down_revision" in rev.header_error


def test_syntax_error_file_is_unparsable_not_an_exception():
    rev = parse_revision("bad.py", "revision = 'a'\ndef upgrade(:\n")
    assert not rev.parsed
    assert rev.revision is None
    assert "SyntaxError" in (rev.error or "")
    graph = RevisionGraph([rev])
    assert graph.unplaced == [rev]
    assert not graph.complete
    assert replay(graph).uncertain


def test_not_a_revision_file():
    rev = parse_revision("helpers.py", "def helper():\n    pass\n")
    assert rev.parsed and rev.revision is None and rev.operations == ()


def test_revision_is_picklable_plain_data():
    rev = parse_revision("a.py", revision_text(body=USERS))
    assert pickle.loads(pickle.dumps(rev)) == rev
    hash(rev)


# -- operations ----------------------------------------------------------------------------------


def test_create_table_columns():
    (create,) = ops('''
        op.create_table(
            "users",
            sa.Column("id", sa.Integer(), primary_key=True),
            sa.Column("email", sa.String(length=255), nullable=False, unique=True),
            sa.Column("name", sa.String(50), index=True),
            sa.Column("state", sa.Text(), server_default="draft"),
            sa.Column("org_id", sa.Integer, sa.ForeignKey("orgs.id", ondelete="cascade")),
            sa.CheckConstraint("length(name) > 0"),
        )
    ''')
    assert isinstance(create, CreateTable) and create.table == "users"
    columns = {c.name: c for c in create.columns}
    assert list(columns) == ["id", "email", "name", "state", "org_id"]
    assert columns["id"].primary_key and columns["id"].nullable is False
    assert columns["id"].type == "INTEGER"
    assert columns["email"].type == "VARCHAR(255)" and columns["email"].unique
    assert columns["name"].nullable is True and columns["name"].index
    assert columns["state"].server_default == "'draft'"
    (fk,) = columns["org_id"].foreign_keys
    assert (fk.columns, fk.target_table, fk.target_columns, fk.ondelete) == (
        ("org_id",), "orgs", ("id",), "CASCADE"
    )
    assert not create.uncertain
    assert create.location.line == 12  # the op.create_table( line
    assert columns["email"].location.line == 15


def test_create_table_table_level_constraints():
    (create,) = ops('''
        op.create_table(
            "members",
            sa.Column("user_id", sa.Integer()),
            sa.Column("team_id", sa.Integer(), nullable=True),
            sa.Column("role", sa.String(20)),
            sa.PrimaryKeyConstraint("user_id", "team_id", name=op.f("pk_members")),
            sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE", name="fk_m_u"),
            sa.UniqueConstraint("user_id", "role", name="uq_m"),
        )
    ''')
    columns = {c.name: c for c in create.columns}
    assert columns["user_id"].primary_key and columns["user_id"].nullable is False
    # an explicit nullable=True is kept, as SQLAlchemy keeps it on the Column
    assert columns["team_id"].primary_key and columns["team_id"].nullable is True
    assert columns["role"].nullable is True
    (fk,) = create.foreign_keys
    assert (fk.name, fk.columns, fk.target_table, fk.target_columns, fk.ondelete) == (
        "fk_m_u", ("user_id",), "users", ("id",), "CASCADE"
    )
    (unique,) = create.indexes
    assert (unique.name, unique.columns, unique.kind) == ("uq_m", ("user_id", "role"), "unique_constraint")


def test_create_table_unknown_element_makes_table_uncertain():
    (create,) = ops('''
        op.create_table("t", sa.Column("id", sa.Integer, primary_key=True), *timestamps())
    ''')
    assert isinstance(create, Uncertain) and create.table == "t"
    (create,) = ops('''
        op.create_table("t", sa.Column("id", sa.Integer, primary_key=True), audit_column)
    ''')
    assert isinstance(create, CreateTable) and create.uncertain
    (create,) = ops('''
        op.create_table("t", sa.Column("id", sa.Integer, primary_key=True, unique=flag))
    ''')
    assert not create.uncertain and not create.indexes_known


def test_simple_operations():
    found = ops('''
        op.drop_table("old")
        op.rename_table("a", "b")
        op.add_column("users", sa.Column("age", sa.Integer(), nullable=False, server_default="0"))
        op.drop_column("users", "age")
        op.alter_column("users", "name", existing_type=sa.String(50), type_=sa.String(100),
                        nullable=False, server_default=None, new_column_name="full_name")
        op.create_index(op.f("ix_users_email"), "users", ["email"], unique=True)
        op.create_index("ix_lower", "users", [sa.text("lower(email)")])
        op.drop_index("ix_a", table_name="users")
        op.drop_index(op.f("ix_b"))
        op.create_unique_constraint("uq_email", "users", ["email"])
        op.create_foreign_key("fk_org", "users", "orgs", ["org_id"], ["id"], ondelete="SET NULL")
        op.create_primary_key("pk_users", "users", ["id"])
        op.drop_constraint("fk_org", "users", type_="foreignkey")
        op.drop_constraint(op.f("uq_email"), "users")
    ''')
    assert found[0] == DropTable("old", found[0].location)
    assert isinstance(found[1], RenameTable) and (found[1].table, found[1].new_name) == ("a", "b")
    assert isinstance(found[2], AddColumn) and found[2].column.nullable is False
    assert found[2].column.server_default == "'0'"
    assert isinstance(found[3], DropColumn) and found[3].column == "age"
    alter = found[4]
    assert isinstance(alter, AlterColumn)
    assert (alter.nullable, alter.type_given, alter.type) == (False, True, "VARCHAR(100)")
    assert alter.server_default_given and alter.server_default is None
    assert alter.new_name == "full_name"
    assert found[5] == CreateIndex("ix_users_email", "users", ("email",), True, found[5].location)
    assert isinstance(found[6], CreateIndex) and found[6].columns is None
    assert found[7] == DropIndex("ix_a", "users", found[7].location)
    assert found[8] == DropIndex("ix_b", None, found[8].location)
    assert found[9] == CreateUniqueConstraint("uq_email", "users", ("email",), found[9].location)
    assert found[10] == CreateForeignKey(
        "fk_org", "users", "orgs", ("org_id",), ("id",), "SET NULL", found[10].location
    )
    assert found[11] == CreatePrimaryKey("pk_users", "users", ("id",), found[11].location)
    assert found[12] == DropConstraint("fk_org", "users", "foreignkey", found[12].location)
    assert found[13] == DropConstraint("uq_email", "users", None, found[13].location)


def test_keyword_arguments_and_alter_without_changes():
    found = ops('''
        op.add_column(table_name="users", column=sa.Column("x", sa.Boolean()))
        op.alter_column("users", "x", existing_type=sa.Boolean(), existing_nullable=True)
        op.create_index(index_name="ix_x", table_name="users", columns=["x"])
    ''')
    assert isinstance(found[0], AddColumn) and found[0].column.type == "BOOLEAN"
    alter = found[1]
    assert isinstance(alter, AlterColumn) and alter.nullable is None
    assert not alter.type_given and not alter.server_default_given
    assert isinstance(found[2], CreateIndex) and found[2].columns == ("x",)


def test_batch_operations():
    found = ops('''
        with op.batch_alter_table("users", schema=None) as batch_op:
            batch_op.add_column(sa.Column("age", sa.Integer()))
            batch_op.drop_column("legacy")
            batch_op.alter_column("name", nullable=False)
            batch_op.create_index(batch_op.f("ix_users_age"), ["age"], unique=False)
            batch_op.drop_index("ix_old")
            batch_op.create_unique_constraint("uq_name", ["name"])
            batch_op.create_foreign_key("fk_org", "orgs", ["org_id"], ["id"], ondelete="CASCADE")
            batch_op.create_primary_key("pk", ["id"])
            batch_op.drop_constraint("uq_old", type_="unique")
    ''')
    kinds = [type(o).__name__ for o in found]
    assert kinds == [
        "AddColumn", "DropColumn", "AlterColumn", "CreateIndex", "DropIndex",
        "CreateUniqueConstraint", "CreateForeignKey", "CreatePrimaryKey", "DropConstraint",
    ]
    assert all(o.table == "users" for o in found)
    assert found[3].name == "ix_users_age" and found[3].columns == ("age",)
    assert found[6].target_table == "orgs" and found[6].ondelete == "CASCADE"
    assert found[8].type_ == "unique"


def test_op_aliases_and_module_constants():
    source = textwrap.dedent('''
        from alembic import op as migration
        import sqlalchemy
        revision = "a"
        down_revision = None
        TABLE = "users"
        def upgrade():
            migration.add_column(TABLE, sqlalchemy.Column("x", sqlalchemy.Integer))
    ''')
    (add,) = parse_revision("a.py", source).operations
    assert isinstance(add, AddColumn) and add.table == "users" and add.column.type == "INTEGER"


@pytest.mark.parametrize("body, table", [
    ('op.execute("ALTER TABLE users ADD COLUMN x int")', "users"),
    ('op.execute(sa.text("CREATE INDEX ix_a ON users (a)"))', "users"),
    ('op.execute("CREATE TABLE x (id int)")', None),
    ('op.execute(f"ALTER TABLE {name} ADD x int")', None),
    ('op.execute(statement)', None),
    ('conn = op.get_bind()\nconn.execute(sa.text("DROP TABLE users"))', None),
    ('helper()', None),
    ('from app.migration_utils import add_audit\nadd_audit("users")', None),
    ('sa.Table("x", sa.MetaData(), sa.Column("id", sa.Integer)).create(op.get_bind())', None),
    ('for name in ["a", "b"]:\n    op.add_column(name, sa.Column("x", sa.Integer))', None),
    ('if cond:\n    op.add_column("users", sa.Column("x", sa.Integer))', "users"),
    ('try:\n    op.drop_index("ix_a", table_name="users")\nexcept Exception:\n    pass', "users"),
    ('if cond:\n    op.create_table("t", sa.Column("id", sa.Integer))', None),
    ('op.add_column(name, sa.Column("x", sa.Integer))', None),
    ('op.drop_column("users", column_name)', "users"),
    ('op.create_table_with_magic("users")', None),
    ('with op.batch_alter_table(name) as b:\n    b.drop_column("x")', None),
])
def test_uncertain(body, table):
    found = ops(body)
    assert found and all(isinstance(o, Uncertain) for o in found), found
    assert found[0].table == table


@pytest.mark.parametrize("body", [
    'op.execute("UPDATE users SET active = true")',
    'op.execute("INSERT INTO roles (name) VALUES (\'admin\'); UPDATE users SET role = 1;")',
    'op.execute("CREATE EXTENSION IF NOT EXISTS pgcrypto")',
    'op.execute(users.update().values(active=True))',
    'op.execute(sa.insert(users).values(name="x"))',
    'roles = sa.table("roles", sa.column("name", sa.String))\nop.bulk_insert(roles, [{"name": "a"}])',
    'bind = op.get_bind()\nif bind.dialect.name == "sqlite":\n    pass',
    'conn = op.get_bind()\nrows = conn.execute(sa.text("SELECT id FROM users")).fetchall()',
    'print("migrating")\nlogger.info("x")',
    'sa.Enum("a", "b", name="state").create(op.get_bind(), checkfirst=True)',
    'op.create_check_constraint("ck_age", "users", "age > 0")',
    'with op.get_context().autocommit_block():\n    op.execute("VACUUM")',
])
def test_harmless(body):
    assert ops(body) == ()


def test_upgrade_missing_or_conditional_inner_ops_of_batch():
    source = 'revision = "a"\ndown_revision = None\n'
    (only,) = parse_revision("a.py", source).operations
    assert isinstance(only, Uncertain) and only.table is None
    found = ops('''
        with op.batch_alter_table("users") as batch_op:
            if cond:
                batch_op.drop_column("x")
    ''')
    assert found == (Uncertain("users", "operation inside `if`", found[0].location),)


# -- graph ---------------------------------------------------------------------------------------


def rev(rid, down=None, depends=None, labels=None, body="pass"):
    return parse_revision(f"{rid}.py", revision_text(rid, down, body, labels, depends))


def ids(revisions):
    return [r.revision for r in revisions]


def test_linear_graph():
    graph = RevisionGraph([rev("c", "b"), rev("a"), rev("b", "a")])
    assert graph.heads == ("c",) and graph.bases == ("a",)
    assert ids(graph.ordered()) == ["a", "b", "c"]
    assert graph.complete


def test_branches_and_merge():
    revisions = [rev("a"), rev("b1", "a"), rev("b2", "a"), rev("m", ("b1", "b2")), rev("n", "m")]
    graph = RevisionGraph(reversed(revisions))
    order = ids(graph.ordered())
    assert order.index("a") < order.index("b1") < order.index("m")
    assert order.index("b2") < order.index("m") < order.index("n")
    assert graph.heads == ("n",) and graph.complete


def test_multiple_heads():
    graph = RevisionGraph([rev("a"), rev("b1", "a"), rev("b2", "a")])
    assert set(graph.heads) == {"b1", "b2"}
    assert not graph.complete
    assert ids(graph.ordered()) == ["a", "b1", "b2"]


def test_multiple_bases_with_branch_labels_and_depends_on():
    revisions = [
        rev("x2", "x1", depends="audit"), rev("x1", labels="main"),
        rev("y1", labels=("audit",)),
    ]
    graph = RevisionGraph(revisions)
    assert set(graph.bases) == {"x1", "y1"}
    assert set(graph.heads) == {"x2", "y1"}  # depends_on does not make y1 a non-head
    order = ids(graph.ordered())
    assert order.index("y1") < order.index("x2")
    assert not graph.broken_links


def test_broken_links():
    graph = RevisionGraph([rev("a"), rev("c", "missing"), rev("d", "a", depends="nope")])
    assert {(b.revision, b.missing, b.kind) for b in graph.broken_links} == {
        ("c", "missing", "down_revision"), ("d", "nope", "depends_on"),
    }
    assert not graph.complete
    assert set(ids(graph.ordered())) == {"a", "c", "d"}


def test_duplicates():
    first = rev("a", body='op.create_table("one", sa.Column("id", sa.Integer))')
    second = parse_revision("other.py", revision_text("a", None, 'op.create_table("two", sa.Column("id", sa.Integer))'))
    graph = RevisionGraph([first, second])
    assert graph.duplicates == {"a": ("a.py", "other.py")}
    assert not graph.complete
    schema = replay(graph)
    assert list(schema.tables) == ["two"] and schema.uncertain


def test_cycle():
    graph = RevisionGraph([rev("a"), rev("b", ("a", "d")), rev("c", "b"), rev("d", "c"), rev("e", "d")])
    assert graph.cycles == (("b", "c", "d"),)
    assert ids(graph.ordered()) == ["a"]
    assert set(graph.blocked) == {"b", "c", "d", "e"}
    assert not graph.complete


def test_depends_on_by_prefix():
    graph = RevisionGraph([rev("abc123"), rev("def456", depends="abc1")])
    assert not graph.broken_links
    assert ids(graph.ordered()) == ["abc123", "def456"]


# -- discovery -----------------------------------------------------------------------------------


def test_revision_files(tmp_path):
    versions = tmp_path / "versions"
    (versions / "2024").mkdir(parents=True)
    (versions / "a_first.py").write_text("")
    (versions / "2024" / "b_second.py").write_text("")
    (versions / "__init__.py").write_text("")
    (versions / "notes.txt").write_text("")
    assert [p.name for p in revision_files(versions)] == ["b_second.py", "a_first.py"]
    assert revision_files(tmp_path / "nowhere") == []


def test_script_location_from_ini(tmp_path):
    ini = tmp_path / "alembic.ini"
    ini.write_text("[alembic]\nscript_location = %(here)s/migrations\n")
    assert script_location_from_ini(ini) == tmp_path.absolute() / "migrations"
    assert version_directories(ini) == [tmp_path.absolute() / "migrations" / "versions"]
    ini.write_text("[alembic]\nscript_location = db\nversion_locations = %(here)s/v1 %(here)s/v2\n")
    assert script_location_from_ini(ini) == tmp_path.absolute() / "db"
    assert version_directories(ini) == [tmp_path.absolute() / "v1", tmp_path.absolute() / "v2"]
    ini.write_text("[alembic]\nscript_location = myapp:migrations\n")
    assert script_location_from_ini(ini) is None
    ini.write_text("[other]\nx = 1\n")
    assert script_location_from_ini(ini) is None


def test_script_location_from_pyproject(tmp_path):
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[tool.alembic]\nscript_location = "%(here)s/alembic"\n')
    assert script_location_from_pyproject(pyproject) == tmp_path.absolute() / "alembic"
    assert version_directories(pyproject) == [tmp_path.absolute() / "alembic" / "versions"]
    pyproject.write_text('[tool.alembic]\nscript_location = "alembic"\nversion_locations = ["%(here)s/a", "b"]\n')
    assert version_directories(pyproject) == [tmp_path.absolute() / "a", tmp_path.absolute() / "b"]
    pyproject.write_text('[tool.other]\nx = 1\n')
    assert script_location_from_pyproject(pyproject) is None
