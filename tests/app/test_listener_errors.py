"""What a person sees when a listener fails in a way nobody foresaw: the same answer `Background` gives for work
after the ack — "something went wrong on our side" with the reference the log line carries — and never a bare
HTTP 500 that Slack shows as a broken app."""

from __future__ import annotations

import json
import logging
import re

import pytest
from sqlalchemy import text

from bot.ids import Callback
from tests import slack_requests as sr
from tests.conftest import REP1, Harness
from tests.lifecycle.test_reject import BUDGET, reject_values

REF = re.compile(r"ref `?([0-9a-f]{6})`?")


async def drop_events_table(app: Harness) -> None:
    """A schema broken under the running app (a restore gone wrong): every write of a lead's timeline fails with an
    error that is not "the database refused for now", so the submission's transaction raises a bug."""
    async with app.svc.db.engine.begin() as conn:
        await conn.execute(text("DROP TABLE lead_events"))


async def test_a_modal_submission_that_fails_shows_the_reference_under_its_first_field(
    app: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    lead_id = await app.new_lead(name="Pat Doe")
    assert (await app.click("lead_reject", lead_id, REP1))[0] == 200
    await app.settle()
    [opened] = app.slack.views.values()
    await drop_events_table(app)
    payload = sr.view_submission(
        user_id=REP1, callback_id=Callback.REJECT, private_metadata=str(lead_id), values=reject_values(BUDGET),
        view={"blocks": opened["blocks"]},
    )  # fmt: skip

    status, body = await app.interact(payload)

    assert status == 200, body
    answer = json.loads(body)
    assert answer["response_action"] == "errors"
    [(block, message)] = answer["errors"].items()
    assert block == next(b["block_id"] for b in opened["blocks"] if b["type"] == "input")
    assert "Something went wrong on our side" in message and "<" not in message
    [ref] = REF.findall(message)
    [logged] = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert ref in logged.getMessage() and logged.exc_info is not None
    assert (await app.lead(lead_id)).stage == "mql"  # nothing changed


async def test_a_submission_the_listener_cannot_read_is_answered_with_a_modal_saying_so(
    app: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    lead_id = await app.new_lead(name="Pat Doe")
    payload = sr.view_submission(
        user_id=REP1, callback_id=Callback.REJECT, private_metadata=str(lead_id), values=reject_values(BUDGET)
    )
    del payload["user"]  # nobody to act for: the listener raises before any domain call

    status, body = await app.interact(payload)

    assert status == 200, body
    answer = json.loads(body)
    assert answer["response_action"] == "update"
    shown = json.dumps(answer["view"])
    [ref] = REF.findall(shown)
    assert any(ref in r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR)
    assert (await app.lead(lead_id)).stage == "mql"


async def test_a_click_the_listener_cannot_read_is_answered_beside_the_message(
    app: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    lead_id = await app.new_lead(name="Pat Doe")
    lead = await app.lead(lead_id)
    payload = sr.block_actions(
        user_id=REP1, action_id="lead_accept", value=str(lead_id), channel=lead.slack_channel or "",
        message_ts=lead.slack_ts or "0", trigger_id="1.2.3",
        response_url=app.slack.new_response_url(channel=lead.slack_channel, user_id=REP1),
    )  # fmt: skip
    del payload["user"]

    status, body = await app.interact(payload)

    assert status == 200, body
    await app.settle()
    [told] = app.slack.responses
    [ref] = REF.findall(str(told["text"]))
    assert any(ref in r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR)
    assert (await app.lead(lead_id)).stage == "mql"
