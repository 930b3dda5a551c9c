"""Drift rules (ORM7xx) on shapes met in real projects: minimal reproductions of false positives.

Each test is a small project (alembic.ini, migrations/env.py, one or more revisions, models) in
which the models and the migrations agree, or in which ormlint cannot know whether they do; the
drift rules must stay silent there. Where it helps, a second project with one real difference
shows that the rule still fires (so that a test cannot pass because nothing is compared at all).
"""

from __future__ import annotations

import textwrap

import pytest

from tests.helpers import lint_project

ALEMBIC_INI = "[alembic]\nscript_location = %(here)s/migrations\n"
ENV = "from models import Base\n\ntarget_metadata = Base.metadata\n"
DRIFT_CODES = {f"ORM70{n}" for n in range(1, 10)}


def revision(upgrade: str, rev: str = "0001", down: str | None = None) -> str:
    body = textwrap.indent(textwrap.dedent(upgrade).strip(), "    ")
    return (
        "import sqlalchemy as sa\nfrom alembic import op\n\n"
        f"revision = {rev!r}\ndown_revision = {down!r}\n\n\ndef upgrade():\n{body}\n"
    )


def drift(tmp_path, models: str | dict[str, str], upgrade: str, env: str = ENV, extra=None):
    files = {
        "alembic.ini": ALEMBIC_INI,
        "migrations/env.py": env,
        "migrations/versions/0001_init.py": revision(upgrade),
        **({"models.py": models} if isinstance(models, str) else models),
        **(extra or {}),
    }
    findings = lint_project(files, tmp_path)
    assert not [f for f in findings if f[2] in ("ORM000", "ORM999")], findings  # every file read
    # the drift codes only (ORM710, about env.py's imports, is another question)
    return sorted((path, code) for path, _, code in findings if code in DRIFT_CODES)


# -- columns made by a project helper (redash: `Column = functools.partial(db.Column, ...)`) ----

HELPER_COLUMNS = '''
    import functools

    from flask_sqlalchemy import SQLAlchemy

    db = SQLAlchemy()
    Column = functools.partial(db.Column, nullable=False)


    def primary_key(name):
        return db.Column(db.Integer, primary_key=True)


    class Favorite(db.Model):
        __tablename__ = "favorites"
        id = primary_key("Favorite")
        user_id = Column(db.Integer, db.ForeignKey("users.id"))
        note = db.Column(db.String(50), nullable=True)


    class User(db.Model):
        __tablename__ = "users"
        id = db.Column(db.Integer, primary_key=True)
'''

HELPER_COLUMNS_MIGRATION = '''
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "favorites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=50), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
'''


def test_columns_from_a_project_helper_are_not_missing_from_the_model(tmp_path):
    assert drift(tmp_path, HELPER_COLUMNS, HELPER_COLUMNS_MIGRATION) == []


def test_columns_from_a_project_helper_leave_plain_columns_compared(tmp_path):
    # the plain db.Column is still compared: a type difference on it is reported
    migration = HELPER_COLUMNS_MIGRATION.replace("sa.String(length=50)", "sa.String(length=80)")
    assert drift(tmp_path, HELPER_COLUMNS, migration) == [("models.py", "ORM704")]


# -- a Table() whose PrimaryKeyConstraint makes its columns NOT NULL (dispatch's assoc tables) ---

ASSOCIATION = '''
    from sqlalchemy import Column, ForeignKey, Integer, PrimaryKeyConstraint, Table
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


    class Base(DeclarativeBase):
        pass


    class Tag(Base):
        __tablename__ = "tag"
        id: Mapped[int] = mapped_column(primary_key=True)


    assoc_tags = Table(
        "assoc_tags",
        Base.metadata,
        Column("tag_id", Integer, ForeignKey("tag.id", ondelete="CASCADE")),
        Column("other_id", Integer),
        PrimaryKeyConstraint("tag_id", "other_id"),
    )
'''

ASSOCIATION_MIGRATION = '''
    op.create_table("tag", sa.Column("id", sa.Integer(), nullable=False), sa.PrimaryKeyConstraint("id"))
    op.create_table(
        "assoc_tags",
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.Column("other_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["tag_id"], ["tag.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("tag_id", "other_id"),
    )
'''


def test_table_primary_key_constraint_makes_its_columns_not_null(tmp_path):
    assert drift(tmp_path, ASSOCIATION, ASSOCIATION_MIGRATION) == []



def test_table_primary_key_constraint_with_unreadable_columns_leaves_nullability_unknown(tmp_path):
    models = ASSOCIATION.replace(
        'PrimaryKeyConstraint("tag_id", "other_id")', "PrimaryKeyConstraint(*KEY)"
    ).replace("    assoc_tags = Table(", '    KEY = ("tag_id", "other_id")\n    assoc_tags = Table(')
    assert "KEY = (" in models
    assert drift(tmp_path, models, ASSOCIATION_MIGRATION) == []


STARRED_TABLE = '''
    from sqlalchemy import Column, ForeignKey, Integer, Table
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


    class Base(DeclarativeBase):
        pass


    def audit_columns():
        return [Column("created_by", Integer, nullable=False)]


    class Tag(Base):
        __tablename__ = "tag"
        id: Mapped[int] = mapped_column(primary_key=True)


    tag_audit = Table(
        "tag_audit",
        Base.metadata,
        Column("tag_id", Integer, ForeignKey("tag.id"), nullable=False),
        *audit_columns(),
    )
'''


def test_table_columns_from_a_starred_helper_are_not_missing_from_the_model(tmp_path):
    migration = '''
        op.create_table("tag", sa.Column("id", sa.Integer(), nullable=False), sa.PrimaryKeyConstraint("id"))
        op.create_table(
            "tag_audit",
            sa.Column("tag_id", sa.Integer(), nullable=False),
            sa.Column("created_by", sa.Integer(), nullable=False),
            sa.ForeignKeyConstraint(["tag_id"], ["tag.id"]),
        )
    '''
    assert drift(tmp_path, STARRED_TABLE, migration) == []


