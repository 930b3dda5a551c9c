"""create stamps and measures

Revision ID: a0b1c2d3e4f5
Revises:
Create Date: 2024-09-02 10:12:44.120934

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision: str = "a0b1c2d3e4f5"
down_revision: Union[str, None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "stamps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("made_at", sa.DateTime(), server_default=sa.text("CURRENT_TIMESTAMP"), nullable=True),
        sa.Column("sent_at", sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=True),
        sa.Column("read_at", sa.DateTime(), server_default=sa.text("now()"), nullable=True),
        sa.Column("kept_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=True),
        sa.Column(
            "done_at", sa.DateTime(timezone=True),
            server_default=sa.text("transaction_timestamp()"), nullable=True,
        ),
        sa.Column("filed_at", sa.DateTime(), server_default=sa.text("LOCALTIMESTAMP"), nullable=True),
        sa.Column(
            "utc_at", sa.DateTime(), server_default=sa.text("(now() AT TIME ZONE 'utc')"), nullable=True,
        ),
        sa.Column("seen_at", sa.DateTime(), server_default=sa.text("clock_timestamp()"), nullable=True),
        sa.Column("touched_at", sa.DateTime(), server_default=sa.text("now()"), nullable=True),
        sa.Column("kind", sa.String(length=10), nullable=True),
        sa.Column("state", sa.String(length=10), server_default="closed", nullable=True),
        sa.Column("tries", sa.Integer(), server_default=sa.text("'0'::integer"), nullable=True),
        sa.Column("archived", sa.Boolean(), server_default=sa.false(), nullable=True),
        sa.Column(
            "extra", postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{\"a\": 1}'::jsonb"), nullable=True,
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "measures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.VARCHAR(length=128), nullable=True),
        sa.Column("name", sa.String(), nullable=True),
        sa.Column("price", sa.Numeric(), nullable=True),
        sa.Column("weight", sa.Double(), nullable=True),
        sa.Column("taken", sa.TIMESTAMP(), nullable=True),
        sa.Column("title", sa.String(length=20), nullable=True),
        sa.Column("colour", sa.Enum("red", "blue", name="colour"), nullable=True),
        sa.Column("summary", sa.String(), nullable=True),
        sa.Column("units", sa.Integer(), nullable=True),
        sa.Column("ratio", sa.Float(precision=10), nullable=True),
        sa.Column("amount", sa.Numeric(precision=10), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("measures")
    sa.Enum(name="colour").drop(op.get_bind(), checkfirst=True)
    op.drop_table("stamps")
