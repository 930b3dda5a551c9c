"""`ormlint daemon`: a resident process answers `ormlint check` inside its project with exactly
what a local run prints, and never at the cost of a hang, a wrong answer or a security hole.

Daemons run from a copy of the ormlint package (PYTHONPATH), so that edits to the working tree
while the tests run do not change the code the daemon compares itself with; and each test has
its own socket directory (XDG_RUNTIME_DIR)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from ormlint import daemon_client
from tests.test_entry_points import PROJECT
from tests.test_no_code_runs import _no_markers, hostile  # noqa: F401  (a fixture)

PACKAGE = Path(__file__).parent.parent / "ormlint"
TIMEOUT = 120


@pytest.fixture(scope="module")
def frozen_package(tmp_path_factory) -> Path:
    where = tmp_path_factory.mktemp("frozen")
    shutil.copytree(PACKAGE, where / "ormlint", ignore=shutil.ignore_patterns("__pycache__"))
    return where


@pytest.fixture
def runtime():
    """A socket directory short enough for sockaddr_un whatever pytest's temporary paths are."""
    directory = tempfile.mkdtemp(prefix="ormd-", dir="/tmp")
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def env(frozen_package, runtime) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "ORMLINT", "NO_COLOR"))}
    env.update(PYTHONPATH=str(frozen_package), XDG_RUNTIME_DIR=runtime)
    return env


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return _write(tmp_path / "project", PROJECT)


def ormlint(*args: str, cwd: Path, env: dict, input: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ormlint", *args], cwd=cwd, env=env, input=input,
        capture_output=True, timeout=TIMEOUT, check=False,
    )


def local(*args: str, cwd: Path, env: dict, input: bytes | None = None) -> subprocess.CompletedProcess:
    """The same command with no daemon to find (an empty socket directory)."""
    empty = tempfile.mkdtemp(prefix="ormd-", dir="/tmp")
    try:
        return ormlint(*args, cwd=cwd, env={**env, "XDG_RUNTIME_DIR": empty}, input=input)
    finally:
        shutil.rmtree(empty)


@pytest.fixture
def started(project: Path, env: dict):
    out = ormlint("daemon", "start", "--idle-timeout", "300", cwd=project, env=env)
    assert out.returncode == 0, out.stderr
    yield project
    ormlint("daemon", "stop", cwd=project, env=env)


def requests_served(root: Path, env: dict) -> int:
    out = ormlint("daemon", "status", cwd=root, env=env)
    assert out.returncode == 0, out.stdout + out.stderr
    return int(out.stdout.decode().split(" requests")[0].rsplit(" ", 1)[1])


def _socket_file(runtime: str, root: Path) -> Path:
    return Path(runtime, "ormlint", daemon_client.socket_name(os.path.realpath(root)))


def test_start_status_stop(project, env, runtime):
    assert ormlint("daemon", "status", cwd=project, env=env).returncode == 1
    started = ormlint("daemon", "start", cwd=project / "app", env=env)  # the project's root
    assert started.returncode == 0 and b"started for " + str(project).encode() in started.stderr
    assert _socket_file(runtime, project).exists()
    assert oct(os.stat(Path(runtime, "ormlint")).st_mode & 0o777) == "0o700"
    again = ormlint("daemon", "start", str(project), cwd=project.parent, env=env)
    assert again.returncode == 0 and b"already running" in again.stderr
    status = ormlint("daemon", "status", cwd=project, env=env)
    assert status.returncode == 0 and b"running for" in status.stdout
    stopped = ormlint("daemon", "stop", cwd=project, env=env)
    assert stopped.returncode == 0 and b"stopped" in stopped.stderr
    assert ormlint("daemon", "status", cwd=project, env=env).returncode == 1
    assert not _socket_file(runtime, project).exists()


