"""SLA clocks end to end: a lead left alone warns, breaches and escalates on time, once; acting on it stops the alarms.

The clock is a ManualClock moved by hand; a sweep is the scheduler's job run at that moment. Every alarm is read back
from the fake Slack workspace as people would see it.
"""

from __future__ import annotations

import asyncio
import copy
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.ids import Action, Block, Callback
from storage.models import SlaTimer
from tests.attempts import log_attempt
from tests.conftest import (
    MANAGER,
    OUTSIDER,
    REP1,
    REP2,
    START,
    Harness,
    StartApp,
    action_ids,
    team_config,
    text_of,
)

VP = "U0VP000001"
MANAGER2 = "U0MGR00002"
SLA: dict[str, Any] = {
    "accept": {
        "target": "30m",
        "warn_at": "75%",
        "escalate": [{"after": "0s", "notify": "manager"}, {"after": "2h", "notify": VP}],
    },
    "first_touch": {"target": "24h", "escalate": [{"after": "0s", "notify": "manager"}]},
}


async def start_sla(start_app: StartApp, sla: dict[str, Any] | None = None, **overrides: Any) -> Harness:
    return await start_app(team_config(sla=sla or SLA, **overrides))


def at(minutes: float) -> datetime:
    return START + timedelta(minutes=minutes)


async def timers(app: Harness, lead_id: int) -> list[SlaTimer]:
    from sqlalchemy import select

    async with app.svc.db.session() as session:
        rows = await session.scalars(select(SlaTimer).where(SlaTimer.lead_id == lead_id).order_by(SlaTimer.id))
        return list(rows)


async def kinds(app: Harness, lead_id: int) -> list[str]:
    return [e.kind for e in await app.events(lead_id)]


# --- a lead left alone ----------------------------------------------------------------------------------------


async def test_a_lead_left_alone_warns_in_its_thread_then_escalates_to_the_manager_then_the_vp(
    start_app: StartApp,
) -> None:
    app = await start_sla(start_app)
    lead_id = await app.new_lead(name="Dana Buyer", company="Globex")  # posted at 09:00 CST: due 09:30

    app.clock.set(at(22.4))
    await app.sweep()
    assert await app.thread_replies(lead_id) == []  # 75 % of 30 min is 22.5 min

    app.clock.set(at(22.5))
    await app.sweep()
    [warning] = await app.thread_replies(lead_id)
    assert "Heads-up" in warning.text
    assert "⏳ *Due 09:30 CST* to accept · owner nobody yet" in text_of(warning.blocks)
    assert action_ids(warning.blocks) == [Action.ACCEPT]
    assert app.dms(MANAGER) == []

    app.clock.set(at(29.9))
    await app.sweep()
    assert app.dms(MANAGER) == []

    app.clock.set(at(31))
    await app.sweep()
    [alarm] = app.dms(MANAGER)  # no owner yet: "manager" means every manager in team.managers
    shown = text_of(alarm.blocks)
    assert "SLA breached on a lead" in shown
    assert "*Dana Buyer* — Globex" in shown and "🚨 *Breached at 09:30 CST* · owner nobody yet" in shown
    assert "Accept within 30 min" in shown
    assert action_ids(alarm.blocks) == [Action.SLA_REASSIGN, Action.SLA_NUDGE, Action.SLA_SNOOZE]
    post = await app.post_of(lead_id)
    assert "🚨 *Accept SLA breached* — was due 09:30 CST (30 min target)" in text_of(post.blocks)
    assert app.dms(VP) == []

    app.clock.set(at(30 + 119))
    await app.sweep()
    assert app.dms(VP) == []
    app.clock.set(at(30 + 120))
    await app.sweep()
    [vp_alarm] = app.dms(VP)
    assert "*Breached at 09:30 CST*" in text_of(vp_alarm.blocks)

    for minutes in (200, 500, 5000):  # nothing is left to fire, however long it waits
        app.clock.set(at(minutes))
        await app.sweep()
    assert (len(app.dms(MANAGER)), len(app.dms(VP)), len(await app.thread_replies(lead_id))) == (1, 1, 1)
    assert await kinds(app, lead_id) == [
        "mql_received", "posted", "sla_warned", "sla_breached", "sla_escalated", "sla_escalated",
    ]  # fmt: skip
    escalations = [e.data for e in await app.events(lead_id) if e.kind == "sla_escalated"]
    assert [(e["step"], e["to"]) for e in escalations] == [(0, [MANAGER]), (1, [VP])]
    breached = next(e for e in await app.events(lead_id) if e.kind == "sla_breached")
    assert breached.at == at(30)  # when it breached, not when the sweep noticed


