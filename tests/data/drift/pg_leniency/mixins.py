"""A mixin in a file of its own: drift in its columns is reported here, at their lines."""

from sqlalchemy import Column, DateTime, String, func


class TimestampMixin:
    created_at = Column(DateTime, nullable=False, server_default=func.now())
    label = Column(String(30), nullable=True)
