"""What the quarterly review proposes: the changes to the agreement its own data argues for.

Each rule reads last quarter's figures against the terms in force and, when they argue for a change, gives the
term, the value to propose (as the team file writes it) and why, in words both heads can check:

- a response target met 99 % of the time at a median a quarter of it or less: tighten it to the time that met
  99 % of the leads (rounded up to a round duration), so last quarter would still have kept it;
- a target missed more than a third of the time: staff it, or loosen it to the time that met three in four;
- marketing's monthly MQL volume missed or beaten by more than 25 %: set it to last quarter's monthly average;
- the MQL bar /funnel quality recommends, when 30 leads or more would be cut;
- a first-touch target looser than what speed to lead says pays: leads contacted within 5 min (else 1 h) won at
  least twice as often as those contacted later within the target: tighten it to that.

A rule needs at least 20 settled clocks: fewer say too little to renegotiate on. Only clocks that ran to the
clock's own target count (a score band's target is another promise).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta

from bot.config.business_time import format_duration
from bot.config.team_file import SlaConfig
from bot.insight.bar import recommend_bar
from bot.insight.facts import LeadFacts
from message_templates import mrkdwn
from message_templates.wording import clock_name, humanize, percent
from storage.clock_times import ClockTimes

MIN_SETTLED = 20
TIGHTEN_WHEN_MET = 0.99
FAR_BELOW = 0.25  # the median at most a quarter of the target
LOOSEN_WHEN_MET = 2 / 3  # missed more than a third of the time
VOLUME_SLACK = 0.25
RESPONSE_CLOCKS = ("accept", "first_touch")
ROUND = tuple(
    timedelta(minutes=m)
    for m in (1, 2, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 240, 360, 480, 720, 1440, 2880, 4320, 7200, 10080)
)


@dataclass(frozen=True)
class Suggestion:
    term: str  # "accept.target"
    value: object  # as the team file writes it: "20m", 35, 100
    why: str  # mrkdwn, escaped


def round_up(seconds: float) -> timedelta:
    """The smallest round duration (1, 2, 5, 10, 15 … min, 1, 2, 3 … h, 1, 2, 3, 5, 7 d) at least `seconds` long;
    past a week, whole days."""
    wanted = timedelta(seconds=max(seconds, 1))
    for step in ROUND:
        if step >= wanted:
            return step
    return timedelta(days=math.ceil(wanted / timedelta(days=1)))


def nearest_rank(values: tuple[int, ...], share: float) -> int:
    """The value at or below which `share` of the sorted `values` lie (nearest-rank percentile)."""
    return values[max(math.ceil(share * len(values)) - 1, 0)]


def _response(times: ClockTimes) -> Suggestion | None:
    rate, target = times.met_rate, times.target_seconds
    if rate is None or times.counted < MIN_SETTLED or not times.settled:
        return None
    name, current = clock_name(times.clock), humanize(timedelta(seconds=target))
    median = nearest_rank(times.settled, 0.5)
    if rate >= TIGHTEN_WHEN_MET and median <= target * FAR_BELOW:
        proposed = round_up(nearest_rank(times.settled, TIGHTEN_WHEN_MET))
        if proposed.total_seconds() >= target:
            return None
        return Suggestion(
            f"{times.clock}.target",
            format_duration(proposed),
            f"*{name}*: the {current} target was met {percent(rate)} of the time ({times.met} of {times.counted}) "
            f"at a median of {humanize(timedelta(seconds=median))}. Tighten it to *{humanize(proposed)}*: it "
            "would still have been met 99 % of the time.",
        )
    if rate < LOOSEN_WHEN_MET:
        proposed = round_up(nearest_rank(times.settled, 0.75))
        if proposed.total_seconds() <= target:
            return None
        missed = times.counted - times.met
        return Suggestion(
            f"{times.clock}.target",
            format_duration(proposed),
            f"*{name}*: the {current} target was missed {percent(missed / times.counted)} of the time "
            f"({missed} of {times.counted}). Staff it, or loosen it to *{humanize(proposed)}*: three in four "
            "settled leads were handled within that.",
        )
    return None


def _volume(sla: SlaConfig, mqls: int, months: int) -> Suggestion | None:
    target = sla.mql_volume.monthly_target
    if target is None or mqls == 0:
        return None
    expected = target * months
    if abs(mqls - expected) <= expected * VOLUME_SLACK:
        return None
    proposed = max(round(mqls / months), 1)
    verdict = "missed" if mqls < expected else "beaten"
    return Suggestion(
        "mql_volume.monthly_target",
        proposed,
        f"*Marketing's volume*: {mqls} MQLs against a target of {expected} ({percent(mqls / expected)}), "
        f"{verdict} by more than 25 %. Set the monthly target to *{proposed}*, last quarter's monthly average.",
    )


def suggestions(
    sla: SlaConfig,
    times: Mapping[str, ClockTimes],
    *,
    mqls: int,
    months: int = 3,
    more: Iterable[Suggestion] = (),
) -> list[Suggestion]:
    """The review's proposals, one per term at most (the first rule to speak for a term wins)."""
    found: dict[str, Suggestion] = {}
    candidates = [_response(times[c]) for c in RESPONSE_CLOCKS if c in times]
    candidates += [_volume(sla, mqls, months), *more]
    for suggestion in candidates:
        if suggestion is not None and suggestion.term not in found:
            found[suggestion.term] = suggestion
    return list(found.values())


