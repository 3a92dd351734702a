"""The shared funnel metrics, defined once. Every number `/funnel`, App Home and the digest show comes from here.

The cohort of a period is the MQLs *received* in it; every other count is how far those leads have got so far (a
lead that skipped a step, SAL → Won, counts for the steps it skipped). `DEFINITIONS` is what `/funnel help` shows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config.team_file import HandoffConfig, SlaConfig
from bot.reports.periods import FunnelQuery, Period
from bot.reports.reps import RepFigures, rep_figures
from storage import leads as lead_queries
from storage import metrics as queries
from storage import rollup_metrics as rollup_queries
from storage.db import Database
from storage.models import Lead

DEFINITIONS = (
    ("MQLs", "leads marketing sent that were received in the period (the cohort every other number follows)"),
    ("Repeat MQLs", "MQLs whose email was already on an earlier lead: a known person, sent again"),
    ("Acceptance rate", "accepted ÷ decided (accepted + rejected) among the cohort"),
    ("SAL · SQL · Opportunity · Won", "cohort leads that reached the step so far (a skipped step counts as passed)"),
    ("Won revenue", "sum of the won amounts of the cohort, and of the deals celebrated with /win that no lead matched"),
    ("Conversion", "won ÷ MQLs: lead-to-customer rate of the cohort"),
    (
        "Time to accept",
        "post in the channel → accepted, for leads posted there; median and 90th percentile (nearest rank)",
    ),
    ("Time to first contact", "accepted → first contact logged; median and 90th percentile"),
    ("SLA compliance", "clocks of the cohort kept ÷ clocks finished or breached, per clock"),
    (
        "By rep: assigned · acceptance · cadence",
        "leads assigned to the rep in the period; median time from the post (or the rep's assignment) to their "
        "accept; follow-up clocks met ÷ settled (the promised attempts in time, or a connection) — '—' when none is",
    ),
    ("Days to won", "average time from MQL received to won (in hours when under a day)"),
    ("Pipeline velocity", "opportunities × win rate × average deal ÷ days to won (at least one day): revenue per day"),
    ("Marketing-sourced pipeline", "sum of opportunity amounts of the cohort (every MQL is marketing-sourced)"),
    ("Cost per MQL · CAC", "spend in the period (by month, prorated by days) ÷ MQLs, and ÷ won deals"),
    (
        "▲ / ▼",
        "change against the period before: a month, quarter or week so far against the one before to the same day "
        "(Dec 1 against Nov 1; Mar 31 against all of February), a whole one against the whole one before, a run of "
        "days against as many days just before; 'new' when there was nothing before",
    ),
)


VELOCITY_MIN_DAYS = 1.0


def ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None


@dataclass
class GroupMetrics:
    group: str
    mqls: int = 0
    accepted: int = 0
    rejected: int = 0
    sqls: int = 0
    opportunities: int = 0
    won: int = 0
    lost: int = 0
    won_cents: int = 0
    pipeline_cents: int = 0
    days_to_won_sum: float = 0.0
    cohort_won: int = 0  # won among the MQLs (a /win deal no lead matched is won, but not an MQL)
    accept_time: tuple[float | None, float | None] = (None, None)  # (median, p90) seconds; set for totals only
    contact_time: tuple[float | None, float | None] = (None, None)
    reasons: dict[str, int] = field(default_factory=dict)
    sla: dict[str, list[int]] = field(default_factory=dict)  # clock → [kept, counted]
    spend_cents: float | None = None
    repeats: int = 0  # MQLs of a known person (the email was on an earlier lead); set for totals only

    @classmethod
    def from_counts(cls, c: queries.Counts) -> GroupMetrics:
        return cls(c.group, c.mqls, c.accepted, c.rejected, c.sqls, c.opportunities, c.won, c.lost, c.won_cents,
                   c.pipeline_cents, c.days_to_won_sum, c.cohort_won)  # fmt: skip

    @classmethod
    def total_of(cls, groups: Iterable[GroupMetrics], name: str = "all") -> GroupMetrics:
        total = cls(name)
        for group in groups:
            total.add(group)
        return total

    def add(self, other: GroupMetrics) -> None:
        for name in ("mqls", "accepted", "rejected", "sqls", "opportunities", "won", "lost", "won_cents",
                     "pipeline_cents", "days_to_won_sum", "cohort_won"):  # fmt: skip
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for reason, n in other.reasons.items():
            self.reasons[reason] = self.reasons.get(reason, 0) + n
        for clock, (kept, counted) in other.sla.items():
            mine = self.sla.setdefault(clock, [0, 0])
            mine[0] += kept
            mine[1] += counted
        if other.spend_cents is not None:
            self.spend_cents = (self.spend_cents or 0) + other.spend_cents

    # --- the definitions --------------------------------------------------------------------------------------

    @property
    def decided(self) -> int:
        return self.accepted + self.rejected

    @property
    def accept_rate(self) -> float | None:
        return ratio(self.accepted, self.decided)

    @property
    def conversion(self) -> float | None:
        return ratio(self.cohort_won, self.mqls)

    @property
    def top_reason(self) -> tuple[str, int] | None:
        if not self.reasons:
            return None
        return sorted(self.reasons.items(), key=lambda kv: (-kv[1], kv[0]))[0]

    @property
    def days_to_won(self) -> float | None:
        return self.days_to_won_sum / 86400 / self.cohort_won if self.cohort_won else None

    @property
    def win_rate(self) -> float | None:
        return ratio(self.won, self.won + self.lost)

    @property
    def average_deal_cents(self) -> float | None:
        return ratio(self.won_cents, self.won)

    @property
    def velocity_cents_per_day(self) -> float | None:
        """Deals won within hours are divided by one day, not by the hours: a same-day win does not make the
        pipeline earn its whole value many times a day."""
        win_rate, deal, days = self.win_rate, self.average_deal_cents, self.days_to_won
        if win_rate is None or deal is None or days is None:
            return None
        return self.opportunities * win_rate * deal / max(days, VELOCITY_MIN_DAYS)

    @property
    def cost_per_mql_cents(self) -> float | None:
        return None if self.spend_cents is None else ratio(self.spend_cents, self.mqls)

    @property
    def cac_cents(self) -> float | None:
        return None if self.spend_cents is None else ratio(self.spend_cents, self.won)

    def compliance(self, clock: str) -> float | None:
        kept, counted = self.sla.get(clock, [0, 0])
        return ratio(kept, counted)


@dataclass(frozen=True)
class FunnelReport:
    query: FunnelQuery
    total: GroupMetrics
    previous: GroupMetrics
    groups: list[GroupMetrics]
    mql_target: int | None
    reps: dict[str, RepFigures] = field(default_factory=dict)  # by rep: assignments, acceptance, cadence


def spend_by_source(rows: Iterable[tuple[date, str, int]], period: Period) -> dict[str, float]:
    """Spend falling in the period: each month's amount prorated by the days of that month inside the period."""
    out: dict[str, float] = defaultdict(float)
    for month, source, cents in rows:
        month_end = (month + timedelta(days=32)).replace(day=1)
        overlap = (min(month_end, period.end) - max(month, period.start)).days
        if overlap > 0:
            out[source] += cents * overlap / (month_end - month).days
    return dict(out)


