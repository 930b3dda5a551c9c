"""ORM712 comment-differs: table and column comments of the models against the migrations'."""

from __future__ import annotations

import pytest

from tests.rules.test_orm711 import create_item, findings, models

PG = {"pyproject.toml": '[tool.ormlint]\ntarget-dialect = "postgresql"\n'}


def commented(column: str = "", table: str = "") -> str:
    model = models(table_args=f"__table_args__ = {{'comment': {table!r}}}" if table else "")
    return model.replace("Integer)", f"Integer, comment={column!r})") if column else model


def with_comments(column: str, table: str) -> str:
    upgrade = create_item().replace(
        'sa.Integer(), nullable=False),\n    sa.Prim', f"sa.Integer(), nullable=False, comment={column!r}),\n    sa.Prim",
    ).replace('\n)', f"\n    comment={table!r},\n)")
    assert upgrade.count("comment=") == 2
    return upgrade


def test_the_same_comments_are_silent_and_other_text_is_reported(tmp_path):
    model = commented("In cents", "Things to sell")
    assert findings(tmp_path, model, with_comments("In cents", "Things to sell"), code="ORM712", files=PG) == []
    assert findings(tmp_path / "2", model, with_comments("In euros", "Things"), code="ORM712", files=PG) == [
        ("models.py", 10), ("models.py", 13)]


def test_a_column_comment_only_the_model_has_is_reported_at_the_column(tmp_path):
    assert findings(tmp_path, commented("In cents"), create_item(), code="ORM712", files=PG) == [("models.py", 13)]


def test_a_table_comment_only_the_model_has_is_reported_at_the_table(tmp_path):
    assert findings(tmp_path, commented(table="Things"), create_item(), code="ORM712", files=PG) == [("models.py", 10)]


@pytest.mark.parametrize("later", [
    'op.alter_column("item", "price", comment="In cents", existing_type=sa.Integer())',
    'op.execute("COMMENT ON COLUMN item.price IS \'whatever\'")',  # not read: not compared
])
def test_alter_column_comment_and_sql_comments(tmp_path, later):
    assert findings(tmp_path, commented("In cents"), create_item(), later, code="ORM712", files=PG) == []


def test_create_and_drop_table_comment(tmp_path):
    created = 'op.create_table_comment("item", "Things")'
    assert findings(tmp_path, commented(table="Things"), create_item(), created, code="ORM712", files=PG) == []
    dropped = 'op.drop_table_comment("item")'
    assert findings(tmp_path / "2", commented(table="Things"), create_item(), created, dropped,
                    code="ORM712", files=PG) == [("models.py", 10)]


def test_a_comment_only_the_migrations_give_is_reported(tmp_path):
    later = 'op.alter_column("item", "price", comment="In cents", existing_type=sa.Integer())'
    assert findings(tmp_path, models(), create_item(), later, code="ORM712", files=PG) == [("models.py", 13)]


@pytest.mark.parametrize("model", [
    commented().replace("Integer)", "Integer, comment=PRICE_NOTE)"),  # not a literal
    commented().replace("Integer)", "Integer, **COMMON)"),
])
def test_what_cannot_be_read_is_not_compared(tmp_path, model):
    assert findings(tmp_path, model, create_item(), code="ORM712", files=PG) == []


def test_sqlite_stores_no_comment(tmp_path):
    sqlite = {"pyproject.toml": '[tool.ormlint]\ntarget-dialect = "sqlite"\n'}
    assert findings(tmp_path, commented("In cents"), create_item(), code="ORM712", files=sqlite) == []
