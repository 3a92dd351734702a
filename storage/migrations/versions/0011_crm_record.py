"""CRM records: the HubSpot contact or Salesforce Lead a lead came from, so outcomes are written back to it and
later CRM messages (a deal's or an opportunity's stage) find it

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("leads", sa.Column("crm", sa.String(20), nullable=True))
    op.add_column("leads", sa.Column("crm_id", sa.String(64), nullable=True))
    op.create_index("ix_leads_crm_record", "leads", ["crm", "crm_id"])


def downgrade() -> None:
    op.drop_index("ix_leads_crm_record", table_name="leads")
    # ALTER TABLE … DROP COLUMN, on SQLite too (3.35+): a batch operation would copy `leads` and drop the original,
    # and dropping it deletes every SLA clock and event of its leads (ON DELETE CASCADE)
    op.drop_column("leads", "crm_id")
    op.drop_column("leads", "crm")
