"""more labels

Revision ID: f2a3b4c5d6e7
Revises: e1f2a3b4c5d6
Create Date: 2026-12-05 03:11:00
"""
from alembic import op

revision = "f2a3b4c5d6e7"
down_revision = "e1f2a3b4c5d6"
branch_labels = None
depends_on = None


def upgrade():
    with op.get_context().autocommit_block():
        op.execute("ALTER TYPE priority ADD VALUE 'Urgent'")
    op.execute("ALTER TYPE ticket_state RENAME VALUE 'shut' TO 'closed'")


def downgrade():
    op.execute("ALTER TYPE ticket_state RENAME VALUE 'closed' TO 'shut'")
