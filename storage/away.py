"""Who is away (`away_reps`): read by routing (an away rep gets no new leads) and the SLA (their alarms go to their
manager), written by `/handoff away|back` and App Home's toggle."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AwayRep


async def away_now(*, session: AsyncSession, now: datetime) -> dict[str, datetime | None]:
    """{user id: until (None: until they are back)} for everyone away at `now`; an absence whose `until` has passed
    is over without anyone saying so."""
    rows = await session.execute(
        select(AwayRep.user_id, AwayRep.until).where(
            AwayRep.since <= now, or_(AwayRep.until.is_(None), AwayRep.until > now)
        )
    )
    return {str(user): until for user, until in rows}
