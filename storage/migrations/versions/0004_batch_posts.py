"""Batch posts: find the leads one Slack message shows (a burst posted as one batch message)

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_leads_slack_post", "leads", ["slack_ts", "slack_channel"])


def downgrade() -> None:
    op.drop_index("ix_leads_slack_post", table_name="leads")
