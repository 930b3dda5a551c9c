"""index accounts by creation time instead of region

Revision ID: e5d4c3b2a1f0
Revises: d4c3b2a10f9e
Create Date: 2024-06-03 12:14:51.603298

"""
from typing import Sequence, Union

from alembic import op


# revision identifiers, used by Alembic.
revision: str = "e5d4c3b2a1f0"
down_revision: Union[str, None] = "d4c3b2a10f9e"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.drop_index(op.f("ix_accounts_region"), table_name="accounts")
    op.create_index(op.f("ix_accounts_created_at"), "accounts", ["created_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_accounts_created_at"), table_name="accounts")
    op.create_index(op.f("ix_accounts_region"), "accounts", ["region"], unique=False)
