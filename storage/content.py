"""The content library's queries: assets by URL (their identity), shares, and content requests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.content_models import ContentAsset


@dataclass(frozen=True)
class AssetRow:
    """The columns of an asset a write sets (storage knows no validation: bot/content/assets.py has checked it)."""

    title: str
    kind: str
    url: str
    stage: str | None
    industries: list[Any]
    tags: list[Any]
    owner: str | None
    expires_on: date | None
    search_text: str


async def upsert_asset(*, session: AsyncSession, row: AssetRow, actor: str, now: datetime) -> tuple[ContentAsset, bool]:
    """The asset with this URL brought up to `row`, or a new one; True when it is new. An asset given a new expiry
    date, or expired by hand and added again (the modal, a delivered request), is live again and its owner will be
    told again before that date."""
    asset = (
        await session.execute(select(ContentAsset).where(ContentAsset.url == row.url).with_for_update())
    ).scalar_one_or_none()
    created = asset is None
    if asset is None:
        asset = ContentAsset(url=row.url, added_by=actor, added_at=now)
        session.add(asset)
    elif asset.expires_on != row.expires_on or asset.expired_at is not None:
        asset.expired_at = None
        asset.expiry_warned_at = None
    asset.title, asset.kind, asset.stage = row.title, row.kind, row.stage
    asset.industries, asset.tags = list(row.industries), list(row.tags)
    asset.owner, asset.expires_on, asset.search_text = row.owner, row.expires_on, row.search_text
    asset.updated_at = now
    await session.flush()
    return asset, created


async def upsert_assets(
    *, session: AsyncSession, rows: Sequence[AssetRow], actor: str, now: datetime
) -> list[tuple[ContentAsset, bool]]:
    """`upsert_asset` for many rows at once (an import's batch): one read of the URLs already stored, one flush.
    A URL twice in `rows` ends in one asset, the later row's."""
    urls = list({row.url for row in rows})
    known = {
        a.url: a
        for a in await session.scalars(select(ContentAsset).where(ContentAsset.url.in_(urls)).with_for_update())
    }
    out: list[tuple[ContentAsset, bool]] = []
    for row in rows:
        asset = known.get(row.url)
        created = asset is None
        if asset is None:
            asset = known[row.url] = ContentAsset(url=row.url, added_by=actor, added_at=now)
            session.add(asset)
        elif asset.expires_on != row.expires_on:
            asset.expired_at = None
            asset.expiry_warned_at = None
        asset.title, asset.kind, asset.stage = row.title, row.kind, row.stage
        asset.industries, asset.tags = list(row.industries), list(row.tags)
        asset.owner, asset.expires_on, asset.search_text = row.owner, row.expires_on, row.search_text
        asset.updated_at = now
        out.append((asset, created))
    await session.flush()
    return out
