"""The per-rep figures of the follow-up cadence and routing, read for /funnel by rep, the digest and the quarterly
review: assignments, acceptance times and follow-up clocks. Rows come back small (one per event or clock of the
period); the counting is in bot/reports/reps.py."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Lead, LeadEvent, SlaTimer


async def assigned_to(*, session: AsyncSession, start: datetime, end: datetime) -> list[str | None]:
    """Whom each "assigned" event of [start, end) gave a lead to (its data's `to`), one entry per event."""
    rows = await session.scalars(
        select(LeadEvent.data).where(LeadEvent.kind == "assigned", LeadEvent.at >= start, LeadEvent.at < end)
    )
    return [data.get("to") if isinstance(data, dict) else None for data in rows]


async def acceptances(
    *, session: AsyncSession, start: datetime, end: datetime
) -> list[tuple[str | None, datetime, datetime, datetime | None]]:
    """(who accepted, when, when the lead was posted, when it was last assigned) for each accept click on a lead of
    the cohort (received in [start, end)) that was posted in the channel: a lead nobody saw has no time to accept."""
    rows = await session.execute(
        select(LeadEvent.actor, LeadEvent.at, Lead.posted_at, Lead.assigned_at)
        .join(Lead, Lead.id == LeadEvent.lead_id)
        .where(
            LeadEvent.kind == "accepted",
            Lead.received_at >= start,
            Lead.received_at < end,
            Lead.posted_at.is_not(None),
        )
    )
    return [(actor, at, posted, assigned) for actor, at, posted, assigned in rows if posted is not None]


async def follow_ups_by_owner(
    *, session: AsyncSession, start: datetime, end: datetime, cohort: bool
) -> list[tuple[str, str, int]]:
    """(owner, state, count) of the follow-up clocks of the leads received in [start, end) (`cohort`, as /funnel
    counts) or of the clocks started in it (as the quarterly review counts)."""
    window = (
        (Lead.received_at >= start, Lead.received_at < end)
        if cohort
        else (SlaTimer.started_at >= start, SlaTimer.started_at < end)
    )
    owner = func.coalesce(SlaTimer.owner, Lead.owner, "nobody")
    rows = await session.execute(
        select(owner, SlaTimer.state, func.count())
        .select_from(SlaTimer)
        .join(Lead, Lead.id == SlaTimer.lead_id)
        .where(SlaTimer.clock == "follow_up", *window)
        .group_by(owner, SlaTimer.state)
    )
    return [(str(o), str(s), int(n)) for o, s, n in rows]
