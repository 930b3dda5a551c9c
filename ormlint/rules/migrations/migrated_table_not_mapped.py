"""ORM702 migrated-table-not-mapped: a table the migrations create that no model maps"""

from __future__ import annotations

from ormlint.rules.base import example
from ormlint.rules.migrations._common import _DriftRule, _INIT, _MODELS


class MigratedTableNotMapped(_DriftRule):
    code = "ORM702"
    name = "migrated-table-not-mapped"
    summary = "a table the migrations create that no model maps"
    catches = (
        "a table the migrations create that no model maps: autogenerate will drop it "
        "(migrations)"
    )
    what_it_does = """
        Reports each table the migrations create (and do not drop) that no mapped class or
        `Table(...)` of the checked project declares. Only when the whole project is checked,
        every file could be read, every mapped class names its table literally and the models
        share one declarative base; tables in `external-tables` are left alone, and so is a
        project whose models declare no table at all.
        """
    why_bad = """
        The next `alembic revision --autogenerate` proposes `op.drop_table(...)` for it, and a
        reviewer who trusts autogenerate deletes live data. Verified by the drift oracle test
        (Alembic's `compare_metadata` reports `remove_table`).
        """
    invalid = (
        example(_MODELS + _INIT + '''
        op.create_table(  # ORM702:5
            "legacy_note",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.PrimaryKeyConstraint("id"),
        )
'''),
    )
    valid = (example(_MODELS + _INIT),)
