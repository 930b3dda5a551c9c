"""ORM715 primary-key-differs: a primary key of other columns in the models than in the migrations."""

from __future__ import annotations

import pytest

from tests.rules.test_orm711 import create_item, findings, models

PG = {"pyproject.toml": '[tool.ormlint]\ntarget-dialect = "postgresql"\n'}
SQLITE = {"pyproject.toml": '[tool.ormlint]\ntarget-dialect = "sqlite"\n'}
COMPOSITE_MODEL = models().replace("mapped_column(Integer)", "mapped_column(Integer, primary_key=True)")


def create(key: str = '"id"', name: str = "") -> str:
    return create_item().replace('sa.PrimaryKeyConstraint("id")', f"sa.PrimaryKeyConstraint({key}{name})")


@pytest.mark.parametrize(("model", "upgrades", "reported"), [
    (COMPOSITE_MODEL, [create('"id", "price"')], False),
    (COMPOSITE_MODEL, [create('"price", "id"')], False),  # compared as sets
    (COMPOSITE_MODEL, [create()], True),
    (models(), [create('"id", "price"')], True),
    (models().replace("primary_key=True", ""), [create()], False),  # no key in the model: not compared
    (models(table_args='__table_args__ = (PrimaryKeyConstraint("id", "price"),)').replace(
        "primary_key=True", "").replace("CheckConstraint,", "CheckConstraint, PrimaryKeyConstraint,"),
     [create()], True),
    # the history changes the key: drop, create
    (COMPOSITE_MODEL, [create(name=', name="pk_item"'),
                       'op.drop_constraint("pk_item", "item", type_="primary")\n'
                       'op.create_primary_key("pk_item", "item", ["id", "price"])'], False),
    (models(), [create('"id", "price"'), 'op.drop_constraint("item_pkey", "item", type_="primary")\n'
                'op.create_primary_key("item_pkey", "item", ["id"])'], False),
    # PostgreSQL drops the key with one of its columns: a key of (id) is no longer there
    (models(), [create('"id", "price"'), 'op.drop_column("item", "price")'], False),
])
def test_orm715(tmp_path, model, upgrades, reported):
    found = findings(tmp_path, model, *upgrades, code="ORM715", files=PG)
    assert bool(found) == reported, found
    if reported:
        assert found[0][0] == "models.py"


def test_a_key_column_dropped_on_sqlite_leaves_the_key_unknown(tmp_path):
    upgrades = [create('"id", "price", "extra"').replace(
        '    sa.PrimaryKeyConstraint', '    sa.Column("extra", sa.Integer(), nullable=False),\n    sa.PrimaryKeyConstraint'),
        'with op.batch_alter_table("item") as batch_op:\n    batch_op.drop_column("extra")']
    assert findings(tmp_path, models(), *upgrades, code="ORM715", files=SQLITE) == []


def diff(tmp_path, model: str, upgrade: str) -> tuple[str, str]:
    """`ormlint migrations diff`'s upgrade and downgrade."""
    from click.testing import CliRunner

    from ormlint.cli import main
    from tests.rules.test_orm711 import ALEMBIC_INI, ENV, revision

    files = {
        "alembic.ini": ALEMBIC_INI, "migrations/env.py": ENV, **PG,
        "models.py": model, "migrations/versions/0001_step.py": revision(upgrade),
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    result = CliRunner().invoke(main, ["migrations", "diff", str(tmp_path)])
    assert result.exit_code == 0, result.output
    upgrade_text, downgrade_text = result.output.split("def downgrade", 1)
    return upgrade_text, downgrade_text


def test_the_revision_drops_and_creates_the_key(tmp_path):
    upgrade, downgrade = diff(tmp_path, COMPOSITE_MODEL, create())
    assert "op.drop_constraint('item_pkey', 'item', type_='primary')" in upgrade
    assert "op.create_primary_key('item_pkey', 'item', ['id', 'price'])" in upgrade
    assert "op.create_primary_key('item_pkey', 'item', ['id'])" in downgrade


def test_a_key_foreign_keys_point_to_is_left_to_the_author(tmp_path):
    model = COMPOSITE_MODEL + (
        "\n\nclass Line(Base):\n    __tablename__ = \"line\"\n    id: Mapped[int] = mapped_column(primary_key=True)\n"
        "    item_id: Mapped[int] = mapped_column(ForeignKey(\"item.id\"))\n"
    ).replace("\n\nclass", "\n\nclass", 1)
    model = model.replace("from sqlalchemy import", "from sqlalchemy import ForeignKey,")
    upgrade, _ = diff(tmp_path, model, create() + (
        '\nop.create_table("line", sa.Column("id", sa.Integer(), nullable=False),'
        ' sa.Column("item_id", sa.Integer(), nullable=False),'
        ' sa.ForeignKeyConstraint(["item_id"], ["item.id"]), sa.PrimaryKeyConstraint("id"))'
    ))
    assert "create_primary_key" not in upgrade
    assert "change its primary key from (id) to (id, price) by hand (foreign keys may reference it)" in upgrade


def test_the_key_name_survives_the_cache_json():
    import json

    from ormlint.migrations.operations import Revision
    from ormlint.migrations.revisions import parse_revision
    from ormlint.plaindata import decoder, encode
    from tests.rules.test_orm711 import revision

    parsed = parse_revision("v.py", revision(create(name=', name="pk_item"')))
    assert decoder(Revision)(json.loads(json.dumps(encode(parsed)))) == parsed
    assert parsed.operations[0].primary_key_name == "pk_item"