async def test_accepting_a_breached_lead_stops_the_alarms_and_updates_the_dm_already_sent(start_app: StartApp) -> None:
    app = await start_sla(start_app)
    lead_id = await app.new_lead(name="Dana Buyer")
    app.clock.set(at(31))
    await app.sweep()
    [alarm] = app.dms(MANAGER)

    app.clock.set(at(41))
    await app.click(Action.ACCEPT, lead_id, REP1)
    await app.settle()

    [alarm_now] = app.dms(MANAGER)
    assert alarm_now.ts == alarm.ts and alarm_now.updated >= 1  # the same DM, edited in place
    shown = text_of(alarm_now.blocks)
    assert "✅ Handled" in shown and f"<@{REP1}> owns it, after 41 min (late)" in shown
    assert action_ids(alarm_now.blocks) == []
    stopped = [e.data for e in await app.events(lead_id) if e.kind == "sla_stopped"]
    assert stopped == [
        {"clock": "accept", "outcome": "missed", "elapsed_seconds": 41 * 60, "target_seconds": 1800,
         "business_hours": False}
    ]  # fmt: skip
    post = await app.post_of(lead_id)
    assert "⚠️ Accept took 41 min, over the 30 min SLA" in text_of(post.blocks)
    assert "⏱ First contact due Tue Nov 24, 09:41 CST (24 h SLA)" in text_of(post.blocks)  # the next clock

    app.clock.set(at(30 + 121))
    await app.sweep()
    assert app.dms(VP) == []  # the 2 h step never fires: the clock stopped


async def test_a_lead_accepted_in_time_sends_no_alarm_and_records_the_time_it_took(start_app: StartApp) -> None:
    app = await start_sla(start_app)
    lead_id = await app.new_lead()

    app.clock.set(at(10))
    await app.click(Action.ACCEPT, lead_id, REP1)
    await app.settle()
    for minutes in (23, 31, 200):
        app.clock.set(at(minutes))
        await app.sweep()

    assert app.dms(MANAGER) == [] and await app.thread_replies(lead_id) == []
    [accept, first_touch] = await timers(app, lead_id)
    assert (accept.state, accept.elapsed_seconds, accept.next_at) == ("met", 600, None)
    assert (first_touch.state, first_touch.owner, first_touch.due_at) == ("running", REP1, at(10 + 24 * 60))
    assert "⏱ Accept in 10 min, within the 30 min SLA" in text_of((await app.post_of(lead_id)).blocks)


async def test_a_rejection_stops_the_accept_clock(start_app: StartApp) -> None:
    app = await start_sla(start_app)
    lead_id = await app.new_lead()
    await app.click(Action.REJECT, lead_id, REP1)
    await app.settle()

    reason = {"type": "static_select", "selected_option": {"value": "Bad contact data"}}
    await app.submit(Callback.REJECT, REP1, str(lead_id), {Block.REJECT_REASON: {Action.REJECT_REASON: reason}})
    app.clock.set(at(300))
    await app.sweep()

    [accept] = await timers(app, lead_id)
    assert accept.state == "met"
    assert app.dms(MANAGER) == []


async def test_first_contact_warns_the_owner_by_dm_and_escalates_to_their_own_manager(start_app: StartApp) -> None:
    sla = {**SLA, "first_touch": {"target": "4h", "warn_at": "50%", "escalate": [{"after": "0s", "notify": "manager"}]}}
    team = {"sales": [REP1, REP2], "managers": [MANAGER, MANAGER2], "manager_of": {REP1: MANAGER, REP2: MANAGER2}}
    app = await start_sla(start_app, sla, team=team)
    lead_id = await app.new_lead(name="Dana Buyer")
    await app.click(Action.ACCEPT, lead_id, REP2)
    await app.settle()

    app.clock.set(at(120))
    await app.sweep()
    [heads_up] = app.dms(REP2)
    assert "*Due 13:00 CST* to log first contact" in text_of(heads_up.blocks)
    assert action_ids(heads_up.blocks) == [Action.LOG_CONTACT]

    app.clock.set(at(241))
    await app.sweep()
    assert app.dms(MANAGER) == []  # REP2 escalates to MANAGER2 only (team.manager_of)
    [alarm] = app.dms(MANAGER2)
    assert "First contact within 4 h" in text_of(alarm.blocks)

    answer = await log_attempt(app, lead_id, REP2, on=heads_up)  # straight from the heads-up DM
    assert answer == (200, "")
    [_accept, first_touch] = await timers(app, lead_id)
    assert (first_touch.state, first_touch.elapsed_seconds) == ("missed", 241 * 60)
    assert "✅ Resolved: first contact logged after 4 h 1 min (late)" in text_of(app.dms(MANAGER2)[0].blocks)


