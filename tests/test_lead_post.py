"""What a lead's post says, read from the chat.postMessage and chat.update payloads Slack received: the accept
deadline from the first post on, who holds the lead after a reassignment, and how a lead past the handover ended, with
no SLA text that only fits a lead still being handed over."""

from __future__ import annotations

from typing import Any

from bot.ids import Action
from tests.conftest import MANAGER, REP1, REP2, Harness, StartApp, text_of
from tests.test_reassign import reassign
from tests.test_reject import BUDGET, submit_reject
from tests.test_sla import at, breached, start_sla


async def post_updates(app: Harness, lead_id: int) -> list[dict[str, Any]]:
    """Every chat.update of the lead's own post, oldest first, as sent."""
    lead = await app.lead(lead_id)
    return [c.args for c in app.slack.calls_to("chat.update") if c.args["ts"] == lead.slack_ts]


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
