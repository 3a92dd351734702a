"""Slack over Socket Mode (SLACK_APP_TOKEN): bolt-python's `AsyncSocketModeHandler` on aiohttp, feeding the same
Bolt app and listeners as `POST /slack/events`.

What slack_sdk's aiohttp `SocketModeClient` does itself, and what is added here:
- It reconnects on its own: a CLOSE frame from Slack reconnects at once, a `disconnect` envelope (Slack's
  `refresh_requested`, `warning`, `link_disabled`) makes it ask for a new URL and move there (closing the old one),
  and a session that died silently is found by its ping/pong monitor every `PING_INTERVAL` seconds.
- Each attempt that fails is retried by the client after `PING_INTERVAL`; `apps.connections.open` (Tier 1 on
  Slack) is here given a back-off on top, doubling up to `BACKOFF_MAX`, so an outage is not hammered.
- At start-up one `apps.connections.open` is made here, before the client takes over: a token Slack refuses stops
  start-up with one line naming SLACK_APP_TOKEN (the client alone would retry it for ever). Slack unreachable then
  is not fatal: the client keeps trying and `/readyz` says so.
- `/readyz` is 503 until the current connection has said `hello`, and again while it is lost.

Bolt acks an envelope with what the listener acked, once the listener returns (`process_before_response`): the
listeners ack and hand their work to `Background`, as over HTTP, so the ack goes back within Slack's 3 seconds.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.async_client import AsyncBaseSocketModeClient
from slack_sdk.web.async_client import AsyncWebClient

from bot.app.identity import REFUSED
from bot.errors import ConfigError

log = logging.getLogger(__name__)

PING_INTERVAL = 10.0
"""Seconds between the client's pings, its checks of a silent session, and its retries of a failed connect."""
BACKOFF_MAX = 120.0
"""The longest wait added before another `apps.connections.open` after failures."""
REFUSED_APP_TOKEN = REFUSED | {"not_allowed_token_type", "invalid_token_type"}


