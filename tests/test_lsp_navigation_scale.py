"""Navigation on a generated project of 2,000 files through the real server (issue 19): every
definition, reference, completion and outline the project implies is answered, and the
references hold exactly the locations it implies. The times are printed, not asserted:
`benchmarks/lsp_navigation_scale.py` reports them against the 50 ms goal."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent.parent / "benchmarks"))
import lsp_navigation_scale as scale  # noqa: E402


def test_navigation_answers_on_a_2000_file_project(tmp_path: Path) -> None:
    models, revisions = scale.generate(tmp_path, 2000)
    assert sum(1 for _ in tmp_path.rglob("*.py")) == 2000
    results = scale.measure(tmp_path, models, revisions, opened=5)
    print("\n".join(scale.report(results)))
    assert results["found"] == results["expected"]
    assert results["expected"]["definition"] == 5 * (scale.DEFINITIONS_PER_MODEL + scale.DEFINITIONS_PER_REVISION)
    assert results["places"]["found"] == results["places"]["expected"] == 5 * scale.REFERENCES_PER_MODEL
