"""Every `[tool.ormlint]` key with an example and what it means: the configuration reference of
the rule site (`ormlint docs build`). `tests/test_docs_site.py` holds it equal to the keys the
configuration reader accepts and to README's list."""

from __future__ import annotations

from typing import NamedTuple


class ConfigKey(NamedTuple):
    key: str
    example: str  # the value as written in pyproject.toml
    meaning: str


KEYS: tuple[ConfigKey, ...] = (
    ConfigKey("select", '["ORM"]', "Replaces the default selection (codes or prefixes). `\"ORM\"` or `\"ALL\"` also enables the opt-in rules; default: every rule but the opt-in ones."),
    ConfigKey("extend-select", '["ORM801"]', "Added to the selection."),
    ConfigKey("ignore", '["ORM202"]', "Turned off; the more specific selector wins over a selection."),
    ConfigKey("exclude", '[".git", "build"]', "Path patterns not checked; replaces the defaults (.git, .venv, venv, build, dist, ...)."),
    ConfigKey("extend-exclude", '["migrations"]', "Path patterns added to the defaults."),
    ConfigKey("per-file-ignores", '{ "tests/*" = ["ORM2"] }', "Codes or prefixes turned off in the files a pattern matches."),
    ConfigKey("external-models", '["shared.models.Tenant"]', "Classes defined outside the checked code: project rules do not call them missing."),
    ConfigKey("external-tables", '["audit_log"]', "Tables defined outside the checked code: project rules do not call them missing."),
    ConfigKey("target-dialect", '"postgresql"', "postgresql (default), mysql, sqlite or mssql: identifier limits, dialect-specific rules, and the branch of dialect tests in migrations."),
    ConfigKey("target-version", '"15"', "The database server's major version (with target-dialect), for rules whose verdict depends on it."),
    ConfigKey("migrations", '["alembic"]', "Alembic script or versions/ directories inside the project, each holding a revision (default: from alembic.ini)."),
    ConfigKey("respect-gitignore", "true", "Skip what .gitignore excludes (default true)."),
    ConfigKey("max-file-size", "4194304", "Bytes; a larger file is reported as ORM999 instead of parsed (default 4 MiB)."),
    ConfigKey("migration-safety-since", '"3f2a1c"', "The migration-safety rules (ORM72x-ORM74x) judge the revisions after this one (default: the heads; revision files named on the command line always)."),
)
