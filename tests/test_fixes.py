"""Fixes: before/after, idempotence, the oracle on the fixed code, preservation, safety."""

from __future__ import annotations

import difflib
import json
import os
import stat
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ormlint.cli import main
from ormlint.analysis import analyse_source
from ormlint.codes import all_codes
from ormlint.findings import Finding
from ormlint.fixes import apply_edits, fix_source, parses, write_atomically
from ormlint.rules import RULES
from ormlint.rules.base import python_sources, strip_markers
from tests.oracle.harness import load

CODES = frozenset(all_codes())
FIXABLE = ["ORM301", "ORM302", "ORM501"]


def analyse(text: str) -> list[Finding]:
    return analyse_source(text, "m.py", CODES)


def fixed(source: str, unsafe: bool = False) -> str:
    result = fix_source(source, analyse, unsafe)
    assert result.error is None
    return result.source


@pytest.mark.parametrize("code", FIXABLE)
def test_fix_removes_the_finding_and_is_idempotent(code):
    for source in RULES[code].invalid:
        source = strip_markers(source)
        once = fixed(source)
        assert [f for f in analyse(once) if f.code == code] == []
        assert fixed(once) == once


def test_orm301_fixed_example_emits_sql_default():
    once = fixed(strip_markers(RULES["ORM301"].invalid[0]))
    assert 'server_default=text("now()")' in once and "from sqlalchemy import text\n" in once
    with load(once) as example:
        ddl = example.postgresql_ddl()
        assert "DEFAULT now()" in ddl and "'now()'" not in ddl


def test_orm302_fixed_example_gives_each_row_its_own_value():
    once = fixed(strip_markers(RULES["ORM302"].invalid[0]))
    assert "default=datetime.now)" in once
    with load(once) as example:
        with example.sqlite_session() as session:
            (model,) = [m.class_ for m in example.registries[0].mappers]
            session.add(model())
            session.commit()
            import time

            time.sleep(0.01)
            session.add(model())
            session.commit()
            values = [getattr(row, "created_at") for row in session.query(model).all()]
            assert len(set(values)) == 2


def test_orm501_fixed_example_imports():
    for source in RULES["ORM501"].invalid:
        with load(fixed(strip_markers(source))) as example:
            example.configure()


def test_fix_keeps_comments_and_formatting_elsewhere():
    source = textwrap.dedent('''\
        """Models."""  # header comment
        import sqlalchemy as sa
        from datetime import datetime


        class Event(Base):   # odd spacing kept
            __tablename__ = "event"
            # a comment line
            id = sa.Column( sa.Integer,primary_key = True )
            created = sa.Column(sa.DateTime,
                                server_default = "now()",    # trailing comment
                                )
            seen = sa.Column(sa.DateTime, default=datetime.utcnow())  # why not
    ''')
    once = fixed(source)
    changed = [
        line for line in difflib.ndiff(source.splitlines(), once.splitlines())
        if line.startswith(("- ", "+ "))
    ]
    default_line = next(line for line in source.splitlines() if '"now()"' in line)
    seen_line = next(line for line in source.splitlines() if "utcnow()" in line)
    assert changed == [
        "- " + default_line,
        "+ " + default_line.replace('"now()"', 'sa.text("now()")'),
        "- " + seen_line,
        "+ " + seen_line.replace("utcnow()", "utcnow"),
    ]


def test_two_fixes_needing_the_same_import_are_applied_over_rounds():
    source = (
        "from sqlalchemy import Column, DateTime\n"
        "class A(Base):\n"
        "    __tablename__ = 'a'\n"
        "    a = Column(DateTime, server_default='now()')\n"
        "    b = Column(DateTime, server_default='CURRENT_TIMESTAMP')\n"
    )
    once = fixed(source)
    assert once.splitlines()[0] == "from sqlalchemy import Column, DateTime, text"
    assert "server_default=text('now()')" in once and "server_default=text('CURRENT_TIMESTAMP')" in once


def test_no_fix_without_a_clean_way_to_name_text():
    (finding,) = analyse(
        "from app.columns import Column\nfrom sqlalchemy.orm import mapped_column\n"
        "text = 'shadowed'\nclass A(Base):\n    a = mapped_column(server_default='now()')\n"
    )
    assert finding.code == "ORM301" and finding.fix is None