def mql_target(monthly: int | None, period: Period) -> int | None:
    """The monthly target scaled to the period: whole months count whole (this month counts as one)."""
    if monthly is None:
        return None
    if period.start.day == 1:
        months, cursor = 0, period.start
        while cursor < period.end:
            months, cursor = months + 1, (cursor + timedelta(days=32)).replace(day=1)
        if cursor == period.end or months == 1:  # whole months, or this month so far
            return monthly * months
    return round(monthly * period.days / 30.4375)


class Figures(Protocol):
    """Where the figures come from: the full scan (`storage.metrics`) or the rollup (`storage.rollup_metrics`)."""

    async def counts(
        self, *, session: AsyncSession, start: datetime, end: datetime, dimension: str | None
    ) -> list[queries.Counts]: ...

    async def reject_reasons(
        self, *, session: AsyncSession, start: datetime, end: datetime, dimension: str | None
    ) -> list[tuple[str, str, int]]: ...

    async def sla_states(
        self, *, session: AsyncSession, start: datetime, end: datetime, dimension: str | None
    ) -> list[tuple[str, str, str, int]]: ...

    async def duration_percentiles(
        self, *, session: AsyncSession, start: datetime, end: datetime, which: str
    ) -> tuple[float | None, float | None]: ...

    async def repeat_mqls(self, *, session: AsyncSession, start: datetime, end: datetime) -> int: ...


