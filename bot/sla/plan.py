"""A clock planned for a lead on its agreement's terms (what `SlaService.start` stores and a post shows first),
and the small records the SLA service hands back."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.config.team_file import HandoffConfig, SlaConfig
from storage.models import Lead, SlaTimer
from storage.outbox import Outgoing
from storage.sla import LeadRef


def plan_timer(
    config: HandoffConfig, sla: SlaConfig, *, lead: Lead, clock: str, at: datetime, owner: str | None
) -> SlaTimer | None:
    """`clock` for `lead` started at `at` on the terms of `sla` (the lead's version of the agreement), not stored;
    None when those terms do not set it. Working time is the team's calendar."""
    cfg = sla.clocks().get(clock)
    if cfg is None:
        return None
    target, warn = cfg.for_score(lead.score)
    time = config.working_time(cfg.business_hours)
    due = time.add(at, time.span(target))  # "5d" of working time is five working days
    warn_at = time.add(at, time.span(target) * warn) if warn else None
    return SlaTimer(
        lead_id=lead.id,
        clock=clock,
        owner=owner,
        business_hours=cfg.business_hours,
        target_seconds=int(target.total_seconds()),
        started_at=at,
        warn_at=warn_at,
        due_at=due,
        state="running",
        steps_fired=0,
        snoozes=0,
        next_at=warn_at or due,
        agreement_version=lead.agreement_version,
    )


@dataclass(frozen=True)
class Nudged:
    """Who a nudge reached: the owner or the reps (`dm`), or, for a lead nobody owns, its thread (`mode`)."""

    people: tuple[str, ...]
    dm: bool  # the reps were DMed about a lead nobody owns
    mode: str  # `[sla] unowned_notify`


@dataclass(frozen=True)
class SweepReport:
    timers: int
    warnings: int
    breaches: int
    steps: int
    notices: int


@dataclass
class Queued:
    """What one transaction will queue, collected so it is written in bulk."""

    rows: list[Outgoing] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    changed: set[int] = field(default_factory=set)  # leads whose alarms already sent must show a new state


def event_row(lead: LeadRef, kind: str, at: datetime, **data: object) -> dict[str, Any]:
    return {"lead_id": lead.id, "kind": kind, "actor": None, "at": at, "data": data}