# -- tables that are not in the metadata env.py migrates ----------------------------------------

APP_MODELS = '''
    from sqlalchemy import Column, Integer, MetaData, String, Table
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


    class Base(DeclarativeBase):
        pass


    class User(Base):
        __tablename__ = "users"
        id: Mapped[int] = mapped_column(primary_key=True)
'''

USERS_MIGRATION = '''
    op.create_table("users", sa.Column("id", sa.Integer(), nullable=False), sa.PrimaryKeyConstraint("id"))
'''


def test_table_on_a_metadata_of_its_own_is_not_reported_missing(tmp_path):
    # polar: Table()s of an analytics store on `metadata = MetaData()`, never migrated by Alembic
    models = APP_MODELS + '''

    analytics = MetaData()

    events = Table("events_by_timestamp", analytics, Column("id", String), Column("name", String))
'''
    assert drift(tmp_path, models, USERS_MIGRATION) == []


def test_table_on_the_base_metadata_is_still_reported_missing(tmp_path):
    models = APP_MODELS + '''

    tags = Table("tags", Base.metadata, Column("id", Integer, primary_key=True))
'''
    assert drift(tmp_path, models, USERS_MIGRATION) == [("models.py", "ORM701")]


SECOND_BASE = '''
    from sqlalchemy.orm import Mapped, declarative_base, mapped_column

    OtherBase = declarative_base()


    class Scratch(OtherBase):
        __tablename__ = "_scratch"
        id: Mapped[int] = mapped_column(primary_key=True)
'''


def test_class_of_another_declarative_base_is_not_reported_missing(tmp_path):
    # prefect: a test module with its own declarative_base() and tables created by create_all()
    models = {"models.py": APP_MODELS, "scratch.py": SECOND_BASE}
    assert drift(tmp_path, models, USERS_MIGRATION) == []


def test_class_of_the_migrated_base_is_reported_missing_beside_another_base(tmp_path):
    models = {
        "models.py": APP_MODELS + '''

    class Post(Base):
        __tablename__ = "posts"
        id: Mapped[int] = mapped_column(primary_key=True)
''',
        "scratch.py": SECOND_BASE,
    }
    assert drift(tmp_path, models, USERS_MIGRATION) == [("models.py", "ORM701")]


def test_model_declared_in_a_test_module_is_not_reported_missing(tmp_path):
    # a throwaway model on the application's Base, created by the tests' create_all()
    test_module = '''
        from sqlalchemy.orm import Mapped, mapped_column

        from models import Base


        class Widget(Base):
            __tablename__ = "test_widgets"
            id: Mapped[int] = mapped_column(primary_key=True)
    '''
    models = {"models.py": APP_MODELS, "tests/test_widgets.py": test_module}
    assert drift(tmp_path, models, USERS_MIGRATION) == []


# -- table names the code rewrites (fief: a prefix added by __init_subclass__) -------------------

PREFIXED = '''
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

    PREFIX = "app_"


    class Base(DeclarativeBase):
        def __init_subclass__(cls, **kwargs):
            cls.__tablename__ = PREFIX + cls.__tablename__
            super().__init_subclass__(**kwargs)


    class User(Base):
        __tablename__ = "users"
        id: Mapped[int] = mapped_column(primary_key=True)
'''


def test_table_name_rewritten_by_init_subclass_is_not_compared(tmp_path):
    migration = '''
        op.create_table("app_users", sa.Column("id", sa.Integer(), nullable=False), sa.PrimaryKeyConstraint("id"))
    '''
    assert drift(tmp_path, PREFIXED, migration) == []


# -- Flask-SQLAlchemy: a subclass with __tablename__ but no primary key is single-table ----------

FLASK_STI = '''
    from flask_sqlalchemy import SQLAlchemy

    db = SQLAlchemy()


    class Users(db.Model):
        __tablename__ = "users"
        id = db.Column(db.Integer, primary_key=True)
        type = db.Column(db.String(80))
        __mapper_args__ = {"polymorphic_on": type, "polymorphic_identity": "user"}


    class Admins(Users):
        __tablename__ = "admins"
        __mapper_args__ = {"polymorphic_identity": "admin"}
'''

FLASK_STI_MIGRATION = '''
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=80), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
'''


def test_flask_sqlalchemy_subclass_without_primary_key_shares_the_parent_table(tmp_path):
    # CTFd: Flask-SQLAlchemy's __table_cls__ drops a table with no primary key (single-table)
    assert drift(tmp_path, FLASK_STI, FLASK_STI_MIGRATION) == []


def test_flask_sqlalchemy_single_table_subclass_columns_are_in_the_parent_table(tmp_path):
    models = FLASK_STI.replace(
        '        __mapper_args__ = {"polymorphic_identity": "admin"}',
        '        __mapper_args__ = {"polymorphic_identity": "admin"}\n        level = db.Column(db.Integer)',
    )
    assert "level = " in models
    assert drift(tmp_path, models, FLASK_STI_MIGRATION) == [("models.py", "ORM703")]


# -- foreign keys: a string names a table, a class attribute names a class ------------------------

CAPITALISED_TABLES = '''
    from sqlalchemy import ForeignKey
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


    class Base(DeclarativeBase):
        pass


    class Author(Base):
        __tablename__ = "authors"
        id: Mapped[int] = mapped_column(primary_key=True)


    class Legacy(Base):
        __tablename__ = "Author"  # a table really named "Author", unrelated to the class
        id: Mapped[int] = mapped_column(primary_key=True)


    class Book(Base):
        __tablename__ = "books"
        id: Mapped[int] = mapped_column(primary_key=True)
        legacy_id: Mapped[int] = mapped_column(ForeignKey("Author.id"))
        author_id: Mapped[int] = mapped_column(ForeignKey(Author.id))
'''

