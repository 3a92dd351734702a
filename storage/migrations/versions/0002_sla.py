"""SLA clocks: sla_timers, sla_notices (+ items), job_marks

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "sla_timers",
        sa.Column("id", BigId, nullable=False),
        sa.Column("lead_id", BigId, nullable=False),
        sa.Column("clock", sa.String(length=20), nullable=False),
        sa.Column("owner", sa.String(length=32), nullable=True),
        sa.Column("business_hours", sa.Boolean(), nullable=False),
        sa.Column("target_seconds", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("warn_at", sa.DateTime(), nullable=True),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("warned_at", sa.DateTime(), nullable=True),
        sa.Column("breached_at", sa.DateTime(), nullable=True),
        sa.Column("steps_fired", sa.Integer(), nullable=False),
        sa.Column("snoozed_until", sa.DateTime(), nullable=True),
        sa.Column("snoozed_by", sa.String(length=32), nullable=True),
        sa.Column("next_at", sa.DateTime(), nullable=True),
        sa.Column("stopped_at", sa.DateTime(), nullable=True),
        sa.Column("elapsed_seconds", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["lead_id"], ["leads.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_sla_timers_next_at",
        "sla_timers",
        ["next_at"],
        sqlite_where=sa.text("next_at IS NOT NULL"),
        postgresql_where=sa.text("next_at IS NOT NULL"),
    )
    op.create_index(
        "ux_sla_timers_active",
        "sla_timers",
        ["lead_id", "clock"],
        unique=True,
        sqlite_where=sa.text("stopped_at IS NULL"),
        postgresql_where=sa.text("stopped_at IS NULL"),
    )
    op.create_index("ix_sla_timers_lead", "sla_timers", ["lead_id"])
    op.create_index("ix_sla_timers_clock_started", "sla_timers", ["clock", "started_at"])

    op.create_table(
        "sla_notices",
        sa.Column("id", BigId, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("recipient", sa.String(length=32), nullable=False),
        sa.Column("thread_ts", sa.String(length=32), nullable=True),
        sa.Column("actor", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("slack_channel", sa.String(length=32), nullable=True),
        sa.Column("slack_ts", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "sla_notice_items",
        sa.Column("id", BigId, nullable=False),
        sa.Column("notice_id", BigId, nullable=False),
        sa.Column("timer_id", BigId, nullable=False),
        sa.Column("lead_id", BigId, nullable=False),
        sa.Column("step", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["notice_id"], ["sla_notices.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["timer_id"], ["sla_timers.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["lead_id"], ["leads.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sla_notice_items_notice", "sla_notice_items", ["notice_id"])
    op.create_index("ix_sla_notice_items_lead", "sla_notice_items", ["lead_id"])

    op.create_table(
        "job_marks",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )


def downgrade() -> None:
    op.drop_table("job_marks")
    op.drop_index("ix_sla_notice_items_lead", table_name="sla_notice_items")
    op.drop_index("ix_sla_notice_items_notice", table_name="sla_notice_items")
    op.drop_table("sla_notice_items")
    op.drop_table("sla_notices")
    op.drop_index("ix_sla_timers_clock_started", table_name="sla_timers")
    op.drop_index("ix_sla_timers_lead", table_name="sla_timers")
    op.drop_index("ux_sla_timers_active", table_name="sla_timers")
    op.drop_index("ix_sla_timers_next_at", table_name="sla_timers")
    op.drop_table("sla_timers")
