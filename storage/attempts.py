"""Contact attempts ([sla.follow_up]): each logged call, email or meeting on an accepted lead, and the counts the
follow-up clock and its alarms read. The caller owns the transaction: these flush, never commit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ContactAttempt, SlaTimer


async def add_attempt(
    *,
    session: AsyncSession,
    lead_id: int,
    actor: str,
    channel: str,
    outcome: str,
    note: str | None,
    at: datetime,
    assets: list[int] | None = None,
) -> ContactAttempt:
    attempt = ContactAttempt(
        lead_id=lead_id, actor=actor, channel=channel, outcome=outcome, note=note, at=at, assets=assets or None
    )
    session.add(attempt)
    await session.flush()
    return attempt


async def count_since(*, session: AsyncSession, lead_id: int, since: datetime) -> int:
    """Attempts logged on the lead at or after `since` (the start of its follow-up clock)."""
    found = await session.scalar(
        select(func.count()).where(ContactAttempt.lead_id == lead_id, ContactAttempt.at >= since)
    )
    return int(found or 0)


async def counts_in_windows(*, session: AsyncSession, timers: Sequence[SlaTimer]) -> dict[int, int]:
    """For each follow-up clock, the attempts logged on its lead while it ran to its due moment: what its breach
    alarm reports ("2 of 3 attempts in 5 d"). One query however many clocks."""
    if not timers:
        return {}
    rows = await session.execute(
        select(SlaTimer.id, func.count(ContactAttempt.id))
        .join(ContactAttempt, ContactAttempt.lead_id == SlaTimer.lead_id)
        .where(
            SlaTimer.id.in_([t.id for t in timers]),
            ContactAttempt.at >= SlaTimer.started_at,
            ContactAttempt.at <= SlaTimer.due_at,
        )
        .group_by(SlaTimer.id)
    )
    counts = {t.id: 0 for t in timers}
    counts.update({int(timer_id): int(n) for timer_id, n in rows})
    return counts
