"""The content library: marketing's assets, their shares on leads, sales' content requests with their own SLA clock,
and the assets a logged contact attempt used

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
PENDING = sa.text("next_at IS NOT NULL")


def upgrade() -> None:
    op.create_table(
        "content_assets",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("stage", sa.String(20)),
        sa.Column("industries", sa.JSON(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("owner", sa.String(32)),
        sa.Column("expires_on", sa.Date()),
        sa.Column("added_by", sa.String(64), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("expired_at", sa.DateTime()),
        sa.Column("expiry_warned_at", sa.DateTime()),
        sa.Column("search_text", sa.Text(), nullable=False),
    )
    op.create_index("ux_content_assets_url", "content_assets", ["url"], unique=True)
    op.create_index("ix_content_assets_added_at", "content_assets", ["added_at"])
    op.create_index("ix_content_assets_expires_on", "content_assets", ["expires_on"])
    op.create_table(
        "content_shares",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("asset_id", BigId, sa.ForeignKey("content_assets.id", ondelete="CASCADE"), nullable=False),
        sa.Column("lead_id", BigId, sa.ForeignKey("leads.id", ondelete="CASCADE"), nullable=False),
        sa.Column("shared_by", sa.String(32), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_content_shares_asset", "content_shares", ["asset_id"])
    op.create_index("ix_content_shares_lead", "content_shares", ["lead_id"])
    op.create_table(
        "content_requests",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("need", sa.Text(), nullable=False),
        sa.Column("lead_id", BigId, sa.ForeignKey("leads.id", ondelete="SET NULL")),
        sa.Column("wanted_by", sa.Date()),
        sa.Column("requested_by", sa.String(32), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("taken_by", sa.String(32)),
        sa.Column("taken_at", sa.DateTime()),
        sa.Column("delivered_by", sa.String(32)),
        sa.Column("delivered_at", sa.DateTime()),
        sa.Column("asset_id", BigId, sa.ForeignKey("content_assets.id", ondelete="SET NULL")),
        sa.Column("delivered_url", sa.String(2000)),
        sa.Column("declined_by", sa.String(32)),
        sa.Column("declined_at", sa.DateTime()),
        sa.Column("decline_reason", sa.Text()),
        sa.Column("slack_channel", sa.String(32)),
        sa.Column("slack_ts", sa.String(32)),
        sa.Column("agreement_version", sa.Integer()),
        sa.Column("business_hours", sa.Boolean(), nullable=False),
        sa.Column("target_seconds", sa.Integer(), nullable=False),
        sa.Column("warn_at", sa.DateTime()),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("clock_state", sa.String(12), nullable=False),
        sa.Column("warned_at", sa.DateTime()),
        sa.Column("breached_at", sa.DateTime()),
        sa.Column("steps_fired", sa.Integer(), nullable=False),
        sa.Column("next_at", sa.DateTime()),
        sa.Column("stopped_at", sa.DateTime()),
        sa.Column("elapsed_seconds", sa.Integer()),
    )
    op.create_index(
        "ix_content_requests_next_at",
        "content_requests",
        ["next_at"],
        sqlite_where=PENDING,
        postgresql_where=PENDING,
    )
    op.create_index("ix_content_requests_requested_at", "content_requests", ["requested_at"])
    op.create_index("ix_content_requests_state", "content_requests", ["state"])
    op.add_column("contact_attempts", sa.Column("assets", sa.JSON()))


def downgrade() -> None:
    op.drop_column("contact_attempts", "assets")  # ALTER TABLE … DROP COLUMN: SQLite 3.35 and later
    op.drop_table("content_requests")
    op.drop_table("content_shares")
    op.drop_table("content_assets")
