"""ormlint at repository scale, side by side with the parse floor and its peers, in one run.

    python benchmarks/bench_repo.py PATH [--repeat 3] [--pairs 5] [--env DIR] [--reinstall]

Not a test: the numbers depend on the machine. On its first run the script makes its own
virtualenv (default: ~/.cache/ormlint-bench/venv, or --env DIR, or $ORMLINT_BENCH_ENV) and installs
into it flake8, flake8-bugbear and sqlalchemy-lsp from PyPI (baselines only, never dependencies of
ormlint) and ormlint from this checkout (editable, so later runs measure the current code). It then
re-runs itself with that environment's Python, and reports:

* the .py files and lines under PATH (ormlint's discovery and default excludes) and how many the
  text prefilter keeps;
* the FLOOR: `libcst.parse_module` of every prefiltered file, in one fresh process (parse time
  only: no start-up, no reading), wall and CPU; `ast.parse` of the same files for reference;
* `ormlint check` cold (`--no-cache`, all cores), warm (cache primed by an untimed run, in a temp
  cache directory), cold `--jobs 1`;
* `flake8 --select B` (flake8-bugbear) on the same files, with ormlint's own flake8 plugin kept
  out of that run;
* `sqlalchemy-lsp check` on the same path (its own discovery);
* ormlint cold and sqlalchemy-lsp again in back-to-back pairs (--pairs), whose median ratio is
  steadier than the ratio of two medians taken a minute apart on a shared machine;
* the ratios against the targets of issue 6, peak memory of the cold runs, and one ~300-line
  model file checked through the CLI from process start to exit (median of 10).

Every command runs as a fresh process; each time is the median of --repeat runs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent
BASELINES = ("flake8", "flake8-bugbear")
PEER = "sqlalchemy-lsp"
MARKER = "ormlint-bench.json"
IN_ENV = "ORMLINT_BENCH_IN_ENV"

# Targets of issue 6 (ratios of median wall times).
TARGET_JOBS1_FLOOR = 1.3
TARGET_COLD_PEER = 2.0
TARGET_WARM_PEER = 1.0
TARGET_WARM_FLOOR = 0.05
TARGET_ONE_FILE_S = 0.400


# -- the benchmark's own environment ------------------------------------------------------------


def default_env_dir() -> Path:
    if os.environ.get("ORMLINT_BENCH_ENV"):
        return Path(os.environ["ORMLINT_BENCH_ENV"])
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "ormlint-bench" / "venv"


def env_python(env: Path) -> Path:
    return env / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def env_bin(env: Path, name: str) -> Path:
    return env / ("Scripts" if os.name == "nt" else "bin") / name


def ensure_env(env: Path, reinstall: bool) -> dict:
    """Create the environment and install what the benchmark runs; returns its marker record."""
    marker = env / MARKER
    wanted = {"checkout": str(CHECKOUT), "python": platform.python_version()}
    if not reinstall and marker.is_file():
        try:
            record = json.loads(marker.read_text())
        except ValueError:
            record = {}
        if all(record.get(k) == v for k, v in wanted.items()) and env_python(env).exists():
            return record
    print(f"bench: preparing {env} (once) ...", file=sys.stderr, flush=True)
    if not env_python(env).exists():
        subprocess.run([sys.executable, "-m", "venv", str(env)], check=True)
    pip = [str(env_python(env)), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, *BASELINES, "-e", str(CHECKOUT)], check=True)
    record = dict(wanted)
    # The peer is a binary wheel: it may not exist for this platform. Report that, carry on.
    peer = subprocess.run([*pip, PEER], capture_output=True, text=True)
    record["peer_install_error"] = (
        None if peer.returncode == 0 else (peer.stderr.strip().splitlines() or ["pip failed"])[-1]
    )
    marker.write_text(json.dumps(record, indent=1))
    return record


# -- timing -------------------------------------------------------------------------------------


@dataclass
class Run:
    wall: float
    cpu: float  # user + system of the process and its waited-for descendants
    maxrss_kb: int  # the largest single process of the tree
    tree_peak_kb: int  # sampled sum over the live process tree (0 when not sampled)
    returncode: int
    stdout: str
    stderr: str


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                found.extend(int(c) for c in handle.read().split())
    except (OSError, ValueError):
        pass
    return found


def _tree_rss_kb(pid: int) -> int:
    total, stack = 0, [pid]
    page_kb = os.sysconf("SC_PAGE_SIZE") // 1024
    while stack:
        current = stack.pop()
        stack.extend(_children(current))
        try:
            with open(f"/proc/{current}/statm") as handle:
                total += int(handle.read().split()[1]) * page_kb
        except (OSError, ValueError, IndexError):
            pass
    return total


def run_once(cmd: list[str], cwd: Path, sample_tree: bool = False) -> Run:
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        peak = [0]
        stop = threading.Event()

        def sample() -> None:
            while not stop.wait(0.02):
                peak[0] = max(peak[0], _tree_rss_kb(process.pid))

        sampler = None
        if sample_tree and os.path.isdir(f"/proc/{process.pid}/task"):
            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        stop.set()
        if sampler is not None:
            sampler.join()
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        maxrss = usage.ru_maxrss // (1024 if sys.platform == "darwin" else 1)
        return Run(
            wall, usage.ru_utime + usage.ru_stime, maxrss, peak[0], process.returncode,
            out.read().decode(errors="replace"), err.read().decode(errors="replace"),
        )


@dataclass
class Measure:
    name: str
    runs: list[Run] = field(default_factory=list)
    error: str | None = None
    note: str = ""

    @property
    def wall(self) -> float | None:
        return statistics.median(r.wall for r in self.runs) if self.runs else None

    @property
    def cpu(self) -> float | None:
        return statistics.median(r.cpu for r in self.runs) if self.runs else None

    @property
    def maxrss_mb(self) -> float | None:
        return max(r.maxrss_kb for r in self.runs) / 1024 if self.runs else None


def measure(
    name: str, cmd: list[str], cwd: Path, repeat: int, ok_codes=(0, 1), sample_tree=False
) -> Measure:
    result = Measure(name)
    for _ in range(repeat):
        run = run_once(cmd, cwd, sample_tree)
        if run.returncode not in ok_codes:
            tail = (run.stderr.strip() or run.stdout.strip()).splitlines()[-3:]
            result.error = f"exit {run.returncode}: " + " | ".join(tail)
            return result
        result.runs.append(run)
    return result


# -- the floor ------------------------------------------------------------------------------------

FLOOR_CODE = r"""
import ast, json, sys, time, warnings
import libcst
from ormlint.sources import decode