CAPITALISED_UPGRADE = '''
    op.create_table("authors", sa.Column("id", sa.Integer(), primary_key=True))
    op.create_table("Author", sa.Column("id", sa.Integer(), primary_key=True))
    op.create_table(
        "books",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("legacy_id", sa.Integer(), sa.ForeignKey("Author.id"), nullable=False),
        sa.Column("author_id", sa.Integer(), sa.ForeignKey("authors.id"), nullable=False),
    )
'''


def test_string_foreign_key_names_a_table_even_when_capitalised(tmp_path):
    assert drift(tmp_path, textwrap.dedent(CAPITALISED_TABLES), CAPITALISED_UPGRADE) == []


def test_class_foreign_key_that_differs_is_still_reported(tmp_path):
    upgrade = CAPITALISED_UPGRADE.replace('sa.ForeignKey("authors.id")', 'sa.ForeignKey("Author.id")')
    assert drift(tmp_path, textwrap.dedent(CAPITALISED_TABLES), upgrade) == [("models.py", "ORM708")]


# -- a table in another schema: the models left it out, so it is not "unmapped" -----------------

SCHEMA_MODELS = '''
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


    class Base(DeclarativeBase):
        pass


    class Event(Base):
        __tablename__ = "events"
        __table_args__ = {"schema": "audit"}
        id: Mapped[int] = mapped_column(primary_key=True)
'''


def test_table_in_another_schema_is_not_reported_unmapped(tmp_path):
    upgrade = 'op.create_table("events", sa.Column("id", sa.Integer(), primary_key=True), schema="audit")'
    assert drift(tmp_path, textwrap.dedent(SCHEMA_MODELS), upgrade) == []


# -- database defaults not written as `server_default=` (lemur, warehouse) ------------------------

DEFAULTS_MIGRATION = """
    op.create_table(
        "note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created", sa.DateTime(), server_default=sa.text("now()"), nullable=False),
        sa.Column("edited", sa.DateTime(), server_default=sa.text("now()"), nullable=False),
        sa.Column("seen", sa.DateTime(), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
"""

DEFAULTS_MODELS = '''
    import datetime
    from typing import Annotated

    from sqlalchemy import Column, DateTime, DefaultClause, func
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

    from app.types import stamped

    created_now = Annotated[datetime.datetime, mapped_column(server_default=func.now())]


    class Base(DeclarativeBase):
        pass


    class Note(Base):
        __tablename__ = "note"
        id: Mapped[int] = mapped_column(primary_key=True)
        created = Column(DateTime, DefaultClause({created}), nullable=False)
        edited: Mapped[created_now]
        seen: Mapped[stamped] = mapped_column({seen})
'''


def test_database_defaults_from_default_clause_annotated_aliases_and_other_modules(tmp_path):
    # A positional DefaultClause is the server default; an Annotated alias's mapped_column() is
    # merged into the column; an alias imported from elsewhere may carry one (unknown, silent).
    models = textwrap.dedent(DEFAULTS_MODELS)
    agreeing = models.format(created="func.now()", seen="")
    assert drift(tmp_path / "same", agreeing, DEFAULTS_MIGRATION) == []
    # and a real difference in each readable place is still found
    # (LOCALTIMESTAMP would be the same instant as now() to Alembic; the wall clock is not)
    differing = models.replace("server_default=func.now()", "server_default=func.clock_timestamp()")
    differing = differing.format(
        created="func.clock_timestamp()", seen="server_default=func.clock_timestamp()"
    )
    assert drift(tmp_path / "differ", differing, DEFAULTS_MIGRATION) == [("models.py", "ORM707")] * 3


# -- nullability and primary keys from Annotated aliases (SQLAlchemy's `intpk` pattern) ---------

ALIAS_MIGRATION = """
    op.create_table(
        "note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(), nullable=True),
        sa.Column("body", sa.String(), nullable=True),
        sa.Column("status", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
"""

ALIAS_MODELS = '''
    from typing import Annotated

    from sqlalchemy import String
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

    from app.types import Status

    intpk = Annotated[int, mapped_column(primary_key=True)]
    nullable_str = Annotated[str, mapped_column(String, nullable=True)]


    class Base(DeclarativeBase):
        pass


    class Note(Base):
        __tablename__ = "note"
        id: Mapped[intpk]
        title: Mapped[nullable_str]
        body: Mapped[{body}] = mapped_column()
        status: Mapped[Status] = mapped_column()
'''


def test_nullability_and_primary_keys_from_annotated_aliases(tmp_path):
    # `nullable=True` in the alias's mapped_column() wins over the non-Optional `str`; `Status`
    # comes from a module not read here and may be such an alias: its nullability is unknown.
    models = textwrap.dedent(ALIAS_MODELS)
    assert drift(tmp_path / "same", models.format(body="nullable_str"), ALIAS_MIGRATION) == []
    assert drift(tmp_path / "differ", models.format(body="str"), ALIAS_MIGRATION) == [
        ("models.py", "ORM705")
    ]


# -- loops, early returns and SQL of unknown effect in upgrade() ---------------------------------

LOOP_MODELS = '''
    from sqlalchemy import Column, Integer, String
    from sqlalchemy.orm import declarative_base

    Base = declarative_base()


    class A(Base):
        __tablename__ = "a"
        id = Column(Integer, primary_key=True)
        note = Column(String(20))


    class B(Base):
        __tablename__ = "b"
        id = Column(Integer, primary_key=True)
        note = Column(String(20))
'''
LOOP_INIT = '''
    op.create_table("a", sa.Column("id", sa.Integer(), primary_key=True))
    op.create_table("b", sa.Column("id", sa.Integer(), primary_key=True))
'''


def _second(upgrade: str, prelude: str = "") -> dict[str, str]:
    text = revision(upgrade, "0002", "0001")
    if prelude:
        text = text.replace("\n\n\ndef upgrade", f"\n{prelude}\n\n\ndef upgrade")
    return {"migrations/versions/0002_more.py": text}


