"""Queries of content requests (`content_requests`): one row each, with its clock's columns."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.content_models import ContentAsset, ContentRequest
from storage.content_search import live
from storage.models import Lead


async def get(session: AsyncSession, request_id: int, *, for_update: bool = False) -> ContentRequest | None:
    query = select(ContentRequest).where(ContentRequest.id == request_id)
    if for_update:
        query = query.with_for_update()
    found: ContentRequest | None = (await session.scalars(query)).first()
    return found


def add(session: AsyncSession, request: ContentRequest) -> ContentRequest:
    session.add(request)
    return request


async def next_due_after(session: AsyncSession, *, after: datetime) -> datetime | None:
    """The earliest moment after `after` at which a request's clock has a step due (the sandbox's fast-forward
    stops there, as at a lead timer's)."""
    found = await session.execute(select(func.min(ContentRequest.next_at)).where(ContentRequest.next_at > after))
    next_at: datetime | None = found.scalar_one()
    return next_at


async def claim_due(session: AsyncSession, *, now: datetime, limit: int) -> list[ContentRequest]:
    """Requests whose clock has something due, through the partial index on `next_at`; locked until the
    transaction ends (PostgreSQL: another sweeper skips them; SQLite: the write lock is held)."""
    query = (
        select(ContentRequest)
        .where(ContentRequest.next_at.is_not(None), ContentRequest.next_at <= now)
        .order_by(ContentRequest.next_at, ContentRequest.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(await session.scalars(query))


async def open_leads_of(session: AsyncSession, *, owner: str, stages: Sequence[str], limit: int) -> list[Lead]:
    query = select(Lead).where(Lead.owner == owner, Lead.stage.in_(list(stages))).order_by(Lead.id.desc()).limit(limit)
    return list(await session.scalars(query))


async def lead(session: AsyncSession, lead_id: int) -> Lead | None:
    return await session.get(Lead, lead_id)


async def asset(session: AsyncSession, asset_id: int) -> ContentAsset | None:
    return await session.get(ContentAsset, asset_id)


async def recent_assets(session: AsyncSession, *, today: date, limit: int) -> list[ContentAsset]:
    """The newest live assets (not expired by hand, expiry date not come), as the Delivered… modal offers them."""
    query = (
        select(ContentAsset)
        .where(live(today))
        .order_by(ContentAsset.added_at.desc(), ContentAsset.id.desc())
        .limit(limit)
    )
    return list(await session.scalars(query))


async def requested_between(session: AsyncSession, *, start: datetime, end: datetime) -> list[ContentRequest]:
    """Requests asked in [start, end): what compliance is computed over (a direct query, apart from the rollups)."""
    query = select(ContentRequest).where(ContentRequest.requested_at >= start, ContentRequest.requested_at < end)
    return list(await session.scalars(query))


async def asset_by_url(session: AsyncSession, url: str) -> ContentAsset | None:
    found: ContentAsset | None = (await session.scalars(select(ContentAsset).where(ContentAsset.url == url))).first()
    return found
