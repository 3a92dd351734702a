"""Every action, block and callback id the app sends to Slack, in one place. It lives in bot/ (not handlers/)
because the outbox worker renders the buttons and handlers match on them; templates receive them as values."""

from __future__ import annotations

from enum import StrEnum


class Action(StrEnum):
    ACCEPT = "lead_accept"
    REJECT = "lead_reject"
    LOG_CONTACT = "lead_log_contact"
    REJECT_REASON = "reject_reason_select"
    REJECT_NOTE = "reject_note_input"


class Block(StrEnum):
    REJECT_REASON = "reject_reason"
    REJECT_NOTE = "reject_note"


class Callback(StrEnum):
    REJECT = "lead_reject_modal"


REJECT_MODAL_IDS = {
    "callback": Callback.REJECT,
    "reason_block": Block.REJECT_REASON,
    "reason_action": Action.REJECT_REASON,
    "note_block": Block.REJECT_NOTE,
    "note_action": Action.REJECT_NOTE,
}