def test_overlapping_edits_wait_for_the_next_round():
    def finding(line, col, end_col, content):
        edit = {"line": line, "column": col, "end_line": line, "end_column": end_col, "content": content}
        return Finding("m.py", line, col, "ORM301", "m", line, end_col,
                       fix={"applicability": "safe", "message": "", "edits": [edit]})

    text, applied = apply_edits("abcdef\n", [finding(1, 2, 4, "X"), finding(1, 3, 5, "Y"), finding(1, 5, 6, "Z")])
    assert text == "aXdZf\n" and len(applied) == 2


def test_a_fix_that_would_not_parse_is_not_applied():
    def broken(text):
        edit = {"line": 1, "column": 1, "end_line": 1, "end_column": 2, "content": "("}
        return [Finding("m.py", 1, 1, "ORM301", "m", 1, 2, fix={"applicability": "safe", "message": "", "edits": [edit]})]

    result = fix_source("x = 1\n", broken)
    assert result.source == "x = 1\n" and result.fixed == []
    assert "would not parse" in result.error


def test_unsafe_fixes_need_the_flag():
    def unsafe(text):
        if "y" in text:
            return []
        edit = {"line": 1, "column": 1, "end_line": 1, "end_column": 2, "content": "y"}
        return [Finding("m.py", 1, 1, "ORM202", "m", 1, 2, fix={"applicability": "unsafe", "message": "", "edits": [edit]})]

    assert fix_source("x = 1\n", unsafe).source == "x = 1\n"
    assert fix_source("x = 1\n", unsafe, unsafe=True).source == "y = 1\n"


def test_atomic_write_keeps_permissions_and_respects_concurrent_changes(tmp_path):
    target = tmp_path / "m.py"
    target.write_text("old\n")
    os.chmod(target, 0o640)
    original = target.read_bytes()
    assert write_atomically(target, "new\n", original, "utf-8") is None  # written
    assert target.read_text() == "new\n" and stat.S_IMODE(target.stat().st_mode) == 0o640
    assert "changed on disk" in write_atomically(target, "newer\n", original, "utf-8")
    assert target.read_text() == "new\n"
    assert [p.name for p in tmp_path.iterdir()] == ["m.py"]


# -- the CLI ---------------------------------------------------------------------------------


BAD = (
    "import datetime\n"
    "from sqlalchemy import Column, DateTime, Integer\n"
    "class A(Base):\n"
    "    __tablename__ = 'a'\n"
    "    id = Column(Integer, primary_key=True)\n"
    "    created = Column(DateTime, server_default='now()')\n"
    "    seen = Column(DateTime, default=datetime.datetime.utcnow())\n"
    "    __table_args__ = [Index('ix', 'created')]\n"
)


def test_cli_diff_fix_and_json(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m.py").write_text(BAD)
    runner = CliRunner()
    listed = runner.invoke(main, ["check", "m.py", "--no-cache"])
    assert "ORM301 [*]" in listed.output and "[*] 3 fixable with the `--fix` option." in listed.output
    data = json.loads(runner.invoke(main, ["check", "m.py", "--no-cache", "--format", "json"]).output)
    fix = next(d["fix"] for d in data if d["code"] == "ORM301")
    assert fix["applicability"] == "safe" and set(fix["edits"][0]) == {"line", "column", "end_line", "end_column", "content"}
    diff = runner.invoke(main, ["check", "m.py", "--no-cache", "--diff"])
    assert diff.exit_code == 1 and "+    created = Column(DateTime, server_default=text('now()'))" in diff.output
    assert (tmp_path / "m.py").read_text() == BAD  # --diff changes nothing
    result = runner.invoke(main, ["check", "m.py", "--no-cache", "--fix"])
    assert result.exit_code == 0, result.output
    after = (tmp_path / "m.py").read_text()
    assert "default=datetime.datetime.utcnow)" in after and "__table_args__ = (Index('ix', 'created'),)" in after
    assert runner.invoke(main, ["check", "m.py", "--no-cache", "--diff"]).exit_code == 0


def test_cli_fix_stdin_prints_the_fixed_source(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["check", "--fix", "--stdin-filename", "m.py", "-"], input=BAD)
    assert result.exit_code == 0
    assert "server_default=text('now()')" in result.output and result.output.startswith("import datetime\n")


# -- property: fixing never breaks code nor touches lines without findings -----------------


ROOT = Path(__file__).parent.parent
CORPUS = [p.read_text() for p in sorted((ROOT / "fixtures").rglob("*.py"))] + [
    strip_markers(m) for r in RULES.values() for s in r.invalid for m in python_sources(s)
]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(CORPUS), st.data())
def test_fixing_keeps_code_parseable_and_local(source, data):
    lines = source.splitlines()
    # drop a few random lines to vary the input while keeping it mostly valid
    for _ in range(data.draw(st.integers(0, 2))):
        if len(lines) > 3:
            del lines[data.draw(st.integers(0, len(lines) - 1))]
    source = "\n".join(lines) + "\n"
    before = analyse(source)
    result = fix_source(source, analyse, unsafe=True)
    assert parses(result.source) or not parses(source)
    if result.source == source:
        return
    touched = {
        line
        for f in before if f.fix
        for e in f.fix["edits"]
        for line in range(e["line"], e["end_line"] + 1)
    }
    matcher = difflib.SequenceMatcher(a=source.splitlines(), b=result.source.splitlines(), autojunk=False)
    for tag, i1, i2, _, _ in matcher.get_opcodes():
        if tag in ("replace", "delete"):
            assert set(range(i1 + 1, i2 + 1)) <= touched, (tag, i1, i2)


