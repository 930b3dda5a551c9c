"""Every rule code and whether it runs by default, and the options rules take, without loading
the rules: a fully cached run decides what to report from these alone (no libcst import).
`tests/test_codes.py` keeps this table equal to the rule classes' own codes."""

from __future__ import annotations

import re
from dataclasses import dataclass

# code -> enabled by default (opt-in rules: False)
RULE_CODES: dict[str, bool] = {
    **{f"ORM10{n}": True for n in range(1, 10)},
    "ORM110": True,
    "ORM111": True,
    "ORM112": True,
    "ORM113": True,
    "ORM114": True,
    **{f"ORM20{n}": True for n in range(1, 8)},
    "ORM208": True,
    **{f"ORM30{n}": True for n in range(1, 5)},
    **{f"ORM40{n}": True for n in range(1, 6)},
    **{f"ORM50{n}": True for n in range(1, 4)},
    "ORM504": True,
    "ORM505": True,
    "ORM506": True,
    **{f"ORM60{n}": True for n in range(1, 7)},
    **{f"ORM70{n}": True for n in range(1, 10)},
    "ORM710": True,
    "ORM720": True,
    "ORM721": True,
    **{f"ORM72{n}": True for n in range(2, 7)},
    "ORM730": True,
    "ORM731": True,
    "ORM732": True,
    "ORM733": True,
    "ORM734": True,
    "ORM735": True,
    "ORM801": False,
    "ORM901": False,
    "ORM902": False,
}

# What a rule reads beyond model code, for the narrowed parse to keep (ormlint.narrow): the
# function bodies whose text matches. ORM801 reads whether a class hashes or encrypts what it
# stores. Each rule declares its own as `reads_bodies_matching` (tests/test_codes.py).
BODY_PATTERNS: dict[str, re.Pattern[str]] = {
    "ORM801": re.compile(
        r"hash|crypt|argon|pbkdf|digest|hmac|fernet|passlib|pwd_context|checkpw", re.I
    ),
}

# Reported by the engine, not by a rule class: the file could not be read or parsed.
PARSE_ERROR_CODE = "ORM999"
PARSE_ERROR_NAME = "parse-error"
PARSE_ERROR_SUMMARY = "file could not be read or parsed"
PARSE_ERROR_DESCRIPTION = (
    "Reports a file that could not be read, decoded or parsed (or, rarely, that ormlint failed "
    "on). The message gives the reason; no other rule can check such a file."
)


def parse_error_docs() -> str:
    """ORM999's documentation page, in the rules' format (`ormlint explain`, SARIF)."""
    return (
        f"# {PARSE_ERROR_NAME} ({PARSE_ERROR_CODE})\n\n## What it does\n{PARSE_ERROR_DESCRIPTION}\n\n"
        "## Why is this bad?\nA file ormlint cannot read is a file it does not check: its models "
        "could hold any of the problems the other rules report.\n\n"
        "## What to do\nFix the reported syntax or encoding error, or exclude the file "
        "(`extend-exclude`) if it is not meant to be Python.\n"
    )

def digits_for_lookalikes(text: str) -> str:
    """`text` in upper case with the letters typed for look-alike digits after `ORM` made
    digits (ORM3O1 -> ORM301), for a "did you mean" hint."""
    text = text.strip().upper()
    if not text.startswith("ORM"):
        return text
    return "ORM" + text[3:].translate(str.maketrans("OIL", "011"))


DIALECTS = ("postgresql", "mysql", "sqlite", "mssql")


@dataclass(frozen=True)
class RuleOptions:
    """Settings that change what a rule reports (part of the cache key)."""

    target_dialect: str = "postgresql"
    # Which revisions the migration-safety rules (ORM72x) judge on a directory run: those after
    # this revision id (None: the heads), or every one.
    migration_safety_since: str | None = None
    all_revisions: bool = False
    # The target dialect's server version, (major, minor); None: not given, taken as one that is
    # still supported (PostgreSQL 13 or newer)
    target_version: tuple[int, int] | None = None
