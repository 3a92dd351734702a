"""What a lead's post says, read from the chat.postMessage and chat.update payloads Slack received: the accept
deadline from the first post on, who holds the lead after a reassignment, and how a lead past the handover ended, with
no SLA text that only fits a lead still being handed over."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.ids import Action
from tests.conftest import MANAGER, REP1, REP2, Harness, StartApp, text_of
from tests.lifecycle.test_reassign import reassign
from tests.lifecycle.test_reject import BUDGET, submit_reject
from tests.sla.test_sla import at, breached, start_sla, timers


async def post_updates(app: Harness, lead_id: int) -> list[dict[str, Any]]:
    """Every chat.update of the lead's own post, oldest first, as sent."""
    lead = await app.lead(lead_id)
    return [c.args for c in app.slack.calls_to("chat.update") if c.args["ts"] == lead.slack_ts]


def first_post(app: Harness) -> dict[str, Any]:
    [post] = [c.args for c in app.slack.calls_to("chat.postMessage") if not c.args.get("thread_ts")]
    return post


# --- the accept deadline ---------------------------------------------------------------------------------------


async def test_a_fresh_post_states_when_it_must_be_accepted_without_a_second_call(start_app: StartApp) -> None:
    app = await start_sla(start_app)

    lead_id = await app.new_lead(name="Dana Buyer")  # lands at 09:00 CST

    [timer] = await timers(app, lead_id)
    assert timer.due_at == at(30)
    assert "⏱ Accept due 09:30 CST (30 min SLA)" in text_of(first_post(app)["blocks"])
    assert app.slack.calls_to("chat.update") == []  # said by the post itself, not by an edit after it


async def test_a_post_after_hours_states_the_next_business_morning_the_clock_runs_to(start_app: StartApp) -> None:
    sla = {"accept": {"target": "30m", "business_hours": True, "escalate": [{"after": "0s", "notify": "manager"}]}}
    app = await start_sla(start_app, sla, business_hours={"hours": "09:00-17:30", "holidays": ["2026-11-30"]})
    app.clock.set(datetime(2026, 11, 27, 23, 20, tzinfo=UTC))  # Friday 17:20 CST: ten working minutes left

    lead_id = await app.new_lead(name="Dana Buyer")

    [timer] = await timers(app, lead_id)
    assert timer.due_at == datetime(2026, 12, 1, 15, 20, tzinfo=UTC)  # Monday Nov 30 is a holiday
    shown = text_of(first_post(app)["blocks"])
    assert "⏱ Accept due Tue Dec 1, 09:20 CST (30 min SLA, working time)" in shown


async def test_a_post_slack_took_before_the_sender_died_shows_the_clock_started_when_it_was_found(
    start_app: StartApp,
) -> None:
    first = await start_sla(start_app)
    stall = first.slack.stall_next("chat.postMessage")
    status, body = await first.post_leads({"external_id": "lost-answer", "name": "Dana Buyer"})
    await stall.arrived.wait()  # Slack took the post (its deadline computed at 09:00) but the answer never came
    await first.server.close()
    stall.release()

    first.clock.set(at(2))
    second = await start_sla(start_app)
    await second.settle()

    assert status == 201 and len(second.slack.calls_to("chat.postMessage")) == 1
    [timer] = await timers(second, body["id"])
    assert timer.due_at == at(32)  # the clock starts when this process learns where the post is
    assert "⏱ Accept due 09:32 CST (30 min SLA)" in text_of((await second.post_of(body["id"])).blocks)


# --- who holds the lead ----------------------------------------------------------------------------------------


async def test_a_reassigned_lead_says_who_gave_it_to_whom_and_from_whom(start_app: StartApp) -> None:
    app = await start_sla(start_app)
    lead_id = await app.new_lead(name="Dana Buyer")
    app.clock.set(at(4))
    await app.click(Action.ACCEPT, lead_id, REP1)
    await app.settle()
    app.clock.set(at(38))

    await reassign(app, lead_id, REP2, "Riley is on leave")

    shown = text_of((await post_updates(app, lead_id))[-1]["blocks"])
    assert f"↪️ *Assigned* to <@{REP2}> by <@{MANAGER}> (reassigned from <@{REP1}>)" in shown
    assert "*Accepted* by" not in shown and "⏱ First contact due Tue Nov 24, 09:38 CST (24 h SLA)" in shown


async def test_a_lead_nobody_accepted_then_assigned_by_a_manager_says_so(start_app: StartApp) -> None:
    app = await start_sla(start_app)
    lead_id, _ = await breached(app, name="Dana Buyer")

    await reassign(app, lead_id, REP2, "Nobody picked it up")

    shown = text_of((await post_updates(app, lead_id))[-1]["blocks"])
    assert f"↪️ *Assigned* to <@{REP2}> by <@{MANAGER}>" in shown
    assert "*Accepted* by" not in shown and "reassigned from" not in shown


# --- a lead past the handover ----------------------------------------------------------------------------------


async def test_a_rejected_lead_says_who_rejected_it_when_and_why_and_no_accept_sla(start_app: StartApp) -> None:
    app = await start_sla(start_app)
    lead_id = await app.new_lead(name="Dana Buyer")
    app.clock.set(at(1))

    await app.click(Action.REJECT, lead_id, REP1)
    await submit_reject(app, lead_id, REP1, BUDGET, "Call again in Q3")
    await app.settle()

    shown = text_of((await post_updates(app, lead_id))[-1]["blocks"])
    assert f"❌ *Rejected* by <@{REP1}> on Nov 23, 09:01 CST, 1 min after posting — {BUDGET}" in shown
    assert "📝 Call again in Q3" in shown
    assert "SLA" not in shown and "Accept" not in shown


async def test_a_lead_past_the_handover_shows_its_outcome_and_no_handover_clocks(start_app: StartApp) -> None:
    app = await start_sla(start_app)
    moves: dict[str, list[dict[str, Any]]] = {
        "sql": [{"stage": "sql"}],
        "won": [{"stage": "sql"}, {"stage": "won", "amount": 24000}],
        "lost": [{"stage": "lost", "reason": "Went with a competitor"}],
        "recycled": [{"stage": "recycled"}],
    }
    outcomes = {
        "sql": f"🎯 *Sales qualified* · owner <@{REP1}>",
        "won": f"🏆 *Won* · $24,000 · owner <@{REP1}>",
        "lost": f"🪦 *Lost* — Went with a competitor · owner <@{REP1}>",
        "recycled": f"♻️ *Recycled* to marketing nurture · owner <@{REP1}>",
    }
    for stage, steps in moves.items():
        lead_id = await app.new_lead(name=f"Lead {stage}", external_id=f"past-{stage}")
        app.clock.advance(60)
        await app.click(Action.ACCEPT, lead_id, REP1)
        await app.settle()
        assert "⏱ Accept in 1 min, within the 30 min SLA" in text_of((await post_updates(app, lead_id))[-1]["blocks"])

        await app.crm_moves(f"past-{stage}", *steps)
        await app.settle()

        shown = text_of((await post_updates(app, lead_id))[-1]["blocks"])
        assert outcomes[stage] in shown, stage
        assert "SLA" not in shown and "First contact" not in shown, stage  # the History modal keeps them