# --- grouping, catching up, several processes ----------------------------------------------------------------


async def test_ten_breaches_in_one_sweep_reach_the_manager_as_one_dm_grouped_by_clock(start_app: StartApp) -> None:
    sla = {name: {"target": "30m", "escalate": [{"after": "0s", "notify": "manager"}]} for name in SLA}
    app = await start_sla(start_app, sla)
    owned = [await app.new_lead(name=f"Owned {i}") for i in range(3)]
    for lead_id in owned:
        await app.click(Action.ACCEPT, lead_id, REP1)
    waiting = [await app.new_lead(name=f"Waiting {i}") for i in range(7)]
    await app.settle()

    app.clock.set(at(31))
    report = await app.sweep()

    assert (report.breaches, report.steps, report.notices) == (10, 10, 1)
    [alarm] = app.dms(MANAGER)
    shown = text_of(alarm.blocks)
    assert "SLA breached on 10 leads" in shown
    assert shown.index("Accept within 30 min") < shown.index("Waiting 0") < shown.index("First contact within 30 min")
    assert shown.index("First contact within 30 min") < shown.index("Owned 0")
    assert all(f"Waiting {i}" in shown for i in range(7)) and all(f"Owned {i}" in shown for i in range(3))
    assert len(app.slack.calls_to("chat.postMessage")) == 10 + 1  # ten lead posts, one DM
    assert len(waiting) == 7


async def test_a_breach_during_downtime_is_escalated_once_when_the_app_comes_back(start_app: StartApp) -> None:
    first = await start_sla(start_app)
    lead_id = await first.new_lead(name="Dana Buyer")
    await first.server.close()  # the app is down through the warning, the breach and both escalation steps

    first.clock.set(at(30 + 180))
    again = await start_sla(start_app)
    await again.sweep()
    await again.sweep()

    assert await again.thread_replies(lead_id) == []  # a heads-up after the breach would be noise
    [alarm] = again.dms(MANAGER)
    [vp_alarm] = again.dms(VP)
    assert "*Breached at 09:30 CST*" in text_of(alarm.blocks) and "*Breached at 09:30 CST*" in text_of(vp_alarm.blocks)
    assert [k for k in await kinds(again, lead_id) if k.startswith("sla_")] == [
        "sla_breached", "sla_escalated", "sla_escalated",
    ]  # fmt: skip


async def test_two_app_processes_sweeping_one_database_fire_each_step_exactly_once(start_app: StartApp) -> None:
    one = await start_sla(start_app)
    two = await start_sla(start_app)
    lead_ids = [await one.new_lead(name=f"Lead {i}") for i in range(12)]
    one.svc.sla.batch = two.svc.sla.batch = 5  # small batches, so the two really interleave

    one.clock.set(at(31))
    for _ in range(4):
        await asyncio.gather(one.svc.sla.sweep(), two.svc.sla.sweep())
    await one.settle()
    await two.settle()

    listed = [
        int(el["value"])
        for message in one.dms(MANAGER)
        for block in message.blocks
        if block["type"] == "actions"
        for el in block["elements"]
        if el["action_id"] == Action.SLA_REASSIGN
    ]
    assert len(listed) == 12 and len(set(listed)) == 12  # every breached timer listed once, across all DMs
    for lead_id in lead_ids:
        assert [k for k in await kinds(one, lead_id) if k.startswith("sla_")] == ["sla_breached", "sla_escalated"]


# --- acting on an alarm -------------------------------------------------------------------------------------------


