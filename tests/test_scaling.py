"""A file's cost grows linearly with its size and its findings (asserted on counts and on the
allocations tracemalloc sees, never on time)."""

from __future__ import annotations

import gc
import tracemalloc

from ormlint.engine import all_codes, analyse_source

CODES = frozenset(all_codes())

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
