"""What PostgreSQL does with `ALTER TABLE ... ALTER COLUMN ... TYPE` (ORM725, ORM726): whether it
converts the values without a USING clause, and whether it rewrites the table.

Types are ormlint's normalised spellings (`ormlint.schema.sql_type`: "VARCHAR(20)", "NUMERIC(10,
2)", "TIMESTAMP WITH TIME ZONE"). Every answer that is not None is checked, type pair by type
pair, against a PostgreSQL 15 server by tests/oracle/test_oracles_migration_safety.py.
"""

from __future__ import annotations

_STRINGS = {"VARCHAR", "TEXT", "CHAR"}
_NUMBERS = {"SMALLINT", "INTEGER", "BIGINT", "NUMERIC", "FLOAT", "REAL", "DOUBLE PRECISION"}
_FLOATS = {"FLOAT", "REAL", "DOUBLE PRECISION"}  # FLOAT(p) is REAL or DOUBLE PRECISION
_TIMESTAMPS = {"TIMESTAMP", "TIMESTAMP WITH TIME ZONE"}
# The other implicit or assignment casts between the known types (pg_cast), by type family.
_OTHER_CASTS = {
    ("DATE", "TIMESTAMP"), ("DATE", "TIMESTAMP WITH TIME ZONE"),
    ("TIMESTAMP", "DATE"), ("TIMESTAMP WITH TIME ZONE", "DATE"),
    ("TIMESTAMP", "TIMESTAMP WITH TIME ZONE"), ("TIMESTAMP WITH TIME ZONE", "TIMESTAMP"),
    ("TIMESTAMP", "TIME"), ("TIMESTAMP WITH TIME ZONE", "TIME"),
    ("TIMESTAMP WITH TIME ZONE", "TIME WITH TIME ZONE"),
    ("TIME", "TIME WITH TIME ZONE"), ("TIME WITH TIME ZONE", "TIME"),
    ("TIME", "INTERVAL"), ("INTERVAL", "TIME"),
    ("CIDR", "INET"), ("INET", "CIDR"),
    ("JSON", "JSONB"), ("JSONB", "JSON"),
}
KNOWN_FAMILIES = frozenset({
    *_STRINGS, *_NUMBERS, *_TIMESTAMPS, "BOOLEAN", "DATE", "TIME", "TIME WITH TIME ZONE",
    "INTERVAL", "BYTEA", "JSON", "JSONB", "UUID", "INET", "CIDR",
})


def _parts(normalised: str) -> tuple[str, tuple[int, ...]] | None:
    """("NUMERIC", (10, 2)) for "NUMERIC(10, 2)"; None for a type outside KNOWN_FAMILIES."""
    family, _, rest = normalised.partition("(")
    family = family.strip()
    if family not in KNOWN_FAMILIES:
        return None
    try:
        args = tuple(int(a) for a in rest.rstrip(")").split(",")) if rest else ()
    except ValueError:
        return None
    return family, args


def casts_automatically(old: str, new: str) -> bool | None:
    """Does PostgreSQL convert `old` values to `new` without USING (an implicit or assignment
    cast)? None: not known here."""
    old_parts, new_parts = _parts(old), _parts(new)
    if old_parts is None or new_parts is None:
        return None
    before, after = old_parts[0], new_parts[0]
    if before == after or after in _STRINGS:  # any type is written out as text on assignment
        return True
    if before in _NUMBERS and after in _NUMBERS:
        return True
    return (before, after) in _OTHER_CASTS


def rewrites_table(old: str, new: str) -> bool | None:
    """Does changing a column from `old` to `new` (with the automatic cast) rewrite the table?
    False only where the old values are valid as they are (binary-coercible, or a limit that
    only grows); None: not known here (it depends on the session's time zone, on which float a
    `FLOAT(p)` is, on the lengths of two CHARs, or the types are not known)."""
    old_parts, new_parts = _parts(old), _parts(new)
    if old_parts is None or new_parts is None:
        return None
    (before, old_args), (after, new_args) = old_parts, new_parts
    if (before, old_args) == (after, new_args):
        return False
    if before == after == "CHAR" or {before, after} <= _FLOATS or {before, after} == _TIMESTAMPS:
        return None
    if {before, after} <= {"VARCHAR", "TEXT"}:
        if after == "TEXT" or not new_args:
            return False
        return not (before == "VARCHAR" and old_args and new_args[0] >= old_args[0])
    if before == after == "NUMERIC":
        if not new_args:
            return False
        old_scale = old_args[1] if len(old_args) > 1 else 0
        new_scale = new_args[1] if len(new_args) > 1 else 0
        return not (old_args and new_scale == old_scale and new_args[0] >= old_args[0])
    if (before, after) == ("CIDR", "INET"):
        return False
    return True
