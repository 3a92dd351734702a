"""A head declines with a reason (required); a proposal nobody finished answering expires after 7 days, once,
and its terms are free for a new proposal."""

from __future__ import annotations

import json
from copy import deepcopy
from dataclasses import replace
from datetime import timedelta

import pytest

from bot.agreement.ids import REASON_BLOCK, ProposalAction, ProposalCallback
from tests.conftest import LEADS, MANAGER, MARKETER, Harness, StartApp, text_of
from tests.proposals.conftest import (
    MARKETING_HEAD,
    SALES_HEAD,
    buttons,
    channel_post,
    click,
    heads_config,
    locks,
    proposal_dm,
    proposals,
    propose,
    versions,
)


@pytest.fixture
async def app(start_app: StartApp) -> Harness:
    return await start_app(heads_config())


async def decline(app: Harness, head: str, proposal_id: int, reason: str) -> dict[str, object]:
    """Decline on `head`'s DM, then the decline modal submitted with `reason`: the submission's answer."""
    assert await click(app, proposal_dm(app, head, proposal_id), ProposalAction.DECLINE, head) == ""
    view = app.slack.calls_to("views.open")[-1].args["view"]
    assert view["callback_id"] == ProposalCallback.DECLINE
    values = {REASON_BLOCK: {ProposalAction.REASON: {"type": "plain_text_input", "value": reason or None}}}
    status, body = await app.submit(ProposalCallback.DECLINE, head, view["private_metadata"], values)
    await app.settle()
    assert status == 200
    return json.loads(body) if body else {}


async def test_a_decline_needs_a_reason_and_then_closes_the_proposal(app: Harness) -> None:
    await propose(app, MARKETER, {"accept.target": "20m"})
    [proposal] = await proposals(app)
    dm = proposal_dm(app, SALES_HEAD, proposal.id)
    before = replace(dm, blocks=deepcopy(dm.blocks))  # the sales head's DM, as shown before the decline

    answer = await decline(app, MARKETING_HEAD, proposal.id, "   ")
    refusal = "Say why you decline: the proposer and the channel read it."
    assert answer == {"response_action": "errors", "errors": {REASON_BLOCK: refusal}}
    assert (await proposals(app))[0].state == "open" and await locks(app) == {"accept.target": proposal.id}

    assert await decline(app, MARKETING_HEAD, proposal.id, "Staff the queue first <!here>") == {}

    [declined] = await proposals(app)
    assert (declined.state, declined.declined_by, declined.decline_reason) == (
        "declined", MARKETING_HEAD, "Staff the queue first <!here>",
    )  # fmt: skip
    assert await locks(app) == {} and [v.version for v in await versions(app)] == [1]
    [told] = [m for m in app.slack.messages[LEADS] if "was declined" in m.text]
    assert "*Reason:* Staff the queue first &lt;!here&gt;" in text_of(told.blocks)
    [to_proposer] = [m for m in app.dms(MARKETER) if "was declined" in m.text]
    assert "Staff the queue first" in text_of(to_proposer.blocks)
    for head in (SALES_HEAD, MARKETING_HEAD):
        assert buttons(proposal_dm(app, head, proposal.id)) == []
    assert f"❌ Declined by <@{MARKETING_HEAD}>" in text_of(channel_post(app, proposal.id).blocks)
    stale = await click(app, before, ProposalAction.APPROVE, SALES_HEAD)
    assert stale == f"Proposal #{proposal.id} was declined; it changes nothing."
    assert (await proposals(app))[0].sales_approved_by is None


async def test_a_non_head_cannot_open_the_decline(app: Harness) -> None:
    await propose(app, MARKETER, {"accept.target": "20m"})
    [proposal] = await proposals(app)
    told = await click(app, proposal_dm(app, SALES_HEAD, proposal.id), ProposalAction.DECLINE, MANAGER)
    assert told.startswith("Only the two heads decide a change to the agreement")
    assert app.slack.calls_to("views.open")[-1].args["view"]["callback_id"] != ProposalCallback.DECLINE


async def test_a_proposal_expires_after_7_days_once_and_frees_its_terms(app: Harness) -> None:
    await propose(app, MARKETER, {"accept.target": "20m"})
    [proposal] = await proposals(app)
    await click(app, proposal_dm(app, SALES_HEAD, proposal.id), ProposalAction.APPROVE, SALES_HEAD)
    dm = proposal_dm(app, MARKETING_HEAD, proposal.id)
    before = replace(dm, blocks=deepcopy(dm.blocks))

    app.clock.advance(timedelta(days=7) - timedelta(minutes=1))
    await app.svc.run_reviews()
    await app.settle()
    assert (await proposals(app))[0].state == "open"
    assert (await propose(app, MANAGER, {"accept.target": "15m"}))["response_action"] == "errors"

    app.clock.advance(timedelta(minutes=1))
    await app.svc.run_reviews()
    await app.svc.run_reviews()  # a second run (another replica's) finds nothing left to expire
    await app.settle()

    [expired] = await proposals(app)
    assert (expired.state, expired.closed_at) == ("expired", proposal.expires_at)
    assert await locks(app) == {}
    assert len([m for m in app.dms(MARKETER) if "expired" in m.text]) == 1
    for head in (SALES_HEAD, MARKETING_HEAD):
        assert buttons(proposal_dm(app, head, proposal.id)) == []
        assert "⌛ Expired" in text_of(proposal_dm(app, head, proposal.id).blocks)
    late = await click(app, before, ProposalAction.APPROVE, MARKETING_HEAD)  # a click on the DM as it was
    assert late == f"Proposal #{proposal.id} expired; it changes nothing."
    assert [v.version for v in await versions(app)] == [1]

    assert await propose(app, MANAGER, {"accept.target": "15m"}) == {}  # the term is free again
    assert await locks(app) == {"accept.target": 2}


async def test_a_proposal_past_its_7_days_cannot_be_approved_or_declined_before_the_job_expires_it(
    app: Harness,
) -> None:
    await propose(app, MARKETER, {"accept.target": "20m"})
    [proposal] = await proposals(app)
    await click(app, proposal_dm(app, SALES_HEAD, proposal.id), ProposalAction.APPROVE, SALES_HEAD)
    app.clock.advance(timedelta(days=7, minutes=5))  # the reviews job has not run since

    late = await click(app, proposal_dm(app, MARKETING_HEAD, proposal.id), ProposalAction.APPROVE, MARKETING_HEAD)
    assert late == f"Proposal #{proposal.id} expired; it changes nothing."
    opened = len(app.slack.calls_to("views.open"))
    late = await click(app, proposal_dm(app, MARKETING_HEAD, proposal.id), ProposalAction.DECLINE, MARKETING_HEAD)
    assert late == f"Proposal #{proposal.id} expired; it changes nothing."
    assert len(app.slack.calls_to("views.open")) == opened
    [still] = await proposals(app)
    assert (still.state, still.marketing_approved_by) == ("open", None)
    assert [v.version for v in await versions(app)] == [1]


async def test_a_decline_reason_holding_a_nul_says_so_and_changes_nothing(app: Harness) -> None:
    await propose(app, MARKETER, {"accept.target": "20m"})
    [proposal] = await proposals(app)
    answer = await decline(app, MARKETING_HEAD, proposal.id, "Staff the queue\x00 first")
    told = "The reason holds a NUL character: type it again."
    assert answer == {"response_action": "errors", "errors": {REASON_BLOCK: told}}
    assert (await proposals(app))[0].state == "open"
