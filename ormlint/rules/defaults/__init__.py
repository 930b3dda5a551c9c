"""ORM3xx: column defaults.

One rule per module; what several share is in `_common.py`."""

# the family's helpers, by their old path
from ormlint.rules.defaults._common import looks_like_sql_expression  # noqa: F401
