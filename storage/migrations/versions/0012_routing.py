"""Routing: a lead's assignee (offered to one rep until accepted) and each pool's rotation, in the database so
it survives restarts and holds across replicas

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("leads", sa.Column("assignee", sa.String(32), nullable=True))
    op.add_column("leads", sa.Column("assigned_at", sa.DateTime(), nullable=True))
    op.create_index("ix_leads_assignee", "leads", ["assignee"])
    op.create_table(
        "routing_turns",
        sa.Column("pool", sa.String(200), primary_key=True),
        sa.Column("user_id", sa.String(32), primary_key=True),
        sa.Column("credit", sa.BigInteger(), nullable=False),
        sa.Column("assigned", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("routing_turns")
    op.drop_index("ix_leads_assignee", table_name="leads")
    # ALTER TABLE … DROP COLUMN, on SQLite too (3.35+): a batch operation would copy `leads` and drop the original,
    # and dropping it deletes every SLA clock and event of its leads (ON DELETE CASCADE)
    op.drop_column("leads", "assigned_at")
    op.drop_column("leads", "assignee")
