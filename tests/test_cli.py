from __future__ import annotations

import json
import textwrap
import pytest
from click.testing import CliRunner

from ormlint.cli import main

BAD = textwrap.dedent(
    """\
    from sqlalchemy import Column, DateTime, Integer
    from sqlalchemy.orm import relationship


    class Node(Base):
        __tablename__ = "node"
        node_id = Column(Integer, primary_key=True)
        parent = relationship("Node", remote_side=[id])
        created = Column(DateTime, server_default="now()")
    """
)
CLEAN = "from sqlalchemy import Column, Integer\n\n\nclass A(Base):\n    id = Column(Integer, primary_key=True)\n"


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "models.py").write_text(BAD)
    (tmp_path / "app" / "clean.py").write_text(CLEAN)
    return tmp_path


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_text_output_and_exit_code(project):
    result = run("check", "app")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].startswith("app/models.py:8:48: ORM101 ")
    assert lines[1].startswith("app/models.py:9:47: ORM301 ")
    assert "Found 2 errors in 2 files checked." in lines
    assert lines[1].startswith("app/models.py:9:47: ORM301 [*] ")  # fixable with --fix


def test_clean_run_exits_zero(project):
    result = run("check", "app/clean.py")
    assert result.exit_code == 0
    assert "All checks passed!" in result.output


def test_default_path_is_the_current_directory(project):
    result = run("check")
    assert result.exit_code == 1
    assert "app/models.py:8:48: ORM101" in result.output


