"""ORM402 index-name-reused (project) and ORM403 identifier-too-long (per target dialect)."""

from tests.helpers import codes_and_lines, lint_project

BASE = (
    "from sqlalchemy.orm import DeclarativeBase\n"
    "class Base(DeclarativeBase):\n"
    "    pass\n"
)
MODEL_HEADER = (
    "import sqlalchemy as sa\n"
    "from sqlalchemy import Index, UniqueConstraint\n"
    "from sqlalchemy.orm import Mapped, mapped_column\n"
    "from app.base import Base\n"
)  # a body's first line is line 5


def model(tablename: str, *items: str, extra: str = "", cls: str = "Model") -> str:
    args = "".join(f"        {item},\n" for item in items)
    return (
        f"class {cls}(Base):\n"
        f"    __tablename__ = '{tablename}'\n"
        f"    __table_args__ = (\n{args}    )\n"
        f"{extra}"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        "    email: Mapped[str]\n"
    )


def dialect(name: str) -> str:
    return f'[tool.ormlint]\ntarget-dialect = "{name}"\n'


def orm402(files, tmp_path, whole_project=True):
    return [f for f in lint_project(files, tmp_path, whole_project) if f[2] == "ORM402"]


# -- ORM402 ------------------------------------------------------------------------------------------


def test_orm402_same_name_in_two_files_under_one_base(tmp_path):
    files = {
        "app/base.py": BASE,
        "app/users.py": MODEL_HEADER + model("users", "Index('ix_email', 'email')", cls="User"),
        "app/invites.py": MODEL_HEADER + model("invites", "sa.Index('ix_email', 'email')", cls="Invite"),
    }
    assert orm402(files, tmp_path) == [("app/users.py", 8, "ORM402")]  # the later file in order


def test_orm402_unique_constraint_against_index_and_an_index_named_like_a_table(tmp_path):
    files = {
        "app/base.py": BASE,
        "app/models.py": MODEL_HEADER
        + model("users", "UniqueConstraint('email', name='email_key')", cls="User")
        + model("invites", "Index('email_key', 'email')", cls="Invite")
        + model("audit", "Index('users', 'email')", cls="Audit"),
    }
    assert orm402(files, tmp_path) == [("app/models.py", 15, "ORM402"), ("app/models.py", 22, "ORM402")]


def test_orm402_also_within_one_file_checked_alone(tmp_path):
    source = (
        "from sqlalchemy import Index\n"
        "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column\n"
        "class Base(DeclarativeBase):\n"
        "    pass\n"
        + model("a", "Index('ix_email', 'email')", cls="A")
        + model("b", "Index('ix_email', 'email')", cls="B")
    )
    assert orm402({"models.py": source}, tmp_path, whole_project=False) == [("models.py", 15, "ORM402")]


def test_orm402_silent_for_other_schemas_binds_bases_and_unknown_options(tmp_path):
    source = (
        "from sqlalchemy import Index, MetaData\n"
        "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, declarative_base\n"
        "from app.options import OPTIONS\n"
        "class Base(DeclarativeBase):\n"
        "    pass\n"
        "Other = declarative_base()\n"
        "class Base2(DeclarativeBase):\n"
        "    metadata = MetaData()\n"
        + model("a", "Index('ix_a', 'email')", cls="A")
        + model("a2", "Index('ix_a', 'email')", "{'schema': 'archive'}", cls="A2")
        + model("b", "Index('ix_b', 'email')", cls="B")
        + model("b2", "Index('ix_b', 'email')", cls="B2").replace("(Base)", "(Base2)")
        + model("c", "Index('ix_c', 'email')", cls="C")
        + model("c2", "Index('ix_c', 'email')", cls="C2").replace("(Base)", "(Other)")
        + model("d", "Index('ix_d', 'email')", cls="D")
        + model("d2", "Index('ix_d', 'email')", cls="D2").replace(
            "    __table_args__ = (\n", "    __table_args__ = OPTIONS + (\n"
        )
        + model("e", "Index('ix_e', 'email')", "{'info': {'bind_key': 'audit'}}", cls="E")
        + model("e2", "Index('ix_e', 'email')", cls="E2")
    )
    assert orm402({"models.py": source}, tmp_path) == []


def test_orm402_the_same_table_declared_twice_is_left_to_orm503(tmp_path):
    files = {
        "app/base.py": BASE,
        "app/v1.py": MODEL_HEADER + model("users", "Index('ix_users_email', 'email')", cls="User"),
        "app/v2.py": MODEL_HEADER + model("users", "Index('ix_users_email', 'email')", cls="User"),
    }
    assert orm402(files, tmp_path) == []


