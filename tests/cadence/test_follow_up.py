"""The follow-up cadence ([sla.follow_up]): accepting a lead starts a clock that the promised attempts or a connection
meet; when `within` runs out first, the owner's manager hears once ("2 of 3 attempts in 5 days"); closing a lead for
no response before the promised attempts is refused, saying how many are left."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.ids import Action, Block, Callback
from storage.models import SlaTimer
from tests.attempts import log_attempt
from tests.conftest import MANAGER, REP1, REP2, START, Harness, StartApp, action_ids, team_config, text_of
from tests.lifecycle.test_reassign import reassign

VP = "U0VP000001"
CADENCE: dict[str, Any] = {"follow_up": {"attempts": 3, "within": "5d"}}
WENT_DARK = "No decision / went dark"


async def accepted_lead(app: Harness, rep: str = REP1, **fields: Any) -> int:
    lead_id = await app.new_lead(**fields)
    await app.click(Action.ACCEPT, lead_id, rep)
    await app.settle()
    return lead_id


async def follow_ups(app: Harness, lead_id: int) -> list[SlaTimer]:
    async with app.svc.db.session() as session:
        rows = await session.scalars(
            select(SlaTimer).where(SlaTimer.lead_id == lead_id, SlaTimer.clock == "follow_up").order_by(SlaTimer.id)
        )
        return list(rows)


async def close_as_lost(app: Harness, lead_id: int, user_id: str, reason: str) -> tuple[int, str]:
    values = {Block.MOVE_REASON: {Action.MOVE_REASON: {"selected_option": {"value": reason}}}}
    answer = await app.submit(Callback.MOVE, user_id, f"{lead_id}:lost", values)
    await app.settle()
    return answer


def inline_errors(body: str) -> dict[str, str]:
    answer = json.loads(body)
    assert answer["response_action"] == "errors"
    return dict(answer["errors"])


async def test_accepting_starts_the_cadence_and_the_promised_attempts_meet_it(start_app: StartApp) -> None:
    app = await start_app(team_config(sla=CADENCE))
    lead_id = await accepted_lead(app)

    [timer] = await follow_ups(app, lead_id)
    assert (timer.state, timer.owner, timer.started_at, timer.due_at) == (
        "running", REP1, START, START + timedelta(days=5)
    )  # fmt: skip
    post = text_of((await app.post_of(lead_id)).blocks)
    assert "Follow-up cadence due" in post

    for hours, outcome in ((1, "no_answer"), (26, "voicemail"), (50, "bounced")):
        app.clock.set(START + timedelta(hours=hours))
        await log_attempt(app, lead_id, REP1, outcome)
    [timer] = await follow_ups(app, lead_id)
    assert (timer.state, timer.elapsed_seconds) == ("met", 50 * 3600)
    assert (await app.lead(lead_id)).contacted_at is None  # attempts, not a connection

    app.clock.set(START + timedelta(days=6))
    await app.sweep()
    assert app.dms(MANAGER) == []  # met: nothing to escalate


async def test_a_lead_connected_on_the_first_attempt_meets_the_cadence_at_once(start_app: StartApp) -> None:
    app = await start_app(team_config(sla=CADENCE))
    lead_id = await accepted_lead(app)
    app.clock.advance(600)

    await log_attempt(app, lead_id, REP1, "connected")

    [timer] = await follow_ups(app, lead_id)
    assert (timer.state, timer.elapsed_seconds) == ("met", 600)
    app.clock.set(START + timedelta(days=10))
    await app.sweep()
    assert app.dms(MANAGER) == []


async def test_running_out_tells_the_owners_manager_once_with_the_attempts_made(start_app: StartApp) -> None:
    sla = {"follow_up": {**CADENCE["follow_up"], "escalate": [{"after": "0s", "notify": "manager"}]}}
    app = await start_app(team_config(sla=sla))
    lead_id = await accepted_lead(app, name="Dana Buyer", company="Globex")
    for hours in (2, 30):
        app.clock.set(START + timedelta(hours=hours))
        await log_attempt(app, lead_id, REP1, "no_answer")

    app.clock.set(START + timedelta(days=5) - timedelta(seconds=1))
    await app.sweep()
    assert app.dms(MANAGER) == []  # not yet
    app.clock.set(START + timedelta(days=5, minutes=1))
    await app.sweep()
    app.clock.set(START + timedelta(days=7))
    await app.sweep()
    await app.sweep()

    [alarm] = app.dms(MANAGER)
    text = text_of(alarm.blocks)
    assert "2 of 3 attempts in 5 days" in text and "Dana Buyer" in text and f"owner <@{REP1}>" in text
    assert "Follow-up cadence within 5 d" in text
    assert action_ids(alarm.blocks) == [Action.SLA_REASSIGN, Action.SLA_NUDGE, Action.SLA_SNOOZE]
    events = [e for e in await app.events(lead_id) if e.kind in ("sla_breached", "sla_escalated")]
    assert [(e.kind, e.data["clock"]) for e in events] == [
        ("sla_breached", "follow_up"),
        ("sla_escalated", "follow_up"),
    ]
    assert app.dms(REP1) == []  # the owner is not the chain
    post = text_of((await app.post_of(lead_id)).blocks)
    assert "Follow-up cadence SLA breached" in post

    app.clock.set(START + timedelta(days=7, hours=1))
    await log_attempt(app, lead_id, REP1, "voicemail")  # the third, late
    [timer] = await follow_ups(app, lead_id)
    assert timer.state == "missed"
    [alarm] = app.dms(MANAGER)
    assert "✅ Handled" in text_of(alarm.blocks)
    assert "the promised attempts logged after 7 d 1 h (late)" in text_of(alarm.blocks)


async def test_the_chain_is_the_clocks_own_and_an_attempt_after_the_window_is_not_counted_in_it(
    start_app: StartApp,
) -> None:
    sla = {"follow_up": {"attempts": 2, "within": "1d", "escalate": [{"after": "0s", "notify": "manager"},
                                                                    {"after": "4h", "notify": VP}]}}  # fmt: skip
    app = await start_app(team_config(sla=sla))
    lead_id = await accepted_lead(app, rep=REP2)  # REP2 has no manager_of: every manager hears
    app.clock.set(START + timedelta(hours=25))
    await app.sweep()
    app.clock.set(START + timedelta(hours=26))
    await log_attempt(app, lead_id, REP2, "no_answer")  # one, after the window: not in "0 of 2"
    app.clock.set(START + timedelta(hours=30))
    await app.sweep()

    [to_manager] = app.dms(MANAGER)
    [to_vp] = app.dms(VP)
    assert "0 of 2 attempts in 1 day" in text_of(to_manager.blocks)
    assert "0 of 2 attempts in 1 day" in text_of(to_vp.blocks)


async def test_business_hours_count_only_working_time(start_app: StartApp) -> None:
    sla = {"follow_up": {"attempts": 2, "within": "16h", "business_hours": True}}
    app = await start_app(team_config(sla=sla))  # Mon-Fri 09:00-17:00 Chicago; START is Monday 09:00 there
    lead_id = await accepted_lead(app)

    [timer] = await follow_ups(app, lead_id)
    assert timer.business_hours and timer.due_at == START + timedelta(days=1, hours=8)  # Tuesday 17:00


async def test_closing_for_no_response_before_the_attempts_is_refused_saying_how_many_are_left(
    start_app: StartApp,
) -> None:
    app = await start_app(team_config(sla=CADENCE))
    lead_id = await accepted_lead(app)
    await log_attempt(app, lead_id, REP1, "no_answer")

    status, body = await close_as_lost(app, lead_id, REP1, WENT_DARK)
    assert status == 200
    assert inline_errors(body) == {
        Block.MOVE_REASON: "1 of 3 attempts logged: log 2 more attempts before closing this lead for no response."
    }
    await app.click(Action.RECYCLE, lead_id, MANAGER)  # a manager too: the cadence is the team's promise
    await app.settle()
    assert app.slack.responses[-1]["text"] == (
        "1 of 3 attempts logged: log 2 more attempts before closing this lead for no response."
    )
    assert (await app.lead(lead_id)).stage == "sal"

    await log_attempt(app, lead_id, REP1, "voicemail")
    status, body = await close_as_lost(app, lead_id, REP1, WENT_DARK)
    assert "log 1 more attempt before" in inline_errors(body)[Block.MOVE_REASON]
    await log_attempt(app, lead_id, REP1, "bounced")

    assert await close_as_lost(app, lead_id, REP1, WENT_DARK) == (200, "")
    assert (await app.lead(lead_id)).stage == "lost"


async def test_other_closes_are_not_refused(start_app: StartApp) -> None:
    app = await start_app(team_config(sla=CADENCE))
    competitor, connected, crm = [await accepted_lead(app, external_id=f"e-{n}") for n in range(3)]

    assert await close_as_lost(app, competitor, REP1, "Lost to a competitor") == (200, "")  # not for no response
    [timer] = await follow_ups(app, competitor)
    assert timer.state == "cancelled"  # the cadence no longer applies: counted neither way

    await log_attempt(app, connected, REP1, "replied")  # a connection: it answered
    await app.click(Action.RECYCLE, connected, REP1)
    await app.settle()
    assert (await app.lead(connected)).stage == "recycled"

    await app.crm_moves("e-2", {"stage": "lost", "reason": WENT_DARK})  # the CRM reports what happened there
    assert (await app.lead(crm)).stage == "lost"


async def test_no_response_reasons_can_be_listed_and_must_be_lost_reasons(start_app: StartApp) -> None:
    sla = {"follow_up": {**CADENCE["follow_up"], "no_response_reasons": ["Timing: not this quarter"]}}
    app = await start_app(team_config(sla=sla))
    lead_id = await accepted_lead(app)

    assert await close_as_lost(app, lead_id, REP1, WENT_DARK) == (200, "")  # not listed: allowed
    other = await accepted_lead(app, external_id="e-other")
    status, body = await close_as_lost(app, other, REP1, "Timing: not this quarter")
    assert "0 of 3 attempts logged: log 3 more attempts" in inline_errors(body)[Block.MOVE_REASON]


async def test_a_reassigned_lead_starts_the_cadence_again_for_the_new_owner(start_app: StartApp) -> None:
    app = await start_app(team_config(sla=CADENCE))
    lead_id = await accepted_lead(app)
    await log_attempt(app, lead_id, REP1, "no_answer")
    app.clock.advance(3600)

    await reassign(app, lead_id, REP2, "REP1 is out this week")

    first, second = await follow_ups(app, lead_id)
    assert (first.state, first.owner) == ("cancelled", REP1)
    assert (second.state, second.owner, second.started_at) == ("running", REP2, app.clock.now())
    for _ in range(3):
        await log_attempt(app, lead_id, REP2, "no_answer")
    [_, second] = await follow_ups(app, lead_id)
    assert second.state == "met"  # REP2's three, in REP2's window


async def test_five_days_of_working_time_are_five_working_days_holidays_skipped(start_app: StartApp) -> None:
    sla = {"follow_up": {**CADENCE["follow_up"], "business_hours": True,
                         "escalate": [{"after": "0s", "notify": "manager"}]}}  # fmt: skip
    hours = {"hours": "09:00-17:30", "holidays": ["2026-11-26"]}  # Thanksgiving, a Thursday
    app = await start_app(team_config(sla=sla, business_hours=hours))
    app.clock.set(START + timedelta(days=1, hours=1))  # Tuesday Nov 24, 10:00 CST
    lead_id = await accepted_lead(app, name="Dana Buyer")

    [timer] = await follow_ups(app, lead_id)
    # Wed, Fri, Mon, Tue, Wed: five working days, not 120 working hours (two and a half weeks)
    assert timer.due_at == START + timedelta(days=9, hours=1)  # Wednesday Dec 2, 10:00 CST
    app.clock.set(timer.due_at - timedelta(minutes=1))
    await app.sweep()
    assert app.dms(MANAGER) == []
    app.clock.set(timer.due_at)
    await app.sweep()
    [alarm] = app.dms(MANAGER)
    assert "0 of 3 attempts in 5 days" in text_of(alarm.blocks)
