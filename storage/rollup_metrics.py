"""The funnel's figures read from the rollup (storage/rollups.py): the same functions, arguments and answers as the
full scan in `storage.metrics`, for every dimension but `rep` (the rollup has no owner).

A period's bounds are local midnights, which are seldom UTC ones: the whole UTC days inside [start, end) are read
from the rollup, and the hours at either end (less than a day each) from the leads through `ix_leads_received_at`,
with the full scan's own expressions. Each figure is one statement that adds the two parts up."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, and_, cast, false, func, literal, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from storage.metrics import COUNTED, Counts, counts_of, dimension_column, duration_of, measures, whole_seconds
from storage.models import FunnelDay, FunnelDayClock, FunnelDayDuration, FunnelDayReason, Lead, SlaTimer
from storage.rollups import bucket_of, bucket_range

Edges = list[tuple[datetime, datetime]]


def split(start: datetime, end: datetime) -> tuple[tuple[date, date] | None, Edges]:
    """[first, last) whole UTC days of [start, end) for the rollup (None if none), and the rest for the leads."""

    def midnight(day: date) -> datetime:
        return datetime.combine(day, time(0), UTC)

    start, end = start.astimezone(UTC), end.astimezone(UTC)
    first = start.date() if start == midnight(start.date()) else start.date() + timedelta(days=1)
    last = end.date()
    if first >= last:
        return None, [(start, end)] if start < end else []
    edges = [(a, b) for a, b in ((start, midnight(first)), (midnight(last), end)) if a < b]
    return (first, last), edges


def _within(edges: Edges) -> ColumnElement[bool]:
    return or_(*(and_(Lead.received_at >= a, Lead.received_at < b) for a, b in edges))


def _rollup_group(model: Any, dimension: str | None) -> ColumnElement[Any]:
    if dimension is None:
        return literal("all")
    if dimension not in ("source", "campaign", "band"):
        raise ValueError(f"the rollup has no {dimension!r}")
    return getattr(model, dimension)  # type: ignore[no-any-return]


def _parts(start: datetime, end: datetime, rollup: Any, leads: Any) -> Any:
    """The union of `rollup(first, last)` and `leads(edges)` (selects with the same columns), as a subquery."""
    days, edges = split(start, end)
    parts: list[Any] = []
    if days is not None:
        parts.append(rollup(*days))
    if edges:
        parts.append(leads(edges))
    if not parts:  # an empty period
        parts.append(leads([(start, start)]))
    combine: Any = union_all  # (mypy 2.4 crashes inferring union_all over a list of selects)
    return (combine(*parts) if len(parts) > 1 else parts[0]).subquery()


async def counts(*, session: AsyncSession, start: datetime, end: datetime, dimension: str | None) -> list[Counts]:
    names = ("leads", *COUNTED)

    def rollup(first: date, last: date) -> Any:
        group = _rollup_group(FunnelDay, dimension).label("grp")
        sums = (func.sum(getattr(FunnelDay, name)).label(name) for name in names)
        return select(group, *sums).where(FunnelDay.day >= first, FunnelDay.day < last).group_by(group)

    def leads(edges: Edges) -> Any:
        group, every = dimension_column(dimension).label("grp"), measures()
        return select(group, *(every[name].label(name) for name in names)).where(_within(edges)).group_by(group)

    both = _parts(start, end, rollup, leads)
    query = select(both.c.grp, *(func.sum(both.c[name]) for name in COUNTED)).group_by(both.c.grp)
    return counts_of(await session.execute(query.having(func.sum(both.c.leads) > 0)))


async def repeat_mqls(*, session: AsyncSession, start: datetime, end: datetime) -> int:
    def rollup(first: date, last: date) -> Any:
        return select(func.sum(FunnelDay.repeats).label("n")).where(FunnelDay.day >= first, FunnelDay.day < last)

    def leads(edges: Edges) -> Any:
        return select(measures()["repeats"].label("n")).where(_within(edges))

    both = _parts(start, end, rollup, leads)
    return int(await session.scalar(select(func.coalesce(func.sum(both.c.n), 0))) or 0)


async def reject_reasons(
    *, session: AsyncSession, start: datetime, end: datetime, dimension: str | None
) -> list[tuple[str, str, int]]:
    def rollup(first: date, last: date) -> Any:
        group = _rollup_group(FunnelDayReason, dimension).label("grp")
        return (
            select(group, FunnelDayReason.reason.label("reason"), func.sum(FunnelDayReason.n).label("n"))
            .where(FunnelDayReason.day >= first, FunnelDayReason.day < last)
            .group_by(group, FunnelDayReason.reason)
        )

    def leads(edges: Edges) -> Any:
        group = dimension_column(dimension).label("grp")
        return (
            select(group, Lead.reject_reason.label("reason"), func.count().label("n"))
            .where(_within(edges), Lead.reject_reason.is_not(None))
            .group_by(group, Lead.reject_reason)
        )

    both = _parts(start, end, rollup, leads)
    total = func.sum(both.c.n)
    rows = await session.execute(
        select(both.c.grp, both.c.reason, total).group_by(both.c.grp, both.c.reason).having(total > 0)
    )
    return [(str(g), str(reason), int(n)) for g, reason, n in rows]


async def sla_states(
    *, session: AsyncSession, start: datetime, end: datetime, dimension: str | None
) -> list[tuple[str, str, str, int]]:
    def rollup(first: date, last: date) -> Any:
        group = _rollup_group(FunnelDayClock, dimension).label("grp")
        return (
            select(group, FunnelDayClock.clock.label("clock"), FunnelDayClock.state.label("state"),
                   func.sum(FunnelDayClock.n).label("n"))
            .where(FunnelDayClock.day >= first, FunnelDayClock.day < last)
            .group_by(group, FunnelDayClock.clock, FunnelDayClock.state)
        )  # fmt: skip

    def leads(edges: Edges) -> Any:
        group = dimension_column(dimension).label("grp")
        return (
            select(group, SlaTimer.clock.label("clock"), SlaTimer.state.label("state"), func.count().label("n"))
            .select_from(Lead)
            .join(SlaTimer, SlaTimer.lead_id == Lead.id)
            .where(_within(edges))
            .group_by(group, SlaTimer.clock, SlaTimer.state)
        )

    both = _parts(start, end, rollup, leads)
    total = func.sum(both.c.n)
    rows = await session.execute(
        select(both.c.grp, both.c.clock, both.c.state, total)
        .group_by(both.c.grp, both.c.clock, both.c.state)
        .having(total > 0)
    )
    return [(str(g), str(c), str(s), int(n)) for g, c, s, n in rows]


async def duration_percentiles(
    *, session: AsyncSession, start: datetime, end: datetime, which: str
) -> tuple[float | None, float | None]:
    """As `storage.metrics.duration_percentiles`, off the histogram, in two statements: the bucket counts (a few
    dozen rows) say which bucket holds each of the three ranks that matter, and which rank it is there; then the
    exact seconds of just those buckets, ranked by a running total, give the values at those ranks."""
    days, edges = split(start, end)
    coarse = await session.execute(_histogram(days, edges, which, bucket_of))
    counts = sorted((int(b), int(n)) for b, n in coarse if n)
    total = sum(n for _, n in counts)
    if not total:
        return None, None
    ranks = [(total + 1) // 2, (total + 2) // 2, (9 * total + 9) // 10]
    located: dict[int, tuple[int, int]] = {}  # rank: (bucket, rank inside the bucket)
    below = 0
    for bucket, n in counts:
        for rank in ranks:
            if below < rank <= below + n:
                located[rank] = (bucket, rank - below)
        below += n
    wanted = sorted({bucket for bucket, _ in located.values()})
    size = dict(counts)
    at = {rank: inside + sum(size[b] for b in wanted if b < bucket) for rank, (bucket, inside) in located.items()}
    ranges = [bucket_range(b) for b in wanted]

    def inside(column: Any) -> ColumnElement[bool]:
        return or_(*(and_(column >= low, column < high) if high else column >= low for low, high in ranges))

    exact = _histogram(days, edges, which, lambda secs: secs, inside=inside).subquery()
    upto = func.sum(exact.c.n).over(order_by=exact.c.secs).label("upto")
    running = select(exact.c.secs, exact.c.n, upto).subquery()
    hit = or_(*(and_(running.c.upto - running.c.n < p, running.c.upto >= p) for p in set(at.values())))
    rows = (await session.execute(select(running.c.secs, running.c.n, running.c.upto).where(hit))).all()

    def value(rank: int) -> int:
        return next(int(secs) for secs, n, upto in rows if int(upto) - int(n) < at[rank] <= int(upto))

    median = (value(ranks[0]) + value(ranks[1])) / 2
    return median, float(value(ranks[2]))


def _histogram(days: tuple[date, date] | None, edges: Edges, which: str, key: Any, inside: Any = None) -> Any:
    """(secs, n): the exact histogram `which` of these days and the leads' durations at the edges, or with `key`
    `bucket_of` their buckets, summed by secs; with `inside`, only the secs it keeps. The days are listed, so each
    is one seek in the table's key."""
    parts: list[Any] = []
    if days is not None:
        h = FunnelDayDuration
        listed = [days[0] + timedelta(days=k) for k in range((days[1] - days[0]).days)]
        keep = [h.which == (f"{which}/bucket" if key is bucket_of else which), h.day.in_(listed)]
        if inside is not None:
            keep.append(inside(h.seconds))
        parts.append(select(h.seconds.label("secs"), h.n.label("n")).where(*keep))
    if edges:
        seconds, present = duration_of(which)
        # materialized: the bucket's CASE names the seconds many times, and each would compute them again
        values = select(whole_seconds(seconds).label("s")).where(_within(edges), present).cte("edge_seconds")
        values = values.prefix_with("MATERIALIZED")
        keep = [] if inside is None else [inside(key(values.c.s))]
        parts.append(select(key(values.c.s).label("secs"), literal(1, BigInteger).label("n")).where(*keep))
    if not parts:
        return select(literal(0, BigInteger).label("secs"), literal(0, BigInteger).label("n")).where(false())
    combine: Any = union_all
    both = (combine(*parts) if len(parts) > 1 else parts[0]).subquery()
    total = cast(func.sum(both.c.n), BigInteger)
    return select(both.c.secs, total.label("n")).group_by(both.c.secs)
