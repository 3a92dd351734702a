"""The content library's tables (issue 16): marketing's assets, their shares on leads, and sales' content requests,
each request carrying its own SLA clock as columns (a request is not a lead, so it has no `sla_timers` row).

Imported by storage/models.py, so one metadata holds every table."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, BigId


class ContentAsset(Base):
    """One of marketing's assets. `url` is its identity: an import updates the asset whose URL it already has.
    `search_text` is what full-text search indexes (title, tags, kind, industries, stage), kept by the write path."""

    __tablename__ = "content_assets"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))  # case_study, battle_card, comparison, roi_calculator, deck, …
    url: Mapped[str] = mapped_column(String(2000))
    stage: Mapped[str | None] = mapped_column(String(20))  # the funnel stage it serves
    industries: Mapped[list[Any]] = mapped_column(default=list)
    tags: Mapped[list[Any]] = mapped_column(default=list)
    owner: Mapped[str | None] = mapped_column(String(32))  # who is told a week before it expires
    expires_on: Mapped[date | None] = mapped_column(Date)  # the team's calendar day it drops out of search
    added_by: Mapped[str] = mapped_column(String(64))
    added_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    expired_at: Mapped[datetime | None]  # expired by hand before (or without) its date
    expiry_warned_at: Mapped[datetime | None]  # its owner was told it expires within a week
    search_text: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (
        Index("ux_content_assets_url", "url", unique=True),
        Index("ix_content_assets_added_at", "added_at"),
        Index("ix_content_assets_expires_on", "expires_on"),
    )


class ContentShare(Base):
    """An asset shared to a lead (Share to a lead): posted in the lead's thread and on its timeline."""

    __tablename__ = "content_shares"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("content_assets.id", ondelete="CASCADE"))
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"))
    shared_by: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime]

    __table_args__ = (
        Index("ix_content_shares_asset", "asset_id"),
        Index("ix_content_shares_lead", "lead_id"),
    )


class ContentRequest(Base):
    """Sales asks marketing for content (`/content request`): taken, delivered or declined by marketing, on its own
    SLA clock ([sla.content_request]). The clock's columns mirror `sla_timers`: the sweep reads rows whose `next_at`
    has come, through a partial index."""

    __tablename__ = "content_requests"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    need: Mapped[str] = mapped_column(Text)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id", ondelete="SET NULL"))
    wanted_by: Mapped[date | None] = mapped_column(Date)  # "by when", as the requester asked
    requested_by: Mapped[str] = mapped_column(String(32))
    requested_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(12), default="open")  # open, taken, delivered, declined
    taken_by: Mapped[str | None] = mapped_column(String(32))
    taken_at: Mapped[datetime | None]
    delivered_by: Mapped[str | None] = mapped_column(String(32))
    delivered_at: Mapped[datetime | None]
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("content_assets.id", ondelete="SET NULL"))
    delivered_url: Mapped[str | None] = mapped_column(String(2000))
    declined_by: Mapped[str | None] = mapped_column(String(32))
    declined_at: Mapped[datetime | None]
    decline_reason: Mapped[str | None] = mapped_column(Text)
    slack_channel: Mapped[str | None] = mapped_column(String(32))  # its post in the requests channel
    slack_ts: Mapped[str | None] = mapped_column(String(32))
    # its SLA clock
    agreement_version: Mapped[int | None]  # the agreement in force when it was asked (its target's terms)
    business_hours: Mapped[bool] = mapped_column(default=True)
    target_seconds: Mapped[int]
    warn_at: Mapped[datetime | None]
    due_at: Mapped[datetime]
    clock_state: Mapped[str] = mapped_column(String(12), default="running")  # running, met, breached, missed, cancelled
    warned_at: Mapped[datetime | None]
    breached_at: Mapped[datetime | None]
    steps_fired: Mapped[int] = mapped_column(default=0)
    next_at: Mapped[datetime | None]  # when the sweep must look at it next; NULL once nothing is left to do
    stopped_at: Mapped[datetime | None]
    elapsed_seconds: Mapped[int | None]  # counted (working) time from the request to its delivery or decline

    __table_args__ = (
        Index(
            "ix_content_requests_next_at",
            "next_at",
            sqlite_where=text("next_at IS NOT NULL"),
            postgresql_where=text("next_at IS NOT NULL"),
        ),
        Index("ix_content_requests_requested_at", "requested_at"),
        Index("ix_content_requests_state", "state"),
    )
