"""create invoices and counters

Revision ID: b0c1d2e3f4a5
Revises:
Create Date: 2026-12-05 01:10:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "b0c1d2e3f4a5"
down_revision: Union[str, None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "invoices",
        sa.Column("id", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("net", sa.Integer(), nullable=False),
        sa.Column("gross", sa.Integer(), sa.Computed("net * 3"), nullable=False),
        sa.Column("tax", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=20), nullable=False),
        sa.Column("code", sa.String(length=20), sa.Computed("UPPER(name)"), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "counters",
        sa.Column("id", sa.Integer(), sa.Identity(start=1), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("counters")
    op.drop_table("invoices")
