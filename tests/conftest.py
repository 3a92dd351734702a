"""Fixtures: the real app (factory, aiohttp, Bolt, SQLite file) on a real TCP port, beside the fake Slack Web API.

Tests talk to it only as Slack and a marketing platform do: signed HTTP requests and JSON over HTTP.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web, web_app
from aiohttp.test_utils import TestServer
from sqlalchemy import exists, select

from bot.app.factory import create_app
from bot.app.services import SERVICES, Services
from bot.clock import ManualClock
from bot.config.settings import Settings
from bot.config.team_file import HandoffConfig, parse_config
from bot.sla.plan import SweepReport
from sandbox.slack_api import FakeSlack
from sandbox.slack_models import Message
from storage.models import Lead, LeadEvent, OutboxMessage
from storage.outbox import claimable
from tests import slack_requests as sr
from tests.databases import BACKENDS, fresh_postgres

SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test-token"
INTAKE_TOKEN = "intake-token-0123456789abcdef"
LEADS = "C0LEADS001"
REP1, REP2, REP3 = "U0REP00001", "U0REP00002", "U0REP00003"
MANAGER = "U0MGR00001"
MARKETER = "U0MKT00001"
OUTSIDER = "U0OUTSIDE1"
SALES_GROUP = "S0SALESGRP"
START = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # a Monday, 09:00 in Chicago


def team_config(**overrides: Any) -> HandoffConfig:
    data: dict[str, Any] = {
        "timezone": "America/Chicago",
        # Tests move the clock by hand and sweep with Harness.sweep. The scheduler's own sweep runs on real time
        # (every 30 s by default): in a long test it fired at whatever the ManualClock said and breached clocks
        # between two reads (the rollup test saw "Accept 75%" from one and "71%" from the other). Once an hour
        # real time is never, for a test.
        "scheduler": {"sla_check_interval": "1h"},
        # Pacing and burst batching have tests of their own; elsewhere one lead is one post, delivered at once.
        "slack": {"leads_channel": LEADS, "posts_per_second": 100, "post_burst": 100, "batch_when_over": 0},
        "team": {
            "sales": [REP1, REP2, SALES_GROUP],
            "managers": [MANAGER],
            "marketing": [MARKETER],
            "manager_of": {REP1: MANAGER},
        },
    }
    data.update(overrides)
    return parse_config(data)


def make_settings(database_url: str, slack: FakeSlack) -> Settings:
    return Settings(
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        intake_token=INTAKE_TOKEN,
        slack_api_url=slack.base_url,
        database_url=database_url,
        port=0,
    )


class Harness:
    """One running app and the ways Slack and a marketing platform reach it."""

    def __init__(self, server: TestServer, http: aiohttp.ClientSession, slack: FakeSlack, clock: ManualClock) -> None:
        self.server = server
        self.http = http
        self.slack = slack
        self.clock = clock

    @property
    def svc(self) -> Services:
        return self.server.app[SERVICES]

    def url(self, path: str) -> str:
        return str(self.server.make_url(path))

    # --- the marketing platform ---------------------------------------------------------------------------

    async def post_leads(self, body: Any = None, *, token: str | None = INTAKE_TOKEN, raw: bytes | None = None) -> Any:
        headers = {"Content-Type": "application/json"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        kwargs: dict[str, Any] = {"data": raw} if raw is not None else {"json": body}
        async with self.http.post(self.url("/api/leads"), headers=headers, **kwargs) as response:
            return response.status, await response.json()

    async def post_stage(self, external_id: str, body: Any, *, token: str | None = INTAKE_TOKEN) -> Any:
        """A CRM workflow moving a lead: POST /api/leads/{external_id}/stage."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        url = self.url(f"/api/leads/{external_id}/stage")
        async with self.http.post(url, json=body, headers=headers) as response:
            return response.status, await response.json()

    async def crm_moves(self, external_id: str, *moves: dict[str, Any]) -> None:
        """Several CRM moves in a row, each expected to succeed."""
        for move in moves:
            status, body = await self.post_stage(external_id, move)
            assert status == 200, body

    async def new_lead(self, **fields: Any) -> int:
        lead = {"external_id": f"ext-{fields.get('name', 'x')}-{id(fields)}", "name": "Dana Buyer", **fields}
        status, body = await self.post_leads(lead)
        assert status == 201, body
        await self.settle()
        return int(body["id"])

    # --- Slack ----------------------------------------------------------------------------------------------

    async def post_slack(
        self, body: str, *, content_type: str, secret: str = SIGNING_SECRET, timestamp: int | None = None
    ) -> tuple[int, str]:
        headers = sr.signed_headers(secret, body, content_type=content_type, timestamp=timestamp)
        async with self.http.post(self.url("/slack/events"), data=body.encode(), headers=headers) as response:
            return response.status, await response.text()

    async def interact(self, payload: dict[str, Any], **kwargs: Any) -> tuple[int, str]:
        return await self.post_slack(
            sr.interactive_body(payload), content_type="application/x-www-form-urlencoded", **kwargs
        )

    async def click(self, action_id: str, lead_id: int, user_id: str, **kwargs: Any) -> tuple[int, str]:
        lead = await self.lead(lead_id)
        payload = sr.block_actions(
            user_id=user_id,
            action_id=action_id,
            value=str(lead_id),
            channel=lead.slack_channel or LEADS,
            message_ts=lead.slack_ts or "0",
            trigger_id=self.slack.issue_trigger_id(user_id),
            response_url=self.slack.new_response_url(channel=lead.slack_channel, user_id=user_id),
        )
        return await self.interact(payload, **kwargs)

    async def press(
        self, message: Message, action_id: str, user_id: str, *, value: str | None = None
    ) -> tuple[int, str]:
        """Click a button on a message Slack shows (a DM, a thread reply), sending the value the app put on it."""
        elements = [el for block in message.blocks if block["type"] == "actions" for el in block["elements"]]
        elements += [block["accessory"] for block in message.blocks if "accessory" in block]
        buttons = [
            el for el in elements if el["action_id"] == action_id and (value is None or el.get("value") == value)
        ]
        assert buttons, f"no {action_id} button on that message"
        payload = sr.block_actions(
            user_id=user_id,
            action_id=action_id,
            value=buttons[0]["value"],
            channel=message.channel,
            message_ts=message.ts,
            trigger_id=self.slack.issue_trigger_id(user_id),
            response_url=self.slack.new_response_url(channel=message.channel, user_id=user_id),
        )
        return await self.interact(payload)

    async def submit(self, callback_id: str, user_id: str, metadata: str, values: dict[str, Any]) -> tuple[int, str]:
        payload = sr.view_submission(user_id=user_id, callback_id=callback_id, private_metadata=metadata, values=values)
        return await self.interact(payload)

    # --- waiting and looking --------------------------------------------------------------------------------

    async def settle(self) -> None:
        """Let work after acks finish, then deliver everything due now, so assertions see the final state."""
        await self.svc.background.wait()
        for _ in range(500):
            await self.svc.outbox.drain()
            async with self.svc.db.session() as session:
                # One statement, so one snapshot: asked as two queries, PostgreSQL let the app's loop commit a
                # delivery and the update it queued in between, and each query missed one of them (the update row
                # was not there yet for "due?", its parent no longer in flight for "in flight?").
                in_flight = select(OutboxMessage.id).where(
                    OutboxMessage.delivered_at.is_(None),
                    OutboxMessage.failed_at.is_(None),
                    OutboxMessage.claimed_by == self.svc.outbox.worker_id,
                )
                unsettled = await session.scalar(select(exists(claimable(self.clock.now())) | exists(in_flight)))
            if not unsettled:
                return
            await asyncio.sleep(0.01)  # the app's own worker loop holds a row: wait for it to finish, not for time
        raise AssertionError("outbox did not settle")

    async def sweep(self) -> SweepReport:
        """One SLA sweep at the clock's current time, then deliver what it queued."""
        report = await self.svc.sla.sweep()
        await self.settle()
        return report

    def dms(self, user_id: str) -> list[Message]:
        """The bot's messages in its DM with `user_id`, oldest first (current content: updates apply in place)."""
        return list(self.slack.messages.get("D" + user_id[1:], []))

    async def thread_replies(self, lead_id: int) -> list[Message]:
        lead = await self.lead(lead_id)
        assert lead.slack_channel and lead.slack_ts
        return [m for m in self.slack.thread(lead.slack_channel, lead.slack_ts) if m.ts != lead.slack_ts]

    async def lead(self, lead_id: int) -> Lead:
        async with self.svc.db.session() as session:
            lead = await session.get(Lead, lead_id)
            assert lead is not None
            return lead

    async def events(self, lead_id: int) -> list[LeadEvent]:
        async with self.svc.db.session() as session:
            rows = await session.scalars(select(LeadEvent).where(LeadEvent.lead_id == lead_id).order_by(LeadEvent.id))
            return list(rows)

    async def outbox_rows(self) -> list[OutboxMessage]:
        async with self.svc.db.session() as session:
            return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))

    async def post_of(self, lead_id: int) -> Message:
        lead = await self.lead(lead_id)
        assert lead.slack_channel and lead.slack_ts, f"lead {lead_id} was never posted"
        message = self.slack.find_message(lead.slack_channel, lead.slack_ts)
        assert message is not None
        return message


