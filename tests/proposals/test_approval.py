"""A proposal approved by both heads becomes the next version of the agreement, in one transaction; a replayed or
stale click changes nothing, and a click by someone who is not a head is refused."""

from __future__ import annotations

from copy import deepcopy
from dataclasses import replace
from datetime import timedelta

import pytest

from bot.agreement.ids import ProposalAction
from bot.config.team_file import HandoffConfig
from tests.conftest import LEADS, MANAGER, MARKETER, START, StartApp, text_of
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
def config() -> HandoffConfig:
    return heads_config()


async def test_a_proposal_both_heads_approve_becomes_version_2(start_app: StartApp, config: HandoffConfig) -> None:
    app = await start_app(config)
    assert await propose(app, MARKETER, {"accept.target": "20m"}, "Leads contacted within 5 min win 3x") == {}

    [proposal] = await proposals(app)
    assert (proposal.proposer, proposal.base_version, proposal.changes, proposal.state) == (
        MARKETER, 1, {"accept.target": "20m"}, "open",
    )  # fmt: skip
    assert proposal.expires_at == START + timedelta(days=7)
    assert await locks(app) == {"accept.target": proposal.id}
    for head in (SALES_HEAD, MARKETING_HEAD):
        dm = proposal_dm(app, head, proposal.id)
        shown = text_of(dm.blocks)
        assert "*Accept target*: 30 min → 20 min" in shown and "Leads contacted within 5 min win 3x" in shown
        assert f"<@{MARKETER}> proposes changing the agreement" in shown
        assert buttons(dm) == [ProposalAction.APPROVE, ProposalAction.DECLINE]
    post = channel_post(app, proposal.id)
    assert f"Needs the approval of <@{SALES_HEAD}> and <@{MARKETING_HEAD}>" in text_of(post.blocks)
    assert buttons(post) == []

    told = await click(app, proposal_dm(app, SALES_HEAD, proposal.id), ProposalAction.APPROVE, SALES_HEAD)
    assert told == f"✅ You approved proposal #{proposal.id}. It takes effect when <@{MARKETING_HEAD}> approves too."
    assert [v.version for v in await versions(app)] == [1]
    assert buttons(proposal_dm(app, SALES_HEAD, proposal.id)) == [ProposalAction.DECLINE]
    assert f"Approved by <@{SALES_HEAD}> (sales) · waiting for <@{MARKETING_HEAD}>" in text_of(
        channel_post(app, proposal.id).blocks
    )

    app.clock.advance(timedelta(hours=2))
    told = await click(app, proposal_dm(app, MARKETING_HEAD, proposal.id), ProposalAction.APPROVE, MARKETING_HEAD)
    assert told == "✅ Approved by both heads: agreement version 2 is in force from now."

    [_, v2] = await versions(app)
    assert v2.terms["accept"]["target"] == "20m" and v2.terms["accept"]["warn_at"] == 0.75
    assert v2.terms["mql_volume"]["monthly_target"] == 120
    assert v2.changes == [{"term": "accept.target", "before": "30m", "after": "20m"}]
    assert (v2.source, v2.approved_by, v2.proposal_id) == ("proposal", [SALES_HEAD, MARKETING_HEAD], proposal.id)
    assert (v2.rationale, v2.effective_at) == ("Leads contacted within 5 min win 3x", START + timedelta(hours=2))
    assert v2.file_terms == (await versions(app))[0].file_terms  # the team file is still what it was
    [done] = await proposals(app)
    assert (done.state, done.version, done.closed_at) == ("approved", 2, START + timedelta(hours=2))
    assert await locks(app) == {}
    async with app.svc.db.reading() as session:
        number, sla = await app.svc.agreements.in_force(session)
    assert sla.accept is not None and (number, sla.accept.target) == (2, timedelta(minutes=20))

    [announced] = [m for m in app.slack.messages[LEADS] if "Agreement version 2 is in force from now" in m.text]
    assert "*Accept target*: 30 min → 20 min" in text_of(announced.blocks)
    assert "Leads arriving from now run on it" in text_of(announced.blocks)
    [to_proposer] = [m for m in app.dms(MARKETER) if "was approved" in m.text]
    assert "It is agreement version 2, in force from now." in text_of(to_proposer.blocks)
    for head in (SALES_HEAD, MARKETING_HEAD):
        assert buttons(proposal_dm(app, head, proposal.id)) == []
        assert "✅ Approved by" in text_of(proposal_dm(app, head, proposal.id).blocks)
    assert "agreement version 2 is in force" in text_of(channel_post(app, proposal.id).blocks)


async def test_a_replayed_or_stale_approve_changes_nothing(start_app: StartApp, config: HandoffConfig) -> None:
    app = await start_app(config)
    await propose(app, MANAGER, {"mql_volume.monthly_target": "150"})
    [proposal] = await proposals(app)
    dm = proposal_dm(app, SALES_HEAD, proposal.id)
    dm = replace(dm, blocks=deepcopy(dm.blocks))  # as the head's Slack showed it before the click
    await click(app, dm, ProposalAction.APPROVE, SALES_HEAD)

    again = await click(app, dm, ProposalAction.APPROVE, SALES_HEAD)  # the old message, replayed

    assert again == f"You already approved proposal #{proposal.id}; it waits for the other head."
    await click(app, proposal_dm(app, MARKETING_HEAD, proposal.id), ProposalAction.APPROVE, MARKETING_HEAD)
    stale = await click(app, dm, ProposalAction.APPROVE, SALES_HEAD)
    assert stale == f"Proposal #{proposal.id} was already approved by both heads."
    assert [v.version for v in await versions(app)] == [1, 2]
    assert len([m for m in app.slack.messages[LEADS] if "Agreement version" in m.text]) == 1


@pytest.mark.parametrize("who", [MANAGER, MARKETER], ids=["manager", "proposer"])
async def test_an_approval_by_someone_who_is_not_a_head_is_refused(
    start_app: StartApp, config: HandoffConfig, who: str
) -> None:
    app = await start_app(config)
    await propose(app, MARKETER, {"accept.target": "20m"})
    [proposal] = await proposals(app)

    told = await click(app, proposal_dm(app, SALES_HEAD, proposal.id), ProposalAction.APPROVE, who)

    assert told == (
        f"Only the two heads decide a change to the agreement: <@{SALES_HEAD}> for sales, <@{MARKETING_HEAD}> for "
        "marketing."
    )
    [unchanged] = await proposals(app)
    assert (unchanged.sales_approved_by, unchanged.marketing_approved_by, unchanged.state) == (None, None, "open")
    assert [v.version for v in await versions(app)] == [1]


async def test_one_person_who_is_both_heads_approves_both_sides_at_once(start_app: StartApp) -> None:
    app = await start_app(heads_config(sales_head=MANAGER, marketing_head=MANAGER))
    await propose(app, MARKETER, {"mql.min_score": "35"})
    [proposal] = await proposals(app)
    [dm] = [m for m in app.dms(MANAGER) if f"(proposal #{proposal.id})" in m.text]  # one DM, not two

    told = await click(app, dm, ProposalAction.APPROVE, MANAGER)

    assert told == "✅ Approved by both heads: agreement version 2 is in force from now."
    [_, v2] = await versions(app)
    assert (v2.terms["mql"]["min_score"], v2.approved_by) == (35, [MANAGER, MANAGER])
