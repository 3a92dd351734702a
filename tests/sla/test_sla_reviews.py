"""Marketing's side of the SLA and the quarterly review: scheduled checks that post to the leads channel, once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.app.scheduler import create_scheduler
from bot.clock import ManualClock
from bot.ids import Action, Block, Callback
from storage.db import Database
from tests.conftest import LEADS, REP1, START, Harness, StartApp, team_config, text_of


def announcements(app: Harness) -> list[str]:
    return [
        text_of(m.blocks)
        for m in app.slack.messages.get(LEADS, [])
        if any(b.get("block_id") == "announcement:header" for b in m.blocks)
    ]


async def leads(app: Harness, count: int, prefix: str) -> list[int]:
    return [await app.new_lead(external_id=f"{prefix}-{i}", name=f"{prefix} {i}") for i in range(count)]


async def test_marketing_hears_once_when_pacing_behind_and_once_when_the_target_is_met(start_app: StartApp) -> None:
    app = await start_app(team_config(sla={"mql_volume": {"monthly_target": 10}}))
    app.clock.set(datetime(2026, 11, 2, 15, tzinfo=UTC))
    await leads(app, 3, "early")

    app.clock.set(datetime(2026, 11, 14, 15, tzinfo=UTC))  # before mid-month: too early to call
    assert await app.svc.reviews.run() == []
    app.clock.set(datetime(2026, 11, 16, 16, tzinfo=UTC))  # 10:00 CST: 51 % of November gone, 3 of 10 in
    assert await app.svc.reviews.run() == ["mql_volume:behind:2026-11"]
    assert await app.svc.reviews.run() == []  # once a month, however often the check runs
    await app.settle()
    [behind] = announcements(app)
    assert "MQL volume is pacing behind for November 2026" in behind
    assert "*3 of 10 MQLs (30%)* with 51% of the month gone — about 5 would be on pace." in behind

    await leads(app, 7, "late")
    assert await app.svc.reviews.run() == ["mql_volume:met:2026-11"]
    await app.settle()
    assert "*10 of 10 MQLs (100%)* with 49% of the month to go" in announcements(app)[1]
    assert await app.svc.reviews.run() == []


async def test_an_acceptance_rate_under_the_floor_is_called_out(start_app: StartApp) -> None:
    app = await start_app(team_config(sla={"mql_volume": {"min_accept_rate": "60%"}}))
    ids = await leads(app, 10, "lead")
    for lead_id in ids[:4]:
        await app.click(Action.ACCEPT, lead_id, REP1)
    await app.settle()
    assert await app.svc.reviews.run() == []  # 4 decided: too few to judge
    reason = {
        Block.REJECT_REASON: {
            Action.REJECT_REASON: {"type": "static_select", "selected_option": {"value": "Bad contact data"}}
        }
    }
    for lead_id in ids[4:]:
        await app.submit(Callback.REJECT, REP1, str(lead_id), reason)

    assert await app.svc.reviews.run() == ["accept_rate:low:2026-11"]
    await app.settle()
    [low] = announcements(app)
    assert "Sales is accepting 40% of MQLs this month" in low
    assert "*4 accepted, 6 rejected* — under the agreed floor of 60%." in low


async def test_the_quarterly_review_posts_both_sides_on_the_first_working_day(start_app: StartApp) -> None:
    sla: dict[str, Any] = {"accept": {"target": "30m"}}
    app = await start_app(team_config(sla=sla, business_hours={"holidays": ["2027-01-01"]}))
    on_time, late, untouched = await leads(app, 3, "q4")
    app.clock.set(START + timedelta(minutes=10))
    await app.click(Action.ACCEPT, on_time, REP1)
    await app.settle()
    app.clock.set(START + timedelta(minutes=45))
    await app.click(Action.ACCEPT, late, REP1)
    await app.settle()
    await app.sweep()  # the untouched one is breached and still open

    for moment in (datetime(2027, 1, 1, 16, tzinfo=UTC), datetime(2027, 1, 4, 14, 59, tzinfo=UTC)):
        app.clock.set(moment)  # New Year's Day is a holiday; Monday the 4th opens at 09:00 CST
        assert await app.svc.reviews.run() == []
    app.clock.set(datetime(2027, 1, 4, 15, tzinfo=UTC))
    assert await app.svc.reviews.run() == ["quarterly_review:2026-Q4"]
    assert await app.svc.reviews.run() == []
    await app.settle()

    [review] = announcements(app)
    assert "SLA review for 2026-Q4" in review
    assert "• Accept: *33%* on time (1 of 3; 1 still open past due)" in review
    assert "• *3 MQLs*; acceptance rate *100%*" in review
    assert "renegotiate" in review
    assert untouched


def test_the_sweep_runs_at_the_configured_interval() -> None:
    async def nothing() -> None:
        return None

    config = team_config(scheduler={"sla_check_interval": "45s"})
    scheduler = create_scheduler(
        Database("sqlite+aiosqlite:///:memory:"),
        ManualClock(START),
        sweep=nothing,
        sweep_every=config.scheduler.sla_check_interval,
        reviews=nothing,
    )
    sweep = scheduler.get_job("sla_sweep")
    assert sweep is not None and sweep.trigger.interval == timedelta(seconds=45)
    assert {job.id for job in scheduler.get_jobs()} == {"prune_outbox", "sla_sweep", "sla_reviews"}
