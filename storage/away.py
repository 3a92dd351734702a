"""Who is away (`away_reps`): read by routing (an away rep gets no new leads) and the SLA (their alarms go to their
manager), written by `/handoff away|back` and App Home's toggle."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import upsert_for
from storage.models import AwayRep, Lead


async def away_now(*, session: AsyncSession, now: datetime) -> dict[str, datetime | None]:
    """{user id: until (None: until they are back)} for everyone away at `now`; an absence whose `until` has passed
    is over without anyone saying so."""
    rows = await session.execute(
        select(AwayRep.user_id, AwayRep.until).where(
            AwayRep.since <= now, or_(AwayRep.until.is_(None), AwayRep.until > now)
        )
    )
    return {str(user): until for user, until in rows}


async def mark_away(
    *, session: AsyncSession, user_id: str, since: datetime, until: datetime | None, set_by: str
) -> None:
    """`user_id` is away from `since` until `until` (None: until they are back); a second absence replaces the first
    (one row a person, written in one statement, so two clicks at once leave one of them)."""
    upsert = upsert_for(session)(AwayRep).values(user_id=user_id, since=since, until=until, set_by=set_by)
    await session.execute(
        upsert.on_conflict_do_update(
            index_elements=["user_id"], set_={"since": since, "until": until, "set_by": set_by}
        )
    )


async def mark_back(*, session: AsyncSession, user_id: str, now: datetime) -> bool:
    """`user_id` is back; False when they were not away at `now` (an absence already over counts as not away)."""
    row = (await session.execute(select(AwayRep.since, AwayRep.until).where(AwayRep.user_id == user_id))).first()
    await session.execute(delete(AwayRep).where(AwayRep.user_id == user_id))
    return row is not None and row.since <= now and (row.until is None or row.until > now)


async def open_load(
    *, session: AsyncSession, owned: Collection[str], waiting: Collection[str]
) -> dict[str, tuple[int, int]]:
    """{rep: (open leads they own in `owned` stages, leads assigned to them still in `waiting` stages and not yet
    accepted)} for every rep with any."""
    load: dict[str, list[int]] = {}
    for column, stages, where, at in (
        (Lead.owner, owned, Lead.owner.is_not(None), 0),
        (Lead.assignee, waiting, Lead.owner.is_(None) & Lead.assignee.is_not(None), 1),
    ):
        rows = await session.execute(select(column, func.count()).where(where, Lead.stage.in_(stages)).group_by(column))
        for user, count in rows:
            load.setdefault(str(user), [0, 0])[at] = int(count)
    return {user: (owned_count, waiting_count) for user, (owned_count, waiting_count) in load.items()}
