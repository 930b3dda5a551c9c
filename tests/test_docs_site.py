"""The rule site (`ormlint docs build`): every page there, every internal link resolving, and the
configuration reference in step with the keys ormlint accepts."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from ormlint.cli import main
from ormlint.config import KNOWN_KEYS
from ormlint.config_reference import KEYS
from ormlint.docs_site import markdown_to_html
from ormlint.rules import PARSE_ERROR_CODE, RULES

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()
VOID = {"meta", "input", "br", "img", "hr", "link"}


class Page(HTMLParser):
    """Links, ids and tag balance of one page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.open: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "href" in attrs:
            self.links.append(attrs["href"])
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag not in VOID:
            self.open.append(tag)

    def handle_endtag(self, tag):
        if not self.open or self.open[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.open[-1:] or 'nothing'}")
        else:
            self.open.pop()


def _parsed(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    directory = tmp_path_factory.mktemp("site")
    result = CliRunner().invoke(main, ["docs", "build", str(directory)])
    assert result.exit_code == 0, result.output
    return directory


def test_every_rule_has_a_page_linked_from_the_index(site):
    index = _parsed(site / "index.html")
    for code in [*RULES, PARSE_ERROR_CODE]:
        assert (site / "rules" / f"{code}.html").is_file()
        assert f"rules/{code}.html" in index.links


def test_every_internal_link_and_anchor_resolves_and_every_page_is_balanced(site):
    pages = sorted(site.rglob("*.html"))
    assert len(pages) == len(RULES) + 3  # rules, ORM999, index, configuration
    for path in pages:
        page = _parsed(path)
        assert not page.errors and not page.open, (path, page.errors, page.open)
        for link in page.links:
            if re.match(r"[a-z]+:", link):
                assert link.startswith("https://"), (path, link)  # references only
                continue
            target, _, anchor = link.partition("#")
            target_path = (path.parent / target).resolve() if target else path
            assert target_path.is_file(), (path, link)
            if anchor:
                assert anchor in _parsed(target_path).ids, (path, link)


def test_a_rule_page_is_the_rules_own_docs(site):
    page = (site / "rules" / "ORM301.html").read_text()
    assert '<h2 id="what-it-does">What it does</h2>' in page
    assert "server_default=func.now()" in page  # the valid example
    assert "mapped_column(server_default=&quot;now()&quot;)" in page  # the invalid one, escaped
    opt_in = [code for code, rule in RULES.items() if "opt-in" in rule.what_it_does.lower()]
    assert opt_in  # ORM801
    index = (site / "index.html").read_text()
    for code in opt_in:
        assert re.search(rf'rules/{code}\.html">{code}</a></td><td>[^<]*<em>\(opt-in\)</em>', index)


def test_markdown_is_escaped_not_interpreted():
    rendered = markdown_to_html("# T <b>\n\nSee `x < 1` and <script>alert(1)</script>\n\n```python\nif a < b:\n```\n")
    assert "<script>" not in rendered and "<b>" not in rendered
    assert "<code>x &lt; 1</code>" in rendered and "if a &lt; b:" in rendered


def test_the_configuration_reference_is_every_key_ormlint_accepts(site):
    assert {key.key for key in KEYS} == KNOWN_KEYS
    block = README.split("## Configuration", 1)[1].split("```", 2)[1]
    for key in KNOWN_KEYS:
        assert re.search(rf"^{re.escape(key)} = ", block, re.MULTILINE), f"README does not list {key}"
    page = _parsed(site / "configuration.html")
    assert KNOWN_KEYS <= page.ids


def test_sarif_and_explain_point_at_the_published_page(tmp_path, monkeypatch):
    models = "from sqlalchemy import Column, DateTime\nclass A(Base):\n    __tablename__ = 'a'\n    a = Column(DateTime, server_default='now()')\n"
    runner = CliRunner()
    monkeypatch.chdir(tmp_path)
    Path("models.py").write_text(models)
    plain = json.loads(runner.invoke(main, ["check", "--format", "sarif", "--no-cache", "models.py"]).output)
    assert all("helpUri" not in r for r in plain["runs"][0]["tool"]["driver"]["rules"])
    monkeypatch.setenv("ORMLINT_DOCS_URL", "https://docs.example.org/ormlint/")
    sarif = json.loads(runner.invoke(main, ["check", "--format", "sarif", "--no-cache", "models.py"]).output)
    rules = {r["id"]: r for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["ORM301"]["helpUri"] == "https://docs.example.org/ormlint/rules/ORM301.html"
    explained = runner.invoke(main, ["explain", "server-default-sql-string"]).output
    assert explained.rstrip().endswith("Online: https://docs.example.org/ormlint/rules/ORM301.html")
    # The text format: the code links to its page on a terminal (OSC 8), and --show-source
    # names the page under the excerpt.
    page = "https://docs.example.org/ormlint/rules/ORM301.html"
    coloured = runner.invoke(main, ["check", "--color", "always", "--no-cache", "models.py"]).output
    assert f"\033]8;;{page}\033\\ORM301\033]8;;\033\\" in coloured
    full = runner.invoke(main, ["check", "--show-source", "--no-cache", "models.py"]).output
    assert f"  | = docs: {page}\n" in full
    monkeypatch.delenv("ORMLINT_DOCS_URL")
    assert "\033]8;;" not in runner.invoke(main, ["check", "--color", "always", "--no-cache", "models.py"]).output
    assert "= docs:" not in runner.invoke(main, ["check", "--show-source", "--no-cache", "models.py"]).output


def test_each_family_is_titled_by_its_code():
    from ormlint.docs_site import family

    assert family("ORM901") == "SQLAlchemy 2.0 modernisation (opt-in)"
    assert family("ORM999") == "Files ormlint cannot read"
    assert family("ORM801") == "Security (opt-in)"
