"""Every rule code and whether it runs by default, and the options rules take, without loading
the rules: a fully cached run decides what to report from these alone (no libcst import).
`tests/test_codes.py` keeps this table equal to the rule classes' own codes."""

from __future__ import annotations

from dataclasses import dataclass

# code -> enabled by default (opt-in rules: False)
RULE_CODES: dict[str, bool] = {
    **{f"ORM10{n}": True for n in range(1, 9)},
    **{f"ORM20{n}": True for n in range(1, 7)},
    **{f"ORM30{n}": True for n in range(1, 5)},
    **{f"ORM40{n}": True for n in range(1, 6)},
    **{f"ORM50{n}": True for n in range(1, 4)},
    **{f"ORM60{n}": True for n in range(1, 6)},
    **{f"ORM70{n}": True for n in range(1, 10)},
    "ORM710": True,
    "ORM801": False,
}

# Reported by the engine, not by a rule class: the file could not be read or parsed.
PARSE_ERROR_CODE = "ORM999"
PARSE_ERROR_SUMMARY = "file could not be read or parsed"

DIALECTS = ("postgresql", "mysql", "sqlite", "mssql")


@dataclass(frozen=True)
class RuleOptions:
    """Settings that change what a rule reports (part of the cache key)."""

    target_dialect: str = "postgresql"
