"""What the ormlint flake8 plugin adds to a flake8 run, measured as a ratio in one run.

    python benchmarks/flake8_overhead.py PATH [--repeat 3] [--select E,W,F]

Runs flake8 on PATH twice per round: as installed (ormlint's plugin analyses every file), and
with the plugin's work switched off (same process start-up, same other plugins). Prints the
median wall times and the ratio. Not a test: numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

DISABLED = (
    "import ormlint.flake8 as plugin; plugin.Flake8Plugin.run = lambda self: iter(());"
    "from flake8.main.cli import main; main()"
)
ENABLED = "from flake8.main.cli import main; main()"


def timed(code: str, args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, *args], capture_output=True, check=False)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("path")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--select", default="E,W,F,ORM")
    parser.add_argument("--jobs", default="auto")
    options = parser.parse_args()
    args = ["--select", options.select, "--jobs", options.jobs, options.path]
    with_plugin, without_plugin = [], []
    for _ in range(options.repeat):
        without_plugin.append(timed(DISABLED, args))
        with_plugin.append(timed(ENABLED, args))
    base, full = statistics.median(without_plugin), statistics.median(with_plugin)
    print(f"flake8 {' '.join(args)}")
    print(f"  flake8 alone (plugin switched off): {base:7.2f} s")
    print(f"  flake8 with ormlint:                {full:7.2f} s")
    print(f"  ratio with/alone:                   {full / base:7.2f}x")


if __name__ == "__main__":
    main()
