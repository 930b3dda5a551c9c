"""`ormlint check`, `ormlint rules`, `ormlint explain`."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from ormlint import __version__
from ormlint.report import FORMATS
from ormlint.report.names import printable

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _codes(values: tuple[str, ...]) -> tuple[str, ...] | None:
    """A repeatable comma-separated option's items (repeats add up); None when not given."""
    if not values:
        return None
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


def _selectors(values: tuple[str, ...], option: str) -> tuple[str, ...] | None:
    """A repeatable rule selector option, validated: an unknown selector is a ConfigError."""
    from ormlint.config import rule_selectors

    if not values:
        return None
    parts = (part for value in values for part in value.split(","))
    return rule_selectors(parts, f"invalid value for '{option}'")


def _check_migrations_option(directories: tuple[Path, ...]) -> None:
    from ormlint.config import ConfigError
    from ormlint.migrations.discovery import holds_revisions

    for directory in directories:
        if not holds_revisions(directory):
            raise ConfigError(
                f"invalid value for '--migrations': {str(directory)!r} holds no Alembic revision "
                "(no *.py file with `revision =` in it or in its versions/)"
            )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ormlint")
def main() -> None:
    """A static linter for SQLAlchemy ORM models."""


def _existing(ctx: click.Context, param: click.Parameter, paths: tuple[Path, ...]) -> tuple[Path, ...]:
    """A path that names nothing is a usage error; one that exists but cannot be read (or even
    stat'ed) is checked, and its ORM999 finding says why."""
    for path in paths:
        if str(path) != "-" and not _names_something(path):
            raise click.BadParameter(f"Path {str(path)!r} does not exist.", ctx, param)
    return paths


def _names_something(path: Path) -> bool:
    try:
        os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return False
    except (OSError, ValueError):
        return True
    return True