async def breached(app: Harness, **lead: Any) -> tuple[int, Any]:
    lead_id = await app.new_lead(**lead)
    app.clock.set(at(31))
    await app.sweep()
    return lead_id, app.dms(MANAGER)[-1]


async def test_reassign_from_the_dm_assigns_the_lead_and_starts_the_new_owners_clock(start_app: StartApp) -> None:
    app = await start_sla(start_app)
    lead_id, alarm = await breached(app, name="Dana Buyer")

    await app.press(alarm, Action.SLA_REASSIGN, MANAGER)
    await app.settle()
    [opened] = app.slack.calls_to("views.open")
    assert opened.args["view"]["callback_id"] == Callback.REASSIGN
    metadata = opened.args["view"]["private_metadata"]

    def form(rep: str | None, why: str) -> dict[str, Any]:
        return {
            Block.REASSIGN_REP: {Action.REASSIGN_REP: {"type": "users_select", "selected_user": rep}},
            Block.REASSIGN_WHY: {Action.REASSIGN_WHY: {"type": "plain_text_input", "value": why}},
        }

    refusals = [
        await app.submit(Callback.REASSIGN, MANAGER, metadata, form(OUTSIDER, "Riley is out")),
        await app.submit(Callback.REASSIGN, MANAGER, metadata, form(REP2, "")),
        await app.submit(Callback.REASSIGN, REP1, metadata, form(REP2, "I say so")),
        await app.submit(Callback.REASSIGN, MANAGER, metadata, form(None, "Riley is out")),
    ]
    assert [(status, body["errors"]) for status, body in ((s, __import__("json").loads(b)) for s, b in refusals)] == [
        (200, {Block.REASSIGN_REP: "u0outside1 is not in sales — pick a sales rep."}),  # plain text: a name
        (200, {Block.REASSIGN_WHY: "Say why, so the rep and marketing know."}),
        (200, {Block.REASSIGN_REP: "Only a manager can reassign leads."}),
        (200, {Block.REASSIGN_REP: "Pick the rep who takes the lead."}),
    ]
    assert (await app.lead(lead_id)).stage == "mql"  # bad input changed nothing

    status, body = await app.submit(Callback.REASSIGN, MANAGER, metadata, form(REP2, "Riley is out today"))
    await app.settle()

    assert (status, body) == (200, "")
    lead = await app.lead(lead_id)
    assert (lead.stage, lead.owner, lead.decided_by) == ("sal", REP2, MANAGER)
    assigned = next(e for e in await app.events(lead_id) if e.kind == "assigned")
    assert (assigned.actor, assigned.data) == (MANAGER, {"to": REP2, "why": "Riley is out today"})
    [accept, first_touch] = await timers(app, lead_id)
    assert (accept.state, first_touch.owner, first_touch.state) == ("missed", REP2, "running")
    assert f"<@{REP2}> owns it" in text_of(app.dms(MANAGER)[0].blocks)


async def test_snooze_is_recorded_with_who_and_why_and_reminds_when_it_ends(start_app: StartApp) -> None:
    app = await start_sla(start_app)
    lead_id, alarm = await breached(app)

    await app.press(alarm, Action.SLA_SNOOZE, OUTSIDER)
    await app.settle()
    assert "Only managers and the people this lead escalates to" in app.slack.responses[-1]["text"]

    await app.press(alarm, Action.SLA_SNOOZE, MANAGER)
    await app.settle()
    [opened] = app.slack.calls_to("views.open")
    metadata = opened.args["view"]["private_metadata"]
    why = {Block.SNOOZE_WHY: {Action.SNOOZE_WHY: {"type": "plain_text_input", "value": " "}}}
    status, body = await app.submit(Callback.SNOOZE, MANAGER, metadata, why)
    assert "Say why" in body
    why[Block.SNOOZE_WHY][Action.SNOOZE_WHY]["value"] = "Riley is on a call with them"
    status, body = await app.submit(Callback.SNOOZE, MANAGER, metadata, why)
    await app.settle()

    assert (status, body) == (200, "")
    snoozed = [e for e in await app.events(lead_id) if e.kind == "sla_snoozed"]
    assert [(e.actor, e.data["why"], e.data["until"]) for e in snoozed] == [
        (MANAGER, "Riley is on a call with them", at(91).isoformat())
    ]
    assert "😴 Snoozed by <@U0MGR00001> until 10:31 CST" in text_of(app.dms(MANAGER)[0].blocks)

    app.clock.set(at(90))
    await app.sweep()
    assert len(app.dms(MANAGER)) == 1
    app.clock.set(at(91))
    await app.sweep()
    [_, reminder] = app.dms(MANAGER)
    assert "Snooze over: a lead still waiting" in text_of(reminder.blocks)
    app.clock.set(at(150))
    await app.sweep()
    assert len(app.dms(MANAGER)) == 2 and app.dms(VP) != []  # the 2 h step still fires on time


