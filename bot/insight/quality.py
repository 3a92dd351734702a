"""`/funnel quality`'s report: the tables, the MQL bar advice and speed to lead of a period's MQLs, read from the
database once and computed by the pure functions beside this module. The quarterly review can build the same.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.config.team_file import HandoffConfig
from bot.insight.bar import BarAdvice, best_cut, recommend_bar
from bot.insight.facts import LeadFacts, by_band, by_campaign, by_source, rejections_by_campaign, tally
from bot.insight.speed import SpeedReport, speed_to_lead
from bot.reports.metrics import GroupMetrics
from bot.reports.periods import Period
from storage import insight as queries
from storage.db import Database


@dataclass(frozen=True)
class QualityReport:
    period: Period
    total: GroupMetrics
    bands: list[GroupMetrics]
    sources: list[GroupMetrics]
    campaigns: list[GroupMetrics]
    rejections: list[GroupMetrics]  # campaigns with a rejection, most rejected first
    bar: BarAdvice | None  # the recommendation (None: no change)
    best_cut: BarAdvice | None  # the qualifying cut whatever the current bar (to say why there is no change)
    current_bar: int
    speed: SpeedReport
    min_accept_rate: float
    max_won_share: float


async def lead_facts(db: Database, config: HandoffConfig, period: Period) -> list[LeadFacts]:
    """The MQLs received in `period` (local dates in the team's timezone), as facts."""
    start, end = period.bounds(config.tz)
    async with db.reading() as session:
        rows = await queries.cohort_rows(session=session, start=start, end=end)
        history = await queries.history_ids(session=session, start=start, end=end)
    return [
        LeadFacts(
            score=r.score, source=r.source, campaign=r.campaign, accepted=bool(r.accepted),
            rejected=bool(r.rejected), reject_reason=r.reject_reason, reached_sql=bool(r.reached_sql),
            won=bool(r.won), lost=bool(r.lost), won_cents=int(r.amount_cents or 0) if r.won else 0,
            received_at=r.received_at, contacted_at=r.contacted_at, history=int(r.id) in history,
        )
        for r in rows
    ]  # fmt: skip


def quality_of(
    leads: list[LeadFacts], config: HandoffConfig, period: Period, *, current_bar: int | None = None
) -> QualityReport:
    """`current_bar`: the MQL bar of the agreement in force (the team file's when not given)."""
    insight, bar = config.insight, config.sla.mql.min_score if current_bar is None else current_bar
    rates = (insight.min_accept_rate, insight.max_won_share)
    return QualityReport(
        period=period,
        total=tally(leads),
        bands=by_band(leads),
        sources=by_source(leads),
        campaigns=by_campaign(leads),
        rejections=rejections_by_campaign(leads),
        bar=recommend_bar(leads, *rates, current_bar=bar),
        best_cut=best_cut(leads, *rates),
        current_bar=bar,
        speed=speed_to_lead(leads),
        min_accept_rate=insight.min_accept_rate,
        max_won_share=insight.max_won_share,
    )


async def quality_report(
    db: Database, config: HandoffConfig, period: Period, *, current_bar: int | None = None
) -> QualityReport:
    return quality_of(await lead_facts(db, config, period), config, period, current_bar=current_bar)
