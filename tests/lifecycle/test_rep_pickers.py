"""The people pickers that ask for a sales rep (/win's "Rep who closed it", Reassign's "New owner") show the whole
workspace, as Slack's users_select does; a person who is not in sales is refused on submit, under the picker, by
name in plain text."""

from __future__ import annotations

import json
from typing import Any

from bot.ids import REASSIGN_MODAL_IDS, WIN_MODAL_IDS, Action, Block, Callback
from tests.conftest import LEADS, MANAGER, MARKETER, REP1, REP3, Harness, text_of

HOSTILE = "U0EVIL<!channel>"  # not a user id Slack would send: never echoed, never a mention
UNKNOWN = "U0NOBODY99"  # a well-formed id Slack cannot name (deleted, another workspace)


def win_form(rep: str) -> dict[str, Any]:
    return {
        Block.WIN_COMPANY: {Action.WIN_COMPANY: {"type": "plain_text_input", "value": "Initech"}},
        Block.WIN_AMOUNT: {Action.WIN_AMOUNT: {"type": "plain_text_input", "value": "24000"}},
        Block.WIN_REP: {Action.WIN_REP: {"type": "users_select", "selected_user": rep}},
        Block.WIN_MARKETERS: {Action.WIN_MARKETERS: {"type": "multi_users_select", "selected_users": []}},
        Block.WIN_CAMPAIGN: {Action.WIN_CAMPAIGN: {"type": "plain_text_input", "value": ""}},
    }


def reassign_form(rep: str) -> dict[str, Any]:
    return {
        Block.REASSIGN_REP: {Action.REASSIGN_REP: {"type": "users_select", "selected_user": rep}},
        Block.REASSIGN_WHY: {Action.REASSIGN_WHY: {"type": "plain_text_input", "value": "Riley is out today"}},
    }


def errors(answer: tuple[int, str]) -> dict[str, str]:
    status, body = answer
    assert status == 200
    found: dict[str, str] = json.loads(body)["errors"]
    return found


def name_people(app: Harness) -> None:
    app.slack.users[MANAGER] = {"real_name": "Alex Manager", "profile": {"display_name": "Alex"}}
    app.slack.users[MARKETER] = {"profile": {"display_name": "", "real_name": "Mo Marketer"}}


async def test_win_credits_only_a_sales_rep(app: Harness) -> None:
    name_people(app)
    refused = [errors(await app.submit(Callback.WIN, REP1, "", win_form(who))) for who in (MANAGER, MARKETER, HOSTILE)]
    app.slack.fail_next("users.info", status=200, error="user_not_found")
    refused.append(errors(await app.submit(Callback.WIN, REP1, "", win_form(UNKNOWN))))

    assert refused == [
        {Block.WIN_REP: "Alex is not in sales — pick a sales rep."},
        {Block.WIN_REP: "Mo Marketer is not in sales — pick a sales rep."},
        {Block.WIN_REP: "Pick a sales rep from the list."},
        {Block.WIN_REP: f"{UNKNOWN} is not in sales — pick a sales rep."},
    ]
    await app.settle()
    assert not any("Joint win" in m.text for m in app.slack.messages.get(LEADS, []))  # nothing was celebrated

    assert await app.submit(Callback.WIN, REP1, "", win_form(REP3)) == (200, "")  # in sales through its user group
    await app.settle()
    [win] = [m for m in app.slack.messages[LEADS] if "Joint win" in m.text]
    assert f"Closed by <@{REP3}>" in text_of(win.blocks)


async def test_reassign_hands_a_lead_only_to_a_sales_rep(app: Harness) -> None:
    name_people(app)
    lead_id = await app.new_lead(name="Dana Buyer")
    refused = [
        errors(await app.submit(Callback.REASSIGN, MANAGER, str(lead_id), reassign_form(who)))
        for who in (MANAGER, MARKETER, HOSTILE)
    ]
    app.slack.fail_next("users.info", status=200, error="user_not_found")
    refused.append(errors(await app.submit(Callback.REASSIGN, MANAGER, str(lead_id), reassign_form(UNKNOWN))))

    assert refused == [
        {Block.REASSIGN_REP: "Alex is not in sales — pick a sales rep."},
        {Block.REASSIGN_REP: "Mo Marketer is not in sales — pick a sales rep."},
        {Block.REASSIGN_REP: "Pick a sales rep from the list."},
        {Block.REASSIGN_REP: f"{UNKNOWN} is not in sales — pick a sales rep."},
    ]
    assert (await app.lead(lead_id)).owner is None

    assert await app.submit(Callback.REASSIGN, MANAGER, str(lead_id), reassign_form(REP3)) == (200, "")
    await app.settle()
    assert (await app.lead(lead_id)).owner == REP3


async def test_the_pickers_say_they_want_a_sales_rep(app: Harness) -> None:
    modals = (("win", WIN_MODAL_IDS, Block.WIN_REP), ("reassign", REASSIGN_MODAL_IDS, Block.REASSIGN_REP))
    for name, ids, block in modals:
        view = app.svc.renderer.render(f"modals/{name}.json.j2", ids=ids, metadata="1", headline="Dana — Initech")
        [picker] = [b for b in view["blocks"] if b.get("block_id") == block]
        assert picker["element"]["placeholder"]["text"] == "Pick a sales rep"
        assert picker["hint"]["text"] == "Only someone in sales (team.sales in the team file) is accepted."
