"""Which files are read (regular files only, within a size limit, past excludes and .gitignore),
what an unreadable one gives, and how file names are printed in every output format."""

from __future__ import annotations

import errno
import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from ormlint.cli import main
from ormlint.config import Settings
from ormlint.discovery import discover
from ormlint.findings import Finding
from ormlint.report import render
from tests.test_cli import BAD, CLEAN

TIMEOUT = 120  # seconds: a run that hangs fails instead of stopping the suite


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "models.py").write_text(BAD)
    (tmp_path / "app" / "clean.py").write_text(CLEAN)
    return tmp_path


def run(*args: str, **kwargs):
    return CliRunner().invoke(main, list(args), catch_exceptions=False, **kwargs)


def findings_of(*args: str) -> list[dict]:
    return json.loads(run("check", "--no-cache", "--format", "json", *args).output)


def run_in_process(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """The CLI in its own process, so that a hang is a timeout, not a stuck test run."""
    return subprocess.run(
        [sys.executable, "-m", "ormlint", "check", "--no-cache", *args],
        cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT,
    )


def codes_by_path(output: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for item in json.loads(output):
        found.setdefault(item["path"], set()).add(item["code"])
    return found


# -- 1. only regular files are read ----------------------------------------------------------------


needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")


@needs_fifo
def test_a_fifo_in_a_walked_directory_is_skipped_silently(project):
    os.mkfifo(project / "app" / "pipe.py")
    result = run_in_process(project, "--format", "json", "app")
    assert result.returncode == 1, result.stderr
    assert codes_by_path(result.stdout) == {"app/models.py": {"ORM101", "ORM301"}}


@needs_fifo
def test_a_fifo_named_on_the_command_line_is_an_orm999_and_the_run_goes_on(project):
    os.mkfifo(project / "app" / "pipe.py")
    result = run_in_process(project, "--format", "json", "app/pipe.py", "app/models.py")
    assert result.returncode == 1, result.stderr
    data = json.loads(result.stdout)
    (skipped,) = [d for d in data if d["path"] == "app/pipe.py"]
    assert skipped["code"] == "ORM999" and skipped["message"] == "skipped: not a regular file"
    assert {d["code"] for d in data if d["path"] == "app/models.py"} == {"ORM101", "ORM301"}


@needs_fifo
def test_a_link_to_a_fifo_is_skipped_and_a_dangling_link_is_still_reported(project):
    os.mkfifo(project / "pipe")
    (project / "app" / "to_pipe.py").symlink_to(project / "pipe")
    (project / "app" / "dangling.py").symlink_to(project / "missing.py")
    result = run_in_process(project, "--format", "json", "app")
    found = codes_by_path(result.stdout)
    assert "app/to_pipe.py" not in found
    assert found["app/dangling.py"] == {"ORM999"}


@pytest.mark.skipif(not hasattr(socket, "AF_UNIX"), reason="no Unix sockets here")
def test_a_socket_in_a_walked_directory_is_skipped_silently(project):
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind("app/sock.py")
        assert codes_by_path(json.dumps(findings_of("app"))) == {"app/models.py": {"ORM101", "ORM301"}}
    finally:
        server.close()


def test_a_directory_named_like_a_python_file_is_walked(project):
    (project / "app" / "pkg.py").mkdir()
    (project / "app" / "pkg.py" / "inner.py").write_text(BAD)
    assert set(codes_by_path(json.dumps(findings_of("app")))) == {"app/models.py", "app/pkg.py/inner.py"}


# -- 2. unreadable files and directories ------------------------------------------------------------


def _refuse(monkeypatch, function: str, refused: str) -> None:
    """`os.<function>` fails with EACCES on `refused` (tests run as root, whom chmod does not stop)."""
    original = getattr(os, function)
    target = os.path.abspath(refused)

    def refusing(path, *args, **kwargs):
        if isinstance(path, (str, os.PathLike)) and os.path.abspath(path) == target:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fspath(path))
        return original(path, *args, **kwargs)

    monkeypatch.setattr(os, function, refusing)


def test_a_named_file_that_cannot_be_stat_or_read_is_an_orm999(project, monkeypatch):
    _refuse(monkeypatch, "stat", "app/models.py")  # as in a directory without search permission
    _refuse(monkeypatch, "open", "app/models.py")
    result = run("check", "--no-cache", "--format", "json", "app/models.py", "app/clean.py")
    assert result.exit_code == 1
    (finding,) = json.loads(result.output)
    assert finding["path"] == "app/models.py" and finding["code"] == "ORM999"
    assert finding["message"] == "cannot read file: Permission denied"


def test_a_missing_path_stays_a_usage_error(project):
    result = CliRunner().invoke(main, ["check", "app/nope.py"])
    assert result.exit_code == 2 and "does not exist" in result.output
    (project / "app" / "dangling.py").symlink_to(project / "app" / "gone.py")
    assert CliRunner().invoke(main, ["check", "app/dangling.py"]).exit_code == 2


def test_an_unreadable_directory_in_a_walk_is_an_orm999(project, monkeypatch):
    (project / "app" / "private").mkdir()
    (project / "app" / "private" / "models.py").write_text(BAD)
    _refuse(monkeypatch, "scandir", "app/private")
    data = findings_of("app")
    by_path = codes_by_path(json.dumps(data))
    assert by_path == {"app/models.py": {"ORM101", "ORM301"}, "app/private": {"ORM999"}}
    (finding,) = [d for d in data if d["path"] == "app/private"]
    assert finding["message"] == "cannot read directory: Permission denied"


def test_an_unreadable_directory_named_on_the_command_line_is_an_orm999(project, monkeypatch):
    _refuse(monkeypatch, "scandir", "app")
    result = run("check", "--no-cache", "app")
    assert result.exit_code == 1
    assert result.output.startswith("app:1:1: ORM999 cannot read directory: Permission denied\n")


# -- 3. excludes -----------------------------------------------------------------------------------


def test_force_exclude_applies_to_named_directories(project):
    (project / "pyproject.toml").write_text('[tool.ormlint]\nextend-exclude = ["app"]\n')
    assert run("check", "--no-cache", "app").exit_code == 1  # named: checked, as ruff does
    result = run("check", "--no-cache", "--force-exclude", "app")
    assert result.exit_code == 0 and "(0 files checked)" in result.output
    assert run("check", "--no-cache", "--force-exclude", ".").exit_code == 0


@pytest.mark.parametrize("pattern", ["./app", "./app/", "app/models.py", "./app/models.py"])
def test_exclude_patterns_starting_with_dot_slash_are_anchored_paths(project, pattern):
    (project / "lib" / "app").mkdir(parents=True)
    (project / "lib" / "app" / "models.py").write_text(BAD)
    found = codes_by_path(json.dumps(findings_of("--extend-exclude", pattern, ".")))
    assert "app/models.py" not in found
    assert "lib/app/models.py" in found  # anchored at the root, not any directory named app


def test_per_file_ignores_accept_dot_slash_patterns(project):
    (project / "pyproject.toml").write_text(
        '[tool.ormlint]\nper-file-ignores = { "./app/models.py" = ["ORM1"] }\n'
    )
    assert {d["code"] for d in findings_of(".")} == {"ORM301"}


# -- 4. .gitignore -----------------------------------------------------------------------------------


@pytest.fixture
def repo(project):
    (project / ".git").mkdir()
    for name in ("generated", "keep"):
        (project / "app" / name).mkdir()
        (project / "app" / name / "models.py").write_text(BAD)
    (project / ".gitignore").write_text("# generated code\n/app/generated/\n")
    return project


def checked(*args: str) -> set[str]:
    return {d["path"] for d in findings_of(*args)}


def test_gitignored_files_are_skipped_by_default(repo):
    assert checked(".") == {"app/models.py", "app/keep/models.py"}
    assert checked("app") == {"app/models.py", "app/keep/models.py"}  # the root's .gitignore applies


def test_respect_gitignore_can_be_turned_off(repo):
    everything = {"app/models.py", "app/keep/models.py", "app/generated/models.py"}
    assert checked("--no-respect-gitignore", ".") == everything
    (repo / "pyproject.toml").write_text("[tool.ormlint]\nrespect-gitignore = false\n")
    assert checked(".") == everything
    assert checked("--respect-gitignore", ".") == everything - {"app/generated/models.py"}


def test_gitignored_files_named_on_the_command_line_are_checked_unless_force_exclude(repo):
    assert checked("app/generated/models.py") == {"app/generated/models.py"}
    assert checked("--force-exclude", "app/generated/models.py") == set()
    assert checked("--force-exclude", "app/generated") == set()
    assert checked("--force-exclude", "--no-respect-gitignore", "app/generated") == {"app/generated/models.py"}


def test_stdin_named_like_a_gitignored_file_is_skipped_with_force_exclude(repo):
    args = ["check", "--no-cache", "--stdin-filename", "app/generated/models.py", "-"]
    assert run(*args, input=BAD).exit_code == 1
    result = run(args[0], "--force-exclude", *args[1:], input=BAD)
    assert result.exit_code == 0 and "(0 files checked)" in result.output


def test_nested_gitignore_negation_and_globs(repo):
    (repo / "app" / ".gitignore").write_text("*.py\n!models.py\nkeep/**\n")
    (repo / "app" / "extra.py").write_text(BAD)
    assert checked(".") == {"app/models.py"}


def test_gitignore_outside_a_work_tree_is_not_read(project):
    (project / ".gitignore").write_text("app/\n")
    assert checked(".") == {"app/models.py"}


def test_a_nested_repository_starts_its_own_rules(repo):
    (repo / "vendor" / ".git").mkdir(parents=True)
    (repo / "vendor" / "models.py").write_text(BAD)
    (repo / ".gitignore").write_text("models.py\n")  # not the nested repository's business
    assert checked(".") == {"vendor/models.py"}


# The same tree and patterns, listed by git (nothing tracked, no global excludes) and by ormlint.
GIT_PATTERNS = """\
# comment
\\#literal.py
*.gen.py
!keep.gen.py
/top_only.py
docs/
build-*/
a/**/deep.py
**/anywhere/x.py
z/**
!z/back.py
[abc]_class.py
[!m]x_neg.py
q?.py
trailing.py   
sub/inner.py
/rooted/
"""
GIT_FILES = [
    "#literal.py", "a.gen.py", "keep.gen.py", "sub/keep.gen.py", "top_only.py", "sub/top_only.py",
    "docs/x.py", "sub/docs/y.py", "docs.py", "build-1/x.py", "build-x.py",
    "a/deep.py", "a/b/c/deep.py", "b/a/deep.py", "anywhere/x.py", "p/q/anywhere/x.py",
    "z/y.py", "z/back.py", "z/w/back.py", "a_class.py", "d_class.py", "ax_neg.py", "mx_neg.py",
    "q1.py", "q12.py", "trailing.py", "sub/inner.py", "x/sub/inner.py", "rooted/r.py",
    "sub/rooted/r.py", "plain.py", "sub/plain.py", "sub/deeper/more.py",
]


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_gitignore_matching_agrees_with_git(tmp_path):
    for name in GIT_FILES:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x = 1\n")
    (tmp_path / ".gitignore").write_text(GIT_PATTERNS)
    (tmp_path / "sub" / ".gitignore").write_text("!a.gen.py\nplain.py\n/deeper/\n")
    environment = {
        **os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
        "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path),
    }
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True, env=environment)
    listed = subprocess.run(
        ["git", "ls-files", "--others", "--exclude-standard", "-z"],
        cwd=tmp_path, check=True, capture_output=True, text=True, env=environment,
    ).stdout.split("\0")
    by_git = {name for name in listed if name.endswith(".py")}
    by_ormlint = {
        os.path.relpath(path, tmp_path).replace(os.sep, "/")
        for path, _ in discover([tmp_path], Settings(root=tmp_path, exclude=()))
    }
    assert by_ormlint == by_git
    assert 5 < len(by_git) < len(GIT_FILES)


