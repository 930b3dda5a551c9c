"""merge reviews and book status branches

Revision ID: a3b4c5d6e7f8
Revises: 44dd55ee66ff, 77a088b199c2
Create Date: 2024-07-10 11:30:00.125873

"""
from typing import Sequence, Union


# revision identifiers, used by Alembic.
revision: str = "a3b4c5d6e7f8"
down_revision: Union[str, Sequence[str], None] = ("44dd55ee66ff", "77a088b199c2")
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
