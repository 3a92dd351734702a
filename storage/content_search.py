"""The content library's reads: full-text search (SQLite FTS5 with bm25, PostgreSQL's GIN-indexed tsvector with
ts_rank; migration 0018), the newest and the most shared live assets, and the shares and expiry marks a write
makes. A live asset has no `expired_at` and an `expires_on` (if any) after `today`."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, column, func, literal_column, or_, select, table, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnClause

from storage.content_models import ContentAsset, ContentShare
from storage.models import Lead

FTS_TABLE = table("content_assets_fts", column("rowid"))  # SQLite: the FTS5 table (not in the models' metadata)
FTS: ColumnClause[Any] = literal_column(
    "content_assets_fts"
)  # its hidden column of the same name: `content_assets_fts MATCH …`
PG_VECTOR = func.to_tsvector(literal_column("'simple'"), ContentAsset.search_text)  # the GIN index's expression


def live(today: date) -> ColumnElement[bool]:
    return and_(
        ContentAsset.expired_at.is_(None), or_(ContentAsset.expires_on.is_(None), ContentAsset.expires_on > today)
    )


def sqlite_match(words: Sequence[str], *, prefix: bool, any_word: bool) -> str:
    """An FTS5 query of `words` (letters and digits only), each one a quoted string so nothing in it is syntax."""
    quoted = [f'"{w}"' for w in words]
    if prefix and quoted:
        quoted[-1] += "*"
    return (" OR " if any_word else " ").join(quoted)


def pg_query(words: Sequence[str], *, prefix: bool, any_word: bool) -> str:
    """A to_tsquery text of `words` (letters and digits only), each one a quoted lexeme."""
    quoted = [f"'{w}'" for w in words]
    if prefix and quoted:
        quoted[-1] += ":*"
    return (" | " if any_word else " & ").join(quoted)


async def search(
    *, session: AsyncSession, words: Sequence[str], prefix: bool, any_word: bool, today: date, limit: int
) -> list[ContentAsset]:
    """Live assets matching `words`, best first (bm25 on SQLite: lower is better; ts_rank on PostgreSQL)."""
    if not words:
        return []
    if session.get_bind().dialect.name == "sqlite":
        statement = (
            select(ContentAsset)
            .join(FTS_TABLE, FTS_TABLE.c.rowid == ContentAsset.id)
            .where(FTS.op("MATCH")(sqlite_match(words, prefix=prefix, any_word=any_word)), live(today))
            .order_by(func.bm25(FTS), ContentAsset.id.desc())
        )
    else:
        query = func.to_tsquery(literal_column("'simple'"), pg_query(words, prefix=prefix, any_word=any_word))
        statement = (
            select(ContentAsset)
            .where(PG_VECTOR.op("@@")(query), live(today))
            .order_by(func.ts_rank(PG_VECTOR, query).desc(), ContentAsset.id.desc())
        )
    return list(await session.scalars(statement.limit(limit)))


async def newest(*, session: AsyncSession, today: date, limit: int) -> list[ContentAsset]:
    statement = select(ContentAsset).where(live(today)).order_by(ContentAsset.added_at.desc(), ContentAsset.id.desc())
    return list(await session.scalars(statement.limit(limit)))


async def most_shared(*, session: AsyncSession, today: date, limit: int) -> list[tuple[ContentAsset, int]]:
    shares = func.count(ContentShare.id).label("shares")
    statement = (
        select(ContentAsset, shares)
        .join(ContentShare, ContentShare.asset_id == ContentAsset.id)
        .where(live(today))
        .group_by(ContentAsset.id)
        .order_by(shares.desc(), ContentAsset.id.desc())
        .limit(limit)
    )
    return [(asset, int(count)) for asset, count in (await session.execute(statement)).all()]


async def get_asset(*, session: AsyncSession, asset_id: int, for_update: bool = False) -> ContentAsset | None:
    statement = select(ContentAsset).where(ContentAsset.id == asset_id)
    return (await session.execute(statement.with_for_update() if for_update else statement)).scalar_one_or_none()


async def add_share(*, session: AsyncSession, asset_id: int, lead_id: int, by: str, at: datetime) -> ContentShare:
    share = ContentShare(asset_id=asset_id, lead_id=lead_id, shared_by=by, at=at)
    session.add(share)
    await session.flush()
    return share


async def expiring(*, session: AsyncSession, today: date, until: date, limit: int) -> list[ContentAsset]:
    """Live assets with an owner, expiring on or before `until`, whose owner was not told yet."""
    statement = select(ContentAsset).where(
        live(today),
        ContentAsset.owner.is_not(None),
        ContentAsset.expires_on <= until,
        ContentAsset.expiry_warned_at.is_(None),
    )
    return list(await session.scalars(statement.order_by(ContentAsset.expires_on, ContentAsset.id).limit(limit)))


async def mark_warned(*, session: AsyncSession, asset_id: int, at: datetime) -> bool:
    """True for the one caller that marks it (replicas running the same check tell the owner once)."""
    result = await session.execute(
        update(ContentAsset)
        .where(ContentAsset.id == asset_id, ContentAsset.expiry_warned_at.is_(None))
        .values(expiry_warned_at=at)
    )
    return bool(getattr(result, "rowcount", 0))


async def share_leads(*, session: AsyncSession, stages: Collection[str], first_for: str, limit: int) -> list[Lead]:
    """Open leads with a post (a thread to share in): `first_for`'s own first, then the newest."""
    mine = case((Lead.owner == first_for, 0), else_=1)
    statement = (
        select(Lead)
        .where(Lead.stage.in_(list(stages)), Lead.slack_ts.is_not(None))
        .order_by(mine, Lead.received_at.desc(), Lead.id.desc())
        .limit(limit)
    )
    return list(await session.scalars(statement))
