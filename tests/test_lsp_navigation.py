"""The editor as a map of the models (issue 19): go to definition from the strings that name a
model, a table or a column, answered from the project's last lint. Real LSP conversations:
pygls's client speaking JSON-RPC to the server in a subprocess (tests/test_lsp.py's `Session`)."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types as lsp

from ormlint.lsp import from_lsp_position
from tests.test_lsp import Session, uri_for
from tests.test_lsp_project import write_project

MODELS = """\
from sqlalchemy import Column, ForeignKey, Integer, Table
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


post_tags = Table(
    "post_tags",
    Base.metadata,
    Column("post_id", ForeignKey("post.id"), primary_key=True),
)
"""
POSTS = """\
from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models import Base


class Author(Base):
    __tablename__ = "author"
    id: Mapped[int] = mapped_column(primary_key=True)
    posts: Mapped[list["Post"]] = relationship(back_populates="author", secondary="post_tags")


class Post(Base):
    __tablename__ = "post"
    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("author.id"))
    author = relationship("Author", back_populates="posts")
"""


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory):
    root = write_project(tmp_path_factory.mktemp("lsp-navigation"), {"models.py": MODELS, "posts.py": POSTS})
    session = Session(cwd=root)
    session.root = root
    session.open_in_project(uri_for(root / "posts.py"), POSTS)
    yield session
    status = session.shutdown()
    assert status == 0, session.stderr.decode()


def definition(session: Session, uri: str, line: int, character: int) -> Any:
    return session.run(
        session.client.text_document_definition_async(
            lsp.DefinitionParams(
                text_document=lsp.TextDocumentIdentifier(uri=uri),
                position=lsp.Position(line=line, character=character),
            )
        )
    )


def position_of(text: str, needle: str, offset: int = 1) -> tuple[int, int]:
    """0-based (line, character) `offset` characters into the first `needle` of `text`."""
    for number, line in enumerate(text.splitlines()):
        if needle in line:
            return number, line.index(needle) + offset
    raise AssertionError(needle)


def targets(found: Any) -> list[tuple[str, int]]:
    """(file name, 0-based start line) of each location."""
    return [(Path(location.uri.removeprefix("file://")).name, location.range.start.line) for location in found or []]


def line_in(text: str, needle: str) -> int:
    return position_of(text, needle)[0]


@pytest.mark.parametrize(
    ("needle", "file", "declaration"),
    [
        ('"Author", back', "posts.py", "class Author(Base):"),  # relationship("X")
        ('"Post"]', "posts.py", "class Post(Base):"),  # Mapped[list["X"]]
        ('"posts")', "posts.py", "    posts: Mapped"),  # back_populates -> the target's attribute
        ('"author", sec', "posts.py", "    author = relationship"),
        ('"author.id"', "posts.py", '    __tablename__ = "author"\n    id'),  # ForeignKey("t.c")
        ('"post_tags")', "models.py", '    "post_tags",'),  # secondary -> the Table()
    ],
)
def test_go_to_definition(session: Session, needle: str, file: str, declaration: str) -> None:
    uri = uri_for(session.root / "posts.py")
    found = definition(session, uri, *position_of(POSTS, needle, offset=2))
    text = {"posts.py": POSTS, "models.py": MODELS}[file]
    if "\n" in declaration:  # the column line after a given line
        expected = line_in(text, declaration.split("\n")[0]) + 1
    else:
        expected = line_in(text, declaration)
    assert targets(found) == [(file, expected)]


def test_foreign_key_of_a_table_to_the_mapped_class_column(session: Session) -> None:
    uri = uri_for(session.root / "models.py")
    session.open_in_project(uri, MODELS)
    found = definition(session, uri, *position_of(MODELS, '"post.id"', offset=2))
    assert targets(found) == [("posts.py", line_in(POSTS, '    __tablename__ = "post"') + 1)]
    session.close(uri)


def test_no_definition_elsewhere_nor_after_unsaved_edits(session: Session) -> None:
    uri = uri_for(session.root / "posts.py")
    assert definition(session, uri, *position_of(POSTS, "primary_key")) is None
    assert definition(session, uri, *position_of(POSTS, '"author"', offset=0)) is None  # __tablename__
    # An edit moves the lines: the map of the last lint no longer fits until the next save.
    session.change(uri, "\n" + POSTS)
    line, character = position_of(POSTS, '"Author", back', offset=2)
    assert definition(session, uri, line + 1, character) is None


def test_lsp_positions_back_to_code_points() -> None:
    lines = ["x = '\U0001F600' + 'ab'"]
    assert from_lsp_position(lines, lsp.Position(line=0, character=9), "utf-16") == (1, 9)
    assert from_lsp_position(lines, lsp.Position(line=0, character=8), "utf-32") == (1, 9)
    assert from_lsp_position(lines, lsp.Position(line=0, character=99), "utf-16") == (1, 15)


def outline(symbols: Any) -> list[tuple[str, str, int, list[tuple[str, str, int]]]]:
    return [
        (s.name, s.kind.name, s.selection_range.start.line,
         [(c.name, c.kind.name, c.selection_range.start.line) for c in s.children or []])
        for s in symbols
    ]


def test_document_symbols_are_the_classes_tables_columns_and_relationships(tmp_path: Path) -> None:
    root = write_project(tmp_path, {"models.py": MODELS, "posts.py": POSTS})
    session = Session(cwd=root)
    try:
        uri = uri_for(root / "posts.py")
        session.open_in_project(uri, POSTS)
        symbols = session.run(session.client.text_document_document_symbol_async(
            lsp.DocumentSymbolParams(text_document=lsp.TextDocumentIdentifier(uri=uri))
        ))
        at = functools.partial(line_in, POSTS)
        assert outline(symbols) == [
            ("Author", "Class", at("class Author"), [
                ("id", "Field", at("class Author") + 2),
                ("posts", "Property", at("    posts:")),
            ]),
            ("Post", "Class", at("class Post"), [
                ("id", "Field", at("class Post") + 2),
                ("author_id", "Field", at("    author_id")),
                ("author", "Property", at("    author =")),
            ]),
        ]
        # Each symbol's range holds its members (editors fold and breadcrumb by it).
        assert all(s.range.end.line >= (s.children or [s])[-1].range.end.line for s in symbols)
        uri = uri_for(root / "models.py")
        session.open_in_project(uri, MODELS)
        symbols = session.run(session.client.text_document_document_symbol_async(
            lsp.DocumentSymbolParams(text_document=lsp.TextDocumentIdentifier(uri=uri))
        ))
        assert [(s.name, s.kind.name) for s in symbols] == [("Base", "Class"), ("post_tags", "Struct")]
        assert [c.name for c in symbols[1].children] == ["post_id"]
    finally:
        assert session.shutdown() == 0, session.stderr.decode()


def complete(session: Session, uri: str, line: int, character: int) -> Any:
    return session.run(session.client.text_document_completion_async(
        lsp.CompletionParams(
            text_document=lsp.TextDocumentIdentifier(uri=uri),
            position=lsp.Position(line=line, character=character),
        )
    ))


def test_completion_of_back_populates_and_foreign_key_targets_while_typing(session: Session) -> None:
    typed = (
        "from sqlalchemy import ForeignKey\n"
        "from sqlalchemy.orm import Mapped, mapped_column, relationship\n\n"
        "from models import Base\n\n\n"
        "class Comment(Base):\n"
        '    __tablename__ = "comment"\n'
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        '    post_id: Mapped[int] = mapped_column(ForeignKey("po'
    )
    uri = uri_for(session.root / "comments.py")
    session.open_in_project(uri, typed)
    last = typed.count("\n")
    found = complete(session, uri, last, len(typed.splitlines()[-1]))
    # Those starting with what is typed ("po").
    assert [item.label for item in found.items] == ["post.author_id", "post.id", "post_tags.post_id"]
    assert not found.is_incomplete
    [post_id] = [item for item in found.items if item.label == "post.id"]
    start = typed.splitlines()[-1].index('"po') + 1
    assert post_id.text_edit.range.start == lsp.Position(line=last, character=start)
    assert post_id.text_edit.new_text == "post.id"

    # Unsaved: the user goes on typing a relationship over two lines.
    typed += '"))\n    post: Mapped["Post"] = relationship(\n        lazy="raise", back_populates="'
    session.change(uri, typed)
    last = typed.count("\n")
    found = complete(session, uri, last, len(typed.splitlines()[-1]))
    assert [(item.label, item.detail) for item in found.items] == [("author", "Post.author -> Author")]
    # Just after the quote: every known table.column.
    fk_line = typed.splitlines().index('    post_id: Mapped[int] = mapped_column(ForeignKey("po"))')
    found = complete(session, uri, fk_line, typed.splitlines()[fk_line].index('"po') + 1)
    assert [item.label for item in found.items] == [
        "author.id", "post.author_id", "post.id", "post_tags.post_id"
    ]
    # Elsewhere (not in such a string): nothing.
    assert complete(session, uri, last, 8) is None
    session.close(uri)


# -- revisions: go to definition from op.* calls, find references ----------------------------------

REVISION = "migrations/versions/0001_init.py"
REVISION_TEXT = """\
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade():
    op.create_table(
        "author",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "post",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), sa.ForeignKey("author.id")),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_post_author_id", "post", ["author_id"])
    with op.batch_alter_table("post") as batch_op:
        batch_op.alter_column("author_id", nullable=False)


