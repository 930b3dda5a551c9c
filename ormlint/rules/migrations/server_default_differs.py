"""ORM707 server-default-differs: a column whose server default differs between the model and the
migrations"""

from __future__ import annotations

from ormlint.rules.base import example
from ormlint.rules.migrations._common import _DriftRule, _INIT, _MODELS


class ServerDefaultDiffers(_DriftRule):
    code = "ORM707"
    name = "server-default-differs"
    summary = "a column whose server default differs between the model and the migrations"
    catches = "`server_default` differs between the model and the migrations (migrations)"
    what_it_does = """
        Compares `server_default=` of each column with the migrations' (`server_default=` of
        `sa.Column`, `op.alter_column(..., server_default=...)`) and reports what Alembic 1.20
        reports with `compare_server_default=True` on PostgreSQL, where the server decides
        whether the two expressions are equal. One default: `func.now()`, `text("now()")`,
        `text("CURRENT_TIMESTAMP")`, `func.current_timestamp()`, `transaction_timestamp()` and
        `LOCALTIMESTAMP` (one instant in a transaction); `"x"` and `text("'x'::character
        varying")` (casts and parentheses go); `"0"` and `text("'0'::integer")` on an integer
        column; `"false"`, `"f"`, `"0"` and `sa.false()` on a Boolean; JSONB text with the same
        content. Reported: different values, `clock_timestamp()` or `CURRENT_DATE` against
        `now()`, a default on one side only (also one only in the migrations), and `NULL`
        (never equal to itself); a migration's string `"now"` / `"now()"` on a timestamp column
        is frozen when the migration runs, so it is always reported. Not reported: whatever
        cannot be evaluated without a database (other functions with different text, literals
        of date, time, Enum or JSON columns, `timezone('utc', now())` against `now()`, which
        depends on the session's time zone), and the default of the autoincrement primary key.
        A column's default may also be a positional `DefaultClause(...)` or come from the
        `mapped_column()` of an `Annotated` alias in its annotation. Defaults whose SQL cannot
        be read statically (`FetchedValue()`, `Identity()`, an alias imported from another
        module) are not compared. A column inherited from a mixin or abstract base is reported
        at its own line, naming the mapped class.
        """
    why_bad = """
        Rows inserted outside the ORM (SQL scripts, other services, bulk loads) get the
        database's default, not the one the model documents. Alembic compares server defaults
        only when `compare_server_default=True`, so this drift usually goes unnoticed. Verified
        by the drift oracle test (`modify_default`).
        """
    invalid = (
        example(_MODELS.replace(
            "name: Mapped[str] = mapped_column(String(100))",
            'name: Mapped[str] = mapped_column(String(100), server_default="anonymous")  # ORM707:5',
        ) + _INIT),
    )
    valid = (example(_MODELS + _INIT),)
