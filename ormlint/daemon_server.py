"""The daemon's process (`ormlint daemon start` starts it, `ormlint.daemon` describes it): it
listens on the project's socket and runs each client's `ormlint check` with the client's
streams, working directory, environment and umask in place."""

from __future__ import annotations

import io
import os
import signal
import socket
import sys
import threading
import time
from pathlib import Path

from ormlint.daemon import private_socket_directory
from ormlint.daemon_client import (
    HEARTBEAT_SECONDS,
    interpreter_identity,
    lock_path,
    peer_credentials,
    receive_message,
    send_message,
    socket_name,
)
from ormlint.memo import settle_heap

REQUEST_TIMEOUT = 5.0  # for a client to send its request once connected


class _Terminated(BaseException):
    """SIGTERM: the daemon exits (after restoring its own state if a run was under way)."""


_interruptible = False  # a run is under way: an interrupt from its client stops it


def _on_interrupt(signum: int, frame: object) -> None:
    if _interruptible:
        raise KeyboardInterrupt


def _on_terminate(signum: int, frame: object) -> None:
    raise _Terminated


def serve_main() -> None:
    """The daemon's process: `python -c ... ROOT IDLE_TIMEOUT`, started by `start` in "/"."""
    # `-c` put the working directory first on sys.path: later, in a checked project, a module of
    # it would shadow one ormlint imports. Relative entries (PYTHONPATH=.) would move the same way.
    if sys.path and sys.path[0] in ("", os.getcwd()):
        del sys.path[0]
    sys.path[:] = [os.path.abspath(entry) for entry in sys.path]
    root, idle_timeout = sys.argv[1], float(sys.argv[2])
    Daemon(root, idle_timeout).serve()


