"""Reject: the click opens a modal; the submission needs a reason from the catalog; the post shows it."""

from __future__ import annotations

import json
from typing import Any

from bot.config.team_file import DEFAULT_REJECT_REASONS
from bot.ids import Action, Block, Callback
from tests.conftest import OUTSIDER, REP1, REP2, Harness, action_ids, text_of

BUDGET = "No budget or authority"


def reject_values(reason: str | None, note: str | None = None) -> dict[str, Any]:
    selected = None if reason is None else {"text": {"type": "plain_text", "text": reason}, "value": reason}
    return {
        Block.REJECT_REASON: {Action.REJECT_REASON: {"type": "static_select", "selected_option": selected}},
        Block.REJECT_NOTE: {Action.REJECT_NOTE: {"type": "plain_text_input", "value": note}},
    }


async def submit_reject(app: Harness, lead_id: int, user: str, reason: str | None, note: str | None = None) -> Any:
    status, body = await app.submit(Callback.REJECT, user, str(lead_id), reject_values(reason, note))
    assert status == 200
    return json.loads(body) if body else None


async def test_reject_click_opens_the_modal_with_the_catalog(app: Harness) -> None:
    lead_id = await app.new_lead(name="Pat <!channel> Doe", company="Initech")

    status, _ = await app.click(Action.REJECT, lead_id, REP1)
    await app.settle()

    assert status == 200
    [opened] = app.slack.calls_to("views.open")
    assert opened.response["ok"] is True, opened.response
    view = opened.args["view"]
    assert (view["callback_id"], view["private_metadata"]) == (Callback.REJECT, str(lead_id))
    reason_input = next(b for b in view["blocks"] if b.get("block_id") == Block.REJECT_REASON)
    assert reason_input["optional"] is False
    assert [o["value"] for o in reason_input["element"]["options"]] == list(DEFAULT_REJECT_REASONS)
    assert "Pat &lt;!channel&gt; Doe" in text_of(view["blocks"])
    assert (await app.lead(lead_id)).stage == "mql"  # opening the modal changes nothing


async def test_submission_without_a_reason_is_answered_inline_and_changes_nothing(app: Harness) -> None:
    lead_id = await app.new_lead()

    answer = await submit_reject(app, lead_id, REP1, None, "meh")

    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {Block.REJECT_REASON}
    assert (await app.lead(lead_id)).stage == "mql"


async def test_a_reason_outside_the_catalog_is_an_inline_error(app: Harness) -> None:
    lead_id = await app.new_lead()

    answer = await submit_reject(app, lead_id, REP1, "Because I said so")

    assert answer == {"response_action": "errors", "errors": {Block.REJECT_REASON: "Pick one of the listed reasons."}}
    assert (await app.lead(lead_id)).stage == "mql"


async def test_rejection_is_recorded_with_reason_and_note_and_shown_on_the_post(app: Harness) -> None:
    lead_id = await app.new_lead()

    answer = await submit_reject(app, lead_id, REP2, BUDGET, "Student project <@U0MGR00001>")
    await app.settle()

    assert answer is None  # an empty 200 closes the modal
    lead = await app.lead(lead_id)
    assert (lead.stage, lead.decided_by, lead.reject_reason) == ("rejected", REP2, BUDGET)
    [event] = [e for e in await app.events(lead_id) if e.kind == "rejected"]
    assert (event.actor, event.data) == (REP2, {"reason": BUDGET, "note": "Student project <@U0MGR00001>"})
    post = await app.post_of(lead_id)
    shown = text_of(post.blocks)
    assert f"Rejected* by <@{REP2}> on Nov 23, 09:00 CST, 0 s after posting — {BUDGET}" in shown
    assert "Student project &lt;@U0MGR00001&gt;" in shown
    assert action_ids(post.blocks) == []


async def test_reject_after_accept_is_refused_inline(app: Harness) -> None:
    lead_id = await app.new_lead()
    await app.click(Action.ACCEPT, lead_id, REP1)
    await app.settle()

    answer = await submit_reject(app, lead_id, REP2, BUDGET)

    assert answer["response_action"] == "errors"
    assert "already accepted by u0rep00001." in answer["errors"][Block.REJECT_REASON]  # plain text: a name
    assert (await app.lead(lead_id)).stage == "sal"


async def test_outsiders_cannot_open_the_modal_nor_submit_it(app: Harness) -> None:
    lead_id = await app.new_lead()

    await app.click(Action.REJECT, lead_id, OUTSIDER)
    await app.settle()
    answer = await submit_reject(app, lead_id, OUTSIDER, BUDGET)

    assert app.slack.calls_to("views.open") == []
    assert "Only the sales team can reject" in app.slack.responses[0]["text"]
    assert answer["response_action"] == "errors"
    assert (await app.lead(lead_id)).stage == "mql"


async def test_a_configured_catalog_replaces_the_default(start_app: Any) -> None:
    from tests.conftest import team_config

    app = await start_app(team_config(reject={"reasons": ["Wrong region", "Too small"]}))
    lead_id = await app.new_lead()

    await app.click(Action.REJECT, lead_id, REP1)
    await app.settle()
    answer = await submit_reject(app, lead_id, REP1, BUDGET)

    view = app.slack.calls_to("views.open")[0].args["view"]
    options = next(b for b in view["blocks"] if b.get("block_id") == Block.REJECT_REASON)["element"]["options"]
    assert [o["value"] for o in options] == ["Wrong region", "Too small"]
    assert answer["response_action"] == "errors"


async def test_other_needs_a_note_saying_what_it_was(app: Harness) -> None:
    lead_id = await app.new_lead()

    for note in (None, "  "):
        answer = await submit_reject(app, lead_id, REP1, "Other", note)
        assert answer == {
            "response_action": "errors",
            "errors": {Block.REJECT_NOTE: "Say what the other reason is: marketing cannot act on “Other” alone."},
        }
        assert (await app.lead(lead_id)).stage == "mql"

    assert await submit_reject(app, lead_id, REP1, "Other", "Duplicate of a partner deal") is None
    lead = await app.lead(lead_id)
    assert (lead.stage, lead.reject_reason, lead.reject_note) == ("rejected", "Other", "Duplicate of a partner deal")
