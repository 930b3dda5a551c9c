"""event source

Revision ID: f1e2d3c4b5a6
Revises: f0e1d2c3b4a5
Create Date: 2024-08-26 17:02:10.338816

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "f1e2d3c4b5a6"
down_revision: Union[str, None] = "f0e1d2c3b4a5"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column("events", sa.Column("source", sa.String(length=40), nullable=True))
    op.alter_column("events", "source", existing_type=sa.String(length=40), nullable=False)


def downgrade() -> None:
    op.drop_column("events", "source")
