"""ORM713 computed-differs and ORM714 identity-differs: what generates a column's values."""

from __future__ import annotations

import pytest

from ormlint.generated_columns import identity_differences
from tests.rules.test_orm711 import create_item, findings, models

PG = {"pyproject.toml": '[tool.ormlint]\ntarget-dialect = "postgresql"\n'}
HEAD = "from sqlalchemy import Computed, Identity, Sequence"


def model(price_extra: str = "", id_extra: str = "") -> str:
    text = models(column_extra=price_extra, head=HEAD)
    return text.replace("mapped_column(primary_key=True)", f"mapped_column({id_extra}primary_key=True)")


def migration(price_extra: str = "", id_extra: str = "") -> str:
    return create_item().replace(
        '"price", sa.Integer(),', f'"price", sa.Integer(),{price_extra}',
    ).replace('"id", sa.Integer(),', f'"id", sa.Integer(),{id_extra}')


@pytest.mark.parametrize(("ours", "theirs", "reported"), [
    (', Computed("id * 2")', ' sa.Computed("(ID*2)"),', False),
    (', Computed("id * 2", persisted=True)', ' sa.Computed("id * 2"),', False),  # None: not compared
    (', Computed("id * 2")', "", True),
    ("", ' sa.Computed("id * 2"),', True),
    (', Computed("id * 2")', ' sa.Computed("id * 3"),', True),
    (', Computed("id * 2", persisted=True)', ' sa.Computed("id * 2", persisted=False),', True),
    (", Computed(PRICE_SQL)", "", False),  # not a literal: not compared
])
def test_orm713(tmp_path, ours, theirs, reported):
    expected = [("models.py", 13)] if reported else []
    assert findings(tmp_path, model(ours), migration(theirs), code="ORM713", files=PG) == expected


@pytest.mark.parametrize(("ours", "theirs", "reported"), [
    ("Identity(), ", " sa.Identity(start=1, increment=1),", False),
    ("Identity(always=True), ", " sa.Identity(always=False),", True),
    ("Identity(), ", "", True),  # SERIAL in the database
    ("", " sa.Identity(),", True),
    ("Identity(start=10), ", " sa.Identity(start=1),", True),
    ("Identity(cache=5), ", " sa.Identity(),", False),  # given on one side only: type-dependent
    ('Sequence("item_seq"), ', ' sa.Sequence("other_seq"),', True),
    ('Sequence("item_seq"), ', "", False),  # a Sequence on one side only: not compared
    ("Identity(start=START), ", "", False),
    ("PK_IDENTITY, ", " sa.Identity(),", False),  # a name may hold an Identity: not compared
    ("ids.PK_IDENTITY, ", " sa.Identity(),", False),
])
def test_orm714(tmp_path, ours, theirs, reported):
    expected = [("models.py", 12)] if reported else []
    assert findings(tmp_path, model(id_extra=ours), migration(id_extra=theirs), code="ORM714", files=PG) == expected


def test_identity_differences_compare_what_both_sides_give():
    ours = (("always", True), ("cache", 5), ("start", 1))
    theirs = (("always", False), ("start", 1))
    assert identity_differences(ours, theirs) == ["always=True against False"]