def test_orm402_flask_models_share_one_metadata_unless_bound_elsewhere(tmp_path):
    header = "from app import db\n"
    post = (
        "class Post(db.Model):\n"
        "    __table_args__ = (db.Index('ix_created', 'created'),)\n"
        "    id = db.Column(db.Integer, primary_key=True)\n"
        "    created = db.Column(db.DateTime)\n"
    )
    comment = post.replace("Post", "Comment")
    files = {
        "app/__init__.py": "from flask_sqlalchemy import SQLAlchemy\ndb = SQLAlchemy()\n",
        "app/posts.py": header + post.replace("(db.Model):\n", "(db.Model):\n    __tablename__ = 'post'\n"),
        "app/comments.py": header + comment.replace("(db.Model):\n", "(db.Model):\n    __tablename__ = 'comment'\n"),
    }
    assert orm402(files, tmp_path) == [("app/posts.py", 4, "ORM402")]
    files["app/comments.py"] = files["app/comments.py"].replace(
        "'comment'\n", "'comment'\n    __bind_key__ = 'archive'\n"
    )
    assert orm402(files, tmp_path / "bound") == []


def test_orm402_sqlmodel_tables_share_sqlmodel_metadata(tmp_path):
    source = (
        "from typing import Optional\n"
        "from sqlalchemy import Index\n"
        "from sqlmodel import Field, SQLModel\n"
        "class Hero(SQLModel, table=True):\n"  # SQLModel names its table "hero"
        "    __table_args__ = (Index('ix_name', 'name'),)\n"
        "    id: Optional[int] = Field(default=None, primary_key=True)\n"
        "    name: str\n"
        "class Team(SQLModel, table=True):\n"
        "    __tablename__ = 'team'\n"
        "    __table_args__ = (Index('ix_name', 'name'),)\n"
        "    id: Optional[int] = Field(default=None, primary_key=True)\n"
        "    name: str\n"
        "class Squad(SQLModel, table=True):\n"
        "    __tablename__ = 'squad'\n"
        "    __table_args__ = (Index('ix_name', 'name'),)\n"
        "    id: Optional[int] = Field(default=None, primary_key=True)\n"
        "    name: str\n"
        "class HeroRead(SQLModel):\n"  # not a table
        "    __tablename__ = 'hero_read'\n"
        "    __table_args__ = (Index('ix_name', 'name'),)\n"
        "    name: str\n"
    )
    assert orm402({"models.py": source}, tmp_path) == [("models.py", 10, "ORM402"), ("models.py", 15, "ORM402")]


def test_orm402_only_for_postgresql(tmp_path):
    source = (
        "from sqlalchemy import Index\n"
        "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column\n"
        "class Base(DeclarativeBase):\n"
        "    pass\n"
        + model("a", "Index('ix_email', 'email')", cls="A")
        + model("b", "Index('ix_email', 'email')", cls="B")
    )
    for name in ("mysql", "sqlite", "mssql"):
        files = {"models.py": source, "pyproject.toml": dialect(name)}
        assert orm402(files, tmp_path / name) == []
    files = {"models.py": source, "pyproject.toml": dialect("postgresql")}
    assert orm402(files, tmp_path / "pg") == [("models.py", 15, "ORM402")]


# -- ORM403 ------------------------------------------------------------------------------------------

HEADER = (
    "import sqlalchemy as sa\n"
    "from sqlalchemy import Column, ForeignKey, Index, Integer, MetaData, String, Table\n"
    "from sqlalchemy import CheckConstraint, PrimaryKeyConstraint, UniqueConstraint\n"
    "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column\n"
    "class Base(DeclarativeBase):\n"
    "    pass\n"
)  # a body's first line is line 7
N63, N64, N65 = "n" * 63, "n" * 64, "n" * 65


def check(body: str):
    return codes_and_lines(HEADER + body, "ORM403")


