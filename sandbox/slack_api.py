"""``FakeSlack``: a local aiohttp server that answers like Slack's Web API.

Point slack-sdk at it with ``AsyncWebClient(token=fake.bot_token, base_url=fake.base_url)``. Every call is
recorded (``fake.calls``), the workspace state it changes is inspectable (``fake.messages``, ``fake.views``,
``fake.home_views``, ``fake.files``, ``fake.ephemerals``), and failures can be scripted (``fail_next``,
``set_down``, ``enforce_rate_limits``). Besides ``/api/<method>`` it serves the absolute URLs Slack hands out:
``upload_url`` (files upload v2), ``response_url`` and ``url_private``.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any, Final, Self, TypeVar

from aiohttp import BodyPartReader, web

from sandbox.slack_faults import ScriptedFaults
from sandbox.slack_models import Call, ResponseUrl, SlackError, TokenBucket, parse_json_args
from sandbox.slack_socket import SocketModeFake
from sandbox.slack_surfaces import SlackWorkspace

DEFAULT_SCOPES: Final = (
    "channels:history",
    "chat:write",
    "chat:write.public",
    "commands",
    "files:write",
    "groups:history",
    "im:history",
    "im:write",
    "reactions:write",
    "usergroups:read",
    "users:read",
    "users:read.email",
)
RESPONSE_URL_MAX_USES: Final = 5
RESPONSE_URL_TTL: Final = 30 * 60.0
# How long `wait_for` waits before calling a test broken. Waits end at the change they wait for, so this bound costs
# a passing test nothing; it only has to outlast the slowest honest work on a loaded 2-core machine (the first
# /funnel chart imports matplotlib and draws in a worker thread: ~1.5 s idle, over 2 s under load).
WAIT_BOUND: Final = 30.0

T = TypeVar("T")


class FakeSlack(ScriptedFaults, SocketModeFake, SlackWorkspace):
    """A fake Slack Web API server with a recorded, scriptable, in-memory workspace behind it."""

    def __init__(
        self,
        *,
        bot_token: str = "xoxb-test-token",
        team_id: str = "T0HANDOFF",
        bot_user_id: str = "U0HANDOFF",
        channels: Iterable[str] = ("C0LEADS001",),
        clock: Callable[[], float] = time.time,
        enforce_rate_limits: bool = False,
        bot_id: str = "B0HANDOFF",
        scopes: Iterable[str] = DEFAULT_SCOPES,
        app_token: str = "xapp-1-A0HANDOFF-1-test",
        app_id: str = "A0HANDOFF",
    ) -> None:
        super().__init__(team_id=team_id, bot_user_id=bot_user_id, bot_id=bot_id, channels=channels, clock=clock)
        self._init_faults()
        self._init_socket(app_token, app_id)
        self.bot_token = bot_token
        self.scopes = ",".join(scopes)
        self.enforce_rate_limits = enforce_rate_limits
        self.post_message_rate = 1.0  # chat.postMessage tokens per second per channel
        self.post_message_burst = 3  # chat.postMessage burst allowance per channel
        self.calls: list[Call] = []
        self.responses: list[dict[str, Any]] = []
        self._buckets: dict[str, TokenBucket] = {}
        self._events: set[asyncio.Event] = set()
        self.version = 0  # bumped on every change of the workspace (or of recordings), for change listeners
        self._runner: web.AppRunner | None = None
        self._host = "127.0.0.1"
        self._port: int | None = None

    # -- lifecycle --------------------------------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Listen on ``host:port`` (port 0 picks a free one)."""
        if self._runner is not None:
            raise RuntimeError("FakeSlack is already started")
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_post("/upload/v1/{file_id}", self._handle_upload)
        app.router.add_post("/response/{token}", self._handle_response_url)
        app.router.add_get("/files/{file_id}/{name}", self._handle_file_download)
        self._add_socket_routes(app)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self._host = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
        self._port = int(runner.addresses[0][1])
        self._root_url = self.url

    async def stop(self) -> None:
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await self._close_links()  # an open websocket would hold the shutdown up
            await runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        """Root URL of the server, e.g. ``http://127.0.0.1:54321/``."""
        if self._port is None:
            raise RuntimeError("FakeSlack is not started")
        return f"http://{self._host}:{self._port}/"

    @property
    def base_url(self) -> str:
        """The Web API base URL to give slack-sdk: ``http://127.0.0.1:PORT/api/``."""
        return f"{self.url}api/"

    def notify_change(self) -> None:
        """Tell whoever waits on this workspace (``changed``, ``wait_for``) that something changed outside the Web
        API, e.g. a person's message or a closed modal put in by the sandbox page."""
        self._notify()

    async def changed(self, since: int) -> int:
        """Wait until ``version`` moves past ``since``; return the new version."""
        event = asyncio.Event()
        self._events.add(event)
        try:
            while self.version <= since:
                event.clear()
                await event.wait()
            return self.version
        finally:
            self._events.discard(event)

    def new_response_url(
        self, *, channel: str | None = None, message_ts: str | None = None, user_id: str | None = None
    ) -> str:
        """An absolute response_url on this server (5 uses, 30 minutes), optionally tied to a message/user."""
        path = f"/response/{secrets.token_urlsafe(12)}"
        url = f"{self.url.rstrip('/')}{path}"
        self.response_urls[path] = ResponseUrl(url, self.clock(), channel, message_ts, user_id)
        return url

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    async def wait_for(self, method: str, count: int = 1, timeout: float = WAIT_BOUND) -> list[Call]:  # noqa: ASYNC109
        """Wait until at least ``count`` calls to ``method`` were recorded; return all of them."""
        return await self._wait(lambda: self.calls_to(method), count, timeout, f"call(s) to {method}")

    async def wait_for_responses(
        self,
        count: int = 1,
        timeout: float = WAIT_BOUND,  # noqa: ASYNC109
    ) -> list[dict[str, Any]]:
        """Wait until at least ``count`` response_url posts were accepted; return all of them."""
        return await self._wait(lambda: self.responses, count, timeout, "response_url post(s)")

    def clear_calls(self) -> None:
        """Forget recorded calls and response_url posts (workspace state is kept)."""
        self.calls.clear()
        self.responses.clear()

    def reset(self, *, state: bool = False) -> None:
        """Clear recordings, scripted failures and the down flag; with ``state=True`` also empty the workspace."""
        self.clear_calls()
        self._failures.clear()
        for held in self._holds.values():
            held.release()
        self._holds.clear()
        self._down = False
        self._buckets.clear()
        if state:
            for store in (self.messages, self.ephemerals, self.views, self.view_stacks, self.home_views, self.files):
                store.clear()
            self.triggers.clear()
            self.response_urls.clear()

    # -- internals --------------------------------------------------------------------------------------------------

    async def _wait(self, get: Callable[[], list[T]], count: int, seconds: float, what: str) -> list[T]:
        event = asyncio.Event()
        self._events.add(event)
        try:
            async with asyncio.timeout(seconds):
                while True:
                    event.clear()
                    items = get()
                    if len(items) >= count:
                        return list(items)
                    await event.wait()
        except TimeoutError:
            seen = ", ".join(f"{c.method}({c.status}{'' if c.ok else ' ' + str(c.error)})" for c in self.calls)
            raise AssertionError(
                f"expected {count} {what} within {seconds}s, got {len(get())}; calls seen: [{seen}]"
            ) from None
        finally:
            self._events.discard(event)

    def _notify(self) -> None:
        self.version += 1
        for event in self._events:
            event.set()

    def _answer(self, method: str, args: dict[str, Any], token: str | None) -> tuple[int, dict[str, Any], int | None]:
        """(HTTP status, body, Retry-After) for one Web API call."""
        if self._down:
            return 503, {"ok": False, "error": "service_unavailable"}, None
        failure = self._take_failure(method) or self._take_failure("*")
        if failure is not None:
            return failure.status, failure.body(), failure.retry_after
        if method == "apps.connections.open":  # the app-level token's one method (see sandbox.slack_socket)
            return 200, self.connections_open(token), None
        handler = self.methods.get(method)
        if handler is None:
            return 200, {"ok": False, "error": "unknown_method"}, None
        if not token:
            return 200, {"ok": False, "error": "not_authed"}, None
        if token != self.bot_token:
            return 200, {"ok": False, "error": "invalid_auth"}, None
        if method == "chat.postMessage" and self.enforce_rate_limits:
            try:
                key = self.resolve_channel(args.get("channel"))
            except SlackError:
                key = str(args.get("channel"))
            bucket = self._buckets.setdefault(
                key, TokenBucket(rate=self.post_message_rate, burst=self.post_message_burst, now=self.clock())
            )
            retry_after = bucket.take(self.clock())
            if retry_after is not None:
                return 429, {"ok": False, "error": "ratelimited"}, retry_after
        try:
            return 200, handler(args), None
        except SlackError as e:
            return 200, e.body(), None

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        headers = {k.lower(): v for k, v in request.headers.items()}
        args, encoding, bad_body = await _read_args(request)
        auth = headers.get("authorization", "")
        token = auth[7:].strip() if auth.lower().startswith("bearer ") else args.get("token")
        if bad_body and not self._down:
            status, body, retry_after = 200, {"ok": False, "error": "invalid_json"}, None
        else:
            status, body, retry_after = self._answer(method, args, token if isinstance(token, str) else None)
        self.calls.append(Call(method, args, headers, self.clock(), status, body, request.method, encoding))
        self._notify()
        if status == 200 and (stall := self._stalls.pop(method, None)) is not None:
            stall.arrived.set()
            await stall.released.wait()
        await self._held(method)
        response_headers = {"x-oauth-scopes": self.scopes}
        if retry_after is not None:
            response_headers["Retry-After"] = str(retry_after)
        return web.json_response(body, status=status, headers=response_headers)

    async def _handle_upload(self, request: web.Request) -> web.StreamResponse:
        if (blocked := self._blocked("upload")) is not None:
            return blocked
        content = await request.read()
        if request.content_type == "multipart/form-data":
            content = b""
            reader = await request.multipart()
            async for part in reader:
                if isinstance(part, BodyPartReader) and part.filename is not None:
                    content = bytes(await part.read())
                    break
        if not self.store_upload(request.match_info["file_id"], content):
            return web.Response(status=404, text="file_not_found")
        return web.Response(text=f"OK - {len(content)}")

    async def _handle_response_url(self, request: web.Request) -> web.StreamResponse:
        if (blocked := self._blocked("response_url")) is not None:
            return blocked
        record = self.response_urls.get(request.path)
        if record is None:
            return web.Response(status=404, text="invalid_url")
        if self.clock() - record.created > RESPONSE_URL_TTL:
            return web.Response(status=404, text="expired_url")
        if record.uses >= RESPONSE_URL_MAX_USES:
            return web.Response(status=404, text="used_url")
        try:
            body = json.loads(await request.read())
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return web.Response(status=400, text="invalid_payload")
        if (problem := self.response_problems(body)) is not None:
            return web.Response(status=400, text=problem)
        record.uses += 1
        record.bodies.append(body)
        self.apply_response(record, body)
        self.responses.append(body)
        self._notify()
        await self._held("response_url")
        return web.json_response({"ok": True})

    async def _handle_file_download(self, request: web.Request) -> web.StreamResponse:
        stored = self.files.get(request.match_info["file_id"])
        if stored is None or stored.content is None:
            return web.Response(status=404, text="file_not_found")
        content_type = self.file_object(stored)["mimetype"]
        return web.Response(body=stored.content, content_type=content_type)


async def _read_args(request: web.Request) -> tuple[dict[str, Any], str, bool]:
    """Arguments from the query string and a JSON or form body: (args, encoding, body_was_invalid)."""
    args: dict[str, Any] = dict(request.query)
    encoding = "query"
    if request.method == "POST" and request.can_read_body:
        if request.content_type == "application/json":
            raw = await request.read()
            if raw.strip():
                try:
                    data = json.loads(raw)
                except ValueError:
                    return args, "json", True
                if not isinstance(data, dict):
                    return args, "json", True
                args.update(data)
                encoding = "json"
        elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            for key, value in form.items():
                args[key] = value if isinstance(value, str) else f"<file {getattr(value, 'filename', '')}>"
            encoding = "form" if request.content_type.startswith("application/") else "multipart"
    return parse_json_args(args), encoding, False
