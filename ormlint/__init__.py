"""ormlint: a static linter for SQLAlchemy ORM model code."""

__version__ = "0.1.0"
