"""Who is who: the team file's lists, with Slack user groups (S…) expanded through the Web API and cached."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.clock import Clock
from bot.config import GROUP_ID, HandoffConfig

log = logging.getLogger(__name__)

GROUP_TTL = timedelta(minutes=5)


class Team:
    def __init__(self, config: HandoffConfig, client: AsyncWebClient, clock: Clock) -> None:
        self.config = config
        self._client = client
        self._clock = clock
        self._groups: dict[str, tuple[frozenset[str], datetime]] = {}

    async def members(self, group_id: str) -> frozenset[str]:
        """A user group's members, cached; the last known list (or none) while Slack cannot answer."""
        cached = self._groups.get(group_id)
        now = self._clock.now()
        if cached is not None and cached[1] > now:
            return cached[0]
        try:
            response = await self._client.usergroups_users_list(usergroup=group_id)
            members = frozenset(str(u) for u in response.get("users") or [])
        except (SlackApiError, aiohttp.ClientError, TimeoutError) as exc:
            error = exc.response.get("error") if isinstance(exc, SlackApiError) else type(exc).__name__
            log.warning("could not list user group %s: %s", group_id, error)
            return cached[0] if cached is not None else frozenset()
        self._groups[group_id] = (members, now + GROUP_TTL)
        return members

    async def _in(self, user_id: str, listed: tuple[str, ...]) -> bool:
        if user_id in listed:
            return True
        for entry in listed:
            if GROUP_ID.match(entry) and user_id in await self.members(entry):
                return True
        return False

    async def is_sales(self, user_id: str) -> bool:
        return await self._in(user_id, self.config.team.sales)

    async def is_manager(self, user_id: str) -> bool:
        return await self._in(user_id, self.config.team.managers)

    async def is_marketing(self, user_id: str) -> bool:
        return await self._in(user_id, self.config.team.marketing)
