"""ORM708 foreign-key-differs: a foreign key on one side only, or differing in target or ondelete"""

from __future__ import annotations

from ormlint.rules.base import example
from ormlint.rules.migrations._common import _DriftRule, _INIT, _MODELS


_MODELS_FK = _MODELS.replace("from sqlalchemy import String", "import sqlalchemy as sa\n    from sqlalchemy import String")


class ForeignKeyDiffers(_DriftRule):
    code = "ORM708"
    name = "foreign-key-differs"
    summary = "a foreign key on one side only, or differing in target or ondelete"
    catches = "a foreign key on one side only, or differing in target or `ondelete` (migrations)"
    what_it_does = """
        Compares the foreign keys of each table: `ForeignKey(...)` of the model's columns
        against `sa.ForeignKeyConstraint` / `sa.ForeignKey` in `op.create_table` and
        `op.create_foreign_key`, by local columns, referenced table and columns, and `ondelete`.
        A class whose foreign keys cannot all be read (a `ForeignKeyConstraint` in
        `__table_args__`) is not compared. A foreign key of a mixin's column is reported at its
        own line, naming the mapped class.
        """
    why_bad = """
        `ondelete="CASCADE"` in the model with a plain foreign key in the database makes
        deleting a parent fail with `IntegrityError` (or leave orphans when the model relies on
        the database to cascade). Verified by the drift oracle test (`add_fk` / `remove_fk`).
        """
    invalid = (
        example(_MODELS_FK + '''

    class Book(Base):
        __tablename__ = "book"
        id: Mapped[int] = mapped_column(primary_key=True)
        author_id: Mapped[int] = mapped_column(sa.ForeignKey("author.id", ondelete="CASCADE"))  # ORM708:5
''' + _INIT + '''
        op.create_table(
            "book",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("author_id", sa.Integer(), nullable=False),
            sa.ForeignKeyConstraint(["author_id"], ["author.id"]),
            sa.PrimaryKeyConstraint("id"),
        )
'''),
    )
    valid = (
        example(_MODELS_FK + '''

    class Book(Base):
        __tablename__ = "book"
        id: Mapped[int] = mapped_column(primary_key=True)
        author_id: Mapped[int] = mapped_column(sa.ForeignKey("author.id", ondelete="CASCADE"))
''' + _INIT + '''
        op.create_table(
            "book",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("author_id", sa.Integer(), nullable=False),
            sa.ForeignKeyConstraint(["author_id"], ["author.id"], ondelete="CASCADE"),
            sa.PrimaryKeyConstraint("id"),
        )
'''),
    )
