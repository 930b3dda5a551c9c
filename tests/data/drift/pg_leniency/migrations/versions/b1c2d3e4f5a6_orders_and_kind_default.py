"""orders, and a default for stamps.kind

Revision ID: b1c2d3e4f5a6
Revises: a0b1c2d3e4f5
Create Date: 2024-09-09 16:40:02.518377

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "b1c2d3e4f5a6"
down_revision: Union[str, None] = "a0b1c2d3e4f5"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "orders",
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("label", sa.String(length=30), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.alter_column(
        "stamps", "kind",
        existing_type=sa.String(length=10),
        server_default=sa.text("'x'::character varying"),
    )


def downgrade() -> None:
    op.alter_column("stamps", "kind", existing_type=sa.String(length=10), server_default=None)
    op.drop_table("orders")
