"""The static code table (`ormlint.codes`) that fully cached runs read is the rules' own."""

from __future__ import annotations

from ormlint.codes import BODY_PATTERNS, READ_KINDS, RULE_CODES, RULE_READS
from ormlint.rules import RULES


def test_the_code_table_lists_every_rule_and_its_default():
    assert RULE_CODES == {code: rule.default_enabled for code, rule in RULES.items()}


def test_the_bodies_the_narrowed_parse_keeps_are_the_ones_rules_declare():
    declared = {code: rule.reads_bodies_matching for code, rule in RULES.items() if rule.reads_bodies_matching}
    assert declared == BODY_PATTERNS


def test_the_other_reads_the_narrowed_parse_keeps_are_the_ones_rules_declare():
    declared = {code: rule.reads for code, rule in RULES.items() if rule.reads}
    assert declared == RULE_READS
    assert all(reads <= set(READ_KINDS) for reads in RULE_READS.values())


def test_the_narrowed_parse_names_no_rule():
    # what it keeps comes from the rules' declarations (ormlint.codes), never from a rule module
    import ast
    from pathlib import Path

    import ormlint.narrow

    tree = ast.parse(Path(ormlint.narrow.__file__).read_text())
    imported = {
        node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    }
    assert not any(module.startswith("ormlint.rules") for module in imported)
