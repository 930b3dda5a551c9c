"""The migration side of the drift rules: revision files, the revision graph, replay."""

from __future__ import annotations

import pickle
import textwrap

import pytest

from ormlint.migrations.operations import BulkInsert, EnumTypeChange, ExecuteDml, ExecuteSql
from ormlint.migrations import (
    AddColumn,
    DialectBranch,
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
    """The operations the comparison reads (the SQL texts, Core statements, bulk inserts and
    type changes kept for the safety rules left out)."""
    operations = parse_revision("v.py", revision_text(body=body, **header)).operations
    return tuple(o for o in operations if not isinstance(o, (ExecuteSql, ExecuteDml, EnumTypeChange, BulkInsert)))


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
    assert rev.revision == "a"  # the plain header line is still read
    assert "SyntaxError" in (rev.error or "")
    graph = RevisionGraph([rev])
    assert graph.unplaced == [] and graph.complete
    assert replay(graph).uncertain  # what it does is unknown
    no_header = parse_revision("bad.py", "revision = make()\ndef upgrade(:\n")
    assert no_header.revision is None and not no_header.parsed
    graph = RevisionGraph([no_header])
    assert graph.unplaced == [no_header] and not graph.complete and replay(graph).uncertain


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
    ('op.execute("DROP TYPE state CASCADE")', None),
    ('op.execute("DROP SCHEMA legacy CASCADE")', None),
    ('op.execute(f"ALTER TABLE {name} ADD x int")', None),
    ('op.execute(statement)', None),
    ('conn = op.get_bind()\nconn.execute(sa.text("DROP TABLE users"))', None),
    ('helper()', None),
    ('from app.migration_utils import add_audit\nadd_audit("users")', None),
    ('sa.Table("x", sa.MetaData(), sa.Column("id", sa.Integer)).create(op.get_bind())', None),
    ('for name in tables():\n    op.add_column(name, sa.Column("x", sa.Integer))', None),
    ('for name in ["a", "b"]:\n    op.add_column(name, sa.Column("x", sa.Integer))\n    break', None),
    ('for name in ["a", 1]:\n    op.add_column(name, sa.Column("x", sa.Integer))', None),
    ('for name in ["a"]:\n    name = name + "_x"\n    op.add_column(name, sa.Column("x", sa.Integer))', None),
    ('if op.get_bind().dialect.name == "sqlite" and cond:\n    return\nop.drop_column("users", "x")', "users"),
    ('if cond:\n    return\nop.create_table("t", sa.Column("id", sa.Integer))', None),
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


def test_conditional_constraint_operations_leave_the_columns_known():
    # a dialect switch that only rebuilds foreign keys or indexes: the columns stay comparable
    found = ops('''
        if url.startswith("postgres"):
            op.drop_constraint("awards_user_id_fkey", "awards", type_="foreignkey")
            op.create_foreign_key(None, "awards", "users", ["user_id"], ["id"], ondelete="CASCADE")
            op.create_index("ix_awards_user", "awards", ["user_id"])
        else:
            op.drop_constraint("uq_awards_name", "awards", type_="unique")
    ''')
    assert {(u.table, u.part) for u in found} == {("awards", "foreign_keys"), ("awards", "indexes")}
    # any other operation in the branch makes the whole table uncertain
    found = ops('''
        if url.startswith("postgres"):
            op.create_foreign_key(None, "awards", "users", ["user_id"], ["id"])
            op.alter_column("awards", "type", nullable=True)
    ''')
    assert ("awards", None) in {(u.table, u.part) for u in found}
    # and a constraint dropped without saying its type may be anything
    found = ops('if x:\n    op.drop_constraint("c", "awards")')
    assert {(u.table, u.part) for u in found} == {("awards", None)}


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
    # as Alembic reads a version location: its own files, not its subdirectories'
    assert [p.name for p in revision_files(versions)] == ["a_first.py"]
    assert revision_files(tmp_path / "nowhere") == []


@pytest.mark.parametrize("setting, expected", [
    ("", ["a_first.py"]),
    ("recursive_version_locations = false\n", ["a_first.py"]),
    ("recursive_version_locations = true\n", ["a_first.py", "b_second.py"]),
])
def test_subdirectories_of_versions_are_read_only_when_alembic_reads_them(tmp_path, setting, expected):
    versions = tmp_path / "migrations" / "versions"
    (versions / "2024").mkdir(parents=True)
    (versions / "a_first.py").write_text("")
    (versions / "2024" / "b_second.py").write_text("")
    ini = tmp_path / "alembic.ini"
    ini.write_text("[alembic]\nscript_location = %(here)s/migrations\n" + setting)
    found = sorted(p.name for d in version_directories(ini) for p in revision_files(d))
    assert found == expected


def test_script_location_from_ini(tmp_path):
    ini = tmp_path / "alembic.ini"
    ini.write_text("[alembic]\nscript_location = %(here)s/migrations\n")
    assert script_location_from_ini(ini) == tmp_path.absolute() / "migrations"
    assert version_directories(ini) == [tmp_path.absolute() / "migrations" / "versions"]
    ini.write_text("[alembic]\nscript_location = db\nversion_locations = %(here)s/v1 %(here)s/v2\n")
    assert script_location_from_ini(ini) == tmp_path.absolute() / "db"
    assert version_directories(ini) == [tmp_path.absolute() / "v1", tmp_path.absolute() / "v2"]
    ini.write_text("[alembic]\nscript_location = db\npath_separator = ;\nversion_locations = a;b/c\n")
    assert version_directories(ini) == [tmp_path.absolute() / "a", tmp_path.absolute() / "b" / "c"]
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


# -- replay --------------------------------------------------------------------------------------


def test_replay_create_table():
    schema = schema_of('''
        op.create_table(
            "users",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("email", sa.String(255), nullable=False, unique=True),
            sa.Column("name", sa.String(50), index=True),
            sa.Column("code", sa.String(8), index=True, unique=True),
            sa.Column("org_id", sa.Integer, sa.ForeignKey("orgs.id", ondelete="cascade")),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("name", "org_id", name="uq_users_name_org"),
        )
    ''')
    assert not schema.uncertain
    users = schema.tables["users"]
    assert list(users.columns) == ["id", "email", "name", "code", "org_id"]
    assert users.columns["id"].primary_key and users.columns["id"].nullable is False
    assert users.columns["name"].nullable is True and users.columns["name"].type == "VARCHAR(50)"
    assert users.source.path == "v0.py" and users.source.location.line == 12
    assert users.columns["email"].source.location.line == 15
    found = {(i.name, i.columns, i.unique, i.kind, i.name_generated) for i in users.indexes}
    assert found == {
        (None, ("email",), True, "unique_constraint", False),
        ("ix_users_name", ("name",), False, "index", True),
        ("ix_users_code", ("code",), True, "index", True),
        ("uq_users_name_org", ("name", "org_id"), True, "unique_constraint", False),
    }
    (fk,) = users.foreign_keys
    assert (fk.columns, fk.target_table, fk.target_columns, fk.ondelete) == (("org_id",), "orgs", ("id",), "CASCADE")


def test_replay_add_alter_drop_column():
    schema = schema_of(USERS, '''
        op.add_column("users", sa.Column("age", sa.Integer(), nullable=False, server_default="0", index=True))
        op.alter_column("users", "name", nullable=False, type_=sa.String(80), server_default="x")
    ''', '''
        op.alter_column("users", "age", server_default=None, new_column_name="years")
        op.drop_column("users", "email")
    ''')
    users = schema.tables["users"]
    assert list(users.columns) == ["id", "name", "years"]
    name = users.columns["name"]
    assert (name.nullable, name.type, name.server_default) == (False, "VARCHAR(80)", "'x'")
    assert name.source.path == "v1.py"
    years = users.columns["years"]
    assert years.name == "years" and years.server_default is None and years.nullable is False
    assert years.source.path == "v2.py"
    # the index follows the renamed column
    assert [(i.name, i.columns) for i in users.indexes] == [("ix_users_age", ("years",))]
    assert not schema.uncertain and not users.uncertain


def test_replay_indexes_and_constraints():
    schema = schema_of(USERS, '''
        op.create_table("orgs", sa.Column("id", sa.Integer, primary_key=True))
        op.add_column("users", sa.Column("org_id", sa.Integer))
        op.create_index(op.f("ix_users_email"), "users", ["email"], unique=True)
        op.create_index("ix_users_lower", "users", [sa.text("lower(name)")])
        op.create_unique_constraint("uq_users_name", "users", ["name"])
        op.create_foreign_key("fk_users_org", "users", "orgs", ["org_id"], ["id"], ondelete="SET NULL")
    ''', '''
        op.drop_index("ix_users_lower", table_name="users")
        op.drop_constraint("uq_users_name", "users", type_="unique")
    ''')
    users = schema.tables["users"]
    assert [(i.name, i.columns, i.unique, i.kind) for i in users.indexes] == [
        ("ix_users_email", ("email",), True, "index"),
    ]
    (fk,) = users.foreign_keys
    assert (fk.name, fk.target_table, fk.ondelete, fk.source.path) == ("fk_users_org", "orgs", "SET NULL", "v1.py")
    assert users.indexes_known and users.foreign_keys_known
    schema = schema_of(USERS, 'op.drop_constraint("fk_users_org", "users", type_="foreignkey")')
    assert not schema.tables["users"].foreign_keys_known
    schema = schema_of(USERS, 'op.drop_index("ix_unknown")')
    assert not schema.tables["users"].indexes_known
    schema = schema_of(USERS, 'op.drop_constraint("something", "users")')
    assert schema.tables["users"].uncertain


def test_replay_primary_key():
    schema = schema_of('''
        op.create_table("tags", sa.Column("id", sa.Integer, nullable=True), sa.Column("label", sa.Text))
        op.create_primary_key("pk_tags", "tags", ["id"])
    ''')
    tag_id = schema.tables["tags"].columns["id"]
    assert tag_id.primary_key and tag_id.nullable is False
    schema = schema_of(USERS, 'op.drop_constraint("pk_users", "users", type_="primary")')
    assert not schema.tables["users"].columns["id"].primary_key


def test_replay_rename_and_drop_table():
    schema = schema_of(USERS, '''
        op.create_table("posts", sa.Column("id", sa.Integer, primary_key=True),
                        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id")))
        op.create_table("tmp", sa.Column("id", sa.Integer, primary_key=True))
    ''', '''
        op.rename_table("users", "accounts")
        op.drop_table("tmp")
    ''')
    assert list(schema.tables) == ["posts", "accounts"]
    assert schema.tables["accounts"].name == "accounts"
    assert schema.tables["accounts"].source.path == "v2.py"
    assert schema.tables["posts"].foreign_keys[0].target_table == "accounts"
    assert not schema.uncertain


def test_replay_batch():
    schema = schema_of(USERS, '''
        with op.batch_alter_table("users") as batch_op:
            batch_op.add_column(sa.Column("age", sa.Integer()))
            batch_op.alter_column("email", new_column_name="mail", existing_type=sa.String(255))
            batch_op.create_index(batch_op.f("ix_users_age"), ["age"])
            batch_op.drop_column("name")
    ''')
    users = schema.tables["users"]
    assert list(users.columns) == ["id", "mail", "age"]
    assert [i.name for i in users.indexes] == ["ix_users_age"]


def test_replay_uncertain_marks():
    schema = schema_of(USERS, 'op.execute("ALTER TABLE users ADD COLUMN x int")')
    assert schema.tables["users"].uncertain and not schema.uncertain
    schema = schema_of(USERS, 'op.add_column("ghosts", sa.Column("x", sa.Integer))')
    assert schema.uncertain and "ghosts" not in schema.tables
    schema = schema_of(USERS, 'op.alter_column("users", "ghost", nullable=False)')
    assert schema.tables["users"].uncertain and not schema.uncertain
    schema = schema_of(USERS, 'helper()')
    assert schema.uncertain
    schema = schema_of(USERS, 'op.create_index("ix_x", "users", columns)')
    assert not schema.tables["users"].indexes_known and not schema.tables["users"].uncertain


def test_replay_multiple_heads_and_broken_links_replay_what_can_be_ordered():
    revisions = [
        rev("a", body=USERS),
        rev("b1", "a", body='op.add_column("users", sa.Column("x", sa.Integer))'),
        rev("b2", "a", body='op.add_column("users", sa.Column("y", sa.Integer))'),
    ]
    schema = replay(RevisionGraph(revisions))
    assert schema.uncertain
    assert list(schema.tables["users"].columns) == ["id", "email", "name", "x", "y"]
    revisions = [rev("c", "lost", body=USERS)]
    schema = replay(RevisionGraph(revisions))
    assert schema.uncertain and "users" in schema.tables


def test_replay_merge_runs_after_both_parents():
    revisions = [
        rev("m", ("b1", "b2"), body='op.create_index("ix_both", "users", ["x", "y"])'),
        rev("b2", "a", body='op.add_column("users", sa.Column("y", sa.Integer))'),
        rev("b1", "a", body='op.add_column("users", sa.Column("x", sa.Integer))'),
        rev("a", body=USERS),
    ]
    schema = replay(RevisionGraph(revisions))
    assert not schema.uncertain
    assert [i.columns for i in schema.tables["users"].indexes] == [("x", "y")]


# -- against Alembic itself ----------------------------------------------------------------------

ORACLE_ENV = '''
from alembic import context
from sqlalchemy import create_engine

connectable = create_engine(context.config.get_main_option("sqlalchemy.url"))
with connectable.connect() as connection:
    context.configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()
'''

# A small project's history: two tables, a change set, two branches and a merge.
ORACLE_REVISIONS = {
    "r1": (None, '''
        op.create_table(
            "orgs",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("slug", sa.String(length=40), nullable=False, unique=True),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_table(
            "users",
            sa.Column("id", sa.Integer(), primary_key=True),
            sa.Column("email", sa.String(length=255), nullable=False),
            sa.Column("name", sa.String(length=50), index=True),
            sa.Column("created", sa.DateTime(), server_default=sa.text("CURRENT_TIMESTAMP")),
        )
    '''),
    "r2": ("r1", '''
        op.add_column("users", sa.Column("org_id", sa.Integer(), nullable=True))
        op.create_index(op.f("ix_users_email"), "users", ["email"], unique=True)
        with op.batch_alter_table("users") as batch_op:
            batch_op.alter_column("name", existing_type=sa.String(length=50), nullable=False)
            batch_op.create_foreign_key("fk_users_org", "orgs", ["org_id"], ["id"], ondelete="CASCADE")
    '''),
    "r3a": ("r2", '''
        op.create_table(
            "posts",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL")),
            sa.Column("title", sa.String(length=200), nullable=False),
            sa.Column("draft", sa.Boolean(), server_default=sa.false(), nullable=False),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_posts")),
            sa.UniqueConstraint("user_id", "title", name="uq_posts_user_title"),
        )
        op.create_index("ix_posts_title", "posts", ["title"])
    '''),
    "r3b": ("r2", '''
        op.add_column("users", sa.Column("age", sa.Integer(), nullable=False, server_default="0"))
        op.execute("UPDATE users SET age = 18")
        with op.batch_alter_table("orgs") as batch_op:
            batch_op.add_column(sa.Column("label", sa.String(length=80)))
            batch_op.create_index("ix_orgs_label", ["label"])
    '''),
    "r4": (("r3a", "r3b"), '''
        op.rename_table("posts", "articles")
        with op.batch_alter_table("users") as batch_op:
            batch_op.drop_column("created")
            batch_op.alter_column("age", new_column_name="years", existing_type=sa.Integer())
        op.drop_index("ix_orgs_label", table_name="orgs")
        op.create_index("ix_orgs_label_slug", "orgs", ["label", "slug"], unique=True)
    '''),
}


def test_replay_matches_alembic_on_sqlite(tmp_path):
    alembic_command = pytest.importorskip("alembic.command")
    from alembic.config import Config
    import sqlalchemy as sa

    from ormlint.schema import normalise_sql

    script = tmp_path / "migrations"
    (script / "versions").mkdir(parents=True)
    (script / "env.py").write_text(ORACLE_ENV)
    for rid, (down, body) in ORACLE_REVISIONS.items():
        (script / "versions" / f"{rid}_step.py").write_text(revision_text(rid, down, body))
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    config = Config()
    config.set_main_option("script_location", str(script))
    config.set_main_option("sqlalchemy.url", url)
    alembic_command.upgrade(config, "heads")

    files = revision_files(script / "versions")
    schema = replay(RevisionGraph(parse_revision(str(p), p.read_text()) for p in files))
    assert not schema.uncertain

    engine = sa.create_engine(url)
    inspector = sa.inspect(engine)
    assert set(schema.tables) == set(inspector.get_table_names()) - {"alembic_version"}
    for name, table in schema.tables.items():
        assert not table.uncertain and table.indexes_known and table.foreign_keys_known
        reflected = {c["name"]: c for c in inspector.get_columns(name)}
        assert list(table.columns) == list(reflected), name
        pk = set(inspector.get_pk_constraint(name)["constrained_columns"])
        for column in table.columns.values():
            db = reflected[column.name]
            assert column.nullable == db["nullable"], (name, column.name)
            assert column.primary_key == (column.name in pk), (name, column.name)
            db_type = str(db["type"])
            if column.type in ("INTEGER", "BOOLEAN") or (column.type or "").startswith("VARCHAR"):
                assert column.type == db_type, (name, column.name)
            db_default = db["default"]
            # normalised as PostgreSQL spells it; SQLite renders false() as 0
            ours = {"false": "0", "true": "1"}.get(column.server_default or "", column.server_default)
            assert ours == (normalise_sql(db_default) if db_default else None), (name, column.name)
        indexes = {
            (i["name"], tuple(i["column_names"]), bool(i["unique"]))
            for i in inspector.get_indexes(name)
        }
        assert indexes == {
            (i.name, i.columns, i.unique) for i in table.indexes if i.kind == "index"
        }, name
        uniques = {tuple(u["column_names"]) for u in inspector.get_unique_constraints(name)}
        assert uniques == {i.columns for i in table.indexes if i.kind == "unique_constraint"}, name
        fks = {
            (tuple(f["constrained_columns"]), f["referred_table"], tuple(f["referred_columns"]),
             (f["options"].get("ondelete") or "").upper() or None)
            for f in inspector.get_foreign_keys(name)
        }
        assert fks == {
            (f.columns, f.target_table, f.target_columns, f.ondelete) for f in table.foreign_keys
        }, name
    engine.dispose()


# -- loops over literals, dialect tests and early returns ----------------------------------------


def test_loop_over_literal_strings_is_read_once_per_item():
    found = ops('''
        for name in ("a", "b"):
            op.add_column(name, sa.Column("x", sa.Integer))
            op.execute(f"ALTER TABLE {name} ADD CONSTRAINT c CHECK (x > 0)")
    ''')
    assert [(type(o).__name__, o.table) for o in found] == [
        ("AddColumn", "a"), ("Uncertain", "a"), ("AddColumn", "b"), ("Uncertain", "b"),
    ]


def test_loop_over_a_module_level_sequence_of_pairs():
    source = revision_text(body='''
        for table, column in RENAMES:
            op.alter_column(table, column, new_column_name=column + "_at")
            op.drop_column(table, column)
    ''').replace("def upgrade", 'RENAMES = [("a", "x"), ("b", "y")]\n\n\ndef upgrade')
    found = parse_revision("v.py", source).operations
    assert [(type(o).__name__, o.table) for o in found] == [
        ("Uncertain", "a"), ("DropColumn", "a"), ("Uncertain", "b"), ("DropColumn", "b"),
    ]
    assert [o.column for o in found if isinstance(o, DropColumn)] == ["x", "y"]


def test_a_module_sequence_rebound_in_upgrade_is_not_unrolled():
    source = revision_text(body='''
        TABLES = discover()
        for name in TABLES:
            op.drop_column(name, "x")
    ''').replace("def upgrade", 'TABLES = ["a"]\n\n\ndef upgrade')
    found = parse_revision("v.py", source).operations
    assert found and all(isinstance(o, Uncertain) and o.table is None for o in found)


@pytest.mark.parametrize("test, dialects, negated", [
    ('op.get_bind().dialect.name == "sqlite"', ("sqlite",), False),
    ('"sqlite" != op.get_context().dialect.name', ("sqlite",), True),
    ('context.get_context().dialect.name in ("mysql", "mariadb")', ("mysql", "mariadb"), False),
    ('not bind.dialect.name == "postgresql"', ("postgresql",), True),
    ('dialect not in ["sqlite"]', ("sqlite",), True),
])
def test_dialect_tests_become_branches(test, dialects, negated):
    found = ops(f'''
        bind = op.get_bind()
        dialect = bind.dialect.name
        if {test}:
            op.drop_column("users", "x")
        else:
            op.drop_column("users", "y")
    '''.replace("        if", "        from alembic import context\n        if", 1))
    (branch,) = found
    assert isinstance(branch, DialectBranch)
    assert (branch.dialects, branch.negated) == (dialects, negated)
    assert [o.column for o in branch.then] == ["x"] and [o.column for o in branch.otherwise] == ["y"]


def test_early_return_on_a_dialect_guards_what_follows():
    (branch,) = ops('''
        if op.get_bind().dialect.name != "sqlite":
            return
        op.create_table("sqlite_only", sa.Column("id", sa.Integer))
    ''')
    assert isinstance(branch, DialectBranch) and branch.then == ()
    assert [o.table for o in branch.otherwise] == ["sqlite_only"]
    for dialect, tables in (("postgresql", []), ("sqlite", ["sqlite_only"]), (None, [])):
        schema = replay(RevisionGraph([parse_revision("v.py", revision_text(body='''
            if op.get_bind().dialect.name != "sqlite":
                return
            op.create_table("sqlite_only", sa.Column("id", sa.Integer))
        '''))]), dialect)
        assert sorted(schema.tables) == tables
        assert schema.uncertain == (dialect is None)


def test_an_uncertain_schema_leaves_no_table_certain():
    schema = schema_of(
        'op.create_table("a", sa.Column("id", sa.Integer))',
        "op.execute(statement)",
        'op.create_table("b", sa.Column("id", sa.Integer))',
    )
    assert schema.uncertain and schema.tables["a"].uncertain
    assert not schema.tables["b"].uncertain  # created, whole, after the unknown step


def test_every_kind_of_operation_survives_the_cache_json():
    import json

    from ormlint.migrations.operations import Revision
    from ormlint.plaindata import decoder, encode

    revision = parse_revision("v.py", revision_text(body='''
        op.create_table("t", sa.Column("id", sa.Integer, primary_key=True),
                        sa.Column("p", sa.Integer, sa.ForeignKey("p.id", ondelete="CASCADE")),
                        sa.UniqueConstraint("p", name="uq"))
        op.add_column("t", sa.Column("x", sa.String(5), server_default="a"))
        op.alter_column("t", "x", nullable=False, new_column_name="y")
        op.create_index("ix", "t", ["y"], unique=True)
        op.drop_index("ix", table_name="t")
        op.create_unique_constraint("uq2", "t", ["y"])
        op.create_foreign_key("fk", "t", "p", ["p"], ["id"])
        op.create_primary_key("pk", "t", ["id"])
        op.drop_constraint("fk", "t", type_="foreignkey")
        op.drop_column("t", "y")
        op.rename_table("t", "u")
        op.drop_table("u")
        op.execute(statement)
        if op.get_bind().dialect.name == "sqlite":
            op.create_table("s", sa.Column("id", sa.Integer))
    '''))
    kinds = {type(o).__name__ for o in revision.operations}
    assert len(kinds) == 14, kinds
    assert decoder(Revision)(json.loads(json.dumps(encode(revision)))) == revision


# -- graphs: labelled branches and revision files that do not parse --------------------------------


def _graph(*texts: tuple[str, str]) -> RevisionGraph:
    return RevisionGraph(parse_revision(path, text) for path, text in texts)


def test_one_head_per_labelled_branch_is_by_design():
    graph = _graph(
        ("base.py", revision_text("base")),
        ("e1.py", revision_text("e1", "base", labels=("expand",))),
        ("e2.py", revision_text("e2", "e1")),
        ("c1.py", revision_text("c1", "base", labels=("contract",))),
    )
    assert sorted(graph.heads) == ["c1", "e2"] and graph.heads_by_design and graph.complete
    unlabelled = _graph(
        ("base.py", revision_text("base")), ("a.py", revision_text("a", "base")),
        ("b.py", revision_text("b", "base")),
    )
    assert not unlabelled.heads_by_design and not unlabelled.complete


PY2_REVISION = """revision = 'p2'  # written for Python 2
down_revision = 'base'

def upgrade():
    print "adding a column"
    op.add_column('users', sa.Column('x', sa.Integer))
"""


def test_a_revision_in_python_2_keeps_its_place_in_the_graph():
    graph = _graph(("base.py", revision_text("base")), ("p2.py", PY2_REVISION),
                   ("next.py", revision_text("next", "p2")))
    assert graph.heads == ("next",) and not graph.broken_links and graph.complete
    (unknown,) = graph.revisions["p2"].operations
    assert isinstance(unknown, Uncertain) and unknown.table is None


def test_a_revision_without_a_readable_header_leaves_the_graph_incomplete():
    unreadable = PY2_REVISION.replace("revision = 'p2'", "revision = make_id()")
    graph = _graph(("base.py", revision_text("base")), ("p2.py", unreadable),
                   ("next.py", revision_text("next", "p2")))
    assert graph.broken_links and graph.may_hold_unread_revisions and not graph.complete


@pytest.mark.parametrize("body", [
    # alembic_utils entities are functions, extensions, triggers: no table the comparison reads
    'from alembic_utils.pg_function import PGFunction\n'
    'f = PGFunction(schema="public", signature="f()", definition="returns int AS $$ select 1 $$")\n'
    'op.create_entity(f)\nop.replace_entity(f)\nop.drop_entity(f)',
    # a function body in dollar quotes holds semicolons of its own
    'op.execute("CREATE OR REPLACE FUNCTION f() RETURNS trigger AS $$ BEGIN NEW.x := 1; RETURN NEW; END $$ LANGUAGE plpgsql;")',
    'op.execute(sa.text("CREATE FUNCTION g() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql"))',
])
def test_statements_that_touch_no_compared_table(body):
    assert ops(body) == ()


@pytest.mark.parametrize("body, table", [
    ('op.execute("DO $$ BEGIN ALTER TABLE users ADD x int; END $$;")', None),
    ('op.execute("CREATE FUNCTION f() AS $body$ a; $body$ LANGUAGE sql; ALTER TABLE users ADD x int")', "users"),
    ('op.execute("CREATE FUNCTION f() AS $body$ a;")', None),
])
def test_dollar_quoted_sql_around_schema_changes(body, table):
    found = ops(body)
    assert found and all(isinstance(o, Uncertain) for o in found)
    assert found[0].table == table


@pytest.mark.parametrize("body, expected", [
    # data changes spelt as f-strings or Core constructs: no schema change
    ('op.execute(f"INSERT INTO {table} (id) VALUES (1)")', ()),
    ('op.execute(sa.text(f"UPDATE users SET name = {value!r} WHERE id = 1"))', ()),
    ('conn = op.get_bind()\nrows = conn.execute(sa.select(users.c.id)).fetchall()', ()),
    ('conn = op.get_bind()\nconn.execute(users.select().where(users.c.id == 1))', ()),
    # a schema change on a table the f-string computes: which one is not known
    ('op.execute(f"ALTER TABLE {name} ADD COLUMN x int")', (None,)),
    ('op.execute(f"INSERT INTO a VALUES (1); DROP TABLE {name}")', (None,)),
])
def test_statements_spelt_as_f_strings_or_core_constructs(body, expected):
    found = ops(body)
    assert tuple(o.table for o in found) == expected
    assert all(isinstance(o, Uncertain) for o in found)


def test_an_alembic_ini_is_parsed_once_while_its_status_stays(tmp_path, monkeypatch):
    import configparser
    import os

    from ormlint.migrations.discovery import script_location_from_ini

    ini = tmp_path / "alembic.ini"
    ini.write_text("[alembic]\nscript_location = migrations\n")
    os.utime(ini, ns=(10**18, 10**18))  # settled long ago
    reads = []
    real = configparser.ConfigParser.read
    monkeypatch.setattr(configparser.ConfigParser, "read", lambda self, *a, **k: reads.append(1) or real(self, *a, **k))
    assert script_location_from_ini(ini) == tmp_path / "migrations"
    assert script_location_from_ini(ini) == tmp_path / "migrations"
    assert len(reads) == 1
    ini.write_text("[alembic]\nscript_location = alembic_dir\n")  # another size and time
    os.utime(ini, ns=(10**18 + 1, 10**18 + 1))
    assert script_location_from_ini(ini) == tmp_path / "alembic_dir"
    ini.write_text("[alembic]\nscript_location = alembic_xyz\n")  # same size, written just now
    assert script_location_from_ini(ini) == tmp_path / "alembic_xyz"
    assert script_location_from_ini(ini) == tmp_path / "alembic_xyz"
    assert len(reads) == 4  # (a file written just now is not kept)
