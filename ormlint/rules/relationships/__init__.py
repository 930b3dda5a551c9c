"""ORM1xx: relationship() configuration.

One rule per module; what several share is in `_common.py`."""
