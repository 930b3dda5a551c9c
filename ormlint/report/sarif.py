"""SARIF 2.1.0 output, as GitHub code scanning and other SARIF viewers accept it."""

from __future__ import annotations

import json
import os
from pathlib import PurePath
from typing import Any, Sequence
from urllib.parse import quote

from ormlint.findings import Finding
from ormlint.report.names import without_surrogates

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://pypi.org/project/ormlint/"
SRCROOT = "%SRCROOT%"  # relative paths are relative to where ormlint ran (the checkout root in CI)

# Characters kept as they are in a relative path's URI: RFC 3986 unreserved, sub-delims, "@" and
# "/". Not ":", which would make the first segment read as a URI scheme.
_URI_SAFE = "/-._~!$&'()*+,;=@"


def render_sarif(findings: Sequence[Finding], lines_for=None) -> str:
    """SARIF with `partialFingerprints` (ormlint.report.formats.fingerprints) when the source
    lines are at hand, so code scanning follows a finding across commits."""
    from ormlint.report.formats import fingerprints

    rules, index = _rules()
    ordered = sorted(findings, key=_sort_key)
    results = [_result(f, index) for f in ordered]
    if lines_for is not None:
        for result, fingerprint in zip(results, fingerprints(ordered, lines_for)):
            result["partialFingerprints"] = {"ormlintFingerprint/v1": fingerprint}
    log = {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "ormlint",
                        "version": _version(),
                        "informationUri": INFORMATION_URI,
                        "rules": rules,
                    }
                },
                "columnKind": "unicodeCodePoints",  # libcst columns count code points
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2) + "\n"


def _version() -> str:
    from ormlint import __version__

    return __version__


def _rules() -> tuple[list[dict[str, Any]], dict[str, int]]:
    """`reportingDescriptor`s for every rule and ORM999, and each code's index among them."""
    from ormlint.codes import PARSE_ERROR_DESCRIPTION, PARSE_ERROR_NAME, parse_error_docs
    from ormlint.rules import PARSE_ERROR_CODE, PARSE_ERROR_SUMMARY, RULES

    rules = [
        _descriptor(code, rule.name, rule.summary, _one_paragraph(rule.what_it_does), rule.docs())
        for code, rule in RULES.items()
    ]
    rules.append(
        _descriptor(
            PARSE_ERROR_CODE, PARSE_ERROR_NAME, PARSE_ERROR_SUMMARY, PARSE_ERROR_DESCRIPTION,
            parse_error_docs(),
        )
    )
    return rules, {rule["id"]: number for number, rule in enumerate(rules)}


def _descriptor(code: str, name: str, summary: str, description: str, docs: str) -> dict[str, Any]:
    from ormlint.docs_site import docs_url

    descriptor = {
        "id": code,
        "name": name,
        "shortDescription": {"text": summary},
        "fullDescription": {"text": description},
        "help": {"text": docs, "markdown": docs},
        "defaultConfiguration": {"level": "error"},
    }
    url = docs_url(code)  # where `ormlint docs build` was published (ORMLINT_DOCS_URL)
    if url:
        descriptor["helpUri"] = url
    return descriptor


def _one_paragraph(text: str) -> str:
    return " ".join(text.split())


def _sort_key(f: Finding) -> tuple[Any, ...]:
    return (f.path, f.line, f.column, f.code, f.end_line, f.end_column, f.message)


def _result(f: Finding, index: dict[str, int]) -> dict[str, Any]:
    result: dict[str, Any] = {"ruleId": f.code}
    if f.code in index:
        result["ruleIndex"] = index[f.code]
    result["level"] = "error"
    result["message"] = {"text": without_surrogates(f.message)}
    result["locations"] = [
        {
            "physicalLocation": {
                "artifactLocation": artifact_location(f.path),
                "region": {
                    "startLine": f.line,
                    "startColumn": f.column,
                    "endLine": f.end_line,
                    "endColumn": f.end_column,  # 1-based and exclusive in ormlint and in SARIF
                },
            }
        }
    ]
    return result


def artifact_location(path: str) -> dict[str, str]:
    """A relative path becomes a relative POSIX URI under %SRCROOT%; an absolute one a file URI.
    Percent-encoded from the name's bytes, so a name that is not UTF-8 keeps its bytes."""
    pure = PurePath(path)
    if pure.is_absolute():
        return {"uri": pure.as_uri()}
    return {"uri": quote(os.fsencode(pure.as_posix()), safe=_URI_SAFE), "uriBaseId": SRCROOT}
