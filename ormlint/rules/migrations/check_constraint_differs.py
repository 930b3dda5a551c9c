"""ORM711: a CHECK constraint that differs between the models and the migrations (drift that
Alembic's autogenerate does not see)."""

from __future__ import annotations

from ormlint.rules.base import example
from ormlint.rules.migrations import _INIT, _DriftRule

_MODELS = '''
    # file: models.py
    from sqlalchemy import CheckConstraint, String
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


    class Base(DeclarativeBase):
        pass


    class Author(Base):
        __tablename__ = "author"
        __table_args__ = (CheckConstraint("length(name) > 0", name="ck_author_name"),)  # MARK
        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str] = mapped_column(String(100))
'''


def _project(condition: str, mark: str = "") -> str:
    """The models above, and a history whose `author` table has `condition` as its check."""
    return example(_MODELS.replace("  # MARK", mark) + _INIT.replace(
        '            sa.PrimaryKeyConstraint("id"),',
        f'            sa.CheckConstraint({condition!r}, name="ck_author_name"),\n'
        '            sa.PrimaryKeyConstraint("id"),',
    ))


class CheckConstraintDiffers(_DriftRule):
    code = "ORM711"
    name = "check-constraint-differs"
    summary = "a CHECK constraint on one side only, or with another expression"
    catches = (
        "a `CheckConstraint` no migration creates, or created with another condition (migrations; "
        "autogenerate compares none)"
    )
    what_it_does = """
        Compares the CHECK constraints of each table by their condition, not by their name:
        `CheckConstraint("...")` in `__table_args__`, in a `Table(...)` or inside a column, against
        `sa.CheckConstraint` in `op.create_table` / `sa.Column` and `op.create_check_constraint`,
        less those `op.drop_constraint(..., type_="check")` drops (and those on a dropped
        column; a renamed column is followed). Two conditions are one when they differ only in
        the case of keywords and names, spaces, parentheses, quoting of lower-case names
        (`"price"` is `price`), the spelling of a number (`0.0` is `0`) or `!=` for `<>`. Reported:
        a model constraint no migration creates, one the migrations create with another
        condition under the same name, and one the migrations create that the model does not
        declare (only when every column and `__table_args__` item of the class could be read:
        the model may declare it where ormlint cannot see). Not compared: a table with a condition that is not a string literal, a
        `__table_args__` that cannot be read or comes from a mixin, a check constraint a
        migration creates on a table it names by a variable, one dropped by a name the
        migrations never gave (a naming convention's), and a table a batch operation recreates
        on SQLite or an unknown database (whether its CHECK constraints survive depends on
        reflection). Conditions that mean the same but are written differently (`a IN (1, 2)`
        and `a = 1 OR a = 2`) are reported; groupings that differ only in parentheses are not.
        """
    why_bad = """
        Alembic's `compare_metadata` compares no CHECK constraint (verified by this rule's
        oracle test on PostgreSQL 15: it returns no item while `pg_constraint` holds another
        condition than the model's), so `alembic check` passes while the database accepts rows
        the model forbids, or rejects rows the model allows (`CheckViolation` in production
        only).
        """
    invalid = (_project("length(name) >= 0", "  # ORM711"),)
    valid = (_project("(LENGTH(\"name\") > 0)"),)
