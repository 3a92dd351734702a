"""Clicks on App Home, sent as Slack sends them: with the view and no response_url, so an answer cannot be an
ephemeral message. The person hears back in the app's Messages tab, and their Home shows the new state."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.ids import Action
from tests import slack_requests as sr
from tests.attempts import log_attempt, submit_attempt
from tests.conftest import MANAGER, REP1, REP2, START, Harness, StartApp, team_config, text_of
from tests.views.test_home import open_home

SLA = {"accept": {"target": "30m"}, "first_touch": {"target": "24h"}}


async def click_on_home(app: Harness, user_id: str, home: dict[str, Any], action_id: str, nth: int = 0) -> None:
    buttons = [
        (block["block_id"], el)
        for block in home["blocks"]
        if block["type"] == "actions"
        for el in block["elements"]
        if el["action_id"] == action_id
    ]
    block_id, button = buttons[nth]
    payload = sr.block_actions(
        user_id=user_id, action_id=action_id, value=button["value"], channel=None, message_ts=None,
        trigger_id=app.slack.issue_trigger_id(user_id), response_url=None, block_id=block_id, view=home,
    )  # fmt: skip
    status, _ = await app.interact(payload)
    assert status == 200
    await app.settle()


async def test_a_manager_nudging_from_home_is_told_in_the_messages_tab_and_sees_home_refreshed(
    start_app: StartApp,
) -> None:
    app = await start_app(team_config(sla=SLA))
    await app.new_lead(name="Waiting Lead", company="Initech")
    app.clock.set(START + timedelta(minutes=36))
    await app.sweep()
    home = await open_home(app, MANAGER)
    before, published = len(app.dms(MANAGER)), len(app.slack.calls_to("views.publish"))

    await click_on_home(app, MANAGER, home, Action.SLA_NUDGE)

    told = [m.text for m in app.dms(MANAGER)[before:]]
    assert told == ["👋 Nudged sales: a reply in the lead's thread, also sent to the channel."], told
    assert len(app.slack.calls_to("views.publish")) == published + 1


async def test_a_refused_click_on_home_reaches_the_person(start_app: StartApp) -> None:
    app = await start_app(team_config(sla=SLA))
    lead_id = await app.new_lead(name="Owned Lead", company="Globex")
    await app.click(Action.ACCEPT, lead_id, REP1)
    await app.settle()
    home = await open_home(app, REP1)
    await log_attempt(app, lead_id, REP1)  # logged from the post meanwhile: the Home button is stale
    before = len(app.dms(REP1))

    await click_on_home(app, REP1, home, Action.LOG_CONTACT)

    told = [m.text for m in app.dms(REP1)[before:]]
    assert len(told) == 1 and "already" in told[0].lower(), told
    assert "Something went wrong" not in told[0]


async def test_logging_contact_on_home_refreshes_that_home(start_app: StartApp) -> None:
    app = await start_app(team_config(sla=SLA))
    lead_id = await app.new_lead(name="Owned Lead", company="Globex")
    await app.click(Action.ACCEPT, lead_id, REP1)
    await app.settle()
    home = await open_home(app, REP1)
    assert "Next: log first contact" in text_of(home["blocks"])

    await click_on_home(app, REP1, home, Action.LOG_CONTACT)
    assert await submit_attempt(app, REP1) == (200, "")

    refreshed = app.slack.home_views[REP1]
    assert "Next: log first contact" not in text_of(refreshed["blocks"])
    assert REP2 not in app.slack.home_views  # only the person who clicked gets a new Home
