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
from ormlint.analysis import analyse_source
from ormlint.codes import all_codes
from ormlint.discovery import discover
from ormlint.engine import run
from ormlint.fixes import fix_source, parses
from ormlint.rules import RULES
from ormlint.rules.base import python_sources, strip_markers
from ormlint.syntax import python_lines

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


FIX_EXAMPLES = [
    strip_markers(module)
    for rule in RULES.values()
    for example in rule.invalid
    for module in python_sources(example)
    if any(f.fix for f in analyse(strip_markers(module)))
]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(FIX_EXAMPLES), st.sampled_from(NOT_LINE_BREAKS), st.data())
def test_every_fix_ignores_comments_holding_odd_line_breaks(source, odd, data):
    """A comment line holding `odd` (or a lone form feed), put anywhere, changes no fix."""
    lines = python_lines(source)
    at = data.draw(st.integers(0, len(lines)))
    extra = data.draw(st.sampled_from([f"# one{odd}two\n", "\f\n"]))
    with_extra = "".join(lines[:at]) + extra + "".join(lines[at:])
    if not parses(with_extra) or extra.startswith("\f") and '"""' in source:
        return  # after a backslash continuation, or a form feed inside a docstring
    plain = fix_source(source, analyse, unsafe=True)
    odd_result = fix_source(with_extra, analyse, unsafe=True)
    assert odd_result.source.count(extra) == 1
    assert odd_result.source.replace(extra, "", 1) == plain.source
    assert len(odd_result.fixed) == len(plain.fixed) > 0


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


# -- the file stays what it was ---------------------------------------------------------------


BAD = (
    "from sqlalchemy import Column, DateTime, Integer\n"
    "class A(Base):\n"
    "    __tablename__ = 'a'\n"
    "    id = Column(Integer, primary_key=True)\n"
    "    created = Column(DateTime, server_default='now()')\n"
)
GOOD = BAD.replace("server_default='now()'", "server_default=text('now()')").replace("Integer\n", "Integer, text\n", 1)


def _project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text("[tool.ormlint]\n")
    return project


def _fix(project: Path, *extra: str):
    return CliRunner().invoke(main, ["check", "--no-cache", "--fix", *extra, str(project)])


def test_a_symlinked_file_is_fixed_through_its_target_and_stays_a_link(tmp_path):
    project = _project(tmp_path)
    target = tmp_path / "shared.py"
    target.write_text(BAD)
    (project / "m.py").symlink_to(target)
    result = _fix(project)
    assert result.exit_code == 0, result.output
    assert (project / "m.py").is_symlink() and os.readlink(project / "m.py") == str(target)
    assert target.read_text() == GOOD
    assert sorted(p.name for p in tmp_path.iterdir()) == ["project", "shared.py"]  # no temp left


def test_hard_links_are_kept(tmp_path):
    project = _project(tmp_path)
    (project / "m.py").write_text(BAD)
    os.link(project / "m.py", tmp_path / "twin.py")
    inode = (project / "m.py").stat().st_ino
    assert _fix(project).exit_code == 0
    assert (project / "m.py").stat().st_ino == inode and (project / "m.py").stat().st_nlink == 2
    assert (tmp_path / "twin.py").read_text() == GOOD


def test_a_read_only_file_is_left_alone(tmp_path):
    project = _project(tmp_path)
    (project / "m.py").write_text(BAD)
    os.chmod(project / "m.py", 0o444)
    result = _fix(project)
    assert (project / "m.py").read_text() == BAD and stat.S_IMODE((project / "m.py").stat().st_mode) == 0o444
    assert "m.py: not writable; left alone" in result.output and result.exit_code == 1


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to give a file away")
def test_root_keeps_the_owner_and_group(tmp_path):
    project = _project(tmp_path)
    (project / "m.py").write_text(BAD)
    os.chown(project / "m.py", 4321, 4322)
    assert _fix(project).exit_code == 0
    info = (project / "m.py").stat()
    assert (info.st_uid, info.st_gid) == (4321, 4322) and (project / "m.py").read_text() == GOOD