class Daemon:
    def __init__(self, root: str, idle_timeout: float) -> None:
        self.root = root
        self.idle_timeout = idle_timeout
        self.started = time.time()
        self.requests = 0

    def serve(self) -> None:
        import fcntl

        directory = private_socket_directory()
        path = os.path.join(directory, socket_name(self.root))
        lock = os.open(lock_path(path), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            sys.exit(f"a daemon already runs for {self.root}")
        if os.path.lexists(path):  # stale: its daemon no longer holds the lock
            os.unlink(path)
        signal.signal(signal.SIGINT, _on_interrupt)
        signal.signal(signal.SIGTERM, _on_terminate)
        self.identity = _installed_identity()
        self.interpreter = interpreter_identity()
        self._warm_up()
        settle_heap(0)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        umask = os.umask(0o177)  # the socket: the user's only (the directory already is)
        try:
            listener.bind(path)
        finally:
            os.umask(umask)
        bound = os.stat(path).st_ino
        listener.listen(64)
        listener.settimeout(self.idle_timeout)
        self.own_fds = [os.dup(fd) for fd in (0, 1, 2)]
        try:
            while True:
                try:
                    connection, _ = listener.accept()
                except TimeoutError:
                    break  # idle
                with connection:
                    if not self._handle(connection):
                        break
        except _Terminated:
            pass
        finally:
            try:
                if os.stat(path).st_ino == bound:
                    os.unlink(path)
            except OSError:
                pass
            listener.close()
            os.close(lock)

    def _warm_up(self) -> None:
        """Imports what a check needs and runs one of the root, so that the first request finds
        the cache's results file parsed and its entries decoded."""
        import ormlint.cli  # noqa: F401  (click and the report formats)
        from ormlint.api import CheckRequest, check
        from ormlint.cache import CACHE_DIR_NAME
        from ormlint.config import load_settings

        try:
            os.chdir(self.root)
            settings = load_settings([Path(".")])
            cache_dir = os.environ.get("ORMLINT_CACHE_DIR") or settings.root / CACHE_DIR_NAME
            check(CheckRequest(paths=[Path(".")], settings=settings, cache_dir=Path(cache_dir)))
        except Exception as error:  # a broken configuration, say: each request reports it
            print(f"ormlint daemon: warm-up: {error}", file=sys.stderr, flush=True)
        finally:
            os.chdir("/")

    def _handle(self, connection: socket.socket) -> bool:
        """Serves one connection; False when the daemon is to exit."""
        try:
            _, uid, _ = peer_credentials(connection)
            if uid != os.getuid():
                return True
            connection.settimeout(REQUEST_TIMEOUT)
            message, _ = receive_message(connection)
        except (OSError, EOFError):
            return True
        try:
            if type(message) is not dict:
                return True
            kind = message.get("kind")
            if kind == "status":
                send_message(connection, self._status())
            elif kind == "stop":
                send_message(connection, {"stopping": True})
                return False
            elif kind == "check":
                return self._check(connection, message)
        except (OSError, EOFError):
            pass
        return True

    def _status(self) -> dict:
        return {
            "root": self.root, "pid": os.getpid(), "started": self.started,
            "requests": self.requests, "idle_timeout": self.idle_timeout,
        }

    def _check(self, connection: socket.socket, message: dict) -> bool:
        request = _valid_check(message)
        if request is None:
            send_message(connection, {"refused": "malformed request"})
            return True
        if message.get("interpreter") != self.interpreter:
            send_message(connection, {"refused": "another Python or ormlint"})
            return True
        if _installed_identity() != self.identity:
            send_message(connection, {"refused": "ormlint changed since the daemon started"})
            return False
        try:
            os.chdir(request["cwd"])
        except OSError:
            send_message(connection, {"refused": "cannot enter the working directory"})
            return True
        self.requests += 1
        fds: list[int] = []
        try:
            send_message(connection, {"accepted": True})
            # The streams come only now: file descriptors sent to a daemon that never takes them
            # would keep the client's pipes open after it gave up and exited.
            _, fds = receive_message(connection, max_fds=3)
            if len(fds) != 3:
                return True
            watch = _ClientWatch(connection)
            watch.start()
            try:
                code = self._run(request, fds)
            except KeyboardInterrupt:  # between the command's end and the state's restoring
                code = 130
            finally:
                watch.stop()
            send_message(connection, {"exit": code})
        finally:
            for fd in fds:
                os.close(fd)
            os.chdir("/")
        settle_heap(self.requests)  # the client has its answer: off its clock
        return True

    def _run(self, request: dict, fds: list[int]) -> int:
        """Runs the client's command with its streams, environment and umask in place."""
        global _interruptible

        saved = (dict(os.environ), sys.argv, sys.stdin, sys.stdout, sys.stderr)
        umask = os.umask(request["umask"])
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
        specs = request["streams"]
        sys.stdin = _text_stream(0, "rb", specs[0])
        sys.stdout, sys.stderr = _text_stream(1, "wb", specs[1]), _text_stream(2, "wb", specs[2])
        os.environ.clear()
        os.environ.update(request["environ"])
        sys.argv = list(request["argv"])
        try:
            _interruptible = True
            return _exit_status(request["argv"], request["prog_name"])
        finally:
            try:
                _interruptible = False
            finally:
                for stream in (sys.stdout, sys.stderr):
                    try:
                        stream.flush()
                    except (OSError, ValueError):
                        pass
                os.environ.clear()
                os.environ.update(saved[0])
                sys.argv, sys.stdin, sys.stdout, sys.stderr = saved[1:]
                for target, fd in enumerate(self.own_fds):
                    os.dup2(fd, target)
                os.umask(umask)


def _exit_status(argv: list[str], prog_name: str) -> int:
    """What `ormlint ARGV` exits with, run here as the console script runs it."""
    from ormlint.cli import main

    try:
        main.main(args=argv[1:], prog_name=prog_name)
    except SystemExit as exit:
        if exit.code is None or type(exit.code) is int:
            return exit.code or 0
        print(exit.code, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception:  # as Python reports an uncaught error
        import traceback

        traceback.print_exc()
        return 1
    return 0


def _valid_check(message: dict) -> dict | None:
    """The check request in the shape the client sends, else None."""
    argv, streams, environ = message.get("argv"), message.get("streams"), message.get("environ")
    if (
        type(argv) is not list or not all(type(a) is str for a in argv) or argv[1:2] != ["check"]
        or type(message.get("prog_name")) is not str or type(message.get("cwd")) is not str
        or type(environ) is not dict or not all(type(v) is str for v in environ.values())
        or type(message.get("umask")) is not int
        or type(streams) is not list or len(streams) != 3
        or not all(type(s) is dict and _stream_fields(s) for s in streams)
    ):
        return None
    return message


def _stream_fields(spec: dict) -> bool:
    return (
        type(spec.get("encoding")) is str and type(spec.get("errors")) is str
        and type(spec.get("line_buffering")) is bool and type(spec.get("write_through")) is bool
    )


def _text_stream(fd: int, mode: str, spec: dict) -> io.TextIOWrapper:
    """A standard stream over `fd` made as the client's Python made its own (encoding, error
    handler, buffering), so that what is written is byte for byte what the client would write.
    Python's standard streams use "\\n" as the newline on POSIX."""
    raw = io.FileIO(fd, mode, closefd=False)
    buffered = io.BufferedReader(raw) if "r" in mode else io.BufferedWriter(raw)
    return io.TextIOWrapper(
        buffered, encoding=spec["encoding"], errors=spec["errors"], newline="\n",
        line_buffering=spec["line_buffering"], write_through=spec["write_through"],
    )


def _installed_identity() -> object:
    from ormlint.cache import installed_identity

    return installed_identity()


class _ClientWatch:
    """During a run: a heartbeat to the client every HEARTBEAT_SECONDS, and the run interrupted
    (as Ctrl-C would interrupt a local one) when the client goes away or asks for it."""

    def __init__(self, connection: socket.socket) -> None:
        self.connection = connection
        self.wake_read, self.wake_write = os.pipe()  # `stop` ends the wait at once
        self.thread = threading.Thread(target=self._watch, name="ormlint-daemon-watch", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        os.write(self.wake_write, b"x")
        self.thread.join()
        os.close(self.wake_read)
        os.close(self.wake_write)

    def _watch(self) -> None:
        import select

        while True:
            try:
                readable, _, _ = select.select(
                    [self.connection, self.wake_read], [], [], HEARTBEAT_SECONDS
                )
                if self.wake_read in readable:
                    return
                if readable:  # end of file, or anything: the client is gone or interrupts
                    import _thread

                    _thread.interrupt_main(signal.SIGINT)
                    return
                send_message(self.connection, {"alive": True})
            except OSError:
                return
