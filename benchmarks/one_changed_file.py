"""One changed model file inside a big project, as a pre-commit hook checks it: the CLI on that
file alone (checked inside its project: project and drift findings included), warm cache.

    python benchmarks/one_changed_file.py CHECKOUT RELATIVE/PATH/TO/models.py [--runs 7]
        [--edit comment|column] [--pre-commit] [--daemon]

Each run edits the file (so its content changes and the project phase runs again), times
`ormlint check FILE` in the checkout, then times the same command on the unchanged file; the
file is restored at the end. `--edit comment` appends a comment line; `--edit column` also adds
a column to the file's last class (its facts change, as in a real model change). With
`--pre-commit`, each edited run is also timed through `pre-commit run ormlint --files FILE`
(the checkout must be a git repository whose `.pre-commit-config.yaml` has a hook `ormlint`), and
the ratio to the CLI is taken pair by pair. When the configuration also has a hook `noop` (say
`entry: "true"`, `language: system`), it is timed the same way: pre-commit's own cost, which no
hook can lower, and the hook's share (pre-commit with ormlint minus pre-commit with the no-op)
is compared with the CLI too. The findings of the first and the last edited run
are compared with those of a cold run (`--no-cache`) of the same content: the script fails when
they differ. With `--daemon`, the same runs are then made again through `ormlint daemon` (started
for the file's project first, stopped at the end; its findings are compared with a cold local
run's likewise), and the ratios of its medians to the local ones are printed; the local runs
are made with an empty socket directory, so that no daemon answers them. Prints the runs and
their medians (wall, and CPU of the child processes plus, through the daemon, the daemon's).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ORMLINT = [sys.executable, "-m", "ormlint"]


def timed(
    command: list[str], cwd: Path, env: dict[str, str] | None = None, daemon: int | None = None
) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds of the child processes and of the `daemon` process with its
    reaped workers, standard output)."""
    before, daemon_before = os.times(), daemon_cpu(daemon)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False, env=env)
    wall = time.perf_counter() - start
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return wall, cpu + daemon_cpu(daemon) - daemon_before, done.stdout


def daemon_cpu(pid: int | None) -> float:
    """CPU seconds used so far by process `pid` and its reaped children (0 for None)."""
    if pid is None:
        return 0.0
    with open(f"/proc/{pid}/stat", "rb") as stat:
        fields = stat.read().rsplit(b")", 1)[1].split()
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def edited(original: bytes, run: int, edit: str) -> bytes:
    text = original + f"# benchmark edit {run}\n".encode()
    if edit == "column":
        # a column in the last class: indented like the class body's first statement
        match = list(re.finditer(rb"^class \w+.*:\n(?:[ \t]*(?:#.*)?\n)*([ \t]+)\S", original, re.MULTILINE))
        if not match:
            sys.exit("--edit column: the file has no top-level class")
        indent = match[-1].group(1)
        text = original + indent + f"benchmark_edit_{run} = mapped_column(Integer)\n".encode()
    return text


