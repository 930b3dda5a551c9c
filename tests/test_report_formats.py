"""Output formats: text and json as before, SARIF 2.1.0 (validated against the OASIS schema) and
GitHub Actions annotations."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path
from urllib.parse import unquote, urlsplit

import jsonschema
import pytest
from click.testing import CliRunner

import ormlint
from ormlint.cli import main
from ormlint.findings import Finding
from ormlint.report import FORMATS, render
from ormlint.rules import PARSE_ERROR_CODE, PARSE_ERROR_SUMMARY, RULES
from tests.helpers import lint

SCHEMA_PATH = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"

ABSOLUTE = str(Path("/srv/app/models.py").resolve())
SPECIAL_MESSAGE = 'a "quoted" \\ back\\slash, 100% {0} <tag> & ünïcödé 🐍\nsecond line\r\tend'

FINDINGS = [
    Finding("app/models.py", 9, 5, "ORM301", "`server_default=\"now()\"` is a literal", 9, 48),
    Finding("app/models.py", 8, 47, "ORM101", "`id` is the builtin", 8, 49),
    Finding("app/broken.py", 3, 7, PARSE_ERROR_CODE, "cannot parse: SyntaxError: invalid syntax", 3, 7),
    Finding(ABSOLUTE, 2, 1, "ORM202", SPECIAL_MESSAGE, 4, 12),
    Finding("./pkg/a b/ünï:c,d%.py", 1, 1, "ORM401", "duplicate index", 1, 10),
]


@pytest.fixture(scope="module")
def validator():
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def sarif(findings) -> dict:
    output = render(findings, "sarif", 3)
    assert output.endswith("}\n")
    return json.loads(output)


def assert_valid(validator, log: dict) -> None:
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


# RFC 3986 (jsonschema checks the "uri" formats only with optional packages; check here instead).
_PCHAR = r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})"
RELATIVE_REF = re.compile(rf"(?!/)(?:[A-Za-z0-9\-._~!$&'()*+,;=@]|%[0-9A-Fa-f]{{2}})+(?:/{_PCHAR}*)*")
FILE_URI = re.compile(rf"file://(?:/{_PCHAR}*)+")


def test_formats_tuple_lists_every_format_in_order():
    assert FORMATS == ("text", "json", "sarif", "github", "gitlab", "junit", "pylint")


def test_unknown_format_is_an_error():
    with pytest.raises(ValueError, match="unknown output format 'xml'"):
        render(FINDINGS, "xml", 1)


# -- text and json: unchanged -----------------------------------------------------------------


def test_text_unchanged():
    findings = [Finding("a.py", 1, 2, "ORM301", "msg one", 1, 5), Finding("b.py", 3, 4, "ORM999", "bad", 3, 4)]
    assert render(findings, "text", 7) == (
        "a.py:1:2: ORM301 msg one\n"
        "b.py:3:4: ORM999 bad\n"
        "\n"
        "Found 2 errors in 7 files checked.\n"
    )
    assert render(findings[:1], "text", 1) == "a.py:1:2: ORM301 msg one\n\nFound 1 error in 1 file checked.\n"
    assert render([], "text", 4) == "All checks passed! (4 files checked)\n"


def test_json_unchanged():
    findings = [Finding("a.py", 1, 2, "ORM301", 'say "hi"', 1, 5)]
    assert render(findings, "json", 1) == textwrap.dedent(
        """\
        [
          {
            "code": "ORM301",
            "message": "say \\"hi\\"",
            "path": "a.py",
            "line": 1,
            "column": 2,
            "end_line": 1,
            "end_column": 5,
            "fix": null
          }
        ]
        """
    )
    assert render([], "json", 0) == "[]\n"


# -- SARIF ------------------------------------------------------------------------------------


def test_sarif_is_valid_against_the_oasis_schema(validator):
    log = sarif(FINDINGS)
    assert_valid(validator, log)
    assert log["version"] == "2.1.0"
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert len(log["runs"]) == 1
    assert len(log["runs"][0]["results"]) == len(FINDINGS)


def test_sarif_without_findings_is_valid(validator):
    log = sarif([])
    assert_valid(validator, log)
    assert log["runs"][0]["results"] == []
    assert len(log["runs"][0]["tool"]["driver"]["rules"]) == len(RULES) + 1


def test_the_schema_rejects_broken_sarif(validator):
    """The validation has teeth: the vendored schema is the real one."""
    log = sarif(FINDINGS[:1])
    log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    assert not validator.is_valid(log)
    log = sarif(FINDINGS[:1])
    log["runs"][0]["results"][0]["level"] = "fatal"
    assert not validator.is_valid(log)
    log = sarif(FINDINGS[:1])
    del log["runs"][0]["tool"]["driver"]["name"]
    assert not validator.is_valid(log)


def test_sarif_driver():
    run = sarif(FINDINGS)["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "ormlint"
    assert driver["version"] == ormlint.__version__
    assert driver["informationUri"] == "https://pypi.org/project/ormlint/"
    assert run["columnKind"] == "unicodeCodePoints"


def test_sarif_rule_metadata_for_every_rule_and_parse_error():
    rules = sarif([])["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [*RULES, PARSE_ERROR_CODE]
    for descriptor, (code, rule) in zip(rules, RULES.items()):
        assert descriptor["id"] == code
        assert descriptor["name"] == rule.name
        assert descriptor["shortDescription"] == {"text": rule.summary}
        assert descriptor["fullDescription"]["text"] == " ".join(rule.what_it_does.split())
        assert descriptor["help"] == {"text": rule.docs(), "markdown": rule.docs()}
        assert descriptor["defaultConfiguration"] == {"level": "error"}
    parse_error = rules[-1]
    assert parse_error["name"] == "parse-error"
    assert parse_error["shortDescription"] == {"text": PARSE_ERROR_SUMMARY}
    assert parse_error["fullDescription"]["text"]
    assert parse_error["help"]["text"] == parse_error["help"]["markdown"]
    assert parse_error["help"]["markdown"].startswith(f"# parse-error ({PARSE_ERROR_CODE})\n")
    assert parse_error["defaultConfiguration"] == {"level": "error"}


def test_sarif_results_point_at_their_rule_and_keep_the_message():
    log = sarif(FINDINGS)
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    results = log["runs"][0]["results"]
    by_message = {r["message"]["text"]: r for r in results}
    for finding in FINDINGS:
        result = by_message[finding.message]
        assert result["ruleId"] == finding.code
        assert rules[result["ruleIndex"]]["id"] == finding.code
        assert result["level"] == "error"
    assert by_message[SPECIAL_MESSAGE]["message"]["text"] == SPECIAL_MESSAGE


def test_sarif_regions_equal_the_findings():
    results = sarif(FINDINGS)["runs"][0]["results"]
    by_message = {r["message"]["text"]: r for r in results}
    for finding in FINDINGS:
        (location,) = by_message[finding.message]["locations"]
        assert location["physicalLocation"]["region"] == {
            "startLine": finding.line,
            "startColumn": finding.column,
            "endLine": finding.end_line,
            "endColumn": finding.end_column,
        }


def _artifact(path: str) -> dict:
    finding = Finding(path, 1, 1, "ORM301", "m", 1, 2)
    return sarif([finding])["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]


def test_sarif_relative_paths_are_relative_uris_under_srcroot():
    assert _artifact("app/models.py") == {"uri": "app/models.py", "uriBaseId": "%SRCROOT%"}
    assert _artifact("./app/models.py") == {"uri": "app/models.py", "uriBaseId": "%SRCROOT%"}
    assert _artifact("models.py") == {"uri": "models.py", "uriBaseId": "%SRCROOT%"}


def test_sarif_relative_uris_are_escaped_and_round_trip():
    path = "pkg/a b/ünï:c,d%.py"
    artifact = _artifact("./" + path)
    assert artifact["uriBaseId"] == "%SRCROOT%"
    uri = artifact["uri"]
    assert RELATIVE_REF.fullmatch(uri), uri
    assert urlsplit(uri).scheme == ""  # the ":" is escaped, so "pkg/a b/ünï" is not read as a scheme
    assert unquote(uri) == path
    assert _artifact("a:b.py")["uri"] == "a%3Ab.py"


def test_sarif_absolute_paths_are_file_uris():
    artifact = _artifact(ABSOLUTE)
    assert "uriBaseId" not in artifact
    assert artifact["uri"] == Path(ABSOLUTE).as_uri()
    assert FILE_URI.fullmatch(artifact["uri"])
    spaced = _artifact(str(Path("/srv/my app/ünï.py").resolve()))["uri"]
    assert FILE_URI.fullmatch(spaced), spaced
    assert unquote(urlsplit(spaced).path) == Path("/srv/my app/ünï.py").resolve().as_posix()


def test_sarif_is_deterministic():
    first = render(FINDINGS, "sarif", 5)
    assert render(list(reversed(FINDINGS)), "sarif", 1) == first
    assert render(FINDINGS, "sarif", 5) == first
    results = json.loads(first)["runs"][0]["results"]
    paths = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results]
    lines = [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in results]
    # Sorted by path then position: the two findings in app/models.py come line 8 then line 9.
    assert [(p, n) for p, n in zip(paths, lines) if p == "app/models.py"] == [
        ("app/models.py", 8), ("app/models.py", 9)
    ]
    assert first.endswith("\n") and not first.endswith("\n\n")


# -- GitHub annotations -----------------------------------------------------------------------


def _unescape(value: str) -> str:
    """What the Actions runner does to a workflow command's property values and message."""
    for escaped, char in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        value = value.replace(escaped, char)
    return value


