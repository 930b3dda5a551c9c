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
