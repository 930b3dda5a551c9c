"""ORM5xx: declarative and table configuration (and ORM205, a class body mapping a name twice).

One rule per module; what several share is in `_common.py`."""
