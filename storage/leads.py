"""Queries on leads and their timeline. The caller owns the transaction: these flush, never commit."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, cast, func, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import upsert_for
from storage.models import Lead, LeadEvent, OutboxMessage, Stage, table_of


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


async def insert_new_leads(
    *, session: AsyncSession, rows: Sequence[dict[str, Any]], actor: str, post_kind: str | None
) -> dict[str, int]:
    """Insert the leads (dicts of column values) whose external_id is new, with their `mql_received` events (at each
    lead's `received_at`) and, given `post_kind`, the outbox rows of those not `quiet`: three statements whatever
    the batch size. Returns external_id → id of
    the leads inserted; an external_id already stored (or stored by a concurrent request a moment ago) is skipped
    by ON CONFLICT rather than checked first.

    The leads go in as one batched INSERT … RETURNING (the ORM's flush would send one statement per lead on SQLite;
    RETURNING external_id maps ids back, where sort_by_parameter_order would need a sentinel column on SQLite). The
    events and outbox rows are INSERT … SELECT from the leads just written, so no row is bound twice."""
    if not rows:
        return {}
    leads = table_of(Lead)
    result = await session.execute(
        upsert_for(session)(leads).on_conflict_do_nothing(index_elements=["external_id"])
        .returning(leads.c.external_id, leads.c.id),
        list(rows),
    )  # fmt: skip
    created = {str(external_id): int(lead_id) for external_id, lead_id in result}
    if not created:
        return created
    new = leads.c.id.in_(list(created.values()))
    json_object = func.json_build_object if session.get_bind().dialect.name == "postgresql" else func.json_object
    data = json_object("source", leads.c.source, "campaign", leads.c.campaign, "score", leads.c.score)
    events = table_of(LeadEvent)
    await session.execute(
        insert(events).from_select(
            ["lead_id", "kind", "actor", "at", "data"],
            select(leads.c.id, literal("mql_received"), literal(actor), leads.c.received_at, data).where(new),
        )
    )
    if post_kind is not None:
        outbox = table_of(OutboxMessage)
        key = literal(f"{post_kind}:") + cast(leads.c.id, String)
        stamp = leads.c.received_at
        await session.execute(
            insert(outbox).from_select(
                ["kind", "key", "lead_id", "payload", "created_at", "next_attempt_at", "attempts"],
                select(literal(post_kind), key, leads.c.id, literal({}, JSON()), stamp, stamp, literal(0)).where(
                    new, ~leads.c.quiet
                ),
            )
        )
    return created


async def add_event(
    *, session: AsyncSession, lead_id: int, kind: str, at: datetime, actor: str | None = None, **data: Any
) -> LeadEvent:
    event = LeadEvent(lead_id=lead_id, kind=kind, actor=actor, at=at, data=data)
    session.add(event)
    await session.flush()
    return event


async def add_event_rows(*, session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Append many events (dicts of lead_id, kind, actor, at, data) in one executemany: the ORM would send one
    INSERT … RETURNING per row on SQLite."""
    if rows:
        await session.execute(insert(table_of(LeadEvent)), list(rows))


async def earlier_with_emails(
    *, session: AsyncSession, leads: Sequence[Lead], limit: int = 20
) -> dict[int, list[Lead]]:
    """For each lead, the leads stored before it with the same email (a known person under another external_id),
    newest first: {lead id: earlier leads} for every lead given, in one query for a whole batch message."""
    emails = {lead.email for lead in leads if lead.email}
    found: dict[int, list[Lead]] = {lead.id: [] for lead in leads}
    if not emails:
        return found
    # newest first per email, at most `limit` more than the leads given (the newer of them may be earlier leads
    # of the older ones)
    ranked = (
        select(Lead.id, func.row_number().over(partition_by=Lead.email, order_by=Lead.id.desc()).label("rank"))
        .where(Lead.email.in_(emails), Lead.id < max(found))
        .subquery()
    )
    rows = await session.scalars(
        select(Lead)
        .join(ranked, ranked.c.id == Lead.id)
        .where(ranked.c.rank <= limit + len(leads))
        .order_by(Lead.id.desc())
    )
    earlier = list(rows)
    for lead in leads:
        if lead.email:
            found[lead.id] = [e for e in earlier if e.email == lead.email and e.id < lead.id][:limit]
    return found


async def events_of_leads(
    *, session: AsyncSession, lead_ids: Sequence[int], kinds: Sequence[str]
) -> dict[int, list[LeadEvent]]:
    """These leads' events of these kinds, by lead, oldest first (what their posts show beyond the lead row)."""
    rows = await session.scalars(
        select(LeadEvent)
        .where(LeadEvent.lead_id.in_(lead_ids), LeadEvent.kind.in_(kinds))
        .order_by(LeadEvent.at, LeadEvent.id)
    )
    by_lead: dict[int, list[LeadEvent]] = {lead_id: [] for lead_id in lead_ids}
    for event in rows:
        by_lead[event.lead_id].append(event)
    return by_lead


async def list_events(*, session: AsyncSession, lead_id: int) -> list[LeadEvent]:
    """The lead's timeline, oldest first (by when it happened, then by when it was written)."""
    rows = await session.scalars(
        select(LeadEvent).where(LeadEvent.lead_id == lead_id).order_by(LeadEvent.at, LeadEvent.id)
    )
    return list(rows)


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


async def find_open_lead_by_company(*, session: AsyncSession, company: str, stages: Collection[str]) -> Lead | None:
    """The most recent lead still in one of the open `stages` whose company is `company`, whatever its case and
    surrounding spaces; the row stays locked until the transaction ends (PostgreSQL)."""
    rows = await session.execute(
        select(Lead)
        .where(
            func.lower(func.trim(Lead.company)) == company.strip().lower(),
            Lead.stage.in_(stages),
            Lead.origin.is_(None),
        )
        .order_by(Lead.received_at.desc(), Lead.id.desc())
        .limit(1)
        .with_for_update()
    )
    return rows.scalar_one_or_none()


async def add_manual_win(*, session: AsyncSession, values: dict[str, Any]) -> Lead:
    lead = Lead(**values, origin="win", stage=Stage.WON, activity=[], version=1, quiet=True)  # never posted as an MQL
    session.add(lead)
    await session.flush()
    return lead


async def any_received_before(*, session: AsyncSession, at: datetime) -> bool:
    """Whether any lead had arrived by `at` (a digest of a week before the first lead has nothing to review)."""
    found = await session.execute(select(Lead.id).where(Lead.received_at < at).limit(1))
    return found.first() is not None
