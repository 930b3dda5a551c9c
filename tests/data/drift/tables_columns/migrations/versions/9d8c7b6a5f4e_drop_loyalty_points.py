"""drop loyalty points (moved to the rewards service)

Revision ID: 9d8c7b6a5f4e
Revises: 5e6f7a8b9c0d
Create Date: 2024-01-15 09:55:43.480127

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "9d8c7b6a5f4e"
down_revision: Union[str, None] = "5e6f7a8b9c0d"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_column("loyalty_points")


def downgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("loyalty_points", sa.Integer(), server_default="0", nullable=False)
        )
