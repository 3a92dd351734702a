"""An offered lead: only its assignee (or a manager) accepts it, the assignee may Pass it with a reason, and with
`reassign_unaccepted` a breached accept clock moves it on to the next rep, once."""

from __future__ import annotations

import json
from typing import Any

from bot.ids import Action, Block, Callback
from tests.conftest import MANAGER, REP1, REP2, StartApp, action_ids, team_config, text_of
from tests.lifecycle.test_reject import BUDGET, submit_reject
from tests.routing.conftest import ACCEPT_SLA, assigned_events, leads, routed_config, timers

POOL = {"mode": "round_robin", "pool": [REP1, REP2]}


def pass_form(reason: str) -> dict[str, Any]:
    return {Block.PASS_REASON: {Action.PASS_REASON: {"type": "plain_text_input", "value": reason}}}


async def test_only_the_assignee_accepts_an_offered_lead_others_are_told_privately_whose_it_is(
    start_app: StartApp,
) -> None:
    app = await start_app(routed_config(POOL))
    [lead_id] = await leads(app, 1)

    await app.click(Action.ACCEPT, lead_id, REP2)
    await app.settle()
    assert (await app.lead(lead_id)).stage == "mql"
    [refusal] = app.slack.responses
    assert refusal["response_type"] == "ephemeral"
    assert f"assigned to <@{REP1}>: only they or a manager can accept it" in refusal["text"]

    await app.click(Action.ACCEPT, lead_id, REP1)
    await app.settle()
    lead = await app.lead(lead_id)
    assert (lead.stage, lead.owner) == ("sal", REP1)
    [accept] = await timers(app, lead_id)
    assert (accept.owner, accept.state) == (REP1, "met")
    assert f"Accepted* by <@{REP1}>" in text_of((await app.post_of(lead_id)).blocks)


async def test_a_manager_in_sales_may_accept_a_lead_offered_to_someone_else(start_app: StartApp) -> None:
    config = team_config(
        routing=POOL, sla=ACCEPT_SLA,
        team={"sales": [REP1, REP2, MANAGER], "managers": [MANAGER], "manager_of": {REP1: MANAGER}},
    )  # fmt: skip
    app = await start_app(config)
    [lead_id] = await leads(app, 1)

    await app.click(Action.ACCEPT, lead_id, MANAGER)
    await app.settle()

    assert (await app.lead(lead_id)).owner == MANAGER


async def test_a_manager_outside_sales_accepts_an_offered_lead_for_its_assignee(start_app: StartApp) -> None:
    app = await start_app(routed_config(POOL))  # MANAGER is in team.managers only
    [lead_id] = await leads(app, 1)

    await app.click(Action.ACCEPT, lead_id, MANAGER)
    await app.settle()

    lead = await app.lead(lead_id)
    assert (lead.stage, lead.owner, lead.decided_by) == ("sal", REP1, MANAGER)
    assert app.slack.responses == []  # no refusal


async def test_only_the_assignee_or_a_manager_rejects_an_offered_lead(start_app: StartApp) -> None:
    app = await start_app(routed_config(POOL))
    [lead_id] = await leads(app, 1)  # offered to REP1

    await app.click(Action.REJECT, lead_id, REP2)
    await app.settle()
    [refusal] = app.slack.responses
    assert f"assigned to <@{REP1}>: only they or a manager can reject it" in refusal["text"]
    assert app.slack.calls_to("views.open") == []
    answer = await submit_reject(app, lead_id, REP2, BUDGET)  # a forged or stale modal
    await app.settle()
    assert answer is not None and "only they or a manager can reject it" in json.dumps(answer)
    assert (await app.lead(lead_id)).stage == "mql"

    assert await submit_reject(app, lead_id, REP1, BUDGET) is None
    await app.settle()
    assert (await app.lead(lead_id)).stage == "rejected"


