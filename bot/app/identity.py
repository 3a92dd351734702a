"""Who the bot is in its one workspace, learnt with auth.test; a token Slack refuses stops the app."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import aiohttp
from slack_bolt.authorization import AuthorizeResult
from slack_sdk.errors import SlackApiError

from bot.app.services import Services
from bot.errors import ConfigError

log = logging.getLogger(__name__)


REFUSED = frozenset({"invalid_auth", "token_revoked", "account_inactive", "not_authed"})
"""auth.test answers that mean the token is wrong, not that Slack is down: start-up stops on them."""


class BotIdentity:
    """Who the bot is in its one workspace. Bolt's default authorization calls auth.test on the first request and
    fails every click while Slack is unreachable; this answers from the configured token at once and learns the
    bot's ids (used to ignore its own events) with auth.test.

    Start-up waits for the first answer (`check`): a refused token stops it with a `ConfigError` naming
    SLACK_BOT_TOKEN. A network error or a 5xx is retried in the background (`keep_trying`), with back-off, and
    `/readyz` answers 503 until auth.test has succeeded. A refusal then is kept in `given_up`: `serve` shuts the
    app down and raises it, so the process exits 2 with the line a refusal at start-up gives (a supervisor shows
    the crash; staying up unready would hide it wherever nothing probes /readyz)."""

    def __init__(self, svc: Services) -> None:
        self._svc = svc
        self.team_id: str | None = None
        self.bot_id: str | None = None
        self.bot_user_id: str | None = None
        self.connected = asyncio.Event()
        self.refused: str | None = None
        self.given_up: ConfigError | None = None
        self.stopped = asyncio.Event()
        """Set when retrying stopped for good: Slack refused the token (`given_up`)."""
        self.attempts = 0
        self._attempted = asyncio.Condition()
        self._retry = asyncio.Event()

    def authorizer(self) -> Callable[..., Awaitable[AuthorizeResult]]:
        # A plain function: Bolt injects arguments by parameter name, and a bound method's `self` confuses it.
        async def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
            return AuthorizeResult(
                enterprise_id=enterprise_id,
                team_id=team_id or self.team_id,
                bot_token=self._svc.settings.slack_bot_token,
                bot_id=self.bot_id,
                bot_user_id=self.bot_user_id,
            )

        return authorize

    def not_ready(self) -> str | None:
        """Why the app is not ready as far as Slack goes, or None once auth.test succeeded."""
        if self.connected.is_set():
            return None
        if self.refused:
            return f"Slack refused SLACK_BOT_TOKEN ({self.refused})"
        return "Slack has not answered auth.test yet"

    async def check(self) -> bool:
        """One auth.test: True when connected, False when Slack could not be reached; raises when refused."""
        try:
            response = await self._svc.client.auth_test()
        except SlackApiError as exc:
            error = str(exc.response.get("error", ""))
            if exc.response.status_code < 500 and error in REFUSED:
                self.refused = error
                raise ConfigError(
                    "SLACK_BOT_TOKEN", f"Slack refused it ({error}): use the bot token of the installed app"
                ) from None
            log.warning("auth.test failed (%s %s)", exc.response.status_code, error or "no error code")
            return False
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.warning("auth.test failed: Slack unreachable (%s)", str(exc) or type(exc).__name__)
            return False
        finally:
            async with self._attempted:
                self.attempts += 1
                self._attempted.notify_all()
        self.team_id = response.get("team_id")
        self.bot_id = response.get("bot_id")
        self.bot_user_id = response.get("user_id")
        self.connected.set()
        log.info("connected to Slack workspace %s as %s", response.get("team"), response.get("user"))
        return True

    async def keep_trying(self) -> None:
        """After a failed `check` at start-up: retry with back-off until connected or refused."""
        for attempt in range(1, 1_000_000):
            delay = min(2**attempt, 300)
            log.info("trying auth.test again in %d s", delay)
            try:
                async with asyncio.timeout(delay):
                    await self._retry.wait()
            except TimeoutError:
                pass
            self._retry.clear()
            try:
                if await self.check():
                    return
            except ConfigError as exc:  # `serve` stops the app and ends with this one line
                self.given_up = exc
                self.stopped.set()
                return

    def retry_now(self) -> None:
        """Cut the current back-off short (tests; an operator's nudge)."""
        self._retry.set()

    async def wait_attempts(self, count: int) -> None:
        async with asyncio.timeout(5), self._attempted:
            await self._attempted.wait_for(lambda: self.attempts >= count)
