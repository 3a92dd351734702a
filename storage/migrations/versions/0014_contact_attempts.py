"""Contact attempts: each logged call, email or meeting on an accepted lead, for the follow-up cadence

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "contact_attempts",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("lead_id", BigId, sa.ForeignKey("leads.id", ondelete="CASCADE"), nullable=False),
        sa.Column("actor", sa.String(32), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_contact_attempts_lead_id", "contact_attempts", ["lead_id"])


def downgrade() -> None:
    op.drop_index("ix_contact_attempts_lead_id", table_name="contact_attempts")
    op.drop_table("contact_attempts")