CASES = [
    ("app/tags.py",),  # a changed file, as pre-commit names it: ORM102, ORM301, ORM602, ORM701
    (".",),
    ("app",),
    ("--format", "json", "app/tags.py"),
    ("--format", "sarif", "."),
    ("--diff", "app"),
    ("--statistics", "."),
    ("--show-source", "--color", "always", "app/tags.py"),
    ("--select", "ORM7", "migrations"),
    ("--select", "ORM3O1", "."),  # a usage error, with its suggestion
    ("--bogus",),
    ("missing.py",),
    ("--help",),
]


def test_the_daemon_prints_what_a_local_run_prints(started, env):
    served = requests_served(started, env)
    for args in CASES:
        through_daemon = ormlint("check", *args, cwd=started, env=env)
        alone = local("check", *args, cwd=started, env=env)
        assert (through_daemon.stdout, through_daemon.stderr, through_daemon.returncode) == (
            alone.stdout, alone.stderr, alone.returncode
        ), args
    text = ormlint("check", "app/tags.py", cwd=started, env=env).stdout.decode()
    for code in ("ORM102", "ORM301", "ORM602", "ORM701"):
        assert code in text
    # standard input, and an environment variable the run reads
    source = (started / "app/tags.py").read_bytes()
    for args, extra in [
        (("--stdin-filename", "app/tags.py", "-"), {}),
        (("--fix", "--stdin-filename", "app/tags.py", "-"), {}),
        (("app/tags.py",), {"ORMLINT_CACHE_DIR": str(started / "elsewhere")}),
    ]:
        through_daemon = ormlint("check", *args, cwd=started, env={**env, **extra}, input=source)
        alone = local("check", *args, cwd=started, env={**env, **extra}, input=source)
        assert (through_daemon.stdout, through_daemon.stderr, through_daemon.returncode) == (
            alone.stdout, alone.stderr, alone.returncode
        ), args
    assert (started / "elsewhere").is_dir()
    # a request the daemon did not accept within ACCEPT_TIMEOUT (a loaded machine) ran locally
    assert served < requests_served(started, env) <= served + len(CASES) + 1 + 3


def test_fix_through_the_daemon_writes_what_a_local_fix_writes(started, env, tmp_path):
    other = _write(tmp_path / "other", PROJECT)  # no daemon runs for it
    through_daemon = ormlint("check", "--fix", "app", cwd=started, env=env)
    alone = ormlint("check", "--fix", "app", cwd=other, env=env)
    assert (through_daemon.stdout, through_daemon.stderr, through_daemon.returncode) == (
        alone.stdout, alone.stderr, alone.returncode
    )
    assert b"Fixed 1 error" in through_daemon.stderr
    assert (started / "app/tags.py").read_text() == (other / "app/tags.py").read_text()
    assert "text('now()')" in (started / "app/tags.py").read_text()


def test_a_changed_file_and_configuration_are_seen_at_the_next_request(started, env):
    first = ormlint("check", "app/tags.py", cwd=started, env=env)
    assert b"ORM301" in first.stdout
    tags = started / "app/tags.py"
    tags.write_text(tags.read_text().replace("server_default='now()'", "nullable=True"))
    second = ormlint("check", "app/tags.py", cwd=started, env=env)
    assert b"ORM301" not in second.stdout and b"ORM602" in second.stdout
    (started / "pyproject.toml").write_text('[tool.ormlint]\nignore = ["ORM602"]\n')
    third = ormlint("check", "app/tags.py", cwd=started, env=env)
    assert b"ORM602" not in third.stdout and b"ORM102" in third.stdout
    assert third.stdout == local("check", "app/tags.py", cwd=started, env=env).stdout


def test_the_client_imports_neither_click_nor_libcst_nor_the_engine(started, env):
    script = (
        "import sys\nfrom ormlint.entry import main\nsys.argv = ['ormlint', 'check', 'app/tags.py']\n"
        "try:\n    main()\nexcept SystemExit as exit:\n"
        "    heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('click', 'libcst') or "
        "m in ('ormlint.cli', 'ormlint.engine', 'ormlint.api', 'ormlint.config'))\n"
        "    print(repr((exit.code, heavy)), file=sys.stderr)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=started, env=env, capture_output=True, timeout=TIMEOUT
    )
    assert out.stderr.decode().strip().endswith("(1, [])"), out.stderr
    assert b"ORM701" in out.stdout


