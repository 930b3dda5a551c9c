"""`ormlint check`, `ormlint rules`, `ormlint explain`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ormlint import __version__

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _codes(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    return tuple(code.strip() for code in value.split(",") if code.strip())


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ormlint")
def main() -> None:
    """A static linter for SQLAlchemy ORM models."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--format", "output_format", type=click.Choice(["text", "json"]), default="text",
    show_default=True, help="Output format.",
)
@click.option("--select", help="Comma-separated rule codes or prefixes to enable (replaces config).")
@click.option("--extend-select", help="Codes or prefixes to enable in addition.")
@click.option("--ignore", help="Comma-separated rule codes or prefixes to disable.")
@click.option("--exclude", help="Comma-separated path patterns to skip (replaces the defaults).")
@click.option("--extend-exclude", help="Path patterns to skip in addition to the defaults.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), help="Parallel processes (default: all cores).")
def check(paths, output_format, select, extend_select, ignore, exclude, extend_exclude, jobs):
    """Check PATHS (files or directories, default: the current directory)."""
    from ormlint.config import ConfigError, load_settings
    from ormlint.engine import run
    from ormlint.report import render

    paths = list(paths) or [Path(".")]
    try:
        settings = load_settings(paths)
        settings = settings.with_overrides(
            select=_codes(select),
            ignore=(settings.ignore + _codes(ignore)) if ignore else None,
            extend_select=(settings.extend_select + _codes(extend_select)) if extend_select else None,
            exclude=_codes(exclude),
            extend_exclude=(
                (settings.extend_exclude + _codes(extend_exclude)) if extend_exclude else None
            ),
        )
    except ConfigError as error:
        click.echo(f"ormlint: error: {error}", err=True)
        sys.exit(EXIT_ERROR)
    try:
        result = run(paths, settings, jobs)
    except Exception as error:  # pragma: no cover - a bug in ormlint, never the user's input
        click.echo(f"ormlint: internal error: {type(error).__name__}: {error}", err=True)
        sys.exit(EXIT_ERROR)
    click.echo(render(result.findings, output_format, result.files_checked), nl=False)
    sys.exit(EXIT_FINDINGS if result.findings else EXIT_CLEAN)


@main.command()
def rules() -> None:
    """List every rule."""
    from ormlint.rules import PARSE_ERROR_CODE, PARSE_ERROR_SUMMARY, RULES

    for code, rule in RULES.items():
        default = "" if rule.default_enabled else "  (opt-in)"
        click.echo(f"{code}  {rule.name:36} {rule.summary}{default}")
    click.echo(f"{PARSE_ERROR_CODE}  {'parse-error':36} {PARSE_ERROR_SUMMARY}")


@main.command()
@click.argument("rule")
def explain(rule: str) -> None:
    """Print the documentation of RULE (a code such as ORM301, or a rule name)."""
    from ormlint.rules import rule_by_code_or_name

    found = rule_by_code_or_name(rule)
    if found is None:
        click.echo(f"ormlint: error: unknown rule {rule!r}; see `ormlint rules`", err=True)
        sys.exit(EXIT_ERROR)
    click.echo(found.docs(), nl=False)