@main.command()
@click.argument(
    "paths", nargs=-1, type=click.Path(allow_dash=True, path_type=Path), callback=_existing
)
@click.option(
    "--format", "output_format", type=click.Choice(FORMATS), default="text",
    show_default=True, help="Output format.",
)
@click.option(
    "--select", multiple=True,
    help="Comma-separated rule codes or prefixes to enable (replaces config; repeatable).",
)
@click.option("--extend-select", multiple=True, help="Codes or prefixes to enable in addition (repeatable).")
@click.option("--ignore", multiple=True, help="Comma-separated rule codes or prefixes to disable (repeatable).")
@click.option(
    "--exclude", multiple=True,
    help="Comma-separated path patterns to skip (replaces the defaults; repeatable).",
)
@click.option("--extend-exclude", multiple=True, help="Path patterns to skip in addition to the defaults (repeatable).")
@click.option(
    "--force-exclude", is_flag=True,
    help="Apply excludes to files named on the command line too (for pre-commit).",
)
@click.option(
    "--respect-gitignore/--no-respect-gitignore", default=None,
    help="Skip files and directories git ignores (default: respect-gitignore in config, else yes).",
)
@click.option(
    "--max-file-size", type=click.IntRange(min=1), metavar="BYTES",
    help="Report larger files (ORM999) instead of checking them (default: 4 MiB).",
)
@click.option(
    "--stdin-filename", type=click.Path(path_type=Path),
    help="With PATH `-`: the path the source on standard input stands for (config, ignores, output).",
)
@click.option("--statistics", is_flag=True, help="Print a count per rule instead of each finding (text or json; with another format, the report and the count on standard error).")
@click.option(
    "-o", "--output-file", type=click.Path(dir_okay=False, path_type=Path),
    help="Write the report to this file instead of standard output.",
)
@click.option("-q", "--quiet", is_flag=True, help="Print the findings and nothing else (no summary).")
@click.option(
    "--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True,
    help="Colour the text format (auto: on a terminal, unless NO_COLOR is set).",
)
@click.option("--show-source", is_flag=True, help="Text format: print each finding's source line, marked.")
@click.option("--exit-zero", is_flag=True, help="Exit with 0 even when there are findings.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), help="Parallel processes (default: all cores).")
@click.option("--fix", is_flag=True, help="Apply safe fixes in place.")
@click.option("--unsafe-fixes", is_flag=True, help="With --fix or --diff: also apply fixes that may change behaviour.")
@click.option("--diff", is_flag=True, help="Print the fixes as a unified diff and change nothing.")
@click.option("--no-cache", is_flag=True, help="Analyse every file, and do not write the cache.")
@click.option(
    "--migrations", "migrations", multiple=True, type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Alembic script directory (or its versions/) to compare with the models (repeatable; "
    "default: from config or alembic.ini).",
)
@click.option("--no-migrations", is_flag=True, help="Do not read Alembic migrations (no ORM7xx drift rules).")
@click.option(
    "--all-revisions", is_flag=True,
    help="Migration-safety rules (ORM72x): judge every revision, not only the new ones.",
)
@click.option(
    "--show-uncertain", is_flag=True,
    help="Also print (on stderr) which tables the drift rules did not judge, and why.",
)
@click.option(
    "--cache-dir", type=click.Path(file_okay=False, path_type=Path), envvar="ORMLINT_CACHE_DIR",
    help="Where results are cached (default: .ormlint_cache beside the configuration).",
)
def check(
    paths, output_format, select, extend_select, ignore, exclude, extend_exclude, force_exclude,
    respect_gitignore, max_file_size, stdin_filename, statistics, output_file, quiet, color,
    show_source, exit_zero, jobs, fix,
    unsafe_fixes, diff, no_cache, migrations,
    no_migrations, all_revisions, show_uncertain, cache_dir,
):
    """Check PATHS (files or directories, default: the current directory; `-` reads stdin)."""
    from ormlint.api import readable_text
    from ormlint.config import ConfigError, load_settings
    from ormlint.report import render
    from ormlint.report.statistics import render_statistics

    paths = list(paths) or [Path(".")]
    use_stdin = any(str(p) == "-" for p in paths)
    if use_stdin and len(paths) > 1:
        raise click.UsageError("`-` (standard input) cannot be combined with other paths")
    config_paths = [stdin_filename or Path("stdin.py")] if use_stdin else paths
    try:
        settings = load_settings(config_paths)
        select, ignore = _selectors(select, "--select"), _selectors(ignore, "--ignore")
        extend_select = _selectors(extend_select, "--extend-select")
        if not no_migrations:
            _check_migrations_option(migrations)
        settings = settings.with_overrides(
            select=select,
            ignore=(settings.ignore + ignore) if ignore is not None else None,
            extend_select=(settings.extend_select + extend_select) if extend_select is not None else None,
            exclude=_codes(exclude),
            extend_exclude=(
                (settings.extend_exclude + _codes(extend_exclude)) if extend_exclude else None
            ),
            force_exclude=force_exclude or None,
            respect_gitignore=respect_gitignore,
            max_file_size=max_file_size,
            migrations=tuple(str(p.resolve()) for p in migrations) or None,
            use_migrations=False if no_migrations else None,
            all_revisions=all_revisions or None,
        )
    except ConfigError as error:
        click.echo(f"ormlint: error: {error}", err=True)
        sys.exit(EXIT_ERROR)
    if no_cache:
        cache_dir = None
    elif cache_dir is None:
        from ormlint.cache import CACHE_DIR_NAME

        cache_dir = settings.root / CACHE_DIR_NAME
    from ormlint.api import STDIN, CheckRequest, check

    stdin_path = stdin_filename or STDIN
    request = CheckRequest(
        paths=[stdin_path] if use_stdin else paths,
        settings=settings,
        sources={stdin_path: sys.stdin.buffer.read()} if use_stdin else {},
        fix=("unsafe" if unsafe_fixes else "safe") if fix or diff else None,
        write=fix and not diff,
        cache_dir=cache_dir,
        jobs=jobs,
        need_index=show_uncertain,
    )
    from ormlint.progress import TerminalLine, reporting

    # files analysed so far, on a terminal, for runs longer than a second
    line = TerminalLine(sys.stderr) if not quiet and _is_terminal(sys.stderr) else None
    try:
        with reporting(line):
            result = check(request)
    except Exception as error:  # pragma: no cover - a bug in ormlint, never the user's input
        from ormlint.analysis import short_reason

        click.echo(f"ormlint: internal error: {short_reason(error)}", err=True)
        sys.exit(EXIT_ERROR)
    for warning in result.warnings:
        click.echo(f"ormlint: warning: {warning}", err=True)
    if request.fix is not None:
        _report_fixes(result, use_stdin, diff, exit_zero)
    if show_uncertain and result.index is not None:
        from ormlint.drift import withheld

        for line in withheld(result.index):
            click.echo(f"ormlint: not judged: {printable(line)}", err=True)
    findings, files_checked = result.findings, result.files_checked
    if statistics and output_format in ("text", "json"):
        report = render_statistics(findings, output_format)
    else:
        if statistics:  # a machine format keeps its report; the table is for the log
            click.echo(render_statistics(findings), err=True, nl=False)
        stdin_text = (str(stdin_path), readable_text(request.sources[stdin_path])) if use_stdin else None
        colored = color == "always" or (
            color == "auto" and output_file is None and "NO_COLOR" not in os.environ
            and sys.stdout.isatty()
        )
        report = render(
            findings, output_format, files_checked, lines_for=_source_lines(settings, stdin_text),
            color=colored, show_source=show_source, quiet=quiet,
        )
    if output_file is not None:
        try:
            output_file.write_text(report, encoding="utf-8", errors="backslashreplace")
        except OSError as error:
            click.echo(f"ormlint: error: cannot write {output_file}: {error.strerror}", err=True)
            sys.exit(EXIT_ERROR)
    else:
        click.echo(report, nl=False)
    sys.exit(EXIT_FINDINGS if findings and not exit_zero else EXIT_CLEAN)


def _is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # replaced or closed
        return False


def _source_lines(settings, stdin: tuple[str, str] | None):
    """The lines of each reported file, read once (for --show-source and fingerprints); the
    text of standard input for its display name."""
    from ormlint.sources import lines_on_disk
    from ormlint.syntax import python_lines

    read: dict[str, list[str]] = {}

    def lines_for(path: str) -> list[str]:
        if path not in read:
            if stdin is not None and path == stdin[0]:
                read[path] = python_lines(stdin[1])
            else:
                read[path] = lines_on_disk(path, settings.max_file_size)
        return read[path]

    return lines_for


def _report_fixes(result, use_stdin: bool, diff: bool, exit_zero: bool) -> None:
    """What `--fix` and `--diff` print. With `-`, `--fix` prints the fixed source on standard
    output (as editors expect) and what is left on standard error, and exits 1 if anything is
    left (as ruff does); `--diff` prints the diff and exits. Files fixed in place are reported
    as usual afterwards."""
    from ormlint.fixes import unified_diff
    from ormlint.report import render_text

    for outcome in result.fixes:
        if outcome.error:
            click.echo(f"ormlint: {printable(outcome.display)}: {outcome.error}", err=True)
    changed = any(o.before != o.after for o in result.fixes)
    if diff:
        for outcome in result.fixes:
            click.echo(unified_diff(outcome.display, outcome.before, outcome.after), nl=False)
        if not use_stdin:
            fixed = sum(len(o.fixed) for o in result.fixes)
            click.echo(f"Would fix {fixed} {'error' if fixed == 1 else 'errors'}.", err=True)
        sys.exit(EXIT_FINDINGS if changed else EXIT_CLEAN)
    if use_stdin:
        click.echo(result.fixes[0].after, nl=False)
        if result.findings:
            click.echo(render_text(result.findings, 1), err=True, nl=False)
        sys.exit(EXIT_FINDINGS if result.findings and not exit_zero else EXIT_CLEAN)
    fixed = sum(len(o.fixed) for o in result.fixes if o.written)
    click.echo(f"Fixed {fixed} {'error' if fixed == 1 else 'errors'}.", err=True)


@main.command()
def lsp() -> None:
    """Run the language server over stdio (for editors)."""
    from importlib.util import find_spec

    try:  # the `lsp` extra: pygls 2 (pygls.lsp.server is new in 2.0) and its lsprotocol
        missing = [name for name in ("pygls.lsp.server", "lsprotocol.types") if find_spec(name) is None]
    except ImportError as error:
        missing = [str(error)]
    if missing:
        click.echo(
            f"ormlint: error: the language server needs pygls 2 (missing: {', '.join(missing)}); "
            "install it with: pip install \"ormlint[lsp]\"",
            err=True,
        )
        sys.exit(EXIT_ERROR)
    from ormlint.lsp_process import ProcessChecker

    checker = ProcessChecker()
    checker.warm_up()  # while pygls loads, which takes seconds
    from ormlint.lsp import serve

    serve(checker)


@main.command()
def rules() -> None:
    """List every rule."""
    from ormlint.rules import PARSE_ERROR_CODE, PARSE_ERROR_NAME, PARSE_ERROR_SUMMARY, RULES

    width = max(len(rule.name) for rule in RULES.values())
    for code, rule in RULES.items():
        default = "" if rule.default_enabled else "  (opt-in)"
        click.echo(f"{code}  {rule.name:{width}}  {rule.summary}{default}")
    click.echo(f"{PARSE_ERROR_CODE}  {PARSE_ERROR_NAME:{width}}  {PARSE_ERROR_SUMMARY}")


@main.command()
@click.argument("rule")
def explain(rule: str) -> None:
    """Print the documentation of RULE (a code such as ORM301, or a rule name)."""
    from ormlint.rules import closest_rule, rule_docs

    docs = rule_docs(rule)
    if docs is None:
        close = closest_rule(rule)
        hint = f" (did you mean {close}?)" if close else ""
        click.echo(f"ormlint: error: unknown rule {rule!r}{hint}; see `ormlint rules`", err=True)
        sys.exit(EXIT_ERROR)
    click.echo(docs, nl=False)
    from ormlint.docs_site import docs_url
    from ormlint.rules import rule_by_code_or_name

    found = rule_by_code_or_name(rule)
    url = docs_url(found.code if found is not None else rule.strip().upper())
    if url:
        click.echo(f"\nOnline: {url}")


@main.group()
def docs() -> None:
    """The rule documentation as a website."""


@docs.command("build")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def build_docs(directory: Path) -> None:
    """Write the rule site into DIRECTORY: one page per rule, an index with search, and the
    configuration reference, generated from the rules themselves."""
    from ormlint.docs_site import build

    try:
        pages = build(directory)
    except OSError as error:
        click.echo(f"ormlint: error: cannot write {directory}: {error.strerror or error}", err=True)
        sys.exit(EXIT_ERROR)
    click.echo(f"{len(pages)} pages written to {directory}", err=True)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path), callback=_existing)
