"""ORM711 check-constraint-differs: CHECK constraints compared by condition, from source alone."""

from __future__ import annotations

import textwrap

import pytest

from ormlint.sql_expressions import expression_key, with_column_renamed
from tests.helpers import lint_project

ALEMBIC_INI = "[alembic]\nscript_location = %(here)s/migrations\n"
ENV = "from models import Base\n\ntarget_metadata = Base.metadata\n"


def revision(upgrade: str, rev: str = "0001", down: str | None = None) -> str:
    body = textwrap.indent(textwrap.dedent(upgrade).strip(), "    ")
    return (
        "import sqlalchemy as sa\nfrom alembic import op\n\n"
        f"revision = {rev!r}\ndown_revision = {down!r}\n\n\ndef upgrade():\n{body}\n"
    )


def findings(tmp_path, models: str, *upgrades: str, code: str = "ORM711", files=None):
    """`code`'s findings as (path, line) on a project whose history is `upgrades` in order."""
    project = {
        "alembic.ini": ALEMBIC_INI,
        "migrations/env.py": ENV,
        "models.py": models,
        **(files or {}),
    }
    for number, upgrade in enumerate(upgrades, 1):
        down = f"{number - 1:04d}" if number > 1 else None
        project[f"migrations/versions/{number:04d}_step.py"] = revision(upgrade, f"{number:04d}", down)
    found = lint_project(project, tmp_path)
    assert not [f for f in found if f[2] == "ORM999"], found
    return sorted((path, line) for path, line, found_code in found if found_code == code)


def models(table_args: str = "", column_extra: str = "", head: str = "") -> str:
    return textwrap.dedent('''\
        from sqlalchemy import CheckConstraint, Integer, String
        from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
        {head}

        class Base(DeclarativeBase):
            pass


        class Item(Base):
            __tablename__ = "item"
            {table_args}
            id: Mapped[int] = mapped_column(primary_key=True)
            price: Mapped[int] = mapped_column(Integer{column_extra})
    ''').format(table_args=table_args or "pass_ = None", column_extra=column_extra, head=head)


def create_item(*extra: str) -> str:
    items = "".join(f"    {e},\n" for e in extra)
    return (
        'op.create_table(\n    "item",\n    sa.Column("id", sa.Integer(), nullable=False),\n'
        '    sa.Column("price", sa.Integer(), nullable=False),\n'
        f'{items}    sa.PrimaryKeyConstraint("id"),\n)'
    )


ARGS = '__table_args__ = (CheckConstraint("price >= 0", name="ck_price"),)'


# -- the key -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("one", "other"), [
    ("price >= 0", '("PRICE">=0.0)'.replace('"PRICE"', '"price"')),
    ("price >= 0", "((PRICE >= 0))"),
    ("status IN ('a', 'b')", "(status in ('a','b'))"),
    ("a != b", "a <> b"),
    ("a > 0 AND b > 0", "(a > 0) AND (b > 0)"),
])
def test_spellings_of_one_condition_have_one_key(one, other):
    assert expression_key(one) == expression_key(other) is not None


@pytest.mark.parametrize(("one", "other"), [
    ("price >= 0", "price > 0"),
    ("status IN ('a', 'b')", "status IN ('A', 'b')"),  # string literals keep their case
    ('"Price" >= 0', "price >= 0"),  # a quoted mixed-case name is another column
    ("price >= 0", "price >= 1"),
])
def test_other_conditions_have_other_keys(one, other):
    assert expression_key(one) != expression_key(other)


@pytest.mark.parametrize("text", ["price >= 'oops", "(price >= 0", "price ? 0", ""])
def test_unreadable_conditions_have_no_key(text):
    assert expression_key(text) is None


def test_a_renamed_column_is_renamed_in_the_key():
    assert with_column_renamed(expression_key("cost >= 0"), "cost", "price") == expression_key("price >= 0")


# -- findings ------------------------------------------------------------------------------------


def test_the_same_condition_spelled_otherwise_is_silent(tmp_path):
    upgrade = create_item("sa.CheckConstraint('(\"price\" >= 0.0)', name='ck_price')")
    assert findings(tmp_path, models(ARGS), upgrade) == []


def test_a_model_check_no_migration_creates_is_reported_at_its_text(tmp_path):
    assert findings(tmp_path, models(ARGS), create_item()) == [("models.py", 11)]


def test_another_condition_under_the_same_name_is_one_finding(tmp_path):
    upgrade = create_item("sa.CheckConstraint('price > 0', name='ck_price')")
    assert findings(tmp_path, models(ARGS), upgrade) == [("models.py", 11)]


def test_a_check_only_the_migrations_create_is_reported(tmp_path):
    upgrade = create_item("sa.CheckConstraint('price > 0', name='ck_price')")
    assert findings(tmp_path, models(), upgrade) == [("models.py", 10)]


