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
