"""ORM5xx: declarative and table configuration.

One rule per module; what several share is in `_common.py`."""
