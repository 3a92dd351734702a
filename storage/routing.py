"""Routing's queries: a pool's rotation (`routing_turns`), locked for the transaction that routes a lead, each rep's
open load, and a lead's offer (`leads.assignee`)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import upsert_for
from storage.models import Lead, RoutingTurn


async def lock_pool(*, session: AsyncSession, pool: str, users: Sequence[str], now: datetime) -> dict[str, RoutingTurn]:
    """The pool's rows for these reps (a rep new to it starts at zero credit), locked until the transaction ends:
    on PostgreSQL SELECT … FOR UPDATE, in user order so two routers never deadlock (a concurrent insert of the same
    new rows waits for the first to commit); on SQLite the transaction already holds the database's write lock. Two
    replicas routing at once therefore take turns, each seeing the other's last choice."""
    if not users:
        return {}
    wanted = sorted(set(users))
    statement = upsert_for(session)(RoutingTurn).values(
        [{"pool": pool, "user_id": user, "credit": 0, "assigned": 0, "updated_at": now} for user in wanted]
    )
    await session.execute(statement.on_conflict_do_nothing(index_elements=["pool", "user_id"]))
    rows = await session.scalars(
        select(RoutingTurn)
        .where(RoutingTurn.pool == pool, RoutingTurn.user_id.in_(wanted))
        .order_by(RoutingTurn.user_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {row.user_id: row for row in rows}


async def open_load(
    *, session: AsyncSession, users: Collection[str], owned: Collection[str], offered: str
) -> dict[str, int]:
    """How many open leads each rep has: owned in one of the `owned` stages, or offered to them (assignee) and
    still in the `offered` stage."""
    if not users:
        return {}
    person = func.coalesce(Lead.owner, Lead.assignee)
    rows = await session.execute(
        select(person, func.count())
        .where(
            person.in_(sorted(users)),
            or_(
                Lead.stage.in_(sorted(owned)) & Lead.owner.is_not(None),
                (Lead.stage == offered) & Lead.owner.is_(None) & Lead.assignee.is_not(None),
            ),
        )
        .group_by(person)
    )
    return {str(user): int(count) for user, count in rows}


async def offered_to(*, session: AsyncSession, user_id: str, stage: str) -> list[Lead]:
    """The leads offered to a rep and not yet accepted, oldest offer first (their App Home lists them first)."""
    rows = await session.scalars(
        select(Lead)
        .where(Lead.assignee == user_id, Lead.stage == stage, Lead.owner.is_(None))
        .order_by(Lead.assigned_at, Lead.id)
        .limit(50)
    )
    return list(rows)
