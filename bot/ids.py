"""Every action, block and callback id the app sends to Slack, in one place. It lives in bot/ (not handlers/)
because the outbox worker renders the buttons and handlers match on them; templates receive them as values."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Final, NewType

from bot.lifecycle.stages import Stage

TimerId = NewType("TimerId", int)
"""An SLA timer's id, as the alarm buttons carry it: mypy keeps it apart from a lead's id."""


class Action(StrEnum):
    ACCEPT = "lead_accept"
    REJECT = "lead_reject"
    LOG_CONTACT = "lead_log_contact"  # the Log attempt button (named when it was Log contact: old posts still work)
    ATTEMPT_CHANNEL = "attempt_channel_select"
    ATTEMPT_OUTCOME = "attempt_outcome_select"
    ATTEMPT_NOTE = "attempt_note_input"
    ATTEMPT_ASSETS = "attempt_assets_select"  # the library's assets used (optional)
    REJECT_REASON = "reject_reason_select"
    REJECT_NOTE = "reject_note_input"
    SLA_REASSIGN = "sla_reassign"
    SLA_NUDGE = "sla_nudge"
    SLA_SNOOZE = "sla_snooze"
    REASSIGN_REP = "reassign_rep_select"
    REASSIGN_WHY = "reassign_why_input"
    SNOOZE_WHY = "snooze_why_input"
    QUALIFY = "lead_qualify"
    OPPORTUNITY = "lead_opportunity"
    WON = "lead_won"
    LOST = "lead_lost"
    RECYCLE = "lead_recycle"
    HISTORY = "lead_history"
    OPEN_RECORD = "lead_open_record"  # a link to the lead's CRM record: Slack opens the URL, the app only acks
    CAMPAIGN_ASSET = "campaign_open_asset"  # an asset's link under a campaign's launch: Slack opens it, the app acks
    MOVE_BANT = "move_bant_checks"
    MOVE_AMOUNT = "move_amount_input"
    MOVE_REASON = "move_reason_select"
    WIN_COMPANY = "win_company_input"
    WIN_AMOUNT = "win_amount_input"
    WIN_REP = "win_rep_select"
    WIN_MARKETERS = "win_marketers_select"
    WIN_CAMPAIGN = "win_campaign_input"
    SPEND_MONTH = "spend_month_input"
    SPEND_SOURCE = "spend_source_input"
    SPEND_AMOUNT = "spend_amount_input"
    HOME_SHOW_ALL = "home_show_all"
    HOME_PREVIOUS = "home_list_previous"
    HOME_NEXT = "home_list_next"
    HOME_AWAY = "home_away"  # a rep's Home: "I'm away" (until they are back)
    HOME_BACK = "home_back"  # a rep's Home: "I'm back"
    PASS = "lead_pass"  # routing: the rep a lead is assigned to passes it on to the next rep
    PASS_REASON = "pass_reason_input"
    REVIEW_PROPOSE = "review_propose"  # the quarterly review's "Propose these changes": opens /sla propose, prefilled


class Block(StrEnum):
    REJECT_REASON = "reject_reason"
    REJECT_NOTE = "reject_note"
    REASSIGN_REP = "reassign_rep"
    REASSIGN_WHY = "reassign_why"
    SNOOZE_WHY = "snooze_why"
    SPEND_MONTH = "spend_month"
    WIN_COMPANY = "win_company"
    WIN_AMOUNT = "win_amount"
    WIN_REP = "win_rep"
    WIN_MARKETERS = "win_marketers"
    WIN_CAMPAIGN = "win_campaign"
    MOVE_BANT = "move_bant"
    MOVE_AMOUNT = "move_amount"
    MOVE_REASON = "move_reason"
    SPEND_SOURCE = "spend_source"
    SPEND_AMOUNT = "spend_amount"
    ATTEMPT_CHANNEL = "attempt_channel"
    ATTEMPT_OUTCOME = "attempt_outcome"
    ATTEMPT_NOTE = "attempt_note"
    ATTEMPT_ASSETS = "attempt_assets"
    PASS_REASON = "pass_reason"


class Callback(StrEnum):
    REJECT = "lead_reject_modal"
    REASSIGN = "lead_reassign_modal"
    SNOOZE = "sla_snooze_modal"
    SPEND = "funnel_spend_modal"
    MOVE = "lead_move_modal"
    WIN = "manual_win_modal"
    HOME_LIST = "home_list_modal"
    ATTEMPT = "lead_attempt_modal"
    PASS = "lead_pass_modal"


REJECT_MODAL_IDS = {
    "callback": Callback.REJECT,
    "reason_block": Block.REJECT_REASON,
    "reason_action": Action.REJECT_REASON,
    "note_block": Block.REJECT_NOTE,
    "note_action": Action.REJECT_NOTE,
}

REASSIGN_MODAL_IDS = {
    "callback": Callback.REASSIGN,
    "rep_block": Block.REASSIGN_REP,
    "rep_action": Action.REASSIGN_REP,
    "why_block": Block.REASSIGN_WHY,
    "why_action": Action.REASSIGN_WHY,
}

# A Home list's "Show all" button (value: the list's name) and the modal's page buttons (value: "name:start").
HOME_LIST_IDS = {
    "callback": Callback.HOME_LIST,
    "show_all": Action.HOME_SHOW_ALL,
    "previous": Action.HOME_PREVIOUS,
    "next": Action.HOME_NEXT,
}

ATTEMPT_MODAL_IDS = {
    "callback": Callback.ATTEMPT,
    **{f"{name}_block": Block[f"ATTEMPT_{name.upper()}"] for name in ("channel", "outcome", "note", "assets")},
    **{f"{name}_action": Action[f"ATTEMPT_{name.upper()}"] for name in ("channel", "outcome", "note", "assets")},
}
PASS_MODAL_IDS = {"callback": Callback.PASS, "reason_block": Block.PASS_REASON, "reason_action": Action.PASS_REASON}

SNOOZE_MODAL_IDS = {"callback": Callback.SNOOZE, "why_block": Block.SNOOZE_WHY, "why_action": Action.SNOOZE_WHY}

SPEND_MODAL_IDS = {
    "callback": Callback.SPEND,
    "month_block": Block.SPEND_MONTH,
    "month_action": Action.SPEND_MONTH,
    "source_block": Block.SPEND_SOURCE,
    "source_action": Action.SPEND_SOURCE,
    "amount_block": Block.SPEND_AMOUNT,
    "amount_action": Action.SPEND_AMOUNT,
}

MOVE_MODAL_IDS = {
    "callback": Callback.MOVE,
    "bant_block": Block.MOVE_BANT,
    "bant_action": Action.MOVE_BANT,
    "amount_block": Block.MOVE_AMOUNT,
    "amount_action": Action.MOVE_AMOUNT,
    "reason_block": Block.MOVE_REASON,
    "reason_action": Action.MOVE_REASON,
}

# The button that moves a lead to each stage, and the stage it moves to.
MOVE_BUTTONS = {
    Action.QUALIFY: Stage.SQL,
    Action.OPPORTUNITY: Stage.OPPORTUNITY,
    Action.WON: Stage.WON,
    Action.LOST: Stage.LOST,
    Action.RECYCLE: Stage.RECYCLED,
}
# What each button's value is. A lead's post carries the lead's id; an SLA alarm (a DM, a manager's Home) carries
# the timer's, so that Snooze and Reassign act on that one escalation; Home's list buttons carry a list's name.
LEAD_BUTTONS: Final = frozenset(
    {Action.ACCEPT, Action.REJECT, Action.LOG_CONTACT, Action.HISTORY, Action.PASS, *MOVE_BUTTONS}
)
TIMER_BUTTONS: Final = frozenset({Action.SLA_REASSIGN, Action.SLA_SNOOZE, Action.SLA_NUDGE})
LIST_BUTTONS: Final = frozenset({Action.HOME_SHOW_ALL, Action.HOME_PREVIOUS, Action.HOME_NEXT})
AWAY_BUTTONS: Final = frozenset({Action.HOME_AWAY, Action.HOME_BACK})
"""A rep's away toggle on Home: the value is unused (the person clicking is the one away or back)."""
LINK_BUTTONS: Final = frozenset({Action.OPEN_RECORD, Action.CAMPAIGN_ASSET})
"""Buttons with a URL: Slack opens it and still sends the click, which is acked and nothing more."""

BANT = (("budget", "Budget"), ("authority", "Authority"), ("need", "Need"), ("timeline", "Timeline"))

WIN_MODAL_IDS = {
    "callback": Callback.WIN,
    **{f"{name}_block": Block[f"WIN_{name.upper()}"] for name in ("company", "amount", "rep", "marketers", "campaign")},
    **{
        f"{name}_action": Action[f"WIN_{name.upper()}"]
        for name in ("company", "amount", "rep", "marketers", "campaign")
    },
}


RECORD_ID = re.compile(r"[1-9][0-9]{0,17}")  # ASCII digits (str.isdigit() also takes "²"), within a BIGINT


def record_id(text: str) -> int | None:
    """The lead or clock id a button's value or a modal's private_metadata carries; None for anything else."""
    return int(text) if RECORD_ID.fullmatch(text) else None
