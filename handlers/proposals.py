"""`/sla propose`, and a proposal's buttons and modals: the proposal modal's submission, a head's Approve and
Decline, the decline modal's submission. Thin: each reads what Slack sent and makes one call of
`bot.agreement.proposals`. `register` hears the buttons and modals; `/sla` itself is the agreement's command
(handlers/agreement.py), which hands `/sla propose` to `sla_propose`."""

from __future__ import annotations

import json
from typing import Any, Final

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond

from bot.agreement.ids import (
    PROPOSE_BLOCKS,
    REASON_BLOCK,
    ProposalAction,
    ProposalCallback,
    term_block,
)
from bot.agreement.terms_input import BY_TERM, FIELDS, RATIONALE
from bot.app.services import Services
from bot.errors import UserError
from bot.ids import Action, record_id
from bot.views.proposals import decline_modal, propose_modal
from handlers.actions import OLDER, Click, clicked
from handlers.context import Listener, ephemeral
from handlers.views import STALE, Form, submitted


async def open_proposal(
    svc: Services,
    trigger_id: str,
    user_id: str,
    prefill: dict[str, object] | None = None,
    rationale: str | None = None,
    origin: str = "command",
) -> None:
    """The proposal modal, each field showing the term in force or what `prefill` proposes ({"accept.target":
    "20m"}: the quarterly review's "Propose these changes" opens it so). Refused (a UserError) for someone who may
    not propose, or when the team file names no heads."""
    form = await svc.proposals.form(user_id, prefill)
    view = propose_modal(svc.renderer, form, origin=origin, rationale=rationale)
    await svc.client.views_open(trigger_id=trigger_id, view=view)  # the trigger_id dies 3 s after the command


async def sla_propose(svc: Services, command: dict[str, Any], ack: AsyncAck, respond: AsyncRespond) -> None:
    """`/sla propose` (handlers/agreement.py hands it the word): acks, then opens the proposal modal; a refusal is
    told privately beside the command."""
    await ack()
    user_id, trigger_id = str(command.get("user_id") or ""), str(command.get("trigger_id") or "")
    svc.background.spawn(
        lambda: open_proposal(svc, trigger_id, user_id), tell=ephemeral(svc, respond), what="/sla propose"
    )


def _entered(form: Form) -> dict[str, str]:
    """Each term's text as submitted; a term whose input Slack did not send is left out (unchanged)."""
    values = form.view.get("state", {}).get("values", {})
    entered = {}
    for field in FIELDS:
        element = (values.get(term_block(field.term)) or {}).get(ProposalAction.TERM)
        if isinstance(element, dict):
            entered[field.term] = str(element.get("value") or "")
    return entered


@submitted(PROPOSE_BLOCKS, term_block(FIELDS[0].term))
async def handle_propose_submission(svc: Services, user_id: str, form: Form) -> None:
    rationale = form.raw(PROPOSE_BLOCKS[RATIONALE], ProposalAction.RATIONALE)
    await svc.proposals.submit(user_id, _entered(form), rationale, origin=form.metadata or "command")


def _proposal_id(click: Click) -> int:
    if (number := record_id(click.value)) is None:
        raise UserError(OLDER)
    return number


@clicked("approve click")
async def handle_approve_click(svc: Services, click: Click) -> None:
    await click.tell(await svc.proposals.approve(_proposal_id(click), click.user_id))


@clicked("decline click")
async def handle_decline_click(svc: Services, click: Click) -> None:
    proposal = await svc.proposals.check_can_decline(_proposal_id(click), click.user_id)
    await svc.client.views_open(trigger_id=click.trigger_id, view=decline_modal(svc.renderer, proposal))


@submitted({"reason": REASON_BLOCK}, REASON_BLOCK)
async def handle_decline_submission(svc: Services, user_id: str, form: Form) -> None:
    if (proposal_id := record_id(form.metadata)) is None:
        raise UserError(STALE, field="reason")
    await svc.proposals.decline(proposal_id, user_id, form.raw(REASON_BLOCK, ProposalAction.REASON))


def review_changes(value: str) -> tuple[str, dict[str, object]]:
    """The quarterly review's button value, {"review": "2026-Q4", "changes": {term: value}}: its quarter and the
    terms the modal knows (anything else the click carries is left out: the modal validates what it shows)."""
    try:
        data = json.loads(value)
    except ValueError:
        data = None
    if not isinstance(data, dict) or not isinstance(data.get("changes"), dict):
        raise UserError(OLDER)
    changes: dict[str, object] = {
        str(term): v for term, v in data["changes"].items() if term in BY_TERM and isinstance(v, str | int | float)
    }
    return str(data.get("review") or "")[:20], changes


@clicked("review propose click")
async def handle_review_propose_click(svc: Services, click: Click) -> None:
    """The quarterly review's "Propose these changes": the proposal modal, prefilled with what the data proposes."""
    quarter, changes = review_changes(click.value)
    why = f"The quarterly review of {quarter} proposes these changes from last quarter's figures."
    await open_proposal(svc, click.trigger_id, click.user_id, prefill=changes, rationale=why, origin="review")


ACTIONS: Final[list[tuple[str, Listener]]] = [
    (ProposalAction.APPROVE, handle_approve_click),
    (ProposalAction.DECLINE, handle_decline_click),
    (Action.REVIEW_PROPOSE, handle_review_propose_click),
]
VIEWS: Final[list[tuple[ProposalCallback, Listener]]] = [
    (ProposalCallback.PROPOSE, handle_propose_submission),
    (ProposalCallback.DECLINE, handle_decline_submission),
]


def register(app: AsyncApp) -> None:
    for action, listener in ACTIONS:
        app.action(action)(listener)
    for callback, listener in VIEWS:
        app.view(callback)(listener)