async def test_nudge_reminds_the_owner_who_can_act_from_the_dm(start_app: StartApp) -> None:
    sla = {"first_touch": {"target": "1h", "escalate": [{"after": "0s", "notify": "manager"}]}}
    app = await start_sla(start_app, sla)
    lead_id = await app.new_lead(name="Dana Buyer")
    await app.click(Action.ACCEPT, lead_id, REP1)
    await app.settle()
    app.clock.set(at(61))
    await app.sweep()
    [alarm] = app.dms(MANAGER)

    await app.press(alarm, Action.SLA_NUDGE, MANAGER)
    await app.settle()

    assert app.slack.responses[-1]["text"] == f"👋 Nudged <@{REP1}>."
    [nudge] = app.dms(REP1)
    assert f"<@{MANAGER}> nudged you about a lead" in text_of(nudge.blocks)
    await log_attempt(app, lead_id, REP1, on=nudge)
    assert [e.actor for e in await app.events(lead_id) if e.kind == "contacted"] == [REP1]
    assert "✅ Handled" in text_of(app.dms(MANAGER)[0].blocks)


async def test_an_alarm_button_with_a_tampered_value_changes_nothing(start_app: StartApp) -> None:
    app = await start_sla(start_app)
    _lead_id, alarm = await breached(app)
    alarm.blocks[-2]["elements"][2]["value"] = "999999"  # Snooze, pointing at no timer

    await app.press(alarm, Action.SLA_SNOOZE, MANAGER)
    await app.settle()

    assert app.slack.responses[-1]["text"] == "This alarm no longer exists."
    assert app.slack.calls_to("views.open") == []


async def test_business_hours_hold_the_clock_over_the_weekend_and_a_holiday(start_app: StartApp) -> None:
    sla = {"accept": {"target": "30m", "business_hours": True, "escalate": [{"after": "0s", "notify": "manager"}]}}
    app = await start_sla(start_app, sla, business_hours={"hours": "09:00-17:30", "holidays": ["2026-11-30"]})
    friday_1720 = datetime(2026, 11, 27, 23, 20, tzinfo=UTC)  # 17:20 CST: ten working minutes left that day
    app.clock.set(friday_1720)
    lead_id = await app.new_lead()

    [timer] = await timers(app, lead_id)
    tuesday_0920 = datetime(2026, 12, 1, 15, 20, tzinfo=UTC)  # Monday Nov 30 is a holiday
    assert timer.due_at == tuesday_0920
    for moment in (
        friday_1720 + timedelta(hours=1),
        datetime(2026, 11, 30, 16, tzinfo=UTC),
        tuesday_0920 - timedelta(seconds=1),
    ):
        app.clock.set(moment)
        await app.sweep()
    assert app.dms(MANAGER) == []
    app.clock.set(tuesday_0920)
    await app.sweep()
    [alarm] = app.dms(MANAGER)
    assert "Accept within 30 min (working time)" in text_of(alarm.blocks)

    app.clock.set(tuesday_0920 + timedelta(minutes=5))
    await app.click(Action.ACCEPT, lead_id, REP1)
    await app.settle()
    [timer] = [t for t in await timers(app, lead_id) if t.clock == "accept"]
    assert (timer.state, timer.elapsed_seconds) == ("missed", 35 * 60)  # 10 min on Friday + 25 min on Tuesday