paths = open(sys.argv[1], encoding="utf-8").read().splitlines()
sources = []
skipped = 0
for path in paths:
    try:
        text = decode(open(path, "rb").read())
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(text)
    except SyntaxError as error:
        if "too many nested" in str(error):  # ormlint never hands these to libcst either
            skipped += 1
            continue
    except (RecursionError, MemoryError, ValueError, UnicodeDecodeError, LookupError):
        skipped += 1
        continue
    sources.append(text)
failed = 0
wall, cpu = time.perf_counter(), time.process_time()
for text in sources:
    try:
        libcst.parse_module(text)
    except Exception:
        failed += 1
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
ast_wall = time.perf_counter()
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    for text in sources:
        try:
            ast.parse(text)
        except Exception:
            pass
ast_wall = time.perf_counter() - ast_wall
print(json.dumps({"wall": wall, "cpu": cpu, "ast_wall": ast_wall, "parsed": len(sources),
                  "failed": failed, "skipped": skipped}))
"""


def measure_floor(files: list[Path], repeat: int, workdir: Path) -> dict:
    listing = workdir / "prefiltered.txt"
    listing.write_text("\n".join(str(p) for p in files), encoding="utf-8")
    results = []
    for _ in range(repeat):
        done = subprocess.run(
            [sys.executable, "-c", FLOOR_CODE, str(listing)], capture_output=True, text=True
        )
        if done.returncode != 0:
            raise SystemExit(f"bench: the floor run failed:\n{done.stderr}")
        results.append(json.loads(done.stdout))
    floor = {k: statistics.median(r[k] for r in results) for k in ("wall", "cpu", "ast_wall")}
    floor.update({k: results[0][k] for k in ("parsed", "failed", "skipped")})
    return floor


# -- one model file -------------------------------------------------------------------------------


def model_file(lines: int = 300) -> str:
    """A realistic SQLAlchemy 2.0 model module of about `lines` lines (with two findings)."""
    out = [
        '"""Generated benchmark models: an online shop."""',
        "",
        "from __future__ import annotations",
        "",
        "import enum",
        "from datetime import datetime",
        "from decimal import Decimal",
        "from typing import Optional",
        "",
        "import sqlalchemy as sa",
        "from sqlalchemy import ForeignKey, Index, Numeric, String, Text, UniqueConstraint, func",
        "from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column, relationship",
        "",
        "",
        "class Base(DeclarativeBase):",
        "    pass",
        "",
        "",
        "class TimestampMixin:",
        "    created_at: Mapped[datetime] = mapped_column(server_default=func.now())",
        "    updated_at: Mapped[Optional[datetime]] = mapped_column(onupdate=func.now())",
        "",
        "",
        "class Status(enum.Enum):",
        '    DRAFT = "draft"',
        '    ACTIVE = "active"',
        '    RETIRED = "retired"',
        "",
    ]
    index = 0
    while len(out) < lines - 8:
        name, prev = f"Entity{index}", f"Entity{index - 1}" if index else None
        table = f"entity_{index}"
        out += ["", "", f"class {name}(TimestampMixin, Base):", f'    """Entity number {index}."""', ""]
        out += [f'    __tablename__ = "{table}"', "    __table_args__ = ("]
        out += [f'        UniqueConstraint("code", "owner_id", name="uq_{table}_code_owner"),']
        out += [f'        Index("ix_{table}_title", "title"),', "    )", ""]
        out += ["    id: Mapped[int] = mapped_column(primary_key=True)"]
        out += ["    code: Mapped[str] = mapped_column(String(32))"]
        out += ["    title: Mapped[str] = mapped_column(String(200), nullable=False)"]
        out += ["    body: Mapped[Optional[str]] = mapped_column(Text)"]
        out += ["    price: Mapped[Decimal] = mapped_column(Numeric(10, 2), server_default=sa.text('0'))"]
        out += ["    status: Mapped[Status] = mapped_column(sa.Enum(Status), default=Status.DRAFT)"]
        out += ["    owner_id: Mapped[int] = mapped_column(ForeignKey('entity_0.id'), index=True)"]
        if index == 1:
            out += ['    published_at: Mapped[Optional[datetime]] = mapped_column(server_default="now()")']
        if index == 2:
            out += ["    note: Mapped[str] = mapped_column(Text, nullable=True)"]
        if prev:
            out += [f"    parent: Mapped[Optional[{prev}]] = relationship(lazy='selectin')"]
        out += ["", "    @declared_attr.directive", "    def __mapper_args__(cls):"]
        out += ['        return {"eager_defaults": True}', ""]
        out += ["    def label(self) -> str:", '        """A display label."""']
        out += ["        if self.status is Status.RETIRED:", '            return f"{self.title} (retired)"']
        out += ["        return self.title"]
        index += 1
    return "\n".join(out[:lines]) + "\n"


# -- report ---------------------------------------------------------------------------------------


def fmt_s(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None or b == 0 else a / b


def verdict(value: float | None, limit: float, strict: bool = False) -> str:
    if value is None:
        return "n/a"
    ok = value < limit if strict else value <= limit
    return "meets" if ok else "MISSES"


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def git_commit() -> str:
    try:
        head = subprocess.run(
            ["git", "-C", str(CHECKOUT), "rev-parse", "--short", "HEAD"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(CHECKOUT), "status", "--porcelain", "--", "ormlint"],
            capture_output=True, text=True,
        ).stdout.strip()
        return head + (" (+ uncommitted changes under ormlint/)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def findings_of(run: Run) -> list | None:
    try:
        return sorted(json.dumps(f, sort_keys=True) for f in json.loads(run.stdout))
    except ValueError:
        return None


SURVEY_CODE = r"""
import json, sys
from pathlib import Path
import ormlint
from ormlint.config import Settings, find_config, settings_from_table
from ormlint.discovery import discover
from ormlint.prefilter import may_contain_models
from ormlint.sources import decode
if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

