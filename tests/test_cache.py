"""The result cache: a warm run over unchanged files parses nothing, and changes are seen."""

from __future__ import annotations

import json
import os
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
    (cache_file,) = (tree / ".ormlint_cache").glob("results-*.json")
    cache_file.write_bytes(b"\x80\x04garbage")
    parses.clear()
    assert [f.code for f in check(tree).findings] == ["ORM301"]
    assert len(parses) == 2
    data = json.loads(cache_file.read_bytes())
    assert data["format"] == cache_module._FORMAT and len(data["entries"]) == 2


class _Planted:
    """A pickle that runs code when loaded: what an attacker commits as a cache file."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_a_planted_pickle_in_any_cache_file_runs_nothing(tree, parses):
    # Every name the cache ever used, with the key this run computes (anyone can compute it).
    check(tree)
    directory = tree / ".ormlint_cache"
    (current,) = directory.glob("results-*.json")
    key = current.name[len("results-"):-len(".json")]
    marker = tree / "pwned"
    payload = pickle.dumps(_Planted(marker))
    for name in (f"results-{key}.json", f"results-{key}.pickle", f"results-{key}"):
        (directory / name).write_bytes(payload)
    parses.clear()
    assert [f.code for f in check(tree).findings] == ["ORM301"]
    assert not marker.exists()
    assert len(parses) == 2  # the planted file is no cache: everything is analysed again
    assert json.loads(current.read_bytes())["format"] == cache_module._FORMAT


def _entries(tree: Path) -> tuple[Path, dict]:
    (cache_file,) = (tree / ".ormlint_cache").glob("results-*.json")
    return cache_file, json.loads(cache_file.read_bytes())


@pytest.mark.parametrize(
    "damage",
    [
        lambda entry: entry.__setitem__(2, ["os.system", "touch pwned"]),  # a class ormlint lacks
        lambda entry: entry.__setitem__(2, ["FileFacts", "a.py"]),  # too few fields
        lambda entry: entry[2].__setitem__(5, "yes"),  # `parsed` is no bool
        lambda entry: entry.__setitem__(1, [["1", 1, "ORM301", "m", 1, 1, None]]),  # line no int
        lambda entry: entry.__setitem__(1, [[1, 1, "ORM301", "m", 1, 1, None, "extra"]]),
        lambda entry: entry.__setitem__(1, {"not": "rows"}),
        lambda entry: entry.__setitem__(2, json.loads("[" * 50 + "]" * 50)),  # nested lists
        lambda entry: entry.__setitem__(0, 12),  # the digest is no string
        lambda entry: entry.clear(),
    ],
)
def test_a_crafted_entry_is_a_miss_and_is_rewritten(tree, parses, damage):
    cold = check(tree)
    cache_file, data = _entries(tree)
    for entry in data["entries"].values():
        damage(entry)
    # the project findings' key matches, their content does not
    data["project"][1] = [["Finding", "a.py", "x", 1, "ORM301", "m", 1, 1, None]]
    cache_file.write_text(json.dumps(data))
    parses.clear()
    warm = check(tree)
    assert warm.findings == cold.findings
    assert not (tree / "pwned").exists()
    assert len(parses) == 2  # both damaged entries were analysed again...
    parses.clear()
    assert check(tree).findings == cold.findings and parses == []  # ...and stored afresh


def test_cache_file_holds_only_json(tree):
    check(tree)
    cache_file, data = _entries(tree)
    assert set(data) == {"format", "entries", "project", "revisions", "environments"}
    assert cache_file.read_bytes().isascii()


def test_a_cache_dir_that_ormlint_does_not_own_gets_a_subdirectory(tree, monkeypatch):
    # `--cache-dir .` once wrote a `.gitignore` of `*` into the project: git then ignored it all.
    monkeypatch.chdir(tree)
    CliRunner().invoke(main, ["check", ".", "--cache-dir", "."])
    assert not (tree / ".gitignore").exists() and not list(tree.glob("results-*"))
    assert list((tree / ".ormlint_cache").glob("results-*.json"))
    assert (tree / ".ormlint_cache" / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")
    # a directory ormlint made (tagged) or an empty one is used as it is
    (tree / "empty").mkdir()
    CliRunner().invoke(main, ["check", ".", "--cache-dir", "empty"])
    assert list((tree / "empty").glob("results-*.json"))
    CliRunner().invoke(main, ["check", ".", "--cache-dir", "empty", "--select", "ORM1"])
    assert len(list((tree / "empty").glob("results-*.json"))) == 2


def test_old_result_files_are_pruned(tree, monkeypatch):
    directory = tree / ".ormlint_cache"
    check(tree)
    stale = [directory / f"results-{i:020d}.json" for i in range(cache_module.KEEP_FILES + 3)]
    for age, path in enumerate(stale):
        path.write_text("{}")
        os.utime(path, (1_000_000 + age, 1_000_000 + age))
    (directory / "results-old.pickle").write_bytes(b"old format")
    (directory / ".results-dead.tmp").write_text("left by a killed run")
    os.utime(directory / ".results-dead.tmp", (1_000_000, 1_000_000))
    (tree / "b.py").write_text(BAD)  # something to save
    check(tree)
    left = sorted(p.name for p in directory.glob("results-*"))
    assert len(left) == cache_module.KEEP_FILES
    assert stale[-1].name in left and stale[0].name not in left
    assert not (directory / "results-old.pickle").exists()
    assert not (directory / ".results-dead.tmp").exists()


def test_an_unwritable_cache_dir_is_one_warning_and_the_run_goes_on(tree, monkeypatch):
    monkeypatch.chdir(tree)
    (tree / "plain-file").write_text("")
    result = CliRunner().invoke(main, ["check", ".", "--cache-dir", "plain-file/cache"])
    assert result.exit_code == 1 and "ORM301" in result.stdout
    warnings = [line for line in result.stderr.splitlines() if "warning" in line]
    assert len(warnings) == 1 and "cannot write the cache in plain-file" in warnings[0]


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
    assert list((tree / "elsewhere").glob("results-*.json"))


def test_concurrent_runs_leave_a_loadable_cache(tree):
    for i in range(30):
        (tree / f"m{i}.py").write_text(BAD if i % 3 else CLEAN)
    cmd = [sys.executable, "-m", "ormlint", "check", ".", "--jobs", "1"]
    procs = [subprocess.Popen(cmd, cwd=tree, stdout=subprocess.DEVNULL) for _ in range(4)]
    assert [p.wait(timeout=120) for p in procs] == [1, 1, 1, 1]
    (cache_file,) = (tree / ".ormlint_cache").glob("results-*.json")
    assert len(json.loads(cache_file.read_bytes())["entries"]) == 32
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


MISSING_TARGET = (
    "from sqlalchemy.orm import relationship\nclass A(Base):\n    __tablename__ = 'a'\n"
    "    b = relationship('Missing')\n"
)


def test_an_edit_that_leaves_the_facts_as_they_were_reuses_the_project_findings(tmp_path, monkeypatch):
    (tmp_path / "a.py").write_text(MISSING_TARGET + "def helper():\n    return 1\n")
    (tmp_path / "b.py").write_text(CLEAN)
    calls = []
    real = engine.project_findings
    monkeypatch.setattr(engine, "project_findings", lambda *a, **k: calls.append(1) or real(*a, **k))
    first = check(tmp_path)
    assert [f.code for f in first.findings] == ["ORM104"] and len(calls) == 1
    # a comment and a function body: the text changes, what the project rules read does not
    (tmp_path / "a.py").write_text(MISSING_TARGET + "def helper():\n    return 2  # a comment\n")
    (tmp_path / "b.py").write_text(CLEAN + "# another comment\n")
    assert check(tmp_path).findings == first.findings and len(calls) == 1


def test_a_noqa_comment_added_to_a_project_finding_applies_while_its_findings_are_reused(tmp_path, monkeypatch):
    (tmp_path / "a.py").write_text(MISSING_TARGET)
    assert [f.code for f in check(tmp_path).findings] == ["ORM104"]
    (tmp_path / "a.py").write_text(MISSING_TARGET.replace("('Missing')", "('Missing')  # noqa: ORM104"))
    calls = []
    real = engine.project_findings
    monkeypatch.setattr(engine, "project_findings", lambda *a, **k: calls.append(1) or real(*a, **k))
    assert check(tmp_path).findings == [] and calls == []
    (tmp_path / "a.py").write_text(MISSING_TARGET)
    assert [f.code for f in check(tmp_path).findings] == ["ORM104"] and calls == []


def test_equal_facts_encode_alike_in_every_process():
    """The project findings are keyed on the encoded facts: a set must not encode in the order
    of this process's string hashes."""
    script = "from ormlint.plaindata import encode; print(encode(frozenset(map(str, range(30)))))"
    printed = {
        subprocess.run(
            [sys.executable, "-c", script], env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True, text=True, check=True,
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(printed) == 1


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


def test_an_installed_build_is_identified_by_its_record_not_its_files_mtimes(tmp_path):
    # CI restores the cache onto a fresh install of the same wheel, whose files have new mtimes
    from ormlint.cache import _code_identity

    site = tmp_path / "site-packages"
    (site / "ormlint").mkdir(parents=True)
    source = site / "ormlint" / "engine.py"
    source.write_text("x = 1\n")
    record = site / "ormlint-0.1.0.dist-info" / "RECORD"
    record.parent.mkdir()
    record.write_text("ormlint/engine.py,sha256=abc,6\n")
    first = _code_identity(site / "ormlint")
    os.utime(source, ns=(1, 1))
    assert _code_identity(site / "ormlint") == first
    record.write_text("ormlint/engine.py,sha256=def,6\n")  # another build
    assert _code_identity(site / "ormlint") != first


def test_a_development_checkout_is_identified_by_its_sources_mtimes(tmp_path):
    from ormlint.cache import _code_identity

    (tmp_path / "ormlint").mkdir()
    source = tmp_path / "ormlint" / "engine.py"
    source.write_text("x = 1\n")
    os.utime(source, ns=(1, 1))
    first = _code_identity(tmp_path / "ormlint")
    os.utime(source, ns=(2, 2))  # edited since: results of older code must not be reused
    assert _code_identity(tmp_path / "ormlint") != first


@pytest.fixture
def settled(monkeypatch):
    """Files written a moment ago count as settled (their status is kept), as they would be
    two seconds later."""
    monkeypatch.setattr(cache_module, "_RACY_NANOSECONDS", 0)


def test_an_unchanged_file_is_neither_read_nor_hashed(tree, settled, monkeypatch):
    cold = check(tree)
    reads, hashed = [], []
    real_read, real_digest = engine.read_file, cache_module.content_digest
    monkeypatch.setattr(engine, "read_file", lambda path, *a: reads.append(path) or real_read(path, *a))
    monkeypatch.setattr(cache_module, "content_digest", lambda data: hashed.append(data) or real_digest(data))
    assert check(tree).findings == cold.findings
    assert reads == [] and not {BAD.encode(), CLEAN.encode()} & set(hashed)


def test_a_file_rewritten_with_the_same_size_and_mtime_is_analysed_again(tree, settled, parses):
    assert [f.code for f in check(tree).findings] == ["ORM301"]
    parses.clear()
    before = os.stat(tree / "a.py")
    clean = CLEAN + "#" * (len(BAD) - len(CLEAN) - 1) + "\n"
    (tree / "a.py").write_text(clean)
    os.utime(tree / "a.py", ns=(before.st_atime_ns, before.st_mtime_ns))  # the change time moves
    after = os.stat(tree / "a.py")
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (before.st_size, before.st_mtime_ns, before.st_ino)
    assert check(tree).findings == [] and len(parses) == 1


def test_a_file_changed_within_the_last_seconds_is_hashed_at_the_next_run(tree):
    # Another write within the same clock tick would leave its status as it is: not kept.
    check(tree)
    _, data = _entries(tree)
    assert [entry[3] for entry in data["entries"].values()] == [None, None]


def test_a_file_swapped_for_a_larger_one_than_max_file_size_is_skipped(tree, settled):
    check(tree)
    result = check(tree, max_file_size=len(CLEAN) - 1)
    assert {f.code for f in result.findings} == {"ORM999"}


def test_a_resident_process_does_not_parse_again_the_results_file_it_wrote(tree, monkeypatch):
    cold = check(tree)
    parsed: list[object] = []
    real = json.load

    def counting(handle, *args, **kwargs):
        parsed.append(handle)
        return real(handle, *args, **kwargs)

    monkeypatch.setattr(cache_module.json, "load", counting)
    (tree / "b.py").write_text(CLEAN + "# changed\n")
    assert check(tree).findings == cold.findings  # writes the file again
    assert check(tree).findings == cold.findings and parsed == []
    cache_file, data = _entries(tree)
    cache_file.write_text(json.dumps(data) + " ")  # another process wrote it
    assert check(tree).findings == cold.findings and len(parsed) == 1


def test_a_resident_process_decodes_each_unchanged_entry_once(tree, monkeypatch):
    # The language server runs the project again and again in one process.
    cold = check(tree)
    decoded: list[object] = []
    real = cache_module._facts

    def counting(value):
        decoded.append(value)
        return real(value)

    monkeypatch.setattr(cache_module, "_facts", counting)
    monkeypatch.setattr(cache_module, "_decoded", {})
    monkeypatch.setattr(cache_module, "_loaded", {})
    assert check(tree).findings == cold.findings and len(decoded) == 2
    assert check(tree).findings == cold.findings and len(decoded) == 2
    (tree / "b.py").write_text(CLEAN + "# changed\n")
    check(tree)
    assert check(tree).findings == cold.findings and len(decoded) == 3  # b.py's new entry


def test_a_resident_process_decodes_each_cached_revision_once(tmp_path, monkeypatch):
    # The daemon (and the language server) replay the migrations at every run of the project.
    from ormlint.migrations.operations import NOWHERE, Revision

    revision = Revision("0001.py", "0001", (), (), (), NOWHERE, ())
    digest = cache_module.content_digest(b"revision = '0001'\n")
    (tmp_path / "0001.py").write_text("revision = '0001'\n")
    first = cache_module.ResultCache(tmp_path / "cache", "k")
    first.put_revision(tmp_path / "0001.py", digest, revision)
    first.save()
    decoded: list[object] = []
    real = cache_module.decoder

    def counting(kind):
        decoded.append(kind)
        return real(kind)

    monkeypatch.setattr(cache_module, "decoder", counting)
    monkeypatch.setattr(cache_module, "_decoded_revisions", {})
    runs = [cache_module.ResultCache(tmp_path / "cache", "k").revision(tmp_path / "0001.py", digest) for _ in range(3)]
    assert runs == [revision] * 3 and len(decoded) == 1
    changed = cache_module.content_digest(b"revision = '0002'\n")
    assert cache_module.ResultCache(tmp_path / "cache", "k").revision(tmp_path / "0001.py", changed) is None


def test_a_resident_process_encodes_again_only_the_entries_that_changed(tree, settled, monkeypatch):
    # The daemon rewrites the results file at every run where a file changed: the other
    # entries' text is reused, and the file is what one `json.dumps` of the whole would write.
    check(tree)
    (tree / "b.py").write_text(CLEAN + "# changed\n")
    encoded: list[object] = []
    real = cache_module.json.dumps
    monkeypatch.setattr(cache_module.json, "dumps", lambda value, **k: encoded.append(value) or real(value, **k))
    check(tree)
    cache_file, data = _entries(tree)
    entries = [v for v in encoded if type(v) is list and len(v) == 5]
    assert [k for k, v in data["entries"].items() if v in entries] == [str(tree / "b.py")]
    assert cache_file.read_text() == real(data, separators=(",", ":"))


def test_a_resident_process_replays_an_unchanged_history_once(tmp_path, settled, monkeypatch):
    # The daemon and the language server run the project phase again at every changed model:
    # the history is replayed again only when a migration file changed.
    import ormlint.drift as drift
    from tests.test_cli_migrations import PROJECT, _write

    _write(tmp_path, PROJECT)
    replays = []
    real = drift.load_migrations
    monkeypatch.setattr(drift, "load_migrations", lambda *a, **k: replays.append(1) or real(*a, **k))
    assert [f.code for f in check(tmp_path).findings] == ["ORM703"] and len(replays) == 1
    models = tmp_path / "models.py"
    models.write_text(models.read_text().replace("bio: Mapped[Optional[str]]", "bio: Mapped[str]"))
    assert [f.code for f in check(tmp_path).findings] == ["ORM703"] and len(replays) == 1
    revision = tmp_path / "migrations" / "versions" / "0001_init.py"
    revision.write_text(revision.read_text().replace(
        "nullable=False),\n        sa.PrimaryKeyConstraint",
        "nullable=False),\n        sa.Column(\"bio\", sa.String(), nullable=False),\n        sa.PrimaryKeyConstraint",
    ))
    assert check(tmp_path).findings == [] and len(replays) == 2


def test_a_changed_gitignore_is_read_again_by_a_resident_process(tree):
    # The walk remembers each .gitignore's verdicts by its text: an edit must show at once.
    (tree / ".git").mkdir()
    assert [f.code for f in check(tree).findings] == ["ORM301"]
    (tree / ".gitignore").write_text("a.py\n")
    assert check(tree).findings == []
    (tree / ".gitignore").write_text("b.py\n")
    assert [f.code for f in check(tree).findings] == ["ORM301"]


def test_a_process_keys_its_results_on_the_code_it_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    """A resident process (daemon, language server) runs the code it loaded: a build installed
    under it must not get this code's results stored under the new build's identity."""
    from ormlint import cache as cache_module

    before = cache_module.fingerprint(["ORM101"], ())
    monkeypatch.setattr(cache_module, "_code_identity", lambda: "another build")
    assert cache_module.fingerprint(["ORM101"], ()) == before
    assert cache_module.fingerprint(["ORM102"], ()) != before


def test_a_process_that_runs_again_after_a_base_class_changed_finds_what_a_fresh_one_does(tmp_path):
    """A resident process carries each class's table answers from its last run
    (ProjectIndex.carry_answers): a change to a base in another file must reach its subclasses."""
    import subprocess
    import sys

    base = (
        "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column\n\n\n"
        "class Base(DeclarativeBase):\n    pass\n\n\n"
        "class Keyed(Base):\n    __abstract__ = True\n    id: Mapped[int] = mapped_column(primary_key=True)\n"
    )
    (tmp_path / "base.py").write_text(base)
    (tmp_path / "models.py").write_text(
        "from sqlalchemy.orm import Mapped\n\nfrom base import Keyed\n\n\n"
        "class Parent(Keyed):\n    __tablename__ = 'parent'\n\n\n"
        "class Child(Keyed):\n    __tablename__ = 'child'\n    name: Mapped[str]\n"
    )
    assert check(tmp_path).findings == []
    # A second run that judges the project again, with the files' facts as read back from the
    # cache (the objects this process keeps from now on).
    (tmp_path / "other.py").write_text("from base import Keyed\n\n\nclass Other(Keyed):\n    __tablename__ = 'other'\n")
    assert check(tmp_path).findings == []
    # Keyed's `id` is no longer the primary key: neither subclass has one now.
    (tmp_path / "base.py").write_text(base.replace("mapped_column(primary_key=True)", "mapped_column()"))
    warm = check(tmp_path)
    script = (
        "from pathlib import Path\nfrom ormlint import engine\nfrom ormlint.config import Settings\n"
        f"root = Path({str(tmp_path)!r})\n"
        "print(sorted((f.path, f.line, f.code) for f in engine.run([root], Settings(root=root), jobs=1).findings))\n"
    )
    fresh = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert str(sorted((f.path, f.line, f.code) for f in warm.findings)) == fresh.stdout.strip()
    assert len(warm.findings) == 2  # Parent's and Child's (other.py names no SQLAlchemy)
