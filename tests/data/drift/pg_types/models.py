"""Drift fixture `pg_types`, PostgreSQL only: type and server-default drift that SQLite cannot
show (it has no time-zone flag on timestamps and no JSONB).

- ORM704 `events`: `occurred_at` is DateTime(timezone=True) here, DateTime in the migrations;
  `payload` is JSONB here, JSON in the migrations; `sequence` is BigInteger here, Integer in the
  migrations.
- ORM707 `events`: `kind` defaults to 'click' here, 'view' in the migrations.
- No drift: `recorded_at` (DateTime(timezone=True), server default now()), `attributes` (JSONB,
  server default '{}'), `context` (JSON) and `source` (String(40)) agree.
"""

import datetime
from typing import Any, Optional

from sqlalchemy import JSON, BigInteger, DateTime, String, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Event(Base):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True))
    recorded_at: Mapped[datetime.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    context: Mapped[Optional[dict[str, Any]]] = mapped_column(JSON)
    sequence: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(20), server_default="click")
    source: Mapped[str] = mapped_column(String(40))
