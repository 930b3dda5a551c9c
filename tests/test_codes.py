"""The static code table (`ormlint.codes`) that fully cached runs read is the rules' own."""

from __future__ import annotations

from ormlint.codes import RULE_CODES
from ormlint.rules import RULES


def test_the_code_table_lists_every_rule_and_its_default():
    assert RULE_CODES == {code: rule.default_enabled for code, rule in RULES.items()}
