"""Oracles for ORM407 (unnamed-constraint) and ORM508 (shared-sa-column).

ORM407: the rule's examples make constraints SQLAlchemy leaves unnamed; PostgreSQL makes names
up for them, and the downgrade Alembic autogenerate renders for them fails. ORM508: SQLAlchemy
refuses a Column object for a second table, which is what SQLModel does with `sa_column=`
inherited by two table models (the example itself runs when SQLModel is installed; it is not
a test dependency).
"""

from __future__ import annotations

import ast

import pytest

pytest.importorskip("alembic")
sqlalchemy = pytest.importorskip("sqlalchemy")

from sqlalchemy import create_engine, inspect, text  # noqa: E402

from ormlint.rules import RULES  # noqa: E402
from ormlint.rules.indexes.unnamed_constraint import ALEMBIC_CONVENTION  # noqa: E402
from tests.oracle.harness import load  # noqa: E402
from tests.test_drift_oracle import fresh_database, postgresql_server  # noqa: E402,F401

ORM407 = RULES["ORM407"]
ORM508 = RULES["ORM508"]


def _constraint_names(table) -> dict[str, list]:
    names: dict[str, list] = {}
    for constraint in table.constraints:
        kind = type(constraint).__name__
        if kind != "PrimaryKeyConstraint":
            names.setdefault(kind, []).append(constraint.name)
    return names


def test_orm407_examples_make_unnamed_constraints():
    with load(ORM407.invalid[0]) as example:
        assert _constraint_names(example.metadata.tables["users"]) == {
            "UniqueConstraint": [None], "ForeignKeyConstraint": [None],
        }
    with load(ORM407.invalid[1]) as example:
        tables = example.metadata.tables
        assert _constraint_names(tables["products"]) == {"UniqueConstraint": [None], "CheckConstraint": [None]}
        assert _constraint_names(tables["product_tags"]) == {"ForeignKeyConstraint": [None]}
    with load(ORM407.valid[0]) as example:
        assert _constraint_names(example.metadata.tables["users"]) == {
            "UniqueConstraint": ["uq_users_email"],
            "ForeignKeyConstraint": ["fk_users_account_id_accounts"],
        }
    with load(ORM407.valid[1]) as example:
        users = example.metadata.tables["users"]
        assert sorted(n for names in _constraint_names(users).values() for n in names) == [
            "ck_users_email_length", "fk_users_account_id_accounts", "uq_users_email",
        ]
        # unique=True with index=True is a unique index, named by the default convention
        assert [(ix.name, ix.unique) for ix in users.indexes] == [("ix_users_handle", True)]


def test_orm407_sqlite_keeps_no_name():
    with load(ORM407.invalid[0]) as example:
        session = example.sqlite_session()
        database = inspect(session.get_bind())
        assert [u["name"] for u in database.get_unique_constraints("users")] == [None]
        assert [f["name"] for f in database.get_foreign_keys("users")] == [None]
        session.close()


def test_orm407_alembic_convention_requires_a_name_for_check_constraints():
    """The message's advice for a CHECK constraint: the documented convention needs `name=`."""
    convention = ast.literal_eval(ALEMBIC_CONVENTION)  # the message's own text
    metadata = sqlalchemy.MetaData(naming_convention=convention)
    with pytest.raises(sqlalchemy.exc.InvalidRequestError, match="requires that constraint is explicitly named"):
        sqlalchemy.Table(
            "products", metadata, sqlalchemy.Column("price", sqlalchemy.Integer),
            sqlalchemy.CheckConstraint("price >= 0"),
        )
    named = sqlalchemy.Table(
        "items", metadata, sqlalchemy.Column("price", sqlalchemy.Integer),
        sqlalchemy.CheckConstraint("price >= 0", name="price_positive"),
    )
    assert "CONSTRAINT ck_items_price_positive CHECK" in str(sqlalchemy.schema.CreateTable(named).compile())


def _autogenerate(url: str, metadata):
    from alembic.autogenerate import produce_migrations, render_python_code
    from alembic.migration import MigrationContext

    engine = create_engine(url)
    with engine.connect() as connection:
        migrations = produce_migrations(MigrationContext.configure(connection), metadata)
    engine.dispose()
    return render_python_code(migrations.upgrade_ops), render_python_code(migrations.downgrade_ops)


