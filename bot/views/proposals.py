"""What people see of a proposal to change the agreement: the proposal modal, the decline modal, and the proposal's
post (in the leads channel, and in each head's DM with Approve / Decline), rendered from its current state."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.agreement.ids import RATIONALE_BLOCK, REASON_BLOCK, ProposalAction, ProposalCallback, term_block
from bot.agreement.proposals import CHANNEL, Form, Heads
from bot.agreement.terms_input import FIELDS, MOST_TYPED, RATIONALE_MOST, change_lines
from bot.config.team_file import HandoffConfig
from bot.views.lead_cards import Button
from message_templates import Renderer, cut, mrkdwn
from message_templates.wording import mention
from storage.models import AgreementProposal


def propose_modal(renderer: Renderer, form: Form, *, origin: str, rationale: str | None) -> dict[str, Any]:
    fields = [
        {"block": term_block(f.term), "label": f.label, "hint": f.hint, "initial": form.values.get(f.term, ""),
         "multiline": f.kind == "text", "max_length": 300 if f.kind == "text" else MOST_TYPED}
        for f in FIELDS
    ]  # fmt: skip
    return renderer.render(
        "modals/propose.json.j2", callback=ProposalCallback.PROPOSE, metadata=origin, version=form.version,
        fields=fields, term_action=ProposalAction.TERM, rationale_block=RATIONALE_BLOCK,
        rationale_action=ProposalAction.RATIONALE, rationale=(rationale or "")[:RATIONALE_MOST],
        rationale_max=RATIONALE_MOST,
    )  # fmt: skip


def decline_modal(renderer: Renderer, proposal: AgreementProposal) -> dict[str, Any]:
    return renderer.render(
        "modals/decline_proposal.json.j2", callback=ProposalCallback.DECLINE, metadata=str(proposal.id),
        summary=f"*Decline proposal #{proposal.id} by {mention(proposal.proposer)}*\n"
                "It changes nothing; the proposer and the channel read your reason.",
        reason_block=REASON_BLOCK, reason_action=ProposalAction.REASON,
    )  # fmt: skip


def _day(at: datetime | None, config: HandoffConfig) -> str:
    if at is None:
        return ""
    local = at.astimezone(config.tz)
    return f"{local:%a %b} {local.day}, {local:%H:%M %Z}"


def state_line(proposal: AgreementProposal, heads: Heads | None, config: HandoffConfig) -> str:
    """Where the proposal stands (escaped mrkdwn)."""
    if proposal.state == "approved":
        version = f"agreement version {proposal.version} is in force" if proposal.version else "nothing changed"
        return (
            f"✅ Approved by {mention(proposal.sales_approved_by)} and {mention(proposal.marketing_approved_by)}: "
            f"{version} since {_day(proposal.closed_at, config)}."
        )
    if proposal.state == "declined":
        return f"❌ Declined by {mention(proposal.declined_by)}: {mrkdwn(proposal.decline_reason, 1500)}"
    if proposal.state == "expired":
        return "⌛ Expired: nobody finished answering within 7 days. The agreement is unchanged."
    if heads is None:
        return "Waiting for the two heads, whom the team file does not name yet."
    done = [f"{mention(by)} ({side})" for side, by in
            (("sales", proposal.sales_approved_by), ("marketing", proposal.marketing_approved_by)) if by]  # fmt: skip
    pending = [mention(getattr(heads, side)) for side in ("sales", "marketing")
               if not getattr(proposal, f"{side}_approved_by")]  # fmt: skip
    open_until = f" · open until {_day(proposal.expires_at, config)}"
    if not done:
        return f"Needs the approval of {' and '.join(dict.fromkeys(pending))}{open_until}"
    return f"Approved by {', '.join(done)} · waiting for {' and '.join(dict.fromkeys(pending))}{open_until}"


def buttons_for(proposal: AgreementProposal, heads: Heads | None, to: str) -> list[Button]:
    """A head's DM while the proposal is open: Approve while their side waits, Decline until it is decided."""
    if proposal.state != "open" or heads is None or to == CHANNEL:
        return []
    pending = [s for s in heads.sides_of(to) if not getattr(proposal, f"{s}_approved_by")]
    approve = [Button("Approve", ProposalAction.APPROVE, "primary")] if pending else []
    return [*approve, Button("Decline", ProposalAction.DECLINE, "danger")] if heads.sides_of(to) else []


def proposal_message(
    renderer: Renderer,
    proposal: AgreementProposal,
    base_terms: dict[str, Any],
    heads: Heads | None,
    to: str,
    config: HandoffConfig,
) -> dict[str, Any]:
    headline = f"{mention(proposal.proposer)} proposes changing the agreement (proposal #{proposal.id}):"
    lines = change_lines(base_terms, proposal.changes)
    state = state_line(proposal, heads, config)
    fallback = cut(f"{headline} " + "; ".join(lines), 2900)  # escaped mrkdwn, as the blocks
    return renderer.render(
        "channel/proposal.json.j2", text=fallback, headline=headline, lines=lines,
        why=f"*Why:* {mrkdwn(proposal.rationale, 2900)}", state=state, value=str(proposal.id),
        buttons=buttons_for(proposal, heads, to),
    )  # fmt: skip
