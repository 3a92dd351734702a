"""What each outbox row kind means in Web API calls. Renders from current state at delivery time."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.cards import lead_card
from bot.clock import Clock
from bot.config import HandoffConfig
from bot.leads import LEAD_POST
from message_templates import Renderer
from storage import leads as lead_queries
from storage.db import Database
from storage.outbox import Claimed

log = logging.getLogger(__name__)


class SlackDelivery:
    def __init__(
        self, db: Database, client: AsyncWebClient, renderer: Renderer, config: HandoffConfig, clock: Clock
    ) -> None:
        self._db = db
        self._client = client
        self._renderer = renderer
        self._config = config
        self._clock = clock

    async def __call__(self, row: Claimed) -> None:
        if row.kind == LEAD_POST and row.lead_id is not None:
            await self.lead_post(row.lead_id)
        else:
            raise ValueError(f"unknown outbox kind {row.kind!r}")

    async def lead_post(self, lead_id: int) -> None:
        """Post the lead to the leads channel the first time; update that same post on every later change."""
        async with self._db.session() as session:
            lead = await lead_queries.get_lead(session=session, lead_id=lead_id)
            if lead is None:
                return  # deleted since: nothing left to show
            contacted = await lead_queries.find_event(session=session, lead_id=lead_id, kind="contacted")
            card = lead_card(lead, tz=self._config.tz, contacted_by=contacted.actor if contacted else None)
            channel, ts = lead.slack_channel, lead.slack_ts
        message: dict[str, Any] = self._renderer.render("channel/lead_post.json.j2", card=card)
        if channel and ts:
            try:
                await self._client.chat_update(channel=channel, ts=ts, **message)
                return
            except SlackApiError as exc:
                if exc.response.get("error") != "message_not_found":
                    raise
                log.warning("lead %s: post %s/%s was deleted in Slack; posting it again", lead_id, channel, ts)
        response = await self._client.chat_postMessage(
            channel=channel or self._config.slack.leads_channel, unfurl_links=False, unfurl_media=False, **message
        )
        new_channel, new_ts = str(response["channel"]), str(response["ts"])
        async with self._db.session() as session:
            if ts:
                await lead_queries.move_post(session=session, lead_id=lead_id, channel=new_channel, ts=new_ts)
                return
            now = self._clock.now()
            if await lead_queries.record_post(session=session, lead_id=lead_id, channel=new_channel, ts=new_ts, at=now):
                await lead_queries.add_event(
                    session=session, lead_id=lead_id, kind="posted", at=now, channel=new_channel, ts=new_ts
                )
