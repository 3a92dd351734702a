"""Who may press what, checked where it counts: a forged click or submission (a timer id the person's alarm never
carried, a form submitted by someone other than who opened it) is refused in words and changes nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.ids import Action, Block, Callback
from storage.models import Spend
from tests import slack_requests as sr
from tests.conftest import (
    LEADS,
    MANAGER,
    MARKETER,
    OUTSIDER,
    REP1,
    REP2,
    Harness,
    StartApp,
    action_ids,
    text_of,
)
from tests.sla.test_sla import at, start_sla, timers

CHAIN_ONLY = "Only managers and the people this lead escalates to can act on its alarm."


async def nudge_as(app: Harness, timer_id: int, user_id: str) -> str:
    """A Nudge click on `timer_id` by `user_id`, as if the button were on a message they see; the answer."""
    payload = sr.block_actions(
        user_id=user_id,
        action_id=Action.SLA_NUDGE,
        value=str(timer_id),
        channel="D" + user_id[1:],
        message_ts="1.2",
        trigger_id=app.slack.issue_trigger_id(user_id),
        response_url=app.slack.new_response_url(channel="D" + user_id[1:], user_id=user_id),
    )
    status, _ = await app.interact(payload)
    await app.settle()
    assert status == 200
    return str(app.slack.responses[-1]["text"])


async def test_an_owner_told_by_a_heads_up_or_a_nudge_cannot_nudge_from_a_forged_click(start_app: StartApp) -> None:
    sla = {"first_touch": {"target": "1h", "warn_at": "50%", "escalate": [{"after": "0s", "notify": "manager"}]}}
    app = await start_sla(start_app, sla)
    lead_id = await app.new_lead(name="Dana Buyer")
    await app.click(Action.ACCEPT, lead_id, REP1)
    await app.settle()
    app.clock.set(at(31))
    await app.sweep()
    [heads_up] = app.dms(REP1)
    assert action_ids(heads_up.blocks) == [Action.LOG_CONTACT]  # the owner's alarm never offers Nudge
    [first_touch] = await timers(app, lead_id)

    assert await nudge_as(app, first_touch.id, REP1) == CHAIN_ONLY
    app.clock.set(at(61))
    await app.sweep()
    await app.press(app.dms(MANAGER)[0], Action.SLA_NUDGE, MANAGER)  # the manager may, from the breach DM
    await app.settle()
    assert app.slack.responses[-1]["text"] == f"👋 Nudged <@{REP1}>."
    assert await nudge_as(app, first_touch.id, REP1) == CHAIN_ONLY  # being nudged is no licence to nudge

    nudges = [e.actor for e in await app.events(lead_id) if e.kind == "nudged"]
    assert nudges == [MANAGER]
    assert len(app.dms(REP1)) == 2  # the heads-up and the manager's nudge: nothing from the forged clicks


async def test_a_rep_asked_to_pick_up_a_lead_cannot_nudge_every_rep(start_app: StartApp) -> None:
    sla: dict[str, Any] = {
        "unowned_notify": "dm",
        "accept": {"target": "30m", "warn_at": "50%", "escalate": [{"after": "0s", "notify": "channel"}]},
    }
    app = await start_sla(start_app, sla)
    lead_id = await app.new_lead(name="Dana Buyer")
    app.clock.set(at(16))
    await app.sweep()
    app.clock.set(at(31))
    await app.sweep()
    [heads_up, pickup] = app.dms(REP2)
    assert action_ids(heads_up.blocks) == action_ids(pickup.blocks) == [Action.ACCEPT]
    [accept] = await timers(app, lead_id)
    told = {rep: len(app.dms(rep)) for rep in (REP1, REP2)}

    assert await nudge_as(app, accept.id, REP2) == CHAIN_ONLY

    assert {rep: len(app.dms(rep)) for rep in (REP1, REP2)} == told
    assert [e for e in await app.events(lead_id) if e.kind == "nudged"] == []
    assert "nudged" not in text_of(app.dms(REP1)[-1].blocks)


STRANGER_ELSEWHERE = "U0ELSEWHR1"  # a person of another workspace (a Slack Connect visitor in the leads channel)
MOVES_AND_CONTACT = [Action.LOG_CONTACT, Action.QUALIFY, Action.OPPORTUNITY, Action.WON, Action.LOST, Action.RECYCLE]


async def click_from(app: Harness, action_id: str, lead_id: int, user_id: str) -> tuple[int, list[str]]:
    """A click on the lead's post; for STRANGER_ELSEWHERE the payload says their team is another workspace."""
    lead = await app.lead(lead_id)
    payload = sr.block_actions(
        user_id=user_id, action_id=action_id, value=str(lead_id), channel=LEADS, message_ts=lead.slack_ts or "0",
        trigger_id=app.slack.issue_trigger_id(user_id),
        response_url=app.slack.new_response_url(channel=LEADS, user_id=user_id),
    )  # fmt: skip
    if user_id == STRANGER_ELSEWHERE:
        payload["user"]["team_id"] = "T0ELSEWHR1"
    before = len(app.slack.responses)
    status, _ = await app.interact(payload)
    await app.settle()
    return status, [str(r.get("text")) for r in app.slack.responses[before:]]


@pytest.mark.parametrize("user_id", [REP2, MARKETER, OUTSIDER, STRANGER_ELSEWHERE])
async def test_only_the_owner_or_a_manager_may_work_an_accepted_lead(app: Harness, user_id: str) -> None:
    lead_id = await app.new_lead()
    await app.click(Action.ACCEPT, lead_id, REP1)
    await app.settle()
    events = len(await app.events(lead_id))

    for action in MOVES_AND_CONTACT:
        status, answers = await click_from(app, action, lead_id, user_id)
        verb = "log contact on" if action == Action.LOG_CONTACT else "move"
        assert (status, answers) == (200, [f"Only the owner (<@{REP1}>) or a manager can {verb} this lead."]), action

    assert app.slack.calls_to("views.open") == []
    assert ((await app.lead(lead_id)).stage, len(await app.events(lead_id))) == ("sal", events)