@click.option(
    "--format", "output_format", type=click.Choice(["mermaid", "dot", "html"]), default="mermaid",
    show_default=True, help="Mermaid erDiagram, Graphviz dot, or one self-contained HTML page.",
)
@click.option("--output-file", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write here instead of standard output.")
@click.option("--no-cache", is_flag=True, help="Analyse every file, and do not write the cache.")
@click.option("--migrations", "drawn_side", flag_value="migrations", help="Draw the schema the Alembic migrations build instead of the models.")
@click.option("--diff", "drawn_side", flag_value="diff", help="Draw the models, coloured where they differ from the migrations.")
def schema(
    paths: tuple[Path, ...], output_format: str, output_file: Path | None, no_cache: bool,
    drawn_side: str | None,
) -> None:
    """Draw the models of PATHS (default: the current directory): tables, columns, keys,
    relationships, and the findings on each. Nothing is imported. `--migrations` draws what the
    migrations build; `--diff` marks tables and columns only in the models (green), only in the
    migrations (orange), or different (yellow), as the drift rules find them."""
    from ormlint.api import CheckRequest, check
    from ormlint.cache import CACHE_DIR_NAME
    from ormlint.config import ConfigError, load_settings
    from ormlint.diagram import diagram, migrations_diagram, render_dot, render_html, render_mermaid, with_drift

    paths = paths or (Path("."),)
    try:
        settings = load_settings(list(paths))
    except ConfigError as error:
        click.echo(f"ormlint: error: {error}", err=True)
        sys.exit(EXIT_ERROR)
    result = check(CheckRequest(
        paths=paths, settings=settings, need_index=True,
        cache_dir=None if no_cache else settings.root / CACHE_DIR_NAME,
    ))
    for warning in result.warnings:
        click.echo(f"ormlint: warning: {warning}", err=True)
    if result.index is None:
        click.echo("ormlint: error: no model files found", err=True)
        sys.exit(EXIT_ERROR)
    if drawn_side is not None and result.index.migrations is None:
        click.echo("ormlint: error: no Alembic migrations found (alembic.ini, or [tool.ormlint] migrations)", err=True)
        sys.exit(EXIT_ERROR)
    if drawn_side == "migrations":
        drawn = migrations_diagram(result.index)
    elif drawn_side == "diff":
        drawn = with_drift(diagram(result.index, result.findings), result.index)
    else:
        drawn = diagram(result.index, result.findings)
    text = {"mermaid": render_mermaid, "dot": render_dot, "html": render_html}[output_format](drawn)
    if output_file is None:
        click.echo(text, nl=False)
        return
    try:
        output_file.write_text(text, encoding="utf-8")
    except OSError as error:
        click.echo(f"ormlint: error: cannot write {output_file}: {error.strerror or error}", err=True)
        sys.exit(EXIT_ERROR)


@main.group()
def migrations() -> None:
    """The Alembic revision the models need, written from source alone (no database)."""


def _migration_plans(paths: tuple[Path, ...]):
    from ormlint.api import CheckRequest, check
    from ormlint.codes import all_codes
    from ormlint.config import ConfigError, load_settings
    from ormlint.migrations.autogenerate import plans

    paths = paths or (Path("."),)
    try:
        settings = load_settings(list(paths)).with_overrides(select=tuple(c for c in all_codes() if c.startswith("ORM70")))
    except ConfigError as error:
        click.echo(f"ormlint: error: {error}", err=True)
        sys.exit(EXIT_ERROR)
    result = check(CheckRequest(paths=paths, settings=settings, need_index=True, whole_project=True))
    for warning in result.warnings:
        click.echo(f"ormlint: warning: {warning}", err=True)
    found = plans(result.index, settings.target_dialect) if result.index is not None else []
    if not found:
        click.echo("ormlint: error: no Alembic migrations found (alembic.ini, or [tool.ormlint] migrations)", err=True)
        sys.exit(EXIT_ERROR)
    return found


def _print_plan(plan) -> None:
    from ormlint.migrations.autogenerate import render_operations
    from ormlint.migrations.revision_file import _header

    where = plan.directory.versions[0]
    click.echo(f"# {where}")
    click.echo("def upgrade():")
    click.echo("".join("    " + line + "\n" for line in _header(plan).splitlines()), nl=False)
    click.echo(render_operations(plan.upgrade, batch=plan.batch), nl=False)
    click.echo("\n\ndef downgrade():")
    click.echo(render_operations(plan.downgrade, batch=plan.batch), nl=False)


@migrations.command("check")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path), callback=_existing)
def migrations_check(paths: tuple[Path, ...]) -> None:
    """Exit 1 when the models need a migration (and print its operations), 0 when not."""
    needed = [plan for plan in _migration_plans(paths) if plan.needed]
    for plan in needed:
        _print_plan(plan)
    if not needed:
        click.echo("No changes in the models need a migration.", err=True)
    sys.exit(EXIT_FINDINGS if needed else EXIT_CLEAN)


