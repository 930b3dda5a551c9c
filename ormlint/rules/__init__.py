"""The rule registry: every rule class, by code."""

from __future__ import annotations

from ormlint.rules._registry import RULE_CLASSES
from ormlint.rules.base import Rule, Violation

# written from the rule modules by `python scripts/generate_rules.py`
RULES: dict[str, type[Rule]] = {rule.code: rule for rule in RULE_CLASSES}

from ormlint.codes import digits_for_lookalikes  # noqa: E402
from ormlint.codes import (  # noqa: E402,F401  (re-exported)
    PARSE_ERROR_CODE, PARSE_ERROR_NAME, PARSE_ERROR_SUMMARY, parse_error_docs,
)


def rule_by_code_or_name(key: str) -> type[Rule] | None:
    """A rule by its code or name, in any case."""
    key = key.strip()
    if key.upper() in RULES:
        return RULES[key.upper()]
    for rule in RULES.values():
        if rule.name == key.lower():
            return rule
    return None


def rule_docs(key: str) -> str | None:
    """The documentation page of a rule code or name (any case), ORM999 included."""
    if key.strip().upper() == PARSE_ERROR_CODE or key.strip().lower() == PARSE_ERROR_NAME:
        return parse_error_docs()
    rule = rule_by_code_or_name(key)
    return rule.docs() if rule is not None else None


def closest_rule(key: str) -> str | None:
    """The code or name most like `key`, for a "did you mean" hint."""
    from difflib import get_close_matches

    key = key.strip()
    code = digits_for_lookalikes(key)  # ORM3O1: difflib ties it with ORM731
    if code in RULES or code == PARSE_ERROR_CODE:
        return code
    names = [*(rule.name for rule in RULES.values()), PARSE_ERROR_NAME]
    close = get_close_matches(key.upper(), [*RULES, PARSE_ERROR_CODE], n=1) or get_close_matches(key.lower(), names, n=1)
    return close[0] if close else None


__all__ = ["RULES", "Rule", "Violation", "PARSE_ERROR_CODE", "rule_by_code_or_name", "rule_docs", "closest_rule"]
