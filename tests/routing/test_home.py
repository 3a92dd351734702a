"""A rep's App Home lists the leads routing assigned to them and they have not accepted yet, first, with the time
left on their accept clock; accepting from there moves the lead to their open leads."""

from __future__ import annotations

from typing import Any

from bot.ids import Action
from tests import slack_requests as sr
from tests.conftest import REP1, REP2, StartApp, text_of
from tests.routing.conftest import leads, routed_config
from tests.views.test_home import open_home


def block_ids(view: Any) -> list[str]:
    return [str(block.get("block_id")) for block in view["blocks"]]


async def test_a_reps_home_shows_what_is_assigned_to_them_first_with_a_countdown(start_app: StartApp) -> None:
    app = await start_app(routed_config({"mode": "round_robin", "pool": [REP1, REP2]}))
    first, _second, third = await leads(app, 3)  # REP1, REP2, REP1
    app.clock.advance(10 * 60)

    view = await open_home(app, REP1)

    assert block_ids(view)[0] == "home:offered"
    text = text_of(view["blocks"])
    assert "Assigned to you, not yet accepted — 2" in text
    assert "Accept: 20 min left" in text
    assert text.index("Assigned to you, not yet accepted") < text.index("Your open leads")
    rep2 = await open_home(app, REP2)
    assert "Assigned to you, not yet accepted — 1" in text_of(rep2["blocks"])

    buttons = [el for block in view["blocks"] if block["type"] == "actions" for el in block["elements"]]
    accept = next(b for b in buttons if b["action_id"] == Action.ACCEPT and b["value"] == str(first))
    payload = sr.block_actions(
        user_id=REP1, action_id=Action.ACCEPT, value=accept["value"], channel="D" + REP1[1:], message_ts="0",
        trigger_id=app.slack.issue_trigger_id(REP1), response_url=None, view={"type": "home", "id": "V0HOME"},
    )  # fmt: skip
    await app.interact(payload)
    await app.settle()

    assert (await app.lead(first)).owner == REP1
    view = app.slack.home_views[REP1]
    assert "Assigned to you, not yet accepted — 1" in text_of(view["blocks"])
    assert (await app.lead(third)).owner is None
