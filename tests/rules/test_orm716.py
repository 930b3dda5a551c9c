"""ORM716 index-predicate-differs: partial indexes compared by predicate, from source alone."""

from __future__ import annotations

import pytest

from tests.rules.test_orm711 import create_item, findings, models
from tests.rules.test_orm715 import PG, SQLITE, diff

HEAD = "from sqlalchemy import Index, text"


def model(where: str = "", unique: str = "") -> str:
    args = f'__table_args__ = (Index("ix_item_price", "price"{unique}{where}),)'
    return models(table_args=args, head=HEAD)


def history(where: str = "", unique: str = "") -> list[str]:
    return [create_item(), f'op.create_index("ix_item_price", "item", ["price"]{unique}{where})']


@pytest.mark.parametrize(("ours", "theirs", "reported"), [
    (', postgresql_where=text("price > 0")', ', postgresql_where=sa.text("(PRICE>0)")', False),
    (', postgresql_where="price > 0"', ', postgresql_where=sa.text("price > 0")', False),
    (', postgresql_where=text("price > 0")', "", True),  # partial in the model, plain in the database
    ("", ', postgresql_where=sa.text("price > 0")', True),
    (', postgresql_where=text("price > 0")', ', postgresql_where=sa.text("price > 10")', True),
    (', postgresql_where=Item.price > 0', "", False),  # not a literal: not compared
    (', sqlite_where=text("price > 0")', "", False),  # another database's predicate
    ("", "", False),
])
def test_orm716_on_postgresql(tmp_path, ours, theirs, reported):
    found = findings(tmp_path, model(ours), *history(theirs), code="ORM716", files=PG)
    assert bool(found) == reported, found


def test_the_sqlite_predicate_is_compared_on_sqlite(tmp_path):
    found = findings(tmp_path, model(', sqlite_where=text("price > 0")'), *history(), code="ORM716", files=SQLITE)
    assert found and found[0][0] == "models.py"


def test_a_partial_and_a_plain_index_on_the_same_columns_are_not_paired(tmp_path):
    args = ('__table_args__ = (Index("ix_a", "price"), '
            'Index("ix_b", "price", postgresql_where=text("price > 0")))')
    upgrades = [create_item(), 'op.create_index("ix_a", "item", ["price"])',
                'op.create_index("ix_b", "item", ["price"], postgresql_where=sa.text("price > 0"))']
    assert findings(tmp_path, models(table_args=args, head=HEAD), *upgrades, code="ORM716", files=PG) == []


def test_the_revision_drops_and_creates_the_index_with_the_models_predicate(tmp_path):
    migration = "\n".join(history(unique=", unique=True"))
    upgrade, downgrade = diff(tmp_path, model(', postgresql_where=text("price > 0")', ", unique=True"), migration)
    assert "op.drop_index('ix_item_price', table_name='item')" in upgrade
    assert "op.create_index('ix_item_price', 'item', ['price'], unique=True, postgresql_where=sa.text('price > 0'))" in upgrade
    assert "op.create_index('ix_item_price', 'item', ['price'], unique=True)" in downgrade


def test_what_orm716_reads_survives_the_cache_json():
    import json

    from ormlint.migrations.operations import Revision
    from ormlint.migrations.revisions import parse_revision
    from ormlint.plaindata import decoder, encode
    from tests.rules.test_orm711 import revision

    parsed = parse_revision("v.py", revision(
        'op.create_table("t", sa.Column("id", sa.Integer()), sa.Index("ix", "id", sqlite_where=sa.text("id > 1")))\n'
        'op.create_index("iy", "t", ["id"], postgresql_where=sa.text("id > 0"))'))
    assert decoder(Revision)(json.loads(json.dumps(encode(parsed)))) == parsed
    assert parsed.operations[0].indexes[0].where == (("sqlite", "id > 1"),)
    assert parsed.operations[1].where == (("postgresql", "id > 0"),)
