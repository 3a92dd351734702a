"""Funnel queries. One aggregate statement per question, grouped in the database; the cohort is the MQLs received in
a period, read through `ix_leads_received_at`. Durations are computed by the database in seconds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Float, and_, case, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.expression import FunctionElement

from storage.db import upsert_for
from storage.models import Lead, SlaTimer, Spend

DIMENSIONS = ("source", "campaign", "rep", "band")


class SecondsBetween(FunctionElement[float]):
    """`end - start` in seconds, on every database we run on."""

    type = Float()
    inherit_cache = True
    name = "seconds_between"


@compiles(SecondsBetween, "sqlite")
def _seconds_sqlite(element: SecondsBetween, compiler: Any, **kw: Any) -> str:
    end, start = list(element.clauses)
    return f"((julianday({compiler.process(end, **kw)}) - julianday({compiler.process(start, **kw)})) * 86400.0)"


@compiles(SecondsBetween, "postgresql")
def _seconds_postgresql(element: SecondsBetween, compiler: Any, **kw: Any) -> str:
    end, start = list(element.clauses)
    return f"EXTRACT(EPOCH FROM ({compiler.process(end, **kw)} - {compiler.process(start, **kw)}))"


def seconds_between(end: Any, start: Any) -> SecondsBetween:
    return SecondsBetween(end, start)


class WholeSeconds(FunctionElement[int]):
    """A number of seconds rounded to a whole one as Python's `max(round(x), 0)` does (half to even, never below
    0), so a duration the rollup keeps equals the one `duration_percentiles` ranks."""

    type = BigInteger()
    inherit_cache = True
    name = "whole_seconds"


@compiles(WholeSeconds)
def _whole_seconds(element: WholeSeconds, compiler: Any, **kw: Any) -> str:
    [x] = [compiler.process(c, **kw) for c in element.clauses]
    # SQLite's CAST truncates, which is the floor above 0; PostgreSQL's rounds, so it takes FLOOR.
    down = f"CAST(FLOOR({x}) AS BIGINT)" if compiler.dialect.name == "postgresql" else f"CAST({x} AS INTEGER)"
    return (
        f"(CASE WHEN {x} <= 0 THEN 0 ELSE {down} + CASE WHEN {x} - {down} > 0.5 OR ({x} - {down} = 0.5 AND "
        f"{down} - 2 * ({down} / 2) = 1) THEN 1 ELSE 0 END END)"
    )


def whole_seconds(seconds: Any) -> WholeSeconds:
    return WholeSeconds(seconds)


def band_of() -> ColumnElement[str]:
    return case(
        (Lead.score >= 80, literal("hot (80+)")),
        (Lead.score >= 50, literal("warm (50-79)")),
        (Lead.score.is_not(None), literal("cool (under 50)")),
        else_=literal("unscored"),
    )


def dimension_column(dimension: str | None) -> ColumnElement[Any]:
    if dimension is None:
        return literal("all")
    columns: dict[str, ColumnElement[Any]] = {
        "source": func.coalesce(Lead.source, "unknown"),
        "campaign": func.coalesce(Lead.campaign, "no campaign"),
        "rep": func.coalesce(Lead.owner, "not accepted"),
        "band": band_of(),
    }
    return columns[dimension]


# A deal celebrated with /win that no lead matched counts as won (and in the revenue) in the period it was won, but
# it is no MQL: it stays out of the cohort's MQLs, decisions, steps, conversion and days to won.
COHORT = Lead.origin.is_(None)
ACCEPTED = and_(Lead.decided_at.is_not(None), Lead.reject_reason.is_(None))
REACHED_SQL = and_(COHORT, or_(Lead.sql_at.is_not(None), Lead.opportunity_at.is_not(None), Lead.won_at.is_not(None)))
REACHED_OPPORTUNITY = and_(COHORT, or_(Lead.opportunity_at.is_not(None), Lead.won_at.is_not(None)))


@dataclass(frozen=True)
class Counts:
    group: str
    mqls: int
    accepted: int
    rejected: int
    sqls: int
    opportunities: int
    won: int
    lost: int
    won_cents: int
    pipeline_cents: int
    days_to_won_sum: float
    cohort_won: int  # won among the cohort's MQLs (without the /win deals no lead matched)


def measures() -> dict[str, ColumnElement[Any]]:
    """The aggregates of the cohort's counts and sums over a set of leads, by name: what `counts` reads from the
    leads and `storage.rollups` keeps per day (`leads`: rows of any origin; `repeats`: see `repeat_mqls`)."""
    earlier = aliased(Lead)
    known = select(earlier.id).where(earlier.email == Lead.email, earlier.id < Lead.id).exists()
    return {
        "leads": func.count(),
        "mqls": func.count().filter(COHORT),
        "accepted": func.count().filter(ACCEPTED),
        "rejected": func.count(Lead.reject_reason),
        "sqls": func.count().filter(REACHED_SQL),
        "opportunities": func.count().filter(REACHED_OPPORTUNITY),
        "won": func.count(Lead.won_at),
        "lost": func.count(Lead.lost_at),
        "won_cents": func.coalesce(func.sum(Lead.amount_cents).filter(Lead.won_at.is_not(None)), 0),
        "pipeline_cents": func.coalesce(func.sum(Lead.amount_cents).filter(REACHED_OPPORTUNITY), 0),
        "days_to_won_sum": func.coalesce(func.sum(seconds_between(Lead.won_at, Lead.received_at)).filter(COHORT), 0.0),
        "cohort_won": func.count(Lead.won_at).filter(COHORT),
        "repeats": func.count().filter(Lead.email.is_not(None), known),
    }


COUNTED = ("mqls", "accepted", "rejected", "sqls", "opportunities", "won", "lost", "won_cents", "pipeline_cents",
           "days_to_won_sum", "cohort_won")  # fmt: skip  # the measures of `Counts`, in its order


def counts_query(start: datetime, end: datetime, dimension: str | None) -> Any:
    group = dimension_column(dimension).label("grp")
    every = measures()
    return (
        select(group, *(every[name] for name in COUNTED))
        .where(Lead.received_at >= start, Lead.received_at < end)
        .group_by(group)
    )


def counts_of(rows: Any) -> list[Counts]:
    out = []
    for r in rows:
        n = [int(v or 0) for v in r[1:10]]
        out.append(
            Counts(
                str(r[0]), n[0], n[1], n[2], n[3], n[4], n[5], n[6], n[7], n[8], float(r[10] or 0.0), int(r[11] or 0)
            )
        )
    return out


async def counts(*, session: AsyncSession, start: datetime, end: datetime, dimension: str | None) -> list[Counts]:
    return counts_of(await session.execute(counts_query(start, end, dimension)))


async def repeat_mqls(*, session: AsyncSession, start: datetime, end: datetime) -> int:
    """Cohort leads whose email was already on an earlier lead: a known person sent again under a new external_id."""
    earlier = aliased(Lead)
    known = select(earlier.id).where(earlier.email == Lead.email, earlier.id < Lead.id).exists()
    result = await session.execute(
        select(func.count()).where(Lead.received_at >= start, Lead.received_at < end, Lead.email.is_not(None), known)
    )
    return int(result.scalar_one())


def duration_of(which: str) -> tuple[ColumnElement[float], ColumnElement[bool]]:
    """The seconds `duration_percentiles` ranks for `which` ("accept" or "contact"), and which leads have one."""
    if which == "accept":
        # A lead never posted in the channel (imported history, --no-post) has no time to accept: nobody saw it.
        return seconds_between(Lead.decided_at, Lead.posted_at), and_(ACCEPTED, Lead.posted_at.is_not(None))
    return seconds_between(Lead.contacted_at, Lead.decided_at), and_(ACCEPTED, Lead.contacted_at.is_not(None))


async def duration_percentiles(
    *, session: AsyncSession, start: datetime, end: datetime, which: str
) -> tuple[float | None, float | None]:
    """(median, 90th percentile) of seconds to accept (`which="accept"`) or from accept to first contact
    (`"contact"`) over the cohort, ranked in the database: only the two or three rows that matter come back.

    Median: the mean of the middle one or two values; p90: nearest rank, the value at rank ceil(0.9 n)."""
    seconds, present = duration_of(which)
    values = select(seconds.label("secs")).where(Lead.received_at >= start, Lead.received_at < end, present).subquery()
    ranked = select(
        values.c.secs,
        func.row_number().over(order_by=values.c.secs).label("rn"),
        func.count().over().label("n"),
    ).subquery()
    n = ranked.c.n
    rows = (
        await session.execute(
            select(ranked.c.secs, ranked.c.rn, n).where(
                ranked.c.rn.in_([(n + 1) // 2, (n + 2) // 2, (9 * n + 9) // 10])
            )
        )
    ).all()
    if not rows:
        return None, None
    count = int(rows[0][2])
    by_rank = {int(rn): max(round(float(secs)), 0) for secs, rn, _ in rows}  # julianday arithmetic is float
    median = (by_rank[(count + 1) // 2] + by_rank[(count + 2) // 2]) / 2
    return median, float(by_rank[(9 * count + 9) // 10])


async def reject_reasons(
    *, session: AsyncSession, start: datetime, end: datetime, dimension: str | None
) -> list[tuple[str, str, int]]:
    group = dimension_column(dimension)
    rows = await session.execute(
        select(group, Lead.reject_reason, func.count())
        .where(Lead.received_at >= start, Lead.received_at < end, Lead.reject_reason.is_not(None))
        .group_by(group, Lead.reject_reason)
    )
    return [(str(g), str(reason), int(n)) for g, reason, n in rows]


async def sla_states(
    *, session: AsyncSession, start: datetime, end: datetime, dimension: str | None
) -> list[tuple[str, str, str, int]]:
    """(group, clock, state, count) for the clocks of the cohort's leads."""
    group = dimension_column(dimension)
    rows = await session.execute(
        select(group, SlaTimer.clock, SlaTimer.state, func.count())
        .select_from(Lead)
        .join(SlaTimer, SlaTimer.lead_id == Lead.id)
        .where(Lead.received_at >= start, Lead.received_at < end)
        .group_by(group, SlaTimer.clock, SlaTimer.state)
    )
    return [(str(g), str(c), str(s), int(n)) for g, c, s, n in rows]


