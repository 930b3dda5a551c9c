"""What scripts/generate_rules.py writes from the rules (the registry, RULE_CODES, README's rule
table) is up to date."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_generated_files_are_up_to_date():
    # its own process: the generator imports the rule modules around ormlint/rules/__init__.py
    out = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "generate_rules.py"), "--check"],
        capture_output=True, text=True, timeout=120,
    )
    assert out.returncode == 0, out.stdout + out.stderr
