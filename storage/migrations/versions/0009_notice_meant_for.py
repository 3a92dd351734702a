"""Undeliverable DMs: an SLA alarm Slack would not DM (the person left, a bot) is told in the channel instead, saying
whom it was meant for and why

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sla_notices") as batch:
        batch.add_column(sa.Column("meant_for", sa.String(32), nullable=True))
        batch.add_column(sa.Column("refused", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sla_notices") as batch:
        batch.drop_column("refused")
        batch.drop_column("meant_for")
