"""ORM209 string-without-length (MySQL) and ORM305 sqlite-boolean-text-default: which database
they judge (configured, or inferred from the Alembic environment) and what they leave alone."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from ormlint.config import load_settings
from ormlint.engine import run

HEADER = '''
import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass

'''

FEATURE = HEADER + '''
class Feature(Base):
    __tablename__ = "feature"
    id: Mapped[int] = mapped_column(primary_key=True)
    enabled: Mapped[bool] = mapped_column(server_default="false")
'''

ACCOUNT = HEADER + '''
class Account(Base):
    __tablename__ = "account"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str]
'''


def environment(url: str, root: str = "", revision_imports: str = "") -> dict[str, str]:
    """An Alembic environment under `root` whose alembic.ini names `url`."""
    return {
        f"{root}alembic.ini": f"[alembic]\nscript_location = %(here)s/migrations\nsqlalchemy.url = {url}\n",
        f"{root}migrations/env.py": "from alembic import context\n",
        f"{root}migrations/versions/0001_start.py": (
            f"{revision_imports}from alembic import op\n\nrevision = '0001'\ndown_revision = None\n\n\n"
            "def upgrade():\n    pass\n"
        ),
    }


def findings(tmp_path, files: dict[str, str], select: tuple[str, ...], dialect: str | None = None,
             whole_project: bool = True, paths: tuple[str, ...] = ()):
    """(path, line, code) of the selected rules' findings; `dialect`: target-dialect."""
    config = "[tool.ormlint]\n" + (f'target-dialect = "{dialect}"\n' if dialect else "")
    for name, source in {"pyproject.toml": config, **files}.items():
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(source))
    settings = load_settings([tmp_path]).with_overrides(select=select)
    checked = [tmp_path / p for p in paths] if paths else [tmp_path]
    result = run(checked, settings, jobs=1, whole_project=whole_project)
    return sorted((str(Path(f.path).relative_to(tmp_path)), f.line, f.code) for f in result.findings)


def test_orm305_reads_the_dialect_from_alembic_ini_when_selected_alone(tmp_path):
    # the migrations are read for the dialect though no ORM7xx rule is selected
    files = {"models.py": FEATURE, **environment("sqlite:///app.db")}
    assert findings(tmp_path, files, ("ORM305",)) == [("models.py", 13, "ORM305")]


@pytest.mark.parametrize("files", [
    {"models.py": FEATURE},  # no migrations, no target-dialect: PostgreSQL
    {"models.py": FEATURE, **environment("postgresql://app@db/app")},
    {"models.py": FEATURE, **environment("%(DB_URL)s")},  # unknown
])
def test_orm305_is_silent_unless_the_database_is_sqlite(tmp_path, files):
    assert findings(tmp_path, files, ("ORM305",)) == []


def test_orm305_message_says_what_is_read_and_what_to_write(tmp_path):
    settings_files = {"models.py": FEATURE}
    for name, source in {"pyproject.toml": '[tool.ormlint]\ntarget-dialect = "sqlite"\n', **settings_files}.items():
        (tmp_path / name).write_text(textwrap.dedent(source))
    result = run([tmp_path], load_settings([tmp_path]).with_overrides(select=("ORM305",)), jobs=1)
    (finding,) = result.findings
    assert "stored as the text 'false' on SQLite" in finding.message
    assert "reads it back as True though it means false" in finding.message
    assert "`server_default=sa.false()` (or `\"0\"`)" in finding.message


@pytest.mark.parametrize(("default", "reported"), [
    ('"false"', True), ('"False"', True), ('"OFF"', True), ('"n"', True), ('"true"', True), ('"yes"', True),
    ('"0"', False), ('"1"', False), ("sa.false()", False), ('sa.text("false")', False), ('sa.text("0")', False),
    ('"maybe"', False),
])
def test_orm305_boolean_words_only(tmp_path, default, reported):
    files = {"models.py": FEATURE.replace('server_default="false"', f"server_default={default}")}
    assert bool(findings(tmp_path, files, ("ORM305",), dialect="sqlite")) is reported


def test_orm305_not_on_a_column_that_is_not_boolean(tmp_path):
    files = {"models.py": FEATURE.replace("Mapped[bool]", "Mapped[str]")}
    assert findings(tmp_path, files, ("ORM305",), dialect="sqlite") == []


