"""The quarterly review's "Propose these changes" opens the proposal modal prefilled with what the data proposes;
submitted as it is, that is a proposal like any other (origin "review"), validated and sent to both heads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.agreement.ids import RATIONALE_BLOCK, ProposalCallback, term_block
from bot.ids import Action
from sandbox.slack_models import Message
from tests.conftest import LEADS, MANAGER, REP1, START, Harness, StartApp
from tests.proposals.conftest import SALES_HEAD, filled, heads_config, proposal_dm, proposals

TERMS: dict[str, Any] = {"accept": {"target": "60m"}, "mql_volume": {"monthly_target": 100}}


async def reviewed(start_app: StartApp) -> tuple[Harness, Message]:
    """20 leads accepted within 1 to 20 minutes of a 60-minute target, then 2026-Q4's review: its post."""
    app = await start_app(heads_config(sla=TERMS))
    ids = [await app.new_lead(external_id=f"q4-{i}", name=f"Lead {i}") for i in range(20)]
    for minutes, lead_id in enumerate(ids, start=1):
        app.clock.set(START + timedelta(minutes=minutes))
        await app.click(Action.ACCEPT, lead_id, REP1)
    await app.settle()
    app.clock.set(datetime(2027, 1, 4, 15, tzinfo=UTC))
    await app.svc.run_reviews()
    await app.settle()
    [review] = [m for m in app.slack.messages[LEADS] if "What the data proposes" in str(m.blocks)]
    return app, review


async def test_the_review_button_opens_the_proposal_prefilled(start_app: StartApp) -> None:
    app, review = await reviewed(start_app)

    status, _ = await app.press(review, Action.REVIEW_PROPOSE, MANAGER)
    await app.settle()

    assert status == 200
    view = app.slack.calls_to("views.open")[-1].args["view"]
    assert (view["callback_id"], view["private_metadata"]) == (ProposalCallback.PROPOSE, "review")
    shown = {b["block_id"]: b["element"].get("initial_value") for b in view["blocks"] if b["type"] == "input"}
    assert shown[term_block("accept.target")] == "20m" and shown[term_block("mql_volume.monthly_target")] == "7"
    assert "quarterly review of 2026-Q4" in str(shown[RATIONALE_BLOCK])

    values = filled(view, {}, str(shown[RATIONALE_BLOCK]))
    assert await app.submit(ProposalCallback.PROPOSE, MANAGER, "review", values) == (200, "")
    await app.settle()
    [proposal] = await proposals(app)
    assert (proposal.origin, proposal.changes) == ("review", {"accept.target": "20m", "mql_volume.monthly_target": 7})
    assert "*Accept target*: 1 h → 20 min" in str(proposal_dm(app, SALES_HEAD, proposal.id).blocks)


async def test_the_review_button_refuses_someone_who_may_not_propose(start_app: StartApp) -> None:
    app, review = await reviewed(start_app)
    opened = len(app.slack.calls_to("views.open"))

    await app.press(review, Action.REVIEW_PROPOSE, REP1)
    await app.settle()

    assert "Only managers, marketing and the two heads can propose" in str(app.slack.responses[-1]["text"])
    assert len(app.slack.calls_to("views.open")) == opened and await proposals(app) == []
