"""A lead's outcome (a `crm_write` row's payload, see bot.lifecycle.outcomes) as the fields its CRM record gets.

Pure: the delivery (bot.delivery.crm) sends what these return. The owner is written as the rep's name in Slack
followed by their Slack id, so that a person reading the record knows who, and a report can still match on the id.
"""

from __future__ import annotations

from typing import Any

from bot.config.crm_write import CrmWrite

CLOSED = {"won": "won", "lost": "lost"}
MAX_TEXT = 255  # a single-line text property holds far more in HubSpot; Salesforce's text fields default to 255


def owner_text(owner: str | None, name: str | None) -> str | None:
    if owner is None:
        return None
    return f"{name} ({owner})" if name else owner


Fields = dict[str, str | bool]
"""A CRM record's fields as written: text, or a checkbox (Salesforce's HasOptedOutOfEmail)."""


def crm_fields(outcome: dict[str, Any], write: CrmWrite, *, owner: str | None) -> Fields:
    """The record's fields `outcome` sets, named as `write` says (a name turned off is left out). A `suppress`
    outcome sets the suppress part alone."""
    names = write.targets()
    event, stage = str(outcome.get("event")), str(outcome.get("stage"))
    if event == "suppress":
        return {names["suppress"]: write.suppressed()} if names["suppress"] else {}
    values: dict[str, str | None] = {"stage": stage, "owner": owner, "status": write.status_for(event)}
    if event == "rejected":
        values["reason"] = str(outcome.get("reason") or "")
        values["note"] = str(outcome.get("note") or "")
    if stage in CLOSED:
        values["outcome"] = CLOSED[stage]
    return {names[key]: value[:MAX_TEXT] for key, value in values.items() if names.get(key) and value is not None}
