"""ORM407 unnamed-constraint and ORM508 shared-sa-column: what counts, and when they stay silent."""

from __future__ import annotations

from tests.helpers import project_findings

BASE = """
from sqlalchemy.orm import DeclarativeBase
class Base(DeclarativeBase):
    pass
"""
MODELS = """
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column
from app.base import Base
class Account(Base):
    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(primary_key=True)
class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(100), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
"""


def findings(files, tmp_path, code, whole_project=True):
    found = project_findings(
        {"app/__init__.py": "", **files}, tmp_path, whole_project, extend_select=(code,)
    )
    return [(path, f.line, f.column) for path, f in found if f.code == code]


def orm407(files, tmp_path, whole_project=True):
    return findings(files, tmp_path, "ORM407", whole_project)


def test_unnamed_constraints_are_reported_at_their_spot(tmp_path):
    assert orm407({"app/base.py": BASE, "app/models.py": MODELS}, tmp_path) == [
        ("app/models.py", 11, 53), ("app/models.py", 12, 45),
    ]


def test_a_naming_convention_anywhere_in_the_project_silences_it(tmp_path):
    db = "from app.base import Base\nBase.metadata.naming_convention = {'uq': 'uq_%(table_name)s_%(column_0_name)s'}\n"
    assert orm407({"app/base.py": BASE, "app/models.py": MODELS, "app/db.py": db}, tmp_path) == []


def test_a_base_from_outside_the_project_is_unknown(tmp_path):
    models = MODELS.replace("from app.base import Base", "from shared_models import Base")
    assert orm407({"app/models.py": models}, tmp_path) == []


def test_checking_one_file_cannot_know_the_convention(tmp_path):
    files = {"app/base.py": BASE, "app/models.py": MODELS}
    assert orm407(files, tmp_path, whole_project=False) == []


def test_named_constraints_unique_indexes_and_unknown_arguments_are_not_reported(tmp_path):
    models = MODELS.replace(
        'String(100), unique=True)', 'String(100), unique=True, index=True)'
    ).replace(
        'ForeignKey("accounts.id")', 'ForeignKey("accounts.id", name="fk_users_account")'
    ) + (
        "class Tag(Base):\n"
        "    __tablename__ = 'tags'\n"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        "    label: Mapped[str] = mapped_column(**{'unique': True})\n"
    )
    assert orm407({"app/base.py": BASE, "app/models.py": models}, tmp_path) == []


def test_a_mixin_constraint_is_reported_once(tmp_path):
    models = """
from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column
from app.base import Base
class Account(Base):
    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(primary_key=True)
class OwnedMixin:
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
class Invoice(OwnedMixin, Base):
    __tablename__ = "invoices"
    id: Mapped[int] = mapped_column(primary_key=True)
class Payment(OwnedMixin, Base):
    __tablename__ = "payments"
    id: Mapped[int] = mapped_column(primary_key=True)
class UnusedMixin:
    other_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
"""
    assert orm407({"app/base.py": BASE, "app/models.py": models}, tmp_path) == [("app/models.py", 9, 45)]


def test_tables_on_a_known_metadata_only_and_never_in_revisions(tmp_path):
    tables = """
import sqlalchemy as sa
from app.base import Base
from elsewhere import metadata
links = sa.Table("links", Base.metadata, sa.Column("user_id", sa.ForeignKey("users.id")))
others = sa.Table("others", metadata, sa.Column("user_id", sa.ForeignKey("users.id")))
"""
    revision = """
import sqlalchemy as sa
from alembic import op
revision = "a1"
down_revision = None
def upgrade():
    op.create_table("x", sa.Column("user_id", sa.ForeignKey("users.id")), sa.UniqueConstraint("user_id"))
"""
    files = {
        "app/base.py": BASE, "app/models.py": MODELS, "app/tables.py": tables,
        "migrations/versions/a1.py": revision,
    }
    assert [f for f in orm407(files, tmp_path) if f[0] != "app/models.py"] == [("app/tables.py", 5, 63)]


