"""Backpressure: the work behind acked clicks is bounded, so a flood of clicks cannot pile up unbounded work.

A person's repeated click while the first is still in flight is answered once; a lead gets a few clicks in flight
at a time and the rest are told at once that Handoff is busy; beyond a fixed backlog every new click is told the
same. Slack is held slow here (`hold("response_url")`) so that clicks stay in flight while the flood arrives.
"""

from __future__ import annotations

from bot.app.background import BACKLOG, BUSY, PER_KEY, WORKERS
from bot.ids import Action
from tests import slack_requests as sr
from tests.app.test_operations import scrape, value
from tests.conftest import LEADS, REP1, REP2, Harness


async def click_on(app: Harness, lead_id: int, user_id: str, action: str = Action.ACCEPT) -> None:
    """A click on lead `lead_id`'s button as Slack sends it, whether or not that lead exists."""
    payload = sr.block_actions(
        user_id=user_id,
        action_id=action,
        value=str(lead_id),
        channel=LEADS,
        message_ts="1700000000.000100",
        trigger_id=app.slack.issue_trigger_id(user_id),
        response_url=app.slack.new_response_url(channel=LEADS, user_id=user_id),
    )
    status, _ = await app.interact(payload)
    assert status == 200  # every click is acked at once, however busy the app is


def busy(app: Harness) -> list[dict[str, object]]:
    return [r for r in app.slack.responses if r.get("text") == BUSY]


async def test_a_persons_repeated_clicks_while_the_first_is_in_flight_are_answered_once(app: Harness) -> None:
    lead_id = await app.new_lead()
    await app.click(Action.ACCEPT, lead_id, REP1)
    await app.settle()
    held = app.slack.hold("response_url")

    await click_on(app, lead_id, REP2)  # stale: REP1 has it; the answer to REP2 is on its way
    await held.arrived.wait()
    for _ in range(30):  # REP2 keeps clicking while that answer is in flight
        await click_on(app, lead_id, REP2)
    held.release()
    await app.settle()

    [answer] = app.slack.responses
    assert "already" in str(answer.get("text")).lower()
    assert value(await scrape(app), "handoff_background_refused_total", reason="duplicate") == 30


async def test_a_flood_of_clicks_on_one_lead_keeps_a_few_in_flight_and_tells_the_rest_it_is_busy(
    app: Harness,
) -> None:
    flooded, other = await app.new_lead(name="flooded"), await app.new_lead(name="other")
    await app.click(Action.ACCEPT, flooded, REP1)
    await app.settle()
    held = app.slack.hold("response_url")
    people = [f"U0FLOOD{i:03d}" for i in range(20)]

    for user in people:
        await click_on(app, flooded, user)
    await app.slack.wait_for_responses(len(people))  # every click is answered while Slack is still slow

    assert len(busy(app)) == len(people) - PER_KEY
    updates = len(app.slack.calls_to("chat.update"))
    await click_on(app, other, REP2)  # someone else's click on another lead is not held up by the flood
    [*_, update] = await app.slack.wait_for("chat.update", updates + 1)
    assert update.args["ts"] == (await app.lead(other)).slack_ts
    assert (await app.lead(other)).owner == REP2
    held.release()
    await app.settle()
    assert len(app.slack.responses) == len(people)


async def test_beyond_the_backlog_every_new_click_is_told_at_once_that_handoff_is_busy(app: Harness) -> None:
    held = app.slack.hold("response_url")
    extra = 5
    for lead_id in range(1, WORKERS + BACKLOG + extra + 1):  # no such leads: each answer goes through slow Slack
        await click_on(app, 1000 + lead_id, REP1)
    await app.slack.wait_for_responses(WORKERS + extra)  # the clicks running, and the refused ones

    assert len(busy(app)) == extra
    held.release()
    await app.settle()
    assert len(app.slack.responses) == WORKERS + BACKLOG + extra
    assert len(busy(app)) == extra
    assert value(await scrape(app), "handoff_background_refused_total", reason="busy") == extra
