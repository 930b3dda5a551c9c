"""`ormlint schema`: the drawing holds what SQLAlchemy itself builds from the models, in Mermaid,
dot and a self-contained HTML page that works in a real browser."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess

import pytest
from click.testing import CliRunner

from ormlint.api import CheckRequest, check
from ormlint.cli import main
from ormlint.diagram import diagram, render_dot, render_html, render_mermaid

MODELS = '''\
from sqlalchemy import Column, ForeignKey, Integer, String, Table
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


post_tags = Table(
    "post_tags", Base.metadata,
    Column("post_id", ForeignKey("posts.id"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id"), primary_key=True),
)


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(200))
    nickname: Mapped[str | None] = mapped_column(String(40))
    posts: Mapped[list["Post"]] = relationship(back_populates="author")


class Post(Base):
    __tablename__ = "posts"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(100), server_default="now()")
    author: Mapped["User"] = relationship(back_populates="posts")
    tags: Mapped[list["Tag"]] = relationship(secondary=post_tags)


class Tag(Base):
    __tablename__ = "tags"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(30), unique=True)
'''


@pytest.fixture
def project(tmp_path):
    (tmp_path / "models.py").write_text(MODELS)
    (tmp_path / "pyproject.toml").write_text("[tool.ormlint]\n")
    return tmp_path


def _drawn(project):
    result = check(CheckRequest([project], need_index=True))
    return diagram(result.index, result.findings)


def test_tables_columns_and_keys_are_what_sqlalchemy_builds(project):
    spec = importlib.util.spec_from_file_location("diagram_oracle_models", project / "models.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    metadata = module.Base.metadata
    drawn = _drawn(project)
    assert {t.name: [c.name for c in t.columns] for t in drawn.tables} == {
        name: [c.name for c in table.columns] for name, table in metadata.tables.items()
    }
    assert {(t, c, ref) for t, c, ref in drawn.foreign_keys} == {
        (fk.parent.table.name, fk.parent.name, fk.target_fullname)
        for table in metadata.tables.values() for fk in table.foreign_keys
    }
    for table in drawn.tables:
        for column in table.columns:
            real = metadata.tables[table.name].c[column.name]
            assert column.primary_key == real.primary_key
            if column.nullable is not None or column.primary_key:
                assert (column.nullable is not False and not column.primary_key) == real.nullable, column


def test_relationships_have_their_cardinality_and_findings_their_table(project):
    drawn = _drawn(project)
    assert sorted((r.source, r.attribute, r.target, r.cardinality) for r in drawn.relationships) == [
        ("posts", "author", "users", "many-to-one"),
        ("posts", "tags", "tags", "many-to-many"),
        ("users", "posts", "posts", "one-to-many"),
    ]
    findings = {t.name: t.findings for t in drawn.tables}
    assert [f.split(": ", 1)[1][:6] for f in findings["posts"]] == ["ORM301"]
    assert findings["users"] == [] and findings["tags"] == []


def test_mermaid(project):
    text = render_mermaid(_drawn(project))
    assert text.startswith("erDiagram\n")
    assert '    users["users"] {\n        Integer id PK "NOT NULL"\n' in text
    assert '        Integer user_id FK "NOT NULL"' in text  # typeless: the target's type
    assert '    posts }o--|| users : "user_id"' in text
    assert '    post_tags }o--|| tags : "tag_id"' in text
    assert re.search(r"    %% posts: .*ORM301", text)
    assert '        String nickname "NULL"' in text


def test_dot_is_valid_for_graphviz(project):
    text = render_dot(_drawn(project))
    assert '"posts":"user_id" -> "users":"id";' in text
    if shutil.which("dot") is None:
        pytest.skip("Graphviz is not installed: the dot text was checked, not drawn")
    done = subprocess.run(["dot", "-Tsvg"], input=text, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_html_keeps_hostile_names_inside_its_data(tmp_path):
    (tmp_path / "models.py").write_text(
        "from sqlalchemy import Column, Integer\nclass A(Base):\n"
        "    __tablename__ = '</script><script>alert(1)</script>'\n    id = Column(Integer, primary_key=True)\n"
    )
    page = render_html(_drawn(tmp_path))
    assert page.count("</script>") == 2  # the data block's and the code's own
    data = page.split('<script id="data" type="application/json">', 1)[1].split("</script>", 1)[0]
    assert json.loads(data)["tables"][0]["name"] == "</script><script>alert(1)</script>"


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


@pytest.mark.skipif(_chromium() is None, reason="no Chromium (CI installs Debian's chromium when it can)")
def test_the_page_in_a_real_browser_shows_every_table_and_focuses(project, tmp_path):
    page = tmp_path / "schema.html"
    result = CliRunner().invoke(main, ["schema", "--format", "html", "--no-cache", "-o", str(page), str(project)])
    assert result.exit_code == 0, result.output

    def load(fragment: str = "") -> tuple[str, str]:
        done = subprocess.run(
            [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0",
             "--dump-dom", page.as_uri() + fragment],
            capture_output=True, text=True, timeout=120,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout, done.stderr

    dom, log = load()
    assert ":CONSOLE" not in log, [line for line in log.splitlines() if ":CONSOLE" in line]
    cards = re.findall(r'<section class="([^"]*)" data-name="([^"]+)"[^>]*?( hidden="")?>', dom)
    assert sorted(name for _, name, _ in cards) == ["post_tags", "posts", "tags", "users"]
    assert all(not hidden for _, _, hidden in cards)
    assert "4 of 4 tables" in dom

    dom, log = load("#focus=users")
    assert ":CONSOLE" not in log
    shown = {name for _, name, hidden in re.findall(r'<section class="([^"]*)" data-name="([^"]+)"[^>]*?( hidden="")?>', dom) if not hidden}
    assert shown == {"users", "posts"}  # the table and its neighbours
    assert re.search(r'<section class="table focused" data-name="users"', dom)


# -- `--migrations` and `--diff`: the schema the history builds, and what differs ---------------

DRIFT_MODELS = '''\
from typing import Optional

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Author(Base):
    __tablename__ = "author"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    bio: Mapped[Optional[str]] = mapped_column(String(500))


class Book(Base):
    __tablename__ = "book"
    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("author.id"))
'''
DRIFT_REVISION = '''\
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade():
    op.create_table(
        "author",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=True),
        sa.Column("legacy_code", sa.String(length=10), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
'''


@pytest.fixture
def drifted(tmp_path):
    files = {
        "models.py": DRIFT_MODELS,
        "alembic.ini": "[alembic]\nscript_location = %(here)s/migrations\n",
        "migrations/env.py": "from models import Base\n\ntarget_metadata = Base.metadata\n",
        "migrations/versions/0001_init.py": DRIFT_REVISION,
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return tmp_path


def _marks(drawn):
    return {
        **{t.name: t.change for t in drawn.tables if t.change},
        **{f"{t.name}.{c.name}": c.change for t in drawn.tables for c in t.columns if c.change},
    }


def _alembic_differences(project) -> set[str]:
    """What Alembic's own comparison finds between the models and the history run on SQLite."""
    sa = pytest.importorskip("sqlalchemy")
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    spec = importlib.util.spec_from_file_location("diagram_drift_models", project / "models.py")
    models = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(models)
    revision: dict = {}
    exec(compile(DRIFT_REVISION, "0001_init.py", "exec"), revision)  # the test's own revision
    with sa.create_engine("sqlite://").begin() as connection:
        context = MigrationContext.configure(connection)
        with Operations.context(context):
            revision["upgrade"]()
        differences = compare_metadata(MigrationContext.configure(connection), models.Base.metadata)
    found = set()
    for difference in differences:
        for item in difference if isinstance(difference, list) else [difference]:
            kind = item[0]
            if kind in ("add_table", "remove_table"):
                found.add(item[1].name)
            elif kind in ("add_column", "remove_column"):
                found.add(f"{item[2]}.{item[3].name}")
            elif kind.startswith("modify_"):
                found.add(f"{item[2]}.{item[3]}")
    return found


