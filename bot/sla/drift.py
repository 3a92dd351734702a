"""Definition drift: the leads channel is told, once per source (and once per campaign) and month, when the
acceptance rate of that source's or campaign's leads this month falls more than 20 points below its trailing 90 days.

- **Acceptance rate** is /funnel's (bot.reports.metrics): accepted ÷ decided (accepted + rejected), among the MQLs
  *received* in the window, counted as far as they have got so far.
- **This month** is the calendar month so far, in the team's timezone; **the trailing 90 days** are the 90 days
  before the first day of this month (so the two windows never overlap).
- **Evidence.** A group is judged only with at least `MIN_THIS_MONTH` decided leads this month and `MIN_TRAILING` in
  the trailing window: one rejection of three leads is no drift.
- **More than 20 points**, strictly, computed exactly (71 % against 51 % is 20 points: no note).
- Leads with no source ("unknown") or no campaign ("no campaign") are no source or campaign: never judged.

Each note's key (`drift:<source|campaign>:<yyyy-mm>:<hash of the name>`) is marked in `job_marks` with its post, so it
is made once per month across restarts and replicas; still drifting next month, it is made again.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

from bot.reports.metrics import GroupMetrics, Metrics
from bot.reports.periods import Period
from message_templates import inline
from message_templates.wording import percent

MIN_THIS_MONTH = 10
MIN_TRAILING = 20
DROP = Fraction(20, 100)  # more than 20 points
TRAILING_DAYS = 90
UNNAMED = {"source": "unknown", "campaign": "no campaign"}  # storage.metrics' names for a lead without one
FOOTER = "Definition drift · acceptance this month against the 90 days before · [sla.mql]"


@dataclass(frozen=True)
class Drift:
    dimension: str  # "source" or "campaign"
    name: str
    month: GroupMetrics
    trailing: GroupMetrics


def drift_key(dimension: str, name: str, day: date) -> str:
    """Bounded (a source may be any text), and the same for the same name in the same month."""
    return f"drift:{dimension}:{day:%Y-%m}:{hashlib.sha256(name.encode()).hexdigest()[:16]}"


def _rate(group: GroupMetrics) -> Fraction:
    return Fraction(group.accepted, group.decided)


def drifted(dimension: str, month: list[GroupMetrics], trailing: list[GroupMetrics]) -> list[Drift]:
    """The groups of `month` whose acceptance fell more than `DROP` below `trailing`'s, with enough decided in
    both."""
    before = {group.group: group for group in trailing}
    found = []
    for group in month:
        past = before.get(group.group)
        if group.group == UNNAMED[dimension] or past is None:
            continue
        if group.decided < MIN_THIS_MONTH or past.decided < MIN_TRAILING:
            continue
        if _rate(past) - _rate(group) > DROP:
            found.append(Drift(dimension, group.group, group, past))
    return found


def wording(drift: Drift, trailing: Period) -> tuple[str, list[str]]:
    """The note's title (plain text, escaped by the template) and its mrkdwn line, the name escaped here."""
    what = "leads from" if drift.dimension == "source" else "leads of the campaign"
    title = " ".join(drift.name.split())  # on one line: a newline in a campaign would start a line of its own
    name, month, past = inline(title, 300), drift.month, drift.trailing
    line = (
        f"{what} *{name}* were accepted {percent(month.accept_rate)} of the time this month "
        f"({month.accepted} of {month.decided}), against {percent(past.accept_rate)} over the 90 days before "
        f"({trailing.start:%b %-d} – {trailing.end - timedelta(days=1):%b %-d}: {past.accepted} of {past.decided}). "
        "The two teams' definitions of an MQL may have drifted: review [sla.mql] together."
    )
    return f"📐 Definition drift: {drift.dimension} {title}", ["Definition drift: " + line]


async def drift_notes(metrics: Metrics, today: date) -> list[tuple[str, str, list[str], str]]:
    """(key, title, lines, footer) of each note due this month, made already or not."""
    start = today.replace(day=1)
    this_month = Period(f"{today:%B %Y}", start, (start + timedelta(days=32)).replace(day=1), "month")
    trailing = Period("the 90 days before", start - timedelta(days=TRAILING_DAYS), start)
    notes = []
    for dimension in ("source", "campaign"):
        month_groups = await metrics.groups(this_month, dimension)
        if not any(group.decided >= MIN_THIS_MONTH for group in month_groups):
            continue  # nothing to judge: spare the trailing window's query
        for drift in drifted(dimension, month_groups, await metrics.groups(trailing, dimension)):
            title, lines = wording(drift, trailing)
            notes.append((drift_key(dimension, drift.name, today), title, lines, FOOTER))
    return notes
