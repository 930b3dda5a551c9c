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


# code prefix -> the family folder under ormlint/rules/ (CONTRIBUTING.md, step 1)
FAMILY_FOLDERS = (
    ("ORM1", "relationships"), ("ORM2", "columns"), ("ORM3", "defaults"), ("ORM4", "indexes"),
    ("ORM5", "declarative"), ("ORM6", "foreign_keys"), ("ORM70", "migrations"), ("ORM71", "migrations"),
    ("ORM7", "migration_safety"), ("ORM8", "security"), ("ORM9", "modernisation"),
)


def test_each_rule_is_one_module_of_its_family_named_after_it():
    from ormlint.rules import RULES

    misplaced = []
    for code, rule in RULES.items():
        folder = next(folder for prefix, folder in FAMILY_FOLDERS if code.startswith(prefix))
        module, cls = rule.name.replace("-", "_"), "".join(w.capitalize() for w in rule.name.split("-"))
        if (rule.__module__, rule.__name__) != (f"ormlint.rules.{folder}.{module}", cls):
            misplaced.append(f"{code}: {rule.__module__}.{rule.__name__}, not ormlint.rules.{folder}.{module}.{cls}")
    assert not misplaced, "\n".join(misplaced)