def test_a_loop_over_literal_tables_is_replayed_for_each(tmp_path):
    agree = _second('''
        for table in ("a", "b"):
            op.add_column(table, sa.Column("note", sa.String(20)))
    ''')
    assert drift(tmp_path / "agree", LOOP_MODELS, LOOP_INIT, extra=agree) == []
    one_short = _second('''
        for table in TABLES:
            op.add_column(table, sa.Column("note", sa.String(20)))
    ''', prelude='TABLES = ["a"]')
    assert drift(tmp_path / "short", LOOP_MODELS, LOOP_INIT, extra=one_short) == [("models.py", "ORM703")]


def test_a_loop_that_cannot_be_read_leaves_every_table_without_a_verdict(tmp_path):
    # before: the schema was marked uncertain, yet each table's columns were still compared
    unreadable = _second('''
        for table in inspect_tables():
            op.execute(f"ALTER TABLE {table} ADD COLUMN note varchar(20)")
    ''')
    assert drift(tmp_path, LOOP_MODELS, LOOP_INIT, extra=unreadable) == []


def test_sql_of_unknown_effect_leaves_earlier_tables_without_a_verdict(tmp_path):
    assert drift(tmp_path, LOOP_MODELS, LOOP_INIT, extra=_second("op.execute(load_sql())")) == []


def test_an_early_return_on_the_dialect_is_decided_for_the_target_dialect(tmp_path):
    sqlite_baseline = _second('''
        if op.get_bind().dialect.name == "sqlite":
            return
        op.add_column("a", sa.Column("note", sa.String(20)))
        op.add_column("b", sa.Column("note", sa.String(20)))
    ''')
    # PostgreSQL (the default target) runs the additions: the models agree
    assert drift(tmp_path / "pg", LOOP_MODELS, LOOP_INIT, extra=sqlite_baseline) == []
    # on SQLite they never run: both columns are missing there
    sqlite = {"pyproject.toml": '[tool.ormlint]\ntarget-dialect = "sqlite"\n'}
    assert drift(tmp_path / "sqlite", LOOP_MODELS, LOOP_INIT, extra={**sqlite_baseline, **sqlite}) == [
        ("models.py", "ORM703"), ("models.py", "ORM703"),
    ]


def test_an_early_return_on_another_test_makes_what_follows_uncertain(tmp_path):
    guarded = _second('''
        if not feature_enabled():
            return
        op.add_column("a", sa.Column("note", sa.String(20)))
    ''')
    # `a` has no `note` in the model: whether the migrations add one is not known
    models = LOOP_MODELS.replace('        note = Column(String(20))\n\n\n    class B', '\n\n    class B')
    assert "class A(Base)" in models and models.count("note =") == 1
    found = drift(tmp_path, models, LOOP_INIT, extra=guarded)
    assert found == [("models.py", "ORM703")]  # only b, which the guarded code does not touch


# -- what Alembic's compare_metadata reports, no more (PostgreSQL; tests/test_drift_oracle.py's
# `pg_leniency` fixture proves each case against real Alembic) ----------------------------------

NOW_MODELS = '''
    import sqlalchemy as sa
    from sqlalchemy import Boolean, Column, DateTime, Integer, String, func, text
    from sqlalchemy.orm import DeclarativeBase


    class Base(DeclarativeBase):
        pass


    class Job(Base):
        __tablename__ = "jobs"
        id = Column(Integer, primary_key=True)
        a = Column(DateTime, server_default={a})
        b = Column(DateTime, server_default=text("now()"))
        c = Column(DateTime, server_default=sa.func.current_timestamp())
        d = Column(DateTime, server_default=text("CURRENT_TIMESTAMP"))
        kind = Column(String(10), server_default="x")
        count = Column(Integer, server_default="0")
        done = Column(Boolean, server_default="false")
'''

NOW_MIGRATION = """
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("a", sa.DateTime(), server_default=sa.text("CURRENT_TIMESTAMP"), nullable=True),
        sa.Column("b", sa.DateTime(), server_default=sa.func.now(), nullable=True),
        sa.Column("c", sa.DateTime(), server_default=sa.text("now()"), nullable=True),
        sa.Column("d", sa.DateTime(), server_default=sa.text("transaction_timestamp()"), nullable=True),
        sa.Column("kind", sa.String(10), server_default=sa.text("'x'::character varying"), nullable=True),
        sa.Column("count", sa.Integer(), server_default=sa.text("'0'::integer"), nullable=True),
        sa.Column("done", sa.Boolean(), server_default=sa.false(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
"""


def test_spellings_of_the_transaction_time_and_casts_are_one_default(tmp_path):
    models = textwrap.dedent(NOW_MODELS)
    assert drift(tmp_path / "same", models.format(a="func.now()"), NOW_MIGRATION) == []
    # the statement's or the wall clock's time is another value: Alembic reports it
    assert drift(tmp_path / "differ", models.format(a='text("clock_timestamp()")'), NOW_MIGRATION) == [
        ("models.py", "ORM707")
    ]


def test_default_only_in_the_migrations_is_still_reported(tmp_path):
    models = textwrap.dedent(NOW_MODELS).format(a="None")
    assert drift(tmp_path, models, NOW_MIGRATION) == [("models.py", "ORM707")]


LENGTH_MODELS = '''
    from sqlalchemy import BigInteger, Column, Float, Integer, Numeric, String
    from sqlalchemy.orm import DeclarativeBase


    class Base(DeclarativeBase):
        pass


    class Item(Base):
        __tablename__ = "items"
        id = Column(Integer, primary_key=True)
        code = Column(String)
        name = Column(String(255))
        price = Column(Numeric(10, 2))
        weight = Column(Float)
        stock = Column({stock})
'''

LENGTH_MIGRATION = """
    op.create_table(
        "items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.VARCHAR(128), nullable=True),
        sa.Column("name", sa.String(), nullable=True),
        sa.Column("price", sa.Numeric(), nullable=True),
        sa.Column("weight", sa.Double(), nullable=True),
        sa.Column("stock", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
"""


