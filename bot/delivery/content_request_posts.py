"""Delivery of a content request's messages, rendered from its state when delivered: its post in the requests
channel (posted once, then updated in place), a reply in that post's thread, or a DM about it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.clock import Clock
from bot.config.team_file import HandoffConfig
from bot.views.content_requests import request_message
from message_templates import Renderer
from storage import content_requests as store
from storage.db import Database
from storage.outbox import Claimed

Show = Callable[..., Awaitable[tuple[str, str] | None]]
CHANNEL, THREAD, LEAD = "channel", "thread", "lead"


class ContentRequestPosts:
    def __init__(self, db: Database, renderer: Renderer, config: HandoffConfig, clock: Clock) -> None:
        self._db = db
        self._renderer = renderer
        self._config = config
        self._clock = clock

    async def __call__(self, row: Claimed, show: Show) -> None:
        request_id, to, event = int(row.payload["request_id"]), str(row.payload["to"]), str(row.payload["event"])
        async with self._db.reading() as session:
            request = await store.get(session, request_id)
            if request is None:
                return
            lead = await store.lead(session, request.lead_id) if request.lead_id else None
            asset = await store.asset(session, request.asset_id) if request.asset_id else None
        message = request_message(
            self._renderer, request, self._config, event=event, lead=lead, asset=asset, now=self._clock.now()
        )
        channel = self._config.content.requests_channel or self._config.slack.leads_channel
        if to == CHANNEL:
            landed = await show(row, at=(request.slack_channel, request.slack_ts), message=message, post_to=channel)
            if landed is not None:
                async with self._db.session() as session:
                    stored = await store.get(session, request_id, for_update=True)
                    if stored is not None:
                        stored.slack_channel, stored.slack_ts = landed
            return
        if to == THREAD:
            await show(row, at=(None, None), message=message, post_to=request.slack_channel or channel,
                       thread_ts=request.slack_ts)  # fmt: skip
            return
        if to == LEAD:
            if lead is not None and lead.slack_channel and lead.slack_ts:
                await show(row, at=(None, None), message=message, post_to=lead.slack_channel,
                           thread_ts=lead.slack_ts)  # fmt: skip
            return
        await show(row, at=(None, None), message=message, post_to=to)
