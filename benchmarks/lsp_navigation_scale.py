"""Navigation on a warm project of 2,000 files (issue 19's goal: each request <= 50 ms median):
go to definition, find references, completion and document symbols through `ormlint lsp`.

    python benchmarks/lsp_navigation_scale.py [--files 2000] [--open 20] [--keep DIR]

Generates a project of `--files` Python files (a tenth model files of two related classes each,
as many Alembic revisions creating their tables, the rest plain modules), starts the server in
it, opens `--open` model files and as many revisions (each waits for its lint inside the
project), then asks for the definition at every string literal, the references of every class
and table name, the completion after each `back_populates="`, and the outline, and prints the
median and 90th percentile of each kind in milliseconds, with how many answers were found and
how many the generated project says there must be (and the locations of the references). tests/test_lsp_navigation_scale.py runs it
in CI and checks the answers (not the times).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from lsp_latency import COLD_TIMEOUT, SERVER, Client, percentile  # noqa: E402

GOAL_MS = 50.0
STRING = re.compile(r"""(['"])[A-Za-z_][\w.]*\1""")

MODEL = '''\
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base


class C{i}A(Base):
    __tablename__ = "t{i}_a"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    other_id: Mapped[int] = mapped_column(ForeignKey("t{j}_a.id"))
    other = relationship("C{j}A", foreign_keys=[other_id])
    children: Mapped[list["C{i}B"]] = relationship(back_populates="parent")


class C{i}B(Base):
    __tablename__ = "t{i}_b"
    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int] = mapped_column(ForeignKey("t{i}_a.id"))
    parent: Mapped["C{i}A"] = relationship(back_populates="children")
'''
# Per model file: "t{j}_a.id", "C{j}A", "C{i}B", "parent", "t{i}_a.id", "C{i}A", "children".
DEFINITIONS_PER_MODEL = 7
# The references of a model file's names, declarations included: C{i}A 3 (its class, C{i}B's
# annotation, C{i-1}A's relationship), C{i}B 2, t{i}_a 7 (the class, __tablename__, two foreign
# keys, the revision's create, drop and foreign key), t{i}_b 4.
REFERENCES_PER_MODEL = 16
REVISION = '''\
import sqlalchemy as sa
from alembic import op

revision = "{i:04d}"
down_revision = {down}


def upgrade():
    op.create_table(
        "t{i}_a",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("other_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "t{i}_b",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), sa.ForeignKey("t{i}_a.id"), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade():
    op.drop_table("t{i}_b")
    op.drop_table("t{i}_a")
'''
# Per revision: the two tables (create and drop: 4), their 5 columns, 2 primary keys, 1 foreign key.
DEFINITIONS_PER_REVISION = 12
PLAIN = "def helper_{i}(value):\n    return value * {i}\n"


def generate(root: Path, files: int) -> tuple[list[Path], list[Path]]:
    """Writes the project; returns its model files and revisions."""
    count = max(2, files // 10)

    def write(name: str, text: str) -> None:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")

    write("pyproject.toml", "[tool.ormlint]\n")
    write("alembic.ini", "[alembic]\nscript_location = %(here)s/migrations\n")
    write("migrations/env.py", "from app.models.base import Base\n\ntarget_metadata = Base.metadata\n")
    write("app/__init__.py", "")
    write("app/models/__init__.py", "")
    write("app/models/base.py", "from sqlalchemy.orm import DeclarativeBase\n\n\nclass Base(DeclarativeBase):\n    pass\n")
    models, revisions = [], []
    for i in range(count):
        # The foreign keys point forward, and each revision creates its own tables: the last
        # file's point at the first, created earlier.
        j = (i + 1) % count
        models.append(root / f"app/models/m{i}.py")
        write(f"app/models/m{i}.py", MODEL.format(i=i, j=j))
        revisions.append(root / f"migrations/versions/{i:04d}_m{i}.py")
        down = "None" if i == 0 else f'"{i - 1:04d}"'
        write(f"migrations/versions/{i:04d}_m{i}.py", REVISION.format(i=i, down=down))
    for i in range(max(0, files - 2 * count - 4)):  # env.py, two __init__.py, base.py
        write(f"app/util/u{i // 100}/m{i}.py", PLAIN.format(i=i))
    return models, revisions


def measure(root: Path, models: list[Path], revisions: list[Path], opened: int) -> dict[str, Any]:
    """The timings (ms) and answers of each kind of request."""
    timings: dict[str, list[float]] = {"definition": [], "references": [], "completion": [], "documentSymbol": []}
    found = dict.fromkeys(timings, 0)
    expected = dict.fromkeys(timings, 0)
    places = {"found": 0, "expected": 0}  # the locations the references answers hold
    client = Client(SERVER, cwd=root)

    def ask(kind: str, params: dict[str, Any]) -> Any:
        sent = time.perf_counter()
        answer = client.request(f"textDocument/{kind}", params)
        timings[kind].append((time.perf_counter() - sent) * 1000)
        found[kind] += bool(answer)
        return answer

    try:
        client.request("initialize", {"processId": os.getpid(), "rootUri": root.as_uri(), "capabilities": {}})
        client.notify("initialized", {})
        sample = models[:opened] + revisions[:opened]
        for number, path in enumerate(sample):
            text = path.read_text(encoding="utf-8")
            uri = path.as_uri()
            client.notify("textDocument/didOpen", {"textDocument": {
                "uri": uri, "languageId": "python", "version": 1, "text": text,
            }})
            client.wait_diagnostics(uri, 1, timeout=COLD_TIMEOUT)
            client.wait_diagnostics(uri, 1, timeout=COLD_TIMEOUT)  # the project lint's
            document = {"uri": uri}
            is_model = number < len(models[:opened])
            expected["definition"] += DEFINITIONS_PER_MODEL if is_model else DEFINITIONS_PER_REVISION
            for line, line_text in enumerate(text.splitlines()):
                for match in STRING.finditer(line_text):
                    ask("definition", {"textDocument": document, "position": {"line": line, "character": match.start() + 2}})
                for match in re.finditer(r'class (C\d+[AB])|__tablename__ = "(t\d+_[ab])', line_text):
                    start = match.start(1) if match.group(1) else match.start(2)
                    expected["references"] += 1
                    places["found"] += len(ask("references", {
                        "textDocument": document, "position": {"line": line, "character": start + 1},
                        "context": {"includeDeclaration": True},
                    }) or [])
                for match in re.finditer(r"""back_populates=['"]""", line_text):
                    expected["completion"] += 1
                    ask("completion", {"textDocument": document, "position": {"line": line, "character": match.end()}})
            if is_model:
                places["expected"] += REFERENCES_PER_MODEL
                expected["documentSymbol"] += 1
                ask("documentSymbol", {"textDocument": document})
    finally:
        client.close()
    return {"timings": timings, "found": found, "expected": expected, "places": places}


def report(results: dict[str, Any]) -> list[str]:
    lines = []
    for kind, values in results["timings"].items():
        if not values:
            continue
        median = statistics.median(values)
        lines.append(
            f"{kind}: {len(values)} requests, {results['found'][kind]} answered "
            f"({results['expected'][kind]} must be); median {median:.2f} ms, "
            f"p90 {percentile(values, 0.9):.2f} ms, max {max(values):.2f} ms "
            f"({'within' if median <= GOAL_MS else 'over'} the {GOAL_MS:.0f} ms goal)"
        )
    places = results["places"]
    lines.append(f"references: {places['found']} locations ({places['expected']} must be)")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--open", type=int, default=20)
    parser.add_argument("--keep", type=Path, help="generate the project here (kept) instead of a temporary one")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ormlint-lsp-scale-") as workdir:
        root = args.keep or Path(workdir)
        root.mkdir(parents=True, exist_ok=True)
        models, revisions = generate(root, args.files)
        print(f"{sum(1 for _ in root.rglob('*.py'))} Python files, {len(models)} model files, {len(revisions)} revisions")
        for line in report(measure(root, models, revisions, args.open)):
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