def _parse_command(line: str) -> tuple[str, dict[str, str], str]:
    match = re.fullmatch(r"::(\w+) ([^:]*)::(.*)", line)
    assert match, line
    properties = dict(item.split("=", 1) for item in match.group(2).split(","))
    return match.group(1), {k: _unescape(v) for k, v in properties.items()}, _unescape(match.group(3))


def test_github_one_error_command_per_finding():
    findings = [Finding("app/models.py", 9, 5, "ORM301", "use text()", 9, 48)]
    assert render(findings, "github", 1) == (
        "::error file=app/models.py,line=9,col=5,endLine=9,endColumn=48,title=ORM301::ORM301 use text()\n"
    )


def test_github_no_findings_no_output():
    assert render([], "github", 12) == ""


def test_github_escapes_data_and_properties():
    finding = Finding("dir,with:odd%/m.py", 2, 3, "ORM202", "50% off\nnext line\r\nend: a, b", 4, 5)
    output = render([finding], "github", 1)
    assert output.count("\n") == 1 and output.endswith("\n")  # one command, no summary line
    line = output.rstrip("\n")
    assert line == (
        "::error file=dir%2Cwith%3Aodd%25/m.py,line=2,col=3,endLine=4,endColumn=5,title=ORM202"
        "::ORM202 50%25 off%0Anext line%0D%0Aend: a, b"
    )
    command, properties, message = _parse_command(line)
    assert command == "error"
    assert properties == {
        "file": finding.path, "line": "2", "col": "3", "endLine": "4", "endColumn": "5", "title": "ORM202",
    }
    assert message == f"ORM202 {finding.message}"