def test_a_column_level_check_matches_a_table_level_one(tmp_path):
    model = models(column_extra=', CheckConstraint("price >= 0")')
    upgrade = create_item("sa.CheckConstraint('price >= 0')")
    assert findings(tmp_path, model, upgrade) == []


def test_a_check_created_later_and_one_dropped(tmp_path):
    created = 'op.create_check_constraint("ck_price", "item", "price >= 0")'
    assert findings(tmp_path, models(ARGS), create_item(), created) == []
    dropped = 'op.drop_constraint("ck_price", "item", type_="check")'
    assert findings(tmp_path / "2", models(ARGS), create_item(), created, dropped) == [("models.py", 11)]


def test_a_renamed_column_keeps_its_check_and_a_dropped_one_loses_it(tmp_path):
    upgrade = (
        'op.create_table("item", sa.Column("id", sa.Integer(), nullable=False),\n'
        '    sa.Column("cost", sa.Integer(), nullable=False), sa.Column("old", sa.Integer()),\n'
        '    sa.CheckConstraint("cost >= 0", name="ck_price"), sa.CheckConstraint("old > 0"),\n'
        '    sa.PrimaryKeyConstraint("id"))'
    )
    renamed = 'op.alter_column("item", "cost", new_column_name="price")\nop.drop_column("item", "old")'
    assert findings(tmp_path, models(ARGS), upgrade, renamed) == []


@pytest.mark.parametrize(("model", "upgrade"), [
    # a condition that is not a string literal
    (models('__table_args__ = (CheckConstraint(PRICE_RULE, name="ck_price"),)', head='PRICE_RULE = "price >= 0"'),
     create_item()),
    # a migration's condition that is not a literal
    (models(ARGS), create_item("sa.CheckConstraint(RULE, name='ck_price')")),
    # dynamic __table_args__
    (models("__table_args__ = table_args()", head="def table_args():\n    return ()"), create_item("sa.CheckConstraint('x > 0')")),
])
def test_what_cannot_be_read_is_not_compared(tmp_path, model, upgrade):
    assert findings(tmp_path, model, upgrade) == []


def test_a_mixins_table_args_are_not_compared(tmp_path):
    model = models(head=(
        "class Checked:\n"
        '    __table_args__ = (CheckConstraint("price >= 0", name="ck_price"),)\n'
    )).replace("class Item(Base):", "class Item(Checked, Base):")
    assert findings(tmp_path, model, create_item()) == []


def test_a_check_dropped_by_a_name_never_given_leaves_the_checks_unknown(tmp_path):
    dropped = 'op.drop_constraint("ck_item_price", "item", type_="check")'
    upgrade = create_item("sa.CheckConstraint('price > 0', name='ck_price')")
    assert findings(tmp_path, models(ARGS), upgrade, dropped) == []


def test_a_batch_operation_on_sqlite_leaves_the_checks_unknown(tmp_path):
    batch = 'with op.batch_alter_table("item") as batch_op:\n    batch_op.alter_column("price", nullable=False)'
    sqlite = {"pyproject.toml": '[tool.ormlint]\ntarget-dialect = "sqlite"\n'}
    assert findings(tmp_path, models(ARGS), create_item(), batch, files=sqlite) == []
    postgresql = {"pyproject.toml": '[tool.ormlint]\ntarget-dialect = "postgresql"\n'}
    assert findings(tmp_path / "pg", models(ARGS), create_item(), batch, files=postgresql) == [("models.py", 11)]


def test_a_conditional_check_leaves_only_the_checks_unknown(tmp_path):
    conditional = 'if FLAG:\n    op.create_check_constraint("ck_price", "item", "price >= 0")'
    model = models(ARGS).replace("Integer)", 'Integer, nullable=True)')
    found = lint_project({
        "alembic.ini": ALEMBIC_INI, "migrations/env.py": ENV, "models.py": model,
        "migrations/versions/0001_step.py": revision(create_item()),
        "migrations/versions/0002_step.py": revision(conditional, "0002", "0001"),
    }, tmp_path)
    codes = sorted(code for _, _, code in found if code.startswith("ORM7"))
    assert codes == ["ORM705"]  # the table is still compared; its checks are not


def test_a_model_whose_columns_are_not_all_known_is_compared_one_way(tmp_path):
    # polar: `columns_complete` is False for most classes (declared_attr columns of a base);
    # the model's own checks are certain, only "the model does not declare it" is not
    model = models(ARGS).replace(
        "from sqlalchemy.orm import DeclarativeBase,", "from sqlalchemy.orm import declared_attr, DeclarativeBase,",
    ).replace("    id: Mapped[int]", "    @declared_attr\n    def extra(cls):\n        return helper()\n\n    id: Mapped[int]")
    assert findings(tmp_path, model, create_item()) == [("models.py", 11)]
    only_migrated = create_item("sa.CheckConstraint('price >= 0', name='ck_price')", "sa.CheckConstraint('id > 0')")
    assert findings(tmp_path / "2", model, only_migrated) == []
