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
        (the message says when the other side is SERIAL: the table's only integer key, no
        foreign key, `autoincrement=` not False, or a `nextval()` default), options that
        differ, two sequence names. Not compared: options that are not literals, `*args`, a
        positional name that may hold an Identity (`mapped_column(Integer, PK_IDENTITY)`),
        SQLModel's `sa_column`, a Sequence on one side only (whether the migrations created it
        is not visible in the column), and Identity on a history replayed for SQLite or
        MySQL, where `Identity()` renders nothing. `ormlint migrations revision` alters
        Identity options in place; SERIAL to Identity and back it writes as a "TODO by hand"
        block of SQL (the next id depends on the rows).
        """
    why_bad = """
        `Identity(always=True)` rejects inserts that give the key (`GENERATED ALWAYS`), a
        SERIAL column accepts them; a start or increment the model documents is not the one
        the database uses. Alembic's compare_metadata sees SERIAL against Identity only with
        `compare_server_default`, and its `ADD GENERATED` fails on the SERIAL column ("already
        has a default value"). Verified by this rule's oracle tests on PostgreSQL 15
        (`attidentity` against the model).
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
