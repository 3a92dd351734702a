"""Lead data and what people type reach Slack as text, never as markup: every string Slack parses as mrkdwn (the
top-level `text` of chat.postMessage / chat.update, mrkdwn text objects, ephemeral and response_url bodies, Home)
carries no `<…>` from that data, and lead text is never auto-linked. Modal errors are plain text: names, no markup.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

from bot.ids import Action, Block, Callback
from tests import slack_requests as sr
from tests.conftest import LEADS, MANAGER, MARKETER, OUTSIDER, REP1, REP2, START, Harness, StartApp, team_config

MALLORY = "<!channel> Mallory <https://evil.example|click me>"
LINKY = "see https://evil.example/login and #general"  # auto-linked by Slack unless the text object is verbatim
STRANGER = "U0STRANGE1"
APP_MARKUP = re.compile(r"<@[UW][A-Z0-9]+>|<#[CG][A-Z0-9]+>")  # the markup the app itself writes: mentions, channels


def parsed_strings(payload: Any) -> list[str]:
    """Every string Slack parses as mrkdwn in a message, view or response body: its top-level `text` and each mrkdwn
    text object's `text`."""
    out = [payload["text"]] if isinstance(payload, dict) and isinstance(payload.get("text"), str) else []
    return out + [obj["text"] for obj in mrkdwn_objects(payload)]


def mrkdwn_objects(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, dict):
        found = [node] if node.get("type") == "mrkdwn" else []
        return found + [obj for value in node.values() for obj in mrkdwn_objects(value)]
    if isinstance(node, list):
        return [obj for item in node for obj in mrkdwn_objects(item)]
    return []


def assert_inert(payload: dict[str, Any]) -> None:
    for text in parsed_strings(payload):
        rest = APP_MARKUP.sub("", text)
        assert "<" not in rest and ">" not in rest, f"raw markup reaches Slack: {text!r}"
        assert re.fullmatch(r"([^&]|&amp;|&lt;|&gt;)*", rest, re.DOTALL), f"a bare & reaches Slack: {text!r}"
    for obj in mrkdwn_objects(payload):
        assert obj.get("verbatim") is True, f"Slack would auto-link URLs and #channels in {obj['text']!r}"


def slack_payloads(app: Harness) -> list[dict[str, Any]]:
    """What the app sent Slack to show: messages posted and updated, views, and response_url bodies."""
    methods = ("chat.postMessage", "chat.update", "chat.postEphemeral", "views.publish", "views.open", "views.update")
    sent = [c.args for c in app.slack.calls if c.method in methods]
    return [args.get("view", args) for args in sent] + list(app.slack.responses)


async def test_a_hostile_lead_reaches_the_channel_dms_and_home_as_text(start_app: StartApp) -> None:
    sla = {"accept": {"target": "30m", "escalate": [{"after": "0s", "notify": "manager"}]}}
    app = await start_app(team_config(sla=sla))
    status, _ = await app.post_leads(
        {"external_id": "evil-1", "name": MALLORY, "company": "Evil & Co <!here>", "title": MALLORY,
         "source": LINKY, "campaign": LINKY, "activity": [{"at": "2026-11-20T10:00:00Z", "kind": MALLORY,
                                                           "detail": LINKY}]}
    )  # fmt: skip
    assert status == 201
    await app.settle()
    app.clock.set(START + timedelta(minutes=40))
    await app.sweep()  # the heads-up in the thread, then the breach DM to the manager
    event = {"type": "app_home_opened", "user": MANAGER, "channel": "D" + MANAGER[1:], "tab": "home",
             "event_ts": "1795451094.000100"}  # fmt: skip
    await app.post_slack(sr.event_callback(event), content_type="application/json")
    await app.settle()

    [post, *_] = app.slack.calls_to("chat.postMessage")
    assert post.args["text"] == (
        "New MQL: &lt;!channel&gt; Mallory &lt;https://evil.example|click me&gt; (Evil &amp; Co &lt;!here&gt;)"
    )
    assert len(app.dms(MANAGER)) == 1 and MANAGER in app.slack.home_views
    payloads = slack_payloads(app)
    assert len(payloads) >= 4  # the post, the heads-up, the breach DM, the Home tab
    for payload in payloads:
        assert_inert(payload)