def test_each_environment_judges_the_models_under_its_root(tmp_path):
    files = {
        "edge/models.py": FEATURE, **environment("sqlite:///edge.db", "edge/"),
        "core/models.py": FEATURE, **environment("postgresql://core@db/core", "core/"),
    }
    assert findings(tmp_path, files, ("ORM305",), paths=("edge", "core")) == [("edge/models.py", 13, "ORM305")]


def test_orm209_does_not_take_mysql_from_the_revisions_imports_alone(tmp_path):
    # A history written on MySQL may continue on PostgreSQL (corpus: appointment); the models'
    # database is known from target-dialect or a literal URL only.
    files = {
        "models.py": ACCOUNT,
        **environment("%(DB_URL)s", revision_imports="from sqlalchemy.dialects import mysql\n"),
    }
    assert findings(tmp_path, files, ("ORM209",)) == []
    assert findings(tmp_path, files, ("ORM209",), dialect="mysql") == [("models.py", 13, "ORM209")]


@pytest.mark.parametrize("url", ["mysql+pymysql://app@db/app", "mariadb+mariadbconnector://app@db/app"])
def test_orm209_mysql_and_mariadb_urls(tmp_path, url):
    files = {"models.py": ACCOUNT, **environment(url)}
    assert findings(tmp_path, files, ("ORM209",)) == [("models.py", 13, "ORM209")]


@pytest.mark.parametrize("column", [
    'email: Mapped[str] = mapped_column(sa.String(255))',
    'email: Mapped[str] = mapped_column(sa.Text)',
    'email: Mapped[str] = mapped_column(sa.CHAR)',
    'email: Mapped[str] = mapped_column(sa.String().with_variant(sa.String(255), "mysql"))',
    'email: Mapped[str] = mapped_column(sa.ForeignKey("other.code"))',  # the target's type
])
def test_orm209_leaves_lengths_text_variants_and_foreign_keys_alone(tmp_path, column):
    files = {"models.py": ACCOUNT.replace("email: Mapped[str]", column)}
    assert findings(tmp_path, files, ("ORM209",), dialect="mysql") == []


@pytest.mark.parametrize("column", [
    'email: Mapped[str] = mapped_column(sa.String)',
    'email: Mapped[str] = mapped_column(sa.String(collation="utf8mb4_bin"))',
    'email: Mapped[str] = mapped_column(sa.Unicode())',
    'email = sa.Column(sa.VARCHAR())',
])
def test_orm209_explicit_types_without_length(tmp_path, column):
    files = {"models.py": ACCOUNT.replace("email: Mapped[str]", column)}
    assert findings(tmp_path, files, ("ORM209",), dialect="mysql") == [("models.py", 13, "ORM209")]


def test_orm209_annotation_alone_is_silent_when_a_type_annotation_map_may_give_a_length(tmp_path):
    files = {
        "base.py": "import sqlalchemy as sa\nfrom sqlalchemy.orm import DeclarativeBase\n\n\n"
                   "class Base(DeclarativeBase):\n    type_annotation_map = {str: sa.String(255)}\n",
        "models.py": ACCOUNT,
    }
    assert findings(tmp_path, files, ("ORM209",), dialect="mysql") == []


def test_orm209_annotation_alone_is_silent_on_a_file_checked_alone(tmp_path):
    # the Base (and its type_annotation_map) may be in a file not checked
    files = {"models.py": ACCOUNT}
    assert findings(tmp_path, files, ("ORM209",), dialect="mysql", whole_project=False,
                    paths=("models.py",)) == []


def test_orm209_annotation_alone_is_silent_on_a_library_base(tmp_path):
    # advanced_alchemy's bases bring their own registry (and type_annotation_map); corpus:
    # litestar-fullstack
    source = (
        "from advanced_alchemy.base import UUIDAuditBase\nfrom sqlalchemy.orm import Mapped\n\n\n"
        "class Role(UUIDAuditBase):\n    __tablename__ = \"role\"\n    name: Mapped[str]\n"
    )
    assert findings(tmp_path, {"models.py": source}, ("ORM209",), dialect="mysql") == []
    subclass = ACCOUNT + "\n\nclass Admin(Account):\n    __tablename__ = \"admin\"\n    id: Mapped[int] = mapped_column(sa.ForeignKey(\"account.id\"), primary_key=True)\n    title: Mapped[str]\n"
    assert [line for _, line, _ in findings(tmp_path, {"models.py": subclass}, ("ORM209",), dialect="mysql")] == [13, 19]
