"""Delivery of a proposal's post (the leads channel's, or a head's DM): rendered from the proposal's state when it
is delivered, posted the first time and updated in place after (SlackDelivery's `_show`: found again after an
attempt whose outcome is unknown, posted again if it was deleted in Slack)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bot.agreement.proposals import CHANNEL, Heads
from bot.config.team_file import HandoffConfig
from bot.views.proposals import proposal_message
from message_templates import Renderer
from storage import agreements as versions
from storage import proposals as store
from storage.db import Database
from storage.outbox import Claimed

Show = Callable[..., Awaitable[tuple[str, str] | None]]


class ProposalPosts:
    def __init__(self, db: Database, renderer: Renderer, config: HandoffConfig) -> None:
        self._db = db
        self._renderer = renderer
        self._config = config

    def _heads(self) -> Heads | None:
        team = self._config.team
        return Heads(team.sales_head, team.marketing_head) if team.sales_head and team.marketing_head else None

    async def __call__(self, row: Claimed, show: Show) -> None:
        proposal_id, to = int(row.payload["proposal_id"]), str(row.payload["to"])
        async with self._db.reading() as session:
            proposal = await store.get(session, proposal_id)
            if proposal is None:
                return
            base = await versions.version(session, proposal.base_version)
            dm = None if to == CHANNEL else await store.dm_of(session, proposal_id=proposal_id, recipient=to)
        terms: dict[str, Any] = base.terms if base else {}
        message = proposal_message(self._renderer, proposal, terms, self._heads(), to, self._config)
        if to == CHANNEL:
            at, post_to = (proposal.slack_channel, proposal.slack_ts), self._config.slack.leads_channel
        else:
            at, post_to = ((dm.slack_channel, dm.slack_ts) if dm else (None, None)), to
        landed = await show(row, at=at, message=message, post_to=post_to)
        if landed is None:
            return
        async with self._db.session() as session:
            if to == CHANNEL:
                await store.record_post(session, proposal_id=proposal_id, channel=landed[0], ts=landed[1])
            else:
                await store.record_dm(session, proposal_id=proposal_id, recipient=to, channel=landed[0], ts=landed[1])
