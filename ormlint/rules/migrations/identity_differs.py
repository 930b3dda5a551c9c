"""ORM714: an `Identity` or `Sequence` column that differs between the models and the migrations."""

from __future__ import annotations

from ormlint.rules.base import example
from ormlint.rules.migrations._common import _INIT, _MODELS, _DriftRule

_IDENTITY = _MODELS.replace("from sqlalchemy import String", "from sqlalchemy import Identity, String")


class IdentityDiffers(_DriftRule):
    code = "ORM714"
    name = "identity-differs"
    summary = "an Identity column on one side only or with other options, or another Sequence"
    catches = "an `Identity(...)` on one side only or with other options, or another `Sequence` name (migrations)"
    what_it_does = """
        Compares what numbers each column: `Identity(always=..., start=..., increment=...,
        cycle=..., ...)` in the model against the migrations' `sa.Identity(...)` (options
        not given are PostgreSQL's defaults for `always`, `start`, `increment` and `cycle`;
        the others are compared only when both sides give them), and the names of
        `Sequence("name")` when both sides name one. Reported: an Identity on one side only
        (for instance a SERIAL column in the migrations against `Identity()` in the model),
        options that differ, two sequence names. Not compared: options that are not literals,
        `*args`, SQLModel's `sa_column`, a Sequence on one side only (whether the migrations
        created it is not visible in the column), and Identity on a history replayed for SQLite
        or MySQL, where `Identity()` renders nothing.
        """
    why_bad = """
        `Identity(always=True)` rejects inserts that give the key (`GENERATED ALWAYS`), a
        SERIAL column accepts them; a start or increment the model documents is not the one
        the database uses. Verified by this rule's oracle test on PostgreSQL 15 (`attidentity`
        against the model).
        """
    invalid = (
        example(_IDENTITY.replace(
            "id: Mapped[int] = mapped_column(primary_key=True)",
            "id: Mapped[int] = mapped_column(Identity(always=True), primary_key=True)  # ORM714",
        ) + _INIT.replace(
            'sa.Column("id", sa.Integer(), nullable=False),',
            'sa.Column("id", sa.Integer(), sa.Identity(always=False), nullable=False),',
        )),
    )
    valid = (
        example(_IDENTITY.replace(
            "id: Mapped[int] = mapped_column(primary_key=True)",
            "id: Mapped[int] = mapped_column(Identity(always=True), primary_key=True)",
        ) + _INIT.replace(
            'sa.Column("id", sa.Integer(), nullable=False),',
            'sa.Column("id", sa.Integer(), sa.Identity(always=True, start=1), nullable=False),',
        )),
    )
