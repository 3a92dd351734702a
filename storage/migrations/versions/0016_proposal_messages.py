"""Where each head's DM about a proposal landed, so the outbox updates it in place when the proposal is decided

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "agreement_proposal_dms",
        sa.Column("proposal_id", BigId, sa.ForeignKey("agreement_proposals.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("recipient", sa.String(32), primary_key=True),
        sa.Column("slack_channel", sa.String(32), nullable=False),
        sa.Column("slack_ts", sa.String(32), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("agreement_proposal_dms")
