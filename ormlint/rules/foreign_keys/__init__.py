"""ORM6xx: foreign keys (the file rules; cross-file ones need the project index).

One rule per module; what several share is in `_common.py`."""

# the family's helpers, by their old path
from ormlint.rules.foreign_keys._common import is_referential_action, suggest_action  # noqa: F401
