"""What the data says, per lead: the facts `/funnel quality` (and the quarterly review) compute from, and the
tables by score band, source and campaign. Pure: no database, no clock, no Slack.

The definitions are `/funnel`'s (bot/reports/metrics.py): acceptance rate = accepted ÷ decided (accepted +
rejected), win rate = won ÷ closed (won + lost), won revenue = the won amounts. The leads are the MQLs received in
the period (a deal celebrated with /win that no lead matched is no MQL and has no score: it is left out).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.reports.metrics import GroupMetrics

UNSCORED = "unscored"
NO_SOURCE = "unknown"  # the names /funnel by source|campaign gives a lead without one
NO_CAMPAIGN = "no campaign"


@dataclass(frozen=True, kw_only=True)
class LeadFacts:
    """One MQL of the period, as far as it has got."""

    score: int | None = None
    source: str | None = None
    campaign: str | None = None
    accepted: bool = False  # decided and not rejected (SAL or later, even if it moved on)
    rejected: bool = False
    reject_reason: str | None = None
    reached_sql: bool = False  # SQL, opportunity or won (a skipped step counts as passed)
    won: bool = False
    lost: bool = False
    won_cents: int = 0  # the won amount (0 unless won)
    received_at: datetime | None = None
    contacted_at: datetime | None = None  # the first connected or replied attempt (Log attempt)
    history: bool = False  # imported as history (handoff import with stage/decided_at): its contact was not tracked


def add(group: GroupMetrics, lead: LeadFacts) -> None:
    """Count one lead in a group: `/funnel`'s GroupMetrics, so its acceptance and win rates are /funnel's."""
    group.mqls += 1
    group.accepted += lead.accepted
    group.rejected += lead.rejected
    group.sqls += lead.reached_sql
    group.won += lead.won
    group.cohort_won += lead.won
    group.lost += lead.lost
    group.won_cents += lead.won_cents if lead.won else 0
    if lead.rejected:
        reason = lead.reject_reason or "not given"
        group.reasons[reason] = group.reasons.get(reason, 0) + 1


def tally(leads: Iterable[LeadFacts], name: str = "all") -> GroupMetrics:
    out = GroupMetrics(name)
    for lead in leads:
        add(out, lead)
    return out


def top_reasons(group: GroupMetrics, limit: int = 3) -> list[tuple[str, int]]:
    return sorted(group.reasons.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]


BANDS = tuple(f"{low}-{low + 9}" for low in range(0, 90, 10)) + ("90-100",)


def band_of(score: int | None) -> str:
    """The 10-point band of a score: 0-9, 10-19, …, 80-89, 90-100 (a 100 is in the top band), or "unscored"."""
    if score is None:
        return UNSCORED
    return BANDS[min(max(score, 0) // 10, 9)]


def grouped(leads: Iterable[LeadFacts], key: Callable[[LeadFacts], str]) -> list[GroupMetrics]:
    groups: dict[str, GroupMetrics] = {}
    for lead in leads:
        name = key(lead)
        add(groups.setdefault(name, GroupMetrics(name)), lead)
    return list(groups.values())


def by_band(leads: Iterable[LeadFacts]) -> list[GroupMetrics]:
    """Every band that has a lead, lowest first, "unscored" last."""
    order = {name: i for i, name in enumerate((*BANDS, UNSCORED))}
    return sorted(grouped(leads, lambda lead: band_of(lead.score)), key=lambda t: order[t.group])


def ranked(groups: list[GroupMetrics]) -> list[GroupMetrics]:
    """Most MQLs first, then by name."""
    return sorted(groups, key=lambda t: (-t.mqls, t.group))


def by_source(leads: Iterable[LeadFacts]) -> list[GroupMetrics]:
    return ranked(grouped(leads, lambda lead: lead.source or NO_SOURCE))


def by_campaign(leads: Iterable[LeadFacts]) -> list[GroupMetrics]:
    return ranked(grouped(leads, lambda lead: lead.campaign or NO_CAMPAIGN))


def rejections_by_campaign(leads: Iterable[LeadFacts]) -> list[GroupMetrics]:
    """The campaigns with a rejection, most rejected first (then by name); each keeps its reasons."""
    campaigns = [t for t in by_campaign(leads) if t.rejected]
    return sorted(campaigns, key=lambda t: (-t.rejected, t.group))