def test_an_owner_that_cannot_be_given_back_is_kept_by_writing_in_place(tmp_path, monkeypatch):
    project = _project(tmp_path)
    (project / "m.py").write_text(BAD)
    before = (project / "m.py").stat()
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        os.chown(project / "m.py", 4321, 4322)  # as for a user fixing someone else's file
    else:
        pytest.skip("needs root to give a file away")

    def not_allowed(*args, **kwargs):
        raise PermissionError(errno.EPERM, os.strerror(errno.EPERM))

    monkeypatch.setattr(os, "chown", not_allowed)
    assert _fix(project).exit_code == 0
    after = (project / "m.py").stat()
    assert (after.st_uid, after.st_gid, after.st_ino) == (4321, 4322, before.st_ino)
    assert (project / "m.py").read_text() == GOOD
    assert sorted(p.name for p in project.iterdir()) == ["m.py", "pyproject.toml"]


def test_a_write_error_is_reported_as_itself(tmp_path, monkeypatch):
    project = _project(tmp_path)
    (project / "m.py").write_text(BAD)

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "replace", full)
    result = _fix(project)
    assert os.strerror(errno.ENOSPC) in result.output and "changed on disk" not in result.output
    assert (project / "m.py").read_text() == BAD
    assert sorted(p.name for p in project.iterdir()) == ["m.py", "pyproject.toml"]


def test_a_save_made_while_the_fix_is_written_is_kept(tmp_path, monkeypatch):
    project = _project(tmp_path)
    (project / "m.py").write_text(BAD)
    real_chmod = os.chmod
    saved = BAD + "# saved by the editor meanwhile\n"

    def editor_saves(path, mode, *args, **kwargs):
        if ".ormlint" in os.fspath(path):  # the temp file is ready: the editor saves now
            (project / "m.py").write_text(saved)
        return real_chmod(path, mode, *args, **kwargs)

    monkeypatch.setattr(os, "chmod", editor_saves)
    result = _fix(project)
    assert (project / "m.py").read_text() == saved
    assert "changed on disk" in result.output


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_an_inserted_import_uses_the_file_newline(newline, tmp_path):
    project = _project(tmp_path)
    source = (
        "from sqlalchemy.orm import Mapped, mapped_column\n"
        "class A(Base):\n"
        "    __tablename__ = 'a'\n"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        "    created: Mapped[str] = mapped_column(server_default='now()')\n"
    ).replace("\n", newline)
    (project / "m.py").write_bytes(source.encode())
    assert _fix(project).exit_code == 0
    after = (project / "m.py").read_bytes().decode()
    assert after.startswith(f"from sqlalchemy import text{newline}from sqlalchemy.orm import")
    assert after.replace(newline, "").count("\n") == after.replace(newline, "").count("\r") == 0


def test_a_fix_as_data_inserts_the_file_newline():
    """JSON output and editors' quick fixes carry the edits as they are to be written."""
    source = (
        "from sqlalchemy.orm import mapped_column\r\n"
        "class A(Base):\r\n"
        "    created = mapped_column(server_default='now()')\r\n"
    )
    (finding,) = analyse(source)
    contents = [edit["content"] for edit in finding.fix["edits"]]
    assert "from sqlalchemy import text\r\nfrom sqlalchemy.orm import mapped_column" in contents


def test_temp_files_are_recognisable_ignored_and_cleaned(tmp_path, monkeypatch):
    project = _project(tmp_path)
    (project / "m.py").write_text(BAD)
    stale = project / ".m.py.k1ll3d.ormlint-tmp"  # left by a run killed while writing
    stale.write_text(GOOD + "# half")
    settings = load_settings([project])
    assert [p.name for p, _ in discover([project], settings)] == ["m.py"]
    renamed = []
    real_replace = os.replace

    def spy(source, destination, *args, **kwargs):
        renamed.append(Path(source).name)
        return real_replace(source, destination, *args, **kwargs)

    monkeypatch.setattr(os, "replace", spy)
    assert _fix(project).exit_code == 0
    ((temp_name),) = renamed
    assert temp_name.startswith(".m.py.") and temp_name.endswith(".ormlint-tmp")
    assert sorted(p.name for p in project.iterdir()) == ["m.py", "pyproject.toml"]


