"""Queries on the outbox: enqueue (coalescing), claim atomically, settle."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    cast,
    delete,
    exists,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.db import mark_enqueued
from storage.models import OutboxMessage, table_of


@dataclass(frozen=True)
class Claimed:
    id: int
    kind: str
    key: str
    lead_id: int | None
    payload: dict[str, Any]
    attempts: int
    created_at: datetime  # when it was queued: how long it has been owed


def _pending() -> Any:
    return and_(OutboxMessage.delivered_at.is_(None), OutboxMessage.failed_at.is_(None))


KEY_SEPARATOR = ":"


def key_for(kind: str, *about: object) -> str:
    """The key a row coalesces on: its kind, then what it is about (`lead_post:42`). The format is written here
    only; `key_column` builds the same key in SQL for rows queued set-based."""
    return KEY_SEPARATOR.join([kind, *(str(part) for part in about)])


def key_column(kind: str | ColumnElement[str], about: ColumnElement[Any]) -> ColumnElement[str]:
    """`key_for(kind, about)` as a SQL expression over a column, for INSERT … SELECT; `kind` may be a parameter."""
    if isinstance(kind, str):
        return literal(kind + KEY_SEPARATOR) + cast(about, String)
    # no bound separator here: a statement whose parameters its caller names (intake's, on SQLite) keeps only those
    separator: ColumnElement[str] = literal_column(f"'{KEY_SEPARATOR}'", String)
    return kind + separator + cast(about, String)


def last_part(key: str) -> str:
    """What a key is about, for a kind whose key ends with an id (`sla_notice:7` → `7`)."""
    return key.rsplit(KEY_SEPARATOR, 1)[1]


@dataclass(frozen=True)
class Outgoing:
    """One delivery to queue: what kind, which key it coalesces on, what it is about."""

    kind: str
    key: str
    lead_id: int | None = None
    payload: dict[str, Any] | None = None


async def enqueue_many(*, session: AsyncSession, rows: Sequence[Outgoing], now: datetime, coalesce: bool = True) -> int:
    """Queue deliveries; returns how many rows were added. With `coalesce`, a row with the same key still waiting
    (never claimed, or given back for a retry) already covers it, because the worker renders current state when it
    delivers. A row whose claim has lapsed is not waiting: its holder may have rendered it already and still be
    waiting for Slack's answer. The waiting rows are locked until this transaction commits, so a claim made
    meanwhile (which skips locked rows) cannot render them without this change. Once the transaction commits, the
    Database's wake-ups run (`Database.wake_after_enqueue`)."""
    fresh: dict[str, Outgoing] = {}
    for row in rows:
        if not coalesce or row.key not in fresh:
            fresh[row.key if coalesce else f"{len(fresh)}"] = row
    if coalesce and fresh:
        keys = list(fresh)
        for start in range(0, len(keys), 500):
            waiting = await session.execute(
                select(OutboxMessage.key)
                .where(
                    OutboxMessage.key.in_(keys[start : start + 500]),
                    _pending(),
                    OutboxMessage.claimed_by.is_(None),
                )
                .order_by(OutboxMessage.id)  # the same lock order in every transaction: no deadlock between two
                .with_for_update()
            )
            for key in waiting.scalars():
                fresh.pop(key, None)
    if fresh:  # one executemany: the ORM would send one INSERT … RETURNING per row on SQLite
        await session.execute(
            insert(table_of(OutboxMessage)),
            [
                {"kind": r.kind, "key": r.key, "lead_id": r.lead_id, "payload": r.payload or {}, "created_at": now,
                 "next_attempt_at": now, "attempts": 0}
                for r in fresh.values()
            ],
        )  # fmt: skip
        mark_enqueued(session, *{row.kind for row in fresh.values()})
    return len(fresh)


