"""The feedback webhook can be deduplicated and replays refused: every delivery carries an id that stays the same
across its retries and a timestamp the signature covers (Standard Webhooks), checked with README's own snippet."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.ids import Action, Block, Callback
from tests.conftest import REP1, StartApp
from tests.lifecycle.test_lifecycle import SECRET, Receiver, crm_app, stage

README = Path(__file__).resolve().parents[2] / "README.md"
Verify = Callable[..., bool]


class EveryAttempt(Receiver):
    """Records every attempt, the refused ones too, with the time (the app's clock) it arrived."""

    def __init__(self, now: Callable[[], float]) -> None:
        super().__init__()
        self.attempts: list[tuple[bytes, dict[str, str], float]] = []
        self.now = now

    async def handle(self, request: web.Request) -> web.Response:
        self.attempts.append((await request.read(), dict(request.headers), self.now()))
        return await super().handle(request)


def readme_verify(now: float) -> Verify:
    """README's verification snippet, run as written, with `time.time()` answering `now`."""
    [snippet] = re.findall(r"```python\n(import base64.*?def verify.*?)```", README.read_text(), re.S)
    scope: dict[str, Any] = {}
    exec(compile(snippet, "README.md", "exec"), scope)  # our own documentation, run as users run it
    scope["time"] = type("Clock", (), {"time": staticmethod(lambda: now)})
    verify: Verify = scope["verify"]
    return verify


@pytest.fixture
async def every_attempt(start_app: StartApp) -> AsyncIterator[EveryAttempt]:
    from tests.conftest import START

    hook = EveryAttempt(lambda: START.timestamp())
    app = web.Application()
    app.router.add_post("/hook", hook.handle)
    hook.server = TestServer(app, host="127.0.0.1")
    await hook.server.start_server()
    try:
        yield hook
    finally:
        await hook.server.close()


async def test_each_feedback_delivery_keeps_its_id_across_retries_and_signs_its_timestamp(
    start_app: StartApp, every_attempt: EveryAttempt
) -> None:
    app = await crm_app(start_app, every_attempt)
    every_attempt.now = lambda: app.clock.now().timestamp()
    rejected = await app.new_lead(external_id="hs-1")
    await app.new_lead(external_id="hs-2")
    every_attempt.fail = 1  # the first attempt is refused: the first delivery is tried again

    choice = {"type": "static_select", "selected_option": {"value": "Bad contact data"}}
    await app.submit(Callback.REJECT, REP1, str(rejected), {Block.REJECT_REASON: {Action.REJECT_REASON: choice}})
    await app.settle()
    app.clock.advance(90)
    await app.settle()
    await stage(app, "hs-2", {"stage": "recycled", "reason": "Not ready until Q2"})
    await app.settle()

    [(first, h1, t1), (retry, h2, t2), (other, h3, t3)] = every_attempt.attempts
    assert first == retry and other != first
    assert h1["webhook-id"] == h2["webhook-id"] != h3["webhook-id"]  # one delivery, one id, however often it is tried
    assert [int(h["webhook-timestamp"]) for h in (h1, h2, h3)] == [int(t1), int(t2), int(t3)]
    assert int(t2) - int(t1) == 90  # each attempt is stamped when it is sent
    for body, headers, at in every_attempt.attempts:
        assert readme_verify(at)(SECRET, headers, body)
        assert not readme_verify(at + 301)(SECRET, headers, body)  # replayed more than 5 minutes later
        assert not readme_verify(at)("another secret", headers, body)
        legacy = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(headers["X-Handoff-Signature"], legacy)  # kept for one release
    forged = {**h1, "webhook-timestamp": str(int(t1) + 301)}  # a fresh timestamp on a captured delivery
    assert not readme_verify(t1 + 301)(SECRET, forged, first)
    renamed = {**h1, "webhook-id": h3["webhook-id"] + "x"}  # a new id to slip past deduplication
    assert not readme_verify(t1)(SECRET, renamed, first)
