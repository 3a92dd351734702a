"""The weekly digest: posted once on the configured day and time, with last week's numbers worked out by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.ids import Action, Block, Callback
from tests.attempts import log_attempt
from tests.conftest import LEADS, REP1, START, Harness, StartApp, team_config, text_of


async def reject(app: Harness, lead_id: int, reason: str) -> None:
    values = {
        Block.REJECT_REASON: {Action.REJECT_REASON: {"type": "static_select", "selected_option": {"value": reason}}}
    }
    await app.submit(Callback.REJECT, REP1, str(lead_id), values)


def digests(app: Harness) -> list[str]:
    return [text_of(m.blocks) for m in app.slack.messages.get(LEADS, []) if "Weekly digest" in m.text]


async def test_the_weekly_digest_is_the_agenda_of_the_pipeline_review(start_app: StartApp) -> None:
    app = await start_app(team_config(sla={"accept": {"target": "30m"}}))
    monday = datetime(2026, 11, 16, 15, tzinfo=UTC)
    app.clock.set(monday)
    won = await app.new_lead(external_id="w1", name="Dana", company="Globex", campaign="Q4 Webinar")
    app.clock.advance(40 * 60)
    await app.click(Action.ACCEPT, won, REP1)  # 40 min against a 30 min target: a breach on REP1
    await app.settle()
    for ext, campaign, reason in (("w2", "Q4 Webinar", "No budget or authority"),
                                  ("w3", "Q4 Webinar", "No budget or authority"),
                                  ("r1", "Retargeting", "Bad contact data")):  # fmt: skip
        lead_id = await app.new_lead(external_id=ext, campaign=campaign)
        await reject(app, lead_id, reason)
    app.clock.set(monday + timedelta(days=4, hours=1))  # the CRM reports the moves afterwards, with their times
    await app.crm_moves(
        "w1",
        {"stage": "sql", "at": (monday + timedelta(days=1)).isoformat()},
        {"stage": "opportunity", "amount": 20000, "at": (monday + timedelta(days=2)).isoformat()},
        {"stage": "won", "amount": 20000, "at": (monday + timedelta(days=4)).isoformat()},
    )

    app.clock.set(START - timedelta(minutes=1))  # Monday 08:59 CST: not yet
    assert await app.svc.digest.run() is None
    app.clock.set(START)
    assert await app.svc.digest.run() == "digest:2026-11-23"
    app.clock.set(START + timedelta(hours=5))
    assert await app.svc.digest.run() is None  # once a week
    await app.settle()

    [digest] = digests(app)
    assert "📬 Weekly digest: Nov 16 – Nov 22, 2026" in digest
    assert "*Funnel:* 4 MQLs · 25% accepted · 1 SAL → 1 SQL → 1 opportunity → 1 won · $20,000 won" in digest
    assert (
        "*Top rejection reasons by campaign:*\n• Q4 Webinar: No budget or authority (2 of 2 rejected)\n"
        "• Retargeting: Bad contact data (1 of 1 rejected)"
    ) in digest
    # REP1 picked the lead up late: the accept clock ran in the shared channel, so the miss is the team's, not REP1's
    assert "*SLA breaches:*\n• Accept (the team's clock): 1 missed — 1 accepted late\n*Wins*" in digest
    assert f"*Wins* 🎉\n• *Globex* $20,000 — <@{REP1}> with Q4 Webinar" in digest


async def test_the_digest_day_and_time_are_configurable_and_it_can_be_off(start_app: StartApp) -> None:
    app = await start_app(team_config(digest={"day": "fri", "time": "16:30"}))
    app.clock.set(datetime(2026, 11, 24, 15, tzinfo=UTC))
    await app.new_lead(external_id="d1")
    app.clock.set(datetime(2026, 11, 27, 22, 29, tzinfo=UTC))  # Friday 16:29 CST
    assert await app.svc.digest.run() is None
    app.clock.set(datetime(2026, 11, 27, 22, 30, tzinfo=UTC))
    assert await app.svc.digest.run() == "digest:2026-11-27"
    app.clock.set(datetime(2026, 11, 30, 22, 30, tzinfo=UTC))  # three days late: skipped, not posted stale
    assert await app.svc.digest.run() is None

    off = await start_app(team_config(digest={"enabled": False}))
    assert await off.svc.digest.run() is None


async def test_no_digest_for_a_week_before_the_first_lead(start_app: StartApp) -> None:
    app = await start_app(team_config())
    app.clock.set(START + timedelta(hours=1))  # installed on Monday 10:00 CST: last week's digest is still due

    assert await app.svc.digest.run() is None  # but there is nothing to review: no "0 MQLs · none last week 🎉"

    await app.new_lead(external_id="n1")
    app.clock.set(START + timedelta(days=7))
    assert await app.svc.digest.run() == "digest:2026-11-30"  # the first week with leads has its digest
    await app.settle()
    [digest] = digests(app)
    assert "*Funnel:* 1 MQL ·" in digest


async def test_the_digest_names_each_rep_once_with_all_their_breaches(start_app: StartApp) -> None:
    from tests.conftest import REP2

    app = await start_app(team_config(sla={"accept": {"target": "30m"}, "first_touch": {"target": "1h"}}))
    app.clock.set(datetime(2026, 11, 16, 15, tzinfo=UTC))  # last Monday 09:00 CST
    first, second = await app.new_lead(external_id="b1"), await app.new_lead(external_id="b2")
    app.clock.advance(40 * 60)
    await app.click(Action.ACCEPT, first, REP1)  # accept missed (40 min of 30)
    await app.click(Action.ACCEPT, second, REP2)  # accept missed
    await app.settle()
    app.clock.advance(2 * 3600)
    await log_attempt(app, first, REP1)  # first contact missed (2 h of 1 h)
    await log_attempt(app, second, REP2)

    app.clock.set(START)
    assert await app.svc.digest.run() == "digest:2026-11-23"
    await app.settle()

    [digest] = digests(app)
    assert (
        "*SLA breaches:*\n• Accept (the team's clock): 2 missed — 2 accepted late\n"
        f"• <@{REP1}>: 1 first contact\n• <@{REP2}>: 1 first contact" in (digest)
    )


async def test_a_lead_nobody_accepted_is_the_teams_miss_still_waiting(start_app: StartApp) -> None:
    app = await start_app(team_config(sla={"accept": {"target": "30m"}}))
    app.clock.set(datetime(2026, 11, 16, 15, tzinfo=UTC))  # last Monday 09:00 CST
    await app.new_lead(external_id="never")
    late = await app.new_lead(external_id="late")
    app.clock.advance(40 * 60)
    await app.sweep()
    await app.click(Action.ACCEPT, late, REP1)
    await app.settle()

    app.clock.set(START)
    assert await app.svc.digest.run() == "digest:2026-11-23"
    await app.settle()

    [digest] = digests(app)
    assert "*SLA breaches:*\n• Accept (the team's clock): 2 missed — 1 accepted late, 1 still waiting\n" in digest
    assert f"<@{REP1}>:" not in digest