def text_of(blocks: list[dict[str, Any]]) -> str:
    """Every text a person would read in these blocks, joined (for assertions on content)."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                parts.append(node["text"])
            for value in node.values():
                if isinstance(value, (dict, list)):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(blocks)
    return "\n".join(parts)


def action_ids(blocks: list[dict[str, Any]]) -> list[str]:
    return [el["action_id"] for b in blocks if b["type"] == "actions" for el in b["elements"]]


StartApp = Callable[..., Awaitable[Harness]]


@pytest.fixture(autouse=True)
def _forget_served_apps() -> Iterator[None]:
    """aiohttp caches each app's middleware chain in a module-level LRU cache of 1,024 entries, keyed by the app:
    it kept every app a test had served alive until the run ended, with its database engine, fake clients and
    caches (the run grew to 4 GB, and spent three minutes in garbage collection at exit). A process serves one app;
    tests serve thousands, so each test forgets what it served."""
    yield
    cache = getattr(web_app, "_cached_build_middleware", None)
    if cache is not None:
        cache.cache_clear()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    fake = FakeSlack(bot_token=BOT_TOKEN, channels=[LEADS])
    fake.usergroups[SALES_GROUP] = [REP3]
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


@pytest.fixture(params=BACKENDS)
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """Every test that starts the app runs on SQLite, and on PostgreSQL too when TEST_DATABASE_URL is set."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'handoff.db'}"
        return
    async with fresh_postgres() as url:
        yield url


@pytest.fixture
async def start_app(slack: FakeSlack, clock: ManualClock, db_url: str) -> AsyncIterator[StartApp]:
    """Start the app (again, for restart tests) against one database; every server is closed at the end."""
    servers: list[TestServer] = []
    http = aiohttp.ClientSession()

    async def start(config: HandoffConfig | None = None, database_url: str = db_url, **overrides: Any) -> Harness:
        settings = replace(make_settings(database_url, slack), **overrides)
        app: web.Application = await create_app(settings, config or team_config(), clock=clock)
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()
        servers.append(server)
        return Harness(server, http, slack, clock)

    try:
        yield start
    finally:
        for server in reversed(servers):
            await server.close()
        await http.close()


@pytest.fixture
async def app(start_app: StartApp) -> Harness:
    return await start_app()