async def test_pass_asks_why_then_offers_the_lead_to_the_next_rep_with_a_fresh_accept_clock(
    start_app: StartApp,
) -> None:
    app = await start_app(routed_config(POOL))
    [lead_id] = await leads(app, 1)
    app.clock.advance(600)

    await app.click(Action.PASS, lead_id, REP2)  # not theirs to pass
    await app.settle()
    assert "only they can pass it" in app.slack.responses[-1]["text"]
    assert app.slack.calls_to("views.open") == []
    status, body = await app.submit(Callback.PASS, REP2, str(lead_id), pass_form("a forged submission"))
    assert json.loads(body)["errors"] == {
        Block.PASS_REASON: "This lead is assigned to u0rep00001: only they can pass it."
    }
    status, body = await app.submit(Callback.PASS, REP1, "not-a-lead", pass_form("stale"))
    assert json.loads(body)["errors"] == {Block.PASS_REASON: "This form is out of date; reopen it."}
    assert (await app.lead(lead_id)).assignee == REP1

    await app.click(Action.PASS, lead_id, REP1)
    await app.settle()
    [opened] = app.slack.calls_to("views.open")
    view = opened.args["view"]
    assert (view["callback_id"], view["private_metadata"]) == (Callback.PASS, str(lead_id))

    status, body = await app.submit(Callback.PASS, REP1, str(lead_id), pass_form(" "))
    assert json.loads(body)["errors"] == {
        Block.PASS_REASON: "Say why you pass it, so the next rep and your manager know."
    }
    status, body = await app.submit(Callback.PASS, REP1, str(lead_id), pass_form("I know them \x00 <!channel>"))
    await app.settle()

    assert (status, body) == (200, "")
    lead = await app.lead(lead_id)
    assert (lead.stage, lead.assignee, lead.owner) == ("mql", REP2, None)
    assert [e.data for e in await assigned_events(app)][-1] == {"to": REP2, "from": REP1, "why": "pass"}
    passed = [e for e in await app.events(lead_id) if e.kind == "passed"]
    assert [(e.actor, e.data["reason"]) for e in passed] == [(REP1, "I know them  <!channel>")]
    first, second = await timers(app, lead_id)
    assert (first.owner, first.state, second.owner, second.state) == (REP1, "cancelled", REP2, "running")
    assert second.started_at == app.clock.now()
    post = text_of((await app.post_of(lead_id)).blocks)
    assert f"Passed by <@{REP1}> to <@{REP2}> — accept within 30 min" in post
    assert "Assigned to you" in text_of(app.dms(REP2)[-1].blocks)

    await app.click(Action.PASS, lead_id, REP2)  # REP2 passes too: only REP1 is left, who passed it already
    await app.settle()
    await app.submit(Callback.PASS, REP2, str(lead_id), pass_form("Not my territory"))
    await app.settle()
    lead = await app.lead(lead_id)
    assert (lead.assignee, lead.owner) == (None, None)  # open to claim, and the managers hear
    assert "No rep to route to" in text_of(app.dms(MANAGER)[-1].blocks)
    assert action_ids((await app.post_of(lead_id)).blocks) == [Action.ACCEPT, Action.REJECT]


async def test_a_breached_offer_moves_to_the_next_rep_and_the_manager_hears_once(start_app: StartApp) -> None:
    app = await start_app(routed_config({**POOL, "reassign_unaccepted": True}))
    [lead_id] = await leads(app, 1)

    app.clock.advance(31 * 60)
    await app.sweep()

    lead = await app.lead(lead_id)
    assert (lead.assignee, lead.owner) == (REP2, None)
    assert [e.data for e in await assigned_events(app)] == [
        {"to": REP1, "from": None, "why": "rotation"},
        {"to": REP2, "from": REP1, "why": "breach"},
    ]
    first, second = await timers(app, lead_id)
    assert (first.owner, first.state, second.owner, second.state) == (REP1, "breached", REP2, "running")
    post = text_of((await app.post_of(lead_id)).blocks)
    assert f"Reassigned from <@{REP1}> to <@{REP2}>: not accepted in 30 min" in post
    assert "did not accept it in time" in text_of(app.dms(REP2)[-1].blocks)
    [escalation] = app.dms(MANAGER)
    assert "Dana Buyer" in text_of(escalation.blocks)

    app.clock.advance(60)
    await app.sweep()
    assert len(app.dms(MANAGER)) == 1  # once

    await app.click(Action.ACCEPT, lead_id, REP1)  # no longer theirs
    await app.settle()
    assert f"assigned to <@{REP2}>" in app.slack.responses[-1]["text"]
    await app.click(Action.ACCEPT, lead_id, REP2)
    await app.settle()
    assert (await app.lead(lead_id)).owner == REP2
    first, second = await timers(app, lead_id)
    assert (first.state, second.state) == ("breached", "met")


async def test_a_lead_nobody_accepts_goes_once_round_the_pool_then_stays_and_escalates(start_app: StartApp) -> None:
    app = await start_app(routed_config({**POOL, "reassign_unaccepted": True}))
    [lead_id] = await leads(app, 1)

    for _ in range(12):  # six hours, swept every half hour: a hop per breach would bounce it a dozen times
        app.clock.advance(31 * 60)
        await app.sweep()

    assert [e.data["why"] for e in await assigned_events(app)] == ["rotation", "breach"]  # REP1, then REP2, then stays
    assert (await app.lead(lead_id)).assignee == REP2
    assert len(await timers(app, lead_id)) == 2
    dms = app.dms(MANAGER)
    assert len(dms) == 2  # each rep's missed accept, once
    first = text_of(dms[0].blocks)
    assert f"Reassigned from <@{REP1}> to <@{REP2}>: not accepted in 30 min" in first
    assert "owns it" not in first  # nobody does yet


async def test_without_reassign_unaccepted_a_breached_offer_stays_and_escalates(start_app: StartApp) -> None:
    app = await start_app(routed_config(POOL))
    [lead_id] = await leads(app, 1)

    app.clock.advance(31 * 60)
    await app.sweep()

    assert (await app.lead(lead_id)).assignee == REP1
    [escalation] = app.dms(MANAGER)  # REP1's own manager (manager_of), because the clock is REP1's
    assert len(await assigned_events(app)) == 1


async def test_the_assignees_heads_up_names_them_as_the_one_it_waits_for(start_app: StartApp) -> None:
    sla = {"accept": {**ACCEPT_SLA["accept"], "warn_at": "50%"}}
    app = await start_app(routed_config(POOL, sla=sla))
    [lead_id] = await leads(app, 1)

    app.clock.advance(16 * 60)
    await app.sweep()

    heads_up = text_of(app.dms(REP1)[-1].blocks)
    assert f"owner <@{REP1}> (assigned, not accepted yet)" in heads_up
    assert "nobody yet" not in heads_up
    assert (await app.lead(lead_id)).stage == "mql"
