"""ORM706 index-not-migrated: an index or unique constraint on one side only, or differing in
columns or uniqueness"""

from __future__ import annotations

from ormlint.rules.base import example
from ormlint.rules.migrations._common import _DriftRule, _INIT, _MODELS


class IndexNotMigrated(_DriftRule):
    code = "ORM706"
    name = "index-not-migrated"
    summary = "an index or unique constraint on one side only, or differing in columns or uniqueness"
    catches = (
        "an index or unique constraint on one side only, or differing in columns or uniqueness "
        "(migrations)"
    )
    what_it_does = """
        Compares the indexes and unique constraints of each table: `index=True`, `unique=True`,
        `Index(...)` and `UniqueConstraint(...)` in the model against `op.create_index`,
        `op.create_unique_constraint` and the constraints of `op.create_table` in the
        migrations, by columns and uniqueness. Expression indexes are not compared. An index
        declared on a mixin is reported at its own line, naming the mapped class.
        """
    why_bad = """
        An index the model declares but the database lacks makes queries slow; a unique
        constraint that exists on one side only lets duplicates in, or rejects rows the code
        expects to store. Autogenerate proposes to create or drop it. Verified by the drift
        oracle test (`add_index` / `remove_index` / `add_constraint`).
        """
    invalid = (
        example(_MODELS.replace(
            "name: Mapped[str] = mapped_column(String(100))",
            "name: Mapped[str] = mapped_column(String(100), index=True)  # ORM706:5",
        ) + _INIT),
    )
    valid = (example(_MODELS + _INIT),)
