"""The client side of the resident process (`ormlint daemon`, `ormlint.daemon`), on the path of
every `ormlint` command (`ormlint.entry`).

`ormlint check` inside a project with a daemon running for it is sent there: the command line,
working directory, environment, umask and the three standard streams themselves (passed as
file descriptors), so that the daemon runs the same click command and writes what a local run
would write, where it would write it. Anything else runs locally, as before. This module
imports only the standard library's light modules: without a daemon, its cost is one `listdir`
of the socket directory.

Sockets live in a directory only the user can enter (`socket_directory`), one per project root,
named by a hash of the root. The client trusts a socket only if the user owns it and the process
behind it runs as the user (SO_PEERCRED); the daemon checks its peers the same way. No step
waits without a limit: connecting, the daemon's acceptance and each of its heartbeats during a
run have timeouts, and a daemon that does not answer means running locally.
"""

from __future__ import annotations

import json
import os
import socket
import stat
import struct
import sys

SOCKET_DIR_NAME = "ormlint"
MAX_SOCKET_PATH = 107  # sockaddr_un's sun_path holds 108 bytes with the final NUL
MAX_MESSAGE_BYTES = 16 * 1024 * 1024
CONNECT_TIMEOUT = 1.0
# A daemon busy with another request does not accept this one within this: it runs locally.
ACCEPT_TIMEOUT = 3.0
HEARTBEAT_SECONDS = 1.0  # the daemon's "still running" during a request
# No heartbeat for this long: the daemon is stuck (or stopped), and the run is made here.
HEARTBEAT_TIMEOUT = 60.0
# Peer credentials and close-on-exec descriptors on receipt are Linux's: elsewhere every command
# runs locally, and `ormlint daemon start` says why.
SUPPORTED = hasattr(socket, "SO_PEERCRED") and hasattr(socket, "MSG_CMSG_CLOEXEC")
_LENGTH = struct.Struct(">I")
_CREDENTIALS = struct.Struct("3i")  # struct ucred: pid, uid, gid


class Refused(Exception):
    """The daemon cannot serve this request; it runs locally."""


# -- where sockets live ---------------------------------------------------------------------------

def socket_directory() -> str:
    """$XDG_RUNTIME_DIR/ormlint, else /tmp/ormlint-UID (also when the first would make socket
    paths longer than sockaddr_un allows)."""
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    if os.path.isabs(runtime):
        directory = os.path.join(runtime, SOCKET_DIR_NAME)
        if len(os.fsencode(directory)) + 1 + len(socket_name("/")) <= MAX_SOCKET_PATH:
            return directory
    return f"/tmp/{SOCKET_DIR_NAME}-{os.getuid()}"


def socket_name(root: str) -> str:
    try:  # what hashlib.blake2b is, without hashlib's loading of OpenSSL (3-10 ms)
        from _blake2 import blake2b
    except ImportError:  # pragma: no cover - a Python built without it
        from hashlib import blake2b

    return blake2b(os.fsencode(root), digest_size=12).hexdigest() + ".sock"


def is_private_directory(path: str) -> bool:
    """A real directory (not a link to one) that the user owns and nobody else may enter."""
    try:
        status = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISDIR(status.st_mode) and status.st_uid == os.getuid() and status.st_mode & 0o077 == 0


def owned_socket(path: str) -> bool:
    try:
        status = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISSOCK(status.st_mode) and status.st_uid == os.getuid()


def peer_credentials(connection: socket.socket) -> tuple[int, int, int]:
    """(pid, uid, gid) of the process at the other end of a Unix socket."""
    return _CREDENTIALS.unpack(
        connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _CREDENTIALS.size)
    )


def connect(path: str) -> tuple[socket.socket, int] | None:
    """A connection to the daemon listening at `path`, and its pid; None when no daemon of this
    user listens there (a stale socket, a socket of another user, nothing)."""
    if not owned_socket(path):
        return None
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        connection.settimeout(CONNECT_TIMEOUT)
        connection.connect(path)
        pid, uid, _ = peer_credentials(connection)
    except OSError as error:
        connection.close()
        if isinstance(error, ConnectionRefusedError):
            remove_if_stale(path)
        return None
    if uid != os.getuid():
        connection.close()
        return None
    return connection, pid


def lock_path(socket_path: str) -> str:
    """The file a daemon holds locked (flock) for as long as it serves `socket_path`."""
    return socket_path[: -len(".sock")] + ".lock"


def remove_if_stale(path: str) -> None:
    """Removes the socket at `path` when no daemon holds its lock (it died without cleaning up)."""
    import fcntl

    try:
        lock = os.open(lock_path(path), os.O_RDWR | os.O_CLOEXEC)
    except OSError:
        return
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        if owned_socket(path):
            os.unlink(path)
    except OSError:  # locked: a daemon is starting or running there
        pass
    finally:
        os.close(lock)


# -- messages: a 4-byte length, then JSON; the first may carry file descriptors -------------------

def send_message(connection: socket.socket, message: object, fds: list[int] = ()) -> None:
    data = json.dumps(message).encode()
    frame = _LENGTH.pack(len(data)) + data
    if fds:
        sent = connection.sendmsg(
            [frame], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, struct.pack(f"{len(fds)}i", *fds))]
        )
        frame = frame[sent:]
    connection.sendall(frame)


