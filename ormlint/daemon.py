"""`ormlint daemon start|stop|status`: a resident process (`ormlint.daemon_server`) that runs
`ormlint check` for one project with everything already warm (the modules imported, the cache's
results file parsed and its entries decoded), so that a pre-commit hook or an editor's save does
not pay for Python's start and libcst's import.

The daemon runs the very click command a local run would, in its own process: the client
(`ormlint.daemon_client`) sends its command line, working directory, environment, umask and
standard streams (as file descriptors), and the daemon puts them in place for the run and takes
its own back after it. Every run goes through the cache's usual checks (`ResultCache.unchanged`:
a file whose status changed is read again), and reads the configuration again, as a local run
does. The daemon exits when ormlint's code or libcst changes (a client then runs locally), after
`idle_timeout` seconds without a request, and on `ormlint daemon stop`.

Security: the socket sits in a directory only the user can enter, the daemon serves only peers
running as its own user (SO_PEERCRED), and it never imports from a checked repository: the
working directory is not on its `sys.path`, and relative entries are made absolute before it
moves into any project.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from ormlint.daemon_client import (
    SUPPORTED,
    connect,
    is_private_directory,
    receive_message,
    send_message,
    socket_directory,
    socket_name,
)

IDLE_TIMEOUT = 30 * 60.0  # seconds without a request, then the daemon exits
START_TIMEOUT = 120.0  # for `start` to see the daemon answer (it warms up first)
STOP_TIMEOUT = 10.0


class DaemonError(Exception):
    """`ormlint daemon` cannot do what was asked (reported as a usage error)."""


# -- the commands, in the CLI's process -----------------------------------------------------------

def project_root_of(path: Path) -> Path:
    """The project a daemon started for PATH serves: the root `discovery.project_root` finds for a
    file in PATH, else PATH itself (its directory, for a file)."""
    from ormlint.config import load_settings
    from ormlint.discovery import project_root

    directory = path if path.is_dir() else path.parent
    settings = load_settings([path])
    root = project_root(settings, [directory / "__init__.py"]) or directory
    return Path(os.path.realpath(root))


def private_socket_directory() -> str:
    """The socket directory, created if missing; a DaemonError when it is not the user's own."""
    if not SUPPORTED:
        raise DaemonError("the daemon needs Linux (peer credentials on Unix sockets)")
    directory = socket_directory()
    try:
        os.mkdir(directory, 0o700)
    except FileExistsError:
        pass
    except OSError as error:
        raise DaemonError(f"cannot create {directory}: {error.strerror}") from None
    if not is_private_directory(directory):
        raise DaemonError(f"{directory} is not a directory that only you can enter: not using it")
    return directory


def socket_path(root: Path) -> str:
    return os.path.join(socket_directory(), socket_name(str(root)))


def ask(root: Path, message: dict, timeout: float = STOP_TIMEOUT) -> dict | None:
    """The daemon of `root`'s answer to a status or stop request; None when none runs."""
    found = connect(socket_path(root)) if SUPPORTED else None
    if found is None:
        return None
    connection, _ = found
    with connection:
        try:
            connection.settimeout(timeout)
            send_message(connection, message)
            reply, _ = receive_message(connection)
        except (OSError, EOFError):
            return None
    return reply if type(reply) is dict else None


def status(root: Path) -> dict | None:
    return ask(root, {"kind": "status"})


def start(root: Path, idle_timeout: float = IDLE_TIMEOUT) -> tuple[dict, bool]:
    """Starts a daemon for `root` unless one runs: its status, and whether it was started now.
    Returns once it answers (after its warm-up)."""
    running = status(root)
    if running is not None:
        return running, False
    directory = private_socket_directory()
    log_path = os.path.join(directory, socket_name(str(root))[: -len(".sock")] + ".log")
    import subprocess

    with open(os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-c", "from ormlint.daemon_server import serve_main; serve_main()",
             str(root), repr(float(idle_timeout))],
            cwd="/", stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log,
            start_new_session=True,
        )
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        running = status(root)
        if running is not None:
            return running, True
        if process.poll() is not None:
            break
        time.sleep(0.05)
    try:
        with open(log_path, encoding="utf-8", errors="replace") as log:
            reason = log.read().strip().splitlines()[-1:] or ["no reason given"]
    except OSError:
        reason = ["no reason given"]
    raise DaemonError(f"the daemon did not start: {reason[0]}")


def stop(root: Path) -> dict | None:
    """Stops the daemon of `root`, waiting for it to exit: its last status, None if none ran."""
    running = status(root)
    if running is None:
        return None
    ask(root, {"kind": "stop"})
    deadline = time.monotonic() + STOP_TIMEOUT
    while time.monotonic() < deadline and alive(running.get("pid")):
        time.sleep(0.05)
    return running


def alive(pid: object) -> bool:
    """Whether process `pid` runs (a zombie nobody reaped yet has exited)."""
    if type(pid) is not int:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except (OSError, IndexError):
        return True