def test_a_length_or_precision_on_one_side_only_is_not_a_type_change(tmp_path):
    models = textwrap.dedent(LENGTH_MODELS)
    assert drift(tmp_path / "same", models.format(stock="Integer"), LENGTH_MIGRATION) == []
    assert drift(tmp_path / "differ", models.format(stock="BigInteger"), LENGTH_MIGRATION) == [
        ("models.py", "ORM704")
    ]


MIXIN = '''
    from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, func


    class TimestampMixin:
        note = Column(String(20))
        created_at = Column(DateTime, server_default=func.now())
        code = Column(String(8), index=True)
'''

MIXIN_MODELS = '''
    from sqlalchemy import Column, Integer
    from sqlalchemy.orm import DeclarativeBase

    from mixins import TimestampMixin


    class Base(DeclarativeBase):
        pass


    class Order(TimestampMixin, Base):
        __tablename__ = "orders"
        id = Column(Integer, primary_key=True)
'''

MIXIN_MIGRATION = """
    op.create_table(
        "orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=40), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=True),
        sa.Column("code", sa.String(length=8), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
"""


def test_drift_of_an_inherited_column_points_at_the_mixin(tmp_path):
    files = {"mixins.py": MIXIN, "models.py": MIXIN_MODELS}
    findings = lint_project({
        "alembic.ini": ALEMBIC_INI, "migrations/env.py": ENV,
        "migrations/versions/0001_init.py": revision(MIXIN_MIGRATION), **files,
    }, tmp_path)
    drifts = sorted((path, line, code) for path, line, code in findings if code in DRIFT_CODES)
    assert drifts == [("mixins.py", 6, "ORM704"), ("mixins.py", 7, "ORM707"), ("mixins.py", 8, "ORM706")]


# -- the revision graph: labelled branches and files that do not parse ---------------------------


def _graph_findings(tmp_path, revisions: dict[str, str]) -> list[tuple[str, str]]:
    files = {"alembic.ini": ALEMBIC_INI, "migrations/env.py": ENV, "models.py": LOOP_MODELS}
    files.update({f"migrations/versions/{name}": text for name, text in revisions.items()})
    return sorted((path, code) for path, _, code in lint_project(files, tmp_path) if code == "ORM709")


def test_expand_and_contract_heads_are_not_a_broken_graph(tmp_path):
    labelled = {
        "0001.py": revision(LOOP_INIT),
        "0002_expand.py": revision("pass", "0002", "0001").replace(
            "down_revision = '0001'", "down_revision = '0001'\nbranch_labels = ('expand',)"),
        "0003_contract.py": revision("pass", "0003", "0001").replace(
            "down_revision = '0001'", "down_revision = '0001'\nbranch_labels = ('contract',)"),
    }
    assert _graph_findings(tmp_path / "labelled", labelled) == []
    unlabelled = {name: text.replace("branch_labels", "labels") for name, text in labelled.items()}
    assert len(_graph_findings(tmp_path / "plain", unlabelled)) == 2  # still two heads


def test_a_python_2_revision_is_no_broken_link(tmp_path):
    py2 = "revision = '0002'\ndown_revision = '0001'\n\ndef upgrade():\n    print 'x'\n"
    revisions = {"0001.py": revision(LOOP_INIT), "0002.py": py2, "0003.py": revision("pass", "0003", "0002")}
    assert _graph_findings(tmp_path / "readable", revisions) == []
    revisions["0002.py"] = py2.replace("revision = '0002'", "revision = ids.next()")
    assert _graph_findings(tmp_path / "unreadable", revisions) == []  # may be the missing one


PK_MODELS = '''
    from sqlalchemy import Column, Integer, String
    from sqlalchemy.orm import DeclarativeBase


    class Base(DeclarativeBase):
        pass


    class Counter(Base):
        __tablename__ = "counters"
        id = Column({type}, primary_key=True)
'''


def test_the_autoincrement_primary_key_default_is_not_compared(tmp_path):
    # Alembic skips the server default of SQLAlchemy's autoincrement column (an integer, the only
    # primary-key column, no default of its own in the model): on PostgreSQL it is nextval()
    upgrade = """
        op.create_table(
            "counters",
            sa.Column("id", {type}, server_default=sa.text("{default}"), nullable=False),
            sa.PrimaryKeyConstraint("id"),
        )
    """
    models = textwrap.dedent(PK_MODELS)
    integer = upgrade.format(type="sa.Integer()", default="7")
    assert drift(tmp_path / "integer", models.format(type="Integer"), integer) == []
    text = upgrade.format(type="sa.String(5)", default="'a'")
    assert drift(tmp_path / "text", models.format(type="String(5)"), text) == [("models.py", "ORM707")]


# -- a legacy history in a subdirectory of versions/, which Alembic does not read (zou) ----------


def test_revisions_in_a_subdirectory_of_versions_are_not_part_of_the_history(tmp_path):
    legacy = revision('op.create_table("a", sa.Column("id", sa.Integer(), primary_key=True))')
    models = LOOP_MODELS.replace("        note = Column(String(20))\n", "")
    # the same revision id again, with another table: Alembic reads versions/ only
    assert drift(tmp_path, models, LOOP_INIT, extra={"migrations/versions/legacy/0001_old.py": legacy}) == []
    found = lint_project({
        "alembic.ini": ALEMBIC_INI, "migrations/env.py": ENV, "models.py": models,
        "migrations/versions/0001_init.py": revision(LOOP_INIT),
        "migrations/versions/legacy/0001_old.py": legacy,
    }, tmp_path / "again")
    assert [code for _, _, code in found if code == "ORM709"] == []


# -- __tablename__ computed by a declared_attr on the base (business_manager_ci) ----------------

