"""Speed to lead, the evidence for the first-touch target. Pure: the quarterly review calls `speed_to_lead`.

Which leads: the accepted ones (SAL or later, even if they moved on) among the period's MQLs, except those imported
as history (their contact was never tracked in Handoff, so "never" would be wrong).

Time to first contact: from the lead's arrival (`received_at`) to its first contact, the first Log attempt whose
outcome is *connected* or *replied* (the lead's `contacted_at`, which also stops the first-touch clock). An attempt
that did not reach the lead (voicemail, no answer, bounced) is no contact. Buckets: under 5 min, 5–60 min, 1–24 h,
over 24 h (24 h exactly is over), and never (no contact logged).

Per bucket: the win rate (`/funnel`'s: won ÷ closed, won + lost; an open lead is not closed yet) and the SAL → SQL
conversion (leads that reached SQL or later ÷ leads in the bucket).

The comparison: the fastest and the slowest bucket that have a closed lead (the slowest may be "never"), when they
are two. A ratio needs a slowest win rate above 0; otherwise it is said in words.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from bot.insight.facts import LeadFacts
from bot.reports.metrics import ratio

NEVER = "never"
BUCKETS = (
    ("under 5 min", timedelta(minutes=5), "contacted within 5 min"),
    ("5–60 min", timedelta(hours=1), "contacted in 5–60 min"),
    ("1–24 h", timedelta(hours=24), "contacted in 1–24 h"),
    ("over 24 h", None, "contacted after 24 h"),
)
PHRASES = {name: phrase for name, _, phrase in BUCKETS} | {NEVER: "never contacted"}


@dataclass
class SpeedBucket:
    name: str
    leads: int = 0
    sqls: int = 0
    won: int = 0
    lost: int = 0

    @property
    def closed(self) -> int:
        return self.won + self.lost

    @property
    def win_rate(self) -> float | None:
        return ratio(self.won, self.closed)

    @property
    def sql_rate(self) -> float | None:
        return ratio(self.sqls, self.leads)

    @property
    def phrase(self) -> str:
        return PHRASES[self.name]

    def counts(self) -> str:
        return f"{self.won} won of {self.closed} closed"


@dataclass(frozen=True)
class SpeedReport:
    buckets: list[SpeedBucket]  # in order: under 5 min … over 24 h, never
    fastest: SpeedBucket | None  # the compared pair (None when fewer than two buckets have a closed lead)
    slowest: SpeedBucket | None

    @property
    def leads(self) -> int:
        return sum(b.leads for b in self.buckets)

    @property
    def ratio(self) -> float | None:
        """How many times as often the fastest bucket's leads were won as the slowest's; None when it cannot be
        said (no pair, or nothing won in the slowest)."""
        if self.fastest is None or self.slowest is None:
            return None
        fast, slow = self.fastest.win_rate, self.slowest.win_rate
        return fast / slow if fast is not None and slow else None

    def bucket(self, name: str) -> SpeedBucket:
        return next(b for b in self.buckets if b.name == name)

    def text(self) -> str:
        """ "Contacted within 5 min: won 3.1× as often as those contacted after 24 h (…counts…)." """
        fast, slow = self.fastest, self.slowest
        if fast is None or slow is None:
            return "Not enough closed leads to compare: it takes a won or lost lead in two of the buckets."
        counts = f"{fast.counts()}, against {slow.counts()}"
        subject = fast.phrase[0].upper() + fast.phrase[1:]
        if (times := self.ratio) is not None and fast.won:
            return f"{subject}: won {times:.1f}× as often as those {slow.phrase} ({counts})."
        if fast.won:
            return f"{subject}: {fast.counts()}; {slow.phrase}: none won of {slow.closed} closed, so no ratio."
        if slow.won:
            return f"{subject}: none won of {fast.closed} closed; {slow.phrase}: {slow.counts()}."
        return f"None won, {fast.phrase} or {slow.phrase} ({counts}): nothing to compare yet."


def bucket_of(lead: LeadFacts) -> str:
    if lead.contacted_at is None or lead.received_at is None:
        return NEVER
    waited = lead.contacted_at - lead.received_at
    for name, under, _ in BUCKETS:
        if under is None or waited < under:
            return name
    return NEVER  # not reached: the last bucket has no upper bound


def speed_to_lead(leads: Iterable[LeadFacts]) -> SpeedReport:
    buckets = {name: SpeedBucket(name) for name in (*PHRASES,)}
    for lead in leads:
        if not lead.accepted or lead.history:
            continue
        bucket = buckets[bucket_of(lead)]
        bucket.leads += 1
        bucket.sqls += lead.reached_sql
        bucket.won += lead.won
        bucket.lost += lead.lost
    ordered = list(buckets.values())
    closed = [b for b in ordered if b.closed]
    fastest = closed[0] if len(closed) >= 2 and closed[0].name != NEVER else None
    slowest = closed[-1] if fastest is not None else None
    return SpeedReport(ordered, fastest, slowest)
