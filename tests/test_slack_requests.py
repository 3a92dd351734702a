"""Only requests signed by Slack, recently, reach a listener."""

from __future__ import annotations

import time

from bot.ids import Action
from tests import slack_requests as sr
from tests.conftest import REP1, SIGNING_SECRET, Harness


def accept_payload(app: Harness, lead_id: int) -> str:
    return sr.interactive_body(
        sr.block_actions(
            user_id=REP1,
            action_id=Action.ACCEPT,
            value=str(lead_id),
            channel="C0LEADS001",
            message_ts="1.2",
            trigger_id=app.slack.issue_trigger_id(REP1),
            response_url=app.slack.new_response_url(),
        )
    )


async def test_slacks_published_signature_vector_is_reproduced() -> None:
    body = (
        "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
        "&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text="
        "&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
        "&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
    )
    expected = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
    assert sr.signature("8f742231b10e8888abcd99yyyzzz85a5", "1531420618", body) == expected


async def test_a_forged_signature_is_401_and_changes_nothing(app: Harness) -> None:
    lead_id = await app.new_lead()

    status, _ = await app.post_slack(
        accept_payload(app, lead_id), content_type="application/x-www-form-urlencoded", secret="not-the-secret"
    )
    await app.settle()

    assert status == 401
    assert (await app.lead(lead_id)).stage == "mql"


async def test_a_stale_timestamp_is_401_even_when_correctly_signed(app: Harness) -> None:
    lead_id = await app.new_lead()

    status, _ = await app.post_slack(
        accept_payload(app, lead_id),
        content_type="application/x-www-form-urlencoded",
        secret=SIGNING_SECRET,
        timestamp=int(time.time()) - 6 * 60,
    )
    await app.settle()

    assert status == 401
    assert (await app.lead(lead_id)).stage == "mql"


async def test_a_body_changed_after_signing_is_401(app: Harness) -> None:
    lead_id = await app.new_lead()
    body = accept_payload(app, lead_id)
    headers = sr.signed_headers(SIGNING_SECRET, body, content_type="application/x-www-form-urlencoded")

    tampered = body.replace(REP1, "U0EVIL0001")
    async with app.http.post(app.url("/slack/events"), data=tampered.encode(), headers=headers) as response:
        assert response.status == 401
    assert (await app.lead(lead_id)).stage == "mql"


async def test_url_verification_is_answered_with_the_challenge(app: Harness) -> None:
    body = '{"token":"x","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}'

    status, text = await app.post_slack(body, content_type="application/json")

    assert status == 200
    assert "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in text
