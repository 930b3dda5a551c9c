"""Files in syntax newer than this Python (ormlint/syntax.py): the `ast` tree of a same-shape
rewrite places things where they are in the original, and the findings are those of a whole
libcst parse without it."""

from __future__ import annotations

import ast
import sys
import textwrap

import pytest

import ormlint.analysis as analysis
import ormlint.syntax as syntax
from ormlint.codes import all_codes
from ormlint.syntax import newer_syntax_tree

CODES = frozenset(all_codes())

MODELS = textwrap.dedent(
    """\
    from typing import Optional
    from sqlalchemy import ForeignKey
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

    type Payload = dict[str, int]


    class Base(DeclarativeBase):
        pass


    class Page[T](Base):
        __tablename__ = "page"
        id: Mapped[int] = mapped_column(primary_key=True)
        title: Mapped[str] = mapped_column(nullable=True)
        parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("page.id"))
        parent = relationship("Page", remote_side=[id])
        created = mapped_column(server_default="now()")

        def first[K](self, items: list[K]) -> K:
            try:
                return items[0]
            except IndexError, KeyError:
                raise
    """
)


def _needs_rewrite(source: str) -> None:
    try:
        ast.parse(source)
    except SyntaxError:
        return
    pytest.skip(f"Python {sys.version_info[:2]} reads this syntax itself")


def test_the_rewrite_keeps_lines_and_the_columns_of_what_ormlint_reads():
    _needs_rewrite(MODELS)
    tree = newer_syntax_tree(MODELS)
    assert tree is not None
    alias, page = tree.body[3], tree.body[5]
    assert isinstance(alias, ast.Assign) and (alias.lineno, alias.targets[1].col_offset) == (5, 5)
    assert isinstance(page, ast.ClassDef) and (page.lineno, page.col_offset) == (12, 0)
    assert [b.col_offset for b in page.bases] == [len("class Page[T](")]
    lines = MODELS.splitlines()
    except_header = next(n for n, line in enumerate(lines, 1) if "except IndexError" in line)
    for node in ast.walk(page):
        if isinstance(node, ast.Name) and node.lineno != except_header:
            assert lines[node.lineno - 1][node.col_offset:].startswith(node.id)


def test_findings_are_those_of_the_whole_parse(monkeypatch):
    _needs_rewrite(MODELS)
    with_tree = analysis.analyse_file(MODELS, "m.py", CODES)
    monkeypatch.setattr(analysis, "newer_syntax_tree", lambda source: None)
    whole = analysis.analyse_file(MODELS, "m.py", CODES)
    assert sorted(f.code for f in with_tree.findings) == ["ORM202", "ORM301"]
    assert [(f, f.fix) for f in with_tree.findings] == [(f, f.fix) for f in whole.findings]
    # ...and now the facts know where the class is.
    (base, page) = with_tree.facts.classes
    assert (page.location.line, page.location.column) == (12, 1)
    assert whole.facts.classes[1].location.line == 1


@pytest.mark.parametrize(
    "source",
    [
        "def f[\n    T,\n](x): pass\n",  # a parameter list over several lines
        'x = f"{d["key"]}"\ntype X = int\n',  # PEP 701 quotes: not even tokenized before 3.12
        "x = (\n",  # a real error
        "type = 3\nclass A(: pass\n",  # `type` the name, and a real error
    ],
)
def test_no_rewrite_is_no_tree(source):
    _needs_rewrite(source)
    assert newer_syntax_tree(source) is None


def test_a_file_without_a_rewrite_is_still_analysed_whole():
    source = MODELS.replace("class Page[T](Base):", "class Page[\n    T,\n](Base):")
    _needs_rewrite(source)
    findings = analysis.analyse_source(source, "m.py", CODES)
    assert sorted(f.code for f in findings) == ["ORM202", "ORM301"]


def test_lines_it_cannot_rewrite_do_not_stop_the_others():
    source = textwrap.dedent(
        """\
        class A[T]:
            def f(self):
                try:
                    pass
                except (
                    KeyError,
                    IndexError,
                ):
                    pass
        """
    )
    _needs_rewrite(source)
    tree = newer_syntax_tree(source)
    assert tree is not None and isinstance(tree.body[0], ast.ClassDef)


PEP701_MODELS = '''\
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Page(Base):
    __tablename__ = "page"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(nullable=True)

    def label(self, d):
        return f"{d["title"]}: {self.title}"  # quotes reused inside {...} (Python 3.12)

    def long(self, d):
        return f"""
            {d["a"]} {f"{d['b']}"}
        """
'''


def test_pep701_f_strings_keep_their_positions():
    # Python 3.11's ast rejects this file; libcst reads it whole. The facts and findings still
    # point at the class and the column (they were at line 1 before).
    result = analysis.analyse_file(PEP701_MODELS, "m.py", CODES)
    (page,) = [c for c in result.facts.classes if c.name == "Page"]
    assert page.location.line == 8
    assert [c.location.line for c in page.columns] == [10, 11]
    assert [(f.code, f.line) for f in result.findings] == [("ORM202", 11)]


def test_the_f_string_free_tree_keeps_lines_and_columns():
    import libcst as cst

    tree = syntax.tree_without_fstrings(cst.parse_module(PEP701_MODELS), PEP701_MODELS)
    assert tree is not None
    (page,) = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Page"]
    label = page.body[3]
    written = '        return f"{d["title"]}: {self.title}"'
    assert (label.lineno, label.body[0].value.col_offset, label.body[0].value.end_col_offset) == (
        13, len("        return "), len(written)
    )
    assert page.body[4].body[0].value.end_lineno == 19