async def test_a_band_override_gives_hot_leads_a_shorter_target(start_app: StartApp) -> None:
    sla = {"accept": {**SLA["accept"], "bands": [{"min_score": 80, "target": "10m"}]}}
    app = await start_sla(start_app, sla)
    hot = await app.new_lead(name="Hot", score=91)
    cool = await app.new_lead(name="Cool", score=40)

    app.clock.set(at(11))
    await app.sweep()

    [alarm] = app.dms(MANAGER)
    assert "*Hot*" in text_of(alarm.blocks) and "Cool" not in text_of(alarm.blocks)
    assert [t.due_at for t in await timers(app, hot) + await timers(app, cool)] == [at(10), at(30)]


def test_the_sweep_reads_due_timers_through_the_index_not_a_scan() -> None:
    from sqlalchemy import create_engine
    from sqlalchemy.dialects import sqlite

    from storage.models import Base
    from storage.sla import due_query

    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    query = str(due_query(START, 500).compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))
    with engine.connect() as conn:
        plan = " | ".join(str(row[-1]) for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + query))
    assert "sla_timers USING INDEX ix_sla_timers_next_at" in plan, plan
    assert "SCAN sla_timers" not in plan and "SCAN leads" not in plan, plan


async def test_the_accept_clock_starts_when_the_post_lands_and_the_lag_is_recorded(start_app: StartApp) -> None:
    app = await start_sla(start_app)
    app.slack.set_down(True)  # Slack is unreachable when the lead arrives
    status, body = await app.post_leads({"external_id": "late-post", "name": "Dana Buyer"})
    await app.settle()
    assert status == 201 and await timers(app, body["id"]) == []

    app.clock.set(at(5))
    app.slack.set_down(False)
    await app.settle()

    [timer] = await timers(app, body["id"])
    assert (timer.started_at, timer.due_at) == (at(5), at(35))
    posted = next(e for e in await app.events(body["id"]) if e.kind == "posted")
    assert posted.data["lag_seconds"] == 300


# --- alarms stay current, and offer only what their audience may do ------------------------------------------


async def test_a_heads_up_dm_is_re_rendered_at_the_breach_and_states_absolute_times(start_app: StartApp) -> None:
    sla = {"first_touch": {"target": "4h", "warn_at": "50%", "escalate": [{"after": "0s", "notify": "manager"}]}}
    app = await start_sla(start_app, sla)
    lead_id = await app.new_lead(name="Dana Buyer")
    await app.click(Action.ACCEPT, lead_id, REP1)
    await app.settle()
    app.clock.set(at(120))
    await app.sweep()
    [heads_up] = app.dms(REP1)
    assert "*Due 13:00 CST* to log first contact" in text_of(heads_up.blocks)

    app.clock.set(at(240) + timedelta(seconds=5))
    await app.sweep()
    [heads_up_now] = app.dms(REP1)
    shown = text_of(heads_up_now.blocks)
    assert heads_up_now.ts == heads_up.ts and heads_up_now.updated >= 1
    assert "*Breached at 13:00 CST*" in shown and "left" not in shown  # never "1 min left" after the breach
    assert action_ids(heads_up_now.blocks) == [Action.LOG_CONTACT]  # the rep's own DM: no manager buttons
    [alarm] = app.dms(MANAGER)
    assert "*Breached at 13:00 CST*" in text_of(alarm.blocks) and " late" not in text_of(alarm.blocks)


async def test_a_public_heads_up_re_rendered_after_the_breach_offers_only_accept(start_app: StartApp) -> None:
    app = await start_sla(start_app)
    lead_id = await app.new_lead(name="Dana Buyer")
    app.clock.set(at(23))
    await app.sweep()
    app.clock.set(at(31))
    await app.sweep()

    [warning] = await app.thread_replies(lead_id)
    assert warning.updated >= 1 and "*Breached at 09:30 CST*" in text_of(warning.blocks)
    assert action_ids(warning.blocks) == [Action.ACCEPT]


async def test_a_thread_alarm_about_a_batch_of_leads_counts_them(start_app: StartApp) -> None:
    slack = {"leads_channel": "C0LEADS001", "posts_per_second": 100, "post_burst": 100, "batch_when_over": 10}
    app = await start_sla(start_app, slack=slack)
    status, _ = await app.post_leads([{"external_id": f"b-{i}", "name": f"Lead {i}"} for i in range(12)])
    await app.settle()
    assert status == 201
    app.clock.set(at(23))
    await app.sweep()

    [warning] = [m for m in app.slack.messages["C0LEADS001"] if m.thread_ts and m.ts != m.thread_ts]
    assert "12 leads" in warning.text and "this lead" not in warning.text