def findings(output: str) -> list:
    try:
        return sorted(tuple(sorted(f.items())) for f in json.loads(output))
    except ValueError:
        sys.exit(f"not JSON findings: {output[:300]!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkout", type=Path)
    parser.add_argument("file")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--edit", choices=("comment", "column"), default="comment")
    parser.add_argument("--pre-commit", action="store_true")
    parser.add_argument("--daemon", action="store_true", help="also time the runs through `ormlint daemon`")
    args = parser.parse_args()
    path = args.checkout / args.file
    original = path.read_bytes()
    no_daemon = {**os.environ, "XDG_RUNTIME_DIR": tempfile.mkdtemp(prefix="ormlint-bench-")}
    timed([*ORMLINT, "check", "."], args.checkout, no_daemon)  # the warm cache every run starts from
    series: dict[str, list[tuple[float, float]]] = {}
    try:
        timed_runs(args, path, original, series, "", no_daemon, no_daemon)
        if args.daemon:
            started = subprocess.run(
                [*ORMLINT, "daemon", "start", str(path.parent)], capture_output=True, text=True, check=False
            )
            if started.returncode != 0:
                sys.exit(f"the daemon did not start: {started.stderr}")
            pid = int(started.stderr.split("(pid ")[1].split(")")[0])
            try:
                timed_runs(args, path, original, series, ", daemon", dict(os.environ), no_daemon, pid)
            finally:
                subprocess.run([*ORMLINT, "daemon", "stop", str(path.parent)], capture_output=True, check=False)
    finally:
        path.write_bytes(original)
    for name, values in series.items():
        walls = [wall for wall, _ in values]
        cpus = [cpu for _, cpu in values]
        runs = " ".join(f"{wall:.2f}" for wall in walls)
        print(
            f"{name:>25}: median wall {statistics.median(walls):.3f} s, cpu "
            f"{statistics.median(cpus):.3f} s  (wall: {runs})"
        )
    ratios = [("pre-commit / CLI", "changed file, pre-commit", "changed file")] if args.pre_commit else []
    shares = []
    if args.pre_commit and has_noop_hook(args.checkout):
        shares = [("(pre-commit - noop) / CLI", "changed file, pre-commit", "pre-commit noop", "changed file")]
    if args.daemon:
        ratios += [
            ("daemon / local, changed", "changed file, daemon", "changed file"),
            ("daemon / local, unchanged", "unchanged file, daemon", "unchanged file"),
        ]
        if args.pre_commit:
            ratios += [
                ("pre-commit / CLI, daemon", "changed file, pre-commit, daemon", "changed file, daemon"),
                ("daemon / local, pre-commit", "changed file, pre-commit, daemon", "changed file, pre-commit"),
            ]
        if shares:
            shares.append((
                "(pre-commit - noop) / CLI, daemon", "changed file, pre-commit, daemon",
                "pre-commit noop, daemon", "changed file, daemon",
            ))
    for label, numerator, denominator in ratios:
        pairs = list(zip(series[numerator], series[denominator]))
        print(
            f"{label:>25}: median wall {statistics.median(a[0] / b[0] for a, b in pairs):.2f}x, "
            f"cpu {statistics.median(a[1] / b[1] for a, b in pairs):.2f}x (pairs)"
        )
    for label, whole, noop, cli in shares:
        triples = list(zip(series[whole], series[noop], series[cli]))
        print(
            f"{label:>25}: median wall {statistics.median((a[0] - n[0]) / b[0] for a, n, b in triples):.2f}x, "
            f"cpu {statistics.median((a[1] - n[1]) / b[1] for a, n, b in triples):.2f}x (runs)"
        )
    print("findings of the first and last edited runs: identical to a cold run's")


def has_noop_hook(checkout: Path) -> bool:
    config = checkout / ".pre-commit-config.yaml"
    return config.is_file() and re.search(r"^\s*-\s*id:\s*noop\s*$", config.read_text(), re.MULTILINE) is not None


def timed_runs(
    args: argparse.Namespace, path: Path, original: bytes, series: dict, suffix: str,
    env: dict[str, str], cold_env: dict[str, str], daemon: int | None = None,
) -> None:
    """The edited, unchanged (and pre-commit) runs, into `series` under names ending in `suffix`;
    the edited runs' findings compared with a cold local run's (`cold_env`)."""
    command = [*ORMLINT, "check", "--format", "json", args.file]
    hook = [sys.executable, "-m", "pre_commit", "run", "ormlint", "--files", args.file]
    noop = [sys.executable, "-m", "pre_commit", "run", "noop", "--files", args.file]
    with_noop = args.pre_commit and has_noop_hook(args.checkout)
    names = ["changed file", "unchanged file"] + (["changed file, pre-commit"] if args.pre_commit else [])
    names += ["pre-commit noop"] if with_noop else []
    for name in names:
        series[name + suffix] = []
    for run in range(args.runs):
        path.write_bytes(edited(original, run, args.edit))
        wall, cpu, output = timed(command, args.checkout, env, daemon)
        series["changed file" + suffix].append((wall, cpu))
        if run in (0, args.runs - 1):
            cold = timed([*command, "--no-cache"], args.checkout, cold_env)[2]
            if findings(output) != findings(cold):
                sys.exit(f"run {run}{suffix}: the warm run's findings differ from a cold run's:\n{output}\n{cold}")
        series["unchanged file" + suffix].append(timed(command, args.checkout, env, daemon)[:2])
        if args.pre_commit:
            # edited again as the CLI run was (with `--edit column`, another new column: the
            # file's facts change for the hook as they did for the CLI)
            path.write_bytes(edited(original, args.runs + run, args.edit) + b"# and for pre-commit\n")
            series["changed file, pre-commit" + suffix].append(timed(hook, args.checkout, env, daemon)[:2])
        if with_noop:
            series["pre-commit noop" + suffix].append(timed(noop, args.checkout, env, daemon)[:2])


if __name__ == "__main__":
    main()