def test_diff_marks_what_alembic_finds_different(drifted):
    result = check(CheckRequest([drifted], need_index=True))
    from ormlint.diagram import with_drift

    marks = _marks(with_drift(diagram(result.index, result.findings), result.index))
    assert marks == {
        "book": "models only", "audit": "migrations only",
        "author.bio": "models only", "author.legacy_code": "migrations only", "author.name": "differs",
    }
    assert set(marks) == _alembic_differences(drifted)


def test_migrations_draws_the_replayed_schema(drifted):
    from ormlint.diagram import migrations_diagram

    result = check(CheckRequest([drifted], need_index=True))
    drawn = migrations_diagram(result.index)
    assert {t.name: [c.name for c in t.columns] for t in drawn.tables} == {
        "audit": ["id"], "author": ["id", "name", "legacy_code"],
    }
    assert [c.nullable for c in drawn.tables[1].columns] == [False, True, True]


def test_schema_diff_and_migrations_on_the_command_line(drifted, tmp_path):
    runner = CliRunner()
    mermaid = runner.invoke(main, ["schema", "--diff", "--no-cache", str(drifted)])
    assert mermaid.exit_code == 0, mermaid.output
    assert '        VARCHAR legacy_code "NULL; migrations only"' in mermaid.output
    assert "    %% book: models only" in mermaid.output
    dot = runner.invoke(main, ["schema", "--diff", "--format", "dot", "--no-cache", str(drifted)])
    assert '<B>audit (migrations only)</B>' in dot.output and 'BGCOLOR="#d9f2d9">bio' in dot.output
    if shutil.which("dot") is not None:
        done = subprocess.run(["dot", "-Tsvg"], input=dot.output, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
    replayed = runner.invoke(main, ["schema", "--migrations", "--no-cache", str(drifted)])
    assert "audit" in replayed.output and "bio" not in replayed.output
    bare = tmp_path / "bare"
    bare.mkdir()
    (bare / "models.py").write_text(DRIFT_MODELS)
    (bare / "pyproject.toml").write_text("[tool.ormlint]\n")
    refused = runner.invoke(main, ["schema", "--migrations", "--no-cache", str(bare)])
    assert refused.exit_code == 2 and "no Alembic migrations found" in refused.output


@pytest.mark.skipif(_chromium() is None, reason="no Chromium (CI installs Debian's chromium when it can)")
def test_the_diff_page_in_a_real_browser_colours_what_differs(drifted, tmp_path):
    page = tmp_path / "diff.html"
    result = CliRunner().invoke(main, ["schema", "--diff", "--format", "html", "--no-cache", "-o", str(page), str(drifted)])
    assert result.exit_code == 0, result.output
    done = subprocess.run(
        [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0",
         "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0 and ":CONSOLE" not in done.stderr, done.stderr[-2000:]
    assert re.search(r'data-name="audit" data-change="migrations only"', done.stdout)
    assert re.search(r'<h2 style="background: rgb\(251, 224, 196\);">audit \(migrations only\)</h2>', done.stdout)
    rows = re.findall(r'<tr title="([^"]*)" data-change="([^"]+)" style="background: (rgb\([^)]*\));">', done.stdout)
    assert sorted(rows) == [
        ("differs", "differs", "rgb(255, 243, 191)"),  # author.name: nullable here, not in the model
        ("migrations only", "migrations only", "rgb(251, 224, 196)"),  # author.legacy_code
        ("models only", "models only", "rgb(217, 242, 217)"),  # author.bio
    ]