def test_orm101_fix_names_the_primary_key_and_the_model_configures():
    safe_example, guessed_example = strip_markers(RULES["ORM101"].invalid[1]), strip_markers(RULES["ORM101"].invalid[0])
    once = fixed(safe_example)
    assert 'remote_side="Category.category_id"' in once and fixed(once) == once
    with load(once) as example:
        example.configure()
    # the key comes from a mixin: the guess "Node.id" is an unsafe fix
    assert fixed(guessed_example) == guessed_example
    unsafe_once = fixed(guessed_example, unsafe=True)
    assert 'remote_side="Node.id"' in unsafe_once and [f for f in analyse(unsafe_once) if f.code == "ORM101"] == []
    with load(unsafe_once) as example:
        example.configure()


def test_orm101_no_fix_inside_larger_expressions():
    (finding,) = analyse(
        "from sqlalchemy import desc\nfrom sqlalchemy.orm import relationship\n"
        "class Node(Base):\n    kids = relationship('Node', order_by=desc(id))\n"
    )
    assert finding.code == "ORM101" and finding.fix is None


@pytest.mark.parametrize(
    ("code", "before", "after"),
    [
        ("ORM201", "nickname: Mapped[Optional[str]] = mapped_column(nullable=False)",
         "nickname: Mapped[str] = mapped_column(nullable=False)"),
        ("ORM202", "age: Mapped[int] = mapped_column(nullable=True)",
         "age: Mapped[int | None] = mapped_column(nullable=True)"),
        ("ORM204", "metadata: Mapped[dict] = mapped_column(JSON, default=dict)",
         'metadata_: Mapped[dict] = mapped_column("metadata", JSON, default=dict)'),
    ],
)
def test_unsafe_column_fixes(code, before, after):
    source = strip_markers(RULES[code].invalid[0])
    assert before in source
    assert fixed(source) == source  # unsafe: not applied by --fix alone
    once = fixed(source, unsafe=True)
    assert after in once and fixed(once, unsafe=True) == once
    assert [f for f in analyse(once) if f.code == code] == []
    with load(once) as example:  # the fixed model configures and creates its table
        example.configure()
        example.sqlite_session()


def test_orm202_fix_uses_optional_when_imported():
    source = "from typing import Optional\nfrom sqlalchemy.orm import Mapped, mapped_column\nclass A(Base):\n    __tablename__ = 'a'\n    x: Mapped[int] = mapped_column(nullable=True)\n"
    assert "x: Mapped[Optional[int]] = mapped_column(nullable=True)" in fixed(source, unsafe=True)


def test_redundant_index_flag_removed_keeping_the_rest():
    source = strip_markers(RULES["ORM401"].invalid[0])
    once = fixed(source, unsafe=True)
    assert "email: Mapped[str] = mapped_column()" in once
    with load(once) as example:
        assert example.postgresql_ddl().count("ON users (email)") == 1
    pk = "from sqlalchemy import Column, Integer\nclass A(Base):\n    __tablename__ = 'a'\n    id = Column(Integer, primary_key=True, index=True,)\n"
    assert "id = Column(Integer, primary_key=True,)" in fixed(pk, unsafe=True)
