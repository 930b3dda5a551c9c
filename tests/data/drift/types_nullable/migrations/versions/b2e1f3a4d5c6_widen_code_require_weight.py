"""widen product code; weight required

Revision ID: b2e1f3a4d5c6
Revises: a1f0e2d3c4b5
Create Date: 2024-02-19 10:07:36.915560

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "b2e1f3a4d5c6"
down_revision: Union[str, None] = "a1f0e2d3c4b5"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.alter_column(
            "code",
            existing_type=sa.String(length=20),
            type_=sa.String(length=40),
            existing_nullable=False,
        )
        batch_op.alter_column("weight", existing_type=sa.Integer(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.alter_column("weight", existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column(
            "code",
            existing_type=sa.String(length=40),
            type_=sa.String(length=20),
            existing_nullable=False,
        )