def test_json_output(project):
    result = run("check", "app", "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert [(d["code"], d["line"], d["column"]) for d in data] == [("ORM101", 8, 48), ("ORM301", 9, 47)]
    first = data[0]
    assert first["path"] == "app/models.py"
    assert first["end_line"] == 8 and first["end_column"] == 50  # `id` is two characters
    assert first["fix"] == {
        "applicability": "safe",
        "message": 'Use "Node.node_id"',
        "edits": [{"line": 8, "column": 47, "end_line": 8, "end_column": 51, "content": '"Node.node_id"'}],
    }
    assert set(first) == {"code", "message", "path", "line", "column", "end_line", "end_column", "fix"}


def test_absolute_path_is_reported_as_given(project):
    result = run("check", str(project / "app" / "models.py"), "--format", "json")
    assert json.loads(result.output)[0]["path"] == str(project / "app" / "models.py")


def test_select_and_ignore(project):
    assert [d["code"] for d in json.loads(run("check", "app", "--format", "json", "--select", "ORM3").output)] == ["ORM301"]
    assert [d["code"] for d in json.loads(run("check", "app", "--format", "json", "--ignore", "ORM101").output)] == ["ORM301"]
    # the more specific selector wins, as in ruff
    out = run("check", "app", "--format", "json", "--select", "ORM101", "--ignore", "ORM1")
    assert [d["code"] for d in json.loads(out.output)] == ["ORM101"]
    out = run("check", "app", "--format", "json", "--select", "ORM1", "--ignore", "ORM101")
    assert json.loads(out.output) == []
    out = run("check", "app", "--format", "json", "--select", "ORM1", "--ignore", "ORM")
    assert [d["code"] for d in json.loads(out.output)] == ["ORM101"]


def test_config_in_pyproject(project):
    (project / "pyproject.toml").write_text(
        '[tool.ormlint]\nignore = ["ORM301"]\nper-file-ignores = { "app/models.py" = ["ORM101"] }\n'
    )
    result = run("check", "app")
    assert result.exit_code == 0, result.output


def test_config_found_by_walking_up(project, monkeypatch):
    (project / "pyproject.toml").write_text('[tool.ormlint]\nselect = ["ORM3"]\n')
    monkeypatch.chdir(project / "app")
    result = run("check", "models.py", "--format", "json")
    assert [d["code"] for d in json.loads(result.output)] == ["ORM301"]


def test_pyproject_without_our_table_is_skipped(project):
    (project / "app" / "pyproject.toml").write_text('[tool.black]\nline-length = 100\n')
    (project / "pyproject.toml").write_text('[tool.ormlint]\nselect = ["ORM3"]\n')
    result = run("check", "app", "--format", "json")
    assert [d["code"] for d in json.loads(result.output)] == ["ORM301"]


def test_exclude_from_config_and_cli(project):
    (project / "pyproject.toml").write_text('[tool.ormlint]\nextend-exclude = ["app/models.py"]\n')
    assert run("check", "app").exit_code == 0
    (project / "pyproject.toml").write_text("[tool.ormlint]\n")
    assert run("check", "app", "--extend-exclude", "models.py").exit_code == 0
    assert run("check", "app").exit_code == 1


def test_default_excludes_skip_virtualenvs(project):
    (project / ".venv" / "lib").mkdir(parents=True)
    (project / ".venv" / "lib" / "models.py").write_text(BAD)
    result = run("check", ".", "--format", "json")
    assert {d["path"] for d in json.loads(result.output)} == {"app/models.py"}


def test_explicit_file_is_checked_even_if_excluded(project):
    (project / "pyproject.toml").write_text('[tool.ormlint]\nextend-exclude = ["app"]\n')
    assert run("check", "app/models.py").exit_code == 1


def test_unknown_config_key_is_a_usage_error(project):
    (project / "pyproject.toml").write_text('[tool.ormlint]\nselct = ["ORM3"]\n')
    result = CliRunner().invoke(main, ["check", "app"])
    assert result.exit_code == 2
    assert "unknown key(s) in [tool.ormlint]: selct" in result.output


def test_broken_pyproject_is_a_usage_error(project):
    (project / "pyproject.toml").write_text("[tool.ormlint\n")
    result = CliRunner().invoke(main, ["check", "app"])
    assert result.exit_code == 2 and "cannot read" in result.output


def test_missing_path_is_a_usage_error(project):
    result = CliRunner().invoke(main, ["check", "nope.py"])
    assert result.exit_code == 2


def test_bad_files_become_findings_and_the_run_continues(project):
    (project / "app" / "broken.py").write_text("import sqlalchemy\ndef f(:\n")
    (project / "app" / "binary.py").write_bytes(b"import sqlalchemy\n\xff\xfe\x00")
    result = run("check", "app", "--format", "json")
    data = json.loads(result.output)
    by_path = {d["path"]: d for d in data if d["code"] == "ORM999"}
    assert set(by_path) == {"app/broken.py", "app/binary.py"}
    assert by_path["app/broken.py"]["line"] == 2
    assert "SyntaxError" in by_path["app/broken.py"]["message"]
    assert {d["code"] for d in data} == {"ORM101", "ORM301", "ORM999"}
    assert "Traceback" not in result.output


def test_unreadable_file_is_a_finding(project):
    (project / "app" / "dangling.py").symlink_to(project / "app" / "missing-target.py")
    data = json.loads(run("check", "app", "--format", "json").output)
    (finding,) = [d for d in data if d["path"] == "app/dangling.py"]
    assert finding["code"] == "ORM999" and "cannot read file" in finding["message"]


def test_noqa(project):
    source = BAD.replace("remote_side=[id])", "remote_side=[id])  # noqa: ORM101").replace(
        '"now()")', '"now()")  # noqa'
    )
    (project / "app" / "models.py").write_text(source)
    assert run("check", "app").exit_code == 0


def test_rules_and_explain():
    out = run("rules").output
    for code in ("ORM101", "ORM201", "ORM202", "ORM301", "ORM401", "ORM999"):
        assert code in out
    docs = run("explain", "ORM301").output
    assert docs.startswith("# server-default-sql-string (ORM301)")
    assert "## Why is this bad?" in docs and "Use instead:" in docs
    assert run("explain", "duplicate-index").output.startswith("# duplicate-index (ORM401)")
    result = CliRunner().invoke(main, ["explain", "ORM000"])
    assert result.exit_code == 2 and "unknown rule" in result.output


def test_version():
    from ormlint import __version__

    assert run("--version").output.strip() == f"ormlint, version {__version__}"


def test_parallel_run_matches_serial(project):
    for i in range(40):
        (project / "app" / f"m{i}.py").write_text(BAD if i % 2 else CLEAN)
    # --no-cache: a cache filled by the first run would answer the second without the pool
    serial = run("check", "app", "--format", "json", "--jobs", "1", "--no-cache").output
    parallel = run("check", "app", "--format", "json", "--jobs", "2", "--no-cache").output
    assert serial == parallel
    assert len(json.loads(serial)) == 2 * 21
    # the collector, frozen while the workers are forked, is thawed for the rest of the process
    import gc

    assert gc.get_freeze_count() == 0


def test_start_up_imports_nothing_heavy(tmp_path):
    """`ormlint --version` and a one-file check never import sqlalchemy or the editor stack."""
    import subprocess
    import sys

    (tmp_path / "m.py").write_text(BAD)
    probe = (
        "import sys\n"
        "from ormlint.cli import main\n"
        "for args in (['--version'], ['check', '--no-cache', 'm.py']):\n"
        "    try:\n"
        "        main(args)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "heavy = {'sqlalchemy', 'pygls', 'lsprotocol', 'jsonschema', 'rich', 'hypothesis'}\n"
        "print(sorted(heavy & {m.split('.')[0] for m in sys.modules}))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True)
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stdout + out.stderr


def test_readme_lists_every_rule():
    from pathlib import Path

    from ormlint.rules import PARSE_ERROR_CODE, RULES

    readme = (Path(__file__).parent.parent / "README.md").read_text()
    for code, rule in {**RULES, PARSE_ERROR_CODE: None}.items():
        name = rule.name if rule else "parse-error"
        assert f"| {code} | {name} |" in readme, f"{code} is missing from the README rule table"


def test_target_dialect_is_validated(project):
    (project / "pyproject.toml").write_text('[tool.ormlint]\ntarget-dialect = "postgres"\n')
    result = CliRunner().invoke(main, ["check", "app"])
    assert result.exit_code == 2 and "target-dialect must be one of postgresql" in result.output
    (project / "pyproject.toml").write_text('[tool.ormlint]\ntarget-dialect = "mysql"\n')
    assert CliRunner().invoke(main, ["check", "app"]).exit_code == 1


def test_ignoring_a_prefix_removes_default_rules():
    # The default selection is the least specific selector: `--ignore ORM4` beats it, as `ignore`
    # beats ruff's default selection.
    from ormlint.config import Settings
    from ormlint.codes import all_codes, default_codes

    enabled = Settings(ignore=("ORM4",)).enabled_codes(all_codes(), default_codes())
    assert not any(code.startswith("ORM4") for code in enabled)
    assert "ORM101" in enabled and "ORM801" not in enabled
    again = Settings(ignore=("ORM4",), extend_select=("ORM401",)).enabled_codes(all_codes(), default_codes())
    assert "ORM401" in again and "ORM402" not in again
