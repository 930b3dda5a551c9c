"""ORM704 column-type-differs: a column whose SQL type differs between the model and the migrations"""

from __future__ import annotations

from ormlint.rules.base import example
from ormlint.rules.migrations._common import _DriftRule, _INIT, _MODELS


class ColumnTypeDiffers(_DriftRule):
    code = "ORM704"
    name = "column-type-differs"
    summary = "a column whose SQL type differs between the model and the migrations"
    catches = (
        "`String(50)` vs `String(100)`, `Integer` vs `BigInteger`, `JSON` vs `JSONB`, `DateTime` "
        "vs `DateTime(timezone=True)` (migrations)"
    )
    what_it_does = """
        Reports what Alembic 1.20's `compare_type` reports on PostgreSQL: the type as
        PostgreSQL compiles the model's against the type PostgreSQL reflects for the migrated
        column (`sa.Float()` is stored as DOUBLE PRECISION, `sa.Float(10)` as REAL,
        `sa.Numeric(10)` as NUMERIC(10, 0)), compared by name and by arguments. Reported:
        `String(50)` against `String(100)`, `Integer` against `BigInteger`, `Text` against
        `String`, `DateTime` against `DateTime(timezone=True)`, `JSON` against `JSONB`,
        `Numeric(10, 2)` against `Numeric(10)`, and `Float(10)` on both sides (REAL in the
        database; Alembic reports it). Not reported, as Alembic does not: a length, precision or
        scale on one side only (`String` against `VARCHAR(128)`, `String(255)` against
        `String`, `Numeric(10, 2)` against `Numeric`), `Float` against `Double`, `Unicode`
        against `String`. Custom types, `Enum`, non-literal arguments and (with a
        `type_annotation_map`) types taken from `Mapped[...]` annotations are not compared. A
        column inherited from a mixin or abstract base is reported at its own line, naming the
        mapped class.
        """
    why_bad = """
        The database keeps the migrated type: values longer than the migrated length are
        rejected (or silently truncated on some databases), timezone-aware datetimes lose their
        offset, JSONB operators fail on JSON columns. Verified by the drift oracle test
        (`modify_type`, on SQLite and PostgreSQL).
        """
    invalid = (
        example(_MODELS.replace(
            "name: Mapped[str] = mapped_column(String(100))",
            "name: Mapped[str] = mapped_column(String(200))  # ORM704:5",
        ) + _INIT),
    )
    valid = (example(_MODELS + _INIT),)
