"""What the data says, per lead: the facts `/funnel quality` (and the quarterly review) compute from, and the
tables by score band, source and campaign. Pure: no database, no clock, no Slack.

The definitions are `/funnel`'s (bot/reports/metrics.py): acceptance rate = accepted ÷ decided (accepted +
rejected), win rate = won ÷ closed (won + lost), won revenue = the won amounts. The leads are the MQLs received in
the period (a deal celebrated with /win that no lead matched is no MQL and has no score: it is left out).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

UNSCORED = "unscored"
NO_SOURCE = "unknown"  # the names /funnel by source|campaign gives a lead without one
NO_CAMPAIGN = "no campaign"


def ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None


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


@dataclass
class Tally:
    """MQLs, decisions, outcomes and revenue of a group of leads."""

    name: str
    mqls: int = 0
    accepted: int = 0
    rejected: int = 0
    won: int = 0
    lost: int = 0
    won_cents: int = 0
    reasons: dict[str, int] = field(default_factory=dict)

    def add(self, lead: LeadFacts) -> None:
        self.mqls += 1
        self.accepted += lead.accepted
        self.rejected += lead.rejected
        self.won += lead.won
        self.lost += lead.lost
        self.won_cents += lead.won_cents if lead.won else 0
        if lead.rejected:
            reason = lead.reject_reason or "not given"
            self.reasons[reason] = self.reasons.get(reason, 0) + 1

    @property
    def decided(self) -> int:
        return self.accepted + self.rejected

    @property
    def accept_rate(self) -> float | None:
        return ratio(self.accepted, self.decided)

    @property
    def win_rate(self) -> float | None:
        return ratio(self.won, self.won + self.lost)

    def top_reasons(self, limit: int = 3) -> list[tuple[str, int]]:
        return sorted(self.reasons.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]


def tally(leads: Iterable[LeadFacts], name: str = "all") -> Tally:
    out = Tally(name)
    for lead in leads:
        out.add(lead)
    return out


BANDS = tuple(f"{low}-{low + 9}" for low in range(0, 90, 10)) + ("90-100",)


def band_of(score: int | None) -> str:
    """The 10-point band of a score: 0-9, 10-19, …, 80-89, 90-100 (a 100 is in the top band), or "unscored"."""
    if score is None:
        return UNSCORED
    return BANDS[min(max(score, 0) // 10, 9)]


def grouped(leads: Iterable[LeadFacts], key: Callable[[LeadFacts], str]) -> list[Tally]:
    groups: dict[str, Tally] = {}
    for lead in leads:
        name = key(lead)
        groups.setdefault(name, Tally(name)).add(lead)
    return list(groups.values())


def by_band(leads: Iterable[LeadFacts]) -> list[Tally]:
    """Every band that has a lead, lowest first, "unscored" last."""
    order = {name: i for i, name in enumerate((*BANDS, UNSCORED))}
    return sorted(grouped(leads, lambda lead: band_of(lead.score)), key=lambda t: order[t.name])


def ranked(groups: list[Tally]) -> list[Tally]:
    """Most MQLs first, then by name."""
    return sorted(groups, key=lambda t: (-t.mqls, t.name))


def by_source(leads: Iterable[LeadFacts]) -> list[Tally]:
    return ranked(grouped(leads, lambda lead: lead.source or NO_SOURCE))


def by_campaign(leads: Iterable[LeadFacts]) -> list[Tally]:
    return ranked(grouped(leads, lambda lead: lead.campaign or NO_CAMPAIGN))


def rejections_by_campaign(leads: Iterable[LeadFacts]) -> list[Tally]:
    """The campaigns with a rejection, most rejected first (then by name); each keeps its reasons."""
    campaigns = [t for t in by_campaign(leads) if t.rejected]
    return sorted(campaigns, key=lambda t: (-t.rejected, t.name))