COMPUTED_NAMES = '''
    from sqlalchemy import Column, ForeignKey, String, Table
    from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column


    class Model(DeclarativeBase):
        __abstract__ = True

        @declared_attr.directive
        def __tablename__(cls) -> str:
            return cls.__name__.lower() + "s"

        id: Mapped[int] = mapped_column(primary_key=True)


    class Team(Model):
        name: Mapped[str] = mapped_column(String(50))


    members = Table(
        "members", Model.metadata, Column("team_id", ForeignKey("teams.id"), primary_key=True)
    )
'''
COMPUTED_NAMES_MIGRATION = '''
    op.create_table(
        "teams", sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(50), nullable=False),
    )
    op.create_table(
        "members", sa.Column("team_id", sa.Integer(), sa.ForeignKey("teams.id"), primary_key=True)
    )
'''


def test_a_table_named_by_a_declared_attr_of_the_base_is_not_unmapped(tmp_path):
    # Team has no primary key of its own, yet it is no single-table subclass: its table's name
    # is computed, so "teams" is not known to be unmapped, nor its foreign key's target missing
    found = lint_project({
        "alembic.ini": ALEMBIC_INI, "migrations/env.py": ENV, "models.py": COMPUTED_NAMES,
        "migrations/versions/0001_init.py": revision(COMPUTED_NAMES_MIGRATION),
    }, tmp_path)
    assert [code for _, _, code in found if code in DRIFT_CODES | {"ORM602"}] == []


# -- tables whose names the libraries give: Flask-SQLAlchemy, SQLModel, a declared_attr ----------

IMPLICIT_NAMES = {
    "flask": ('''
        from flask_sqlalchemy import SQLAlchemy

        db = SQLAlchemy()


        class UserRole(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            name = db.Column(db.String(50), nullable=False)
    ''', "from models import db\n\ntarget_metadata = db.metadata\n", "user_role"),
    "sqlmodel": ('''
        from sqlmodel import Field, SQLModel


        class UserRole(SQLModel, table=True):
            id: int | None = Field(default=None, primary_key=True)
            name: str = Field(max_length=50)
    ''', "from sqlmodel import SQLModel\n\ntarget_metadata = SQLModel.metadata\n", "userrole"),
    "flask_mixin": ('''
        from flask_sqlalchemy import SQLAlchemy

        db = SQLAlchemy()


        class Named:
            name = db.Column(db.String(50), nullable=False)


        class UserRole(Named, db.Model):
            id = db.Column(db.Integer, primary_key=True)
    ''', "from models import db\n\ntarget_metadata = db.metadata\n", "user_role"),
    "sqlmodel_base": ('''
        from sqlmodel import Field, SQLModel


        class UserRoleBase(SQLModel):
            name: str = Field(max_length=50)


        class UserRole(UserRoleBase, table=True):
            id: int | None = Field(default=None, primary_key=True)
    ''', "from sqlmodel import SQLModel\n\ntarget_metadata = SQLModel.metadata\n", "userrole"),
    "declared_attr": ('''
        from sqlalchemy import String
        from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column


        class Base(DeclarativeBase):
            @declared_attr.directive
            def __tablename__(cls) -> str:
                return cls.__name__.lower() + "s"


        class UserRole(Base):
            id: Mapped[int] = mapped_column(primary_key=True)
            name: Mapped[str] = mapped_column(String(50))
    ''', ENV, "userroles"),
}


def implicit_names_migration(table: str, extra: str = "") -> str:
    return f'''
        op.create_table(
            "{table}",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("name", sa.String(length=50), nullable=False),
            sa.PrimaryKeyConstraint("id"),
        )
    ''' + extra


@pytest.mark.parametrize("library", sorted(IMPLICIT_NAMES))
def test_a_table_named_by_its_library_agrees_with_its_migration(tmp_path, library):
    models, env, table = IMPLICIT_NAMES[library]
    assert drift(tmp_path, models, implicit_names_migration(table), env=env) == []


@pytest.mark.parametrize("library", sorted(IMPLICIT_NAMES))
def test_a_table_named_by_its_library_is_compared_with_its_migration(tmp_path, library):
    models, env, table = IMPLICIT_NAMES[library]
    migration = implicit_names_migration(table).replace(
        'sa.Column("name", sa.String(length=50), nullable=False),', ""
    )
    assert drift(tmp_path, models, migration, env=env) == [("models.py", "ORM703")]


@pytest.mark.parametrize("library", sorted(IMPLICIT_NAMES))
def test_a_migrated_table_no_model_declares_is_found_beside_library_named_ones(tmp_path, library):
    models, env, table = IMPLICIT_NAMES[library]
    legacy = 'op.create_table("legacy", sa.Column("id", sa.Integer(), primary_key=True))\n'
    found = drift(tmp_path, models, implicit_names_migration(table, legacy), env=env)
    assert found == [("migrations/versions/0001_init.py", "ORM702")]


# -- Flask-SQLAlchemy binds: a model with `__bind_key__` lives in another database -----------------

FLASK_BINDS = '''
    from flask_sqlalchemy import SQLAlchemy

    db = SQLAlchemy()


    class UserRole(db.Model):
        id = db.Column(db.Integer, primary_key=True)
        name = db.Column(db.String(50), nullable=False)


    class Audit(db.Model):
        __bind_key__ = "audit"
        {tablename}
        id = db.Column(db.Integer, primary_key=True)
'''


@pytest.mark.parametrize("tablename", ['__tablename__ = "audit"', "# generated: audit"])
def test_a_model_of_another_bind_is_not_missing_from_the_migrations(tmp_path, tablename):
    _, env, table = IMPLICIT_NAMES["flask"]
    models = FLASK_BINDS.format(tablename=tablename)
    assert drift(tmp_path, models, implicit_names_migration(table), env=env) == []
    migration = implicit_names_migration(table).replace(
        'sa.Column("name", sa.String(length=50), nullable=False),', ""
    )
    assert drift(tmp_path / "changed", models, migration, env=env) == [("models.py", "ORM703")]


# -- a model class inside a revision file is a snapshot, not a project table (issue 13) ----------

