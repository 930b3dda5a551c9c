"""ORM713: a `Computed` column that differs between the models and the migrations."""

from __future__ import annotations

from ormlint.rules.base import example
from ormlint.rules.migrations._common import _INIT, _MODELS, _DriftRule

_COMPUTED = _MODELS.replace("from sqlalchemy import String", "from sqlalchemy import Computed, String") + '''        slug: Mapped[str] = mapped_column(String(100), Computed("lower(name)"))
'''


class ComputedDiffers(_DriftRule):
    code = "ORM713"
    name = "computed-differs"
    summary = "a generated (Computed) column on one side only, or with another expression"
    catches = "a `Computed(...)` column that is plain, or computed otherwise, in the migrations"
    what_it_does = """
        Compares the `Computed("expression", persisted=...)` of each column with the
        migrations' (`sa.Column(..., sa.Computed(...))` in `op.create_table` and
        `op.add_column`): a generated column on one side only, expressions that differ (compared
        as ORM711 compares CHECK conditions: case, spaces, parentheses, quoting of lower-case
        names, number spelling), or `persisted=` given on both sides with other values. Not
        compared: an expression that is not a string literal, `*args`, SQLModel's `sa_column`,
        a `Mapped[...]` naming a type from another module (an `Annotated` alias may carry one).
        """
    why_bad = """
        Alembic's `compare_metadata` only warns ("Computed default on t.c cannot be modified")
        and reports nothing (verified by this rule's oracle test on PostgreSQL 15, where
        `attgenerated` shows the migrated column is plain or computed otherwise): the
        database keeps the migrations' values while the application expects the model's, and
        a write to what the model believes is a plain column fails on a generated one
        (`GeneratedAlways`).
        """
    invalid = (
        example(_COMPUTED.replace('Computed("lower(name)"))', 'Computed("lower(name)"))  # ORM713') + _INIT.replace(
            '            sa.PrimaryKeyConstraint("id"),',
            '            sa.Column("slug", sa.String(length=100), nullable=False),\n'
            '            sa.PrimaryKeyConstraint("id"),',
        )),
    )
    valid = (
        example(_COMPUTED + _INIT.replace(
            '            sa.PrimaryKeyConstraint("id"),',
            '            sa.Column("slug", sa.String(length=100), sa.Computed("LOWER(name)"), nullable=False),\n'
            '            sa.PrimaryKeyConstraint("id"),',
        )),
    )
