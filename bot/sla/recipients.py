"""Who hears about an SLA step: the owner, their manager, the managers or a user group, the reps for a lead nobody
owns, or (an empty list) the lead's thread in the channel. Groups are expanded before the sweep's transaction:
Slack is never called inside one."""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace

from bot.config.fields import GROUP_ID, USER_ID
from bot.config.team import Team
from bot.config.team_file import HandoffConfig, SlaConfig
from storage.models import SlaTimer
from storage.sla import LeadRef

log = logging.getLogger(__name__)


@dataclass
class Fire:
    """Something one timer owes in this sweep."""

    kind: str  # warn, breach, snooze_over
    timer: SlaTimer
    lead: LeadRef
    step: int | None = None
    notify: str | None = None  # a breach step's target, as written in the team file
    to: str | None = None  # snooze_over: who snoozed


async def expand_groups(team: Team, terms: Iterable[SlaConfig] = ()) -> dict[str, frozenset[str]]:
    """The members of every user group the team file names as managers or as an escalation target, in its terms or
    those of any version of the agreement (`terms`)."""
    config = team.config
    wanted = {m for m in config.team.managers if GROUP_ID.match(m)}
    for cfg in (clock for sla in (config.sla, *terms) for clock in sla.clocks().values()):
        wanted.update(step.notify for step in cfg.escalate if GROUP_ID.match(step.notify))
    return {group: await team.members(group) for group in sorted(wanted)}


@dataclass(frozen=True)
class Recipients:
    """Who one sweep's fires go to: `groups` expanded, `reps` those to DM about a lead nobody owns, `away` the reps
    marked away (`/handoff away`), whose alarms go to their manager instead."""

    config: HandoffConfig
    groups: dict[str, frozenset[str]]
    reps: list[str]
    away: frozenset[str] = frozenset()

    def during(self, away: Collection[str]) -> Recipients:
        """The same, with who is away as the sweep's transaction read it."""
        return replace(self, away=frozenset(away))

    def _manager_of(self, owner: str | None) -> list[str]:
        manager = self.config.team.manager_of.get(owner) if owner else None
        return [manager] if manager else self._people(self.config.team.managers)

    def _owner(self, owner: str) -> list[str]:
        """The owner, or their manager while the owner is away."""
        return self._manager_of(owner) if owner in self.away else [owner]

    def _people(self, entries: Iterable[str]) -> list[str]:
        people: list[str] = []
        for entry in entries:
            people.extend(sorted(self.groups.get(entry, ())) if GROUP_ID.match(entry) else [entry])
        return list(dict.fromkeys(people))

    def of(self, fire: Fire) -> list[str]:
        """User ids to DM; an empty list means the lead's thread in the channel. A lead nobody owns is for the reps
        to pick up: with `unowned_notify = "dm"` they are DMed (`reps`: those not away), else the thread hears. What
        would DM an owner who is away DMs their manager."""
        owner = fire.lead.owner or fire.timer.owner  # a lead routing offered: its accept clock's owner, the assignee
        if fire.kind == "warn":
            return self._owner(owner) if owner else self.reps
        if fire.kind == "snooze_over":
            return [fire.to] if fire.to else []
        target = fire.notify or "manager"
        if target == "manager":
            return self._manager_of(owner)
        if target == "owner":
            return self._owner(owner) if owner else []
        if target == "channel":
            return [] if owner else self.reps
        if USER_ID.match(target):
            return [target]
        people = self._people([target])
        if not people:
            log.warning("user group %s has no members (or Slack could not list it): posting in the thread", target)
        return people
