"""/funnel's rollup: the cohort's counts, reject reasons, SLA clocks and duration histogram per UTC day × source ×
campaign × band, filled from the leads already stored so an upgraded install's /funnel is right at once

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

KEY = ("day", "source", "campaign", "band")
COUNTS = ("leads", "mqls", "accepted", "rejected", "sqls", "opportunities", "won", "lost", "won_cents",
          "pipeline_cents")  # fmt: skip


def key() -> list[sa.Column[object]]:
    return [
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("source", sa.String(100), primary_key=True),
        sa.Column("campaign", sa.String(200), primary_key=True),
        sa.Column("band", sa.String(20), primary_key=True),
    ]


def upgrade() -> None:
    rowid = {"sqlite_with_rowid": False}
    op.create_table(
        "funnel_days",
        *key(),
        *(sa.Column(name, sa.BigInteger(), nullable=False) for name in COUNTS),
        sa.Column("days_to_won_sum", sa.Double(), nullable=False),
        sa.Column("cohort_won", sa.BigInteger(), nullable=False),
        sa.Column("repeats", sa.BigInteger(), nullable=False),
        **rowid,
    )
    op.create_table(
        "funnel_day_reasons",
        *key(),
        sa.Column("reason", sa.String(100), primary_key=True),
        sa.Column("n", sa.BigInteger(), nullable=False),
        **rowid,
    )
    op.create_table(
        "funnel_day_clocks",
        *key(),
        sa.Column("clock", sa.String(20), primary_key=True),
        sa.Column("state", sa.String(12), primary_key=True),
        sa.Column("n", sa.BigInteger(), nullable=False),
        **rowid,
    )
    op.create_table(
        "funnel_day_durations",
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("which", sa.String(20), primary_key=True),
        sa.Column("seconds", sa.BigInteger(), primary_key=True),
        sa.Column("n", sa.BigInteger(), nullable=False),
        **rowid,
    )
    # Filled by the statements `handoff db rebuild-rollups` runs. They follow the current models, so a later
    # migration that changes these tables must fill them itself and this one must then keep its own copy.
    from storage.rollups import rebuild_statements

    bind = op.get_bind()
    for statement in rebuild_statements(bind.dialect.name):
        bind.execute(statement)


def downgrade() -> None:
    for table in ("funnel_day_durations", "funnel_day_clocks", "funnel_day_reasons", "funnel_days"):
        op.drop_table(table)
