"""The agreement, versioned: its versions, proposals to change it, and the version each lead and clock runs on

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.add_column("leads", sa.Column("agreement_version", sa.Integer(), nullable=True))
    op.add_column("sla_timers", sa.Column("agreement_version", sa.Integer(), nullable=True))
    op.create_table(
        "agreement_versions",
        sa.Column("version", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("terms", sa.JSON(), nullable=False),
        sa.Column("file_terms", sa.JSON(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("proposal_id", sa.BigInteger(), nullable=True),
        sa.Column("approved_by", sa.JSON(), nullable=False),
        sa.Column("rationale", sa.Text(), nullable=True),
        sa.Column("effective_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "agreement_proposals",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("proposer", sa.String(32), nullable=False),
        sa.Column("base_version", sa.Integer(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.Column("origin", sa.String(20), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("sales_approved_by", sa.String(32), nullable=True),
        sa.Column("sales_approved_at", sa.DateTime(), nullable=True),
        sa.Column("marketing_approved_by", sa.String(32), nullable=True),
        sa.Column("marketing_approved_at", sa.DateTime(), nullable=True),
        sa.Column("declined_by", sa.String(32), nullable=True),
        sa.Column("decline_reason", sa.Text(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("slack_channel", sa.String(32), nullable=True),
        sa.Column("slack_ts", sa.String(32), nullable=True),
    )
    op.create_index("ix_agreement_proposals_state_expires", "agreement_proposals", ["state", "expires_at"])
    op.create_table(
        "agreement_term_locks",
        sa.Column("term", sa.String(100), primary_key=True),
        sa.Column("proposal_id", BigId, sa.ForeignKey("agreement_proposals.id", ondelete="CASCADE"), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("agreement_term_locks")
    op.drop_index("ix_agreement_proposals_state_expires", table_name="agreement_proposals")
    op.drop_table("agreement_proposals")
    op.drop_table("agreement_versions")
    # ALTER TABLE … DROP COLUMN, on SQLite too (3.35+): a batch operation would copy the table and drop the
    # original, and dropping `leads` deletes every SLA clock and event of its leads (ON DELETE CASCADE)
    op.drop_column("sla_timers", "agreement_version")
    op.drop_column("leads", "agreement_version")