def test_the_revision_recreates_a_computed_column_and_leaves_identity_to_the_author(tmp_path):
    from click.testing import CliRunner

    from ormlint.cli import main
    from tests.rules.test_orm711 import ALEMBIC_INI, ENV, revision

    files = {
        "alembic.ini": ALEMBIC_INI, "migrations/env.py": ENV, **PG,
        "models.py": model(', Computed("id * 2")', "Identity(), "),
        "migrations/versions/0001_step.py": revision(migration(' sa.Computed("id * 3"),')),
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    diff = CliRunner().invoke(main, ["migrations", "diff", str(tmp_path)])
    assert diff.exit_code == 0, diff.output
    upgrade, downgrade = diff.output.split("def downgrade", 1)
    assert "op.drop_column('item', 'price')" in upgrade
    assert "op.add_column('item', sa.Column('price', sa.Integer(), sa.Computed('id * 2'), nullable=False))" in upgrade
    assert "sa.Computed('id * 3')" in downgrade
    assert "`item.id` is SERIAL in the migrations, an Identity in the model" in upgrade
    assert "#     ALTER TABLE item ALTER COLUMN id DROP DEFAULT;\n    #     DROP SEQUENCE item_id_seq;\n" in upgrade
    assert "alter_column('item', 'id'" not in diff.output  # ADD GENERATED fails on a column with a default


@pytest.mark.parametrize(("ours", "theirs", "said"), [
    ("Identity(), ", "", "has an `Identity()` in the model but is SERIAL (a `nextval()` default"),
    ("Identity(), ", ' server_default=sa.text("nextval(\'item_id_seq\'::regclass)"),', "but is SERIAL"),
    ("", " sa.Identity(),", "is SERIAL (a `nextval()` default, which takes explicit ids) in the model but has an"),
    ("autoincrement=False, ", " sa.Identity(),", "has no `Identity()` in the model but one in the migrations"),
])
def test_a_serial_side_is_named(tmp_path, ours, theirs, said):
    from click.testing import CliRunner

    from ormlint.cli import main
    from tests.rules.test_orm711 import ALEMBIC_INI, ENV, revision

    files = {"alembic.ini": ALEMBIC_INI, "migrations/env.py": ENV, **PG, "models.py": model(id_extra=ours),
             "migrations/versions/0001_step.py": revision(migration(id_extra=theirs))}
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    result = CliRunner().invoke(main, ["check", "--select", "ORM714", "--no-cache", str(tmp_path)])
    assert said in result.output, result.output


def test_what_the_beyond_autogenerate_rules_read_survives_the_cache_json():
    import json

    from ormlint.migrations.operations import Revision
    from ormlint.migrations.revisions import parse_revision
    from ormlint.plaindata import decoder, encode
    from tests.rules.test_orm711 import revision

    parsed = parse_revision("v.py", revision('''
        op.create_table("t", sa.Column("id", sa.Integer(), sa.Identity(always=True, start=-5), primary_key=True),
                        sa.Column("g", sa.Integer(), sa.Computed("id * 2", persisted=True), comment="doubled"),
                        sa.Column("s", sa.Integer(), sa.Sequence("t_s_seq"), sa.CheckConstraint("s > 0")),
                        sa.CheckConstraint("id > 0", name="ck"), comment="a table")
        op.create_check_constraint("ck2", "t", "g < 10")
        op.create_table_comment("t", "another")
        op.alter_column("t", "g", comment=None)
    '''))
    assert decoder(Revision)(json.loads(json.dumps(encode(parsed)))) == parsed
    create = parsed.operations[0]
    assert [c.identity is not None for c in create.columns] == [True, False, False]
    assert create.columns[1].computed == ("id * 2", True) and create.columns[2].sequence == "t_s_seq"
    assert (create.comment, len(create.checks), len(create.columns[2].checks)) == ("a table", 1, 1)


@pytest.mark.parametrize(("later", "reported"), [
    ('op.alter_column("item", "id", server_default=sa.Identity(always=True), existing_server_default=sa.Identity())', False),
    ('op.alter_column("item", "id", server_default=None, existing_server_default=sa.Identity())', True),  # dropped
    ('op.alter_column("item", "id", server_default=sa.Identity(start=N), existing_server_default=sa.Identity())', False),
])
def test_alembics_identity_alterations_are_replayed(tmp_path, later, reported):
    # the revision `ormlint migrations revision` writes for ORM714 (and Alembic's autogenerate)
    expected = [("models.py", 12)] if reported else []
    assert findings(tmp_path, model(id_extra="Identity(always=True), "), migration(id_extra=" sa.Identity(),"), later,
                    code="ORM714", files=PG) == expected


@pytest.mark.parametrize("dialect", ["sqlite", "mysql"])
def test_identity_is_not_compared_where_the_database_ignores_it(tmp_path, dialect):
    configured = {"pyproject.toml": f'[tool.ormlint]\ntarget-dialect = "{dialect}"\n'}
    assert findings(tmp_path, model(id_extra="Identity(), "), migration(), code="ORM714", files=configured) == []


def test_an_annotated_aliass_identity_is_read_beside_autoincrement(tmp_path):
    aliased = model().replace(
        "id: Mapped[int] = mapped_column(primary_key=True)",
        "id: Mapped[intpk] = mapped_column(autoincrement=False)",
    ).replace("from sqlalchemy import Computed, Identity, Sequence", "from typing import Annotated\n"
              "from sqlalchemy import Computed, Identity, Sequence\n"
              "from sqlalchemy.orm import mapped_column\n"
              "intpk = Annotated[int, mapped_column(Identity(), primary_key=True)]")
    assert "Mapped[intpk]" in aliased and "Annotated[int" in aliased
    assert findings(tmp_path, aliased, migration(id_extra=" sa.Identity(),"), code="ORM714", files=PG) == []
