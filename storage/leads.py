"""Queries on leads and their timeline. The caller owns the transaction: these flush, never commit."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Lead, LeadEvent, table_of


async def get_lead(*, session: AsyncSession, lead_id: int, for_update: bool = False) -> Lead | None:
    """With `for_update`, the row stays locked until the transaction ends (PostgreSQL; SQLite locks the file)."""
    return await session.get(Lead, lead_id, with_for_update=for_update, populate_existing=True)


async def leads_by_ids(*, session: AsyncSession, ids: Sequence[int]) -> list[Lead]:
    """The leads with these ids, in the order given (missing ones left out)."""
    found = {lead.id: lead for lead in await session.scalars(select(Lead).where(Lead.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


async def leads_on_post(*, session: AsyncSession, channel: str, ts: str) -> list[Lead]:
    """Every lead one Slack message shows: one for a lead's own post, several for a batch message."""
    rows = await session.scalars(
        select(Lead).where(Lead.slack_ts == ts, Lead.slack_channel == channel).order_by(Lead.id)
    )
    return list(rows)


async def received_since(*, session: AsyncSession, since: datetime) -> int:
    result = await session.execute(select(func.count()).select_from(Lead).where(Lead.received_at >= since))
    return int(result.scalar_one())


async def get_lead_by_external_id(*, session: AsyncSession, external_id: str) -> Lead | None:
    result = await session.execute(select(Lead).where(Lead.external_id == external_id))
    return result.scalar_one_or_none()


async def map_external_ids(*, session: AsyncSession, external_ids: Iterable[str]) -> dict[str, int]:
    """external_id → id for those already stored (chunked to stay under SQLite's variable limit)."""
    ids = list(dict.fromkeys(external_ids))
    found: dict[str, int] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = await session.execute(select(Lead.external_id, Lead.id).where(Lead.external_id.in_(chunk)))
        found.update({external_id: lead_id for external_id, lead_id in rows})
    return found


async def add_leads(*, session: AsyncSession, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert new leads (dicts of column values) in batched INSERT … RETURNING statements; their ids in the order
    given. The ORM's flush sends one statement per lead on SQLite, which is most of an intake's time."""
    if not rows:
        return []
    table = table_of(Lead)
    # RETURNING external_id rather than sort_by_parameter_order: that needs a sentinel column on SQLite and falls
    # back to row at a time without one; external_id is unique, so it maps each id back just as well.
    result = await session.execute(
        insert(table).returning(table.c.external_id, table.c.id), [{"version": 1, **row} for row in rows]
    )
    ids = {str(external_id): int(lead_id) for external_id, lead_id in result}
    return [ids[str(row["external_id"])] for row in rows]


async def add_event(
    *, session: AsyncSession, lead_id: int, kind: str, at: datetime, actor: str | None = None, **data: Any
) -> LeadEvent:
    event = LeadEvent(lead_id=lead_id, kind=kind, actor=actor, at=at, data=data)
    session.add(event)
    await session.flush()
    return event


async def add_events(*, session: AsyncSession, events: Sequence[LeadEvent]) -> None:
    await add_event_rows(
        session=session,
        rows=[
            {"lead_id": e.lead_id, "kind": e.kind, "actor": e.actor, "at": e.at, "data": e.data or {}} for e in events
        ],
    )


async def add_event_rows(*, session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Append many events (dicts of lead_id, kind, actor, at, data) in one executemany: the ORM would send one
    INSERT … RETURNING per row on SQLite."""
    if rows:
        await session.execute(insert(table_of(LeadEvent)), list(rows))


async def list_events(*, session: AsyncSession, lead_id: int) -> list[LeadEvent]:
    rows = await session.execute(select(LeadEvent).where(LeadEvent.lead_id == lead_id).order_by(LeadEvent.id))
    return list(rows.scalars())


async def find_event(*, session: AsyncSession, lead_id: int, kind: str) -> LeadEvent | None:
    rows = await session.execute(
        select(LeadEvent).where(LeadEvent.lead_id == lead_id, LeadEvent.kind == kind).order_by(LeadEvent.id).limit(1)
    )
    return rows.scalar_one_or_none()


async def claim_decision(*, session: AsyncSession, lead_id: int, from_stage: str, values: dict[str, Any]) -> bool:
    """Move a lead out of `from_stage` only if it is still there; True for the one caller that wins."""
    result = await session.execute(
        update(Lead)
        .where(Lead.id == lead_id, Lead.stage == from_stage)
        .values(**values, version=Lead.version + 1)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def record_post(*, session: AsyncSession, lead_id: int, channel: str, ts: str, at: datetime) -> bool:
    """Remember where the lead's post landed; False if another delivery already recorded one."""
    result = await session.execute(
        update(Lead)
        .where(Lead.id == lead_id, Lead.slack_ts.is_(None))
        .values(slack_channel=channel, slack_ts=ts, posted_at=at)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def move_post(*, session: AsyncSession, lead_id: int, channel: str, ts: str) -> None:
    """The old post is gone (deleted in Slack): point the lead at its replacement."""
    await session.execute(
        update(Lead)
        .where(Lead.id == lead_id)
        .values(slack_channel=channel, slack_ts=ts)
        .execution_options(synchronize_session=False)
    )


async def wins_between(*, session: AsyncSession, start: datetime, end: datetime, limit: int) -> list[Lead]:
    rows = await session.execute(
        select(Lead).where(Lead.won_at >= start, Lead.won_at < end).order_by(Lead.won_at).limit(limit)
    )
    return list(rows.scalars())
