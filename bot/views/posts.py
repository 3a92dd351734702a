"""A lead's post in the leads channel, and a burst's batch message showing several: what each lead shows beyond its
own row (its SLA clocks, who logged first contact, who assigned it, earlier leads of the same person), loaded for all
of them at once, and the message rendered from it. A lead shows the same facts alone or in a batch."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config.team_file import HandoffConfig
from bot.ids import Action
from bot.views.crm_links import record_link
from bot.views.lead_cards import Assignment, Button, LeadCard, lead_card
from bot.views.routing_cards import held_by_routing, offer_status, routed_assignment
from bot.views.sla_cards import clock_lines
from message_templates import Renderer
from storage import leads as lead_queries
from storage import sla as sla_queries
from storage.models import Lead, LeadEvent, SlaTimer

SHOWN_EVENTS = ("contacted", "assigned", "reassigned", "attempt")


@dataclass(frozen=True)
class PostFacts:
    timers: list[SlaTimer] = field(default_factory=list)
    contacted_by: str | None = None
    assignment: Assignment | None = None
    earlier: list[Lead] = field(default_factory=list)
    attempts: int = 0  # contact attempts logged (Log attempt)
    offer: tuple[str | None, str | None, str | None] = (None, None, None)  # routing's latest: to, from, why


def _facts(timers: list[SlaTimer], events: list[LeadEvent], earlier: list[Lead]) -> PostFacts:
    contacted = next((event.actor for event in events if event.kind == "contacted"), None)
    assignment = held_by_routing(None, events)  # a manager's; routing's offers are shown by `offer_status`
    attempts = sum(event.kind == "attempt" for event in events)
    return PostFacts(timers, contacted, assignment, earlier, attempts=attempts, offer=routed_assignment(events))


async def load_facts(session: AsyncSession, leads: Sequence[Lead]) -> dict[int, PostFacts]:
    """What these leads' posts show beyond their rows: three queries however many leads a batch message shows."""
    ids = [lead.id for lead in leads]
    timers = await sla_queries.timers_of_leads(session=session, lead_ids=ids)
    events = await lead_queries.events_of_leads(session=session, lead_ids=ids, kinds=SHOWN_EVENTS)
    earlier = await lead_queries.earlier_with_emails(session=session, leads=leads)
    return {lead_id: _facts(timers[lead_id], events[lead_id], earlier[lead_id]) for lead_id in ids}


class LeadPosts:
    def __init__(self, renderer: Renderer, config: HandoffConfig) -> None:
        self._renderer = renderer
        self._config = config

    def card(self, lead: Lead, facts: PostFacts, *, now: datetime) -> LeadCard:
        tz = self._config.tz
        card = lead_card(
            lead,
            tz=tz,
            contacted_by=facts.contacted_by,
            clocks=clock_lines(facts.timers, tz=tz, now=now),
            earlier=facts.earlier,
            assignment=facts.assignment,
            attempts=facts.attempts,
            suppressed=lead.reject_reason in self._config.reject.suppressing,
        )
        card = replace(card, record=record_link(lead, self._config))
        if status := offer_status(lead, facts.offer, facts.timers):  # offered to a rep: they may Pass it on
            card = replace(card, status=status, actions=[*card.actions, Button("Pass", Action.PASS)])
        return card

    def message(
        self, leads: Sequence[Lead], facts: dict[int, PostFacts], *, now: datetime, batch: bool = False
    ) -> dict[str, Any]:
        """The lead's own post; with `batch` (or several leads) the batch message showing each of them."""
        cards = [self.card(lead, facts.get(lead.id, PostFacts()), now=now) for lead in leads]
        if len(cards) == 1 and not batch:
            return self._renderer.render("channel/lead_post.json.j2", card=cards[0])
        footer = f"Posted together: more MQLs than usual arrived at once · leads #{leads[0].id}–#{leads[-1].id}"
        return self._renderer.render(
            "channel/lead_batch.json.j2", cards=cards, title=f"⚡ {len(cards)} new MQLs", footer=footer
        )
