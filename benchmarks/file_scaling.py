"""One file's cost against libcst's own parse of it, from 10 KB to 5 MB.

    python benchmarks/file_scaling.py                        # 10k,100k,500k,1m,5m; all kinds
    python benchmarks/file_scaling.py --sizes 10k,100k --repeat 5
    python benchmarks/file_scaling.py --kinds findings --sizes 1m

Generated model files of the given sizes (a model generator writes one such file per database),
of three kinds:

- `findings`: classes of six columns and a relationship, 5 findings each (ORM101, ORM202, ORM301,
  ORM302, ORM501; three carry fixes);
- `clean`: the same classes written correctly, no finding;
- `wide`: one class whose columns fill the file, no finding.

Each measure runs in a fresh process that imports libcst and ormlint and checks a 3 KB file of
the same kind first (imports and caches are not measured), then reads the generated file and
times one call: either `libcst.parse_module(text)` (the floor) or ormlint's per-file analysis of it,
`analysis.analyse_source` with the default rules (`ast` parse, libcst parse, model, rules,
positions and fixes, facts, the project rules on the one-file index; what `ormlint check FILE`
does per file, without the CLI's start-up and output). Peak memory is the process's
`ru_maxrss`, as its parent reads it when it waits for it (`os.wait4`, the child's own
RUSAGE_CHILDREN figure), so it includes the interpreter and the imports (`idle`, the same in
both); `growth ratio` compares the peaks above idle.

Reports per size and kind the median CPU time (`time.process_time`) of --repeat runs
(--large-repeat at 1 MB and above; libcst and ormlint take turns), the largest peak, and the
ratios ormlint / libcst: for time, the medians of the per-turn ratios of CPU and wall time (on a
shared machine the CPU time is the steadier of the two). Not a test: the times depend on the
machine; the ratios are what to compare. Results in RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HEADER = '''from datetime import datetime
from typing import Optional

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class IdMixin:
    id: Mapped[int] = mapped_column(primary_key=True)

'''

# `id` comes from the mixin, so `remote_side=[id]` is Python's builtin (ORM101).
WITH_FINDINGS = '''

class Model{i}(IdMixin, Base):
    __tablename__ = "model_{i}"
    __table_args__ = (Index("ix_model_{i}_code", "code"))
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(50), nullable=True)
    created: Mapped[datetime] = mapped_column(server_default="now()")
    stamp: Mapped[datetime] = mapped_column(default=datetime.utcnow())
    parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("model_{i}.id"))
    parent: Mapped[Optional["Model{i}"]] = relationship(remote_side=[id])
'''
FINDINGS_PER_CLASS = 5

CLEAN = '''

class Model{i}(IdMixin, Base):
    __tablename__ = "model_{i}"
    __table_args__ = (Index("ix_model_{i}_code", "code"),)
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[Optional[str]] = mapped_column(String(50), nullable=True)
    created: Mapped[datetime] = mapped_column(server_default=text("now()"))
    stamp: Mapped[datetime] = mapped_column(default=datetime.utcnow)
    parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("model_{i}.id"))
    parent: Mapped[Optional["Model{i}"]] = relationship(remote_side="Model{i}.id")
'''

WIDE_CLASS = '''

class Wide(IdMixin, Base):
    __tablename__ = "wide"
'''
WIDE_COLUMN = '    column_{i}: Mapped[Optional[str]] = mapped_column("c_{i}", String(10))\n'

KINDS = ("findings", "clean", "wide")


def generate(kind: str, size: int) -> tuple[str, int]:
    """A model file of at least `size` bytes, and how many classes (or columns) it holds."""
    head, repeated = (HEADER + WIDE_CLASS, WIDE_COLUMN) if kind == "wide" else (
        HEADER, WITH_FINDINGS if kind == "findings" else CLEAN
    )
    parts, length, count = [head], len(head), 0
    while length < size:
        part = repeated.format(i=count)
        parts.append(part)
        length += len(part)
        count += 1
    return "".join(parts), count


# What runs in the fresh process: argv[1] is "libcst" or "ormlint", argv[2] the file, argv[3] a
# small file of the same kind, checked first by both (every lazy import of that kind's path).
CHILD = r'''
import json, resource, sys, time
import libcst
from ormlint.analysis import analyse_source
from ormlint.codes import default_codes

codes = frozenset(default_codes())
what, path, warm_up = sys.argv[1:4]
with open(warm_up, encoding="utf-8") as file:
    analyse_source(libcst.parse_module(file.read()).code, warm_up, codes)
with open(path, encoding="utf-8") as file:
    text = file.read()
idle_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
idle_kb //= 1024 if sys.platform == "darwin" else 1  # bytes there
start, start_cpu = time.perf_counter(), time.process_time()
if what == "libcst":
    libcst.parse_module(text)
    findings = None
else:
    findings = len(analyse_source(text, path, codes))
seconds, cpu = time.perf_counter() - start, time.process_time() - start_cpu
print(json.dumps({"seconds": seconds, "cpu": cpu, "idle_kb": idle_kb, "findings": findings}))
'''


def run_child(what: str, path: Path, warm_up: Path) -> dict:
    """One measure in a fresh process, with that process's peak RSS (`os.wait4` gives the
    rusage of the one child waited for, as RUSAGE_CHILDREN would for a parent of one child)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(
            [sys.executable, "-c", CHILD, what, str(path), str(warm_up)], stdout=out, stderr=err,
            stdin=subprocess.DEVNULL,
        )
        _, status, usage = os.wait4(process.pid, 0)
        out.seek(0)
        err.seek(0)
        if os.waitstatus_to_exitcode(status) != 0:
            tail = (err.read().decode(errors="replace").strip().splitlines() or ["no output"])[-1]
            return {"error": f"exit {os.waitstatus_to_exitcode(status)}: {tail}"}
        result = json.loads(out.read())
    result["peak_kb"] = usage.ru_maxrss // (1024 if sys.platform == "darwin" else 1)
    return result