def test_without_a_daemon_the_client_lists_one_directory_and_connects_nowhere(tmp_path, monkeypatch, runtime):
    def no_socket(*args, **kwargs):
        raise AssertionError("a connection was attempted")

    monkeypatch.setattr(daemon_client.socket, "socket", no_socket)
    monkeypatch.setenv("XDG_RUNTIME_DIR", runtime)
    argv = ["ormlint", "check", str(tmp_path)]
    assert daemon_client.run_through_daemon(argv, "ormlint") is None  # no socket directory
    os.mkdir(Path(runtime, "ormlint"), 0o700)
    assert daemon_client.run_through_daemon(argv, "ormlint") is None  # an empty one
    assert daemon_client.run_through_daemon(["ormlint", "rules"], "ormlint") is None


def test_a_stale_socket_is_removed_and_the_run_is_local(project, env, runtime):
    path = _socket_file(runtime, project)
    path.parent.mkdir(mode=0o700)
    with socket.socket(socket.AF_UNIX) as dead:
        dead.bind(str(path))  # bound, never listening: its daemon died
    Path(daemon_client.lock_path(str(path))).touch()
    out = ormlint("check", "app/tags.py", cwd=project, env=env)
    assert out.returncode == 1 and b"ORM701" in out.stdout
    assert not path.exists()
    with socket.socket(socket.AF_UNIX) as dead:
        dead.bind(str(path))
    try:
        assert ormlint("daemon", "start", cwd=project, env=env).returncode == 0
        assert ormlint("daemon", "status", cwd=project, env=env).returncode == 0
    finally:
        ormlint("daemon", "stop", cwd=project, env=env)


def test_a_socket_or_daemon_of_another_user_is_not_used(monkeypatch, tmp_path):
    path = str(tmp_path / "d.sock")
    with socket.socket(socket.AF_UNIX) as listener:
        listener.bind(path)
        listener.listen(1)
        found = daemon_client.connect(path)
        assert found is not None  # ours
        found[0].close()
        uid = os.getuid()
        monkeypatch.setattr(daemon_client.os, "getuid", lambda: uid + 1)
        assert daemon_client.connect(path) is None  # the socket file is another user's
        monkeypatch.setattr(daemon_client, "owned_socket", lambda path: True)
        assert daemon_client.connect(path) is None  # the process behind it is another user's


def test_the_daemon_serves_no_other_user(monkeypatch):
    from ormlint import daemon_server as daemon

    server, client = socket.socketpair(socket.AF_UNIX)
    with server, client:
        daemon_client.send_message(client, {"kind": "stop"})
        monkeypatch.setattr(daemon, "peer_credentials", lambda c: (1, os.getuid() + 1, 1))
        assert daemon.Daemon("/", 1.0)._handle(server) is True  # not stopped
        client.settimeout(0.1)
        with pytest.raises(socket.timeout):
            client.recv(1)  # no answer
        monkeypatch.setattr(daemon, "peer_credentials", lambda c: (1, os.getuid(), 1))
        assert daemon.Daemon("/", 1.0)._handle(server) is False  # the same stop, from the user


def test_a_socket_directory_others_may_enter_is_not_used(tmp_path, monkeypatch):
    runtime = tmp_path / "run"
    (runtime / "ormlint").mkdir(parents=True, mode=0o755)
    os.chmod(runtime / "ormlint", 0o755)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    monkeypatch.setattr(daemon_client, "connect", lambda path: pytest.fail("connected"))
    (runtime / "ormlint" / daemon_client.socket_name(os.getcwd())).touch()
    assert daemon_client.running_daemon(os.getcwd()) is None
    from ormlint.daemon import DaemonError, private_socket_directory

    with pytest.raises(DaemonError, match="only you"):
        private_socket_directory()


