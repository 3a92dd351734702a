"""The action, block and callback ids of a proposal's modals and buttons (beside bot/ids.py, which holds the lead's
and the clocks'): the delivery renders the buttons, the handlers match on them."""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from bot.agreement.terms_input import FIELDS, RATIONALE


class ProposalAction(StrEnum):
    APPROVE = "agreement_approve"  # a head's DM: the value is the proposal's id
    DECLINE = "agreement_decline"
    TERM = "agreement_term_input"  # each term's input (its block is the term's)
    RATIONALE = "agreement_rationale_input"
    REASON = "agreement_decline_reason_input"


class ProposalCallback(StrEnum):
    PROPOSE = "agreement_propose_modal"
    DECLINE = "agreement_decline_modal"


def term_block(term: str) -> str:
    """A term's input block in the proposal modal: `agreement_term:accept.target`."""
    return f"agreement_term:{term}"


RATIONALE_BLOCK: Final = "agreement_rationale"
REASON_BLOCK: Final = "agreement_decline_reason"
PROPOSE_BLOCKS: Final = {**{f.term: term_block(f.term) for f in FIELDS}, RATIONALE: RATIONALE_BLOCK}
"""The modal's block for each field a UserError names."""
PROPOSAL_BUTTONS: Final = frozenset({ProposalAction.APPROVE, ProposalAction.DECLINE})
