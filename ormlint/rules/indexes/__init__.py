"""ORM4xx: indexes and constraints.

One rule per module; what several share is in `_common.py`."""

# the family's helpers, by their old path
from ormlint.rules.indexes._common import (  # noqa: F401
    annotation_used_by_column,
    class_has_own_table,
    class_table_columns,
    column_key,
    is_mapped_annotation,
)
