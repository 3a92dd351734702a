"""Away reps: who is out and until when (/handoff away, App Home)

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "away_reps",
        sa.Column("user_id", sa.String(32), primary_key=True),
        sa.Column("since", sa.DateTime(), nullable=False),
        sa.Column("until", sa.DateTime(), nullable=True),
        sa.Column("set_by", sa.String(32), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("away_reps")