def downgrade():
    op.drop_table("post")
    op.drop_table("author")
"""
ALEMBIC = {
    "alembic.ini": "[alembic]\nscript_location = %(here)s/migrations\n",
    "migrations/env.py": "from models import Base\n\ntarget_metadata = Base.metadata\n",
    REVISION: REVISION_TEXT,
}


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory):
    files = {"models.py": MODELS, "posts.py": POSTS, **ALEMBIC}
    root = write_project(tmp_path_factory.mktemp("lsp-references"), files)
    session = Session(cwd=root)
    session.root = root
    session.open_in_project(uri_for(root / "posts.py"), POSTS)
    session.open_in_project(uri_for(root / REVISION), REVISION_TEXT)
    yield session
    status = session.shutdown()
    assert status == 0, session.stderr.decode()


def references(session: Session, uri: str, line: int, character: int, declaration: bool = True) -> Any:
    return session.run(
        session.client.text_document_references_async(
            lsp.ReferenceParams(
                text_document=lsp.TextDocumentIdentifier(uri=uri),
                position=lsp.Position(line=line, character=character),
                context=lsp.ReferenceContext(include_declaration=declaration),
            )
        )
    )


def revision_lines(*needles: str) -> list[tuple[str, int]]:
    return [("0001_init.py", line_in(REVISION_TEXT, needle)) for needle in needles]


@pytest.mark.parametrize(
    ("needle", "declaration"),
    [
        ('"author",', "class Author(Base):"),  # op.create_table("t") -> the class mapped to t
        ('"author_id", sa.I', "    author_id: Mapped"),  # a created column -> the model's column
        ('"author.id"', '    __tablename__ = "author"\n    id'),  # ForeignKey("t.c")
        ('["author_id"]', "    author_id: Mapped"),  # create_index's columns
        ('"post") as', "class Post(Base):"),  # batch_alter_table("t")
        ('"author_id", nullable', "    author_id: Mapped"),  # batch_op.alter_column("c")
        ('"post")\n', "class Post(Base):"),  # downgrade's drop_table
    ],
)
def test_go_to_definition_from_a_revision(migrated: Session, needle: str, declaration: str) -> None:
    uri = uri_for(migrated.root / REVISION)
    if needle.endswith("\n"):
        needle = needle.rstrip("\n")
        line = [n for n, text in enumerate(REVISION_TEXT.splitlines()) if text.endswith(needle)][0]
        at = (line, REVISION_TEXT.splitlines()[line].index(needle) + 2)
    else:
        at = position_of(REVISION_TEXT, needle, offset=2)
    found = definition(migrated, uri, *at)
    first, _, after = declaration.partition("\n")
    expected = line_in(POSTS, first) + (1 if after else 0)
    assert targets(found) == [("posts.py", expected)]


def test_references_of_a_class_across_the_models(migrated: Session) -> None:
    uri = uri_for(migrated.root / "posts.py")
    found = references(migrated, uri, *position_of(POSTS, "class Author", offset=7))
    assert targets(found) == [
        ("posts.py", line_in(POSTS, "class Author")), ("posts.py", line_in(POSTS, '    author = relationship')),
    ]
    # From a relationship's target, without the declaration.
    found = references(migrated, uri, *position_of(POSTS, '"Post"]', offset=2), declaration=False)
    assert targets(found) == [("posts.py", line_in(POSTS, "    posts: Mapped"))]


def test_references_of_a_table_and_a_column_reach_the_revisions(migrated: Session) -> None:
    uri = uri_for(migrated.root / "posts.py")
    found = references(migrated, uri, *position_of(POSTS, '"post"', offset=2), declaration=False)
    assert sorted(targets(found)) == sorted([
        ("posts.py", line_in(POSTS, '    __tablename__ = "post"')),
        # a foreign key to it in a Table(), whose facts place its columns at the table's name
        ("models.py", line_in(MODELS, '    "post_tags",')),
        *revision_lines('        "post",', 'op.create_index("ix', 'batch_alter_table("post")', 'drop_table("post")'),
    ])
    # A column, from its attribute in the model, and the same from the revision's ForeignKey.
    from_model = references(migrated, uri, *position_of(POSTS, "    id: Mapped", offset=5))
    uri_revision = uri_for(migrated.root / REVISION)
    from_revision = references(migrated, uri_revision, *position_of(REVISION_TEXT, '"author.id"', offset=2))
    assert sorted(targets(from_model)) == sorted(targets(from_revision)) == sorted([
        ("posts.py", line_in(POSTS, '    __tablename__ = "author"') + 1),  # the declaration
        ("posts.py", line_in(POSTS, "    author_id: Mapped")),  # ForeignKey("author.id")
        # create_table("author")'s column and primary key (the first of each), the foreign key
        *revision_lines('sa.Column("id"', 'sa.PrimaryKeyConstraint("id")', '"author.id"'),
    ])


def test_no_references_on_other_text(migrated: Session) -> None:
    uri = uri_for(migrated.root / REVISION)
    assert references(migrated, uri, *position_of(REVISION_TEXT, "nullable=False", offset=1)) is None
    assert references(migrated, uri, *position_of(REVISION_TEXT, '"ix_post_author_id"', offset=2)) is None


def test_revision_names_place_literals_in_code_points() -> None:
    from ormlint.revision_names import revision_names

    source = 'op.add_column("café", sa.Column("naïve", sa.Text()))  # é\nop.drop_column("café", "naïve")\n'
    found = [(use.table, use.column, use.location.line, use.location.column) for use in revision_names(source)]
    assert found == [
        ("café", None, 1, 15), ("café", "naïve", 1, 33), ("café", None, 2, 16), ("café", "naïve", 2, 24),
    ]
    assert revision_names("op.add_column(") == []  # a text that does not parse names nothing


def test_completion_of_table_and_column_names_in_a_revision(migrated: Session) -> None:
    uri = uri_for(migrated.root / "migrations/versions/0002_typed.py")
    typed = (
        'import sqlalchemy as sa\nfrom alembic import op\n\nrevision = "0002"\ndown_revision = "0001"\n\n\n'
        "def upgrade():\n"
        '    op.add_column("po'
    )
    migrated.open_in_project(uri, typed)
    last = typed.count("\n")

    def labels(text: str) -> list[str]:
        migrated.change(uri, text)
        found = complete(migrated, uri, text.count("\n"), len(text.splitlines()[-1]))
        return [item.label for item in found.items] if found else []

    found = complete(migrated, uri, last, len(typed.splitlines()[-1]))
    assert [(item.label, item.kind) for item in found.items] == [
        ("post", lsp.CompletionItemKind.Struct), ("post_tags", lsp.CompletionItemKind.Struct),
    ]
    assert found.items[0].text_edit.range.start == lsp.Position(line=last, character=typed.splitlines()[-1].index('"po') + 1)
    # The table after an index's name (a literal, op.f(...) or None), over several lines.
    assert labels(typed[: -len('op.add_column("po')] + 'op.create_index(\n        op.f("ix_x"),\n        "') == [
        "author", "post", "post_tags",
    ]
    assert labels(typed[: -len('op.add_column("po')] + 'op.drop_index("ix_x", table_name="a') == ["author"]
    # A column of the table the first argument names.
    assert labels(typed[: -len('op.add_column("po')] + 'op.alter_column("post", "') == ["id", "author_id"]
    # Not a table or a column: an index's own name, a type's argument.
    assert labels(typed[: -len('op.add_column("po')] + 'op.create_index("') == []
    assert labels(typed[: -len('op.add_column("po')] + 'op.add_column("post", sa.Column("x", sa.Enum("') == []
    migrated.close(uri)


def test_a_model_map_builds_its_index_at_the_first_request_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The server keeps a project lint's new map before publishing its diagnostics; the index
    (70 ms on polar) is built after them, or by a request that comes first."""
    import ast
    import threading

    import libcst as cst

    from ormlint.facts import ProjectIndex
    from ormlint.model.extract import extract
    from ormlint.model_map import ModelMap
    from ormlint.project import file_facts

    files = {}
    for path, source in {"/p/models.py": MODELS, "/p/posts.py": POSTS}.items():
        files[path] = file_facts(extract(cst.parse_module(source), source, path), ast.parse(source))
    builds = []
    build = ProjectIndex.build
    monkeypatch.setattr(ProjectIndex, "build", lambda *a, **k: builds.append(1) or build(*a, **k))
    model_map = ModelMap(files)
    assert builds == []
    line, column = position_of(POSTS, '"Author"', offset=2)
    line += 1  # (the map counts lines from 1, columns as ormlint does)
    answers: list = []
    threads = [
        threading.Thread(target=lambda: answers.append(model_map.definition(
            "/p/posts.py", line, column, POSTS.splitlines()[line - 1]
        )))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert builds == [1]
    assert [[(p.path, p.location.line) for p in places] for places in answers] == (
        [[("/p/posts.py", line_in(POSTS, "class Author") + 1)]] * 4
    )