@migrations.command("diff")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path), callback=_existing)
def migrations_diff(paths: tuple[Path, ...]) -> None:
    """Print the Alembic operations the models need (upgrade and downgrade)."""
    for plan in _migration_plans(paths):
        _print_plan(plan)


@migrations.command("revision")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path), callback=_existing)
@click.option("-m", "--message", required=True, help="The revision's message (and its file name).")
def migrations_revision(paths: tuple[Path, ...], message: str) -> None:
    """Write the revision the models need into the script directory's versions/."""
    from ormlint.migrations.revision_file import RevisionRefused, write_revision

    found = _migration_plans(paths)
    if len(found) > 1:
        click.echo("ormlint: error: several migration environments: name one project's directory", err=True)
        sys.exit(EXIT_ERROR)
    try:
        path, warnings = write_revision(found[0], message)
    except RevisionRefused as error:
        click.echo(f"ormlint: error: {error}", err=True)
        sys.exit(EXIT_ERROR)
    except OSError as error:
        click.echo(f"ormlint: error: cannot write the revision: {error.strerror or error}", err=True)
        sys.exit(EXIT_ERROR)
    _announce_safety(paths, path)
    for warning in warnings:
        click.echo(f"ormlint: warning: {warning}", err=True)
    click.echo(f"Generated {path}")