def measure_pair(path: Path, warm_up: Path, repeat: int) -> tuple[dict, dict, dict]:
    """libcst's parse and ormlint's analysis of the file, taking turns `repeat` times (a change
    in the machine's load falls on both alike): each one's median times and largest peak, and
    the medians of the per-turn ratios of wall and CPU time."""
    turns = [(run_child("libcst", path, warm_up), run_child("ormlint", path, warm_up))
             for _ in range(repeat)]
    for turn in turns:
        for run in turn:
            if "error" in run:
                return {"error": run["error"]}, {}, {}
    ratios = {
        key: statistics.median(ours[key] / floor[key] for floor, ours in turns)
        for key in ("seconds", "cpu")
    }
    return summary([floor for floor, _ in turns]), summary([ours for _, ours in turns]), ratios


def summary(runs: list[dict]) -> dict:
    return {
        "seconds": statistics.median(r["seconds"] for r in runs),
        "cpu": statistics.median(r["cpu"] for r in runs),
        "peak_mb": max(r["peak_kb"] for r in runs) / 1024,
        "idle_mb": max(r["idle_kb"] for r in runs) / 1024,
        "findings": runs[0]["findings"],
    }


def parse_size(text: str) -> int:
    text = text.strip().lower()
    for suffix, factor in (("k", 1000), ("m", 1000 * 1000)):
        if text.endswith(suffix):
            return int(float(text[:-1]) * factor)
    return int(text)


def label(size: int) -> str:
    return f"{size / 1e6:g} MB" if size >= 1e6 else f"{size / 1e3:g} KB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10k,100k,500k,1m,5m", help="file sizes, e.g. 10k,1m")
    parser.add_argument("--kinds", default=",".join(KINDS), help="findings,clean,wide")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measure below 1 MB (3)")
    parser.add_argument("--large-repeat", type=int, default=1, help="runs at 1 MB and above (1)")
    args = parser.parse_args()
    sizes = [parse_size(s) for s in args.sizes.split(",")]
    kinds = args.kinds.split(",")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores; medians of "
          f"{args.repeat} runs below 1 MB, {args.large_repeat} from 1 MB")
    header = (
        "| size | kind | classes / columns | findings | libcst CPU s | ormlint CPU s | CPU ratio "
        "| wall ratio | libcst peak MB | ormlint peak MB | peak ratio | growth ratio |"
    )
    print(header)
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            repeat = args.large_repeat if size >= 1_000_000 else args.repeat
            for kind in kinds:
                text, count = generate(kind, size)
                path = Path(tmp) / f"{kind}_{size}.py"
                path.write_text(text, encoding="utf-8")
                warm_up = Path(tmp) / f"{kind}_warm_up.py"
                warm_up.write_text(generate(kind, 3000)[0], encoding="utf-8")
                floor, ours, ratios = measure_pair(path, warm_up, repeat)
                if "error" in floor:
                    failed = f"| {label(size)} | {kind} | {count} | | {floor['error']} |"
                    print(failed + " |" * 7, flush=True)
                    continue
                growth_floor = floor["peak_mb"] - floor["idle_mb"]
                growth_ours = ours["peak_mb"] - ours["idle_mb"]
                growth = f"{growth_ours / growth_floor:.2f}x" if growth_floor > 1 else "n/a"
                print(
                    f"| {label(size)} | {kind} | {count} | {ours['findings']} "
                    f"| {floor['cpu']:.3f} | {ours['cpu']:.3f} | {ratios['cpu']:.2f}x "
                    f"| {ratios['seconds']:.2f}x "
                    f"| {floor['peak_mb']:.0f} | {ours['peak_mb']:.0f} "
                    f"| {ours['peak_mb'] / floor['peak_mb']:.2f}x | {growth} |",
                    flush=True,
                )
                path.unlink()


if __name__ == "__main__":
    main()
