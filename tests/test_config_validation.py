"""Configuration that cannot silently turn rules off: rule selectors are validated, repeated
options add up, and every broken configuration is one line on stderr with exit status 2."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from ormlint.cli import main
from ormlint.rules import RULES
from ormlint.rules.base import example_files, strip_markers

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


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "models.py").write_text(BAD)
    (tmp_path / "pyproject.toml").write_text("[tool.ormlint]\n")
    return tmp_path


def invoke(*args: str):
    return CliRunner().invoke(main, ["check", "--no-cache", *args])


def codes(*args: str) -> list[str]:
    result = invoke("--format", "json", *args)
    assert result.exit_code in (0, 1), result.output
    return sorted(d["code"] for d in json.loads(result.stdout))


def assert_config_error(result, *expected: str) -> None:
    """Exit 2 and a single line on stderr saying what is wrong; no traceback."""
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("ormlint: error: "), result.stderr
    for text in expected:
        assert text in lines[0], lines[0]


# -- 1. rule selectors ----------------------------------------------------------------------------


@pytest.mark.parametrize("option", ["--select", "--ignore", "--extend-select"])
@pytest.mark.parametrize(
    ("value", "hint"),
    [("ORM3O1", "did you mean ORM301?"), ("ORM9999", "did you mean ORM999?"), ("FOO", ""),
     ("", ""), ("ORM1,,ORM3", ""), ("OR", ""), ("ORM301x", "")],
)
def test_unknown_selector_on_the_command_line_is_an_error(project, option, value, hint):
    result = invoke("app", option, value)
    assert_config_error(result, f"invalid value for '{option}'", "unknown rule selector", hint)


@pytest.mark.parametrize("key", ["select", "ignore", "extend-select"])
@pytest.mark.parametrize("value", ['"ORM3O1"', '"FOO"', '""', '"ORM9999"'])
def test_unknown_selector_in_the_config_is_an_error(project, key, value):
    (project / "pyproject.toml").write_text(f"[tool.ormlint]\n{key} = [{value}]\n")
    assert_config_error(invoke("app"), str(project / "pyproject.toml"), key, "unknown rule selector")


@pytest.mark.parametrize("value", ['[""]', '["ORM3O1"]', '["orm30", "FOO"]'])
def test_unknown_selector_in_per_file_ignores_is_an_error(project, value):
    (project / "pyproject.toml").write_text(f'[tool.ormlint]\nper-file-ignores = {{ "*" = {value} }}\n')
    assert_config_error(invoke("app"), "per-file-ignores", "unknown rule selector")


def test_the_hint_names_the_closest_code(project):
    (project / "pyproject.toml").write_text('[tool.ormlint]\nignore = ["ORM3O1"]\n')
    assert_config_error(invoke("app"), "unknown rule selector 'ORM3O1' (did you mean ORM301?)")


def test_empty_select_is_an_error(project):
    (project / "pyproject.toml").write_text("[tool.ormlint]\nselect = []\n")
    assert_config_error(invoke("app"), "select", "empty")


def test_lower_case_selectors_behave_as_upper_case(project):
    assert codes("app", "--select", "orm30") == ["ORM301"]
    assert codes("app", "--ignore", "orm301") == ["ORM101"]
    assert codes("app", "--select", "orm1", "--extend-select", "orm301") == ["ORM101", "ORM301"]
    (project / "pyproject.toml").write_text(
        '[tool.ormlint]\nper-file-ignores = { "app/*" = ["orm301"] }\n'
    )
    assert codes("app") == ["ORM101"]
    (project / "pyproject.toml").write_text('[tool.ormlint]\nselect = ["orm3"]\nignore = ["orm1"]\n')
    assert codes("app") == ["ORM301"]


def test_valid_selectors_are_accepted(project):
    for selector in ("ORM", "ORM3", "ORM30", "ORM301", "ORM9", "ORM999", "ALL"):
        assert invoke("app", "--select", selector).exit_code in (0, 1), selector


def test_parse_errors_cannot_be_turned_off_by_an_empty_selector(project):
    (project / "app" / "broken.py").write_text("import sqlalchemy\ndef f(:\n")
    assert "ORM999" in codes("app", "--ignore", "ORM1,ORM3")
    assert invoke("app", "--ignore", "").exit_code == 2
    (project / "pyproject.toml").write_text('[tool.ormlint]\nignore = [""]\n')
    assert invoke("app").exit_code == 2


# -- 2. repeated options add up -------------------------------------------------------------------


def test_repeated_options_add_up(project):
    (project / "app" / "other.py").write_text(BAD)
    assert codes("app/models.py", "--select", "ORM1", "--select", "ORM3") == ["ORM101", "ORM301"]
    assert codes("app/models.py", "--ignore", "ORM101", "--ignore", "ORM301") == []
    assert codes(
        "app/models.py", "--select", "ORM4", "--extend-select", "ORM101", "--extend-select", "ORM301"
    ) == ["ORM101", "ORM301"]
    assert codes("app", "--select", "ORM1,ORM3", "--select", "ORM4") == ["ORM101", "ORM101", "ORM301", "ORM301"]
    assert codes("app", "--extend-exclude", "models.py", "--extend-exclude", "other.py") == []
    assert codes("app", "--exclude", "models.py", "--exclude", "other.py") == []


# -- 3. value types -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "key"),
    [('select = "ORM3"', "select"), ("ignore = [301]", "ignore"), ('extend-exclude = "x"', "extend-exclude"),
     ('migrations = "alembic"', "migrations"), ('per-file-ignores = { "*" = "ORM3" }', "per-file-ignores")],
)
def test_a_value_of_the_wrong_type_names_the_key_and_the_type(project, line, key):
    (project / "pyproject.toml").write_text(f"[tool.ormlint]\n{line}\n")
    assert_config_error(invoke("app"), key, "must be a list of strings")


# -- 4 and 5. migration locations -----------------------------------------------------------------

DRIFT = {name: strip_markers(text) for name, text in example_files(RULES["ORM703"].invalid[0]).items()}
GHOST_REVISION = textwrap.dedent(
    """\
    from alembic import op
    import sqlalchemy as sa

    revision = "g1"
    down_revision = None


    def upgrade():
        op.create_table("ghost", sa.Column("id", sa.Integer, primary_key=True))
    """
)

TABLE = textwrap.dedent(
    """\
    from sqlalchemy import Column, Integer
    from sqlalchemy.orm import DeclarativeBase


    class Base(DeclarativeBase):
        pass


    class Node(Base):
        __tablename__ = "node"
        id = Column(Integer, primary_key=True)
    """
)


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def test_migrations_option_without_revisions_is_an_error(project):
    (project / "empty").mkdir()
    (project / "plain" / "versions").mkdir(parents=True)
    (project / "plain" / "versions" / "helpers.py").write_text("x = 1\n")
    assert_config_error(invoke("app", "--migrations", "empty"), "--migrations", "no Alembic revision")
    assert_config_error(invoke("app", "--migrations", "plain"), "no Alembic revision")


def test_migrations_config_without_revisions_is_an_error(project):
    (project / "empty").mkdir()
    (project / "pyproject.toml").write_text('[tool.ormlint]\nmigrations = ["empty"]\n')
    assert_config_error(invoke("app"), "pyproject.toml", "migrations", "no Alembic revision")
    (project / "pyproject.toml").write_text('[tool.ormlint]\nmigrations = ["missing"]\n')
    assert_config_error(invoke("app"), "migrations", "missing")


def test_migrations_with_revisions_are_accepted(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, {k: v for k, v in DRIFT.items() if k != "alembic.ini"})
    (tmp_path / "pyproject.toml").write_text('[tool.ormlint]\nmigrations = ["migrations"]\n')
    assert codes(".") == ["ORM703"]
    (tmp_path / "pyproject.toml").write_text('[tool.ormlint]\nmigrations = ["migrations/versions"]\n')
    assert codes(".") == ["ORM703"]
    assert codes(".", "--migrations", "migrations") == ["ORM703"]
    # --no-migrations reads nothing, so an explicit directory is not checked either
    assert codes(".", "--no-migrations", "--migrations", ".") == []


@pytest.mark.parametrize("location", ["/", "..", "../outside"])
def test_configured_migrations_outside_the_project_are_an_error(tmp_path, monkeypatch, location):
    root = tmp_path / "project"
    _write(root, {"models.py": BAD})
    _write(tmp_path, {"outside/versions/g1.py": GHOST_REVISION})
    monkeypatch.chdir(root)
    (root / "pyproject.toml").write_text(f'[tool.ormlint]\nmigrations = ["{location}"]\n')
    assert_config_error(invoke("."), "migrations", "outside the project")


def test_migrations_option_may_name_a_directory_outside_the_project(tmp_path, monkeypatch):
    root = tmp_path / "project"
    _write(root, {"models.py": TABLE, "pyproject.toml": "[tool.ormlint]\n"})
    _write(tmp_path, {"outside/versions/g1.py": GHOST_REVISION})
    monkeypatch.chdir(root)
    assert codes(".", "--migrations", str(tmp_path / "outside")) == ["ORM701", "ORM702"]


def test_alembic_version_locations_outside_the_project_are_skipped_with_a_warning(tmp_path, monkeypatch):
    root = tmp_path / "project"
    _write(root, {"models.py": TABLE, "pyproject.toml": "[tool.ormlint]\n"})
    _write(tmp_path, {"outside/versions/g1.py": GHOST_REVISION})
    (root / "alembic.ini").write_text(f"[alembic]\nscript_location = %(here)s/db\nversion_locations = {tmp_path / 'outside' / 'versions'}\n")
    monkeypatch.chdir(root)
    result = invoke(".", "--format", "json")
    assert result.exit_code == 0 and json.loads(result.stdout) == [], result.output
    assert "outside the project" in result.stderr and "version_locations" in result.stderr


# -- 6. configuration shapes ----------------------------------------------------------------------

SHAPES = {
    "not a table": "[tool]\normlint = 5\n",
    "array of tables": '[[tool.ormlint]]\nselect = ["ORM1"]\n',
    "tool not a table": "tool = 5\n",
    "per-file-ignores not a table": 'tool.ormlint.per-file-ignores = ["x"]\n',
    "per-file-ignores nested": 'tool.ormlint.per-file-ignores = { "*" = { a = ["ORM1"] } }\n',
    "deeply nested array": "[tool.ormlint]\nselect = " + "[" * 5000 + "]" * 5000 + "\n",
    "deeply nested table": "[tool.ormlint]\nselect = " + "{a=" * 5000 + "1" + "}" * 5000 + "\n",
    "not TOML": "[tool.ormlint\n",
    "not UTF-8": b"[tool.ormlint]\nselect = [\"\xff\"]\n",
}


@pytest.mark.parametrize("shape", list(SHAPES))
def test_broken_configuration_shapes_are_one_line_errors(project, shape):
    content = SHAPES[shape]
    pyproject = project / "pyproject.toml"
    pyproject.write_bytes(content if isinstance(content, bytes) else content.encode())
    assert_config_error(invoke("app"), f"{pyproject}: ")


@pytest.mark.parametrize("shape", list(SHAPES))
def test_the_language_server_reports_broken_configuration_shapes(project, shape):
    from ormlint.lsp import DocumentLinter

    content = SHAPES[shape]
    (project / "pyproject.toml").write_bytes(content if isinstance(content, bytes) else content.encode())
    errors: list[str] = []
    linter = DocumentLinter(on_config_error=errors.append)
    diagnostics = linter.lint((project / "app" / "models.py").as_uri(), BAD).diagnostics
    assert sorted(d.code for d in diagnostics) == ["ORM101", "ORM301"]
    assert len(errors) == 1 and str(project / "pyproject.toml") in errors[0]
    assert "Traceback" not in errors[0] and "\n" not in errors[0]


def test_flake8_ignores_broken_configuration_shapes(project):
    for content in ("[tool]\normlint = 5\n", "[tool.ormlint\n", "[tool.ormlint]\nselect = []\n"):
        (project / "pyproject.toml").write_text(content)
        out = subprocess.run(
            [sys.executable, "-m", "flake8", "--select", "ORM", "app"],
            cwd=project, capture_output=True, text=True, check=False,
        )
        assert out.returncode == 1 and "Traceback" not in out.stderr, out.stderr
        assert out.stdout.count("ORM") == 2


# -- 7. explain -----------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["ORM999", "orm999", "parse-error", "Parse-Error"])
def test_explain_parse_error(key):
    result = CliRunner().invoke(main, ["explain", key])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("# parse-error (ORM999)")
    assert "## What it does" in result.output


@pytest.mark.parametrize("key", ["ORM301", "orm301", " orm301 ", "server-default-sql-string", "Server-Default-SQL-String"])
def test_explain_by_code_or_name_in_any_case(key):
    result = CliRunner().invoke(main, ["explain", key])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("# server-default-sql-string (ORM301)")


def test_explain_unknown_rule_suggests_the_closest():
    result = CliRunner().invoke(main, ["explain", "ORM3O1"])
    assert result.exit_code == 2 and "did you mean ORM301?" in result.stderr


# -- 8. # noqa: the CLI and flake8 agree ----------------------------------------------------------

NOQA_VARIANTS = ["# noqa", "# NOQA: orm301", "# noqa:ORM301", "# noqa: ORM3", "# noqa: E501",
                 "# noqa: orm3, e501", "# noqa: E501  # noqa: ORM301", "# NoQa:Orm301", ""]


def test_noqa_means_the_same_under_ormlint_and_flake8(tmp_path):
    lines = ["from sqlalchemy import Column, DateTime", "", "", "class A(Base):", '    __tablename__ = "a"']
    for number, comment in enumerate(NOQA_VARIANTS):
        lines.append(f'    c{number} = Column(DateTime, server_default="now()")  {comment}'.rstrip())
    (tmp_path / "models.py").write_text("\n".join(lines) + "\n")
    (tmp_path / "pyproject.toml").write_text("[tool.ormlint]\n")
    cli = subprocess.run(
        [sys.executable, "-m", "ormlint", "check", "--no-cache", "--format", "json", "models.py"],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )
    from_cli = sorted((d["line"], d["code"]) for d in json.loads(cli.stdout))
    flake8 = subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "ORM", "--format", "%(row)d|%(code)s", "models.py"],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )
    from_flake8 = sorted((int(row), code) for row, code in (line.split("|") for line in flake8.stdout.splitlines()))
    reported = {lines[line - 1].rpartition(")")[2].strip() for line, _ in from_cli}
    assert reported == {"# noqa: E501", ""}  # what flake8 and ormlint both mean by it
    assert from_cli == from_flake8
    # --disable-noqa still reports everything
    flake8_all = subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "ORM", "--disable-noqa", "models.py"],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )
    assert flake8_all.stdout.count("ORM301") == len(NOQA_VARIANTS)