def receive_message(connection: socket.socket, max_fds: int = 0) -> tuple[object, list[int]]:
    """The next message, and the file descriptors that came with it (close-on-exec). Raises
    EOFError when the peer closed the connection, OSError (socket.timeout) on timeouts."""
    fds: list[int] = []
    header = b""
    while len(header) < _LENGTH.size:
        if max_fds and not header:
            space = socket.CMSG_SPACE(max_fds * 4)
            chunk, ancillary, _, _ = connection.recvmsg(_LENGTH.size, space, socket.MSG_CMSG_CLOEXEC)
            for level, kind, data in ancillary:
                if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                    count = len(data) // 4
                    fds += struct.unpack(f"{count}i", data[: count * 4])
        else:
            chunk = connection.recv(_LENGTH.size - len(header))
        if not chunk:
            _close_all(fds)
            raise EOFError
        header += chunk
    (length,) = _LENGTH.unpack(header)
    if length > MAX_MESSAGE_BYTES:
        _close_all(fds)
        raise EOFError
    body = bytearray()
    while len(body) < length:
        chunk = connection.recv(min(length - len(body), 1 << 20))
        if not chunk:
            _close_all(fds)
            raise EOFError
        body += chunk
    try:
        return json.loads(body), fds
    except ValueError:
        _close_all(fds)
        raise EOFError from None


def _close_all(fds: list[int]) -> None:
    for fd in fds:
        os.close(fd)


# -- the client -----------------------------------------------------------------------------------

def running_daemon(*starts: str) -> tuple[socket.socket, int] | None:
    """A connection to the daemon of the nearest directory at or above one of `starts` (in
    their order) that has one, and the daemon's pid. Without any daemon this costs one
    `listdir`."""
    directory = socket_directory()
    try:
        names = set(os.listdir(directory))
    except OSError:
        return None
    if not names or not is_private_directory(directory):
        return None
    seen: set[str] = set()
    for start in starts:
        current = os.path.normpath(start)
        while current not in seen:
            seen.add(current)
            name = socket_name(current)
            if name in names:
                found = connect(os.path.join(directory, name))
                if found is not None:
                    return found
            current = os.path.dirname(current)


def interpreter_identity() -> list:
    """What the daemon's Python must share with the client's for its output to be the local
    run's: the interpreter, the installed ormlint, and what decides module lookup and the
    default encodings. (The interpreter by its real path: a console script's `bin/python3` and
    `python -m`'s `bin/python` of one virtual environment are one interpreter.)"""
    return [
        os.path.realpath(sys.executable), sys.version, sys.prefix,
        os.path.dirname(os.path.abspath(__file__)),
        os.environ.get("PYTHONPATH", ""), sys.getfilesystemencoding(), sys.flags.utf8_mode,
    ]


def _stream_spec(stream) -> dict | None:
    try:
        return {
            "encoding": stream.encoding, "errors": stream.errors,
            "line_buffering": stream.line_buffering, "write_through": stream.write_through,
        }
    except (AttributeError, ValueError):  # replaced by something else, or closed
        return None


def run_through_daemon(argv: list[str], prog_name: str) -> int | None:
    """The exit status of `argv` run by the daemon of the project of the named paths or of the
    working directory; None when it is to run here (not `check`, no daemon, or the daemon
    cannot serve it)."""
    if argv[1:2] != ["check"] or not SUPPORTED:
        return None
    try:
        cwd = os.getcwd()
    except OSError:
        return None
    # pre-commit runs in the repository's root, which may hold the project in a subdirectory: the
    # named paths' directories come first (an option's value among them only costs a hash)
    named = [os.path.join(cwd, arg) for arg in argv[2:] if arg and not arg.startswith("-")]
    found = running_daemon(*named, cwd)
    if found is None:
        return None
    connection, pid = found
    with connection:
        try:
            return _request(connection, pid, argv, prog_name, cwd)
        except Refused:
            return None


def _request(connection: socket.socket, pid: int, argv: list[str], prog_name: str, cwd: str) -> int:
    streams = [_stream_spec(s) for s in (sys.stdin, sys.stdout, sys.stderr)]
    if None in streams:
        raise Refused
    umask = os.umask(0o022)
    os.umask(umask)
    request = {
        "kind": "check", "argv": argv, "prog_name": prog_name, "cwd": cwd,
        "environ": dict(os.environ), "umask": umask, "streams": streams,
        "interpreter": interpreter_identity(),
    }
    try:
        connection.settimeout(ACCEPT_TIMEOUT)
        send_message(connection, request)
        reply, _ = receive_message(connection)
        if type(reply) is not dict or reply.get("accepted") is not True:
            raise Refused
        # only to a daemon that took the request: one that never reads them would hold them
        send_message(connection, {"streams": True}, fds=[0, 1, 2])
    except (OSError, EOFError):  # a closed standard stream, a busy or dead daemon
        raise Refused from None
    connection.settimeout(HEARTBEAT_TIMEOUT)
    interrupted = False
    while True:
        try:
            reply, _ = receive_message(connection)
        except KeyboardInterrupt:
            if interrupted:
                return 130
            interrupted = True  # the daemon interrupts the run, as Ctrl-C would have here
            _shutdown_writes(connection)
            continue
        except EOFError:  # the daemon died during the run
            raise Refused from None
        except OSError:  # no heartbeat: a stuck daemon; stop it
            _kill(pid)
            raise Refused from None
        if type(reply) is dict and type(reply.get("exit")) is int:
            return reply["exit"]


def _shutdown_writes(connection: socket.socket) -> None:
    try:
        connection.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def _kill(pid: int) -> None:
    import signal

    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:  # gone already
        pass
