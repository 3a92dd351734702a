"""The MQL bar the data recommends. Pure: the quarterly review calls `recommend_bar` with the quarter's leads.

The definition (issue 15): among thresholds T = 5, 10, …, 100, take the largest set of leads scoring below T in
which fewer than `min_accept_rate` were accepted and which produced at most `max_won_share` of the won revenue;
recommend the smallest T that cuts exactly that set. In detail:

- The sets grow with T (a lead scoring below 30 also scores below 35), so the largest qualifying set is the one of
  the highest qualifying T. Sets of thresholds with the same leads below them are the same set: with scores 12 and 38
  only, T = 15 … 35 all cut {12} and T = 40 … 100 all cut {12, 38}. The smallest T cutting exactly the set is the
  first multiple of 5 above its highest score (15 for {12}, 40 for {12, 38}).
- "Accepted" is `/funnel`'s acceptance rate: accepted ÷ decided (accepted + rejected). A set in which nobody was
  decided yet has no acceptance rate and does not qualify: nobody judged those leads, so nothing says sales does
  not want them.
- The won-revenue share is the set's won amounts ÷ the won amounts of every lead of the period. With no won revenue
  at all, the share is 0 % (0 of 0): cutting loses no revenue.
- Unscored leads are never cut (the bar does not apply to them), but they count among the MQLs the cut is a share
  of, and their won revenue in the whole.
- No recommendation when no set qualifies, or when the current bar ([sla.mql] min_score) is already at or above T.
- Fewer than `THIN` leads cut: the evidence is thin, and the advice says so.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from math import floor

from bot.insight.facts import LeadFacts, tally
from bot.reports.metrics import ratio

THRESHOLDS = tuple(range(5, 101, 5))
THIN = 30  # fewer leads than this cut: the evidence is thin


@dataclass(frozen=True)
class BarAdvice:
    threshold: int  # the bar to raise [sla.mql] min_score to
    cut: int  # leads scoring below it
    mqls: int  # every MQL of the period, unscored ones too
    accepted: int  # of the leads cut
    decided: int
    cut_won_cents: int  # won revenue of the leads cut
    won_cents: int  # won revenue of every MQL of the period
    current_bar: int = 0

    @property
    def mql_share(self) -> float:
        return self.cut / self.mqls if self.mqls else 0.0

    @property
    def won_share(self) -> float:
        """0 of 0 is 0 %: with no won revenue, the cut loses none."""
        return ratio(self.cut_won_cents, self.won_cents) or 0.0

    @property
    def accept_rate(self) -> float:
        return ratio(self.accepted, self.decided) or 0.0

    @property
    def thin(self) -> bool:
        return self.cut < THIN

    def text(self) -> str:
        """ "Raise the MQL bar to 35: −38 % of MQLs, −0 % of won revenue (20 leads below it, 0 % accepted)" """
        leads = "lead" if self.cut == 1 else "leads"
        line = (
            f"Raise the MQL bar to {self.threshold}: −{self.mql_share * 100:.0f} % of MQLs, "
            f"−{self.won_share * 100:.0f} % of won revenue ({self.cut} {leads} below it, "
            f"{floor(self.accept_rate * 100 + 1e-9)} % accepted)"  # rounded down: 24.6 % is under 25 %, not "25 %"
        )
        if self.thin:
            line += f". The evidence is thin: fewer than {THIN} leads would be cut"
        return line


def best_cut(leads: Iterable[LeadFacts], min_accept_rate: float, max_won_share: float) -> BarAdvice | None:
    """The largest qualifying set of low scorers and the smallest T cutting exactly it, whatever the current bar;
    None when no threshold's set qualifies."""
    every = list(leads)
    won_cents = sum(lead.won_cents for lead in every if lead.won)
    scored = [lead for lead in every if lead.score is not None]
    best: list[LeadFacts] | None = None
    for threshold in THRESHOLDS:
        below = [lead for lead in scored if (lead.score or 0) < threshold]
        figures = tally(below)
        rate = figures.accept_rate
        share = ratio(figures.won_cents, won_cents) or 0.0
        if below and rate is not None and rate < min_accept_rate and share <= max_won_share:
            best = below
    if best is None:
        return None
    figures = tally(best)
    highest = max(lead.score or 0 for lead in best)
    threshold = (highest // 5 + 1) * 5  # the first multiple of 5 above the highest score cut
    return BarAdvice(threshold, len(best), len(every), figures.accepted, figures.decided, figures.won_cents, won_cents)


def recommend_bar(
    leads: Iterable[LeadFacts], min_accept_rate: float, max_won_share: float, *, current_bar: int = 0
) -> BarAdvice | None:
    """The bar to propose, or None: no set qualifies, or the current bar already cuts the set."""
    advice = best_cut(leads, min_accept_rate, max_won_share)
    if advice is None or current_bar >= advice.threshold:
        return None
    return replace(advice, current_bar=current_bar)
