"""ORM705 column-nullability-differs: a column that is NULL on one side and NOT NULL on the other"""

from __future__ import annotations

from ormlint.rules.base import example
from ormlint.rules.migrations._common import _DriftRule, _INIT, _MODELS


class ColumnNullabilityDiffers(_DriftRule):
    code = "ORM705"
    name = "column-nullability-differs"
    summary = "a column that is NULL on one side and NOT NULL on the other"
    catches = "NULL in the model, NOT NULL in the migrations, or the other way round (migrations)"
    what_it_does = """
        Compares nullability as SQLAlchemy derives it (`nullable=`, else the `mapped_column()` of
        an `Annotated` alias in the annotation, else `Optional[...]` in `Mapped[...]`, else NOT
        NULL for primary keys and NULL for `Column()`) with the migrations' (`nullable=` of
        `sa.Column`, `op.alter_column(..., nullable=...)`). A column whose annotation names a
        type imported from another module (it may be such an alias) is not compared unless it
        says `nullable=` itself. A column inherited from a mixin or abstract base is reported at
        its own line, naming the mapped class.
        """
    why_bad = """
        A model that allows None on a NOT NULL column fails at flush with `IntegrityError: NOT
        NULL constraint failed`; a model that promises a value where the database holds NULLs
        returns None where the type says it cannot. Verified by the drift oracle test
        (`modify_nullable`).
        """
    invalid = (
        example(_MODELS.replace(
            "name: Mapped[str] = mapped_column(String(100))",
            "name: Mapped[Optional[str]] = mapped_column(String(100))  # ORM705:5",
        ) + _INIT),
    )
    valid = (example(_MODELS + _INIT),)
