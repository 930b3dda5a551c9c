"""create orders and tickets

Revision ID: e1f2a3b4c5d6
Revises:
Create Date: 2026-12-05 03:10:00
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "e1f2a3b4c5d6"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status", sa.Enum("PENDING", "PAID", name="order_status"), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    postgresql.ENUM("Low", "High", name="priority").create(op.get_bind())
    op.execute("CREATE TYPE ticket_state AS ENUM ('open', 'shut')")
    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("priority", postgresql.ENUM(name="priority", create_type=False), nullable=False),
        sa.Column("state", postgresql.ENUM(name="ticket_state", create_type=False), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade():
    op.drop_table("tickets")
    op.execute("DROP TYPE ticket_state")
    postgresql.ENUM(name="priority").drop(op.get_bind())
    op.drop_table("orders")
    sa.Enum(name="order_status").drop(op.get_bind())
