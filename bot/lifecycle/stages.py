"""The lead lifecycle, declared once: the stages, the moves allowed from each, what a move asks of the person making
it, and which SLA clocks start and stop on the way. The write path (bot/lifecycle/leads.py), the buttons and modals
(views, handlers), the CRM's stage API and the import all read this table; routing and the agreement add stages
and clocks here, and only here.

The stage names themselves are `storage.models.Stage` (the values a lead's `stage` column holds; storage imports
nothing of ours), re-exported from here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final

from bot.errors import UserError
from storage.models import Lead, Stage

__all__ = [
    "CLOCKS",
    "LIFECYCLE",
    "MOVE_TARGETS",
    "OPEN",
    "OWNED",
    "ClockRule",
    "Need",
    "Stage",
    "StageRule",
    "move_problem",
]


class Need(StrEnum):
    """What a move asks of a person making it in Slack (the CRM reports outcomes and is asked nothing)."""

    BANT = "bant"  # budget, authority, need and timeline all confirmed
    AMOUNT = "amount"
    LOST_REASON = "reason"  # one of `[lost] reasons`


@dataclass(frozen=True)
class StageRule:
    """One stage of the table.

    `rank` orders the funnel: a move only goes up it (won and lost share the top). A stage without a rank is
    outside the funnel (rejected, recycled): a lead reaches it from any open stage. `reached_at` is the lead column
    stamped when a move arrives here."""

    title: str
    rank: int | None
    closed: bool = False
    movable: bool = False  # a move (the stage API, a button on the post) may end here
    needs: Need | None = None
    reached_at: str | None = None


LIFECYCLE: Final[Mapping[Stage, StageRule]] = {
    Stage.MQL: StageRule("MQL", rank=0),
    Stage.SAL: StageRule("Accepted (SAL)", rank=1),
    Stage.SQL: StageRule("Qualified (SQL)", rank=2, movable=True, needs=Need.BANT, reached_at="sql_at"),
    Stage.OPPORTUNITY: StageRule("Opportunity", rank=3, movable=True, needs=Need.AMOUNT, reached_at="opportunity_at"),
    Stage.WON: StageRule("Won", rank=4, closed=True, movable=True, needs=Need.AMOUNT, reached_at="won_at"),
    Stage.LOST: StageRule("Lost", rank=4, closed=True, movable=True, needs=Need.LOST_REASON, reached_at="lost_at"),
    Stage.REJECTED: StageRule("Rejected", rank=None, closed=True),
    Stage.RECYCLED: StageRule("Recycled", rank=None, closed=True, movable=True, reached_at="recycled_at"),
}

MOVE_TARGETS: Final = tuple(stage for stage, rule in LIFECYCLE.items() if rule.movable)
OPEN: Final = tuple(stage for stage, rule in LIFECYCLE.items() if not rule.closed)
OWNED: Final = tuple(stage for stage in OPEN if stage != Stage.MQL)  # open, and a rep owns it


@dataclass(frozen=True)
class ClockRule:
    """An SLA clock runs while a lead is in `runs_in`: it starts when the lead enters that stage (the accept clock
    when the post goes out, since reps cannot act on what they cannot see) and stops when the lead leaves it, or
    earlier when its own step is done (first contact logged). Leaving for a stage in `cancelled_by` ends it as
    cancelled: the step no longer applies, so it counts neither as met nor as missed."""

    runs_in: Stage
    cancelled_by: frozenset[Stage] = frozenset()


CLOCKS: Final[Mapping[str, ClockRule]] = {
    "accept": ClockRule(runs_in=Stage.MQL),
    # the follow-up cadence ([sla.follow_up]): met by the promised attempts or a connection (bot/lifecycle/attempts.py).
    # Listed before first_touch: a stage's last clock is the one a reassignment's DM announces.
    "follow_up": ClockRule(runs_in=Stage.SAL, cancelled_by=frozenset({Stage.LOST, Stage.RECYCLED})),
    "first_touch": ClockRule(runs_in=Stage.SAL, cancelled_by=frozenset({Stage.LOST, Stage.RECYCLED})),
}


def starting(stage: Stage) -> tuple[str, ...]:
    """The clocks that start when a lead with an owner enters `stage` (the accept clock starts with the post)."""
    return tuple(name for name, rule in CLOCKS.items() if rule.runs_in == stage and stage != Stage.MQL)


def on_post(stage: Stage) -> tuple[str, ...]:
    """The clocks that start when the post of a lead in `stage` goes out: a new MQL's accept clock."""
    return tuple(name for name, rule in CLOCKS.items() if rule.runs_in == stage == Stage.MQL)


def stopping(previous: Stage, to: Stage) -> tuple[tuple[str, bool], ...]:
    """The clocks a move from `previous` to `to` stops, each with whether it ends as cancelled. A clock runs only
    in its own stage, so these are the clocks of the stage the lead leaves (stopping one that is not running, or
    already stopped by its own step, does nothing)."""
    return tuple((name, to in rule.cancelled_by) for name, rule in CLOCKS.items() if rule.runs_in == previous)


def _rank(stage: Stage) -> int | None:
    return LIFECYCLE[stage].rank


def move_problem(previous: Stage, to: Stage, *, from_slack: bool) -> str | None:
    """Why a lead in `previous` cannot move to `to`, in words for the person, or None when it can."""
    if previous == to:
        return f"This lead is already {to}."
    if LIFECYCLE[previous].closed:
        return f"This lead is {previous}: it cannot move to {to}."
    if from_slack and previous == Stage.MQL:
        return "Accept the lead first: moves start from an accepted lead."
    low, high = _rank(previous), _rank(to)
    if low is not None and high is not None and high <= low:
        return f"A lead cannot move back from {previous} to {to}."
    return None


CLOCK_SKEW: Final = timedelta(minutes=5)  # how far in the future a CRM's `at` may be (its clock may run ahead)


def check_reported_at(lead: Lead, at: datetime, now: datetime) -> None:
    """A reported time must fit the lead's history: not in the future (5 minutes of clock skew allowed), not
    before the lead was received, not before the step it is leaving."""
    if at > now + CLOCK_SKEW:
        raise UserError(f"{at.isoformat()} is in the future (it is {now.isoformat()} here).", field="at")
    if at < lead.received_at:
        raise UserError(
            f"{at.isoformat()} is before the lead was received ({lead.received_at.isoformat()}).", field="at"
        )
    column = "decided_at" if lead.stage == Stage.SAL else LIFECYCLE[Stage(lead.stage)].reached_at
    since = getattr(lead, column) if column else None
    if since is not None and at < since:
        raise UserError(f"{at.isoformat()} is before the lead became {lead.stage} ({since.isoformat()}).", field="at")
