"""Drift fixture `indexes_uniques`: indexes and unique constraints that differ (imperative
`Table()` definitions on a plain `MetaData`, no declarative base).

- ORM706 `accounts`:
  - ("email",): `ix_accounts_email` is unique here, not unique in the migrations;
  - ("username",): `index=True` here, no index in the migrations;
  - ("created_at",): `ix_accounts_created_at` is in the migrations only;
  - ("org_id", "region") and ("org_id",): `ix_accounts_org_region` covers (org_id, region) here
    and (org_id) in the migrations: one key per column list.
- ORM706 `memberships`:
  - ("team_id", "role"): `uq_memberships_team_role` is here only;
  - ("account_id", "role"): `uq_memberships_account_role` is in the migrations only.
- No drift: `ix_accounts_region` was created and later dropped, and is not here;
  `uq_memberships_account_team` and the unnamed unique constraint on `accounts.handle` agree;
  `ix_memberships_team_id` (index=True) agrees.
"""

from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
)

metadata_obj = MetaData()

accounts = Table(
    "accounts",
    metadata_obj,
    Column("id", Integer, primary_key=True),
    Column("email", String(255), nullable=False),
    Column("username", String(50), nullable=False, index=True),
    Column("handle", String(50), nullable=False, unique=True),
    Column("org_id", Integer, nullable=False),
    Column("region", String(20), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Index("ix_accounts_email", "email", unique=True),
    Index("ix_accounts_org_region", "org_id", "region"),
)

memberships = Table(
    "memberships",
    metadata_obj,
    Column("id", Integer, primary_key=True),
    Column("account_id", ForeignKey("accounts.id"), nullable=False),
    Column("team_id", Integer, nullable=False, index=True),
    Column("role", String(20), nullable=False),
    UniqueConstraint("account_id", "team_id", name="uq_memberships_account_team"),
    UniqueConstraint("team_id", "role", name="uq_memberships_team_role"),
)
