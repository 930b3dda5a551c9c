"""The language server's statement-by-statement parse (ormlint/statements.py) gives what the whole
parse gives: the same findings, fixes and facts, on first sight and after edits."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

import ormlint.analysis as analysis
import ormlint.statements as statements_module
from ormlint.codes import all_codes
from ormlint.rules import RULES
from ormlint.sources import decode
from ormlint.rules.base import python_sources
from ormlint.statements import StatementCache

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
CODES = frozenset(all_codes())
SOURCES = [(str(p), decode(p.read_bytes())) for p in sorted(FIXTURES.rglob("*.py"))] + [
    (f"{code}-{kind}-{i}.py", module)
    for code, rule in RULES.items()
    for kind, sources in (("invalid", rule.invalid), ("valid", rule.valid))
    for i, source in enumerate(sources)
    for module in python_sources(textwrap.dedent(source))
]


def _result(source: str, path: str, cache: StatementCache | None) -> tuple:
    result = analysis.analyse_file(source, path, CODES, statements=cache)
    return [(f, f.fix) for f in result.findings], result.facts


@pytest.mark.parametrize(("path", "source"), SOURCES, ids=[p for p, _ in SOURCES])
def test_the_same_as_the_whole_parse(path, source):
    assert _result(source, path, StatementCache()) == _result(source, path, None)


def test_most_inputs_are_assembled_not_parsed_whole():
    assembled = 0
    for _, source in SOURCES:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        assembled += StatementCache().parse(source, tree) is not None
    assert assembled >= 0.9 * len(SOURCES)


MODELS = '''\
# A comment before everything.
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship; import os


class Base(DeclarativeBase):
    pass


# Between classes, at column 0.
@decorate(
    "x",
)
class User(Base):
    __tablename__ = "user"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(20), nullable=True)
    # A trailing comment inside the class.


class Post(Base):
    __tablename__ = "post"
    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    parent = relationship("Post", remote_side=[id])
    created = mapped_column(server_default="now()")

    def label(self):
        return self.id
# The end.
'''


def test_an_edit_reparses_only_the_statement_it_changed(monkeypatch):
    cache = StatementCache()
    parsed = []
    real = statements_module.parse_module
    monkeypatch.setattr(statements_module, "parse_module", lambda text: parsed.append(text) or real(text))
    assert _result(MODELS, "m.py", cache) == _result(MODELS, "m.py", None)
    first = len(parsed)
    edited = MODELS.replace("nullable=True)", "nullable=True)\n    email: Mapped[str] = mapped_column(nullable=True)")
    assert _result(edited, "m.py", cache) == _result(edited, "m.py", None)
    assert len(parsed) == first + 1 and "email" in parsed[-1]  # the User class alone
    moved = "\n\n" + edited  # every line moves: the pieces before the edit are the same text
    assert _result(moved, "m.py", cache) == _result(moved, "m.py", None)


@pytest.mark.parametrize(
    "source",
    [
        MODELS.replace("\n", "\r\n"),
        MODELS.replace("    ", "\t"),
        # Two indentations: libcst reads each block against the module's default; pieces that
        # disagree are parsed as one text.
        MODELS.replace("    def label(self):\n        return self.id", "    def label(self):\n      return self.id"),
        MODELS.replace("class Base(DeclarativeBase):\n    pass", "class Base(DeclarativeBase):\n  pass"),
        MODELS.rstrip("\n"),
    ],
    ids=["crlf", "tabs", "mixed-nested", "mixed-classes", "no-final-newline"],
)
def test_line_endings_and_indentation(source):
    assert _result(source, "m.py", StatementCache()) == _result(source, "m.py", None)


def test_pieces_with_other_default_indentation_fall_back_to_the_whole_parse():
    source = MODELS.replace("class Base(DeclarativeBase):\n    pass", "class Base(DeclarativeBase):\n  pass")
    assert StatementCache().parse(source, ast.parse(source)) is None
    assert StatementCache().parse(MODELS, ast.parse(MODELS)) is not None


def test_a_statement_written_twice_gets_a_finding_at_each_place():
    twice = """\
from sqlalchemy import Column, DateTime, MetaData, Table

metadata = MetaData()

events = Table("events", metadata, Column("at", DateTime, server_default="now()"))

events = Table("events", metadata, Column("at", DateTime, server_default="now()"))
"""
    with_cache = _result(twice, "m.py", StatementCache())
    assert [f.line for f, _ in with_cache[0] if f.code == "ORM301"] == [5, 7]
    assert with_cache == _result(twice, "m.py", None)


def test_the_cache_is_bounded_by_the_size_of_its_text():
    cache = StatementCache(capacity=300)
    cache.parse(MODELS, ast.parse(MODELS))
    kept = [len(text) for text in cache._pieces]
    assert sum(kept) <= 300 or len(kept) == 1  # the latest statement stays, however long
    assert len(kept) < len(ast.parse(MODELS).body)


@pytest.mark.parametrize("seed", range(4))
def test_random_line_edits_give_what_the_whole_parse_gives(seed):
    """A user typing: lines duplicated, deleted, blanked or commented, some edits kept, in every
    fixture; broken texts included."""
    import random

    rng = random.Random(seed)
    cache = StatementCache()
    for path, text in SOURCES[:40]:
        for _ in range(6):
            lines = text.splitlines(keepends=True)
            if not lines:
                break
            at = rng.randrange(len(lines))
            operation = rng.choice(["duplicate", "delete", "blank", "comment"])
            if operation == "duplicate":
                lines.insert(at, lines[at])
            elif operation == "delete":
                del lines[at]
            else:
                lines.insert(at, "\n" if operation == "blank" else "# note\n")
            edited = "".join(lines)
            if rng.random() < 0.5:
                text = edited
            assert _result(edited, path, cache) == _result(edited, path, None), (path, operation, at)
