"""`--fix` edits exactly what it was made for, keeps the file what it was (link, inode, owner,
mode, newlines), never rewrites an Alembic revision, and says what it left undone."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ormlint.cli import main
from ormlint.config import load_settings
from ormlint.engine import all_codes, analyse_source, discover, run
from ormlint.fixes import fix_paths, fix_source

CODES = frozenset(all_codes())
# Line breaks for str.splitlines, not for Python: inside comments and strings they are text.
NOT_LINE_BREAKS = ["\f", "\v", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]
NEWLINES = ["\n", "\r\n", "\r"]


def analyse(text: str):
    return analyse_source(text, "m.py", CODES)


def model_file(odd: dict[str, str], newline: str = "\n", text_imported: bool = True, noqa_at: str = "") -> str:
    """A model file with one ORM301 finding (`created`) among look-alike columns, each `odd`
    slot holding one character str.splitlines breaks at (a form feed may also stand alone
    between statements)."""
    noqa = "  # noqa: ORM301"
    lines = [
        f"# models{odd.get('header', '')}",
        "from sqlalchemy import Column, DateTime, Integer, String" + (", text" if text_imported else ""),
        odd.get("between", ""),
        "class Event(Base):",
        f'    """Events{odd.get("docstring", "")}."""',
        '    __tablename__ = "event"',
        f"    id = Column(Integer, primary_key=True)  # key{odd.get('comment', '')}",
        f'    status = Column(String, server_default="draft", info={{"note": "a{odd.get("string", "")}b"}})',
        '    created = Column(DateTime, server_default="now()")' + (noqa if noqa_at == "created" else ""),
        '    stamp = Column(String, server_default="now")' + (noqa if noqa_at == "after" else ""),
    ]
    return newline.join(lines) + newline


ODD = st.dictionaries(
    st.sampled_from(["header", "docstring", "comment", "string"]), st.sampled_from(NOT_LINE_BREAKS)
).flatmap(
    lambda odd: st.sampled_from(["", "\f"]).map(lambda ff: {**odd, "between": ff} if ff else odd)
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ODD, st.sampled_from(NEWLINES), st.booleans())
def test_a_fix_edits_exactly_its_node_whatever_the_line_breaks(odd, newline, text_imported):
    source = model_file(odd, newline, text_imported)
    (finding,) = analyse(source)
    assert finding.code == "ORM301" and source.split(newline)[finding.line - 1].endswith('"now()")')
    expected = source.replace('server_default="now()"', 'server_default=text("now()")')
    if not text_imported:
        expected = expected.replace("Integer, String", "Integer, String, text", 1)
    result = fix_source(source, analyse)
    assert result.error is None and result.source == expected


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ODD, st.sampled_from(NEWLINES))
def test_noqa_suppresses_on_its_line_only_whatever_the_line_breaks(odd, newline):
    assert [f.code for f in analyse(model_file(odd, newline, noqa_at="created"))] == []
    assert [f.code for f in analyse(model_file(odd, newline, noqa_at="after"))] == ["ORM301"]


ONE_WAY = (
    "from typing import Optional\n"
    "from sqlalchemy import ForeignKey\n"
    "from sqlalchemy.orm import Mapped, mapped_column, relationship\n"
    "# parent{odd}side\n"
    "class Parent(Base):\n"
    "    __tablename__ = 'parent'\n"
    "    id: Mapped[int] = mapped_column(primary_key=True)\n"
    "    children: Mapped[list['Child']] = relationship(back_populates='parent'){noqa}\n"
    "class Child(Base):\n"
    "    __tablename__ = 'child'\n"
    "    id: Mapped[int] = mapped_column(primary_key=True)\n"
    "    parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey('parent.id'))\n"
    "    parent: Mapped[Optional[Parent]] = relationship()\n"
)


@pytest.mark.parametrize("odd", NOT_LINE_BREAKS)
def test_noqa_of_project_rules_is_read_on_python_lines(odd, tmp_path):
    bare = ONE_WAY.format(odd=odd, noqa="")
    assert [(f.code, f.line) for f in analyse(bare)] == [("ORM103", 8)]
    suppressed = ONE_WAY.format(odd=odd, noqa="  # noqa: ORM103")
    assert analyse(suppressed) == []  # the project rules of one text (stdin, editors)
    (tmp_path / "pyproject.toml").write_text("[tool.ormlint]\n")
    (tmp_path / "models.py").write_bytes(suppressed.encode())  # read back from disk by the run
    assert run([tmp_path], load_settings([tmp_path]), jobs=1).findings == []


@pytest.mark.parametrize("odd", NOT_LINE_BREAKS)
def test_noqa_of_an_unparsable_file_is_read_on_python_lines(odd):
    source = f"import sqlalchemy\n# {odd}\nclass A(:  # noqa: ORM999\n"
    assert analyse(source) == []
    assert [f.code for f in analyse(source.replace("  # noqa: ORM999", ""))] == ["ORM999"]


@pytest.mark.parametrize("odd", NOT_LINE_BREAKS)
def test_fix_and_diff_on_disk_touch_only_the_finding(odd, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.ormlint]\n")
    source = model_file({"comment": odd, "string": odd})
    (tmp_path / "m.py").write_bytes(source.encode())
    diff = CliRunner().invoke(main, ["check", "m.py", "--no-cache", "--diff"])
    removed = [line for line in diff.output.splitlines() if line.startswith("-") and not line.startswith("---")]
    assert removed == ['-    created = Column(DateTime, server_default="now()")']
    CliRunner().invoke(main, ["check", "m.py", "--no-cache", "--fix"])
    expected = source.replace('server_default="now()"', 'server_default=text("now()")')
    assert (tmp_path / "m.py").read_bytes() == expected.encode()


