"""Presenters for routing: what an offered lead's post says, and the DMs an offer sends (to the rep it is offered
to; to the managers when nobody in its pool can take it). Every string is escaped here (`mrkdwn`, `mention`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.config.team_file import HandoffConfig
from bot.delivery import outbox_kinds as kinds
from bot.lifecycle.stages import Stage
from bot.views.lead_cards import Assignment
from bot.views.sla_cards import lead_line, when
from message_templates.wording import humanize, mention
from storage.models import Lead, LeadEvent, SlaTimer
from storage.outbox import Outgoing

WHY_WORDS = {"rotation": "the rotation", "rule": "a routing rule", "pass": "a pass", "breach": "a missed accept"}


def is_routed(event: LeadEvent) -> bool:
    """An `assigned` event routing wrote (its data always has "from"), not a manager's assignment."""
    return event.kind == "assigned" and "from" in (event.data or {})


def routed_assignment(events: Sequence[LeadEvent]) -> tuple[str | None, str | None, str | None]:
    """(to, from, why) of the lead's latest routed offer, or three Nones."""
    routed = [event for event in events if is_routed(event)]
    if not routed:
        return None, None, None
    data = routed[-1].data or {}
    return data.get("to"), data.get("from"), data.get("why")


def offer_status(
    lead: Lead, offer: tuple[str | None, str | None, str | None], timers: Sequence[SlaTimer]
) -> str | None:
    """The post's line for a lead offered to a rep and not yet accepted, None for any other lead."""
    if lead.stage != Stage.MQL or lead.assignee is None:
        return None
    accept = [timer for timer in timers if timer.clock == "accept" and timer.owner == lead.assignee]
    target = humanize(timedelta(seconds=accept[-1].target_seconds)) if accept else None
    within = f" — accept within {target}" if target else ""
    to, previous, why = offer
    if why == "breach" and previous and to == lead.assignee:
        missed = [t for t in timers if t.clock == "accept" and t.owner == previous and t.state == "breached"]
        took = humanize(timedelta(seconds=missed[-1].target_seconds)) if missed else "time"
        return f"🔁 Reassigned from {mention(previous)} to {mention(to)}: not accepted in {took}{within}"
    if why == "pass" and previous and to == lead.assignee:
        return f"🔁 Passed by {mention(previous)} to {mention(to)}{within}"
    return f"👤 Assigned to {mention(lead.assignee)}{within}"


def held_by_routing(assignment: Assignment | None, events: Sequence[LeadEvent]) -> Assignment | None:
    """The manager's assignment a post shows, ignoring routing's offers (an accepted offer reads "Accepted by")."""
    handed = [event for event in events if event.kind in ("assigned", "reassigned") and not is_routed(event)]
    if not handed:
        return None
    data = handed[-1].data or {}
    return Assignment(to=data.get("to"), by=handed[-1].actor, previous=data.get("from"))


class RoutingWords:
    """The DMs of bot.routing.router (its `Wording`), fixed when queued."""

    def __init__(self, config: HandoffConfig) -> None:
        self._config = config

    def offered(
        self, lead: Lead, *, to: str, previous: str | None, why: str, target: timedelta | None, now: datetime
    ) -> list[Outgoing]:
        headline = f"{lead.name or lead.email or lead.external_id} ({lead.company or 'unknown company'})"
        lines = [f"{lead_line(lead)} is assigned to you by {WHY_WORDS.get(why, 'routing')}"]
        if previous:
            reason = "did not accept it in time" if why == "breach" else "passed it"
            lines.append(f"{mention(previous)} {reason}.")
        if target is not None:
            due = when(now + target, self._config.tz, now)
            lines.append(f"⏱ Accept within {humanize(target)} (by {due}): Accept or Pass on its post in the channel")
        stamp = f"{lead.id}:{now.timestamp():.6f}"
        return [
            kinds.announcement(
                f"offer:{stamp}:{to}", f"📥 Assigned to you: {headline}", lines, "Handoff · routing", channel=to
            )
        ]

    def unrouted(
        self, leads: Sequence[Lead], *, managers: Sequence[str], previous: str | None, now: datetime
    ) -> list[Outgoing]:
        """The managers hear about the leads nobody in their pool could take (one DM for a batch of them)."""
        first = leads[0]
        headline = f"{first.name or first.email or first.external_id} ({first.company or 'unknown company'})"
        title = f"⚠️ No rep to route to: {headline}" if len(leads) == 1 else f"⚠️ No rep to route {len(leads)} leads to"
        why = f"{mention(previous)} passed it and nobody else" if previous else "nobody"
        lines = [f"{lead_line(lead)}: {why} in its routing pool is available" for lead in leads[:30]]
        if len(leads) > 30:
            lines.append(f"…and {len(leads) - 30} more")
        lines.append(
            "Everyone in the pool is away or at `max_open`: any rep may accept on the post; reassign if it waits."
        )
        stamp = f"{first.id}:{now.timestamp():.6f}"
        return [
            kinds.announcement(f"unrouted:{stamp}:{manager}", title, lines, "Handoff · routing", channel=manager)
            for manager in managers
        ]
