"""Queries on SLA clocks, the notices sent about them, and once-only job marks. The caller owns the transaction."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, case, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import upsert_for
from storage.models import JobMark, Lead, SlaNotice, SlaNoticeItem, SlaTimer, Stage, table_of

ACTIVE_STATES = ("running", "breached")


async def add_timer(*, session: AsyncSession, timer: SlaTimer) -> SlaTimer:
    session.add(timer)
    await session.flush()
    return timer


async def add_timers(*, session: AsyncSession, timers: Sequence[SlaTimer]) -> None:
    """Several timers in one flush (one batched INSERT, where a flush each would send one statement each)."""
    if timers:
        session.add_all(timers)
        await session.flush()


async def active_timer(*, session: AsyncSession, lead_id: int, clock: str) -> SlaTimer | None:
    rows = await session.execute(
        select(SlaTimer)
        .where(SlaTimer.lead_id == lead_id, SlaTimer.clock == clock, SlaTimer.stopped_at.is_(None))
        .with_for_update()
    )
    return rows.scalar_one_or_none()


async def timers_of(*, session: AsyncSession, lead_id: int) -> list[SlaTimer]:
    rows = await session.execute(select(SlaTimer).where(SlaTimer.lead_id == lead_id).order_by(SlaTimer.id))
    return list(rows.scalars())


async def timers_of_leads(*, session: AsyncSession, lead_ids: Sequence[int]) -> dict[int, list[SlaTimer]]:
    """Every clock of these leads, by lead, oldest first (for a batch message that shows several leads)."""
    rows = await session.scalars(select(SlaTimer).where(SlaTimer.lead_id.in_(lead_ids)).order_by(SlaTimer.id))
    by_lead: dict[int, list[SlaTimer]] = {lead_id: [] for lead_id in lead_ids}
    for timer in rows:
        by_lead[timer.lead_id].append(timer)
    return by_lead


async def get_timer(*, session: AsyncSession, timer_id: int, for_update: bool = False) -> SlaTimer | None:
    return await session.get(SlaTimer, timer_id, with_for_update=for_update, populate_existing=True)


@dataclass(frozen=True)
class LeadRef:
    """What the sweep needs of a lead: who owns it and where its post is (not its activity, which is large)."""

    id: int
    owner: str | None
    slack_channel: str | None
    slack_ts: str | None


def due_query(now: datetime, limit: int) -> Select[SlaTimer, int, str | None, str | None, str | None]:
    return (
        select(SlaTimer, Lead.id, Lead.owner, Lead.slack_channel, Lead.slack_ts)
        .join(Lead, Lead.id == SlaTimer.lead_id)
        .where(SlaTimer.next_at.is_not(None), SlaTimer.next_at <= now)
        .order_by(SlaTimer.next_at, SlaTimer.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=SlaTimer)
    )


async def claim_due(*, session: AsyncSession, now: datetime, limit: int) -> list[tuple[SlaTimer, LeadRef]]:
    """Timers whose next step has come, oldest first, with their leads; read through `ix_sla_timers_next_at` only.

    The rows stay locked until the transaction ends: on PostgreSQL another sweeper skips them (SKIP LOCKED) and
    takes the next ones; on SQLite the transaction holds the database's write lock from its first statement.
    """
    rows = await session.execute(due_query(now, limit))
    return [(timer, LeadRef(lead_id, owner, channel, ts)) for timer, lead_id, owner, channel, ts in rows]


@dataclass(frozen=True)
class NewNotice:
    kind: str
    recipient: str
    items: Sequence[tuple[int, int, int | None]]  # (timer_id, lead_id, step)
    thread_ts: str | None = None
    actor: str | None = None


async def add_notices(*, session: AsyncSession, notices: Sequence[NewNotice], at: datetime) -> list[int]:
    """Store notices and their items; returns the new notice ids in order."""
    rows = [
        SlaNotice(kind=n.kind, recipient=n.recipient, thread_ts=n.thread_ts, actor=n.actor, created_at=at)
        for n in notices
    ]
    session.add_all(rows)
    await session.flush()
    items = [
        {"notice_id": row.id, "timer_id": timer_id, "lead_id": lead_id, "step": step}
        for row, notice in zip(rows, notices, strict=True)
        for timer_id, lead_id, step in notice.items
    ]
    if items:
        await session.execute(insert(table_of(SlaNoticeItem)), items)
    return [row.id for row in rows]


async def notice_ids_for_lead(*, session: AsyncSession, lead_id: int) -> list[int]:
    rows = await session.execute(
        select(SlaNoticeItem.notice_id).where(SlaNoticeItem.lead_id == lead_id).distinct().order_by("notice_id")
    )
    return [int(notice_id) for notice_id in rows.scalars()]


async def notice_ids_for_leads(*, session: AsyncSession, lead_ids: Sequence[int]) -> list[int]:
    """Every notice that mentions any of these leads, oldest first."""
    found: set[int] = set()
    for start in range(0, len(lead_ids), 500):
        rows = await session.execute(
            select(SlaNoticeItem.notice_id).where(SlaNoticeItem.lead_id.in_(lead_ids[start : start + 500])).distinct()
        )
        found.update(int(notice_id) for notice_id in rows.scalars())
    return sorted(found)


@dataclass(frozen=True)
class NoticeItem:
    step: int | None
    timer: SlaTimer
    lead: Lead


async def load_notice(*, session: AsyncSession, notice_id: int) -> tuple[SlaNotice, list[NoticeItem]] | None:
    notice = await session.get(SlaNotice, notice_id, populate_existing=True)
    if notice is None:
        return None
    rows = await session.execute(
        select(SlaNoticeItem.step, SlaTimer, Lead)
        .join(SlaTimer, SlaTimer.id == SlaNoticeItem.timer_id)
        .join(Lead, Lead.id == SlaNoticeItem.lead_id)
        .where(SlaNoticeItem.notice_id == notice_id)
        .order_by(SlaNoticeItem.id)
    )
    return notice, [NoticeItem(step, timer, lead) for step, timer, lead in rows]


async def record_notice_post(*, session: AsyncSession, notice_id: int, channel: str, ts: str) -> None:
    await session.execute(
        update(SlaNotice)
        .where(SlaNotice.id == notice_id)
        .values(slack_channel=channel, slack_ts=ts)
        .execution_options(synchronize_session=False)
    )


async def redirect_notice(
    *, session: AsyncSession, notice_id: int, recipient: str, channel: str, thread_ts: str | None, refused: str
) -> bool:
    """A DM to `recipient` Slack refused for good becomes a message in `channel` (in a thread with `thread_ts`),
    saying whom it was meant for. False if it was already redirected (a retry of the same refusal)."""
    result = await session.execute(
        update(SlaNotice)
        .where(SlaNotice.id == notice_id, SlaNotice.recipient == recipient, SlaNotice.slack_ts.is_(None))
        .values(recipient=channel, thread_ts=thread_ts, meant_for=recipient, refused=refused[:64])
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def was_told_about(
    *, session: AsyncSession, timer_id: int, user_id: str, except_kinds: Sequence[str] = ()
) -> bool:
    """Did `user_id` receive a notice about this timer (of a kind not in `except_kinds`)?"""
    found = await session.execute(
        select(SlaNotice.id)
        .join(SlaNoticeItem, SlaNoticeItem.notice_id == SlaNotice.id)
        .where(
            SlaNoticeItem.timer_id == timer_id,
            SlaNotice.recipient == user_id,
            SlaNotice.kind.not_in(except_kinds),
        )
        .limit(1)
    )
    return found.first() is not None


async def mark_once(*, session: AsyncSession, key: str, at: datetime) -> bool:
    """Record that `key` happened; False if it already had (the caller then does nothing)."""
    result = await session.execute(
        upsert_for(session)(JobMark).values(key=key, at=at).on_conflict_do_nothing(index_elements=["key"])
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


# --- reporting -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClockCompliance:
    clock: str
    met: int
    missed: int
    open_breached: int

    @property
    def decided(self) -> int:
        return self.met + self.missed + self.open_breached

    @property
    def rate(self) -> float | None:
        return self.met / self.decided if self.decided else None


async def compliance(*, session: AsyncSession, start: datetime, end: datetime) -> list[ClockCompliance]:
    """Per clock, for clocks started in [start, end): kept, missed (stopped late), breached and still open."""
    rows = await session.execute(
        select(SlaTimer.clock, SlaTimer.state, func.count())
        .where(SlaTimer.started_at >= start, SlaTimer.started_at < end)
        .group_by(SlaTimer.clock, SlaTimer.state)
    )
    counts: dict[str, dict[str, int]] = {}
    for clock, state, count in rows:
        counts.setdefault(str(clock), {})[str(state)] = int(count)
    return [
        ClockCompliance(clock, c.get("met", 0), c.get("missed", 0), c.get("breached", 0))
        for clock, c in sorted(counts.items())
    ]


@dataclass(frozen=True)
class Intake:
    mqls: int
    accepted: int
    rejected: int

    @property
    def accept_rate(self) -> float | None:
        decided = self.accepted + self.rejected
        return self.accepted / decided if decided else None


async def intake_between(*, session: AsyncSession, start: datetime, end: datetime) -> Intake:
    """MQLs received in [start, end), and of those, how many sales accepted and rejected."""
    in_range = (Lead.received_at >= start, Lead.received_at < end)
    row = (
        await session.execute(
            select(
                func.count(),
                func.count(Lead.decided_at).filter(Lead.stage != Stage.REJECTED),
                func.count().filter(Lead.stage == Stage.REJECTED),
            ).where(*in_range)
        )
    ).one()
    return Intake(int(row[0]), int(row[1]), int(row[2]))


async def open_leads_of(
    *, session: AsyncSession, owner: str, stages: Collection[str], limit: int, offset: int = 0
) -> list[tuple[Lead, list[SlaTimer]]]:
    """A rep's leads in `stages` (the open ones), the one whose clock is due soonest first (so the longest overdue
    comes first), then those with no clock running, newest first; each with its running or breached clocks."""
    next_due = (
        select(func.min(SlaTimer.due_at))
        .where(SlaTimer.lead_id == Lead.id, SlaTimer.stopped_at.is_(None))
        .correlate(Lead)
        .scalar_subquery()
    )
    leads = list(
        (
            await session.execute(
                select(Lead)
                .where(Lead.owner == owner, Lead.stage.in_(stages))
                .order_by(next_due.is_(None), next_due, Lead.decided_at.desc(), Lead.id.desc())
                .limit(limit)
                .offset(offset)
            )
        ).scalars()
    )
    timers: dict[int, list[SlaTimer]] = {lead.id: [] for lead in leads}
    if leads:
        rows = await session.execute(
            select(SlaTimer).where(SlaTimer.lead_id.in_(list(timers)), SlaTimer.stopped_at.is_(None))
        )
        for timer in rows.scalars():
            timers[timer.lead_id].append(timer)
    return [(lead, timers[lead.id]) for lead in leads]


async def count_open_leads_of(*, session: AsyncSession, owner: str, stages: Collection[str]) -> int:
    found = await session.scalar(
        select(func.count()).select_from(Lead).where(Lead.owner == owner, Lead.stage.in_(stages))
    )
    return int(found or 0)


def _open_breach() -> tuple[ColumnElement[bool], ...]:
    return (SlaTimer.state == "breached", SlaTimer.stopped_at.is_(None))


def _snoozed(now: datetime) -> ColumnElement[bool]:
    return and_(SlaTimer.snoozed_until.is_not(None), SlaTimer.snoozed_until > now)


async def open_breaches(
    *, session: AsyncSession, now: datetime, urgency: Sequence[str], limit: int, offset: int = 0
) -> list[tuple[SlaTimer, Lead]]:
    """Clocks past due that nobody has acted on yet, most urgent first: those not snoozed at `now` before those
    that are, then by clock in the order `urgency` lists them (others after), then longest overdue first."""
    rank = case(*((SlaTimer.clock == clock, i) for i, clock in enumerate(urgency)), else_=len(urgency))
    rows = await session.execute(
        select(SlaTimer, Lead)
        .join(Lead, Lead.id == SlaTimer.lead_id)
        .where(*_open_breach())
        .order_by(case((_snoozed(now), 1), else_=0), rank, SlaTimer.due_at, SlaTimer.id)
        .limit(limit)
        .offset(offset)
    )
    return [(timer, lead) for timer, lead in rows]


@dataclass(frozen=True)
class BreachCounts:
    by_clock: dict[str, int]
    snoozed: int

    @property
    def total(self) -> int:
        return sum(self.by_clock.values())


async def count_open_breaches(*, session: AsyncSession, now: datetime) -> BreachCounts:
    """How many clocks are breached and open, by clock, and how many of them are snoozed at `now`."""
    snoozed = case((_snoozed(now), 1), else_=0)
    rows = await session.execute(
        select(SlaTimer.clock, func.count(), func.sum(snoozed)).where(*_open_breach()).group_by(SlaTimer.clock)
    )
    by_clock: dict[str, int] = {}
    total_snoozed = 0
    for clock, count, held in rows:
        by_clock[str(clock)] = int(count)
        total_snoozed += int(held or 0)
    return BreachCounts(by_clock, total_snoozed)


async def breaches_by_owner(
    *, session: AsyncSession, start: datetime, end: datetime
) -> list[tuple[str, str, str, int]]:
    """(who, clock, state, count) of clocks started in [start, end) that were missed or are still breached. A clock
    is put on whoever was on the hook when it started, or "nobody": an accept clock in the shared channel is the
    team's, not on the rep who picked the lead up late."""
    who = func.coalesce(SlaTimer.owner, "nobody")
    rows = await session.execute(
        select(who, SlaTimer.clock, SlaTimer.state, func.count())
        .where(SlaTimer.started_at >= start, SlaTimer.started_at < end, SlaTimer.state.in_(("missed", "breached")))
        .group_by(who, SlaTimer.clock, SlaTimer.state)
    )
    return [(str(w), str(c), str(s), int(n)) for w, c, s, n in rows]


async def next_due_after(*, session: AsyncSession, after: datetime) -> datetime | None:
    """The earliest moment after `after` at which a timer has a step due (the sandbox's fast-forward stops there)."""
    found = await session.execute(select(func.min(SlaTimer.next_at)).where(SlaTimer.next_at > after))
    return found.scalar_one()


async def was_marked(*, session: AsyncSession, key: str) -> bool:
    """Whether `key` was already recorded by `mark_once` (a cheap look before building what it would announce)."""
    return await session.get(JobMark, key) is not None