def test_orm403_postgresql_explicit_names():
    assert check(
        "class Model(Base):\n"
        f"    __tablename__ = '{N64}'\n"  # 8
        "    __table_args__ = (\n"
        f"        sa.Index('{N64}', 'email'),\n"  # 10
        f"        UniqueConstraint('email', name='{N64}'),\n"  # 11
        f"        PrimaryKeyConstraint('id', name='{N64}'),\n"  # 12
        f"        CheckConstraint('id > 0', name='{N65}'),\n"  # a ck convention may rewrite it
        f"        Index('{N63}', 'email'),\n"  # exactly the limit
        "    )\n"
        "    id: Mapped[int]\n"
        f"    parent_id: Mapped[int] = mapped_column(ForeignKey('p.id', name='{N64}'))\n"  # 17
        f"    email: Mapped[str] = mapped_column('{N65}', index=True)\n"  # PostgreSQL truncates columns
        f"Index('{N64}', Model.email)\n"  # 19
        f"t = Table('{N64}', MetaData(), Column('id', Integer), UniqueConstraint('id', name='{N64}'))\n"  # 20
    ) == [("ORM403", n) for n in (8, 10, 11, 12, 17, 19, 20, 20)]


def test_orm403_generated_and_short_names_are_fine():
    assert check(
        "class Model(Base):\n"
        f"    __tablename__ = 'short'\n"
        f"    {N65}: Mapped[int] = mapped_column(index=True)\n"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
    ) == []


MYSQL_MODELS = (
    HEADER
    + "from app import db\n"  # 7
    "class Model(Base):\n"
    "    __tablename__ = 'model'\n"
    "    id: Mapped[int] = mapped_column(primary_key=True)\n"
    f"    {N65}: Mapped[int]\n"  # 11
    f"    short: Mapped[int] = mapped_column('{N65}')\n"  # 12
    f"    {N64}: Mapped[int]\n"
    f"    {N65[:-1]}x = Column(Integer)\n"  # 14
    f"    ix_holder: Mapped[int] = mapped_column(index=True)\n"
    "    __table_args__ = (\n"
    f"        Index('{N64}', 'short'),\n"
    f"        Index('{N65}', 'short'),\n"  # 18
    "    )\n"
    "class Post(db.Model):\n"
    "    id = db.Column(db.Integer, primary_key=True)\n"
    f"    {N65} = db.Column(db.String(10))\n"  # 22
    f"t = Table('{N64}', MetaData(), Column('{N65}', Integer))\n"  # 23
)


def test_orm403_mysql_limit_covers_columns(tmp_path):
    files = {"models.py": MYSQL_MODELS, "pyproject.toml": dialect("mysql")}
    found = [(path, line) for path, line, code in lint_project(files, tmp_path) if code == "ORM403"]
    assert found == [("models.py", n) for n in (11, 12, 14, 18, 22, 23)]


def test_orm403_sqlite_has_no_limit_and_mssql_allows_128(tmp_path):
    files = {"models.py": MYSQL_MODELS, "pyproject.toml": dialect("sqlite")}
    assert [f for f in lint_project(files, tmp_path / "sqlite") if f[2] == "ORM403"] == []
    long = "m" * 129
    source = MYSQL_MODELS + f"class Wide(Base):\n    __tablename__ = '{long}'\n    id = Column('{long}', Integer, primary_key=True)\n"
    files = {"models.py": source, "pyproject.toml": dialect("mssql")}
    found = [(line) for _, line, code in lint_project(files, tmp_path / "mssql") if code == "ORM403"]
    assert found == [25, 26]


def test_orm403_message_names_the_dialect_and_the_limit(tmp_path):
    files = {"models.py": MYSQL_MODELS, "pyproject.toml": dialect("mysql")}
    from ormlint.config import load_settings
    from ormlint.engine import run

    lint_project(files, tmp_path)
    result = run([tmp_path], load_settings([tmp_path]), jobs=1, whole_project=True)
    messages = [f.message for f in result.findings if f.code == "ORM403"]
    assert 'column name "' + N65 + '" is 65 characters long, over MySQL\'s limit of 64' in messages[0]
    assert 'target-dialect = "mysql"' in messages[0] and "shorten it to at most 64" in messages[0]


def test_orm402_silent_for_a_schema_from_a_mixin(tmp_path):
    source = (
        "from sqlalchemy import Index\n"
        "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column\n"
        "class Base(DeclarativeBase):\n"
        "    pass\n"
        "class InArchive:\n"
        "    __table_args__ = {'schema': 'archive'}\n"
        "class A(Base):\n"
        "    __tablename__ = 'a'\n"
        "    __table_args__ = (Index('ix_a', 'email'),)\n"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        "    email: Mapped[str]\n"
        "class ArchivedA(InArchive, Base):\n"
        "    __tablename__ = 'archived_a'\n"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        "    email: Mapped[str]\n"
        "Index('ix_a', ArchivedA.email)\n"
    )
    assert orm402({"models.py": source}, tmp_path) == []