# -- 5. max-file-size --------------------------------------------------------------------------------


def test_files_larger_than_max_file_size_are_orm999_and_the_run_goes_on(project):
    (project / "app" / "huge.py").write_text(BAD + "# padding\n" * 50)
    (project / "pyproject.toml").write_text("[tool.ormlint]\nmax-file-size = 400\n")
    data = findings_of("app")
    (skipped,) = [d for d in data if d["path"] == "app/huge.py"]
    size = (project / "app" / "huge.py").stat().st_size
    assert skipped["code"] == "ORM999"
    assert skipped["message"] == f"skipped: file is larger than max-file-size ({size} > 400 bytes)"
    assert {d["code"] for d in data if d["path"] == "app/models.py"} == {"ORM101", "ORM301"}
    assert codes_by_path(json.dumps(findings_of("--max-file-size", "100000", "app")))["app/huge.py"] == {
        "ORM101", "ORM301"
    }


def test_the_default_max_file_size_is_4_mib(project):
    (project / "app" / "huge.py").write_text("import sqlalchemy\n" + ("#" * 99 + "\n") * (42 * 1024))
    (finding,) = [d for d in findings_of("app/huge.py")]
    assert finding["message"].startswith("skipped: file is larger than max-file-size (")
    assert finding["message"].endswith(" > 4194304 bytes)")


