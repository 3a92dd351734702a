"""Funnel: when each lead reached each later step, its amount; marketing spend per month and source

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

STEPS = ("contacted_at", "sql_at", "opportunity_at", "won_at", "lost_at", "recycled_at")


def upgrade() -> None:
    with op.batch_alter_table("leads") as batch:
        for column in STEPS:
            batch.add_column(sa.Column(column, sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("lost_reason", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("amount_cents", sa.BigInteger(), nullable=True))
    # Leads that logged contact before this column existed: take the time from their timeline.
    op.execute(
        "UPDATE leads SET contacted_at = (SELECT MIN(e.at) FROM lead_events e "
        "WHERE e.lead_id = leads.id AND e.kind = 'contacted') "
        "WHERE EXISTS (SELECT 1 FROM lead_events e WHERE e.lead_id = leads.id AND e.kind = 'contacted')"
    )
    # The funnel's SLA compliance reads (lead, clock, state) for a cohort: a covering index answers it without
    # reading each timer row; it also serves every lookup by lead, so the plain lead index goes.
    op.create_index("ix_sla_timers_lead_clock_state", "sla_timers", ["lead_id", "clock", "state"])
    op.drop_index("ix_sla_timers_lead", table_name="sla_timers")
    op.create_table(
        "spend",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("month", "source"),
    )


def downgrade() -> None:
    op.drop_table("spend")
    op.create_index("ix_sla_timers_lead", "sla_timers", ["lead_id"])
    op.drop_index("ix_sla_timers_lead_clock_state", table_name="sla_timers")
    with op.batch_alter_table("leads") as batch:
        for column in (*STEPS, "lost_reason", "amount_cents"):
            batch.drop_column(column)
