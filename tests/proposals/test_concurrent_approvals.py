"""Two app instances on one database (two engines, nothing shared but the database): both heads click Approve at
the same moment, each on their own instance. Exactly one of the two approvals completes the pair, so exactly one new
version is stored, whichever commits first; on PostgreSQL the two transactions really overlap."""

from __future__ import annotations

import asyncio

from bot.agreement.ids import ProposalAction
from tests.conftest import LEADS, MARKETER, StartApp
from tests.proposals.conftest import MARKETING_HEAD, SALES_HEAD, heads_config, proposal_dm, proposals, propose, versions

ROUNDS = 3
TERMS = (("accept.target", "20m"), ("mql.min_score", "30"), ("mql_volume.monthly_target", "140"))


async def test_both_heads_approving_at_once_make_exactly_one_version(start_app: StartApp) -> None:
    one, two = await start_app(heads_config()), await start_app(heads_config())
    for round_ in range(ROUNDS):
        term, value = TERMS[round_]
        assert await propose(one, MARKETER, {term: value}) == {}
        proposal = (await proposals(one))[-1]
        sales_dm, marketing_dm = (proposal_dm(one, head, proposal.id) for head in (SALES_HEAD, MARKETING_HEAD))

        answers = await asyncio.gather(
            one.press(sales_dm, ProposalAction.APPROVE, SALES_HEAD),
            two.press(marketing_dm, ProposalAction.APPROVE, MARKETING_HEAD),
        )
        assert [status for status, _ in answers] == [200, 200]
        await one.settle()
        await two.settle()

        stored = await versions(one)
        assert [v.version for v in stored] == list(range(1, round_ + 3)), stored
        assert (stored[-1].proposal_id, stored[-1].approved_by) == (proposal.id, [SALES_HEAD, MARKETING_HEAD])
        done = (await proposals(two))[-1]
        assert (done.state, done.version) == ("approved", round_ + 2)
        announced = [m for m in one.slack.messages[LEADS] if f"Agreement version {round_ + 2} is in" in m.text]
        assert len(announced) == 1
    told = [str(r.get("text")) for r in one.slack.responses]
    assert sum("Approved by both heads" in t for t in told) == ROUNDS  # one completing click per round
    assert sum("It takes effect when" in t for t in told) == ROUNDS