SNAPSHOT_REVISION = """
import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import declarative_base

revision = "0002"
down_revision = "0001"

Base = declarative_base()


class Membership(Base):  # the schema as this revision saw it, to move data with
    __tablename__ = "memberships"
    id = sa.Column(sa.Integer, primary_key=True)
    org_id = sa.Column(sa.String(36), sa.ForeignKey("organisations.id"))


def upgrade():
    pass
"""


def test_foreign_keys_of_a_snapshot_model_in_a_revision_are_not_judged(tmp_path):
    files = {
        "alembic.ini": ALEMBIC_INI, "migrations/env.py": ENV, "models.py": LOOP_MODELS,
        "migrations/versions/0001_init.py": revision(LOOP_INIT),
        "migrations/versions/0002_move.py": SNAPSHOT_REVISION,
    }
    found = lint_project(files, tmp_path)
    assert [(path, code) for path, _, code in found if code in ("ORM602", "ORM603")] == []
    # the same foreign key in a model is judged
    files["models.py"] = textwrap.dedent(LOOP_MODELS) + textwrap.dedent("""
        from sqlalchemy import ForeignKey


        class Membership(Base):
            __tablename__ = "memberships"
            id = Column(Integer, primary_key=True)
            org_id = Column(String(36), ForeignKey("organisations.id"))
    """)
    found = lint_project(files, tmp_path / "model")
    assert [(path, code) for path, _, code in found if code == "ORM602"] == [("models.py", "ORM602")]


# -- a primary key column written `nullable=True` (fastapi-sqlmodel-alembic) --------------------

PRIMARY_KEY_MODELS = '''
    from sqlalchemy import Column, Integer, String
    from sqlalchemy.orm import declarative_base

    Base = declarative_base()


    class Song(Base):
        __tablename__ = "song"
        id = Column(Integer, primary_key=True)
        name = Column(String(50), nullable=False)


    class Album(Base):
        __tablename__ = "album"
        id = Column(Integer, primary_key=True)
'''

PRIMARY_KEY_WRITTEN_NULLABLE = '''
    op.create_table(
        "song",
        sa.Column("id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(50), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table("album", sa.Column("id", sa.Integer(), primary_key=True, nullable=True))
'''


def test_a_primary_key_column_written_nullable_is_not_null_on_postgresql(tmp_path):
    # PostgreSQL makes every primary key column NOT NULL: Alembic reports nothing there
    assert drift(tmp_path, PRIMARY_KEY_MODELS, PRIMARY_KEY_WRITTEN_NULLABLE) == []


def test_a_primary_key_column_written_nullable_stays_nullable_on_sqlite(tmp_path):
    # SQLite keeps it nullable, and Alembic reports both columns there
    sqlite = {"pyproject.toml": '[tool.ormlint]\ntarget-dialect = "sqlite"\n'}
    found = drift(tmp_path, PRIMARY_KEY_MODELS, PRIMARY_KEY_WRITTEN_NULLABLE, extra=sqlite)
    assert found == [("models.py", "ORM705"), ("models.py", "ORM705")]


# -- `target_metadata = None` in a plugin's hand-written history beside the app's (ckan) --------

PLUGIN_ENV = "from alembic import context\n\ntarget_metadata = None\n"


def plugin_project(plugin_models: dict[str, str] | None = None) -> dict[str, str]:
    """The app's environment at the root; a plugin's own environment, with hand-written
    revisions (no autogenerate), in plugins/tracking/migration/ (alembic.ini beside env.py)."""
    return {
        "alembic.ini": ALEMBIC_INI,
        "migrations/env.py": ENV,
        "migrations/versions/0001_init.py": revision(LOOP_INIT),
        "models.py": LOOP_MODELS,
        "plugins/__init__.py": "",
        "plugins/tracking/__init__.py": "",
        "plugins/tracking/migration/alembic.ini": "[alembic]\nscript_location = %(here)s\n",
        "plugins/tracking/migration/env.py": PLUGIN_ENV,
        "plugins/tracking/migration/versions/0001_tracking.py": revision(
            'op.create_table("tracking_raw", sa.Column("url", sa.Text(), nullable=False))', "a001",
        ),
        **(plugin_models or {}),
    }


def test_target_metadata_none_in_a_plugin_environment_without_models_is_not_reported(tmp_path):
    found = lint_project(plugin_project(), tmp_path)
    assert [(path, code) for path, _, code in found if code == "ORM710"] == []


def test_target_metadata_none_in_an_environment_with_models_of_its_own_is_reported(tmp_path):
    plugin_models = {"plugins/tracking/models.py": textwrap.dedent('''
        from sqlalchemy import Column, Text
        from sqlalchemy.orm import declarative_base

        Base = declarative_base()


        class TrackingRaw(Base):
            __tablename__ = "tracking_raw"
            url = Column(Text, primary_key=True)
    ''')}
    found = lint_project(plugin_project(plugin_models), tmp_path)
    assert [(path, code) for path, _, code in found if code == "ORM710"] == [
        ("plugins/tracking/migration/env.py", "ORM710"),
    ]


# -- what a class's table is: ProjectIndex.table_of -----------------------------------------------


def test_a_table_whose_schema_a_mixin_sets_is_not_compared_as_the_default_schemas(tmp_path):
    models = '''
        from sqlalchemy import Integer
        from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


        class Base(DeclarativeBase):
            pass


        class InArchive:
            __table_args__ = {"schema": "archive"}


        class Thing(InArchive, Base):
            __tablename__ = "things"
            id: Mapped[int] = mapped_column(Integer, primary_key=True)
    '''
    upgrade = 'op.create_table("things", sa.Column("id", sa.Integer(), primary_key=True), schema="archive")'
    assert drift(tmp_path, textwrap.dedent(models), upgrade) == []