def test_a_change_to_ormlint_stops_the_daemon_and_the_run_is_local(started, env, frozen_package, tmp_path):
    # this test changes the package: give it its own copy
    package = tmp_path / "pkg"
    shutil.copytree(frozen_package / "ormlint", package / "ormlint")
    env = {**env, "PYTHONPATH": str(package)}
    ormlint("daemon", "stop", cwd=started, env=env)
    assert ormlint("daemon", "start", cwd=started, env=env).returncode == 0
    pid = _pid(started, env)
    with open(package / "ormlint" / "findings.py", "a") as changed:
        changed.write("# a new build\n")
    out = ormlint("check", "app/tags.py", cwd=started, env=env)
    assert out.returncode == 1 and b"ORM701" in out.stdout
    _wait_gone(pid)
    assert ormlint("daemon", "status", cwd=started, env=env).returncode == 1


def test_an_idle_daemon_exits(project, env, runtime):
    out = ormlint("daemon", "start", "--idle-timeout", "0.5", cwd=project, env=env)
    assert out.returncode == 0
    _wait_gone(int(out.stderr.decode().split("(pid ")[1].split(")")[0]))
    assert not _socket_file(runtime, project).exists()


def test_a_stopped_daemon_does_not_hang_the_client(started, env):
    pid = _pid(started, env)
    os.kill(pid, signal.SIGSTOP)
    try:
        began = time.monotonic()
        out = ormlint("check", "app/tags.py", cwd=started, env=env)
        assert time.monotonic() - began < daemon_client.ACCEPT_TIMEOUT + 60
        assert out.returncode == 1 and b"ORM701" in out.stdout
    finally:
        os.kill(pid, signal.SIGCONT)


def test_the_daemon_runs_nothing_from_the_repository(hostile, env):  # noqa: F811
    root, marker = hostile
    env = {**env, "PYTHONDONTWRITEBYTECODE": "1"}
    assert ormlint("daemon", "start", cwd=root, env=env).returncode == 0
    try:
        for args, expected in [
            ((".",), b"ORM301"), (("models.py", "--format", "sarif"), b"ORM301"),
            (("--diff", "."), b"text('now()')"), (("models.py", "--format", "json"), b"ORM301"),
        ]:
            out = ormlint("check", *args, cwd=root, env=env)
            assert out.returncode == 1 and expected in out.stdout, out.stderr
        assert requests_served(root, env) == 4
    finally:
        ormlint("daemon", "stop", cwd=root, env=env)
    _no_markers(marker)


def _pid(root: Path, env: dict) -> int:
    out = ormlint("daemon", "status", cwd=root, env=env)
    assert out.returncode == 0
    return int(out.stdout.decode().split("pid ")[1].split(",")[0])


def _wait_gone(pid: int, timeout: float = 30.0) -> None:
    from ormlint.daemon import alive

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive(pid):
            return
        time.sleep(0.1)
    raise AssertionError(f"daemon {pid} still runs")


def test_messages_carry_file_descriptors():
    server, client = socket.socketpair(socket.AF_UNIX)
    with server, client:
        read, write = os.pipe()
        daemon_client.send_message(client, {"a": [1, "b"]}, fds=[write])
        message, fds = daemon_client.receive_message(server, max_fds=3)
        assert message == {"a": [1, "b"]} and len(fds) == 1
        os.write(fds[0], b"x")
        assert os.read(read, 1) == b"x"
        for fd in (read, write, *fds):
            os.close(fd)
        client.sendall(b"\xff\xff\xff\xff")  # longer than any message: refused
        with pytest.raises(EOFError):
            daemon_client.receive_message(server)


