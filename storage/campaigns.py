"""The marketing calendar's queries: the library's live assets (for a launch's attachments) and leads per campaign."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.content_models import ContentAsset
from storage.models import Lead


async def live_assets(*, session: AsyncSession, today: date, limit: int | None = None) -> Sequence[ContentAsset]:
    """Assets not expired by hand and whose expiry day (the day they drop out) is after `today`, newest first."""
    query = (
        select(ContentAsset)
        .where(ContentAsset.expired_at.is_(None))
        .where(or_(ContentAsset.expires_on.is_(None), ContentAsset.expires_on > today))
        .order_by(ContentAsset.added_at.desc(), ContentAsset.id.desc())
    )
    if limit is not None:
        query = query.limit(limit)
    return (await session.scalars(query)).all()


async def leads_per_campaign(*, session: AsyncSession, campaigns: Iterable[str]) -> dict[str, int]:
    """How many leads carry each of `campaigns` (exactly as written) in their campaign field."""
    names = sorted(set(campaigns))
    if not names:
        return {}
    rows = await session.execute(
        select(Lead.campaign, func.count()).where(Lead.campaign.in_(names)).group_by(Lead.campaign)
    )
    return {str(name): int(count) for name, count in rows.all()}


async def live_assets_by_id(*, session: AsyncSession, ids: Iterable[int], today: date) -> dict[int, ContentAsset]:
    """Of `ids`, the assets that exist and are live (see `live_assets`), by id."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = await session.scalars(
        select(ContentAsset)
        .where(ContentAsset.id.in_(wanted))
        .where(ContentAsset.expired_at.is_(None))
        .where(or_(ContentAsset.expires_on.is_(None), ContentAsset.expires_on > today))
    )
    return {row.id: row for row in rows}