def _existing_tables(url: str) -> None:
    """The example's tables as a database has them before the constraints were added."""
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE accounts (id INTEGER PRIMARY KEY)"))
        connection.execute(text(
            "CREATE TABLE users (id INTEGER PRIMARY KEY, email VARCHAR(100) NOT NULL, "
            "account_id INTEGER NOT NULL)"
        ))
    engine.dispose()


def test_orm407_alembic_renders_a_downgrade_that_drops_the_constraint_by_none(tmp_path):
    url = f"sqlite:///{tmp_path / 'app.db'}"
    _existing_tables(url)
    with load(ORM407.invalid[0]) as example:
        upgrade, downgrade = _autogenerate(url, example.metadata)
    assert "op.create_unique_constraint(None, 'users', ['email'])" in upgrade
    assert "op.create_foreign_key(None, 'users', 'accounts', ['account_id'], ['id'])" in upgrade
    assert "op.drop_constraint(None, 'users', type_='unique')" in downgrade
    assert "op.drop_constraint(None, 'users', type_='foreignkey')" in downgrade
    assert "this directive will fail as" in downgrade
    with load(ORM407.valid[0]) as example:
        upgrade, downgrade = _autogenerate(url, example.metadata)
    assert "op.drop_constraint(op.f('uq_users_email'), 'users', type_='unique')" in downgrade
    assert "None" not in downgrade.replace("nullable", "")


def test_orm407_postgresql_names_them_and_the_rendered_downgrade_fails(tmp_path, request):
    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    url = fresh_database("postgresql", tmp_path, request)
    _existing_tables(url)
    engine = create_engine(url)
    with engine.begin() as connection:
        op = Operations(MigrationContext.configure(connection))
        # what the autogenerated upgrade above runs
        op.create_unique_constraint(None, "users", ["email"])
        op.create_foreign_key(None, "users", "accounts", ["account_id"], ["id"])
    database = inspect(engine)
    assert [u["name"] for u in database.get_unique_constraints("users")] == ["users_email_key"]
    assert [f["name"] for f in database.get_foreign_keys("users")] == ["users_account_id_fkey"]
    with engine.begin() as connection:
        op = Operations(MigrationContext.configure(connection))
        with pytest.raises(sqlalchemy.exc.CompileError, match="DROP CONSTRAINT .* it has no name"):
            op.drop_constraint(None, "users", type_="unique")  # what the rendered downgrade runs
    with engine.connect() as connection:
        assert len(inspect(connection).get_unique_constraints("users")) == 1
    engine.dispose()


def test_orm508_sqlalchemy_refuses_one_column_in_two_tables():
    metadata = sqlalchemy.MetaData()
    created_at = sqlalchemy.Column("created_at", sqlalchemy.DateTime(timezone=True))
    sqlalchemy.Table("hero", metadata, sqlalchemy.Column("id", sqlalchemy.Integer, primary_key=True), created_at)
    with pytest.raises(sqlalchemy.exc.ArgumentError, match="Column object 'created_at' already assigned to Table 'hero'"):
        sqlalchemy.Table("team", metadata, sqlalchemy.Column("id", sqlalchemy.Integer, primary_key=True), created_at)


@pytest.fixture
def sqlmodel():
    module = pytest.importorskip("sqlmodel", reason="SQLModel is not a test dependency")
    module.SQLModel.metadata.clear()  # one global MetaData: the examples reuse table names
    yield module
    module.SQLModel.metadata.clear()


def test_orm508_sqlmodel_example_fails_at_the_second_table_model(sqlmodel):
    with pytest.raises(sqlalchemy.exc.ArgumentError, match="Column object 'created_at' already assigned to Table 'hero'"):
        with load(ORM508.invalid[0]):
            pass


@pytest.mark.parametrize("number", [0, 1])
def test_orm508_sqlmodel_valid_examples_load(sqlmodel, number):
    with load(ORM508.valid[number]) as example:
        hero = example.Hero.__table__
        assert hero.c.created_at.table is hero
        if number == 0:
            team = example.Team.__table__
            assert team.c.created_at is not hero.c.created_at
            assert team.c.created_at.server_default is not None