@pytest.mark.parametrize("user_id", [MANAGER, MARKETER, OUTSIDER, STRANGER_ELSEWHERE])
async def test_only_sales_may_accept_or_reject(app: Harness, user_id: str) -> None:
    lead_id = await app.new_lead()

    for action, verb in ((Action.ACCEPT, "accept"), (Action.REJECT, "reject")):
        status, answers = await click_from(app, action, lead_id, user_id)
        assert status == 200
        assert answers == [f"Only the sales team can {verb} leads. Ask sales-ops to add you to `team.sales`."]

    assert app.slack.calls_to("views.open") == []
    assert ((await app.lead(lead_id)).stage, [e.kind for e in await app.events(lead_id)]) == (
        "mql",
        ["mql_received", "posted"],
    )


@pytest.mark.parametrize("user_id", [OUTSIDER, STRANGER_ELSEWHERE])
async def test_a_stranger_reads_no_history(app: Harness, user_id: str) -> None:
    lead_id = await app.new_lead()
    status, answers = await click_from(app, Action.HISTORY, lead_id, user_id)
    assert (status, answers) == (
        200,
        ["A lead's history is for sales, managers and marketing. Ask sales-ops to add you."],
    )
    assert app.slack.calls_to("views.open") == []


async def test_a_click_left_on_a_lead_that_moved_on_is_answered_and_changes_nothing(app: Harness) -> None:
    lead_id = await app.new_lead()
    await app.click(Action.ACCEPT, lead_id, REP1)
    await app.settle()
    await click_from(app, Action.RECYCLE, lead_id, MANAGER)
    events = len(await app.events(lead_id))

    stale = {
        Action.ACCEPT: f"This lead was already accepted by <@{REP1}>.",
        Action.REJECT: f"This lead was already accepted by <@{REP1}>.",
        Action.LOG_CONTACT: "Contact can be logged once the lead is accepted.",
        Action.QUALIFY: "This lead is recycled: it cannot move to sql.",
        Action.WON: "This lead is recycled: it cannot move to won.",
        Action.RECYCLE: "This lead is already recycled.",
    }
    for action, answer in stale.items():
        assert await click_from(app, action, lead_id, REP1) == (200, [answer]), action

    assert ((await app.lead(lead_id)).stage, len(await app.events(lead_id))) == ("recycled", events)
    assert app.slack.calls_to("views.open") == []


async def test_a_form_submitted_by_someone_else_than_who_opened_it_is_refused_inline(start_app: StartApp) -> None:
    """Each submission checks its submitter again: a modal's private_metadata (the lead, the timer) is no licence."""
    sla = {"first_touch": {"target": "1h", "escalate": [{"after": "0s", "notify": "manager"}]}}
    app = await start_sla(start_app, sla)
    mql = await app.new_lead(name="Ann")
    owned = await app.new_lead(name="Bob")
    await app.click(Action.ACCEPT, owned, REP1)
    await app.settle()
    app.clock.set(at(61))
    await app.sweep()
    [timer] = await timers(app, owned)
    reason = {"type": "static_select", "selected_option": {"value": "Not our ICP / bad fit"}}
    forged = [
        (Callback.REJECT, MARKETER, str(mql), {Block.REJECT_REASON: {Action.REJECT_REASON: reason}},
         Block.REJECT_REASON, "Only the sales team can reject leads. Ask sales-ops to add you to team.sales."),
        (Callback.REASSIGN, REP2, str(owned), {Block.REASSIGN_REP: {Action.REASSIGN_REP: {"selected_user": REP2}},
                                               Block.REASSIGN_WHY: {Action.REASSIGN_WHY: {"value": "mine now"}}},
         Block.REASSIGN_REP, "Only a manager can reassign leads."),
        (Callback.SNOOZE, REP1, str(timer.id), {Block.SNOOZE_WHY: {Action.SNOOZE_WHY: {"value": "busy week"}}},
         Block.SNOOZE_WHY, "Only managers and the people this lead escalates to can snooze its alarm."),
        (Callback.MOVE, REP2, f"{owned}:won", {Block.MOVE_AMOUNT: {Action.MOVE_AMOUNT: {"value": "100"}}},
         Block.MOVE_AMOUNT, "Only the owner (Rep One) or a manager can move this lead."),
        (Callback.SPEND, REP2, LEADS, {Block.SPEND_MONTH: {Action.SPEND_MONTH: {"value": "2026-11"}},
                                       Block.SPEND_SOURCE: {Action.SPEND_SOURCE: {"value": "webinar"}},
                                       Block.SPEND_AMOUNT: {Action.SPEND_AMOUNT: {"value": "100"}}},
         Block.SPEND_SOURCE, "Only managers and marketing can enter spend. Ask sales-ops to add you to the team file."),
    ]  # fmt: skip
    app.slack.users[REP1] = {"profile": {"display_name": "Rep One"}}
    before = {lead: len(await app.events(lead)) for lead in (mql, owned)}

    for callback, user_id, metadata, values, block, refusal in forged:
        status, answer = await app.submit(callback, user_id, metadata, values)
        assert (status, json.loads(answer)["errors"]) == (200, {block: refusal}), callback

    await app.settle()
    assert {lead: len(await app.events(lead)) for lead in (mql, owned)} == before
    assert [(await app.lead(lead)).stage for lead in (mql, owned)] == ["mql", "sal"]
    assert (await app.lead(owned)).owner == REP1
    async with app.svc.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Spend)) == 0