def test_github_round_trips_every_finding():
    output = render(FINDINGS, "github", 5)
    lines = output.splitlines()
    assert len(lines) == len(FINDINGS)
    for line, finding in zip(lines, FINDINGS):
        _, properties, message = _parse_command(line)
        assert properties["file"] == finding.path
        assert (properties["line"], properties["col"]) == (str(finding.line), str(finding.column))
        assert (properties["endLine"], properties["endColumn"]) == (
            str(finding.end_line), str(finding.end_column)
        )
        assert properties["title"] == finding.code
        assert message == f"{finding.code} {finding.message}"


# -- end to end -------------------------------------------------------------------------------

BAD_MODELS = """\
    from sqlalchemy import Column, DateTime, Integer
    from sqlalchemy.orm import relationship


    class Node(Base):
        __tablename__ = "node"
        node_id = Column(Integer, primary_key=True)
        parent = relationship("Node", remote_side=[id])
        created = Column(DateTime, server_default="now()")
    """


def test_real_findings_through_every_format(validator):
    findings = lint(BAD_MODELS, path="app/models.py") + lint(
        "import sqlalchemy\nclass A(:\n    pass\n", path="app/broken.py"
    )
    codes = {f.code for f in findings}
    assert {"ORM101", "ORM301", PARSE_ERROR_CODE} <= codes

    log = sarif(findings)
    assert_valid(validator, log)
    results = log["runs"][0]["results"]
    assert sorted(
        (
            r["ruleId"],
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            tuple(r["locations"][0]["physicalLocation"]["region"].values()),
            r["message"]["text"],
        )
        for r in results
    ) == sorted(
        (f.code, f.path, (f.line, f.column, f.end_line, f.end_column), f.message) for f in findings
    )

    github = render(findings, "github", 2).splitlines()
    assert [_parse_command(line)[1]["title"] for line in github] == [f.code for f in findings]


def test_cli_format_sarif_and_github(tmp_path, monkeypatch, validator):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "models.py").write_text(textwrap.dedent(BAD_MODELS))
    runner = CliRunner()

    result = runner.invoke(main, ["check", "app", "--format", "sarif"], catch_exceptions=False)
    assert result.exit_code == 1
    log = json.loads(result.output)
    assert_valid(validator, log)
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"]
    }
    assert uris == {"app/models.py"}

    result = runner.invoke(main, ["check", "app", "--format", "github"], catch_exceptions=False)
    assert result.exit_code == 1
    assert result.output.splitlines()
    assert all(line.startswith("::error file=app/models.py,") for line in result.output.splitlines())


# -- gitlab, junit, pylint; source, colour, quiet, output file; fingerprints ---------------------

SOURCE = {"app/models.py": ["x = 1\n"] * 7 + ["    parent_id = relationship(remote_side=[id])\n",
                                              '    at = Column(DateTime, server_default="now()")\n']}


def _lines(path: str) -> list[str]:
    return SOURCE.get(path, [])


