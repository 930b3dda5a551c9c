"""create products and orders

Revision ID: a0b1c2d3e4f5
Revises:
Create Date: 2026-12-05 00:40:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "a0b1c2d3e4f5"
down_revision: Union[str, None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "products",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("price", sa.Integer(), nullable=False, comment="In euros"),
        sa.Column("stock", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("note", sa.Text(), nullable=True, comment="legacy"),
        sa.CheckConstraint("(PRICE > 0)", name="ck_products_price"),
        sa.CheckConstraint('(length("name") > 0)', name="ck_products_name"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_check_constraint("ck_orders_quantity", "orders", "quantity < 1000")


def downgrade() -> None:
    op.drop_table("orders")
    op.drop_table("products")
