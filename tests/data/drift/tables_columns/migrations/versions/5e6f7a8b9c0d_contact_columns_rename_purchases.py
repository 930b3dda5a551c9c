"""contact columns; purchases becomes orders; drop import batches

Revision ID: 5e6f7a8b9c0d
Revises: 0a1b2c3d4e5f
Create Date: 2023-12-05 11:04:19.020316

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "5e6f7a8b9c0d"
down_revision: Union[str, None] = "0a1b2c3d4e5f"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column("customers", sa.Column("phone", sa.String(length=32), nullable=True))
    op.add_column("customers", sa.Column("fax", sa.String(length=32), nullable=True))
    op.rename_table("purchases", "orders")
    op.drop_table("import_batches")


def downgrade() -> None:
    op.create_table(
        "import_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.rename_table("orders", "purchases")
    op.drop_column("customers", "fax")
    op.drop_column("customers", "phone")