def claimable(now: datetime, kinds: Collection[str] | None = None) -> Select[int]:
    """Ids of rows a worker may claim at `now` (of `kinds`, or any): pending, due, not held by a live claim, and not
    waiting behind another row of their key (an older pending one, or one in flight)."""
    other = aliased(OutboxMessage)
    blocked = exists(
        select(other.id).where(
            other.key == OutboxMessage.key,
            other.id != OutboxMessage.id,
            other.delivered_at.is_(None),
            other.failed_at.is_(None),
            or_(other.id < OutboxMessage.id, other.claimed_until > now),
        )
    )
    query = select(OutboxMessage.id).where(
        _pending(),
        OutboxMessage.next_attempt_at <= now,
        or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until <= now),
        ~blocked,
    )
    return query if kinds is None else query.where(OutboxMessage.kind.in_(kinds))


async def claim_batch(
    *,
    session: AsyncSession,
    worker: str,
    now: datetime,
    lease: timedelta,
    limit: int,
    kinds: Collection[str] | None = None,
) -> list[Claimed]:
    """Claim due rows for `worker` in one statement, so two workers can never hold the same row.

    A row waits while an older row of its key is pending, or while another row of its key is in flight: a lead's
    post is made before it is updated, and never twice at once. On PostgreSQL the candidates are locked with
    SKIP LOCKED so concurrent claimers pass over each other instead of queueing.
    """
    candidates = (
        claimable(now, kinds)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(candidates))
        .values(claimed_by=worker, claimed_until=now + lease, attempts=OutboxMessage.attempts + 1)
        .returning(
            OutboxMessage.id,
            OutboxMessage.kind,
            OutboxMessage.key,
            OutboxMessage.lead_id,
            OutboxMessage.payload,
            OutboxMessage.attempts,
            OutboxMessage.created_at,
        )
        .execution_options(synchronize_session=False)
    )
    return sorted((Claimed(*row) for row in result), key=lambda c: c.id)


async def renew_claims(
    *, session: AsyncSession, ids: Sequence[int], worker: str, now: datetime, lease: timedelta
) -> set[int]:
    """Extend `worker`'s claims on `ids` for another `lease`; returns the ids it still held. A claim whose lease ran
    out may have been taken over by another worker, which then delivers that row: this one must leave it."""
    if not ids:
        return set()
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids), OutboxMessage.claimed_by == worker, _pending())
        .values(claimed_until=now + lease)
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    )
    return {int(row_id) for row_id in result.scalars()}


async def mark_delivered(*, session: AsyncSession, row_ids: Sequence[int], worker: str, now: datetime) -> None:
    """The rows `worker` still holds of `row_ids` are delivered (one statement for a batch message's rows)."""
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(row_ids), OutboxMessage.claimed_by == worker)
        .values(delivered_at=now, claimed_until=None, last_error=None)
        .execution_options(synchronize_session=False)
    )


async def reschedule(*, session: AsyncSession, row_id: int, worker: str, at: datetime, error: str) -> None:
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id, OutboxMessage.claimed_by == worker)
        .values(next_attempt_at=at, claimed_by=None, claimed_until=None, last_error=error[:2000])
        .execution_options(synchronize_session=False)
    )


async def mark_failed(*, session: AsyncSession, row_id: int, worker: str, now: datetime, error: str) -> None:
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id, OutboxMessage.claimed_by == worker)
        .values(failed_at=now, claimed_until=None, last_error=error[:2000])
        .execution_options(synchronize_session=False)
    )


async def pending_summary(*, session: AsyncSession) -> tuple[int, datetime | None]:
    """How many rows are still owed and when the oldest of them was queued, in one query (for /metrics)."""
    row = (await session.execute(select(func.count(), func.min(OutboxMessage.created_at)).where(_pending()))).one()
    oldest = row[1]
    return int(row[0]), oldest if isinstance(oldest, datetime) else None


async def prune_delivered(*, session: AsyncSession, before: datetime) -> int:
    result = await session.execute(
        delete(OutboxMessage)
        .where(OutboxMessage.delivered_at.is_not(None), OutboxMessage.delivered_at < before)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
