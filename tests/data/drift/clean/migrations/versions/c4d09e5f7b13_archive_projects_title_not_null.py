"""archive flag on projects; task titles required

Revision ID: c4d09e5f7b13
Revises: 8b7e4d2c1a90
Create Date: 2024-04-02 08:47:55.640112

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "c4d09e5f7b13"
down_revision: Union[str, None] = "8b7e4d2c1a90"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("archived", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.create_index(batch_op.f("ix_projects_archived"), ["archived"], unique=False)

    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.alter_column("title", existing_type=sa.String(length=200), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.alter_column("title", existing_type=sa.String(length=200), nullable=True)

    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_projects_archived"))
        batch_op.drop_column("archived")
