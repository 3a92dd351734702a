"""Reassigning a lead tells the people it concerns: the new owner by DM (who gave it to them, why, and when first
contact is due) and the rep it was taken from. A chat.update of the post mentions nobody, so it notifies nobody."""

from __future__ import annotations

from typing import Any

from bot.ids import Action, Block, Callback
from tests.conftest import MANAGER, REP1, REP2, Harness, StartApp
from tests.sla.test_sla import at, breached, start_sla


def form(rep: str, why: str) -> dict[str, Any]:
    return {
        Block.REASSIGN_REP: {Action.REASSIGN_REP: {"type": "users_select", "selected_user": rep}},
        Block.REASSIGN_WHY: {Action.REASSIGN_WHY: {"type": "plain_text_input", "value": why}},
    }


async def reassign(app: Harness, lead_id: int, rep: str, why: str) -> None:
    status, body = await app.submit(Callback.REASSIGN, MANAGER, str(lead_id), form(rep, why))
    assert (status, body) == (200, "")
    await app.settle()


async def test_the_new_owner_is_told_who_gave_them_the_lead_why_and_when_contact_is_due(start_app: StartApp) -> None:
    app = await start_sla(start_app)
    lead_id, _ = await breached(app, name="Dana Buyer", company="Globex")
    before = {rep: len(app.dms(rep)) for rep in (REP1, REP2)}

    await reassign(app, lead_id, REP2, "Riley is out <!channel> today")

    [told] = app.dms(REP2)[before[REP2] :]
    assert told.text == "📥 A lead for you: Dana Buyer (Globex)"
    shown = "\n".join(str(b) for b in told.blocks)
    assert f"<@{MANAGER}> assigned you" in shown and "*Dana Buyer* — Globex" in shown
    assert "Riley is out &lt;!channel&gt; today" in shown and "<!channel>" not in shown + told.text
    assert "First contact due" in shown
    assert app.dms(REP1)[before[REP1] :] == []  # nobody owned it before: nobody else to tell


async def test_the_rep_a_lead_is_taken_from_is_told_too(start_app: StartApp) -> None:
    app = await start_sla(start_app)
    lead_id = await app.new_lead(name="Dana Buyer", company="Globex")
    await app.click(Action.ACCEPT, lead_id, REP1)
    await app.settle()
    app.clock.set(at(90))
    before = {rep: len(app.dms(rep)) for rep in (REP1, REP2)}

    await reassign(app, lead_id, REP2, "Riley is on leave")

    [gained] = app.dms(REP2)[before[REP2] :]
    [lost] = [m for m in app.dms(REP1)[before[REP1] :]]
    assert f"<@{MANAGER}> assigned you" in str(gained.blocks) and f"from <@{REP1}>" in str(gained.blocks)
    assert f"<@{MANAGER}> gave" in str(lost.blocks) and f"to <@{REP2}>" in str(lost.blocks)
    assert "Riley is on leave" in str(lost.blocks)
