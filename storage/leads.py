"""Queries on leads and their timeline. The caller owns the transaction: these flush, never commit."""

from __future__ import annotations

import functools
import json
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ColumnElement,
    Dialect,
    Insert,
    String,
    Table,
    any_,
    bindparam,
    column,
    func,
    insert,
    literal,
    literal_column,
    select,
    update,
)
from sqlalchemy.dialects import sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import mark_enqueued, on_aiosqlite
from storage.models import Lead, LeadEvent, OutboxMessage, Stage, table_of
from storage.outbox import key_column


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


async def lead_id_of_records(*, session: AsyncSession, crm: str, crm_ids: Sequence[str]) -> int | None:
    """The lead that came from the first of these CRM records that a lead came from (the earliest lead, should a
    record have come under two external_ids), in one query."""
    if not crm_ids:
        return None
    rows = await session.execute(
        select(Lead.crm_id, func.min(Lead.id)).where(Lead.crm == crm, Lead.crm_id.in_(crm_ids)).group_by(Lead.crm_id)
    )
    found = {crm_id: int(lead_id) for crm_id, lead_id in rows}
    return next((found[crm_id] for crm_id in crm_ids if crm_id in found), None)


async def insert_new_leads(
    *, session: AsyncSession, rows: Sequence[dict[str, Any]], actor: str, post_kind: str | None
) -> dict[str, int]:
    """Insert the leads (dicts of column values) whose external_id is new, with their `mql_received` events (at each
    lead's `received_at`) and, given `post_kind`, the outbox rows of those not `quiet`: three statements whatever
    the batch size. Returns external_id → id of
    the leads inserted; an external_id already stored (or stored by a concurrent request a moment ago) is skipped
    by ON CONFLICT rather than checked first.

    The leads go in as multi-row INSERT … ON CONFLICT DO NOTHING RETURNING statements written here and sent to the
    driver with the values already in the driver's form (`driver_values`): at 100 leads a batch SQLAlchemy's
    per-row parameter processing and insertmanyvalues cost more than the database's work. RETURNING external_id
    maps ids back. The events and outbox rows are INSERT … SELECT from the leads just written (their ids one
    array parameter), so no row is bound twice; those statements are built once per dialect. On SQLite the three go
    through aiosqlite's own calls, in the transaction SQLAlchemy began: each is one trip to aiosqlite's thread,
    where SQLAlchemy's bridge takes three (a cursor, the statement, its rows or closing it)."""
    if not rows:
        return {}
    conn = await session.connection()
    dialect = conn.dialect
    aio = (await conn.get_raw_connection()).driver_connection if dialect.name == "sqlite" else None
    names = list(rows[0])
    created: dict[str, int] = {}
    for start in range(0, len(rows), per := max(1, MAX_PARAMETERS // len(names))):
        chunk = rows[start : start + per]
        sql = _insert_leads_sql(dialect.paramstyle, tuple(names), len(chunk))
        values = tuple(driver_values(dialect, table_of(Lead), names, chunk))
        returned: Iterable[Any] = (
            await on_aiosqlite(aio.execute_fetchall(sql, values), sql)
            if aio
            else (await conn.exec_driver_sql(sql, values)).all()
        )
        created.update((str(external_id), int(lead_id)) for external_id, lead_id in returned)
    if not created:
        return created
    ids = list(created.values())
    events, outbox = _from_new_leads(dialect.name)
    bound: dict[str, Any] = {"ids": ids if aio is None else json.dumps(ids), "actor": actor, "kind": post_kind}
    for statement in (events, outbox) if post_kind is not None else (events,):
        if aio is None:
            await session.execute(statement, bound)  # the parameters a statement lacks are not sent
        else:
            sql, order = _sqlite_sql(statement)
            await on_aiosqlite(aio.execute(sql, tuple(bound[name] for name in order)), sql)
    if post_kind is not None:
        mark_enqueued(session, post_kind)  # the posts were queued here, not through enqueue_many: wake the worker
    return created


MAX_PARAMETERS = 30_000  # bound values in one statement: SQLite allows 32,766, PostgreSQL 32,767


def driver_values(dialect: Dialect, table: Table, names: Sequence[str], rows: Sequence[dict[str, Any]]) -> list[Any]:
    """The rows' values, row after row, in `names`' order, as the driver takes them: each column's bind processor
    (a UTC time, JSON, a boolean) applied as SQLAlchemy would, once for a value every row shares (received_at)."""
    columns = []
    for name in names:
        values = [row[name] for row in rows]
        process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            first = values[0]
            shared = all(value is first for value in values)
            values = [process(first)] * len(values) if shared else [process(value) for value in values]
        columns.append(values)
    return [value for row in zip(*columns, strict=True) for value in row]


QUOTED = '"{}"'  # our column names are lower case: quoted the same way on SQLite and PostgreSQL


@functools.lru_cache(maxsize=64)
def _insert_leads_sql(paramstyle: str, names: tuple[str, ...], count: int) -> str:
    if paramstyle == "qmark":  # SQLite
        groups = ", ".join(["(" + ", ".join("?" * len(names)) + ")"] * count)
    else:  # asyncpg: $1, $2 …
        marks = iter(range(1, len(names) * count + 1))
        groups = ", ".join("(" + ", ".join(f"${next(marks)}" for _ in names) + ")" for _ in range(count))
    return (
        f"INSERT INTO leads ({', '.join(QUOTED.format(name) for name in names)}) VALUES {groups} "
        "ON CONFLICT (external_id) DO NOTHING RETURNING external_id, id"
    )


@functools.cache
def _from_new_leads(dialect: str) -> tuple[Insert, Insert]:
    """The `mql_received` events and the outbox rows of the leads whose ids are bound as `ids` (an array on
    PostgreSQL, a JSON array on SQLite); `actor` and the outbox row's `kind` are the only other parameters."""
    leads = table_of(Lead)
    payload: ColumnElement[Any]
    if dialect == "postgresql":
        new = leads.c.id == any_(bindparam("ids", type_=ARRAY(BigInteger())))
        json_object, payload = func.json_build_object, literal({}, JSON())  # PostgreSQL would take '{}' as text
    else:
        new = leads.c.id.in_(select(column("value")).select_from(func.json_each(bindparam("ids", type_=String()))))
        json_object, payload = func.json_object, literal_column("'{}'")
    data = json_object(*(part for name in ("source", "campaign", "score") for part in (name_of(name), leads.c[name])))
    actor = bindparam("actor", type_=String())
    events = insert(table_of(LeadEvent)).from_select(
        ["lead_id", "kind", "actor", "at", "data"],
        select(leads.c.id, literal_column("'mql_received'"), actor, leads.c.received_at, data).where(new),
    )
    kind = bindparam("kind", type_=String())
    key = key_column(kind, leads.c.id)
    stamp = leads.c.received_at
    outbox = insert(table_of(OutboxMessage)).from_select(
        ["kind", "key", "lead_id", "payload", "created_at", "next_attempt_at", "attempts"],
        select(kind, key, leads.c.id, payload, stamp, stamp, literal_column("0")).where(new, ~leads.c.quiet),
    )
    return events, outbox


def name_of(name: str) -> ColumnElement[Any]:
    """A JSON key written into the statement, not bound: the statement's only parameters are its own."""
    return literal_column(f"'{name}'")


@functools.cache
def _sqlite_sql(statement: Insert) -> tuple[str, tuple[str, ...]]:
    """The statement as SQLite's driver takes it, and the names of its parameters in order (it has no literals)."""
    compiled = statement.compile(dialect=sqlite.dialect())
    return compiled.string, tuple(compiled.positiontup or ())


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


async def record_post(
    *, session: AsyncSession, lead_ids: Sequence[int], channel: str, ts: str, at: datetime
) -> set[int]:
    """Remember where the leads' post landed (one lead's, or a batch message's); returns the ids recorded, without
    those another delivery already recorded a post of."""
    result = await session.execute(
        update(Lead)
        .where(Lead.id.in_(lead_ids), Lead.slack_ts.is_(None))
        .values(slack_channel=channel, slack_ts=ts, posted_at=at)
        .returning(Lead.id)
        .execution_options(synchronize_session=False)
    )
    return {int(lead_id) for lead_id in result.scalars()}


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
