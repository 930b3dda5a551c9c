"""new books start as 'new'

Revision ID: 77a088b199c2
Revises: 11aa22bb33cc
Create Date: 2024-07-09 09:12:44.300187

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "77a088b199c2"
down_revision: Union[str, None] = "11aa22bb33cc"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("books", schema=None) as batch_op:
        batch_op.alter_column(
            "status",
            existing_type=sa.String(length=20),
            server_default="new",
            existing_nullable=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("books", schema=None) as batch_op:
        batch_op.alter_column(
            "status",
            existing_type=sa.String(length=20),
            server_default="draft",
            existing_nullable=False,
        )
