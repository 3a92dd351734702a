"""App Home, published when a person opens the tab: open leads and their clocks for reps, breaches for managers,
this month's funnel for everyone."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from bot.ids import Action
from tests import slack_requests as sr
from tests.attempts import submit_attempt
from tests.conftest import MANAGER, OUTSIDER, REP1, START, Harness, StartApp, action_ids, team_config, text_of

SLA = {"accept": {"target": "30m"}, "first_touch": {"target": "24h"}}


async def open_home(app: Harness, user_id: str) -> dict[str, object]:
    event = {"type": "app_home_opened", "user": user_id, "channel": "D" + user_id[1:], "tab": "home",
             "event_ts": "1795451094.000100"}  # fmt: skip
    status, _ = await app.post_slack(sr.event_callback(event), content_type="application/json")
    await app.settle()
    assert status == 200
    return app.slack.home_views[user_id]


async def test_each_person_sees_their_own_home(start_app: StartApp) -> None:
    app = await start_app(team_config(sla=SLA))
    owned = await app.new_lead(name="Owned Lead", company="Globex")
    app.clock.set(START + timedelta(minutes=5))
    await app.click(Action.ACCEPT, owned, REP1)
    await app.settle()
    await app.new_lead(name="Waiting Lead", company="Initech")
    app.clock.set(START + timedelta(minutes=36))
    await app.sweep()  # the waiting lead (posted at 09:05) breached at 09:35

    rep = text_of((await open_home(app, REP1))["blocks"])
    manager_view = await open_home(app, MANAGER)
    manager = text_of(manager_view["blocks"])
    outsider = text_of((await open_home(app, OUTSIDER))["blocks"])

    assert "Your open leads" in rep and "*Owned Lead* — Globex" in rep
    assert "⏱ First contact: 23 h 29 min left (due Tue Nov 24, 09:05 CST)\nNext: log first contact" in rep
    assert "Waiting Lead" not in rep and "Team SLA breaches" not in rep
    assert "Team SLA breaches" in manager and "*Waiting Lead* — Initech" in manager
    assert "🚨 Accept: 1 min late (was due 09:35 CST) · no owner yet" in manager
    assert action_ids(manager_view["blocks"]) == [Action.SLA_REASSIGN, Action.SLA_NUDGE, Action.SLA_SNOOZE]
    assert "Your open leads" not in outsider and "Team SLA breaches" not in outsider
    for shown in (rep, manager, outsider):
        assert "This month's funnel" in shown and "*MQLs*\n2" in shown and "*Acceptance rate*\n100%" in shown


async def test_a_rep_can_log_contact_from_home(start_app: StartApp) -> None:
    app = await start_app(team_config(sla=SLA))
    lead_id = await app.new_lead()
    await app.click(Action.ACCEPT, lead_id, REP1)
    await app.settle()
    home = await open_home(app, REP1)
    [button] = [el for b in home["blocks"] if b["type"] == "actions" for el in b["elements"]]

    from tests import slack_requests as requests

    payload = requests.block_actions(
        user_id=REP1, action_id=button["action_id"], value=button["value"], channel="D" + REP1[1:], message_ts="0",
        trigger_id=app.slack.issue_trigger_id(REP1), response_url=app.slack.new_response_url(user_id=REP1),
    )  # fmt: skip
    await app.interact(payload)
    await app.settle()
    assert await submit_attempt(app, REP1) == (200, "")

    assert [e.actor for e in await app.events(lead_id) if e.kind == "contacted"] == [REP1]
    assert "Nothing open" not in text_of((await open_home(app, REP1))["blocks"])  # contacted leads stay open


async def test_a_home_opened_event_without_a_user_id_is_ignored_not_an_error(
    app: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    for user_id in ("", "<!channel>", "C0LEADS001"):
        event = {"type": "app_home_opened", "user": user_id, "tab": "home", "event_ts": "1795451094.000100"}
        status, _ = await app.post_slack(sr.event_callback(event), content_type="application/json")
        await app.settle()
        assert status == 200
    assert app.slack.calls_to("views.publish") == []
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
