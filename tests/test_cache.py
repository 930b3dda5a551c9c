"""The result cache: a warm run over unchanged files parses nothing, and changes are seen."""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

import libcst
import pytest
from click.testing import CliRunner

import ormlint.cache as cache_module
import ormlint.engine as engine
from ormlint.cli import main
from ormlint.config import Settings

BAD = "from sqlalchemy import Column, DateTime\nclass A(Base):\n    a = Column(DateTime, server_default='now()')\n"
CLEAN = "from sqlalchemy import Column, Integer\nclass B(Base):\n    id = Column(Integer, primary_key=True)\n"


@pytest.fixture
def parses(monkeypatch):
    calls: list[int] = []
    real = libcst.parse_module

    def counting(source, *args, **kwargs):
        calls.append(1)
        return real(source, *args, **kwargs)

    monkeypatch.setattr(libcst, "parse_module", counting)
    return calls


@pytest.fixture
def tree(tmp_path):
    (tmp_path / "a.py").write_text(BAD)
    (tmp_path / "b.py").write_text(CLEAN)
    return tmp_path


def check(tree: Path, **settings):
    return engine.run([tree], Settings(root=tree, **settings), jobs=1, cache_dir=tree / ".ormlint_cache")


def test_warm_run_parses_nothing_and_gives_the_same_findings(tree, parses):
    cold = check(tree)
    assert len(parses) == 2 and [f.code for f in cold.findings] == ["ORM301"]
    parses.clear()
    warm = check(tree)
    assert parses == []
    assert warm.findings == cold.findings and warm.files_checked == 2
    assert (tree / ".ormlint_cache" / ".gitignore").read_text().strip().endswith("*")


def test_a_changed_file_is_analysed_again(tree, parses):
    check(tree)
    parses.clear()
    (tree / "b.py").write_text(BAD)
    result = check(tree)
    assert len(parses) == 1
    assert [f.path for f in result.findings] == [str(tree / "a.py"), str(tree / "b.py")]


def test_other_rules_do_not_reuse_results(tree, parses):
    check(tree)
    parses.clear()
    assert check(tree, select=("ORM1",)).findings == []
    assert len(parses) == 2


def test_corrupt_cache_is_ignored_and_rewritten(tree, parses):
    check(tree)
    (cache_file,) = (tree / ".ormlint_cache").glob("results-*.pickle")
    cache_file.write_bytes(b"\x80\x04garbage")
    parses.clear()
    assert [f.code for f in check(tree).findings] == ["ORM301"]
    assert len(parses) == 2
    data = pickle.loads(cache_file.read_bytes())
    assert data["format"] == cache_module._FORMAT and len(data["entries"]) == 2


def test_display_path_follows_the_command_line(tree, monkeypatch):
    monkeypatch.chdir(tree)
    first = CliRunner().invoke(main, ["check", "a.py", "--format", "json"])
    second = CliRunner().invoke(main, ["check", str(tree / "a.py"), "--format", "json"])
    assert '"path": "a.py"' in first.output
    assert f'"path": "{tree / "a.py"}"' in second.output


def test_no_cache_writes_nothing(tree, monkeypatch):
    monkeypatch.chdir(tree)
    CliRunner().invoke(main, ["check", ".", "--no-cache"])
    assert not (tree / ".ormlint_cache").exists()
    CliRunner().invoke(main, ["check", ".", "--cache-dir", str(tree / "elsewhere")])
    assert list((tree / "elsewhere").glob("results-*.pickle"))


def test_concurrent_runs_leave_a_loadable_cache(tree):
    for i in range(30):
        (tree / f"m{i}.py").write_text(BAD if i % 3 else CLEAN)
    cmd = [sys.executable, "-m", "ormlint", "check", ".", "--jobs", "1"]
    procs = [subprocess.Popen(cmd, cwd=tree, stdout=subprocess.DEVNULL) for _ in range(4)]
    assert [p.wait(timeout=120) for p in procs] == [1, 1, 1, 1]
    (cache_file,) = (tree / ".ormlint_cache").glob("results-*.pickle")
    assert len(pickle.loads(cache_file.read_bytes())["entries"]) == 32
    assert not list((tree / ".ormlint_cache").glob("*.tmp"))


def test_project_findings_are_reused_only_while_no_file_changes(tmp_path, monkeypatch):
    import ormlint.engine as eng

    (tmp_path / "a.py").write_text(
        "from sqlalchemy.orm import relationship\nclass A(Base):\n    __tablename__ = 'a'\n"
        "    b = relationship('Missing')\n"
    )
    (tmp_path / "b.py").write_text(CLEAN)
    calls = []
    real = eng.project_findings
    monkeypatch.setattr(eng, "project_findings", lambda *a, **k: calls.append(1) or real(*a, **k))
    first = check(tmp_path)
    assert [f.code for f in first.findings] == ["ORM104"] and len(calls) == 1
    assert check(tmp_path).findings == first.findings and len(calls) == 1  # reused
    (tmp_path / "b.py").write_text(CLEAN.replace("class B", "class Missing"))
    assert check(tmp_path).findings == [] and len(calls) == 2  # another file changed: recomputed


def test_a_fully_cached_run_loads_neither_libcst_nor_the_rules(tree):
    _assert_warm_run_loads_no_parser(tree, "['ORM301']")


def test_cached_migrations_load_no_parser_either(tmp_path):
    # The cache holds the revisions it read: reading them back must not import libcst.
    from tests.test_cli_migrations import PROJECT, _write

    _write(tmp_path, PROJECT)
    _assert_warm_run_loads_no_parser(tmp_path, "['ORM703']")


def _assert_warm_run_loads_no_parser(tree: Path, findings: str) -> None:
    # A fresh interpreter, as the CLI runs: the warm run must not import the parser.
    import subprocess
    import sys

    check(tree)  # primes the cache
    script = (
        "import sys\nfrom pathlib import Path\nfrom ormlint import engine\n"
        "from ormlint.config import Settings\n"
        f"root = Path({str(tree)!r})\n"
        "result = engine.run([root], Settings(root=root), jobs=1, cache_dir=root / '.ormlint_cache')\n"
        "print(sorted(f.code for f in result.findings))\n"
        "print('libcst' in sys.modules, 'ormlint.rules' in sys.modules,"
        " 'ormlint.migrations.operations' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines() == [findings, "False False False"]
