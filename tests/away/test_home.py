"""App Home: a rep's "I'm away" / "I'm back" toggle (the Home is published again after the click), and the manager's
list of each rep's open load and who is away until when."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import update

from bot.ids import Action
from sandbox.slack_api import FakeSlack
from storage.models import Lead
from tests import slack_requests as sr
from tests.away.helpers import absences, answered
from tests.conftest import MANAGER, OUTSIDER, REP1, REP2, REP3, SALES_GROUP, Harness, StartApp, text_of
from tests.views.test_home import open_home


async def test_a_rep_marks_themselves_away_and_back_from_home(app: Harness) -> None:
    home = await open_home(app, REP1)
    assert "🟢 *You are here:*" in text_of(home["blocks"])
    assert [b["accessory"]["action_id"] for b in home["blocks"] if b["block_id"] == "home:away"] == [Action.HOME_AWAY]
    published = len(app.slack.calls_to("views.publish"))

    await click_on_home_toggle(app, REP1, home)

    assert await absences(app) == {REP1: (None, REP1)}
    assert len(app.slack.calls_to("views.publish")) == published + 1
    home = app.slack.home_views[REP1]
    assert "🌴 *You are away until you say you are back.* You get no new leads" in text_of(home["blocks"])
    assert "🌴 *Away now*" in await answered(app, "", REP2)

    await click_on_home_toggle(app, REP1, home)

    assert await absences(app) == {}
    assert "🟢 *You are here:*" in text_of(app.slack.home_views[REP1]["blocks"])


async def test_home_shows_an_absence_set_by_command_with_its_end(app: Harness) -> None:
    await answered(app, "away until friday", REP1)
    home = await open_home(app, REP1)
    assert "🌴 *You are away until Fri Nov 27, 09:00 CST.*" in text_of(home["blocks"])
    [toggle] = [b for b in home["blocks"] if b["block_id"] == "home:away"]
    assert toggle["accessory"]["action_id"] == Action.HOME_BACK


async def test_only_people_in_sales_have_the_toggle_and_a_forged_click_changes_nothing(app: Harness) -> None:
    for person in (MANAGER, OUTSIDER):
        home = await open_home(app, person)
        assert "home:away" not in [b["block_id"] for b in home["blocks"]]
    before = len(app.dms(OUTSIDER))
    payload = sr.block_actions(
        user_id=OUTSIDER, action_id=Action.HOME_AWAY, value="me", channel=None, message_ts=None,
        trigger_id=app.slack.issue_trigger_id(OUTSIDER), response_url=None, block_id="home:away",
        view=await open_home(app, OUTSIDER),
    )  # fmt: skip
    status, _ = await app.interact(payload)
    await app.settle()

    assert status == 200
    assert await absences(app) == {}
    assert [m.text for m in app.dms(OUTSIDER)[before:]] == [
        "Only people in sales are marked away: they are the ones leads go to."
    ]


async def test_the_managers_home_shows_each_reps_open_load_and_who_is_away(app: Harness) -> None:
    for n in range(2):
        await app.click(Action.ACCEPT, await app.new_lead(external_id=f"mine-{n}"), REP1)
    await app.click(Action.ACCEPT, await app.new_lead(external_id="rep3"), REP3)
    lost = await app.new_lead(external_id="lost")
    await app.click(Action.ACCEPT, lost, REP3)
    waiting = await app.new_lead(external_id="waiting")
    await app.new_lead(external_id="nobodys")
    await app.settle()
    async with app.svc.db.session() as session:  # routing (another part of issue 14) writes the assignee
        await session.execute(
            update(Lead).where(Lead.id == waiting).values(assignee=REP2, assigned_at=datetime.now(UTC))
        )
    await app.crm_moves("lost", {"stage": "lost"})
    await answered(app, "away until dec 10", REP2)

    home = await open_home(app, MANAGER)
    shown = text_of(home["blocks"])

    assert "Team load — 3 reps, 1 away" in shown
    away = "🌴 away until Thu Dec 10, 09:00 CST"
    lines = [
        f"• <@{REP1}> — 2 open",
        f"• <@{REP2}> — 0 open · 1 assigned, not accepted · {away}",
        f"• <@{REP3}> — 1 open",
    ]
    assert "\n".join(lines) in shown  # the lost lead is closed, the unaccepted one nobody's
    assert "Team load" not in text_of((await open_home(app, REP1))["blocks"])  # a rep sees only their own


async def click_on_home_toggle(app: Harness, user_id: str, home: dict[str, Any]) -> None:
    """The toggle is a section's accessory; `click_on_home` presses buttons in action blocks."""
    [block] = [b for b in home["blocks"] if b["block_id"] == "home:away"]
    button = block["accessory"]
    payload = sr.block_actions(
        user_id=user_id, action_id=button["action_id"], value=button["value"], channel=None, message_ts=None,
        trigger_id=app.slack.issue_trigger_id(user_id), response_url=None, block_id="home:away", view=home,
    )  # fmt: skip
    status, _ = await app.interact(payload)
    assert status == 200
    await app.settle()


async def test_a_big_team_fits_the_managers_home_and_says_how_many_reps_it_leaves_out(
    start_app: StartApp, slack: FakeSlack
) -> None:
    slack.usergroups[SALES_GROUP] = [f"U0BIG{n:05d}" for n in range(130)]  # with REP1 and REP2: 132 reps
    app = await start_app()
    home = await open_home(app, MANAGER)

    assert len(home["blocks"]) <= 100
    shown = text_of(home["blocks"])
    assert "Team load — 132 reps" in shown and "…and 32 more reps" in shown
    assert shown.count("— 0 open") == 100
    load = [b for b in home["blocks"] if b["type"] == "section" and b["block_id"].startswith("home:load:")]
    assert len(load) == 5 and all(len(b["text"]["text"]) <= 3000 for b in load)


async def test_the_toggle_and_the_command_at_once_leave_one_absence_and_no_error(
    app: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    home = await open_home(app, REP1)
    await asyncio.gather(click_on_home_toggle(app, REP1, home), answered(app, "away until friday", REP1))

    [(rep, (until, by))] = (await absences(app)).items()
    assert (rep, by) == (REP1, REP1) and until in (None, datetime(2026, 11, 27, 15, 0, tzinfo=UTC))
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
