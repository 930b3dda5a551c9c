"""The bundled fixtures report exactly the lines marked `# ORMnnn`, through the CLI engine."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ormlint.config import Settings
from ormlint.engine import run

ROOT = Path(__file__).parent.parent
MARKER = re.compile(r"# (ORM\d{3})\s*$")


def expected(path: Path) -> list[tuple[str, int, str]]:
    rel = str(path.relative_to(ROOT))
    return [
        (rel, number, m.group(1))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if (m := MARKER.search(line))
    ]


def test_fixture_findings_match_markers(monkeypatch):
    monkeypatch.chdir(ROOT)
    result = run([Path("fixtures")], Settings(root=ROOT), jobs=1)
    found = sorted((f.path, f.line, f.code) for f in result.findings)
    files = sorted((ROOT / "fixtures").rglob("*.py"))
    assert found == sorted(x for path in files for x in expected(path))
    assert len(found) >= 9
    assert {code for _, _, code in found} >= {"ORM101", "ORM201", "ORM202", "ORM301", "ORM401"}


@pytest.mark.parametrize("relpath", ["fixtures/legacy_blog/models.py"])
def test_suggestion_names_the_real_primary_key(relpath, monkeypatch):
    monkeypatch.chdir(ROOT)
    result = run([Path(relpath)], Settings(root=ROOT), jobs=1)
    (orm101,) = [f for f in result.findings if f.code == "ORM101"]
    assert 'remote_side="Comment.comment_id"' in orm101.message
