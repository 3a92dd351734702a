"""Marketing's webhook receiver misbehaving: slow, gone (410), down for days. Its deliveries are retried and bounded,
and never hold back what Slack must hear."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.ids import Action, Block, Callback
from storage.models import OutboxMessage
from tests.app.test_operations import scrape, value
from tests.conftest import LEADS, REP1, Harness, StartApp
from tests.lifecycle.test_lifecycle import Receiver, crm_app

REASON = {Block.REJECT_REASON: {Action.REJECT_REASON: {"type": "static_select",
                                                        "selected_option": {"value": "Bad contact data"}}}}  # fmt: skip


class Misbehaving(Receiver):
    """Answers `status` (with `retry_after`, if set) to every delivery; with `hang`, holds each one until released."""

    def __init__(self) -> None:
        super().__init__()
        self.status = 200
        self.retry_after: str | None = None
        self.hang = False
        self.arrived = asyncio.Event()
        self.released = asyncio.Event()
        self.attempts = 0

    async def handle(self, request: web.Request) -> web.Response:
        self.attempts += 1
        self.arrived.set()
        if self.hang:
            await self.released.wait()
        if self.status != 200:
            headers = {"Retry-After": self.retry_after} if self.retry_after else {}
            return web.Response(status=self.status, headers=headers)
        return await super().handle(request)


@pytest.fixture
async def hook() -> AsyncIterator[Misbehaving]:
    receiver = Misbehaving()
    app = web.Application()
    app.router.add_post("/hook", receiver.handle)
    receiver.server = TestServer(app, host="127.0.0.1")
    await receiver.server.start_server()
    try:
        yield receiver
    finally:
        receiver.released.set()
        await receiver.server.close()


async def reject(app: Harness, lead_id: int) -> None:
    assert await app.submit(Callback.REJECT, REP1, str(lead_id), REASON) == (200, "")


def feedback_rows(rows: list[OutboxMessage]) -> list[OutboxMessage]:
    return [r for r in rows if r.kind == "feedback"]


async def test_a_receiver_that_does_not_answer_never_holds_back_slack(start_app: StartApp, hook: Misbehaving) -> None:
    app = await crm_app(start_app, hook)
    first = await app.new_lead(external_id="slow-1", name="Ann")
    hook.hang = True

    await reject(app, first)
    await asyncio.wait_for(hook.arrived.wait(), 10)  # the webhook delivery is under way, and hangs
    status, _ = await app.post_leads({"external_id": "slow-2", "name": "Bob"})
    assert status == 201

    posted = await app.slack.wait_for("chat.postMessage", count=2, timeout=5)  # well before the receiver gives up
    assert [c.args["channel"] for c in posted] == [LEADS, LEADS]
    assert "Bob" in str(posted[1].args["blocks"]) and hook.received == []

    hook.released.set()
    await app.settle()
    assert [p["event"] for p in hook.payloads()] == ["rejected"]


async def test_a_receiver_answering_410_gone_is_not_retried_and_the_operator_hears_once(
    start_app: StartApp, hook: Misbehaving, caplog: pytest.LogCaptureFixture
) -> None:
    app = await crm_app(start_app, hook)
    lead_id = await app.new_lead(external_id="gone-1")
    hook.status = 410

    with caplog.at_level(logging.WARNING, logger="bot"):
        await reject(app, lead_id)
        await app.settle()
        app.clock.advance(timedelta(hours=1))
        await app.settle()

    [row] = feedback_rows(await app.outbox_rows())
    assert (row.failed_at is not None, row.attempts) == (True, 1)
    assert "410" in (row.last_error or "")
    assert hook.attempts == 1
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "410" in errors[0]
    samples = await scrape(app)
    assert value(samples, "handoff_outbox_deliveries_total", kind="feedback", outcome="failed") == 1


async def test_a_receiver_asking_to_wait_is_waited_for(start_app: StartApp, hook: Misbehaving) -> None:
    app = await crm_app(start_app, hook)
    lead_id = await app.new_lead(external_id="busy-1")
    hook.status, hook.retry_after = 503, "120"

    await reject(app, lead_id)
    await app.settle()
    [row] = feedback_rows(await app.outbox_rows())
    assert row.next_attempt_at == app.clock.now() + timedelta(seconds=120)

    hook.status = 200
    app.clock.advance(119)
    await app.settle()
    assert hook.attempts == 1
    app.clock.advance(1)
    await app.settle()
    assert (hook.attempts, [p["event"] for p in hook.payloads()]) == (2, ["rejected"])


async def test_a_receiver_down_for_days_is_retried_for_three_days_then_given_up_on(
    start_app: StartApp, hook: Misbehaving
) -> None:
    app = await crm_app(start_app, hook)
    lead_id = await app.new_lead(external_id="down-1")
    hook.status = 500
    await reject(app, lead_id)
    await app.settle()

    for _ in range(3 * 24 - 1):
        app.clock.advance(timedelta(hours=1))
        await app.settle()
    [row] = feedback_rows(await app.outbox_rows())
    assert row.failed_at is None and hook.attempts == 3 * 24  # still trying after 71 hours of 500s, hourly here
    app.clock.advance(timedelta(hours=1))
    await app.settle()

    [row] = feedback_rows(await app.outbox_rows())
    assert row.failed_at is not None
    assert "HTTP 500" in (row.last_error or "") and "gave up" in (row.last_error or "")
    attempts = hook.attempts
    app.clock.advance(timedelta(days=1))
    await app.settle()
    assert hook.attempts == attempts  # given up: no more attempts
