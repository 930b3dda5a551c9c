"""Models versus Alembic migrations (ORM7xx): drift found from source, without a database.

The comparison lives in `ormlint.drift` (computed once per run); each rule here reports one
category of it. Examples are small projects: `# file: PATH` lines separate their files.

One rule per module; what several share is in `_common.py`."""

# the family's helpers, by their old path
from ormlint.rules.migrations._common import _DriftRule, _INIT, _MODELS  # noqa: F401
