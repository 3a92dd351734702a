"""FakeSlack driven through the real slack-sdk AsyncWebClient (and aiohttp for the raw encodings)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from sandbox.slack_api import FakeSlack
from sandbox.slack_models import SlackError

CHANNEL = "C0LEADS001"
USER = "U0REP0001"


class FakeClock:
    """A mutable clock: tests move time with ``advance`` instead of sleeping."""

    def __init__(self, now: float = 1_767_225_600.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def fake(clock: FakeClock) -> AsyncIterator[FakeSlack]:
    async with FakeSlack(clock=clock) as slack:
        yield slack


@pytest.fixture
def client(fake: FakeSlack) -> AsyncWebClient:
    return AsyncWebClient(token=fake.bot_token, base_url=fake.base_url)


def section(text: str = "hello", **extra: Any) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}, **extra}


def modal(title: str = "Reassign lead", **extra: Any) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": "reassign",
        "title": {"type": "plain_text", "text": title},
        "blocks": [section()],
        **extra,
    }


async def api_error(call: Any) -> SlackApiError:
    with pytest.raises(SlackApiError) as info:
        await call
    return info.value


# -- auth and routing ------------------------------------------------------------------------------------------------


async def test_auth_test(fake: FakeSlack, client: AsyncWebClient) -> None:
    response = await client.auth_test()
    assert response["team_id"] == "T0HANDOFF"
    assert response["user_id"] == "U0HANDOFF"
    assert response["bot_id"] == "B0HANDOFF"
    assert response["url"].startswith("https://")
    assert "chat:write" in response.headers["x-oauth-scopes"]
    assert fake.base_url == fake.url + "api/" and fake.base_url.startswith("http://127.0.0.1:")


async def test_invalid_auth_and_not_authed(fake: FakeSlack) -> None:
    error = await api_error(AsyncWebClient(token="xoxb-wrong", base_url=fake.base_url).auth_test())
    assert error.response.status_code == 200
    assert error.response["error"] == "invalid_auth"
    error = await api_error(AsyncWebClient(base_url=fake.base_url).chat_postMessage(channel=CHANNEL, text="hi"))
    assert error.response["error"] == "not_authed"
    assert fake.messages == {}
    assert [c.error for c in fake.calls] == ["invalid_auth", "not_authed"]


async def test_unknown_method(client: AsyncWebClient) -> None:
    error = await api_error(client.api_call("leads.teleport"))
    assert error.response["error"] == "unknown_method"


# -- chat ------------------------------------------------------------------------------------------------------------


async def test_post_message_stores_and_records(fake: FakeSlack, client: AsyncWebClient, clock: FakeClock) -> None:
    blocks = [section("*New lead:* Acme", block_id="lead:1")]
    first = await client.chat_postMessage(channel=CHANNEL, text="New lead", blocks=blocks)
    second = await client.chat_postMessage(channel=CHANNEL, text="reply", thread_ts=first["ts"])
    clock.advance(1.5)
    third = await client.chat_postMessage(channel=CHANNEL, text="later")

    assert first["ts"] == "1767225600.000100"
    assert second["ts"] == "1767225600.000200"
    assert third["ts"] == "1767225601.000100"
    assert first["channel"] == CHANNEL and first["message"]["blocks"] == blocks
    assert first["message"]["bot_id"] == "B0HANDOFF"

    stored = fake.messages[CHANNEL]
    assert [m.text for m in stored] == ["New lead", "reply", "later"]
    assert stored[1].thread_ts == first["ts"] and stored[0].reply_count == 1
    assert fake.find_message(CHANNEL, first["ts"]) is stored[0]
    assert fake.thread(CHANNEL, first["ts"]) == stored[:2]

    call = fake.calls_to("chat.postMessage")[0]
    assert call.args["blocks"] == blocks  # parsed JSON, not text
    assert call.encoding == "json" and call.status == 200 and call.ok
    assert call.headers["authorization"] == f"Bearer {fake.bot_token}"
    assert call.at == clock.now - 1.5


async def test_post_message_channels_and_dms(fake: FakeSlack, client: AsyncWebClient) -> None:
    error = await api_error(client.chat_postMessage(channel="C0NOWHERE", text="hi"))
    assert error.response["error"] == "channel_not_found"
    dm = await client.chat_postMessage(channel=USER, text="psst")
    assert dm["channel"] == "D0REP0001"
    opened = await client.conversations_open(users=USER)
    assert opened["channel"]["id"] == "D0REP0001"
    await client.chat_postMessage(channel="D0REP0001", text="again")
    assert [m.text for m in fake.messages["D0REP0001"]] == ["psst", "again"]
    assert fake.calls_to("conversations.open")[0].encoding == "query"


async def test_post_message_needs_text_or_blocks(client: AsyncWebClient) -> None:
    error = await api_error(client.api_call("chat.postMessage", json={"channel": CHANNEL}))  # sdk warns on no text
    assert error.response["error"] == "no_text"


async def test_post_message_rejects_invalid_blocks(fake: FakeSlack, client: AsyncWebClient) -> None:
    await client.chat_postMessage(channel=CHANNEL, text="fits", blocks=[section()] * 50)
    error = await api_error(client.chat_postMessage(channel=CHANNEL, text="too many", blocks=[section()] * 51))
    assert error.response["error"] == "invalid_blocks"
    assert error.response["response_metadata"]["messages"] == [
        "[ERROR] /blocks: a message can have at most 50 blocks (got 51)"
    ]

    button = {"type": "button", "action_id": "claim", "text": {"type": "plain_text", "text": "x" * 76}}
    error = await api_error(
        client.chat_postMessage(channel=CHANNEL, text="t", blocks=[{"type": "actions", "elements": [button]}])
    )
    assert "75 characters" in error.response["response_metadata"]["messages"][0]
    assert len(fake.messages[CHANNEL]) == 1
    assert [c.error for c in fake.calls_to("chat.postMessage")] == [None, "invalid_blocks", "invalid_blocks"]


async def test_chat_update(fake: FakeSlack, client: AsyncWebClient) -> None:
    posted = await client.chat_postMessage(channel=CHANNEL, text="New lead", blocks=[section("unclaimed")])
    updated = await client.chat_update(channel=CHANNEL, ts=posted["ts"], text="Claimed", blocks=[section("claimed")])
    assert updated["ts"] == posted["ts"]
    message = fake.find_message(CHANNEL, posted["ts"])
    assert message is not None
    assert message.text == "Claimed" and message.blocks == [section("claimed")] and message.updated == 1

    error = await api_error(client.chat_update(channel=CHANNEL, ts="1767225600.999900", text="x"))
    assert error.response["error"] == "message_not_found"
    error = await api_error(client.chat_update(channel=CHANNEL, ts=posted["ts"], text="t", blocks=[section("")]))
    assert error.response["error"] == "invalid_blocks"

    human = fake.post_as_user(CHANNEL, USER, "from a person")
    error = await api_error(client.chat_update(channel=CHANNEL, ts=human.ts, text="edited"))
    assert error.response["error"] == "cant_update_message"


async def test_post_ephemeral_and_reactions(fake: FakeSlack, client: AsyncWebClient) -> None:
    response = await client.chat_postEphemeral(channel=CHANNEL, user=USER, text="Only you can see this")
    assert response["message_ts"]
    assert [m.text for m in fake.ephemerals[USER]] == ["Only you can see this"]
    assert CHANNEL not in fake.messages

    posted = await client.chat_postMessage(channel=CHANNEL, text="lead")
    await client.reactions_add(channel=CHANNEL, timestamp=posted["ts"], name="white_check_mark")
    error = await api_error(client.reactions_add(channel=CHANNEL, timestamp=posted["ts"], name="white_check_mark"))
    assert error.response["error"] == "already_reacted"
    message = fake.find_message(CHANNEL, posted["ts"])
    assert message is not None and message.reactions == {"white_check_mark": ["U0HANDOFF"]}


# -- users -----------------------------------------------------------------------------------------------------------


async def test_users_and_usergroups(fake: FakeSlack, client: AsyncWebClient) -> None:
    info = await client.users_info(user=USER)
    assert info["user"]["id"] == USER and info["user"]["profile"]["email"]
    fake.users["U0MGR0001"] = {"real_name": "Morgan Manager", "profile": {"email": "morgan@acme.test"}}
    info = await client.users_info(user="U0MGR0001")
    assert info["user"]["real_name"] == "Morgan Manager"
    assert info["user"]["profile"]["email"] == "morgan@acme.test"
    call = fake.calls_to("users.info")[0]
    assert call.http_method == "GET" and call.encoding == "query"

    fake.usergroups["S0SALES01"] = [USER, "U0REP0002"]
    listed = await client.usergroups_users_list(usergroup="S0SALES01")
    assert listed["users"] == [USER, "U0REP0002"]
    error = await api_error(client.usergroups_users_list(usergroup="S0MISSING"))
    assert error.response["error"] == "no_such_subteam"


# -- views -----------------------------------------------------------------------------------------------------------


async def test_views_open_trigger_rules(fake: FakeSlack, client: AsyncWebClient, clock: FakeClock) -> None:
    trigger = fake.issue_trigger_id(USER)
    clock.advance(3.0)  # exactly 3 s old is still fine
    opened = await client.views_open(trigger_id=trigger, view=modal())
    view = opened["view"]
    assert view["id"].startswith("V") and view["hash"] and view["callback_id"] == "reassign"
    assert view["root_view_id"] == view["id"]
    assert fake.views[view["id"]] == view
    assert fake.modal_stack(USER) == [view]

    error = await api_error(client.views_open(trigger_id=trigger, view=modal()))
    assert error.response["error"] == "exchanged_trigger_id"

    stale = fake.issue_trigger_id(USER)
    clock.advance(3.01)
    error = await api_error(client.views_open(trigger_id=stale, view=modal()))
    assert error.response["error"] == "expired_trigger_id"

    error = await api_error(client.views_open(trigger_id="123.456.abc", view=modal()))
    assert error.response["error"] == "invalid_trigger_id"


async def test_views_open_validates_view(fake: FakeSlack, client: AsyncWebClient) -> None:
    error = await api_error(client.views_open(trigger_id=fake.issue_trigger_id(), view=modal("x" * 25)))
    assert error.response["error"] == "invalid_arguments"
    assert error.response["response_metadata"]["messages"] == [
        "[ERROR] /title/text: must be at most 24 characters (got 25)"
    ]
    big = modal(blocks=[section("x" * 3000, block_id=f"b{i}") for i in range(100)])
    error = await api_error(client.views_open(trigger_id=fake.issue_trigger_id(), view=big))
    assert error.response["error"] == "view_too_large"
    assert fake.views == {}


async def test_views_push_update_and_publish(fake: FakeSlack, client: AsyncWebClient) -> None:
    root = (await client.views_open(trigger_id=fake.issue_trigger_id(USER), view=modal()))["view"]
    pushed = (await client.views_push(trigger_id=fake.issue_trigger_id(USER), view=modal("Confirm")))["view"]
    assert pushed["previous_view_id"] == root["id"] and pushed["root_view_id"] == root["id"]
    await client.views_push(trigger_id=fake.issue_trigger_id(USER), view=modal("Third"))
    error = await api_error(client.views_push(trigger_id=fake.issue_trigger_id(USER), view=modal("Fourth")))
    assert error.response["error"] == "push_limit_reached"

    updated = (await client.views_update(view_id=root["id"], hash=root["hash"], view=modal("Done")))["view"]
    assert updated["id"] == root["id"] and updated["title"]["text"] == "Done"
    error = await api_error(client.views_update(view_id=root["id"], hash=root["hash"], view=modal("Stale")))
    assert error.response["error"] == "hash_conflict"
    error = await api_error(client.views_update(view_id="V0MISSING", view=modal()))
    assert error.response["error"] == "not_found"

    home = {"type": "home", "blocks": [section("Your leads")]}
    published = (await client.views_publish(user_id=USER, view=home))["view"]
    again = (await client.views_publish(user_id=USER, view=home))["view"]
    assert again["id"] == published["id"] and fake.home_views[USER] == again
    error = await api_error(client.views_publish(user_id="", view=home))
    assert error.response["error"] == "invalid_arguments"
    error = await api_error(client.views_publish(user_id=USER, view=modal()))
    assert error.response["error"] == "invalid_arguments"


# -- files -----------------------------------------------------------------------------------------------------------


async def test_files_upload_v2(fake: FakeSlack, client: AsyncWebClient) -> None:
    response = await client.files_upload_v2(content=b"png", filename="x.png", channel=CHANNEL, initial_comment="chart")
    file_id = response["file"]["id"]
    stored = fake.files[file_id]
    assert stored.content == b"png" and stored.completed and stored.channels == [CHANNEL]
    assert [c.method for c in fake.calls] == ["files.getUploadURLExternal", "files.completeUploadExternal"]
    assert fake.calls[1].args["files"] == [{"id": file_id, "title": "x.png"}]
    message = fake.messages[CHANNEL][0]
    assert message.text == "chart" and message.files[0]["id"] == file_id

    async with aiohttp.ClientSession() as session, session.get(response["file"]["url_private"]) as download:
        assert download.status == 200 and await download.read() == b"png"

    error = await api_error(client.files_completeUploadExternal(files=[{"id": "F0MISSING"}]))
    assert error.response["error"] == "file_not_found"


async def test_upload_url_failure_surfaces(fake: FakeSlack, client: AsyncWebClient) -> None:
    fake.fail_next("upload", status=500)
    with pytest.raises(Exception, match="Failed to upload a file"):
        await client.files_upload_v2(content=b"png", filename="x.png")


# -- failures --------------------------------------------------------------------------------------------------------


async def test_fail_next_429_has_retry_after(fake: FakeSlack, client: AsyncWebClient) -> None:
    fake.fail_next("chat.postMessage", status=429, retry_after=7)
    error = await api_error(client.chat_postMessage(channel=CHANNEL, text="hi"))
    assert error.response.status_code == 429
    assert error.response.headers["Retry-After"] == "7"
    assert error.response["error"] == "ratelimited"
    await client.chat_postMessage(channel=CHANNEL, text="hi")  # only the next call failed
    assert [c.status for c in fake.calls] == [429, 200]
    assert len(fake.messages[CHANNEL]) == 1


async def test_fail_next_500_times_and_body_errors(fake: FakeSlack, client: AsyncWebClient) -> None:
    fake.fail_next("chat.update", status=500, times=2)
    fake.fail_next("chat.update", status=200, error="edit_window_closed")
    for _ in range(2):
        error = await api_error(client.chat_update(channel=CHANNEL, ts="1.0", text="x"))
        assert error.response.status_code == 500 and error.response["error"] == "internal_error"
    error = await api_error(client.chat_update(channel=CHANNEL, ts="1.0", text="x"))
    assert error.response.status_code == 200 and error.response["error"] == "edit_window_closed"
    error = await api_error(client.chat_update(channel=CHANNEL, ts="1.0", text="x"))
    assert error.response["error"] == "message_not_found"
    with pytest.raises(ValueError):
        fake.fail_next("chat.update", status=200)


async def test_fail_next_any_method(fake: FakeSlack, client: AsyncWebClient) -> None:
    fake.fail_next("*", status=429, retry_after=3)
    fake.fail_next("chat.update", status=500)
    assert fake.queued_failures() == [("*", 429, 1), ("chat.update", 500, 1)]

    error = await api_error(client.chat_update(channel=CHANNEL, ts="1.0", text="x"))  # its own failure first
    assert error.response.status_code == 500
    error = await api_error(client.views_publish(user_id=USER, view={"type": "home", "blocks": [section()]}))
    assert (error.response.status_code, error.response.headers["Retry-After"]) == (429, "3")
    await client.chat_postMessage(channel=CHANNEL, text="hi")
    assert [c.status for c in fake.calls] == [500, 429, 200]
    assert fake.queued_failures() == []


async def test_set_down(fake: FakeSlack, client: AsyncWebClient) -> None:
    fake.set_down(True)
    error = await api_error(client.auth_test())
    assert error.response.status_code == 503
    error = await api_error(client.chat_postMessage(channel=CHANNEL, text="hi"))
    assert error.response.status_code == 503
    fake.set_down(False)
    await client.chat_postMessage(channel=CHANNEL, text="hi")
    assert [c.status for c in fake.calls] == [503, 503, 200]


async def test_rate_limit_emulation(clock: FakeClock) -> None:
    async with FakeSlack(clock=clock, enforce_rate_limits=True, channels=[CHANNEL, "C0OTHER01"]) as fake:
        client = AsyncWebClient(token=fake.bot_token, base_url=fake.base_url)
        for _ in range(fake.post_message_burst):
            await client.chat_postMessage(channel=CHANNEL, text="burst")
        error = await api_error(client.chat_postMessage(channel=CHANNEL, text="too fast"))
        assert error.response.status_code == 429 and error.response.headers["Retry-After"] == "1"
        await client.chat_postMessage(channel="C0OTHER01", text="other channel has its own bucket")
        clock.advance(1.0)
        await client.chat_postMessage(channel=CHANNEL, text="after a second")
        assert [m.text for m in fake.messages[CHANNEL]][-1] == "after a second"


# -- response_url ----------------------------------------------------------------------------------------------------


async def test_response_url_max_five_uses(fake: FakeSlack) -> None:
    url = fake.new_response_url(channel=CHANNEL, user_id=USER)
    webhook = AsyncWebhookClient(url)
    for i in range(5):
        response = await webhook.send(text=f"update {i}")
        assert response.status_code == 200
    sixth = await webhook.send(text="one too many")
    assert sixth.status_code == 404 and sixth.body == "used_url"
    assert [r["text"] for r in fake.responses] == [f"update {i}" for i in range(5)]
    assert len(fake.ephemerals[USER]) == 5  # default response_type is ephemeral


async def test_response_url_replace_delete_and_in_channel(fake: FakeSlack, client: AsyncWebClient) -> None:
    posted = await client.chat_postMessage(channel=CHANNEL, text="New lead", blocks=[section("unclaimed")])
    url = fake.new_response_url(channel=CHANNEL, message_ts=posted["ts"], user_id=USER)
    webhook = AsyncWebhookClient(url)
    await webhook.send(text="Claimed", blocks=[section("claimed")], replace_original=True)
    message = fake.find_message(CHANNEL, posted["ts"])
    assert message is not None and message.text == "Claimed" and message.updated == 1
    await webhook.send(text="Everyone look", response_type="in_channel")
    assert fake.messages[CHANNEL][-1].text == "Everyone look"
    bad = await webhook.send(text="x", blocks=[section("")])
    assert bad.status_code == 400 and bad.body == "invalid_blocks"
    await webhook.send(delete_original=True)
    assert fake.find_message(CHANNEL, posted["ts"]) is None
    assert len(await fake.wait_for_responses(3)) == 3


async def test_response_url_expires(fake: FakeSlack, clock: FakeClock) -> None:
    url = fake.new_response_url()
    clock.advance(30 * 60 + 1)
    response = await AsyncWebhookClient(url).send(text="late")
    assert response.status_code == 404 and response.body == "expired_url"


# -- recording -------------------------------------------------------------------------------------------------------


async def test_wait_for_sees_calls_made_concurrently(fake: FakeSlack, client: AsyncWebClient) -> None:
    async def post_later() -> None:
        await asyncio.sleep(0)
        await client.chat_postMessage(channel=CHANNEL, text="one")
        await client.chat_postMessage(channel=CHANNEL, text="two")

    task = asyncio.create_task(post_later())
    calls = await fake.wait_for("chat.postMessage", count=2)
    await task
    assert [c.args["text"] for c in calls] == ["one", "two"]


async def test_wait_for_timeout_lists_calls(fake: FakeSlack, client: AsyncWebClient) -> None:
    await client.auth_test()
    with pytest.raises(AssertionError, match=r"chat.postMessage.*auth.test\(200\)"):
        await fake.wait_for("chat.postMessage", timeout=0.05)


async def test_form_and_query_encodings(fake: FakeSlack) -> None:
    headers = {"Authorization": f"Bearer {fake.bot_token}"}
    blocks = [section("from a form")]
    async with aiohttp.ClientSession(headers=headers) as session:
        form = {"channel": CHANNEL, "text": "form", "blocks": json.dumps(blocks)}
        async with session.post(fake.base_url + "chat.postMessage", data=form) as resp:
            assert (await resp.json())["ok"] is True
        async with session.post(
            fake.base_url + "chat.postMessage", params={"channel": CHANNEL, "text": "query"}
        ) as resp:
            assert (await resp.json())["ok"] is True
        async with session.get(fake.base_url + "users.info", params={"user": USER}) as resp:
            assert (await resp.json())["user"]["id"] == USER
        async with session.post(
            fake.base_url + "chat.postMessage", data="{nope", headers={"Content-Type": "application/json"}
        ) as resp:
            assert (await resp.json())["error"] == "invalid_json"
    form_call, query_call = fake.calls_to("chat.postMessage")[:2]
    assert form_call.encoding == "form" and form_call.args["blocks"] == blocks
    assert query_call.encoding == "query" and query_call.args["text"] == "query"
    assert fake.messages[CHANNEL][0].blocks == blocks


async def test_reset(fake: FakeSlack, client: AsyncWebClient) -> None:
    await client.chat_postMessage(channel=CHANNEL, text="hi")
    fake.fail_next("auth.test")
    fake.set_down(True)
    fake.reset()
    assert fake.calls == [] and fake.responses == []
    assert len(fake.messages[CHANNEL]) == 1  # workspace state survives a plain reset
    await client.auth_test()  # failure queue and down flag are gone
    fake.reset(state=True)
    assert fake.calls == [] and fake.messages == {}


# -- bolt ------------------------------------------------------------------------------------------------------------


async def test_bolt_app_runs_against_fake(fake: FakeSlack) -> None:
    from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
    from slack_bolt.request.async_request import AsyncBoltRequest

    done = asyncio.Event()
    app = AsyncApp(
        client=AsyncWebClient(token=fake.bot_token, base_url=fake.base_url), request_verification_enabled=False
    )

    @app.command("/leads")
    async def leads(ack: AsyncAck, respond: AsyncRespond, client: AsyncWebClient, command: dict[str, Any]) -> None:
        await ack()
        await respond("Working on it")
        await client.chat_postMessage(channel=command["channel_id"], text="Leads for you")
        done.set()

    body = {
        "command": "/leads",
        "text": "",
        "team_id": fake.team_id,
        "user_id": USER,
        "channel_id": CHANNEL,
        "response_url": fake.new_response_url(channel=CHANNEL, user_id=USER),
        "trigger_id": fake.issue_trigger_id(USER),
    }
    response = await app.async_dispatch(AsyncBoltRequest(body=body, mode="socket_mode"))
    assert response.status == 200
    await fake.wait_for("chat.postMessage")
    await asyncio.wait_for(done.wait(), 2)  # the listener runs after ack; let it finish before the server stops
    assert [r["text"] for r in await fake.wait_for_responses()] == ["Working on it"]
    assert [c.method for c in fake.calls] == ["auth.test", "chat.postMessage"]
    assert fake.messages[CHANNEL][0].text == "Leads for you"


# -- change notifications and modal stacks (used by the sandbox page) ------------------------------------------------


async def test_changed_wakes_on_every_change(fake: FakeSlack, client: AsyncWebClient) -> None:
    seen = fake.version
    waiting = asyncio.create_task(fake.changed(seen))
    await client.chat_postMessage(channel=CHANNEL, text="hi")
    assert await waiting > seen

    now = fake.version
    waiting = asyncio.create_task(fake.changed(now))
    fake.notify_change()
    assert await waiting == now + 1
    assert await fake.changed(now) == now + 1  # already past: answers at once


async def test_closing_and_pushing_views_without_a_trigger(fake: FakeSlack, client: AsyncWebClient) -> None:
    root = (await client.views_open(trigger_id=fake.issue_trigger_id(USER), view=modal()))["view"]
    pushed = fake.push_view(USER, modal("Step two"))
    assert [v["id"] for v in fake.modal_stack(USER)] == [root["id"], pushed["id"]]
    assert pushed["previous_view_id"] == root["id"]
    with pytest.raises(SlackError) as invalid:
        fake.push_view(USER, modal("x" * 25))
    assert invalid.value.error == "invalid_arguments"

    fake.close_view(USER, pushed["id"])
    assert fake.modal_stack(USER) == [root]
    fake.push_view(USER, modal("Again"))
    fake.close_view(USER, root["id"])  # closing a view closes what was pushed on it
    assert fake.modal_stack(USER) == [] and USER not in fake.view_stacks
