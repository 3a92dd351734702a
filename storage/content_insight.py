"""`/funnel content`'s queries: the assets used on the leads won or lost in a period (shared to the lead, or named
on a logged attempt), and the content requests asked in it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.content_models import ContentAsset, ContentRequest, ContentShare
from storage.models import ContactAttempt, Lead


def _closed_in(start: datetime, end: datetime) -> Any:
    return or_(
        and_(Lead.stage == "won", Lead.won_at >= start, Lead.won_at < end),
        and_(Lead.stage == "lost", Lead.lost_at >= start, Lead.lost_at < end),
    )


async def uses_on_closed_leads(*, session: AsyncSession, start: datetime, end: datetime) -> list[tuple[int, int, str]]:
    """(asset id, lead id, "won" or "lost") for every use on a lead closed in [start, end); repeats included."""
    shares = await session.execute(
        select(ContentShare.asset_id, Lead.id, Lead.stage)
        .join(Lead, Lead.id == ContentShare.lead_id)
        .where(_closed_in(start, end))
    )
    found = [(int(a), int(lead), str(stage)) for a, lead, stage in shares.all()]
    attempts = await session.execute(
        select(ContactAttempt.assets, Lead.id, Lead.stage)
        .join(Lead, Lead.id == ContactAttempt.lead_id)
        .where(ContactAttempt.assets.is_not(None), _closed_in(start, end))
    )
    for assets, lead, stage in attempts.all():
        found.extend((int(a), int(lead), str(stage)) for a in assets or [] if isinstance(a, int))
    return found


async def assets_named(*, session: AsyncSession, ids: Iterable[int]) -> dict[int, ContentAsset]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return {a.id: a for a in await session.scalars(select(ContentAsset).where(ContentAsset.id.in_(wanted)))}


async def requests_in(*, session: AsyncSession, start: datetime, end: datetime) -> list[tuple[str, str]]:
    """(need, state) of each content request asked in [start, end), oldest first."""
    rows = await session.execute(
        select(ContentRequest.need, ContentRequest.state)
        .where(ContentRequest.requested_at >= start, ContentRequest.requested_at < end)
        .order_by(ContentRequest.requested_at, ContentRequest.id)
    )
    return [(str(need), str(state)) for need, state in rows.all()]
