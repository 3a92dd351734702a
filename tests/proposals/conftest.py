"""Proposal scenarios: a team file naming both heads, an accept clock of 30 minutes (75 % heads-up) and a monthly
MQL target of 120; `/sla propose` as Slack sends it, the modal submitted with what the person typed over what it
showed, the heads' DMs clicked."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from bot.agreement.ids import RATIONALE_BLOCK, ProposalAction, ProposalCallback
from bot.config.team_file import HandoffConfig
from sandbox.slack_models import Message
from storage.models import AgreementProposal, AgreementTermLock, AgreementVersion
from tests import slack_requests as sr
from tests.conftest import LEADS, MANAGER, MARKETER, REP1, REP2, SALES_GROUP, Harness, team_config

SALES_HEAD = "U0SALESHD1"
MARKETING_HEAD = "U0MKTHEAD1"
FORM = "application/x-www-form-urlencoded"
SLA: dict[str, Any] = {"accept": {"target": "30m", "warn_at": "75%"}, "mql_volume": {"monthly_target": 120}}


def heads_config(
    sales_head: str | None = SALES_HEAD, marketing_head: str | None = MARKETING_HEAD, sla: dict[str, Any] | None = None
) -> HandoffConfig:
    team: dict[str, Any] = {
        "sales": [REP1, REP2, SALES_GROUP], "managers": [MANAGER], "marketing": [MARKETER],
        "manager_of": {REP1: MANAGER},
    }  # fmt: skip
    if sales_head:
        team["sales_head"] = sales_head
    if marketing_head:
        team["marketing_head"] = marketing_head
    return team_config(team=team, sla=SLA if sla is None else sla)


async def sla(app: Harness, user_id: str, text: str = "propose") -> dict[str, Any]:
    """`/sla text` typed in the leads channel; the ack's JSON ({} when empty), after the work it started."""
    body = sr.slash_command(
        user_id=user_id, command="/sla", text=text, channel=LEADS,
        response_url=app.slack.new_response_url(channel=LEADS, user_id=user_id),
        trigger_id=app.slack.issue_trigger_id(user_id),
    )  # fmt: skip
    status, answer = await app.post_slack(body, content_type=FORM)
    await app.settle()
    assert status == 200
    return json.loads(answer) if answer else {}


async def open_form(app: Harness, user_id: str) -> dict[str, Any]:
    """`/sla propose`: the proposal modal it opened."""
    opened = len(app.slack.calls_to("views.open"))
    assert await sla(app, user_id) == {}
    calls = app.slack.calls_to("views.open")
    assert len(calls) == opened + 1, app.slack.responses[-1:]
    view: dict[str, Any] = calls[-1].args["view"]
    assert view["callback_id"] == ProposalCallback.PROPOSE
    return view


def filled(view: dict[str, Any], typed: dict[str, str], rationale: str) -> dict[str, Any]:
    """The modal's state as Slack sends it: each input holds what it showed, unless `typed` (by term) says else."""
    values: dict[str, Any] = {}
    for block in view["blocks"]:
        if block["type"] != "input" or block["block_id"] == RATIONALE_BLOCK:
            continue
        term = block["block_id"].partition(":")[2]
        text = typed.get(term, block["element"].get("initial_value"))
        values[block["block_id"]] = {ProposalAction.TERM: {"type": "plain_text_input", "value": text or None}}
    values[RATIONALE_BLOCK] = {ProposalAction.RATIONALE: {"type": "plain_text_input", "value": rationale}}
    return values


async def propose(
    app: Harness, user_id: str, typed: dict[str, str], rationale: str = "Speed to lead: contacted within 5 min wins 3x"
) -> dict[str, Any]:
    """`user_id` proposes through the modal; the submission's answer ({} when the modal closed)."""
    view = await open_form(app, user_id)
    status, body = await app.submit(ProposalCallback.PROPOSE, user_id, view["private_metadata"],
                                    filled(view, typed, rationale))  # fmt: skip
    await app.settle()
    assert status == 200
    return json.loads(body) if body else {}


def proposal_dm(app: Harness, head: str, proposal_id: int) -> Message:
    [message] = [m for m in app.dms(head) if f"(proposal #{proposal_id})" in m.text]
    return message


def channel_post(app: Harness, proposal_id: int) -> Message:
    [message] = [m for m in app.slack.messages.get(LEADS, []) if f"(proposal #{proposal_id})" in m.text]
    return message


async def click(app: Harness, message: Message, action: str, user_id: str) -> str:
    """A click on a proposal's button; what the clicker was told, ephemerally ("" when nothing)."""
    before = len(app.slack.responses)
    status, _ = await app.press(message, action, user_id)
    await app.settle()
    assert status == 200
    return "\n".join(str(r.get("text")) for r in app.slack.responses[before:])


async def proposals(app: Harness) -> list[AgreementProposal]:
    async with app.svc.db.session() as session:
        return list(await session.scalars(select(AgreementProposal).order_by(AgreementProposal.id)))


async def versions(app: Harness) -> list[AgreementVersion]:
    async with app.svc.db.session() as session:
        return list(await session.scalars(select(AgreementVersion).order_by(AgreementVersion.version)))


async def locks(app: Harness) -> dict[str, int]:
    async with app.svc.db.session() as session:
        return {lock.term: lock.proposal_id for lock in await session.scalars(select(AgreementTermLock))}


def buttons(message: Message) -> list[str]:
    return [el["action_id"] for b in message.blocks if b["type"] == "actions" for el in b["elements"]]
