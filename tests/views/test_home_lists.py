"""A Home list says when it is cut: the managers' breaches, most urgent first, with counts by clock, "…and N
more" and a "Show all" modal (paged); a rep's open leads the same way."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.ids import Action, Block, Callback
from storage.models import SlaTimer
from tests import slack_requests as sr
from tests.attempts import log_attempt
from tests.conftest import MANAGER, REP1, REP2, START, Harness, StartApp, action_ids, team_config, text_of
from tests.views.test_home import SLA, open_home

# When each first-contact lead was accepted (× 40 s): not the order they came in, so not the order of their ids.
ACCEPTED = [7, 2, 30, 11, 0, 25, 18, 4, 29, 13, 21, 9, 1, 27, 16, 6, 23, 10, 31, 3, 19, 14, 28, 8, 22, 5, 12, 32, 17,
            26, 20, 15, 24]  # fmt: skip


async def post_leads(app: Harness, names: list[str]) -> dict[str, int]:
    leads = [{"external_id": f"ext-{name}", "name": name, "company": f"Co {name}"} for name in names]
    status, body = await app.post_leads(leads)
    assert status in (200, 201, 207), body
    await app.settle()
    return {name: int(row["id"]) for name, row in zip(names, body["leads"], strict=True)}


async def breaches(app: Harness, unaccepted: int, first_contact: int) -> tuple[dict[str, int], list[str]]:
    """`first_contact` leads accepted by REP1 in a shuffled order and never contacted, then `unaccepted` leads
    posted 17 minutes apart that nobody accepts; a day later every clock is breached. Returns the leads and the
    order the managers' list must show them in: unaccepted, then first contact, each longest overdue first."""
    ids: dict[str, int] = {}
    touch = [f"F{i:02}" for i in range(first_contact)]
    if touch:
        ids |= await post_leads(app, touch)
    accepted_at = sorted(touch, key=lambda name: ACCEPTED[int(name[1:])])
    for name in accepted_at:
        app.clock.set(START + timedelta(seconds=40 * ACCEPTED[int(name[1:])]))
        await app.click(Action.ACCEPT, ids[name], REP1)
    await app.settle()
    waiting = [f"U{i:02}" for i in range(unaccepted)]
    for i, name in enumerate(waiting):
        app.clock.set(START + timedelta(hours=1, minutes=17 * i))
        ids |= await post_leads(app, [name])
    app.clock.set(START + timedelta(hours=25))
    await app.sweep()
    return ids, waiting + accepted_at


def names_in(blocks: list[dict[str, Any]]) -> list[str]:
    """The leads a list shows, in order (each item's text starts with the lead's name in bold)."""
    texts = [b["text"]["text"] for b in blocks if b["type"] == "section" and "text" in b]
    return [m.group(1) for text in texts if (m := re.match(r"\*([UF]\d\d)\*", text))]


async def click_in(app: Harness, user_id: str, view: dict[str, Any], action_id: str, value: str) -> None:
    """A click on a button of a Home tab or a modal, as Slack sends it: with the view, without a response_url."""
    payload = sr.block_actions(
        user_id=user_id, action_id=action_id, value=value, channel=None, message_ts=None,
        trigger_id=app.slack.issue_trigger_id(user_id), response_url=None, view=view,
    )  # fmt: skip
    status, _ = await app.interact(payload)
    await app.settle()
    assert status == 200


def show_all_value(home: dict[str, Any], name: str) -> str | None:
    more = next((b for b in home["blocks"] if b.get("block_id") == f"home:{name}:more"), None)
    return None if more is None else str(more["accessory"]["value"])


async def snooze(app: Harness, lead_id: int) -> None:
    async with app.svc.db.session() as session:
        timer_id = await session.scalar(select(SlaTimer.id).where(SlaTimer.lead_id == lead_id))
    why = {Block.SNOOZE_WHY: {Action.SNOOZE_WHY: {"type": "plain_text_input", "value": "Calling them at noon"}}}
    assert await app.submit(Callback.SNOOZE, MANAGER, str(timer_id), why) == (200, "")
    await app.settle()


