"""ORM715: a table whose primary key has other columns in the models than in the migrations."""

from __future__ import annotations

from ormlint.rules.base import example
from ormlint.rules.migrations._common import _INIT, _MODELS, _DriftRule

_COMPOSITE = _MODELS.replace(
    "name: Mapped[str] = mapped_column(String(100))",
    "name: Mapped[str] = mapped_column(String(100), primary_key=True)",
)


class PrimaryKeyDiffers(_DriftRule):
    code = "ORM715"
    name = "primary-key-differs"
    summary = "a table's primary key has other columns in the models than in the migrations"
    catches = "a primary key of other columns in the models than in the migrations (autogenerate compares none)"
    what_it_does = """
        Compares the columns of each table's primary key: `primary_key=True` columns and
        `PrimaryKeyConstraint(...)` in the model against the migrations' (`primary_key=True`
        and `sa.PrimaryKeyConstraint(...)` in `op.create_table`, `op.create_primary_key`,
        `op.drop_constraint(..., type_="primary")`, and on PostgreSQL the drop of one of the
        key's columns, which drops the key). Compared as sets, when both sides have a key and
        every column of both keys is on both sides (a column on one side only is ORM703's).
        Not compared: a model whose columns are not all known (a `declared_attr` of a base),
        a `PrimaryKeyConstraint` whose columns cannot be read or that a mixin's
        `__table_args__` declares, a key column dropped on SQLite or MySQL.
        """
    why_bad = """
        Alembic's `compare_metadata` does not compare primary keys: it reports nothing while
        the database enforces another key (verified by this rule's oracle test on PostgreSQL
        15, where `pg_index.indisprimary` shows the migrations' columns). Rows the model
        considers distinct are refused as duplicates, or duplicates the model's key forbids
        are stored, and the ORM's identity map keys objects by columns the database does not
        keep unique.
        """
    fix_safety = (
        "No automatic fix: whether the model or the migrations are right is the author's call. "
        "`ormlint migrations revision` writes `op.drop_constraint(<name>, <table>, "
        "type_=\"primary\")` and `op.create_primary_key(...)` (PostgreSQL names an unnamed key "
        "`<table>_pkey`; a `pk` naming convention changes that name). A key that foreign keys "
        "reference is left to the author: they must be dropped and created around it."
    )
    invalid = (
        example(_MODELS.replace(
            "name: Mapped[str] = mapped_column(String(100))",
            "name: Mapped[str] = mapped_column(String(100), primary_key=True)",
        ).replace(
            "id: Mapped[int] = mapped_column(primary_key=True)",
            "id: Mapped[int] = mapped_column(primary_key=True)  # ORM715",
        ) + _INIT),
    )
    valid = (
        example(_COMPOSITE + _INIT.replace('sa.PrimaryKeyConstraint("id"),', 'sa.PrimaryKeyConstraint("id", "name"),')),
    )
