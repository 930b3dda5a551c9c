"""`--fix` runs through the pipeline `check` runs (issue 14): each round is the engine's file
pass on the file's text (`analysis.fixable_findings`), and the findings reported afterwards come
from the same run as `check`'s."""

from __future__ import annotations

from pathlib import Path

import ormlint.analysis as analysis
from ormlint.api import CheckRequest, check
from ormlint.config import load_settings

MODEL = (
    "import datetime\n"
    "from sqlalchemy import Column, DateTime, Integer\n"
    "from sqlalchemy.orm import declarative_base\n\n"
    "Base = declarative_base()\n\n\n"
    "class Event(Base):\n"
    "    __tablename__ = 'event'\n"
    "    id = Column(Integer, primary_key=True)\n"
    "    seen = Column(DateTime, default=datetime.datetime.utcnow())\n"
)


def _project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("[tool.ormlint]\n", encoding="utf-8")
    model = tmp_path / "models.py"
    model.write_text(MODEL, encoding="utf-8")
    return model


def test_the_fix_rounds_are_the_file_pass_with_no_project_phase_of_their_own(tmp_path, monkeypatch):
    model = _project(tmp_path)
    settings = load_settings([tmp_path])
    # A round that ran the one-file project phase (`check_source`) would call this; the run
    # that reports afterwards has its own (`engine`).
    one_file_phases = []
    monkeypatch.setattr(analysis, "project_findings", lambda *a, **k: one_file_phases.append(a))
    result = check(CheckRequest([model], settings, fix="safe", write=True, jobs=1))
    assert one_file_phases == []
    assert "default=datetime.datetime.utcnow)" in model.read_text(encoding="utf-8")
    assert [f.code for f in result.findings if f.code == "ORM302"] == []


def test_the_fixable_findings_of_a_round_are_those_check_reports(tmp_path):
    model = _project(tmp_path)
    settings = load_settings([tmp_path])
    reported = check(CheckRequest([model], settings, jobs=1)).findings
    round_one = analysis.fixable_findings(MODEL, str(model), settings, model)
    assert [f for f in round_one if f.fix] == [f for f in reported if f.fix]
    assert any(f.fix for f in reported)