async def spend_between(*, session: AsyncSession, first_month: date, last_month: date) -> list[tuple[date, str, int]]:
    rows = await session.execute(
        select(Spend.month, Spend.source, Spend.amount_cents).where(
            Spend.month >= first_month, Spend.month <= last_month
        )
    )
    return [(m, str(s), int(a)) for m, s, a in rows]


async def upsert_spend(
    *, session: AsyncSession, rows: list[tuple[date, str, int]], at: datetime, by: str | None
) -> tuple[int, int, int]:
    """Set the spend of each (month, source), replacing what was there; returns (added, replaced, unchanged). A row
    equal to what is stored is left alone (its updated_at and updated_by stay)."""
    latest = {(m, s): c for m, s, c in rows}  # a (month, source) given twice: the later amount counts
    if not latest:
        return 0, 0, 0
    existing = await session.execute(
        select(Spend.month, Spend.source, Spend.amount_cents).where(
            Spend.month.in_({m for m, _ in latest}), Spend.source.in_({s for _, s in latest})
        )
    )
    stored = {(m, s): int(c) for m, s, c in existing if (m, s) in latest}
    changed = {key: cents for key, cents in latest.items() if stored.get(key) != cents}
    if changed:
        statement = upsert_for(session)(Spend)
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=["month", "source"],
                set_={"amount_cents": statement.excluded.amount_cents, "updated_at": statement.excluded.updated_at,
                      "updated_by": statement.excluded.updated_by},
            ),
            [{"month": m, "source": s, "amount_cents": c, "updated_at": at, "updated_by": by}
             for (m, s), c in changed.items()],
        )  # fmt: skip
    replaced = sum(key in stored for key in changed)
    return len(changed) - replaced, replaced, len(latest) - len(changed)


async def lead_sources(*, session: AsyncSession, limit: int = 100) -> list[tuple[str, int]]:
    """(source, MQLs) of every source leads carry, the most MQLs first."""
    rows = await session.execute(
        select(Lead.source, func.count())
        .where(Lead.source.is_not(None), COHORT)
        .group_by(Lead.source)
        .order_by(func.count().desc(), Lead.source)
        .limit(limit)
    )
    return [(str(s), int(n)) for s, n in rows]


async def spend_sources(*, session: AsyncSession) -> list[str]:
    return [str(s) for s in await session.scalars(select(Spend.source).distinct().order_by(Spend.source))]


async def get_spend(*, session: AsyncSession, month: date, source: str) -> int | None:
    return await session.scalar(select(Spend.amount_cents).where(Spend.month == month, Spend.source == source))
