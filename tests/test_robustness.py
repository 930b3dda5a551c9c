"""No input crashes the engine: bad files become ORM999 findings, everything else analyses."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ormlint.analysis import analyse_source
from ormlint.codes import all_codes
from ormlint.rules import RULES
from ormlint.rules.base import python_sources

CODES = frozenset(all_codes())
FIXTURES = sorted((Path(__file__).parent.parent / "fixtures").rglob("*.py"))
CORPUS = [p.read_text() for p in FIXTURES] + [
    m for r in RULES.values() for s in (*r.invalid, *r.valid) for m in python_sources(s)
]


def assert_sane(source: str) -> None:
    findings = analyse_source(source, "m.py", CODES)
    lines = max(1, len(source.splitlines()))
    for finding in findings:
        assert finding.code in CODES
        assert 1 <= finding.line <= max(lines, 1) + 1
        if finding.code == "ORM999":
            assert "internal error" not in finding.message, finding.message


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(CORPUS), st.data())
def test_mutated_model_files_never_crash(source, data):
    # delete, duplicate or insert characters at random points of a real model file
    for _ in range(data.draw(st.integers(1, 4))):
        if not source:
            break
        i = data.draw(st.integers(0, len(source) - 1))
        j = data.draw(st.integers(i, min(len(source), i + 40)))
        op = data.draw(st.sampled_from(["delete", "duplicate", "insert"]))
        if op == "delete":
            source = source[:i] + source[j:]
        elif op == "duplicate":
            source = source[:j] + source[i:j] + source[j:]
        else:
            source = source[:i] + data.draw(st.sampled_from(list("()[]{}:=,.'\"\\#\n \t@*"))) + source[i:]
    assert_sane(source)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_text_never_crashes(text):
    assert_sane("import sqlalchemy\n" + text)


def test_deep_nesting_is_reported_not_fatal():
    deep = "from sqlalchemy.orm import relationship\nclass A(Base):\n    x = relationship(remote_side=1" + "+id" * 600 + ")\n"
    findings = analyse_source(deep, "m.py", CODES)
    assert [f.code for f in findings] == ["ORM999"]
    too_deep = "import sqlalchemy\nx = " + "(" * 500 + ")" * 500 + "\n"
    (finding,) = analyse_source(too_deep, "m.py", CODES)
    assert finding.code == "ORM999" and "too many nested parentheses" in finding.message


def test_nesting_depth_is_measured_on_the_brackets_alone():
    from ormlint.analysis import MAX_BRACKET_DEPTH, _nests_too_deep

    deep = MAX_BRACKET_DEPTH + 1
    assert _nests_too_deep("x = " + "[" * deep + "a, (b)" + "]" * deep)
    assert not _nests_too_deep("x = " + "[" * MAX_BRACKET_DEPTH + "a" + "]" * MAX_BRACKET_DEPTH)
    assert not _nests_too_deep("f(a)\n" * (2 * deep))  # many brackets, none deep


def test_warnings_from_the_users_code_are_not_printed(recwarn):
    analyse_source('import sqlalchemy\nx = "\\d+"\n', "m.py", CODES)
    assert [str(w.message) for w in recwarn] == []


def test_syntax_newer_than_this_python_is_analysed_by_libcst():
    # PEP 695 `type` statements and PEP 701 f-strings: ast on Python 3.11 rejects them.
    source = (
        "from sqlalchemy.orm import Mapped, mapped_column\n"
        "type Payload = dict[str, int]\n"
        "class A(Base):\n"
        "    __tablename__ = 'a'\n"
        "    x: Mapped[int] = mapped_column(nullable=True)\n"
        "    def label(self):\n"
        "        return f\"{\n"
        "            self.x\n"
        "        }\"\n"
    )
    assert [f.code for f in analyse_source(source, "m.py", CODES)] == ["ORM202"]


def test_real_syntax_errors_keep_cpythons_message():
    (finding,) = analyse_source("import sqlalchemy\nclass A(:\n    pass\n", "m.py", CODES)
    assert finding.code == "ORM999" and finding.line == 2
    assert finding.message.startswith("cannot parse: SyntaxError:")


def test_the_garbage_collector_is_back_after_a_file():
    import gc

    for source in ("import sqlalchemy\nclass A(Base):\n    x = 1\n", "import sqlalchemy\nclass A(:\n"):
        analyse_source(source, "m.py", CODES)
        assert gc.isenabled()
    gc.disable()
    try:
        analyse_source("import sqlalchemy\n", "m.py", CODES)
        assert not gc.isenabled()  # a caller that paused it itself keeps it paused
    finally:
        gc.enable()


def test_an_internal_error_is_reported_in_one_short_line(monkeypatch):
    # A KeyError on a syntax node prints the node's whole tree; the finding names the error only.
    import libcst as cst

    from ormlint.analysis import MAX_REASON_LENGTH

    module = cst.parse_module("class A(Base):\n" + "    x = Column(Integer)\n" * 200)

    def broken(self, model):
        raise KeyError(module)

    monkeypatch.setattr(RULES["ORM205"], "check", broken)
    (finding,) = analyse_source("import sqlalchemy\nclass A(Base):\n    x = 1\n", "m.py", CODES)
    assert finding.code == "ORM999"
    assert finding.message.startswith("ormlint internal error (KeyError: Module(")
    assert "\n" not in finding.message
    assert len(finding.message) <= MAX_REASON_LENGTH + len("ormlint internal error (); please report it")
