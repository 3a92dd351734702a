"""Only requests signed by Slack, recently, reach a listener."""

from __future__ import annotations

import hashlib
import hmac
import io
import logging
import time

import pytest

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


# --- hostile requests: 400/401 before anything else, and one short log line -----------------------------------

FORM = "application/x-www-form-urlencoded"


async def post_raw(app: Harness, body: bytes | io.BytesIO, headers: dict[str, str]) -> tuple[int, str]:
    async with app.http.post(app.url("/slack/events"), data=body, headers=headers) as response:
        return response.status, await response.text()


def signed_bytes(body: bytes, content_type: str, timestamp: str | None = None) -> dict[str, str]:
    ts = timestamp or str(int(time.time()))
    digest = hmac.new(SIGNING_SECRET.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256).hexdigest()
    return {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


HOSTILE = [
    (b"payload=nope", FORM),
    (b"payload=%5B%5D", FORM),  # payload=[]
    (b"payload=\xff\xfe%7B%7D", FORM),  # not UTF-8
    (b"\xff\xfe\xfd", "application/json"),
    (b"[1, 2]", "application/json"),
    (b'"just a string"', "application/json"),
    (b"", FORM),
]


@pytest.mark.parametrize(("body", "content_type"), HOSTILE)
async def test_an_unsigned_hostile_body_is_refused_and_never_logged(
    app: Harness, caplog: pytest.LogCaptureFixture, body: bytes, content_type: str
) -> None:
    caplog.set_level(logging.DEBUG)
    headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": str(int(time.time())),
               "X-Slack-Signature": "v0=" + "0" * 64}  # fmt: skip
    status, _ = await post_raw(app, body, headers)
    assert status == (400 if body.startswith(b"\xff") or b"\xff" in body else 401)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize(("body", "content_type"), HOSTILE)
async def test_a_signed_body_that_is_not_a_slack_payload_is_400(app: Harness, body: bytes, content_type: str) -> None:
    status, text = await post_raw(app, body, signed_bytes(body, content_type))
    assert status == 400, text


@pytest.mark.parametrize("timestamp", ["not-a-number", "9" * 5000, "", "-1", "1e9", "١٢٣"])
async def test_a_timestamp_that_is_not_a_number_is_401(app: Harness, timestamp: str) -> None:
    body = b"payload=%7B%7D"
    headers = signed_bytes(body, FORM, timestamp=timestamp or None)
    if not timestamp:
        del headers["X-Slack-Request-Timestamp"]
    else:
        headers["X-Slack-Request-Timestamp"] = timestamp
    status, _ = await post_raw(app, body, headers)
    assert status in (400, 401)


async def test_forged_megabyte_requests_log_one_short_line_each_without_the_body(
    app: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)  # Bolt logged the body at INFO
    body = b"payload=" + b"A" * 4_000_000
    headers = {"Content-Type": FORM, "X-Slack-Request-Timestamp": str(int(time.time())),
               "X-Slack-Signature": "v0=" + "0" * 64}  # fmt: skip
    for _ in range(3):
        assert (await post_raw(app, io.BytesIO(body), headers))[0] == 401

    logged = [r for r in caplog.records if r.name != "aiohttp.access"]
    refusals = [r for r in logged if "signature" in r.getMessage()]
    assert len(refusals) == 3
    assert sum(len(r.getMessage()) for r in logged) < 2_000
    assert "AAAA" not in caplog.text
