"""Who may press what, checked where it counts: a forged click or submission (a timer id the person's alarm never
carried, a command nobody in the team may run) is refused in words and changes nothing."""

from __future__ import annotations

from typing import Any

from bot.ids import Action
from tests import slack_requests as sr
from tests.conftest import MANAGER, REP1, REP2, Harness, StartApp, action_ids, text_of
from tests.test_sla import at, start_sla, timers

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