def test_gitlab_code_quality_report():
    report = json.loads(render(FINDINGS, "gitlab", 3, lines_for=_lines))
    assert [r["check_name"] for r in report] == [f.code for f in FINDINGS]
    first = report[0]
    assert first["location"] == {"path": "app/models.py", "lines": {"begin": 9, "end": 9}}
    assert first["severity"] == "major" and first["description"].startswith("ORM301 ")
    assert len({r["fingerprint"] for r in report}) == len(report)


def test_fingerprints_follow_the_line_text_not_its_number():
    from ormlint.report.formats import fingerprints

    moved = {"app/models.py": ["# a new line above\n"] + SOURCE["app/models.py"]}
    finding = FINDINGS[0]
    shifted = Finding(finding.path, finding.line + 1, finding.column, finding.code, finding.message,
                      finding.end_line + 1, finding.end_column)
    assert fingerprints([finding], _lines) == fingerprints([shifted], lambda p: moved.get(p, []))
    twice = fingerprints([finding, finding], _lines)
    assert twice[0] != twice[1]  # two alike findings in one file stay apart
    other = Finding(finding.path, 8, 1, finding.code, finding.message, 8, 2)
    assert fingerprints([other], _lines) != fingerprints([finding], _lines)


def test_sarif_carries_partial_fingerprints_when_the_source_is_at_hand(validator):
    log = json.loads(render(FINDINGS, "sarif", 3, lines_for=_lines))
    validator.validate(log)
    results = log["runs"][0]["results"]
    assert all(set(r["partialFingerprints"]) == {"ormlintFingerprint/v1"} for r in results)


def test_junit_one_failing_case_per_finding_and_a_passing_case_without():
    import xml.etree.ElementTree as ET

    suite = ET.fromstring(render(FINDINGS, "junit", 3)).find("testsuite")
    assert suite.get("failures") == str(len(FINDINGS)) and len(suite.findall("testcase")) == len(FINDINGS)
    failure = suite.find("testcase/failure")
    assert failure.get("message") == FINDINGS[0].message
    clean = ET.fromstring(render([], "junit", 3)).find("testsuite")
    assert clean.get("failures") == "0" and clean.find("testcase/failure") is None


def test_pylint_one_line_per_finding():
    lines = render(FINDINGS[:2], "pylint", 1).splitlines()
    assert lines == ["app/models.py:9: [ORM301] `server_default=\"now()\"` is a literal",
                     "app/models.py:8: [ORM101] `id` is the builtin"]


def test_text_show_source_marks_the_span():
    text = render(FINDINGS[:1], "text", 1, lines_for=_lines, show_source=True)
    gutter, shown, marked = text.splitlines()[1:4]
    assert gutter == "  |" and shown == '9 |     at = Column(DateTime, server_default="now()")'
    source = shown[len("9 | "):]
    start = marked.index("^") - len("  | ")
    assert source[start:start + marked.count("^")] == source[4:47]  # columns 5..48 (exclusive)


def test_text_colour_and_quiet():
    coloured = render(FINDINGS[:1], "text", 1, color=True)
    assert "\033[31m" in coloured and "\033[0m" in coloured
    assert "\033[" not in render(FINDINGS[:1], "text", 1)
    assert render(FINDINGS[:1], "text", 1, quiet=True).splitlines() == [
        "app/models.py:9:5: ORM301 `server_default=\"now()\"` is a literal"
    ]


def test_cli_output_file_colour_and_statistics_as_json(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.ormlint]\n")
    (tmp_path / "m.py").write_text(
        "from sqlalchemy import Column, DateTime\nclass A(Base):\n    __tablename__ = 'a'\n"
        "    at = Column(DateTime, server_default='now()')\n"
    )
    result = CliRunner().invoke(main, ["check", "m.py", "-o", "out.txt", "--color", "always", "--show-source"])
    assert result.exit_code == 1 and result.stdout == ""
    written = (tmp_path / "out.txt").read_text()
    assert "\033[31mORM301" in written and "^^^^^^^" in written
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\033[" not in CliRunner().invoke(main, ["check", "m.py"]).stdout
    stats = json.loads(CliRunner().invoke(main, ["check", "m.py", "--statistics", "--format", "json"]).stdout)
    assert stats == [{"code": "ORM301", "name": RULES["ORM301"].name, "count": 1, "fixable": 1}]
    stats_text = CliRunner().invoke(main, ["check", "m.py", "--statistics"]).stdout
    assert stats_text.endswith("ORM301  server-default-sql-string\nFound 1 error.\n")
    for output_format in ("sarif", "github", "gitlab", "junit", "pylint"):
        both = CliRunner().invoke(main, ["check", "m.py", "--statistics", "--format", output_format])
        alone = CliRunner().invoke(main, ["check", "m.py", "--format", output_format])
        assert (both.exit_code, both.stdout) == (alone.exit_code, alone.stdout)
        assert both.stderr == stats_text