def test_sqlmodel_foreign_key_and_the_advice_for_checks(tmp_path):
    models = """
from sqlalchemy import CheckConstraint
from sqlmodel import Field, SQLModel
class Team(SQLModel, table=True):
    __table_args__ = (CheckConstraint("length(name) > 1"),)
    id: int | None = Field(default=None, primary_key=True)
    name: str
class Hero(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    team_id: int | None = Field(default=None, foreign_key="team.id")
"""
    found = project_findings(
        {"app/__init__.py": "", "app/models.py": models}, tmp_path, extend_select=("ORM407",)
    )
    assert [(f.line, f.column) for _, f in found if f.code == "ORM407"] == [(5, 23), (10, 47)]
    check, foreign_key = (f.message for _, f in found if f.code == "ORM407")
    assert "pass `name=`" in check and "naming_convention={" not in check
    assert foreign_key.startswith("`Field(foreign_key=...)`") and "naming_convention={" in foreign_key


SQLMODEL = """
from datetime import datetime
from sqlalchemy import Column, DateTime
from sqlmodel import Field, SQLModel
class Stamped(SQLModel):
    created_at: datetime | None = Field(default=None, sa_column=Column(DateTime))
"""


def orm508(body: str, tmp_path, extra=None):
    files = {"app/models.py": SQLMODEL + body, **(extra or {})}
    return [(line, column) for _, line, column in findings(files, tmp_path, "ORM508")]


def table(name: str, base: str = "Stamped", extra: str = "") -> str:
    return (
        f"class {name}({base}, table=True):\n"
        "    id: int | None = Field(default=None, primary_key=True)\n" + extra
    )


def test_two_table_models_inheriting_the_column_are_reported(tmp_path):
    assert orm508(table("Hero") + table("Team"), tmp_path) == [(6, 65)]


def test_through_a_base_without_table(tmp_path):
    middle = "class Named(Stamped):\n    name: str = ''\n"
    assert orm508(middle + table("Hero", "Named") + table("Team"), tmp_path) == [(6, 65)]


def test_one_table_model_and_schemas_are_fine(tmp_path):
    schema = "class HeroRead(Stamped):\n    id: int\n"
    assert orm508(table("Hero") + schema, tmp_path) == []


def test_a_table_model_that_declares_the_field_again_takes_its_own(tmp_path):
    again = "    created_at: datetime | None = None\n"
    assert orm508(table("Hero") + table("Team", extra=again), tmp_path) == []


def test_a_base_not_in_the_project_may_bind_the_field(tmp_path):
    body = "from outside import Audited\n" + table("Hero") + table("Team", "Audited, Stamped")
    assert orm508(body, tmp_path) == []


def test_a_table_model_below_a_table_model_does_not_count(tmp_path):
    body = table("Hero") + "class SuperHero(Hero, table=True):\n    power: str = ''\n"
    assert orm508(body, tmp_path) == []


def test_a_table_model_holding_the_column_itself_is_fine(tmp_path):
    body = (
        "class Hero(SQLModel, table=True):\n"
        "    id: int | None = Field(default=None, primary_key=True)\n"
        "    created_at: datetime | None = Field(default=None, sa_column=Column(DateTime))\n"
        "class HeroRead(Hero):\n    pass\n"
    )
    assert orm508(body, tmp_path) == []


def test_table_models_in_other_files(tmp_path):
    other = "from sqlmodel import Field\nfrom app.models import Stamped\n" + table("Team")
    assert orm508(table("Hero"), tmp_path, {"app/teams.py": other}) == [(6, 65)]


def test_a_plain_mixin_holding_the_column(tmp_path):
    mixin = "class Audited:\n    audited_at: datetime | None = Field(default=None, sa_column=Column(DateTime))\n"
    body = mixin + table("Hero", "Audited, SQLModel") + table("Team", "Audited, SQLModel")
    assert orm508(body, tmp_path) == [(8, 65)]
