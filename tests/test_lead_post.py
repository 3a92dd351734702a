"""What a lead's post says, read from the chat.postMessage and chat.update payloads Slack received: the accept
deadline from the first post on, who holds the lead after a reassignment, and how a lead past the handover ended, with
no SLA text that only fits a lead still being handed over."""

from __future__ import annotations

from typing import Any

from bot.ids import Action
from tests.conftest import REP1, Harness, StartApp, text_of
from tests.test_reject import BUDGET, submit_reject
from tests.test_sla import at, start_sla


async def post_updates(app: Harness, lead_id: int) -> list[dict[str, Any]]:
    """Every chat.update of the lead's own post, oldest first, as sent."""
    lead = await app.lead(lead_id)
    return [c.args for c in app.slack.calls_to("chat.update") if c.args["ts"] == lead.slack_ts]


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
