"""Who is who: the team file's lists, with Slack user groups (S…) expanded through the Web API and cached."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.clock import Clock
from bot.config.fields import GROUP_ID, USER_ID
from bot.config.team_file import HandoffConfig
from bot.errors import UserError

log = logging.getLogger(__name__)

GROUP_TTL = timedelta(minutes=5)
NAME_TTL = timedelta(hours=1)
NAME_WAIT = 1.0  # seconds: a modal error must still reach Slack within its 3 s
PRESENCE_TTL = timedelta(minutes=2)
AwayLookup = Callable[[], Awaitable[frozenset[str]]]


class Team:
    def __init__(self, config: HandoffConfig, client: AsyncWebClient, clock: Clock) -> None:
        self.config = config
        self._client = client
        self._clock = clock
        self._groups: dict[str, tuple[frozenset[str], datetime]] = {}
        self._names: dict[str, tuple[str, datetime]] = {}
        self._presence: dict[str, tuple[bool, datetime]] = {}
        self._away: AwayLookup | None = None

    def leave_out(self, away: AwayLookup) -> None:
        """Who is marked away (`/handoff away`): `available_reps` leaves them out. Set once by the factory; config
        knows nothing of the database, so it is handed the question, not the table."""
        self._away = away

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

    async def name(self, user_id: str) -> str | None:
        """The name Slack shows for a person (display name, else real name), cached; None while Slack cannot say."""
        cached = self._names.get(user_id)
        now = self._clock.now()
        if cached is not None and cached[1] > now:
            return cached[0]
        try:
            async with asyncio.timeout(NAME_WAIT):
                response = await self._client.users_info(user=user_id)
        except (SlackApiError, aiohttp.ClientError, TimeoutError) as exc:
            error = exc.response.get("error") if isinstance(exc, SlackApiError) else type(exc).__name__
            log.warning("could not look up user %s: %s", user_id, error)
            return cached[0] if cached is not None else None
        user = response.get("user") or {}
        profile = user.get("profile") or {}
        name = str(profile.get("display_name") or profile.get("real_name") or user.get("real_name") or "").strip()
        if not name:
            return None
        self._names[user_id] = (name, now + NAME_TTL)
        return name

    async def sales_reps(self) -> list[str]:
        """Everyone in team.sales, user groups expanded, in the order listed."""
        reps: list[str] = []
        for entry in self.config.team.sales:
            reps.extend(sorted(await self.members(entry)) if GROUP_ID.match(entry) else [entry])
        return list(dict.fromkeys(reps))

    async def _present(self, user_id: str) -> bool:
        """Is the person not "away" in Slack (cached)? When Slack cannot say (no users:read scope, an outage),
        assume they are here: a DM too many beats a lead nobody hears about."""
        cached = self._presence.get(user_id)
        now = self._clock.now()
        if cached is not None and cached[1] > now:
            return cached[0]
        try:
            response = await self._client.users_getPresence(user=user_id)
            present = response.get("presence") != "away"
        except (SlackApiError, aiohttp.ClientError, TimeoutError) as exc:
            error = exc.response.get("error") if isinstance(exc, SlackApiError) else type(exc).__name__
            log.warning("could not read the presence of %s: %s (counting them as here)", user_id, error)
            return cached[0] if cached is not None else True
        self._presence[user_id] = (present, now + PRESENCE_TTL)
        return present

    async def available_reps(self) -> list[str]:
        """The reps in sales who are neither marked away (`/handoff away`) nor away in Slack; those not marked away
        when Slack shows them all away, and all of them when every one is marked away (someone must hear)."""
        reps = await self.sales_reps()
        out = await self._away() if self._away is not None else frozenset()
        in_office = [rep for rep in reps if rep not in out]
        here = [rep for rep in in_office if await self._present(rep)]
        return here or in_office or reps

    async def _in(self, user_id: str, listed: tuple[str, ...]) -> bool:
        if user_id in listed:
            return True
        for entry in listed:
            if GROUP_ID.match(entry) and user_id in await self.members(entry):
                return True
        return False

    async def is_sales(self, user_id: str) -> bool:
        return await self._in(user_id, self.config.team.sales)

    async def check_sales_rep(self, user_id: str, *, field: str) -> None:
        """Refuse anyone but a sales rep where a rep is asked for: Slack's people picker lists the whole workspace.
        An id Slack would not send is not echoed; a person is named (the modal error is plain text)."""
        if not USER_ID.fullmatch(user_id):
            raise UserError("Pick a sales rep from the list.", field=field)
        if not await self.is_sales(user_id):
            raise UserError("{rep} is not in sales — pick a sales rep.", field=field, people={"rep": user_id})

    async def is_manager(self, user_id: str) -> bool:
        return await self._in(user_id, self.config.team.managers)

    async def is_marketing(self, user_id: str) -> bool:
        return await self._in(user_id, self.config.team.marketing)