SPEED_PAYS = 2.0  # leads contacted this fast are won at least twice as often as the rest within the target
MIN_CLOSED = 5  # closed leads on each side of the comparison
SPEED_LIMITS = (timedelta(minutes=5), timedelta(hours=1))


def speed_suggestion(sla: SlaConfig, leads: Iterable[LeadFacts]) -> Suggestion | None:
    """A first-touch target looser than what speed to lead says pays: the leads contacted within 5 min (else within
    1 h) were won at least twice as often as those contacted later but still within the target. Counted over the
    accepted leads that were contacted and closed (won or lost), history imports left out, as /funnel quality."""
    cfg = sla.first_touch
    if cfg is None:
        return None
    contacted = [
        (lead.contacted_at - lead.received_at, lead.won)
        for lead in leads
        if lead.accepted and not lead.history and (lead.won or lead.lost)
        if lead.contacted_at is not None and lead.received_at is not None
    ]
    for limit in SPEED_LIMITS:
        if limit >= cfg.target:
            return None
        fast = [won for waited, won in contacted if waited < limit]
        rest = [won for waited, won in contacted if limit <= waited <= cfg.target]
        if len(fast) < MIN_CLOSED or len(rest) < MIN_CLOSED:
            continue
        fast_rate, rest_rate = sum(fast) / len(fast), sum(rest) / len(rest)
        if fast_rate == 0 or fast_rate < SPEED_PAYS * rest_rate:
            continue
        won = f"({sum(fast)} of {len(fast)} closed, {percent(fast_rate)})"
        later = f"those contacted later within the {humanize(cfg.target)} first-touch target"
        later += f" ({sum(rest)} of {len(rest)}, {percent(rest_rate)})"
        compared = f"{fast_rate / rest_rate:.1f}× as often {won} as {later}" if rest_rate else f"{won}, none of {later}"
        return Suggestion(
            "first_touch.target",
            format_duration(limit),
            f"*Speed to lead*: leads contacted within {humanize(limit)} were won {compared}. Tighten the target to "
            f"*{humanize(limit)}*.",
        )
    return None


def bar_suggestion(
    sla: SlaConfig, leads: Iterable[LeadFacts], *, min_accept_rate: float, max_won_share: float
) -> Suggestion | None:
    """The MQL bar /funnel quality recommends, when the evidence is not thin (30 leads or more would be cut)."""
    advice = recommend_bar(leads, min_accept_rate, max_won_share, current_bar=sla.mql.min_score)
    if advice is None or advice.thin:
        return None
    return Suggestion("mql.min_score", advice.threshold, f"*The MQL bar*: {mrkdwn(advice.text(), 500)}.")