# -- Alembic revisions are history ----------------------------------------------------------------


REVISION = '''"""init"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade():
    op.create_table(
        "event",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("created", sa.DateTime(), server_default="now()"),
    )
'''
MODELS = '''import sqlalchemy as sa


class Event(Base):
    __tablename__ = "event"
    id = sa.Column(sa.Integer(), primary_key=True)
    created = sa.Column(sa.DateTime(), server_default=sa.text("now()"))
'''


def test_fixes_never_rewrite_an_alembic_revision(tmp_path, monkeypatch):
    project = _project(tmp_path)
    monkeypatch.chdir(project)
    (project / "alembic.ini").write_text("[alembic]\nscript_location = alembic\n")
    (project / "alembic" / "versions").mkdir(parents=True)
    (project / "alembic" / "env.py").write_text("from alembic import context\n")
    revision = project / "alembic" / "versions" / "0001_init.py"
    revision.write_text(REVISION)
    (project / "models.py").write_text(MODELS)
    runner = CliRunner()
    diff = runner.invoke(main, ["check", "--no-cache", "--diff", "."])
    assert diff.output.count("@@") == 0 and diff.exit_code == 0, diff.output
    runner.invoke(main, ["check", "--no-cache", "--fix", "--unsafe-fixes", "."])
    assert revision.read_text() == REVISION
    listed = runner.invoke(main, ["check", "--no-cache", "."])
    assert "0001_init.py:13:" in listed.output and "ORM301 [*]" not in listed.output
    assert "write a new revision" in listed.output
    (finding,) = analyse(REVISION)
    assert finding.fix is None


# -- standard input ---------------------------------------------------------------------------


def test_stdin_fix_reports_what_it_left_and_exits_1(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.ormlint]\n")
    unsafe_only = "    age: Mapped[int] = mapped_column(nullable=True)\n"  # ORM202: no safe fix
    left = BAD.replace("Integer\n", "Integer\nfrom sqlalchemy.orm import Mapped, mapped_column\n", 1) + unsafe_only
    result = CliRunner().invoke(main, ["check", "--fix", "--stdin-filename", "app/m.py", "-"], input=left)
    assert result.exit_code == 1
    assert result.stdout == left.replace("Integer\n", "Integer, text\n", 1).replace("'now()')", "text('now()'))")
    assert "app/m.py:7:10: ORM202 " in result.stderr and "ORM301" not in result.stderr
    exit_zero = CliRunner().invoke(main, ["check", "--fix", "--exit-zero", "-"], input=left)
    assert exit_zero.exit_code == 0 and "-:7:10: ORM202 " in exit_zero.stderr


def test_stdin_fix_exits_0_when_nothing_is_left(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.ormlint]\n")
    result = CliRunner().invoke(
        main, ["check", "--fix", "--stdin-filename", "m.py", "-"], input=BAD
    )
    assert result.exit_code == 0 and result.stdout == GOOD and "ORM" not in result.stderr


def test_a_failed_write_in_place_does_not_claim_the_file_was_left_alone(tmp_path, monkeypatch):
    project = _project(tmp_path)
    (project / "m.py").write_text(BAD)
    os.link(project / "m.py", tmp_path / "twin.py")  # hard links: written in place

    def broken_disk(*args, **kwargs):
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(os, "fsync", broken_disk)
    result = _fix(project)
    assert f"writing in place failed ({os.strerror(errno.EIO)}); the file may be partly written" in result.output
    assert "left alone" not in result.output