def _announce_safety(paths: tuple[Path, ...], revision: Path) -> None:
    """Run the migration-safety rules (ORM72x, ORM73x) on the project with the new revision and
    name each of their findings on it in its header."""
    from ormlint.api import CheckRequest, check
    from ormlint.codes import all_codes
    from ormlint.config import load_settings
    from ormlint.migrations.revision_file import announce_safety

    settings = load_settings(list(paths or (Path("."),))).with_overrides(
        select=tuple(c for c in all_codes() if c.startswith(("ORM72", "ORM73"))), all_revisions=True)
    result = check(CheckRequest(paths=paths or (Path("."),), settings=settings, whole_project=True))
    found = [(f.code, f.message) for f in sorted(result.findings, key=lambda f: f.line)
             if Path(f.path).resolve() == revision.resolve()]
    text = revision.read_text(encoding="utf-8")
    announced = announce_safety(text, found)
    if announced != text:
        revision.write_text(announced, encoding="utf-8")


@main.group()
def daemon() -> None:
    """A resident process that answers `ormlint check` inside one project with everything
    already loaded (opt-in; see `ormlint daemon start --help`)."""


def _daemon_root(path: Path) -> Path:
    from ormlint.config import ConfigError
    from ormlint.daemon import project_root_of

    try:
        return project_root_of(path)
    except ConfigError as error:
        click.echo(f"ormlint: error: {error}", err=True)
        sys.exit(EXIT_ERROR)