async def test_the_managers_list_is_most_urgent_first_and_says_what_it_leaves_out(start_app: StartApp) -> None:
    app = await start_app(team_config(sla=SLA))
    ids, urgent = await breaches(app, unaccepted=12, first_contact=33)
    await snooze(app, ids["U03"])  # a manager chose to wait on this one: last, whatever its kind
    urgent = [name for name in urgent if name != "U03"] + ["U03"]

    home = await open_home(app, MANAGER)
    shown = text_of(home["blocks"])

    assert "Team SLA breaches — 45: 12 unaccepted, 33 first contact · 1 snoozed" in shown
    assert names_in(home["blocks"]) == urgent[:15]  # 11 unaccepted, then the 4 first contacts longest overdue
    assert "…and 30 more: 1 unaccepted, 29 first contact" in shown
    assert show_all_value(home, "breaches") == "breaches"
    assert len(home["blocks"]) <= 100

    await click_in(app, MANAGER, home, Action.HOME_SHOW_ALL, "breaches")
    [opened] = app.slack.calls_to("views.open")
    first = app.slack.modal_stack(MANAGER)[-1]
    assert opened.args["view"]["callback_id"] == Callback.HOME_LIST
    assert "Open breaches — 45: 12 unaccepted, 33 first contact · 1 snoozed" in text_of(first["blocks"])
    assert "Showing 1–40 of 45" in text_of(first["blocks"])
    assert names_in(first["blocks"]) == urgent[:40]
    assert action_ids(first["blocks"]) == [Action.HOME_NEXT]

    [next_page] = [el["value"] for b in first["blocks"] if b["type"] == "actions" for el in b["elements"]]
    await click_in(app, MANAGER, first, Action.HOME_NEXT, next_page)
    second = app.slack.modal_stack(MANAGER)[-1]
    assert second["id"] == first["id"]  # the same modal, updated in place
    assert names_in(second["blocks"]) == urgent[40:]
    assert "Showing 41–45 of 45" in text_of(second["blocks"])
    assert action_ids(second["blocks"]) == [Action.HOME_PREVIOUS]
    assert sorted(names_in(first["blocks"]) + names_in(second["blocks"])) == sorted(ids)  # every breach, once


async def test_only_managers_can_open_the_breach_list(start_app: StartApp) -> None:
    app = await start_app(team_config(sla=SLA))
    await breaches(app, unaccepted=16, first_contact=0)
    home = await open_home(app, REP2)
    assert show_all_value(home, "breaches") is None and "Team SLA breaches" not in text_of(home["blocks"])

    await click_in(app, REP2, home, Action.HOME_SHOW_ALL, "breaches")  # a forged click
    await click_in(app, REP2, home, Action.HOME_NEXT, "breaches:40")

    assert app.slack.calls_to("views.open") == [] and app.slack.calls_to("views.update") == []
    assert [m.text for m in app.dms(REP2)] == ["Only managers see the team's SLA breaches."] * 2


async def test_exactly_fifteen_breaches_fit_and_none_is_nothing_to_show(start_app: StartApp) -> None:
    app = await start_app(team_config(sla=SLA))
    empty = await open_home(app, MANAGER)
    assert "No breaches right now. 🎉" in text_of(empty["blocks"]) and show_all_value(empty, "breaches") is None

    _, urgent = await breaches(app, unaccepted=15, first_contact=0)
    home = await open_home(app, MANAGER)

    assert "Team SLA breaches — 15: 15 unaccepted" in text_of(home["blocks"])
    assert names_in(home["blocks"]) == urgent
    assert "more" not in text_of(home["blocks"]) and show_all_value(home, "breaches") is None


async def test_a_reps_open_leads_are_soonest_due_first_and_say_what_they_leave_out(start_app: StartApp) -> None:
    app = await start_app(team_config(sla=SLA))
    ids, urgent = await breaches(app, unaccepted=0, first_contact=18)
    for name in ("F07", "F02"):  # contact logged: no clock runs, so they come last, the later accepted first
        await log_attempt(app, ids[name], REP1)
    order = [name for name in urgent if name not in ("F07", "F02")] + ["F02", "F07"]  # F02 was accepted later

    home = await open_home(app, REP1)
    shown = text_of(home["blocks"])

    assert "Your open leads — 18" in shown
    assert names_in(home["blocks"]) == order[:15]
    assert "…and 3 more open leads" in shown and show_all_value(home, "mine") == "mine"

    await click_in(app, REP1, home, Action.HOME_SHOW_ALL, "mine")
    modal = app.slack.modal_stack(REP1)[-1]
    assert names_in(modal["blocks"]) == order
    assert "Showing 1–18 of 18" in text_of(modal["blocks"]) and action_ids(modal["blocks"]) == []
    assert show_all_value(await open_home(app, REP2), "mine") is None  # nothing open: nothing cut