def test_max_file_size_applies_to_stdin(project):
    result = run(
        "check", "--max-file-size", "100", "--format", "json", "--stdin-filename", "app/models.py",
        "-", input=BAD,
    )
    (finding,) = json.loads(result.output)
    assert finding["code"] == "ORM999" and "max-file-size" in finding["message"]
    small = run("check", "--max-file-size", "100000", "--stdin-filename", "app/models.py", "-", input=BAD)
    assert "ORM101" in small.output


def test_the_flake8_plugin_does_not_parse_files_over_the_limit(tmp_path):
    import ast

    from ormlint.flake8 import Flake8Plugin

    lines = BAD.splitlines(keepends=True)
    for limit, found in ((10_000, True), (100, False)):
        directory = tmp_path / str(limit)
        directory.mkdir()
        (directory / "pyproject.toml").write_text(f"[tool.ormlint]\nmax-file-size = {limit}\n")
        (directory / "models.py").write_text(BAD)  # flake8 names files it read from disk
        path = str(directory / "models.py")
        assert bool(list(Flake8Plugin(ast.parse(BAD), lines, path).run())) is found


@pytest.mark.parametrize("value", ["0", "'4MB'", "true"])
def test_max_file_size_must_be_a_positive_integer(project, value):
    (project / "pyproject.toml").write_text(f"[tool.ormlint]\nmax-file-size = {value}\n")
    result = CliRunner().invoke(main, ["check", "app"])
    assert result.exit_code == 2 and "max-file-size" in result.output