class Metrics:
    """The figures, from the rollup; by rep (the rollup has no owner), or with `full_scan`, from the leads."""

    def __init__(
        self,
        db: Database,
        config: HandoffConfig,
        clock: Clock,
        *,
        full_scan: bool = False,
        sla_now: Callable[[], Awaitable[SlaConfig]] | None = None,
    ) -> None:
        self._db = db
        self._config = config
        self._clock = clock
        self._full_scan = full_scan
        self._sla_now = sla_now  # the agreement in force (its monthly MQL target); the team file's without one

    def _figures(self, dimension: str | None) -> Figures:
        return queries if self._full_scan or dimension == "rep" else rollup_queries

    def today(self) -> date:
        return self._clock.now().astimezone(self._config.tz).date()

    async def groups(self, period: Period, dimension: str | None) -> list[GroupMetrics]:
        return (await self._load(period, dimension))[0]

    async def total(self, period: Period) -> GroupMetrics:
        return GroupMetrics.total_of(await self.groups(period, None))

    async def _load(self, period: Period, dimension: str | None) -> tuple[list[GroupMetrics], float | None]:
        """The cohort's groups, and the period's spend over every source (None when no spend is known). By
        source, each group carries its own spend too."""
        start, end = period.bounds(self._config.tz)
        async with self._db.session() as session:
            figures = self._figures(dimension)
            counts = await figures.counts(session=session, start=start, end=end, dimension=dimension)
            reasons = await figures.reject_reasons(session=session, start=start, end=end, dimension=dimension)
            states = await figures.sla_states(session=session, start=start, end=end, dimension=dimension)
            last_month = (period.end - timedelta(days=1)).replace(day=1)
            spend = await queries.spend_between(session=session, first_month=period.start.replace(day=1),
                                                last_month=last_month)  # fmt: skip
        groups: dict[str, GroupMetrics] = {}
        for c in counts:
            groups[c.group] = GroupMetrics.from_counts(c)
        for group, reason, n in reasons:
            groups.setdefault(group, GroupMetrics(group)).reasons[reason] = n
        for group, clock, state, n in states:
            kept_counted = groups.setdefault(group, GroupMetrics(group)).sla.setdefault(clock, [0, 0])
            if state in ("met", "missed", "breached"):
                kept_counted[1] += n
                kept_counted[0] += n if state == "met" else 0
        by_source = spend_by_source(spend, period)
        if dimension == "source":
            for source, cents in by_source.items():
                groups.setdefault(source, GroupMetrics(source)).spend_cents = cents
        ranked = sorted(groups.values(), key=lambda g: (-g.mqls, g.group))
        return ranked, (sum(by_source.values()) if by_source else None)

    async def reps(self, period: Period) -> dict[str, RepFigures]:
        """Assignments, acceptance times and cadence compliance per rep, for the cohort of `period`."""
        start, end = period.bounds(self._config.tz)
        async with self._db.session() as session:
            return await rep_figures(session, start=start, end=end)

    async def wins(self, start: datetime, end: datetime) -> list[Lead]:
        async with self._db.session() as session:
            return await lead_queries.wins_between(session=session, start=start, end=end, limit=500)

    async def previous_totals(self, period: Period) -> GroupMetrics:
        """Only what the ▲/▼ compare with (MQLs, acceptance, won): the counts, not the rest."""
        start, end = period.bounds(self._config.tz)
        async with self._db.session() as session:
            counts = await self._figures(None).counts(session=session, start=start, end=end, dimension=None)
        return GroupMetrics.total_of((GroupMetrics.from_counts(c) for c in counts), "previous")

    async def report(self, query: FunnelQuery) -> FunnelReport:
        groups, spend = await self._load(query.period, query.dimension)
        total = GroupMetrics.total_of(groups)
        total.spend_cents = spend
        start, end = query.period.bounds(self._config.tz)
        figures = self._figures(query.dimension)
        async with self._db.session() as session:
            total.accept_time = await figures.duration_percentiles(
                session=session, start=start, end=end, which="accept"
            )
            total.contact_time = await figures.duration_percentiles(
                session=session, start=start, end=end, which="contact"
            )
            total.repeats = await figures.repeat_mqls(session=session, start=start, end=end)
            reps = await rep_figures(session, start=start, end=end) if query.dimension == "rep" else {}
        previous = await self.previous_totals(query.period.previous())
        sla = await self._sla_now() if self._sla_now else self._config.sla
        return FunnelReport(
            query, total, previous, groups, mql_target(sla.mql_volume.monthly_target, query.period), reps
        )
