"""One changed model file inside a big project, as a pre-commit hook checks it: the CLI on that
file alone (checked inside its project: project and drift findings included), warm cache.

    python benchmarks/one_changed_file.py CHECKOUT RELATIVE/PATH/TO/models.py [--runs 7]

Each run appends a comment line to the file (so its content changes and the project phase runs
again), times `ormlint check FILE` in the checkout, then times the same command on the unchanged
file; the file is restored at the end. Prints the runs and their medians.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ORMLINT = [sys.executable, "-m", "ormlint"]


def timed(command: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, capture_output=True, check=False)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkout", type=Path)
    parser.add_argument("file")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    path = args.checkout / args.file
    original = path.read_bytes()
    command = [*ORMLINT, "check", args.file]
    timed([*ORMLINT, "check", "."], args.checkout)  # the warm cache every run starts from
    changed, unchanged = [], []
    try:
        for run in range(args.runs):
            path.write_bytes(original + f"# benchmark edit {run}\n".encode())
            changed.append(timed(command, args.checkout))
            unchanged.append(timed(command, args.checkout))
    finally:
        path.write_bytes(original)
    for name, values in (("changed file", changed), ("unchanged file", unchanged)):
        runs = " ".join(f"{v:.2f}" for v in values)
        print(f"{name:>15}: median {statistics.median(values):.2f} s  ({runs})")


if __name__ == "__main__":
    main()
