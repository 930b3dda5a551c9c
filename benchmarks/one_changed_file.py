"""One changed model file inside a big project, as a pre-commit hook checks it: the CLI on that
file alone (checked inside its project: project and drift findings included), warm cache.

    python benchmarks/one_changed_file.py CHECKOUT RELATIVE/PATH/TO/models.py [--runs 7]
        [--edit comment|column] [--pre-commit]

Each run edits the file (so its content changes and the project phase runs again), times
`ormlint check FILE` in the checkout, then times the same command on the unchanged file; the
file is restored at the end. `--edit comment` appends a comment line; `--edit column` also adds
a column to the file's last class (its facts change, as in a real model change). With
`--pre-commit`, each edited run is also timed through `pre-commit run ormlint --files FILE`
(the checkout must be a git repository whose `.pre-commit-config.yaml` has a hook `ormlint`), and
the ratio to the CLI is taken pair by pair. The findings of the first and the last edited run
are compared with those of a cold run (`--no-cache`) of the same content: the script fails when
they differ. Prints the runs and their medians (wall and CPU of the child processes).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ORMLINT = [sys.executable, "-m", "ormlint"]


def timed(command: list[str], cwd: Path) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds of the child processes, standard output)."""
    before = os.times()
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return wall, cpu, done.stdout


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
    args = parser.parse_args()
    path = args.checkout / args.file
    original = path.read_bytes()
    command = [*ORMLINT, "check", "--format", "json", args.file]
    hook = [sys.executable, "-m", "pre_commit", "run", "ormlint", "--files", args.file]
    timed([*ORMLINT, "check", "."], args.checkout)  # the warm cache every run starts from
    series: dict[str, list[tuple[float, float]]] = {"changed file": [], "unchanged file": []}
    if args.pre_commit:
        series["changed file, pre-commit"] = []
    try:
        for run in range(args.runs):
            path.write_bytes(edited(original, run, args.edit))
            wall, cpu, output = timed(command, args.checkout)
            series["changed file"].append((wall, cpu))
            if run in (0, args.runs - 1):
                cold = timed([*command, "--no-cache"], args.checkout)[2]
                if findings(output) != findings(cold):
                    sys.exit(f"run {run}: the warm run's findings differ from a cold run's:\n{output}\n{cold}")
            series["unchanged file"].append(timed(command, args.checkout)[:2])
            if args.pre_commit:
                path.write_bytes(edited(original, run, args.edit) + b"# and for pre-commit\n")
                series["changed file, pre-commit"].append(timed(hook, args.checkout)[:2])
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
    if args.pre_commit:
        pairs = zip(series["changed file, pre-commit"], series["changed file"])
        ratios = [(a[0] / b[0], a[1] / b[1]) for a, b in pairs]
        print(
            f"{'pre-commit / CLI':>25}: median wall {statistics.median(r[0] for r in ratios):.2f}x, "
            f"cpu {statistics.median(r[1] for r in ratios):.2f}x"
        )
    print("findings of the first and last edited runs: identical to a cold run's")


if __name__ == "__main__":
    main()
