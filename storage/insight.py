"""The rows `/funnel quality` computes from: one per MQL received in a period, and which of them are history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.metrics import ACCEPTED, COHORT
from storage.models import Lead, LeadEvent

HISTORY_EVENTS = ("accepted", "rejected", "moved")  # the decision a backfill puts on the timeline, marked imported


async def cohort_rows(*, session: AsyncSession, start: datetime, end: datetime) -> list[Any]:
    """(id, score, source, campaign, accepted, rejected, reject_reason, reached_sql, won, lost, amount_cents,
    received_at, contacted_at, quiet) of every MQL received in [start, end)."""
    reached_sql = or_(Lead.sql_at.is_not(None), Lead.opportunity_at.is_not(None), Lead.won_at.is_not(None))
    result = await session.execute(
        select(
            Lead.id, Lead.score, Lead.source, Lead.campaign, and_(ACCEPTED).label("accepted"),
            Lead.reject_reason.is_not(None).label("rejected"), Lead.reject_reason, reached_sql.label("reached_sql"),
            Lead.won_at.is_not(None).label("won"), Lead.lost_at.is_not(None).label("lost"), Lead.amount_cents,
            Lead.received_at, Lead.contacted_at, Lead.quiet,
        ).where(COHORT, Lead.received_at >= start, Lead.received_at < end).order_by(Lead.id)
    )  # fmt: skip
    return list(result.all())


async def history_ids(*, session: AsyncSession, start: datetime, end: datetime) -> set[int]:
    """The quiet leads received in [start, end) whose decision was imported (`handoff import` with history)."""
    result = await session.execute(
        select(LeadEvent.lead_id, LeadEvent.data)
        .join(Lead, Lead.id == LeadEvent.lead_id)
        .where(COHORT, Lead.quiet.is_(True), Lead.received_at >= start, Lead.received_at < end,
               LeadEvent.kind.in_(HISTORY_EVENTS))
    )  # fmt: skip
    return {int(lead_id) for lead_id, data in result if isinstance(data, dict) and data.get("imported")}