def test_a_table_below_a_base_of_another_module_is_still_compared(tmp_path):
    # Community-Pulse: `db` comes from another module, so `db.Model` is a base the index cannot
    # follow; the model's columns are still read, and the table compared.
    models = {
        "app/__init__.py": "",
        "app/db.py": "from flask_sqlalchemy import SQLAlchemy\n\ndb = SQLAlchemy()\n",
        "models.py": textwrap.dedent('''
            from app.db import db


            class BaseModel(db.Model):
                __abstract__ = True
                id = db.Column(db.Integer, primary_key=True)


            class Poll(BaseModel):
                __tablename__ = "polls"
                category_id = db.Column(db.Integer, nullable=True)
        '''),
    }
    upgrade = '''
        op.create_table(
            "polls",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("category_id", sa.Integer(), nullable=False),
            sa.PrimaryKeyConstraint("id"),
        )
    '''
    env = "from app.db import db\nimport models\n\ntarget_metadata = db.metadata\n"
    assert drift(tmp_path, models, upgrade, env=env) == [("models.py", "ORM705")]


# -- a history the project left, beside the one its alembic.ini runs (clockpilot-api) -------------

LEFT_BEHIND_MODELS = '''
    from sqlalchemy import Column, Integer
    from sqlalchemy.orm import declarative_base

    Base = declarative_base()


    class Report(Base):
        __tablename__ = "reports"
        id = Column(Integer, primary_key=True)
        month = Column(Integer, nullable=False)
'''


def left_behind_project(old_ini: bool) -> dict[str, str]:
    """alembic.ini names migrations/ (which agrees with the models); old_migrations/ is an
    earlier environment with script.py.mako, and an alembic.ini of its own when `old_ini`."""
    create = 'op.create_table("reports", sa.Column("id", sa.Integer(), primary_key=True), {})'
    return {
        "alembic.ini": ALEMBIC_INI,
        "migrations/env.py": ENV,
        "migrations/versions/0001_init.py": revision(create.format(
            'sa.Column("month", sa.Integer(), nullable=False)'
        )),
        "models.py": LEFT_BEHIND_MODELS,
        "old_migrations/env.py": ENV,
        "old_migrations/script.py.mako": "",
        "old_migrations/versions/0001_init.py": revision(create.format(
            'sa.Column("month", sa.Integer(), nullable=False, server_default="1")'
        )),
        **({"old_migrations/alembic.ini": "[alembic]\nscript_location = %(here)s\n"} if old_ini else {}),
    }


def test_a_history_left_beside_the_one_alembic_ini_runs_is_not_compared(tmp_path):
    found = lint_project(left_behind_project(old_ini=False), tmp_path)
    assert [(path, code) for path, _, code in found if code.startswith("ORM7")] == []


def test_a_script_directory_with_an_alembic_ini_of_its_own_is_compared(tmp_path):
    found = lint_project(left_behind_project(old_ini=True), tmp_path)
    assert [(path, code) for path, _, code in found if code.startswith("ORM7")] == [("models.py", "ORM707")]


# -- a `Table(...)` in another schema (fastapi-sqlalchemy-asyncpg) --------------------------------

SCHEMA_TABLE_MODELS = '''
    from sqlalchemy import Column, ForeignKey, Integer, String, Table
    from sqlalchemy.orm import declarative_base

    Base = declarative_base()


    class Work(Base):
        __tablename__ = "work"
        __table_args__ = {"schema": "shakespeare"}
        id = Column(String(32), primary_key=True)


    character_work = Table(
        "character_work",
        Base.metadata,
        Column("work_id", String(32), ForeignKey("shakespeare.work.id"), primary_key=True),
        Column("character", String(32), primary_key=True),
        schema="shakespeare",
    )
'''

SCHEMA_TABLE_MIGRATION = '''
    op.create_table(
        "work", sa.Column("id", sa.String(length=32), nullable=False), sa.PrimaryKeyConstraint("id"),
        schema="shakespeare",
    )
    op.create_table(
        "character_work",
        sa.Column("work_id", sa.String(length=32), nullable=False),
        sa.Column("character", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["work_id"], ["shakespeare.work.id"]),
        sa.PrimaryKeyConstraint("work_id", "character"),
        schema="shakespeare",
    )
'''


def test_a_table_in_another_schema_is_not_missing_from_the_migrations(tmp_path):
    assert drift(tmp_path, SCHEMA_TABLE_MODELS, SCHEMA_TABLE_MIGRATION) == []


def test_a_mixin_whose_base_is_in_another_file_is_no_single_table_subclass(tmp_path):
    # `Audited(Timestamped)` has no table name and no primary key, like a single-table
    # subclass, but nothing above it is mapped (ProjectIndex.maps_table): a mixin, whose
    # columns are in Post's table. It left every table's columns unknown before.
    models = {
        "app/__init__.py": "",
        "app/base.py": "from sqlalchemy.orm import DeclarativeBase\n\n\nclass Base(DeclarativeBase):\n    pass\n",
        "app/timestamps.py": textwrap.dedent('''
            from sqlalchemy import Column, DateTime


            class Timestamped:
                created_at = Column(DateTime)
        '''),
        "app/audit.py": textwrap.dedent('''
            from sqlalchemy import Column, Integer

            from app.timestamps import Timestamped


            class Audited(Timestamped):
                updated_by = Column(Integer)
        '''),
        "models.py": textwrap.dedent('''
            from sqlalchemy import Column, Integer

            from app.audit import Audited
            from app.base import Base


            class Post(Audited, Base):
                __tablename__ = "posts"
                id = Column(Integer, primary_key=True)
        '''),
    }
    upgrade = '''
        op.create_table(
            "posts",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("created_at", sa.DateTime(), nullable=True),
            sa.Column("updated_by", sa.Integer(), nullable=True),
            sa.Column("legacy", sa.Integer(), nullable=True),
            sa.PrimaryKeyConstraint("id"),
        )
    '''
    env = "from app.base import Base\nimport models\n\ntarget_metadata = Base.metadata\n"
    # `legacy` is in the migrations only (reported at the model): said now that every column of
    # `posts` is known
    assert drift(tmp_path, models, upgrade, env=env) == [("models.py", "ORM703")]
