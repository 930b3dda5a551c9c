"""A file's cost grows linearly with its size and its findings (asserted on counts and on the
allocations tracemalloc sees, never on time)."""

from __future__ import annotations

import gc
import sys
import tracemalloc
from collections import Counter
from pathlib import Path

import pytest

import ormlint
from ormlint.analysis import analyse_source
from ormlint.codes import all_codes

CODES = frozenset(all_codes())
ORMLINT_DIR = str(Path(ormlint.__file__).parent)

HEADER = """\
from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass
"""

# Four findings per class, three with fixes (ORM501, ORM202, ORM301, ORM302).
CLASS_WITH_FINDINGS = """

class Model{i}(Base):
    __tablename__ = "model_{i}"
    __table_args__ = (Index("ix_model_{i}_code", "code"))
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), nullable=True)
    created: Mapped[datetime] = mapped_column(server_default="now()")
    stamp: Mapped[datetime] = mapped_column(default=datetime.utcnow())
"""


def models_with_findings(classes: int) -> str:
    return HEADER + "".join(CLASS_WITH_FINDINGS.format(i=i) for i in range(classes))


def peak_allocated(source: str) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        analyse_source(source, "m.py", CODES)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_peak_memory_is_linear_in_findings():
    # Placing each finding's statement once copied every finding's nodes, and the copies stayed
    # until the paused collector ran: four times the findings took eleven times the memory.
    small, large = models_with_findings(20), models_with_findings(80)
    assert len(analyse_source(large, "m.py", CODES)) == 4 * 80
    analyse_source(small, "m.py", CODES)  # imports and caches outside the measure
    ratio = peak_allocated(large) / peak_allocated(small)
    assert ratio < 6, ratio


# Classes that refer to each other (relationships, foreign keys, association tables, a mixin),
# with findings of several rules (ORM205 twice, ORM302, ORM401, ORM801).
CLASS_WITH_RELATIONSHIPS = """

association_{i} = Table(
    "association_{i}", Base.metadata,
    Column("left_id", ForeignKey("model_{i}.id"), primary_key=True),
    Column("right_id", ForeignKey("model_{j}.id"), primary_key=True),
)


class Model{i}(CodeMixin, Base):
    __tablename__ = "model_{i}"
    __table_args__ = (
        Index("ix_model_{i}_name", "name"),
        UniqueConstraint("name", "other_id", name="uq_model_{i}_name"),
        Index("ix_model_{i}_code", "code"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    label: Mapped[str] = mapped_column("name2", String(50))
    name2: Mapped[str] = mapped_column(String(50))
    other_id: Mapped[Optional[int]] = mapped_column(ForeignKey("model_{j}.id", ondelete="SET NULL"))
    other: Mapped[Optional["Model{j}"]] = relationship(back_populates="backs_{i}", foreign_keys=[other_id])
    backs_{k}: Mapped[List["Model{k}"]] = relationship(back_populates="other")
    peers: Mapped[List["Model{j}"]] = relationship(secondary=association_{i})
    password: Mapped[str] = mapped_column(String(100))
    value = Column(Integer, default=datetime.now())
    name: Mapped[str] = mapped_column(String(60))
"""

RELATED_HEADER = """\
from datetime import datetime
from typing import List, Optional

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class CodeMixin:
    code: Mapped[str] = mapped_column(String(20), index=True)
"""


def related_models(classes: int) -> str:
    return RELATED_HEADER + "".join(
        CLASS_WITH_RELATIONSHIPS.format(i=i, j=(i - 1) % classes, k=(i + 1) % classes)
        for i in range(classes)
    )


def one_wide_class(columns: int) -> str:
    """One class with `columns` columns, each named in the table by another name, indexed twice."""
    attributes = "".join(
        f'    c{i}: Mapped[Optional[str]] = mapped_column("col_{i}", String(10), index=True)\n'
        for i in range(columns)
    )
    indexes = "".join(f'Index("ix_{i}", "col_{i}"), ' for i in range(columns))
    return (
        RELATED_HEADER + "\n\nclass Wide(Base):\n    __tablename__ = 'wide'\n"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        + attributes + f"    __table_args__ = ({indexes})\n"
    )


def ormlint_lines_run(source: str) -> Counter:
    """How many lines of each ormlint function run while the text is checked with every rule."""
    counts: Counter = Counter()

    def in_ormlint(frame, event, arg):
        code = frame.f_code
        if not code.co_filename.startswith(ORMLINT_DIR):
            return None

        def count_lines(frame, event, arg):
            if event == "line":
                counts[(code.co_filename, code.co_name)] += 1
            return count_lines

        return count_lines

    sys.settrace(in_ormlint)
    try:
        analyse_source(source, "m.py", CODES)
    finally:
        sys.settrace(None)
    return counts


@pytest.mark.parametrize(
    "generate, size",
    [(related_models, 10), (one_wide_class, 100), (models_with_findings, 20)],
    ids=["classes", "columns", "findings"],
)
def test_no_function_runs_quadratically(generate, size):
    # Twice the classes or columns, twice the lines in every function: no loop over a file's
    # classes or a class's columns runs inside another (ORM205 compared each column with every
    # earlier one; `class_named` scanned the classes once per class, relationship and base).
    analyse_source(generate(2), "m.py", CODES)  # imports and caches outside the count
    small, large = ormlint_lines_run(generate(size)), ormlint_lines_run(generate(2 * size))
    grown = {
        function: (small[function], lines) for function, lines in large.items()
        if lines > 1000 and lines > 2.3 * small[function]
    }
    assert grown == {}
