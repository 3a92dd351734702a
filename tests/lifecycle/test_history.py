"""The History modal reads as a person would tell it: every kind of event on the record has its own sentence,
never the raw event name ("Sla warned")."""

from __future__ import annotations

from bot.ids import Action
from tests.conftest import MANAGER, MARKETER, StartApp, text_of
from tests.sla.test_sla import VP, at, snooze_as, start_sla


async def test_alarms_nudges_and_snoozes_read_as_sentences_in_history(start_app: StartApp) -> None:
    app = await start_sla(start_app)
    lead_id = await app.new_lead(name="Dana Buyer")
    app.clock.set(at(23))  # the heads-up at 75 % of 30 min
    await app.sweep()
    app.clock.set(at(31))  # the breach, escalated to the manager
    await app.sweep()
    alarm = app.dms(MANAGER)[-1]
    await app.press(alarm, Action.SLA_NUDGE, MANAGER)
    await app.settle()
    await snooze_as(app, alarm, MANAGER, why="Riley is <!channel> on it")

    await app.click(Action.HISTORY, lead_id, MARKETER)
    await app.settle()
    [opened] = app.slack.calls_to("views.open")[-1:]
    shown = text_of(opened.args["view"]["blocks"])

    for raw in ("Sla warned", "Sla escalated", "Nudged by", "Sla snoozed", "Sla "):
        assert raw not in shown, shown
    assert "⏳ Accept heads-up: due soon, nobody has accepted yet" in shown
    assert f"📣 Accept breach escalated to <@{MANAGER}>" in shown
    assert f"👋 <@{MANAGER}> nudged sales" in shown
    assert f"😴 Accept alarm snoozed by <@{MANAGER}> until" in shown and "Riley is &lt;!channel&gt; on it" in shown
    assert VP not in shown  # the second step has not come due
