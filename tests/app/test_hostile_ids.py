"""A lead or clock id that is not one (a 23-digit number, a superscript two that str.isdigit() accepts) on a button
or in a modal's private_metadata is told the button or form is out of date, and changes nothing: it was an internal
error ("Something went wrong on our side") when the number overflowed the database's BIGINT or int() refused it."""

from __future__ import annotations

import json

import pytest

from bot.ids import Action, Callback
from tests import slack_requests as sr
from tests.attempts import attempt_values
from tests.conftest import LEADS, REP1, Harness
from tests.lifecycle.test_reject import BUDGET, reject_values

HOSTILE = ["99999999999999999999999", "²", "0", "-1", "1e3", " 1"]


@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize("action_id", [Action.ACCEPT, Action.REJECT, Action.LOG_CONTACT, Action.PASS, Action.HISTORY])
async def test_a_button_carrying_no_lead_id_is_out_of_date(app: Harness, action_id: str, value: str) -> None:
    lead_id = await app.new_lead(name="Dana Buyer")
    response_url = app.slack.new_response_url(channel=LEADS, user_id=REP1)
    payload = sr.block_actions(
        user_id=REP1, action_id=action_id, value=value, channel=LEADS, message_ts="1.0",
        trigger_id=app.slack.issue_trigger_id(REP1), response_url=response_url,
    )  # fmt: skip

    status, _ = await app.interact(payload)
    await app.settle()

    assert status == 200
    [answer] = app.slack.responses
    assert "older version" in answer["text"] and "went wrong" not in answer["text"]
    assert (await app.lead(lead_id)).stage == "mql"


@pytest.mark.parametrize("metadata", [*HOSTILE, "99999999999999999999999:lost", "²:home"])
@pytest.mark.parametrize(
    ("callback", "values"),
    [
        (Callback.REJECT, reject_values(BUDGET)),
        (Callback.ATTEMPT, attempt_values("call", "no_answer")),
        (Callback.MOVE, {}),
        (Callback.PASS, {}),
    ],
)
async def test_a_modal_for_no_lead_is_told_it_is_out_of_date(
    app: Harness, callback: str, values: dict[str, object], metadata: str
) -> None:
    status, body = await app.submit(callback, REP1, metadata, values)

    assert status == 200
    answer = json.loads(body)
    assert answer["response_action"] == "errors"
    assert "went wrong" not in body