_DAEMON_PATH = click.argument(
    "path", required=False, default=Path("."), type=click.Path(exists=True, path_type=Path)
)


@daemon.command("start")
@_DAEMON_PATH
@click.option(
    "--idle-timeout", type=click.FloatRange(min=0, min_open=True), default=1800.0,
    show_default=True, metavar="SECONDS", help="Exit after this long without a request.",
)
def daemon_start(path: Path, idle_timeout: float) -> None:
    """Start the daemon of PATH's project (default: the current directory's). While it runs,
    `ormlint check` run inside the project is answered by it, with the same output."""
    from ormlint.daemon import DaemonError, start

    root = _daemon_root(path)
    try:
        running, started = start(root, idle_timeout)
    except DaemonError as error:
        click.echo(f"ormlint: error: {error}", err=True)
        sys.exit(EXIT_ERROR)
    verb = "started" if started else "already running"
    click.echo(f"ormlint daemon {verb} for {printable(str(root))} (pid {running.get('pid')})", err=True)


@daemon.command("stop")
@_DAEMON_PATH
def daemon_stop(path: Path) -> None:
    """Stop the daemon of PATH's project."""
    from ormlint.daemon import stop

    root = _daemon_root(path)
    stopped = stop(root)
    if stopped is None:
        click.echo(f"ormlint daemon: none runs for {printable(str(root))}", err=True)
    else:
        click.echo(f"ormlint daemon stopped for {printable(str(root))} (pid {stopped.get('pid')})", err=True)


@daemon.command("status")
@_DAEMON_PATH
def daemon_status(path: Path) -> None:
    """Whether a daemon runs for PATH's project (exit 0) or not (exit 1)."""
    import time

    from ormlint.daemon import status

    root = _daemon_root(path)
    running = status(root)
    if running is None:
        click.echo(f"ormlint daemon: none runs for {printable(str(root))}")
        sys.exit(EXIT_FINDINGS)
    up = time.time() - float(running.get("started", 0))
    click.echo(
        f"ormlint daemon running for {printable(str(root))}: pid {running.get('pid')}, "
        f"up {up:.0f} s, {running.get('requests')} requests, "
        f"exits after {float(running.get('idle_timeout', 0)):.0f} s idle"
    )
