"""What Slack refuses for good is not lost in silence: an alarm for someone Slack will not let the bot DM (a manager
who left, a bot user, a person who turned the app's Messages tab off) is told in the lead's thread instead, once,
and the refusal is logged and counted for the operator."""

from __future__ import annotations

import logging

import pytest

from bot.ids import Action
from tests.app.test_operations import scrape, value
from tests.attempts import log_attempt
from tests.conftest import MANAGER, REP1, REP2, StartApp, text_of
from tests.sla.test_sla import MANAGER2, VP, at, start_sla

FIRST_TOUCH = {"first_touch": {"target": "1h", "escalate": [{"after": "0s", "notify": "manager"}]}}


@pytest.mark.parametrize("error", ["user_not_found", "cannot_dm_bot", "messages_tab_disabled"])
async def test_a_breach_for_a_manager_slack_will_not_dm_is_told_in_the_leads_thread_once(
    start_app: StartApp, error: str, caplog: pytest.LogCaptureFixture
) -> None:
    app = await start_sla(start_app, FIRST_TOUCH)
    app.slack.undmable[MANAGER] = error
    lead_id = await app.new_lead(name="Dana Buyer")
    await app.click(Action.ACCEPT, lead_id, REP1)
    await app.settle()

    app.clock.set(at(61))
    with caplog.at_level(logging.WARNING, logger="bot"):
        await app.sweep()

    [reply] = await app.thread_replies(lead_id)
    shown = text_of(reply.blocks)
    assert "🚨 SLA breached on this lead" in shown
    assert f"Meant for <@{MANAGER}>, whom Slack would not let Handoff DM ({error})" in shown
    [call] = [c for c in app.slack.calls_to("chat.postMessage") if c.args.get("thread_ts")]
    assert call.args.get("reply_broadcast") is True  # a thread nobody follows: the channel sees it too
    failed = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(failed) == 1 and error in failed[0].getMessage()  # the operator hears once, with the reason
    samples = await scrape(app)
    assert value(samples, "handoff_outbox_deliveries_total", kind="sla_notice", outcome="failed") == 1
    assert value(samples, "handoff_outbox_deliveries_total", kind="sla_notice", outcome="delivered") == 1

    app.clock.set(at(120))
    await app.sweep()
    assert len(await app.thread_replies(lead_id)) == 1  # escalated once, not once per sweep
    await log_attempt(app, lead_id, REP1)
    [reply] = await app.thread_replies(lead_id)
    assert "✅ Handled" in text_of(reply.blocks)  # the reply is the alarm: it follows the lead like a DM would


async def test_one_unreachable_person_does_not_hold_back_the_others(start_app: StartApp) -> None:
    sla = {"first_touch": {"target": "1h", "escalate": [{"after": "0s", "notify": "manager"},
                                                       {"after": "0s", "notify": VP}]}}  # fmt: skip
    team = {"sales": [REP1, REP2], "managers": [MANAGER, MANAGER2], "manager_of": {REP1: MANAGER, REP2: MANAGER2}}
    app = await start_sla(start_app, sla, team=team)
    app.slack.undmable[MANAGER] = "user_not_found"
    leads = [await app.new_lead(name=name) for name in ("Ann", "Bob")]
    for lead_id, rep in zip(leads, (REP1, REP2), strict=True):
        await app.click(Action.ACCEPT, lead_id, rep)
    await app.settle()

    app.clock.set(at(61))
    await app.sweep()

    assert len(app.dms(VP)) == 1 and len(app.dms(MANAGER2)) == 1
    assert [len(await app.thread_replies(lead_id)) for lead_id in leads] == [1, 0]