async def test_win_with_a_hostile_company_posts_it_as_text(app: Harness) -> None:
    body = sr.slash_command(user_id=REP2, command="/win", text="", channel=LEADS,
                            response_url=app.slack.new_response_url(channel=LEADS, user_id=REP2),
                            trigger_id=app.slack.issue_trigger_id(REP2))  # fmt: skip
    status, _ = await app.post_slack(body, content_type="application/x-www-form-urlencoded")
    await app.settle()
    values = {
        Block.WIN_COMPANY: {Action.WIN_COMPANY: {"value": MALLORY}},
        Block.WIN_AMOUNT: {Action.WIN_AMOUNT: {"value": "24000"}},
        Block.WIN_REP: {Action.WIN_REP: {"selected_user": REP1}},
        Block.WIN_MARKETERS: {Action.WIN_MARKETERS: {"selected_users": [MARKETER]}},
        Block.WIN_CAMPAIGN: {Action.WIN_CAMPAIGN: {"value": LINKY}},
    }
    status, answer = await app.submit(Callback.WIN, REP2, "", values)
    await app.settle()

    assert (status, answer) == (200, "")
    [post] = app.slack.calls_to("chat.postMessage")
    assert "&lt;!channel&gt; Mallory &lt;https://evil.example|click me&gt;" in post.args["text"]
    for payload in slack_payloads(app):
        assert_inert(payload)


async def test_ephemeral_answers_carry_what_was_typed_as_text(app: Harness) -> None:
    async def command(text: str, user_id: str = REP1) -> dict[str, Any]:
        body = sr.slash_command(user_id=user_id, command="/funnel", text=text, channel=LEADS,
                                response_url=app.slack.new_response_url(channel=LEADS, user_id=user_id),
                                trigger_id=app.slack.issue_trigger_id(user_id))  # fmt: skip
        status, answer = await app.post_slack(body, content_type="application/x-www-form-urlencoded")
        await app.settle()
        assert status == 200
        result: dict[str, Any] = json.loads(answer) if answer else {}
        return result

    refused = await command(f"{MALLORY} & more")
    await command("spend", user_id=OUTSIDER)  # refused through response_url: only managers and marketing
    crunching = await command("wins")

    assert refused["text"].startswith("I don't know the period `&lt;!channel&gt; mallory")
    assert "Only managers and marketing can enter spend" in app.slack.responses[0]["text"]
    assert len(app.slack.responses) == 2  # the refusal, and the wins
    for payload in [refused, crunching, *slack_payloads(app)]:
        assert_inert(payload)


async def test_modal_errors_name_people_in_plain_text(app: Harness) -> None:
    lead_id = await app.new_lead(name="Dana Buyer")
    app.slack.users[OUTSIDER] = {"real_name": "Olive Outsider", "profile": {"display_name": "olive"}}
    app.slack.users[REP1] = {"real_name": "Riley Rep", "profile": {"display_name": "", "real_name": "Riley Rep"}}
    await app.click(Action.ACCEPT, lead_id, REP1)
    await app.settle()

    def form(rep: str) -> dict[str, Any]:
        return {
            Block.REASSIGN_REP: {Action.REASSIGN_REP: {"type": "users_select", "selected_user": rep}},
            Block.REASSIGN_WHY: {Action.REASSIGN_WHY: {"type": "plain_text_input", "value": "<!channel> out"}},
        }

    answers = [await app.submit(Callback.REASSIGN, MANAGER, str(lead_id), form(rep)) for rep in (OUTSIDER, REP1)]
    app.slack.fail_next("users.info", status=200, error="missing_scope")
    answers.append(await app.submit(Callback.REASSIGN, MANAGER, str(lead_id), form(STRANGER)))

    assert [json.loads(body)["errors"] for _, body in answers] == [
        {Block.REASSIGN_REP: "olive is not in sales — pick a sales rep."},
        {Block.REASSIGN_REP: "Riley Rep already owns this lead."},
        {Block.REASSIGN_REP: f"{STRANGER} is not in sales — pick a sales rep."},  # Slack would not say who
    ]


def test_an_error_names_its_people_where_it_is_shown_and_nothing_else() -> None:
    """Domain errors carry user ids, not markup: a message gets mentions (a text that is no Slack id is escaped),
    plain places the name or id; braces the message holds for other reasons stay as written."""
    from bot.errors import Conflict
    from bot.views.lead_cards import error_mrkdwn

    error = Conflict("{by} took it {not_a_person} {{x}}.", people={"by": REP1})
    assert error_mrkdwn(error) == f"<@{REP1}> took it {{not_a_person}} {{{{x}}}}."
    assert error.text() == f"{REP1} took it {{not_a_person}} {{{{x}}}}."
    assert error.text(lambda user_id: "{by}") == "{by} took it {not_a_person} {{x}}."  # one pass: no re-substitution
    assert (
        error_mrkdwn(Conflict("by {by}", people={"by": MALLORY}))
        == "by &lt;!channel&gt; Mallory &lt;https://evil.example|click me&gt;"
    )
    assert error_mrkdwn(Conflict("by {by}", people={"by": None})) == "by someone"
