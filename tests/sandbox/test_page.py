"""The sandbox page's endpoints, through HTTP, against the sandbox as `make run` builds it (a temporary SQLite file).

What the browser test shows end to end is checked here in detail: each endpoint turns what a person does into what
Slack would send the app, and answers bad input with 400 naming the field.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml
from aiohttp.test_utils import TestServer

from bot.app.services import SERVICES
from bot.config.settings import Settings
from bot.config.team_file import parse_config
from bot.ids import Action, Block
from bot.lifecycle.intake_input import parse_leads
from sandbox.demo import LEADS_CHANNEL, MANAGERS, REPS, demo_config
from sandbox.elements import REQUIRED
from sandbox.page import SANDBOX_PAGE, SandboxPage
from sandbox.runner import COMMANDS, build_sandbox, people_of
from sandbox.sample_leads import sample_lead, sample_leads
from sandbox.slack_api import WAIT_BOUND, FakeSlack
from tests.conftest import Harness, text_of

RILEY, SAM = list(REPS)
MORGAN = next(iter(MANAGERS))
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Sandbox:
    server: TestServer
    http: aiohttp.ClientSession

    @property
    def page(self) -> SandboxPage:
        return self.server.app[SANDBOX_PAGE]

    @property
    def slack(self) -> FakeSlack:
        return self.page.fake

    async def post(self, path: str, body: Any) -> tuple[int, dict[str, Any]]:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        async with self.http.post(self.server.make_url(f"/sandbox/{path}"), data=data) as response:
            return response.status, await response.json()

    async def ok(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        status, answer = await self.post(path, body)
        assert status == 200, answer
        return answer

    async def get(self, path: str) -> tuple[int, bytes]:
        async with self.http.get(self.server.make_url(path)) as response:
            return response.status, await response.read()

    async def settle(self) -> None:
        """Wait until the work behind the app's acks has finished (for /funnel: the chart drawn, uploaded and the
        answer posted to response_url). That is the event itself, however long a busy machine takes to draw; the
        bound only ends a test that hangs."""
        async with asyncio.timeout(WAIT_BOUND):
            await self.server.app[SERVICES].background.wait()

    async def new_lead(self) -> Any:
        """Send one sample MQL and return its post in the channel, once delivered."""
        posts = len(self.slack.messages.get(LEADS_CHANNEL, []))
        await self.ok("leads", {"count": 1})
        await self.slack.wait_for("chat.postMessage", posts + 1)
        return self.slack.messages[LEADS_CHANNEL][-1]


@pytest.fixture
async def sandbox(tmp_path: Path) -> AsyncIterator[Sandbox]:
    settings = Settings.from_env({"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'sandbox.db'}", "PORT": "0"})
    server = TestServer(await build_sandbox(settings, demo_config()), host="127.0.0.1")
    await server.start_server()
    http = aiohttp.ClientSession()
    try:
        box = Sandbox(server, http)
        await box.get("/sandbox/state")  # a page load: the sandbox learns the app's address
        yield box
    finally:
        await http.close()
        await server.close()


async def until(slack: FakeSlack, check: Callable[[], object], seconds: float = WAIT_BOUND) -> None:
    """Wait, change by change (no polling), until `check()` holds."""
    async with asyncio.timeout(seconds):
        version = slack.version
        while not check():
            version = await slack.changed(version)


def block_index(message: Any, action_id: str) -> int:
    return next(
        i for i, b in enumerate(message.blocks) if any(e.get("action_id") == action_id for e in b.get("elements", []))
    )


# -- bad input ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("leads", {"count": 0}, "count"),
        ("leads", {"count": 51}, "count"),
        ("leads", {"count": "1"}, "count"),
        ("clock", {}, "seconds"),
        ("clock", {"seconds": -60}, "seconds"),
        ("clock", {"seconds": True}, "seconds"),
        ("slack", {"mode": "sideways"}, "mode"),
        ("click", {"user": "U0NOBODY0", "channel": LEADS_CHANNEL, "ts": "1.2"}, "user"),
        ("click", {"user": RILEY, "channel": LEADS_CHANNEL, "ts": "1.000100"}, "ts"),
        ("click", {"user": RILEY, "view_id": "V0NOPE"}, "view_id"),
        ("submit", {"user": RILEY, "view_id": "V0NOPE", "values": {}}, "view_id"),
        ("close", {"user": RILEY, "view_id": "V0NOPE"}, "view_id"),
        ("command", {"user": RILEY, "channel": LEADS_CHANNEL, "text": "/nope"}, "text"),
        ("command", {"user": RILEY, "channel": LEADS_CHANNEL, "text": "funnel"}, "text"),
        ("command", {"user": RILEY, "channel": "C0NOWHERE", "text": "/funnel"}, "channel"),
        ("say", {"user": RILEY, "channel": LEADS_CHANNEL, "text": "  "}, "text"),
        ("say", {"user": RILEY, "channel": "C0NOWHERE", "text": "hi"}, "channel"),
        ("home", {}, "user"),
        ("home", b"{not json", "body"),
        ("home", [RILEY], "body"),
    ],
)
async def test_bad_input_is_answered_400_naming_the_field(sandbox: Sandbox, path: str, body: Any, field: str) -> None:
    status, answer = await sandbox.post(path, body)

    assert status == 400
    assert (answer["error"], answer["field"]) == ("bad_input", field)
    assert answer["message"]


async def test_a_click_on_an_element_the_message_does_not_have_is_refused(sandbox: Sandbox) -> None:
    post = await sandbox.new_lead()
    where = {"user": RILEY, "channel": post.channel, "ts": post.ts}

    status, answer = await sandbox.post("click", {**where, "block": 99, "action_id": Action.ACCEPT})
    assert (status, answer["field"]) == (400, "block")
    status, answer = await sandbox.post("click", {**where, "block": 0, "action_id": Action.ACCEPT})
    assert (status, answer["field"]) == (400, "action_id")
    assert sandbox.slack.calls_to("chat.update") == []


# -- what a person does ---------------------------------------------------------------------------------------------


async def test_sample_leads_arrive_through_the_intake_api_and_are_posted(sandbox: Sandbox) -> None:
    answer = await sandbox.ok("leads", {"count": 3})
    await sandbox.slack.wait_for("chat.postMessage", 3)

    posts = sandbox.slack.messages[LEADS_CHANNEL]
    assert len(posts) == 3
    for name, post in zip(answer["sent"], posts, strict=True):
        assert name in text_of(post.blocks)
    assert [a["action_id"] for a in posts[0].blocks[block_index(posts[0], Action.ACCEPT)]["elements"]] == [
        Action.ACCEPT,
        Action.REJECT,
    ]


async def test_accept_is_a_signed_click_and_the_post_changes(sandbox: Sandbox) -> None:
    post = await sandbox.new_lead()

    await sandbox.ok(
        "click",
        {"user": RILEY, "channel": post.channel, "ts": post.ts, "block": block_index(post, Action.ACCEPT),
         "action_id": Action.ACCEPT},
    )  # fmt: skip
    await sandbox.slack.wait_for("chat.update")

    assert f"*Accepted* by <@{RILEY}>" in text_of(post.blocks)


async def test_reject_opens_the_modal_and_its_errors_show_inline(sandbox: Sandbox) -> None:
    post = await sandbox.new_lead()
    click = {"user": RILEY, "channel": post.channel, "ts": post.ts, "block": block_index(post, Action.REJECT)}
    await sandbox.ok("click", {**click, "action_id": Action.REJECT})
    [open_call] = await sandbox.slack.wait_for("views.open")
    assert open_call.ok
    [modal] = sandbox.slack.modal_stack(RILEY)

    # an empty required field never reaches the app: Slack's client says so itself
    answer = await sandbox.ok("submit", {"user": RILEY, "view_id": modal["id"], "values": {}})
    assert answer["errors"] == {Block.REJECT_REASON: REQUIRED}
    status, bad = await sandbox.post("submit", {"user": RILEY, "view_id": modal["id"],
                                                "values": {Block.REJECT_REASON: "not an option"}})  # fmt: skip
    assert (status, bad["field"]) == (400, f"values.{Block.REJECT_REASON}")
    status, bad = await sandbox.post("submit", {"user": RILEY, "view_id": modal["id"], "values": {"nope": "x"}})
    assert (status, bad["field"]) == (400, "values.nope")
    assert sandbox.slack.modal_stack(RILEY) == [modal]

    reason = demo_config().reject.reasons[0]
    values = {Block.REJECT_REASON: reason, Block.REJECT_NOTE: "No budget this year"}
    answer = await sandbox.ok("submit", {"user": RILEY, "view_id": modal["id"], "values": values})

    assert answer["errors"] == {}
    assert sandbox.slack.modal_stack(RILEY) == []
    await sandbox.slack.wait_for("chat.update")
    assert "*Rejected* by" in text_of(post.blocks) and reason in text_of(post.blocks)


async def test_the_apps_own_inline_errors_come_back_to_the_modal(sandbox: Sandbox) -> None:
    await sandbox.ok("command", {"user": MORGAN, "channel": LEADS_CHANNEL, "text": "/funnel spend"})
    await sandbox.slack.wait_for("views.open")
    [modal] = sandbox.slack.modal_stack(MORGAN)
    values = {Block.SPEND_MONTH: "someday", Block.SPEND_SOURCE: "webinar", Block.SPEND_AMOUNT: "1200"}

    answer = await sandbox.ok("submit", {"user": MORGAN, "view_id": modal["id"], "values": values})

    assert list(answer["errors"]) == [Block.SPEND_MONTH]  # answered by the app (response_action: errors)
    assert sandbox.slack.modal_stack(MORGAN) == [modal]
    await sandbox.ok("close", {"user": MORGAN, "view_id": modal["id"]})
    assert sandbox.slack.modal_stack(MORGAN) == []


async def test_funnel_answers_privately_with_the_chart_served_by_the_page(sandbox: Sandbox) -> None:
    await sandbox.new_lead()

    await sandbox.ok("command", {"user": SAM, "channel": LEADS_CHANNEL, "text": "/funnel this month by source"})
    await sandbox.settle()

    crunching, answer = sandbox.slack.ephemerals[SAM]
    assert crunching.text.startswith("⏳ Crunching the funnel for this month by source")
    [image] = [b for b in answer.blocks if b["type"] == "image"]
    status, png = await sandbox.get(f"/sandbox/files/{image['slack_file']['id']}")
    assert (status, png[:4]) == (200, b"\x89PNG")
    assert (await sandbox.get("/sandbox/files/F0NOPE"))[0] == 404


async def test_opening_home_sends_app_home_opened_and_the_view_is_published(sandbox: Sandbox) -> None:
    await sandbox.ok("home", {"user": RILEY})

    [publish] = await sandbox.slack.wait_for("views.publish")
    assert publish.args["user_id"] == RILEY
    assert sandbox.slack.home_views[RILEY]["type"] == "home"


async def test_fast_forward_warns_then_escalates_to_the_manager(sandbox: Sandbox) -> None:
    post = await sandbox.new_lead()

    answer = await sandbox.ok("clock", {"seconds": 70})  # the demo's accept target is 2 min, warned at 50 %
    assert answer["offset_seconds"] == 70
    await sandbox.slack.wait_for("chat.postMessage", 2)
    [warning] = [m for m in sandbox.slack.thread(LEADS_CHANNEL, post.ts) if m.ts != post.ts]
    assert "Heads-up" in warning.text

    await sandbox.ok("clock", {"seconds": 15 * 60})
    dm = "D" + MORGAN[1:]
    await until(sandbox.slack, lambda: sandbox.slack.messages.get(dm))
    [breach] = sandbox.slack.messages[dm]
    assert "SLA breached" in breach.text


async def test_slack_can_be_told_to_answer_429_or_500_or_to_be_down(sandbox: Sandbox) -> None:
    await sandbox.ok("slack", {"mode": "error"})
    await sandbox.ok("command", {"user": SAM, "channel": LEADS_CHANNEL, "text": "/funnel this month"})
    [failed] = await sandbox.slack.wait_for("files.getUploadURLExternal")
    assert (failed.status, failed.error) == (500, "internal_error")

    await sandbox.ok("slack", {"mode": "ratelimit"})
    state = json.loads((await sandbox.get("/sandbox/state"))[1])
    assert state["slack"]["failures"] == [{"method": "*", "status": 429, "times": 1}]
    await sandbox.ok("leads", {"count": 1})
    [limited] = await sandbox.slack.wait_for("chat.postMessage")
    assert (limited.status, limited.error) == (429, "ratelimited")  # the outbox waits out Retry-After (real seconds)

    await sandbox.ok("slack", {"mode": "down"})
    assert json.loads((await sandbox.get("/sandbox/state"))[1])["slack"]["down"] is True
    await sandbox.ok("home", {"user": RILEY})
    [refused] = await sandbox.slack.wait_for("views.publish")
    assert refused.status == 503
    await sandbox.ok("slack", {"mode": "up"})
    await sandbox.ok("home", {"user": RILEY})
    [_, published] = await sandbox.slack.wait_for("views.publish", 2)
    assert published.ok


async def test_typed_messages_show_in_the_channel_and_threads(sandbox: Sandbox) -> None:
    post = await sandbox.new_lead()

    await sandbox.ok("say", {"user": SAM, "channel": LEADS_CHANNEL, "text": "on it", "thread_ts": post.ts})

    [reply] = [m for m in sandbox.slack.thread(LEADS_CHANNEL, post.ts) if m.ts != post.ts]
    assert (reply.user, reply.text, post.reply_count) == (SAM, "on it", 1)


async def test_events_stream_announces_every_change(sandbox: Sandbox) -> None:
    async with sandbox.http.get(sandbox.server.make_url("/sandbox/events")) as stream:
        assert stream.headers["Content-Type"] == "text/event-stream"
        first = await stream.content.readuntil(b"\n\n")
        assert first.startswith(b"event: change\ndata: ")
        await sandbox.ok("say", {"user": SAM, "channel": LEADS_CHANNEL, "text": "hello"})
        second = await stream.content.readuntil(b"\n\n")
        assert int(second.split(b"data: ")[1]) > int(first.split(b"data: ")[1])


async def test_the_page_and_its_state(sandbox: Sandbox) -> None:
    status, html = await sandbox.get("/")
    assert status == 200 and b"Handoff sandbox" in html
    for asset in ("app.js", "blocks.js", "mrkdwn.js", "app.css"):
        assert (await sandbox.get(f"/sandbox/static/{asset}"))[0] == 200
    state = json.loads((await sandbox.get("/sandbox/state"))[1])
    assert [(p["name"], p["roles"]) for p in state["people"]] == [
        ("Riley Rep", ["rep"]),
        ("Sam Seller", ["rep"]),
        ("Morgan Manager", ["manager"]),
        ("Casey Campaigns", ["marketer"]),
    ]
    assert state["channels"] == [{"id": LEADS_CHANNEL, "name": "leads"}]
    assert state["clock"]["timezone"] == "America/Chicago"


async def test_without_sandbox_mode_there_is_no_page(app: Harness) -> None:
    for path in ("/", "/sandbox/state", "/sandbox/static/app.js"):
        async with app.http.get(app.url(path)) as response:
            assert response.status == 404
    async with app.http.post(app.url("/sandbox/leads"), json={"count": 1}) as response:
        assert response.status in (404, 405)


# -- the pieces -----------------------------------------------------------------------------------------------------


def test_the_sandbox_knows_the_manifests_slash_commands() -> None:
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text())
    assert tuple(c["command"] for c in manifest["features"]["slash_commands"]) == COMMANDS


def test_sample_leads_are_valid_realistic_and_reproducible() -> None:
    now = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
    leads = sample_leads(1, 50, now, run="r1")

    parsed, _ = parse_leads(leads)
    assert len({lead.external_id for lead in parsed}) == 50
    assert {lead.source for lead in parsed} == {"webinar", "paid_search", "content", "event", "referral"}
    assert all(lead.activity and all(a.at < now for a in lead.activity) for lead in parsed)
    assert all(lead.email and lead.company and lead.campaign and lead.score is not None for lead in parsed)
    assert sample_lead(7, now) == sample_lead(7, now)
    assert sample_lead(7, now, run="r2")["name"] == leads[6]["name"]


def test_people_come_from_the_team_file_with_their_roles() -> None:
    config = parse_config(
        {
            "slack": {"leads_channel": "C0LEADS001"},
            "team": {"sales": ["U0ALEX0001", "S0GROUP001"], "managers": ["U0ALEX0001", "U0BOSS0001"]},
        }
    )

    people = people_of(config)

    assert [(p.id, p.name, p.roles) for p in people] == [
        ("U0ALEX0001", "U0ALEX0001", ("rep", "manager")),
        ("U0BOSS0001", "U0BOSS0001", ("manager",)),
    ]


async def test_the_demo_team_has_a_campaign_running_today_and_a_short_content_request_clock(sandbox: Sandbox) -> None:
    await sandbox.ok("command", {"user": SAM, "channel": LEADS_CHANNEL, "text": "/campaigns"})
    await sandbox.settle()

    [answer] = sandbox.slack.ephemerals[SAM]
    assert "running" in answer.text or "running" in str(answer.blocks)
    assert "What to say" in str(answer.blocks)
    config = demo_config()
    assert config.sla.content_request.target.total_seconds() <= 15 * 60


async def test_a_content_request_is_asked_with_its_date_and_runs_on_the_demo_clock(sandbox: Sandbox) -> None:
    from sqlalchemy import select

    from bot.content.request_ids import REQUEST_BLOCKS, RequestAction
    from storage.content_models import ContentRequest

    casey = "U0MKT00001"
    await sandbox.ok("command", {"user": SAM, "channel": LEADS_CHANNEL, "text": "/content request"})
    await sandbox.slack.wait_for("views.open")
    [modal] = sandbox.slack.modal_stack(SAM)
    need, wanted_by = REQUEST_BLOCKS["need"], REQUEST_BLOCKS["wanted_by"]
    status, bad = await sandbox.post("submit", {"user": SAM, "view_id": modal["id"],
                                                "values": {need: "A case study", wanted_by: "someday"}})  # fmt: skip
    assert (status, bad["field"]) == (400, f"values.{wanted_by}")
    day = (datetime.now(UTC) + timedelta(days=3)).astimezone(demo_config().tz).date()

    values = {need: "A logistics case study", wanted_by: day.isoformat()}
    answer = await sandbox.ok("submit", {"user": SAM, "view_id": modal["id"], "values": values})

    assert answer["errors"] == {}
    await sandbox.settle()
    channel = sandbox.slack.messages
    await until(sandbox.slack, lambda: any("Content request #1" in m.text for m in channel.get(LEADS_CHANNEL, [])))
    [post] = [m for m in sandbox.slack.messages[LEADS_CHANNEL] if "Content request #1" in m.text]
    assert f"wanted by {day:%a %b} {day.day}" in post.text
    take = {"user": casey, "channel": post.channel, "ts": post.ts, "block": block_index(post, RequestAction.TAKE)}
    await sandbox.ok("click", {**take, "action_id": RequestAction.TAKE})
    await until(sandbox.slack, lambda: "Taken by" in text_of(post.blocks))
    await sandbox.ok("clock", {"seconds": 3600})  # +1 h: the demo's 10-minute clock, warned at 50 %, then late

    async with sandbox.server.app[SERVICES].db.session() as session:
        [request] = list(await session.scalars(select(ContentRequest)))
    assert request.warned_at is not None and request.breached_at is not None
    # each step at its own moment on the way, not both at the end of the hour
    assert abs(request.warned_at - request.warn_at) < timedelta(seconds=5)
    assert abs(request.breached_at - request.due_at) < timedelta(seconds=5)
    await until(sandbox.slack, lambda: sandbox.slack.messages.get("D" + casey[1:]))
    assert "is due soon" in sandbox.slack.messages["D" + casey[1:]][0].text
    await until(sandbox.slack, lambda: sandbox.slack.messages.get("D" + MORGAN[1:]))
    [late] = sandbox.slack.messages["D" + MORGAN[1:]]  # the taker's manager
    assert "is late" in late.text
