"""The sandbox page: Slack's client, emulated in a browser at the app's own address (only in sandbox mode).

``GET /`` serves one static page; it reads the emulated workspace from ``GET /sandbox/state`` whenever
``GET /sandbox/events`` (server-sent events) says it changed. What a person does goes to ``POST /sandbox/…``
endpoints, which turn it into what Slack would send the app (see ``sandbox.frontend``), or — for the sandbox's own
controls — send sample MQLs through the real intake API, move the clock, or make the emulated Slack fail.
Every endpoint answers bad input with HTTP 400 naming the field.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

import aiohttp
from aiohttp import web

from bot.app.services import SERVICES
from sandbox.clock import OffsetClock
from sandbox.elements import BadInput
from sandbox.fast_forward import fast_forward
from sandbox.frontend import AppTrouble, SlackFrontend
from sandbox.persistence import Persistence
from sandbox.sample_leads import sample_leads
from sandbox.slack_api import FakeSlack
from sandbox.slack_models import Message, SlackError

log = logging.getLogger("handoff.sandbox")

STATIC: Final = Path(__file__).parent / "static"
MAX_BURST: Final = 50
MAX_ADVANCE: Final = timedelta(days=30)
RETRY_AFTER: Final = 3  # seconds a scripted 429 asks for: long enough to watch the outbox wait, short to see it retry
RECENT_CALLS: Final = 30

Endpoint = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    roles: tuple[str, ...]


def message_json(m: Message) -> dict[str, Any]:
    return {
        "channel": m.channel,
        "ts": m.ts,
        "text": m.text,
        "blocks": m.blocks,
        "attachments": m.attachments,
        "thread_ts": m.thread_ts,
        "user": m.user,
        "bot": m.is_bot,
        "edited": m.updated > 0,
        "reply_count": m.reply_count,
        "ephemeral": m.ephemeral_user is not None,
        "files": [
            {"id": f["id"], "name": f["name"], "title": f.get("title"), "url": f"/sandbox/files/{f['id']}"}
            for f in m.files
        ],
    }


def whole_number(body: dict[str, Any], field: str, low: int, high: int) -> int:
    value = body.get(field)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise BadInput(field, f"must be a whole number from {low} to {high}")
    return value


class SandboxPage:
    """The page's routes and what they need; ``app[SANDBOX_PAGE]`` once mounted."""

    def __init__(
        self,
        *,
        fake: FakeSlack,
        frontend: SlackFrontend,
        clock: OffsetClock,
        people: list[Person],
        channels: dict[str, str],
        intake_token: str,
        timezone: str = "UTC",
        persistence: Persistence | None = None,
        notice: str | None = None,
    ) -> None:
        self.fake = fake
        self.frontend = frontend
        self.clock = clock
        self.people = {p.id: p for p in people}
        self.channels = channels  # channel id -> name
        self._intake_token = intake_token
        self.timezone = timezone  # the team's: the page shows times as the team reads them
        self.persistence = persistence
        self.notice = notice  # said on the page: how this start found its workspace
        saved = persistence.page_state if persistence is not None else {}
        # Sample lead ids are new each run, their people the same every run; a restart goes on where it stopped.
        self._run = str(saved.get("run") or f"{int(clock()):x}")
        self._next_lead = int(saved.get("next_lead") or 1)
        self._keep_page_state()
        self._stopping = False
        self._app: web.Application | None = None

    def _keep_page_state(self) -> None:
        if self.persistence is not None:
            self.persistence.page_state = {"run": self._run, "next_lead": self._next_lead}

    def mount(self, app: web.Application) -> None:
        """Add the page's routes and its HTTP session to the app (before it starts)."""
        self._app = app
        app[SANDBOX_PAGE] = self
        post = {
            "click": self.click,
            "submit": self.submit,
            "close": self.close,
            "command": self.command,
            "say": self.say,
            "home": self.home,
            "leads": self.leads,
            "clock": self.advance,
            "slack": self.slack_mode,
            "reset": self.reset,
        }
        app.add_routes(
            [
                web.get("/", self.index),
                web.get("/sandbox/state", self.state),
                web.get("/sandbox/events", self.events),
                web.get("/sandbox/files/{file_id}", self.file),
                web.static("/sandbox/static", STATIC),
                *(web.post(f"/sandbox/{name}", self.endpoint(handler)) for name, handler in post.items()),
            ]
        )
        app.cleanup_ctx.append(self._session)
        app.on_shutdown.append(self._stop_streams)

    async def _session(self, _app: web.Application) -> AsyncIterator[None]:
        self.frontend.http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15))
        try:
            yield
        finally:
            await self.frontend.http.close()

    async def _stop_streams(self, _app: web.Application) -> None:
        self._stopping = True
        self.fake.notify_change()

    # -- plumbing ---------------------------------------------------------------------------------------------------

    def endpoint(self, handler: Endpoint) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def handle(request: web.Request) -> web.Response:
            self._learn_address(request)
            try:
                try:
                    body = json.loads(await request.read())
                except (ValueError, UnicodeDecodeError):
                    raise BadInput("body", "is not valid JSON") from None
                if not isinstance(body, dict):
                    raise BadInput("body", "must be a JSON object")
                answer = await handler(body)
            except BadInput as exc:
                return web.json_response({"error": "bad_input", "field": exc.field, "message": exc.message}, status=400)
            except AppTrouble as exc:
                return web.json_response({"error": "app_trouble", "message": str(exc)}, status=502)
            return web.json_response({"ok": True, **answer})

        return handle

    def _learn_address(self, request: web.Request) -> None:
        """The app's own address, from the socket this request arrived on (the port may have been chosen at
        random, and the page's Host header may name a proxy)."""
        if self.frontend.app_url or request.transport is None:
            return
        host, port = request.transport.get_extra_info("sockname")[:2]
        host = "127.0.0.1" if host in ("0.0.0.0", "") else "[::1]" if host == "::" else host
        self.frontend.app_url = f"http://{f'[{host}]' if ':' in host and not host.startswith('[') else host}:{port}"

    def _person(self, body: dict[str, Any]) -> str:
        user = body.get("user")
        if user not in self.people:
            raise BadInput("user", f"must be one of {', '.join(self.people)}")
        return str(user)

    # -- reading ----------------------------------------------------------------------------------------------------

    async def index(self, request: web.Request) -> web.StreamResponse:
        self._learn_address(request)
        return web.FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})

    async def state(self, request: web.Request) -> web.Response:
        self._learn_address(request)
        fake = self.fake
        conversations = {c for c in fake.messages if c[0] in "CG"} | set(self.channels)
        calls = [
            {"method": c.method, "status": c.status, "error": c.error, "at": self._iso(c.at)}
            for c in fake.calls[-RECENT_CALLS:]
        ]
        return web.json_response(
            {
                "version": fake.version,
                "bot": {"id": fake.bot_user_id, "name": "Handoff"},
                "people": [{"id": p.id, "name": p.name, "roles": list(p.roles)} for p in self.people.values()],
                "channels": [{"id": c, "name": self.channels.get(c, c)} for c in sorted(conversations)],
                "messages": {c: [message_json(m) for m in ms] for c, ms in fake.messages.items()},
                "ephemerals": {u: [message_json(m) for m in ms] for u, ms in fake.ephemerals.items()},
                "homes": fake.home_views,
                "modals": {u: fake.modal_stack(u) for u in fake.view_stacks},
                "clock": {
                    "now": self.clock.now().isoformat(),
                    "offset_seconds": self.clock.offset.total_seconds(),
                    "timezone": self.timezone,
                },
                "notice": self.notice,
                "slack": {
                    "down": fake.down,
                    "failures": [{"method": m, "status": s, "times": t} for m, s, t in fake.queued_failures()],
                    "calls": calls,
                },
            }
        )

    @staticmethod
    def _iso(at: float) -> str:
        return datetime.fromtimestamp(at, UTC).isoformat()

    async def events(self, request: web.Request) -> web.StreamResponse:
        """Server-sent events: one ``change`` (with the workspace's version) at once and after every change."""
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store"})
        await response.prepare(request)
        version = self.fake.version
        try:
            while not self._stopping:
                await response.write(f"event: change\ndata: {version}\n\n".encode())
                version = await self.fake.changed(version)
        except ConnectionResetError:
            pass  # the page was closed or reloaded
        return response

    async def file(self, request: web.Request) -> web.Response:
        stored = self.fake.files.get(request.match_info["file_id"])
        if stored is None or stored.content is None:
            raise web.HTTPNotFound(text="no such file")
        return web.Response(body=stored.content, content_type=self.fake.file_object(stored)["mimetype"])

    # -- what a person does -----------------------------------------------------------------------------------------

    async def click(self, body: dict[str, Any]) -> dict[str, Any]:
        user = self._person(body)
        where = {k: body.get(k) for k in ("block", "action_id", "selected")}
        if body.get("view_id") is not None:
            status = await self.frontend.click_in_view(user, view_id=body["view_id"], **where)
        else:
            status = await self.frontend.click(user, channel=body.get("channel"), ts=body.get("ts"), **where)
        if status != 200:
            raise AppTrouble(f"The app answered the click with HTTP {status}.")
        return {}

    async def submit(self, body: dict[str, Any]) -> dict[str, Any]:
        errors = await self.frontend.submit(self._person(body), view_id=body.get("view_id"), values=body.get("values"))
        return {"errors": errors}

    async def close(self, body: dict[str, Any]) -> dict[str, Any]:
        await self.frontend.close_modal(self._person(body), view_id=body.get("view_id"))
        return {}

    async def command(self, body: dict[str, Any]) -> dict[str, Any]:
        await self.frontend.command(self._person(body), channel=body.get("channel"), text=body.get("text"))
        return {}

    async def say(self, body: dict[str, Any]) -> dict[str, Any]:
        """A plain message typed by the person (the app does not listen to messages; it is there to look at)."""
        user, text = self._person(body), body.get("text")
        if not isinstance(text, str) or not text.strip() or len(text) > 4000:
            raise BadInput("text", "must be 1 to 4000 characters")
        thread_ts = body.get("thread_ts")
        if thread_ts is not None and not isinstance(thread_ts, str):
            raise BadInput("thread_ts", "must be a message ts")
        try:
            self.fake.post_as_user(str(body.get("channel") or ""), user, text, thread_ts=thread_ts)
        except SlackError:
            raise BadInput("channel", f"no conversation {body.get('channel')!r}") from None
        self.fake.notify_change()
        return {}

    async def home(self, body: dict[str, Any]) -> dict[str, Any]:
        status = await self.frontend.open_home(self._person(body))
        if status != 200:
            raise AppTrouble(f"The app answered app_home_opened with HTTP {status}.")
        return {}

    # -- the sandbox's own controls ---------------------------------------------------------------------------------

    async def leads(self, body: dict[str, Any]) -> dict[str, Any]:
        """Sample MQLs, through the real intake API with the intake token, as a marketing platform sends them."""
        count = whole_number(body, "count", 1, MAX_BURST)
        leads = sample_leads(self._next_lead, count, self.clock.now(), run=self._run)
        self._next_lead += count
        self._keep_page_state()
        assert self.frontend.http is not None
        async with self.frontend.http.post(
            f"{self.frontend.app_url}/api/leads",
            json=leads if count > 1 else leads[0],
            headers={"Authorization": f"Bearer {self._intake_token}"},
        ) as response:
            status, answer = response.status, await response.text()
        if status not in (200, 201):
            raise AppTrouble(f"The intake API answered HTTP {status}: {answer[:500]}")
        return {"sent": [lead["name"] for lead in leads]}

    async def advance(self, body: dict[str, Any]) -> dict[str, Any]:
        """Move the clock forward, running every scheduled job that comes due on the way at its own moment (the SLA
        sweep, the pacing checks and reviews, the weekly digest), then wake the outbox so what is due happens now."""
        seconds = whole_number(body, "seconds", 1, int(MAX_ADVANCE.total_seconds()))
        assert self._app is not None
        svc = self._app[SERVICES]
        await fast_forward(svc, self.clock, timedelta(seconds=seconds))
        svc.outbox.wake()
        self.fake.notify_change()
        return {"now": self.clock.now().isoformat(), "offset_seconds": self.clock.offset.total_seconds()}

    async def slack_mode(self, body: dict[str, Any]) -> dict[str, Any]:
        """Make the emulated Slack fail, to watch the outbox wait and retry."""
        mode = body.get("mode")
        if mode == "ratelimit":
            self.fake.fail_next("*", status=429, retry_after=RETRY_AFTER)
        elif mode == "error":
            self.fake.fail_next("*", status=500)
        elif mode in ("down", "up"):
            self.fake.set_down(mode == "down")
        else:
            raise BadInput("mode", "must be one of ratelimit, error, down, up")
        return {}

    async def reset(self, body: dict[str, Any]) -> dict[str, Any]:
        """Start over: every lead, clock and announcement goes from the database, every message from the workspace,
        and the clock is back at the real time."""
        if body.get("confirm") is not True:
            raise BadInput("confirm", "must be true: a reset deletes every lead and message of the sandbox")
        if self.persistence is None:
            raise BadInput("confirm", "this sandbox keeps no state to reset")
        assert self._app is not None
        self._run, self._next_lead, self.notice = f"{int(self.clock()):x}", 1, None
        await self.persistence.reset(self._app[SERVICES].db)
        self._keep_page_state()
        log.info("sandbox reset: an empty workspace and database, the clock at the real time")
        return {}


SANDBOX_PAGE = web.AppKey("sandbox_page", SandboxPage)
