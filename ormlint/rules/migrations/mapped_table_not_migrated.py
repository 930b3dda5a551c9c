"""ORM701 mapped-table-not-migrated: a mapped table that no migration creates"""

from __future__ import annotations

from ormlint.rules.base import example
from ormlint.rules.migrations._common import _DriftRule, _INIT, _MODELS


class MappedTableNotMigrated(_DriftRule):
    code = "ORM701"
    name = "mapped-table-not-migrated"
    summary = "a mapped table that no migration creates"
    catches = "a mapped table that no Alembic migration creates (migrations)"
    what_it_does = """
        Replays the project's Alembic migrations (`upgrade()`, base to head) and reports each
        table that a mapped class or `Table(...)` declares but no migration creates. Runs when
        migrations are configured (`[tool.ormlint] migrations`, `--migrations`) or found (an
        `alembic.ini`, pyproject `[tool.alembic]`, or an `env.py` with `versions/` beside it);
        `--no-migrations` turns the ORM7xx rules off. Nothing is reported when a migration does
        something ormlint cannot interpret (`op.execute`, helpers, loops) to the set of tables.
        A repository may hold several environments (services with their own alembic.ini or
        env.py, `versions/` and database, sharing a library metadata such as
        `SQLModel.metadata` or not): each environment's history is compared with its own
        models, the model modules its env.py imports (followed through the project's files,
        never run) and those under its root (the directory of its alembic.ini, else its script
        directory's parent) that no other environment imports; when env.py's imports cannot
        be followed, the models under its root; when that does not tell either (environments
        sharing a root, or env.py importing another environment's models), the environment is
        not judged. When env.py sets `version_locations` itself (a history per dialect), each
        of those directories is a history of its own and none is compared with the models.
        """
    why_bad = """
        The application starts against a database without the table and fails at the first
        query (`OperationalError: no such table`); `alembic check` reports the same drift as an
        `add_table` operation, but only against a live database migrated to head. Verified by
        the drift oracle test, which runs the migrations with Alembic and compares with
        `compare_metadata`.
        """
    invalid = (
        example(_MODELS + '''

    class Book(Base):
        __tablename__ = "book"  # ORM701:5
        id: Mapped[int] = mapped_column(primary_key=True)
''' + _INIT),
    )
    valid = (example(_MODELS + _INIT),)
