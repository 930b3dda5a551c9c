"""ORM2xx: column nullability and types.

One rule per module; what several share is in `_common.py`."""

# the family's helpers, by their old path
from ormlint.rules.columns._common import (  # noqa: F401
    PYTHON_TYPE_OF, SQL_CATEGORIES, TYPE_CONTRADICTIONS, annotation_category, sql_type_category,
)