class _Client(SocketModeClient):
    """The SDK's client, with a back-off and a record of refusals around `apps.connections.open`."""

    def __init__(self, owner: SocketMode, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._owner = owner

    async def issue_new_wss_url(self) -> str:
        await self._owner.back_off()
        try:
            url = await super().issue_new_wss_url()
        except SlackApiError as exc:
            self._owner.failed(str(exc.response.get("error", "")) or f"HTTP {exc.response.status_code}")
            raise
        except Exception as exc:
            self._owner.failed(str(exc) or type(exc).__name__)
            raise
        self._owner.failures = 0
        return url


class _Handler(AsyncSocketModeHandler):
    """bolt's `AsyncSocketModeHandler` (its `handle` runs Bolt and sends the ack) over `_Client`."""

    def __init__(self, app: AsyncApp, client: _Client) -> None:  # not super().__init__: that builds its own client
        self.app = app
        self.app_token = client.app_token
        self.client = client
        self.client.socket_mode_request_listeners.append(self.handle)  # type: ignore[arg-type]


class SocketMode:
    """The Socket Mode connection of one process: `start` in the cleanup context, `stop` on the way out."""

    def __init__(self, bolt: AsyncApp, app_token: str, api_url: str) -> None:
        self._bolt = bolt
        self._token = app_token
        self._api_url = api_url
        self._handler: _Handler | None = None
        self._connecting: asyncio.Task[None] | None = None
        self._hello_session: object | None = None
        self.hellos = 0
        """How many connections have said hello (the first, then one per reconnection)."""
        self._waiters: set[asyncio.Event] = set()
        self.failures = 0
        """Failed requests for a connection since the last that succeeded: they set the back-off."""
        self.attempts_failed = 0
        self.last_error: str | None = None
        self._retry = asyncio.Event()

    async def start(self) -> None:
        """Ask Slack for a connection once (a refused token raises `ConfigError`), then connect in the background."""
        web = AsyncWebClient(base_url=self._api_url, timeout=15)
        client = _Client(self, app_token=self._token, web_client=web, ping_interval=PING_INTERVAL,
                         logger=logging.getLogger("slack_sdk.socket_mode"))  # fmt: skip
        client.message_listeners.append(self._on_message)
        self._handler = _Handler(self._bolt, client)
        try:
            response = await web.apps_connections_open(app_token=self._token)
            client.wss_uri = str(response["url"])
        except SlackApiError as exc:
            error = str(exc.response.get("error", ""))
            if exc.response.status_code < 500 and error in REFUSED_APP_TOKEN:
                await self.stop()
                raise ConfigError(
                    "SLACK_APP_TOKEN",
                    f"Slack refused it ({error}): use an app-level token (xapp-…) with connections:write",
                ) from None
            self.failed(error or f"HTTP {exc.response.status_code}")
        except Exception as exc:  # Slack unreachable: the client keeps trying, /readyz says so
            self.failed(str(exc) or type(exc).__name__)
        connect: Callable[[], Coroutine[Any, Any, None]] = client.connect  # the SDK leaves it unannotated
        self._connecting = asyncio.create_task(connect(), name="socket mode connect")

    async def stop(self) -> None:
        if self._connecting is not None:
            self._connecting.cancel()
        if self._handler is not None:
            close: Callable[[], Awaitable[None]] = self._handler.close_async  # unannotated in bolt
            self._handler = None
            await close()

    def not_ready(self) -> str | None:
        """Why Slack cannot reach this process over the socket, or None while connected."""
        session = self._handler.client.current_session if self._handler is not None else None
        if session is not None and not session.closed and session is self._hello_session:
            return None
        if self.last_error in REFUSED_APP_TOKEN:
            return f"Slack refused SLACK_APP_TOKEN ({self.last_error}); reconnecting"
        why = f" (apps.connections.open: {self.last_error})" if self.last_error else ""
        return f"the Socket Mode connection to Slack is lost{why}; reconnecting"

    def failed(self, error: str) -> None:
        self.failures += 1
        self.last_error = error[:200]
        log.warning("Socket Mode: apps.connections.open failed (%s)", self.last_error)
        self.attempts_failed += 1
        self._changed()

    async def back_off(self) -> None:
        """Before asking for a connection again: nothing at first, then 2, 4, … up to BACKOFF_MAX seconds."""
        if self.failures == 0:
            return
        delay = min(2.0**self.failures, BACKOFF_MAX)
        log.info("Socket Mode: asking for a connection again in %d s", delay)
        try:
            async with asyncio.timeout(delay):
                await self._retry.wait()
        except TimeoutError:
            pass
        finally:
            self._retry.clear()

    def retry_now(self) -> None:
        """Cut the current back-off short (tests; an operator's nudge)."""
        self._retry.set()

    async def wait_hellos(self, count: int, timeout: float = 30.0) -> None:  # noqa: ASYNC109
        """Until `count` connections have said hello (tests wait on this, not on time)."""
        await self._wait_for(lambda: self.hellos >= count, timeout)

    async def wait_failures(self, count: int, timeout: float = 30.0) -> None:  # noqa: ASYNC109
        """Until `count` requests for a connection have failed, in all."""
        await self._wait_for(lambda: self.attempts_failed >= count, timeout)

    async def _wait_for(self, done: Callable[[], bool], seconds: float) -> None:
        event = asyncio.Event()
        self._waiters.add(event)
        try:
            async with asyncio.timeout(seconds):
                while not done():
                    event.clear()
                    await event.wait()
        finally:
            self._waiters.discard(event)

    def _changed(self) -> None:
        for event in self._waiters:
            event.set()

    async def _on_message(self, client: AsyncBaseSocketModeClient, message: dict[str, Any], _raw: str | None) -> None:
        if message.get("type") != "hello":
            return
        assert isinstance(client, SocketModeClient)
        self._hello_session = client.current_session
        self.last_error = None
        info = message.get("connection_info") or {}
        log.info("Socket Mode connected (app %s, %s connection(s))", info.get("app_id"), message.get("num_connections"))
        self.hellos += 1
        self._changed()
