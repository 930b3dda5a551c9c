"""The `ormlint` command (and `python -m ormlint`): `ormlint check` goes to the project's daemon
when one runs (`ormlint.daemon_client`, which imports nothing heavy to find out); everything
else, and `check` without a daemon, runs the click CLI in this process."""

from __future__ import annotations

import os
import sys

from ormlint.daemon_client import run_through_daemon


def main(prog_name: str | None = None) -> None:
    # click's own name for the program, which the daemon is told: `python -m ormlint` for the
    # module, the script's name otherwise
    code = run_through_daemon(sys.argv, prog_name or os.path.basename(sys.argv[0]))
    if code is not None:
        sys.exit(code)
    from ormlint.cli import main as cli

    cli()