# -- 6. file names in every output format ---------------------------------------------------------

NEWLINE_NAME = "a\nb.py:1:1: ORM999 forged"
UNDECODABLE_NAME = os.fsdecode(b"caf\xe9.py")  # Latin-1 bytes: not UTF-8
NAMES = [NEWLINE_NAME, UNDECODABLE_NAME, "dir/\x1b[31mred\u202e.py"]


def _finding(path: str) -> Finding:
    return Finding(path, 8, 48, "ORM101", f"see {path}", 8, 50)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("output_format", ["text", "json", "sarif", "github"])
def test_every_format_writes_one_line_per_finding_in_any_encoding(name, output_format):
    out = render([_finding(name)], output_format, 1)
    out.encode("utf-8" if output_format in ("text", "github") else "ascii")  # strict: no crash
    if output_format == "text":
        first = out.splitlines()[0]
        assert out.splitlines()[1:] == ["", "Found 1 error in 1 file checked."]
        assert first.count(":8:48: ORM101 see ") == 1
        assert not any(c in first for c in "\x1b\u202e\r\n")
    elif output_format == "github":
        assert out.count("\n") == 1 and out.startswith("::error file=")
    else:
        json.loads(out)  # valid JSON; the JSON itself is plain ASCII


def test_text_names_are_escaped_like_ls():
    assert render([_finding(NEWLINE_NAME)], "text", 1).startswith(
        "a\\x0ab.py:1:1: ORM999 forged:8:48: ORM101 see a\\x0ab.py:1:1: ORM999 forged\n"
    )
    assert render([_finding(UNDECODABLE_NAME)], "text", 1).startswith("caf\\xe9.py:8:48:")
    assert render([_finding("é/\u202e.py")], "text", 1).startswith("é/\\u202e.py:8:48:")


