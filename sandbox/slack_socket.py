"""Socket Mode, as Slack speaks it, mixed into ``FakeSlack``.

``apps.connections.open`` (with the app-level token; a bot token is ``not_allowed_token_type``) hands out a one-use
``ws://…/link/?ticket=…`` URL. A connection there is greeted with ``hello``; then envelopes
``{"envelope_id", "type", "payload", "accepts_response_payload", "retry_attempt", "retry_reason"}`` go down it and
the app acks each with ``{"envelope_id", "payload"?}``. Tests send with ``socket_send`` (or ``socket_interactive``,
``socket_command``, ``socket_event``) and get the ack back; ``socket_disconnect`` sends Slack's ``disconnect``
message and ``socket_drop`` closes every connection, as a Slack restart does.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiohttp import WSMsgType, web

T = TypeVar("T")


@dataclass
class SocketLink:
    """One open Socket Mode connection and the envelopes on it still waiting for their ack."""

    ws: web.WebSocketResponse
    pending: dict[str, asyncio.Future[dict[str, Any]]] = field(default_factory=dict)


class SocketModeFake:
    """The Socket Mode half of ``FakeSlack``: ``connections_open`` answers the Web API method, ``/link/`` is the
    websocket."""

    bot_token: str

    @property
    def url(self) -> str:
        raise NotImplementedError

    def _init_socket(self, app_token: str, app_id: str) -> None:
        self.app_token = app_token
        self.app_id = app_id
        self._tickets: set[str] = set()
        self.socket_links: list[SocketLink] = []
        """Every connection that was greeted, in order (open or not)."""
        self.socket_acks: list[dict[str, Any]] = []
        """Every ack received, in order."""

    def _notify(self) -> None: ...

    async def _wait(self, get: Callable[[], list[T]], count: int, seconds: float, what: str) -> list[T]:
        raise NotImplementedError

    def _add_socket_routes(self, app: web.Application) -> None:
        app.router.add_get("/link/", self._handle_link)

    def connections_open(self, token: str | None) -> dict[str, Any]:
        """``apps.connections.open``: only the app-level token may open a connection."""
        if not token:
            return {"ok": False, "error": "not_authed"}
        if token == self.bot_token or token.startswith(("xoxb-", "xoxp-")):
            return {"ok": False, "error": "not_allowed_token_type"}
        if not secrets.compare_digest(token, self.app_token):
            return {"ok": False, "error": "invalid_auth"}
        ticket = str(uuid.uuid4())
        self._tickets.add(ticket)
        return {"ok": True, "url": f"ws://{self.url.removeprefix('http://')}link/?ticket={ticket}&app_id={self.app_id}"}

    @property
    def open_links(self) -> list[SocketLink]:
        return [link for link in self.socket_links if not link.ws.closed]

    async def wait_socket(self, count: int = 1, timeout: float = 30.0) -> SocketLink:  # noqa: ASYNC109
        """Wait until ``count`` connections have been greeted and one is open; return the newest open one."""
        await self._wait(lambda: self.socket_links if self.open_links else [], count, timeout, "socket connection(s)")
        return self.open_links[-1]

    async def socket_send(
        self,
        type_: str,
        payload: dict[str, Any],
        *,
        accepts_response_payload: bool = False,
        envelope_id: str | None = None,
        timeout: float = 30.0,  # noqa: ASYNC109
    ) -> dict[str, Any]:
        """Send one envelope down the newest open connection and return its ack (the app's JSON message)."""
        link = await self.wait_socket(timeout=timeout)
        envelope_id = envelope_id or str(uuid.uuid4())
        acked: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        link.pending[envelope_id] = acked
        envelope = {
            "envelope_id": envelope_id,
            "type": type_,
            "payload": payload,
            "accepts_response_payload": accepts_response_payload,
            "retry_attempt": 0,
            "retry_reason": "",
        }
        await link.ws.send_str(json.dumps(envelope))
        try:
            async with asyncio.timeout(timeout):
                return await acked
        except TimeoutError:
            raise AssertionError(f"no ack for envelope {envelope_id} ({type_}) within {timeout}s") from None
        finally:
            link.pending.pop(envelope_id, None)

    async def socket_interactive(self, payload: dict[str, Any]) -> dict[str, Any]:
        """A click, a modal submission or closing: Slack lets the ack answer a view submission (inline errors)."""
        accepts = payload.get("type") in ("view_submission", "block_suggestion")
        return await self.socket_send("interactive", payload, accepts_response_payload=accepts)

    async def socket_command(self, fields: dict[str, str]) -> dict[str, Any]:
        """A slash command (the fields Slack would have form-encoded): the ack's payload is the answer shown."""
        return await self.socket_send("slash_commands", fields, accepts_response_payload=True)

    async def socket_event(self, body: dict[str, Any]) -> dict[str, Any]:
        """An Events API delivery (the ``event_callback`` body)."""
        return await self.socket_send("events_api", body)

    async def socket_disconnect(self, reason: str = "refresh_requested") -> None:
        """Slack's notice that this connection will end: the app is to open another one."""
        link = await self.wait_socket()
        await link.ws.send_str(json.dumps({"type": "disconnect", "reason": reason,
                                           "debug_info": {"host": "applink-fake"}}))  # fmt: skip

    async def socket_send_raw(self, text: str) -> None:
        """Send any text frame down the newest open connection (what a broken relay might deliver)."""
        link = await self.wait_socket()
        await link.ws.send_str(text)

    async def socket_drop(self) -> None:
        """Close every open connection (a CLOSE frame, as when Slack's server goes away)."""
        for link in self.open_links:
            await link.ws.close(code=1001, message=b"going away")
        self._notify()

    async def _close_links(self) -> None:
        for link in self.open_links:
            await link.ws.close()

    async def _handle_link(self, request: web.Request) -> web.StreamResponse:
        ticket = request.query.get("ticket", "")
        if ticket not in self._tickets:  # one use, as Slack's
            return web.Response(status=401, text="invalid_ticket")
        self._tickets.discard(ticket)
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        link = SocketLink(ws)
        self.socket_links.append(link)
        hello = {
            "type": "hello",
            "num_connections": len(self.open_links),
            "debug_info": {"host": "applink-fake", "build_number": 1, "approximate_connection_time": 18060},
            "connection_info": {"app_id": self.app_id},
        }
        await ws.send_str(json.dumps(hello))
        self._notify()
        try:
            async for message in ws:
                if message.type != WSMsgType.TEXT:
                    continue
                try:
                    ack = json.loads(message.data)
                except ValueError:
                    continue
                if not isinstance(ack, dict):
                    continue
                self.socket_acks.append(ack)
                waiting = link.pending.get(str(ack.get("envelope_id")))
                if waiting is not None and not waiting.done():
                    waiting.set_result(ack)
                self._notify()
        finally:
            for waiting in link.pending.values():
                if not waiting.done():
                    waiting.set_exception(ConnectionResetError("the socket closed before the ack"))
            self._notify()
        return ws
