"""The agreement's whole life in one scenario, through signed requests: version 1 from the team file, a lead under
it; a proposal both heads approve becomes version 2; a lead arriving afterwards runs on version 2's terms while the
earlier one keeps version 1's; /sla shows version 2 and /sla history both."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.agreement.ids import ProposalAction
from storage.models import Lead, SlaTimer
from tests.agreement.helpers import sla_command
from tests.conftest import MARKETER, START, Harness, StartApp, text_of
from tests.proposals.conftest import (
    MARKETING_HEAD,
    SALES_HEAD,
    click,
    heads_config,
    proposal_dm,
    proposals,
    propose,
    versions,
)


async def accept_clock(app: Harness, lead_id: int) -> SlaTimer:
    async with app.svc.db.reading() as session:
        timer = await session.scalar(select(SlaTimer).where(SlaTimer.lead_id == lead_id, SlaTimer.clock == "accept"))
        assert timer is not None
        return timer


async def version_of(app: Harness, lead_id: int) -> int | None:
    async with app.svc.db.reading() as session:
        return await session.scalar(select(Lead.agreement_version).where(Lead.id == lead_id))


async def test_a_proposal_both_heads_approve_is_version_2_and_only_later_leads_run_on_it(start_app: StartApp) -> None:
    app = await start_app(heads_config())  # accept within 30 min
    before = await app.new_lead(name="Before Lead")  # 09:00, version 1: due 09:30

    app.clock.set(START + timedelta(minutes=5))
    assert await propose(app, MARKETER, {"accept.target": "10m"}, "Hot leads go cold within minutes") == {}
    [proposal] = await proposals(app)
    await click(app, proposal_dm(app, SALES_HEAD, proposal.id), ProposalAction.APPROVE, SALES_HEAD)
    app.clock.set(START + timedelta(minutes=6))
    await click(app, proposal_dm(app, MARKETING_HEAD, proposal.id), ProposalAction.APPROVE, MARKETING_HEAD)
    assert [v.version for v in await versions(app)] == [1, 2]

    after = await app.new_lead(name="After Lead")  # 09:06, version 2: due 09:16
    assert [await version_of(app, before), await version_of(app, after)] == [1, 2]
    early, late = await accept_clock(app, before), await accept_clock(app, after)
    assert [early.agreement_version, late.agreement_version] == [1, 2]
    assert [early.due_at - early.started_at, late.due_at - late.started_at] == [
        timedelta(minutes=30),
        timedelta(minutes=10),
    ]

    app.clock.set(START + timedelta(minutes=16))
    assert (await app.sweep()).breaches == 1  # the later lead, on version 2's 10 minutes
    assert [(await accept_clock(app, before)).state, (await accept_clock(app, after)).state] == ["running", "breached"]
    app.clock.set(START + timedelta(minutes=30))
    assert (await app.sweep()).breaches == 1  # the earlier one keeps version 1's 30 minutes
    assert (await accept_clock(app, before)).state == "breached"

    _, [shown] = await sla_command(app, "")
    text = text_of(shown["blocks"])
    assert "version 2" in text.lower() and "10 min" in text
    assert f"<@{SALES_HEAD}>" in text and f"<@{MARKETING_HEAD}>" in text
    _, [history] = await sla_command(app, "history")
    listed = text_of(history["blocks"])
    assert "Accept target: 30 min → 10 min" in listed.replace("*", "")
    assert "team file" in listed.lower()