# --- who may snooze, and how often -----------------------------------------------------------------------------


async def snooze_as(app: Harness, message: Any, user_id: str, why: str = "On a call with them") -> tuple[int, Any]:
    """Press Snooze on `message` as `user_id`; submit the modal if it opened. Returns (views opened, response)."""
    before = len(app.slack.calls_to("views.open"))
    await app.press(message, Action.SLA_SNOOZE, user_id)
    await app.settle()
    opened = app.slack.calls_to("views.open")[before:]
    if not opened:
        return 0, app.slack.responses[-1]["text"]
    metadata = opened[0].args["view"]["private_metadata"]
    values = {Block.SNOOZE_WHY: {Action.SNOOZE_WHY: {"type": "plain_text_input", "value": why}}}
    status, body = await app.submit(Callback.SNOOZE, user_id, metadata, values)
    await app.settle()
    return 1, body


async def test_a_rep_cannot_snooze_the_escalation_of_their_own_lead(start_app: StartApp) -> None:
    steps = [{"after": "0s", "notify": "owner"}, {"after": "0s", "notify": "manager"}, {"after": "1h", "notify": VP}]
    sla = {"first_touch": {"target": "1h", "escalate": steps}}
    app = await start_sla(start_app, sla)
    lead_id = await app.new_lead(name="Dana Buyer")
    await app.click(Action.ACCEPT, lead_id, REP1)
    await app.settle()
    app.clock.set(at(61))
    await app.sweep()
    [own_alarm] = app.dms(REP1)
    [manager_alarm] = app.dms(MANAGER)
    assert Action.SLA_SNOOZE not in action_ids(own_alarm.blocks)  # the owner's own alarm offers the goal only

    opened, answer = await snooze_as(app, manager_alarm, REP1)
    assert opened == 0
    assert answer == "Only managers and the people this lead escalates to can snooze its alarm."
    assert [e for e in await app.events(lead_id) if e.kind == "sla_snoozed"] == []

    app.clock.set(at(121))
    await app.sweep()
    assert app.dms(VP) != []  # the later step fires: nobody silenced it


async def test_someone_on_the_chain_may_snooze_a_limited_number_of_times_and_the_manager_sees_it(
    start_app: StartApp,
) -> None:
    app = await start_sla(start_app, {**SLA, "max_snoozes": 2})
    lead_id, alarm = await breached(app, name="Dana Buyer")
    alarm = copy.deepcopy(alarm)  # as first shown, with its Snooze button (replayed after the limit)
    app.clock.set(at(30 + 120))
    await app.sweep()
    [vp_alarm] = app.dms(VP)

    assert (await snooze_as(app, vp_alarm, VP))[0] == 1  # the VP is on the chain (a later step)
    assert "😴 Snoozed by <@U0VP000001> until 12:30 CST · snoozed 1 of 2 times" in text_of(app.dms(MANAGER)[0].blocks)
    from tests.views.test_home import open_home

    assert "😴 Snoozed by <@U0VP000001> until 12:30 CST (1 of 2)" in text_of((await open_home(app, MANAGER))["blocks"])
    app.clock.set(at(30 + 181))
    await app.sweep()
    assert (await snooze_as(app, alarm, MANAGER))[0] == 1
    app.clock.set(at(30 + 242))
    await app.sweep()

    opened, answer = await snooze_as(app, alarm, MANAGER)
    assert opened == 0
    assert (
        answer
        == "This alarm was already snoozed 2 times, the most `sla.max_snoozes` allows: reassign the lead or nudge."
    )
    assert [(e.actor, e.data["count"]) for e in await app.events(lead_id) if e.kind == "sla_snoozed"] == [
        (VP, 1), (MANAGER, 2)
    ]  # fmt: skip
    assert Action.SLA_SNOOZE not in action_ids(app.dms(MANAGER)[0].blocks)  # no button that would be refused


def test_max_snoozes_is_validated_naming_the_key() -> None:
    import pytest

    from bot.errors import ConfigError

    with pytest.raises(ConfigError) as caught:
        team_config(sla={**SLA, "max_snoozes": -1})
    assert "sla.max_snoozes" in str(caught.value)
    assert team_config(sla=SLA).sla.max_snoozes == 2


