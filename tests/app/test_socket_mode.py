"""Socket Mode (SLACK_APP_TOKEN): the app opens a connection with apps.connections.open on the fake Slack, and
clicks and slash commands arrive as envelopes over that websocket, acked by envelope_id, the way Slack drives it."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest

from bot.app.factory import SOCKET
from bot.app.socket_mode import SocketMode
from bot.config.settings import Settings
from bot.config.team_file import DEFAULT_REJECT_REASONS
from bot.errors import ConfigError
from bot.ids import Action, Block, Callback
from sandbox.slack_api import FakeSlack
from tests import slack_requests as sr
from tests.app.test_slack_identity import command_env
from tests.conftest import LEADS, REP1, REP2, Harness, StartApp, action_ids, text_of
from tests.lifecycle.test_reject import reject_values

APP_TOKEN = "xapp-1-A0HANDOFF-1-test"
ENV = {"SLACK_BOT_TOKEN": "xoxb-1-2-3", "INTAKE_TOKEN": "intake-token-0123456789abcdef"}


async def socket_app(start_app: StartApp, **overrides: Any) -> Harness:
    app = await start_app(slack_app_token=APP_TOKEN, slack_signing_secret="", **overrides)
    await socket_of(app).wait_hellos(1)
    return app


def socket_of(app: Harness) -> SocketMode:
    return app.server.app[SOCKET]


async def readyz(app: Harness) -> tuple[int, dict[str, object]]:
    async with app.http.get(app.url("/readyz")) as response:
        return response.status, await response.json()


async def accept_over_the_socket(app: Harness, lead_id: int) -> dict[str, Any]:
    lead = await app.lead(lead_id)
    payload = sr.block_actions(
        user_id=REP1,
        action_id=Action.ACCEPT,
        value=str(lead_id),
        channel=lead.slack_channel or LEADS,
        message_ts=lead.slack_ts or "0",
        trigger_id=app.slack.issue_trigger_id(REP1),
        response_url=app.slack.new_response_url(channel=lead.slack_channel, user_id=REP1),
    )
    ack = await app.slack.socket_interactive(payload)
    await app.settle()
    return ack


async def assert_accepted(app: Harness, lead_id: int) -> None:
    lead = await app.lead(lead_id)
    assert (lead.stage, lead.owner) == ("sal", REP1)
    assert [e.actor for e in await app.events(lead_id) if e.kind == "accepted"] == [REP1]
    post = await app.post_of(lead_id)
    assert f"Accepted* by <@{REP1}>" in text_of(post.blocks)
    assert Action.ACCEPT not in action_ids(post.blocks)


async def test_an_accept_click_over_the_socket_is_acked_by_envelope_id_and_accepts_the_lead(
    start_app: StartApp, slack: FakeSlack
) -> None:
    app = await socket_app(start_app)
    lead_id = await app.new_lead(name="Dana Buyer", company="Globex")

    ack = await accept_over_the_socket(app, lead_id)

    [envelope_ack] = slack.socket_acks
    assert ack == envelope_ack
    assert set(ack) <= {"envelope_id", "payload"} and ack["envelope_id"]  # the protocol's ack, nothing else
    assert ack.get("payload") in (None, {})  # a click's ack carries no answer
    await assert_accepted(app, lead_id)
    [opened] = slack.calls_to("apps.connections.open")
    assert opened.headers["authorization"] == f"Bearer {APP_TOKEN}"  # the app-level token, not the bot's


async def test_funnel_over_the_socket_answers_in_the_ack_and_then_through_response_url(
    start_app: StartApp, slack: FakeSlack
) -> None:
    app = await socket_app(start_app)
    await app.new_lead(name="Dana Buyer")
    form = sr.slash_command(user_id=REP1, command="/funnel", text="", channel=LEADS,
                            response_url=slack.new_response_url(channel=LEADS, user_id=REP1),
                            trigger_id=slack.issue_trigger_id(REP1))  # fmt: skip

    ack = await slack.socket_command(dict(parse_qsl(form)))
    await app.settle()

    assert (ack["payload"]["response_type"], ack["payload"]["text"]) == (
        "ephemeral",
        "⏳ Crunching the funnel for this month…",
    )
    [reply] = [r for r in slack.responses if r.get("blocks") and r["blocks"][0]["block_id"] != "notice"]
    assert reply["response_type"] == "ephemeral"
    assert "📊 Funnel — this month" in text_of(reply["blocks"])


async def test_the_ack_goes_back_before_the_work_behind_the_click(start_app: StartApp, slack: FakeSlack) -> None:
    app = await socket_app(start_app)
    lead_id = await app.new_lead()
    await accept_over_the_socket(app, lead_id)
    held = slack.hold("response_url")  # the work after the ack tells REP2 who has it, and cannot finish now

    lead = await app.lead(lead_id)
    late = sr.block_actions(user_id=REP2, action_id=Action.ACCEPT, value=str(lead_id), channel=LEADS,
                            message_ts=lead.slack_ts or "0", trigger_id=slack.issue_trigger_id(REP2),
                            response_url=slack.new_response_url(channel=LEADS, user_id=REP2))  # fmt: skip
    ack = await slack.socket_interactive(late)  # answered although that work is held

    assert ack["envelope_id"] and ack.get("payload") in (None, {})
    await held.arrived.wait()
    held.release()
    await app.settle()
    [told] = slack.responses
    assert f"<@{REP1}>" in str(told)
    assert (await app.lead(lead_id)).owner == REP1


@pytest.mark.parametrize(
    "frame",
    ["not json", "{", "[1, 2]", "{}", '{"type": "interactive"}', "{" * 100_000, '{"a": "\\u0000"}',
     '{"envelope_id": "e1", "type": "interactive", "payload": "not an object"}',
     '{"envelope_id": "e2", "type": "events_api", "payload": {"type": "event_callback", "event": 7}}'],
    ids=["text", "cut", "list", "empty", "no-envelope", "deep", "nul", "payload-string", "bad-event"],
)  # fmt: skip
async def test_garbage_on_the_socket_breaks_nothing(start_app: StartApp, slack: FakeSlack, frame: str) -> None:
    app = await socket_app(start_app)
    lead_id = await app.new_lead()

    await slack.socket_send_raw(frame)
    await accept_over_the_socket(app, lead_id)  # the next envelope on the same connection is served

    await assert_accepted(app, lead_id)
    assert len(slack.socket_links) == 1
    status, _ = await readyz(app)
    assert status == 200


async def test_an_event_over_the_socket_publishes_the_home_tab(start_app: StartApp, slack: FakeSlack) -> None:
    app = await socket_app(start_app)
    await app.new_lead()

    ack = await slack.socket_event(json.loads(sr.event_callback(sr.app_home_opened(REP1))))
    await app.settle()

    assert ack.get("payload") in (None, {})
    assert "This month's funnel" in text_of(slack.home_views[REP1]["blocks"])


async def test_a_modal_submission_over_the_socket_gets_its_inline_errors_in_the_ack(
    start_app: StartApp, slack: FakeSlack
) -> None:
    app = await socket_app(start_app)
    lead_id = await app.new_lead()
    payload = sr.view_submission(user_id=REP1, callback_id=Callback.REJECT, private_metadata=str(lead_id),
                                 values=reject_values("Because I said so", None))  # fmt: skip

    ack = await slack.socket_interactive(payload)

    assert ack["payload"] == {"response_action": "errors",
                              "errors": {Block.REJECT_REASON: "Pick one of the listed reasons."}}  # fmt: skip
    assert (await app.lead(lead_id)).stage == "mql"
    ack = await slack.socket_interactive({**payload, **sr.view_submission(
        user_id=REP1, callback_id=Callback.REJECT, private_metadata=str(lead_id),
        values=reject_values(DEFAULT_REJECT_REASONS[0], "not now"))})  # fmt: skip
    await app.settle()
    assert ack.get("payload") in (None, {})
    assert (await app.lead(lead_id)).stage == "rejected"


async def test_slack_events_is_not_served_in_socket_mode(start_app: StartApp) -> None:
    app = await socket_app(start_app)
    lead_id = await app.new_lead()

    signed = await app.click(Action.ACCEPT, lead_id, REP1)  # even signed: Slack sends nothing there now
    async with app.http.post(app.url("/slack/events"), data=b"payload=%7B%7D") as unsigned:
        refused = unsigned.status
    await app.settle()

    assert (signed[0], refused) == (404, 404)
    assert (await app.lead(lead_id)).owner is None
    status, _ = await readyz(app)
    assert status == 200  # intake, /readyz and /metrics are served as before
    async with app.http.get(app.url("/metrics")) as metrics:
        assert metrics.status == 200


async def test_a_dropped_socket_makes_readyz_503_until_the_app_reconnects(
    start_app: StartApp, slack: FakeSlack
) -> None:
    app = await socket_app(start_app)
    lead_id = await app.new_lead()
    held = slack.hold("apps.connections.open")  # the reconnection waits here, so the lost state can be seen

    await slack.socket_drop()
    await slack.wait_for("apps.connections.open", 2)
    status, body = await readyz(app)

    assert status == 503 and "Socket Mode connection to Slack is lost" in str(body["reason"])
    held.release()
    await socket_of(app).wait_hellos(2)
    status, _ = await readyz(app)
    assert status == 200
    await accept_over_the_socket(app, lead_id)
    await assert_accepted(app, lead_id)


async def test_a_disconnect_envelope_moves_the_app_to_a_new_connection(start_app: StartApp, slack: FakeSlack) -> None:
    app = await socket_app(start_app)
    lead_id = await app.new_lead()

    await slack.socket_disconnect("refresh_requested")
    await socket_of(app).wait_hellos(2)

    assert len(slack.calls_to("apps.connections.open")) == 2
    second = slack.socket_links[1]
    assert slack.open_links[-1] is second
    await accept_over_the_socket(app, lead_id)
    await assert_accepted(app, lead_id)
    status, _ = await readyz(app)
    assert status == 200


@pytest.mark.parametrize("error", ["invalid_auth", "not_allowed_token_type", "token_revoked"])
async def test_a_refused_app_token_stops_start_up_naming_slack_app_token(
    start_app: StartApp, slack: FakeSlack, error: str
) -> None:
    slack.fail_next("apps.connections.open", status=200, error=error)
    with pytest.raises(ConfigError) as caught:
        await start_app(slack_app_token=APP_TOKEN, slack_signing_secret="")
    assert caught.value.key == "SLACK_APP_TOKEN" and error in caught.value.problem
    assert APP_TOKEN not in str(caught.value)
    assert len(str(caught.value).splitlines()) == 1


async def test_the_fake_refuses_a_bot_token_and_a_wrong_app_token_like_slack(
    start_app: StartApp, slack: FakeSlack
) -> None:
    with pytest.raises(ConfigError, match="not_allowed_token_type"):
        await start_app(slack_app_token=slack.bot_token, slack_signing_secret="")
    with pytest.raises(ConfigError, match="invalid_auth"):
        await start_app(slack_app_token="xapp-1-someone-else", slack_signing_secret="")


def test_slack_app_token_must_be_an_app_level_token() -> None:
    for wrong in ("xoxb-1-2-3", "xapp_1", "app-1", " xoxp-1 "):
        with pytest.raises(ConfigError) as caught:
            Settings.from_env({**ENV, "SLACK_APP_TOKEN": wrong})
        assert caught.value.key == "SLACK_APP_TOKEN" and "xapp-" in caught.value.problem
        assert wrong.strip() not in str(caught.value)


def test_with_an_app_token_the_signing_secret_is_optional_and_nothing_shows_the_token() -> None:
    settings = Settings.from_env({**ENV, "SLACK_APP_TOKEN": APP_TOKEN})
    assert settings.socket_mode and settings.slack_app_token == APP_TOKEN and not settings.sandbox
    assert settings.slack_signing_secret == ""
    assert APP_TOKEN not in repr(settings)
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({"SLACK_APP_TOKEN": APP_TOKEN, "INTAKE_TOKEN": ENV["INTAKE_TOKEN"]})
    assert caught.value.key == "SLACK_BOT_TOKEN"
    http = Settings.from_env({**ENV, "SLACK_SIGNING_SECRET": "s3cret"})
    assert not http.socket_mode
    with pytest.raises(ConfigError) as no_secret:
        Settings.from_env(ENV)
    assert no_secret.value.key == "SLACK_SIGNING_SECRET"


async def test_a_worker_process_opens_no_socket(start_app: StartApp, slack: FakeSlack) -> None:
    app = await start_app(slack_app_token=APP_TOKEN, slack_signing_secret="", role="worker")
    status, _ = await readyz(app)
    assert status == 200 and SOCKET not in app.server.app
    assert slack.calls_to("apps.connections.open") == []


async def test_slack_unreachable_at_start_up_is_not_fatal_and_readyz_says_why_until_connected(
    start_app: StartApp, slack: FakeSlack
) -> None:
    slack.fail_next("apps.connections.open", status=503)
    app = await start_app(slack_app_token=APP_TOKEN, slack_signing_secret="")

    status, body = await readyz(app)
    assert status == 503 and "apps.connections.open: internal_error" in str(body["reason"])
    socket_of(app).retry_now()  # the back-off, without waiting for it
    await socket_of(app).wait_hellos(1)

    status, _ = await readyz(app)
    assert status == 200
    lead_id = await app.new_lead()
    await accept_over_the_socket(app, lead_id)
    await assert_accepted(app, lead_id)


async def test_a_token_refused_on_reconnecting_is_what_readyz_reports(start_app: StartApp, slack: FakeSlack) -> None:
    app = await socket_app(start_app)
    slack.fail_next("apps.connections.open", status=200, error="token_revoked")

    await slack.socket_drop()
    await socket_of(app).wait_failures(1)

    status, body = await readyz(app)
    assert status == 503 and "Slack refused SLACK_APP_TOKEN (token_revoked)" in str(body["reason"])
    assert APP_TOKEN not in str(body)


async def test_the_command_exits_2_with_one_line_when_slack_refuses_the_app_token(
    tmp_path: Path, slack: FakeSlack
) -> None:
    env = command_env(tmp_path, slack, SLACK_BOT_TOKEN=slack.bot_token, SLACK_APP_TOKEN="xapp-1-not-this-app")
    del env["SLACK_SIGNING_SECRET"]
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "run", cwd=tmp_path, env=env, stderr=asyncio.subprocess.PIPE
    )
    _, stderr = await asyncio.wait_for(proc.communicate(), 60)

    assert proc.returncode == 2
    lines = [line for line in stderr.decode().splitlines() if "cannot start" in line or "Traceback" in line]
    assert lines == ["handoff: cannot start: SLACK_APP_TOKEN: Slack refused it (invalid_auth): use an app-level "
                     "token (xapp-…) with connections:write"]  # fmt: skip
    assert "xapp-1-not-this-app" not in stderr.decode()
