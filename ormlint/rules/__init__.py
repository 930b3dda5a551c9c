"""The rule registry: every rule class, by code."""

from __future__ import annotations

from ormlint.rules import (
    columns, declarative, defaults, foreign_keys, indexes, migrations, relationships, security,
)
from ormlint.rules.base import Rule, Violation

_FAMILIES = (relationships, columns, defaults, indexes, declarative, foreign_keys, migrations, security)

RULES: dict[str, type[Rule]] = {
    rule.code: rule
    for family in _FAMILIES
    for rule in vars(family).values()
    if isinstance(rule, type) and issubclass(rule, Rule) and "code" in vars(rule)
}
RULES = dict(sorted(RULES.items()))

from ormlint.codes import PARSE_ERROR_CODE, PARSE_ERROR_SUMMARY  # noqa: E402,F401  (re-exported)


def rule_by_code_or_name(key: str) -> type[Rule] | None:
    key = key.strip()
    if key.upper() in RULES:
        return RULES[key.upper()]
    for rule in RULES.values():
        if rule.name == key:
            return rule
    return None


__all__ = ["RULES", "Rule", "Violation", "PARSE_ERROR_CODE", "rule_by_code_or_name"]