path = Path(sys.argv[1])
config = find_config(path)
settings = (
    settings_from_table(tomllib.loads(config.read_text(encoding="utf-8"))["tool"]["ormlint"], config)
    if config else Settings(root=path)
)
files, kept = [], []
total_lines = kept_lines = 0
for file, _ in discover([path], settings):
    files.append(str(file))
    try:
        text = decode(file.read_bytes())
    except (OSError, SyntaxError, UnicodeDecodeError, LookupError):
        continue
    lines = text.count("\n") + (bool(text) and not text.endswith("\n"))
    total_lines += lines
    if may_contain_models(text):
        kept.append(str(file))
        kept_lines += lines
print(json.dumps({
    "version": ormlint.__version__, "package": str(Path(ormlint.__file__).parent),
    "files": files, "kept": kept, "total_lines": total_lines, "kept_lines": kept_lines,
    "exclude": list(settings.exclude) + list(settings.extend_exclude),
}))
"""


def survey(path: Path) -> dict:
    """ormlint's own view of PATH (discovery, excludes, prefilter), from a child process so that
    this process stays small (a child's max RSS starts at its parent's RSS at fork)."""
    done = subprocess.run([sys.executable, "-c", SURVEY_CODE, str(path)], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"bench: cannot survey {path}:\n{done.stderr}")
    return json.loads(done.stdout)


def bench(path: Path, repeat: int, env: Path, record: dict, pairs: int = 5) -> None:
    facts = survey(path)
    files = [Path(f) for f in facts["files"]]
    kept = [Path(f) for f in facts["kept"]]
    total_lines, kept_lines = facts["total_lines"], facts["kept_lines"]

    print(f"# ormlint benchmark: {path}")
    print()
    print(f"- date: {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}")
    print(f"- ormlint {facts['version']} at commit {git_commit()} ({facts['package']})")
    print(f"- Python {platform.python_version()} on {platform.platform()}, {os.cpu_count()} cores")
    print(f"- repeat: median of {repeat} fresh processes per command")
    print(f"- load average at start: {load_average()} (other work on the machine skews the times)")
    print(f"- files: {len(files)} .py files, {total_lines:,} lines (ormlint's discovery and excludes)")
    print(f"- prefilter keeps {len(kept)} files, {kept_lines:,} lines")
    # An installed ormlint has its bytecode compiled by pip; an editable checkout gets it on its
    # first import, unless PYTHONDONTWRITEBYTECODE is set, when every process would compile
    # ormlint's modules again (about 0.1 s). Compiled here so that the runs measure what users run.
    subprocess.run([sys.executable, "-m", "compileall", "-q", facts["package"]], check=False)
    print("- ormlint's bytecode compiled first, as `pip install` does")
    print(flush=True)

    ormlint_exe = str(env_bin(env, "ormlint"))
    base = [ormlint_exe, "check", ".", "--format", "json"]
    work = Path(tempfile.mkdtemp(prefix="ormlint-bench-"))
    try:
        floor = measure_floor(kept, repeat, work)
        measures: dict[str, Measure] = {}

        def step(key: str, m: Measure) -> None:
            measures[key] = m
            shown = m.error or f"{fmt_s(m.wall)} s"
            print(f"bench: {m.name}: {shown}", file=sys.stderr, flush=True)

        cold_cmd = [*base, "--no-cache"]
        step("cold", measure("ormlint cold (--no-cache, all cores)", cold_cmd, path, repeat))
        step("jobs1", measure("ormlint cold --jobs 1", [*base, "--no-cache", "--jobs", "1"], path,
                              repeat))
        # Memory of the whole process tree, sampled in one more (untimed) cold run: the sampling
        # itself costs CPU that the timed runs must not share.
        tree_peak_mb = run_once(cold_cmd, path, sample_tree=True).tree_peak_kb / 1024
        cache_dir = work / "cache"
        warm_cmd = [*base, "--cache-dir", str(cache_dir)]
        prime = run_once(warm_cmd, path)  # untimed: fills the cache
        warm = measure("ormlint warm (cache primed)", warm_cmd, path, repeat)
        if prime.returncode not in (0, 1):
            warm.error = f"priming run exit {prime.returncode}: {prime.stderr.strip()[-200:]}"
        step("warm", warm)

        # flake8 with bugbear, on the same files; ormlint's flake8 plugin is installed in this
        # environment too, so it is treated as a banned plugin here (never loaded, never run).
        relative = [os.path.relpath(f, path) for f in files]
        no_ormlint = (
            "import flake8.plugins.finder as finder;"
            "finder.BANNED_PLUGINS = {**finder.BANNED_PLUGINS, 'ormlint': '(benchmark)'};"
            "from flake8.main.cli import main; main()"
        )
        flake8_cmd = [sys.executable, "-c", no_ormlint, "--isolated", "--select", "B"]
        if sum(len(r) + 1 for r in relative) < 1_000_000:
            flake8_cmd += relative
            flake8_note = f"{len(files)} files named"
        else:  # too long for a command line: let flake8 walk the tree itself
            flake8_cmd += ["--extend-exclude", ",".join(facts["exclude"]), "."]
            flake8_note = "walked by flake8 (file list too long for argv)"
        flake8 = measure("flake8 --select B (bugbear)", flake8_cmd, path, repeat)
        flake8.note = flake8_note
        step("flake8", flake8)

        peer_exe = env_bin(env, PEER)
        if record.get("peer_install_error"):
            peer = Measure("sqlalchemy-lsp check", error=f"not installed: {record['peer_install_error']}")
        elif not peer_exe.exists():
            peer = Measure("sqlalchemy-lsp check", error=f"{peer_exe} missing")
        else:
            peer_cmd = [str(peer_exe), "check", "--exit-zero", "."]
            peer = measure("sqlalchemy-lsp check", peer_cmd, path, repeat, ok_codes=(0,))
            if peer.runs:
                summary = [l for l in peer.runs[0].stdout.splitlines() if "checked" in l]
                peer.note = summary[-1].strip() if summary else ""
        step("peer", peer)
        # The cold/peer ratio again from back-to-back pairs: the two medians above are taken a
        # minute apart, and a shared machine's speed drifts by more than the target's margin.
        pair_ratios: list[float] = []
        if peer.runs and measures["cold"].runs:
            for _ in range(pairs):
                ours, theirs = run_once(cold_cmd, path), run_once(peer_cmd, path)
                if ours.returncode in (0, 1) and theirs.returncode == 0 and theirs.wall > 0:
                    pair_ratios.append(ours.wall / theirs.wall)
            shown = ", ".join(f"{r:.2f}" for r in pair_ratios)
            print(f"bench: cold / sqlalchemy-lsp in back-to-back pairs: {shown}", file=sys.stderr)

        # One ~300-line model file through the CLI, process start to exit.
        one = work / "one" / "models.py"
        one.parent.mkdir()
        one.write_text(model_file(300))
        one_lines = one.read_text().count("\n")
        run_once([ormlint_exe, "check", "--no-cache", str(one)], one.parent)  # warm the OS caches
        one_file = measure("one file, --no-cache", [ormlint_exe, "check", "--no-cache", str(one)],
                           one.parent, 10)
        one_cached = measure("one file, cache", [ormlint_exe, "check", "--cache-dir",
                             str(work / "one-cache"), str(one)], one.parent, 10)
        version = measure("ormlint --version", [ormlint_exe, "--version"], one.parent, 10, (0,))
        python_start = measure("python -c pass", [sys.executable, "-c", "pass"], one.parent, 10, (0,))
        one_findings = findings_of(run_once([*base[:2], str(one), "--format", "json", "--no-cache"],
                                            one.parent))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    # -- the table
    print("| what | wall s (median) | CPU s | max RSS MB (largest process) | note |")
    print("|---|---:|---:|---:|---|")
    print(f"| floor: libcst.parse_module, {floor['parsed']} prefiltered files, one process "
          f"| {floor['wall']:.2f} | {floor['cpu']:.2f} | | parse only"
          + (f"; {floor['failed']} failed" if floor["failed"] else "")
          + (f"; {floor['skipped']} too deeply nested, skipped" if floor["skipped"] else "")
          + " |")
    print(f"| (reference: ast.parse of the same files) | {floor['ast_wall']:.2f} | | | |")
    for key in ("jobs1", "cold", "warm", "flake8", "peer"):
        m = measures[key]
        if m.error:
            print(f"| {m.name} | n/a | | | cannot run: {m.error} |")
            continue
        note = m.note
        if key == "cold" and tree_peak_mb:
            note = f"process tree peak {tree_peak_mb:.0f} MB (sampled sum, shared pages counted per process)"
        if key in ("cold", "jobs1", "warm"):
            found = findings_of(m.runs[0])
            note = (note + "; " if note else "") + (
                f"{len(found)} findings" if found is not None else "output not JSON"
            )
        print(f"| {m.name} | {m.wall:.2f} | {m.cpu:.2f} | {m.maxrss_mb:.0f} | {note} |")
    print()

    sets = {k: findings_of(measures[k].runs[0]) for k in ("cold", "jobs1", "warm") if measures[k].runs}
    if len(sets) == 3:
        same = sets["cold"] == sets["jobs1"] == sets["warm"]
        print(f"Findings identical across cold, cold --jobs 1 and warm: {'yes' if same else 'NO'}")
        print()

    w = {k: measures[k].wall for k in measures}
    rows = [
        ("ormlint cold --jobs 1 / floor", ratio(w["jobs1"], floor["wall"]),
         f"target <= {TARGET_JOBS1_FLOOR}x", verdict(ratio(w["jobs1"], floor["wall"]), TARGET_JOBS1_FLOOR)),
        ("ormlint cold / floor", ratio(w["cold"], floor["wall"]), "", ""),
        ("ormlint warm / floor", ratio(w["warm"], floor["wall"]),
         f"target < {TARGET_WARM_FLOOR}x", verdict(ratio(w["warm"], floor["wall"]), TARGET_WARM_FLOOR, True)),
        ("ormlint cold / sqlalchemy-lsp", ratio(w["cold"], w["peer"]),
         f"target <= {TARGET_COLD_PEER}x", verdict(ratio(w["cold"], w["peer"]), TARGET_COLD_PEER)),
        (f"ormlint cold / sqlalchemy-lsp, median of {len(pair_ratios)} back-to-back pairs"
         + (f" ({min(pair_ratios):.2f}-{max(pair_ratios):.2f})" if pair_ratios else ""),
         statistics.median(pair_ratios) if pair_ratios else None,
         f"target <= {TARGET_COLD_PEER}x",
         verdict(statistics.median(pair_ratios) if pair_ratios else None, TARGET_COLD_PEER)),
        ("ormlint warm / sqlalchemy-lsp cold", ratio(w["warm"], w["peer"]),
         f"target < {TARGET_WARM_PEER}x", verdict(ratio(w["warm"], w["peer"]), TARGET_WARM_PEER, True)),
        ("ormlint cold / flake8 --select B", ratio(w["cold"], w["flake8"]), "", ""),
    ]
    print("| ratio (median wall) | value | target | |")
    print("|---|---:|---|---|")
    for name, value, target, judged in rows:
        shown = "n/a" if value is None else f"{value:.3f}x" if value < 0.1 else f"{value:.2f}x"
        print(f"| {name} | {shown} | {target} | {judged} |")
    print()

    print(f"One {one_lines}-line model file through the CLI, process start to exit (median of 10):")
    print("| command | wall ms | max RSS MB |")
    print("|---|---:|---:|")
    for m, label in (
        (one_file, "ormlint check --no-cache models.py"),
        (one_cached, "ormlint check models.py (warm cache)"),
        (version, "ormlint --version"),
        (python_start, "python -c pass (interpreter start alone)"),
    ):
        if m.error:
            print(f"| {label} | n/a: {m.error} | |")
        else:
            print(f"| {label} | {m.wall * 1000:.0f} | {m.maxrss_mb:.0f} |")
    judged = verdict(one_file.wall, TARGET_ONE_FILE_S, True)
    print()
    print(f"One file target < {TARGET_ONE_FILE_S * 1000:.0f} ms: {judged} "
          f"({fmt_s(one_file.wall and one_file.wall * 1000)} ms; "
          f"{len(one_findings) if one_findings is not None else '?'} findings in the generated file)")
    print()
    print(f"Load average at the end: {load_average()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("path", type=Path, help="repository (directory) to measure")
    parser.add_argument("--repeat", type=int, default=3, help="runs per command (median); default 3")
    parser.add_argument("--pairs", type=int, default=5,
                        help="back-to-back ormlint cold / sqlalchemy-lsp pairs; default 5")
    parser.add_argument("--env", type=Path, default=None,
                        help="the benchmark's virtualenv (default: ~/.cache/ormlint-bench/venv)")
    parser.add_argument("--reinstall", action="store_true", help="reinstall the environment's packages")
    options = parser.parse_args()
    if options.repeat < 1:
        parser.error("--repeat must be at least 1")
    path = options.path.resolve()
    if not path.is_dir():
        parser.error(f"{options.path} is not a directory")
    env = (options.env or default_env_dir()).absolute()

    if os.environ.get(IN_ENV) != str(env):
        record = ensure_env(env, options.reinstall)
        argv = [str(env_python(env)), str(Path(__file__).resolve()), str(path),
                "--repeat", str(options.repeat), "--pairs", str(options.pairs), "--env", str(env)]
        sys.stdout.flush()
        sys.stderr.flush()
        os.environ[IN_ENV] = str(env)
        if os.name == "nt":  # pragma: no cover
            raise SystemExit(subprocess.call(argv))
        os.execv(argv[0], argv)
    record = json.loads((env / MARKER).read_text())
    bench(path, options.repeat, env, record, options.pairs)


if __name__ == "__main__":
    main()