def test_json_keeps_names_but_writes_undecodable_bytes_as_escapes():
    (item,) = json.loads(render([_finding(NEWLINE_NAME)], "json", 1))
    assert item["path"] == NEWLINE_NAME
    (item,) = json.loads(render([_finding(UNDECODABLE_NAME)], "json", 1))
    assert item["path"] == "caf\\xe9.py" and item["message"] == "see caf\\xe9.py"


def test_sarif_uris_are_percent_encoded_bytes():
    def uri(path: str) -> str:
        log = json.loads(render([_finding(path)], "sarif", 1))
        return log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]

    assert uri(UNDECODABLE_NAME) == "caf%E9.py"
    assert uri(NEWLINE_NAME) == "a%0Ab.py%3A1%3A1%3A%20ORM999%20forged"
    assert uri("/abs/" + UNDECODABLE_NAME) == "file:///abs/caf%E9.py"


def test_github_properties_and_data_are_escaped():
    out = render([_finding(NEWLINE_NAME)], "github", 1)
    assert out.startswith("::error file=a%0Ab.py%3A1%3A1%3A ORM999 forged,line=8,")
    assert out.endswith("::ORM101 see a%0Ab.py:1:1: ORM999 forged\n")
    assert "file=caf\\xe9.py," in render([_finding(UNDECODABLE_NAME)], "github", 1)


@pytest.mark.skipif(sys.platform != "linux", reason="any bytes in a file name: Linux file systems")
@pytest.mark.parametrize("output_format", ["text", "json", "sarif", "github"])
def test_the_cli_prints_strange_names_in_every_format(tmp_path, output_format):
    (tmp_path / "app").mkdir()
    for raw in (b"new\nline.py", b"caf\xe9.py"):
        with open(os.path.join(os.fsencode(tmp_path / "app"), raw), "wb") as file:
            file.write(BAD.encode())
    for encoding in ("utf-8:strict", "ascii:strict"):
        result = subprocess.run(
            [sys.executable, "-m", "ormlint", "check", "--no-cache", "--format", output_format, "app"],
            cwd=tmp_path, capture_output=True, timeout=TIMEOUT,
            env={**os.environ, "PYTHONIOENCODING": encoding},
        )
        assert result.returncode == 1, result.stderr
        assert b"Traceback" not in result.stderr
        if output_format == "text":
            assert len(result.stdout.splitlines()) == 4 + 3  # four findings, blank, summary, fixes


def test_fix_messages_and_diff_headers_escape_file_names(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from ormlint.cli import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.ormlint]\n")
    name = "evil\n+++ forged"
    (tmp_path / name).mkdir()
    (tmp_path / name / "m.py").write_text(
        "from sqlalchemy import Column, DateTime\nclass A(Base):\n    __tablename__ = 'a'\n"
        "    at = Column(DateTime, server_default='now()')\n"
    )
    result = CliRunner().invoke(main, ["check", "--diff", "."])
    assert result.exit_code == 1
    headers = [line for line in result.stdout.splitlines() if line.startswith(("---", "+++"))]
    assert headers == ["--- a/evil\\x0a+++ forged/m.py", "+++ b/evil\\x0a+++ forged/m.py"]


def test_fix_does_not_parse_a_file_larger_than_max_file_size(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from ormlint.cli import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.ormlint]\nmax-file-size = 100\n")
    source = (
        "from sqlalchemy import Column, DateTime\nclass A(Base):\n    __tablename__ = 'a'\n"
        "    at = Column(DateTime, server_default='now()')\n"
    )
    (tmp_path / "m.py").write_text(source)
    result = CliRunner().invoke(main, ["check", "--fix", "m.py"])
    assert (tmp_path / "m.py").read_text() == source
    assert "max-file-size" in result.stdout


def test_gitignore_lines_are_split_as_git_splits_them(tmp_path):
    # git splits at "\n" alone (a "\r" before it dropped): a form feed is part of a pattern
    from ormlint.gitignore import _read_patterns

    (tmp_path / ".gitignore").write_bytes(b"a.py\r\nb\x0cc.py\n")
    found = _read_patterns(str(tmp_path), str(tmp_path / ".gitignore"))
    ignored = [
        name for name in ("a.py", "b\x0cc.py", "b", "c.py")
        if found.verdict(str(tmp_path / name), is_dir=False)
    ]
    assert ignored == ["a.py", "b\x0cc.py"]