def test_pre_commit_in_the_repository_root_is_served_by_the_daemon_of_a_subproject(tmp_path, env):
    """pre-commit runs hooks in the repository's root and names files under it: the daemon of
    the project in `server/` answers, with what the hook prints without it."""
    repo = tmp_path / "repo"
    _write(repo / "server", PROJECT)
    scripts = tmp_path / "bin"
    scripts.mkdir()
    (scripts / "ormlint").write_text(  # what the installed console script is
        f"#!{sys.executable}\nimport sys\nfrom ormlint.entry import main\nsys.exit(main())\n"
    )
    (scripts / "ormlint").chmod(0o755)
    env = {**env, "PATH": f"{scripts}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}{env['PATH']}",
           "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    (repo / ".pre-commit-config.yaml").write_text(
        "repos:\n  - repo: local\n    hooks:\n      - id: ormlint\n        name: ormlint\n"
        "        entry: ormlint check --force-exclude\n        language: system\n"
        "        types: [python]\n        require_serial: true\n"
    )
    for args in (["init", "-q"], ["add", "."]):
        subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)
    hook = [sys.executable, "-m", "pre_commit", "run", "--files", "server/app/tags.py"]
    alone = subprocess.run(hook, cwd=repo, env={**env, "XDG_RUNTIME_DIR": str(tmp_path)},
                           capture_output=True, timeout=TIMEOUT)
    assert alone.returncode == 1 and b"ORM701" in alone.stdout, alone.stdout + alone.stderr
    assert ormlint("daemon", "start", "server", cwd=repo, env=env).returncode == 0
    try:
        through_daemon = subprocess.run(hook, cwd=repo, env=env, capture_output=True, timeout=TIMEOUT)
        assert (through_daemon.stdout, through_daemon.returncode) == (alone.stdout, alone.returncode)
        assert requests_served(repo / "server", env) == 1
    finally:
        ormlint("daemon", "stop", "server", cwd=repo, env=env)


def test_where_unix_sockets_lack_peer_credentials_everything_runs_locally(monkeypatch, tmp_path):
    from ormlint import daemon

    monkeypatch.setattr(daemon_client, "SUPPORTED", False)
    monkeypatch.setattr(daemon, "SUPPORTED", False)
    monkeypatch.setattr(daemon_client, "running_daemon", lambda *a: pytest.fail("looked for a daemon"))
    assert daemon_client.run_through_daemon(["ormlint", "check", "."], "ormlint") is None
    assert daemon.status(tmp_path) is None
    with pytest.raises(daemon.DaemonError, match="needs Linux"):
        daemon.start(tmp_path)


def test_between_requests_the_warm_heap_is_frozen_and_thawed_now_and_then():
    import gc

    from ormlint.memo import REFREEZE_EVERY, settle_heap

    try:
        settle_heap(1)
        frozen = gc.get_freeze_count()
        assert frozen > 0
        cycle: list = []
        cycle.append(cycle)
        del cycle
        settle_heap(2)
        assert gc.get_freeze_count() >= frozen
        gc.unfreeze()
        settle_heap(REFREEZE_EVERY)  # thawed and collected whole, then frozen again
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_another_name_of_the_same_interpreter_is_served(started, env):
    # A console script's shebang names the environment's `bin/python3`; `python -m ormlint`
    # (or pre-commit) may run `bin/python`: one interpreter, which the daemon must serve.
    here = Path(sys.executable)
    sibling = next(
        (here.parent / name for name in ("python3", "python") if name != here.name
         and (here.parent / name).exists() and os.path.realpath(here.parent / name) == os.path.realpath(here)),
        None,
    )
    if sibling is None:
        pytest.skip("this environment has no second name for its interpreter")
    served = requests_served(started, env)
    out = subprocess.run(
        [str(sibling), "-m", "ormlint", "check", "app/tags.py"], cwd=started, env=env,
        capture_output=True, timeout=TIMEOUT, check=False,
    )
    assert out.returncode == 1 and b"ORM602" in out.stdout
    assert requests_served(started, env) == served + 1
