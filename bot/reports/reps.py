"""Per-rep figures beside the funnel: how many leads each rep was assigned, how fast they accept, and whether they
keep the follow-up cadence ([sla.follow_up]). Shown by /funnel by rep, the weekly digest and the quarterly review.

- Assignments: "assigned" events of the period whose `to` is the rep (a manager's reassignment of a lead nobody
  accepted, and routing's assignments), counted by the time of the event.
- Acceptance time: per accept click on a lead of the cohort that was posted, from the later of the post and the
  lead's (last) assignment to the click; the median per rep.
- Cadence compliance: follow-up clocks met ÷ follow-up clocks settled (met, missed, or breached and still open);
  running and cancelled clocks are not settled. None ("—") when nothing is settled yet.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from message_templates.wording import humanize, percent
from storage import rep_metrics as queries

SETTLED = ("met", "missed", "breached")


def median(values: Iterable[float]) -> float | None:
    """The mean of the middle one or two values, as /funnel's medians are; None for no values."""
    ranked = sorted(values)
    if not ranked:
        return None
    middle = len(ranked) // 2
    return ranked[middle] if len(ranked) % 2 else (ranked[middle - 1] + ranked[middle]) / 2


@dataclass
class RepFigures:
    rep: str
    assignments: int = 0
    accept_seconds: list[float] = field(default_factory=list)
    cadence_met: int = 0
    cadence_settled: int = 0
    cadence_clocks: int = 0  # every follow-up clock of the period, running and cancelled ones too

    @property
    def accept_median(self) -> float | None:
        return median(self.accept_seconds)

    @property
    def cadence(self) -> float | None:
        return self.cadence_met / self.cadence_settled if self.cadence_settled else None


def accept_seconds(at: datetime, posted: datetime, assigned: datetime | None) -> float:
    """From the later of the post and the assignment (one made after the click does not count) to the click."""
    since = assigned if assigned is not None and posted < assigned <= at else posted
    return max((at - since).total_seconds(), 0.0)


async def rep_figures(
    session: AsyncSession, *, start: datetime, end: datetime, cohort: bool = True
) -> dict[str, RepFigures]:
    """Every rep with an assignment, a timed acceptance or a follow-up clock in the period, by Slack id."""
    reps: dict[str, RepFigures] = {}

    def of(rep: str) -> RepFigures:
        return reps.setdefault(rep, RepFigures(rep))

    for to in await queries.assigned_to(session=session, start=start, end=end):
        if to:
            of(to).assignments += 1
    for actor, at, posted, assigned in await queries.acceptances(session=session, start=start, end=end):
        if actor:
            of(actor).accept_seconds.append(accept_seconds(at, posted, assigned))
    for owner, state, n in await queries.follow_ups_by_owner(session=session, start=start, end=end, cohort=cohort):
        if owner == "nobody":
            continue
        figures = of(owner)  # a running clock lists the rep too, their compliance not known yet
        figures.cadence_clocks += n
        if state in SETTLED:
            figures.cadence_settled += n
            figures.cadence_met += n if state == "met" else 0
    return reps


def rep_line(figures: RepFigures) -> str:
    """ "3 assigned · accepts in 12 min (median) · cadence 67% (2 of 3)": what /funnel by rep and the digest show."""
    cadence = percent(figures.cadence)
    if figures.cadence_settled:
        cadence += f" ({figures.cadence_met} of {figures.cadence_settled})"
    took = figures.accept_median
    accepts = "—" if took is None else humanize(timedelta(seconds=took))
    return f"{figures.assignments:,} assigned · accepts in {accepts} (median) · cadence {cadence}"