# --- a lead nobody owns has an audience ([sla] unowned_notify) -------------------------------------------------

UNOWNED: dict[str, Any] = {
    "accept": {"target": "30m", "warn_at": "75%", "escalate": [
        {"after": "0s", "notify": "manager"}, {"after": "1h", "notify": "channel"}]},
}  # fmt: skip


def thread_posts(app: Harness) -> list[Any]:
    return [c for c in app.slack.calls_to("chat.postMessage") if c.args.get("thread_ts")]


async def test_by_default_an_unowned_leads_alarms_are_broadcast_to_the_channel(start_app: StartApp) -> None:
    app = await start_sla(start_app, UNOWNED)
    assert app.svc.config.sla.unowned_notify == "broadcast"
    lead_id = await app.new_lead(name="Dana Buyer")
    app.clock.set(at(23))
    await app.sweep()
    app.clock.set(at(91))
    await app.sweep()

    assert [c.args.get("reply_broadcast") for c in thread_posts(app)] == [True, True]  # heads-up, channel step
    [alarm] = app.dms(MANAGER)
    await app.press(alarm, Action.SLA_NUDGE, MANAGER)
    await app.settle()
    assert app.slack.responses[-1]["text"] == "👋 Nudged sales: a reply in the lead's thread, also sent to the channel."
    nudge = (await app.thread_replies(lead_id))[-1]
    assert f"<@{MANAGER}> asks sales to pick up this lead" in text_of(nudge.blocks) and "you" not in nudge.text
    assert thread_posts(app)[-1].args.get("reply_broadcast") is True


async def test_group_mode_mentions_the_sales_user_group(start_app: StartApp) -> None:
    app = await start_sla(start_app, {**UNOWNED, "unowned_notify": "group"})
    lead_id = await app.new_lead(name="Dana Buyer")
    app.clock.set(at(23))
    await app.sweep()

    [warning] = await app.thread_replies(lead_id)
    assert "<!subteam^S0SALESGRP>" in text_of(warning.blocks)
    assert [c.args.get("reply_broadcast") for c in thread_posts(app)] == [None]


async def test_dm_mode_dms_the_reps_who_are_not_away(start_app: StartApp) -> None:
    from tests.conftest import REP3

    app = await start_sla(start_app, {**UNOWNED, "unowned_notify": "dm"})
    app.slack.presence[REP2] = "away"
    lead_id = await app.new_lead(name="Dana Buyer")
    app.clock.set(at(23))
    await app.sweep()

    assert await app.thread_replies(lead_id) == [] and app.dms(REP2) == []
    for rep in (REP1, REP3):  # REP3 is in sales through the S0SALESGRP user group
        [heads_up] = app.dms(rep)
        assert "Heads-up" in heads_up.text and action_ids(heads_up.blocks) == [Action.ACCEPT]
    app.clock.set(at(91))
    await app.sweep()
    [_, pickup] = app.dms(REP1)
    assert action_ids(pickup.blocks) == [Action.ACCEPT]  # the "channel" step asks the reps, by DM
    await app.press(app.dms(MANAGER)[0], Action.SLA_NUDGE, MANAGER)
    await app.settle()
    assert app.slack.responses[-1]["text"] == f"👋 Nudged <@{REP1}> and <@{REP3}> by DM."
    assert f"<@{MANAGER}> asks you to pick up a lead" in text_of(app.dms(REP3)[-1].blocks)

    await app.press(app.dms(REP3)[-1], Action.ACCEPT, REP3)
    await app.settle()
    assert (await app.lead(lead_id)).owner == REP3
    assert "✅ Handled" in text_of(app.dms(REP1)[0].blocks)


def test_unowned_notify_is_validated_at_start_up_naming_the_key() -> None:
    import pytest

    from bot.errors import ConfigError

    with pytest.raises(ConfigError) as bad:
        team_config(sla={**UNOWNED, "unowned_notify": "email"})
    assert "sla.unowned_notify" in str(bad.value)
    with pytest.raises(ConfigError) as no_group:
        team_config(sla={**UNOWNED, "unowned_notify": "group"}, team={"sales": [REP1], "managers": [MANAGER]})
    assert str(no_group.value).startswith("sla.unowned_notify: ") and "user-group id (S…) in team.sales" in str(
        no_group.value
    )
