"""History in a backfill: the optional columns of `handoff import` that let an imported lead keep its dates and
its stage, so a backfill lands in its own months and stages instead of "received today".

    received_at   when marketing sent the lead (2026-10-03, 2026-10-03 14:20, or ISO 8601 with an offset; a time
                  without an offset is in the team's timezone)
    stage         mql (default), sal, sql, opportunity, won, lost, rejected or recycled
    owner         the rep's Slack user id (for rejected: who rejected it)
    decided_at    when the lead reached its stage (required with any stage but mql)
    amount        the opportunity or won amount (1250, "$12,000.50")
    reason        why it was rejected, lost or recycled

A row with any of them is history: it is never posted and starts no SLA clock (see LeadService.ingest).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.config.fields import USER_ID
from bot.errors import UserError
from bot.lifecycle.money import parse_amount
from bot.lifecycle.stages import LIFECYCLE, MOVE_TARGETS, Stage

COLUMNS = ("received_at", "stage", "owner", "decided_at", "amount", "reason")
STAGES = tuple(Stage)
MOVED = MOVE_TARGETS  # stages a lead reaches by a move, with a `{stage}_at`
WITH_AMOUNT = MOVED
WITH_REASON = (Stage.REJECTED, Stage.LOST, Stage.RECYCLED)
SKEW = timedelta(minutes=5)
_TIME = re.compile(r"[0-9T:+\-. Z]{8,40}")


class BadHistory(ValueError):
    """A history cell that cannot be right: `field: problem`, as the import reports it."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")


def parse_time(text: str, *, field: str, tz: ZoneInfo) -> datetime:
    cleaned = text.strip()
    try:
        if not _TIME.fullmatch(cleaned):
            raise ValueError
        value = datetime.fromisoformat(cleaned)
        value = value.replace(tzinfo=tz) if value.tzinfo is None else value
        return value.astimezone(UTC)
    except (ValueError, OverflowError):  # OverflowError: year 1 at +14:00 has no UTC equivalent
        example = "write it like 2026-10-03 or 2026-10-03 14:20"
        raise BadHistory(field, f"{cleaned[:40]!r} is not a date or time: {example}") from None


@dataclass(frozen=True)
class History:
    received_at: datetime
    stage: str
    owner: str | None
    decided_at: datetime | None
    amount_cents: int | None
    reason: str | None

    def columns(self) -> dict[str, Any]:
        """The lead's column values for this history (beside its identity and contact fields)."""
        values: dict[str, Any] = {"stage": self.stage, "received_at": self.received_at, "quiet": True}
        if self.stage == Stage.MQL:
            return values
        values["decided_at"] = self.decided_at
        values["decided_by"] = self.owner or "import"
        if self.stage == Stage.REJECTED:
            values["reject_reason"] = self.reason or "not given"
            return values
        values["owner"] = self.owner
        column = LIFECYCLE[Stage(self.stage)].reached_at
        if column is not None:
            values[column] = self.decided_at
        if self.stage == Stage.LOST:
            values["lost_reason"] = self.reason or "not given"
        values["amount_cents"] = self.amount_cents
        return values

    def event(self, lead_id: int) -> dict[str, Any] | None:
        """The timeline event of the decision that put the lead in its stage (none for an open MQL)."""
        if self.stage == Stage.MQL or self.decided_at is None:
            return None
        data: dict[str, Any] = {"imported": True}
        if self.stage == Stage.SAL:
            kind = "accepted"
        elif self.stage == Stage.REJECTED:
            kind, data["reason"] = "rejected", self.reason or "not given"
        else:
            kind = "moved"
            data.update({"from": "mql", "to": self.stage, "via": "import"})
            if self.amount_cents is not None:
                data["amount_cents"] = self.amount_cents
            if self.reason:
                data["reason"] = self.reason
        return {"lead_id": lead_id, "kind": kind, "actor": self.owner or "import", "at": self.decided_at, "data": data}


def parse_history(row: Mapping[str, Any], *, tz: ZoneInfo, now: datetime) -> History | None:
    """The row's history, or None when it has none (a new MQL, received now). Raises BadHistory."""
    cells = {c: str(row.get(c) or "").strip() for c in COLUMNS}
    if not any(cells.values()):
        return None
    if not cells["received_at"]:
        raise BadHistory("received_at", f"is required with {', '.join(COLUMNS[1:-1])} or {COLUMNS[-1]}")
    received = parse_time(cells["received_at"], field="received_at", tz=tz)
    if received > now + SKEW:
        raise BadHistory("received_at", f"{cells['received_at']} is in the future")
    stage = (cells["stage"] or "mql").lower()
    if stage not in STAGES:
        raise BadHistory(
            "stage", f"{cells['stage'][:40]!r} is not a stage: use {', '.join(STAGES[:-1])} or {STAGES[-1]}"
        )
    owner = cells["owner"] or None
    if owner is not None and not USER_ID.fullmatch(owner):
        raise BadHistory("owner", f"{owner[:40]!r} is not a Slack user id (U…)")
    if stage == Stage.MQL:
        for column, problem in (
            ("owner", "an MQL has no owner yet: give its stage (sal or later)"),
            ("decided_at", "an MQL is not decided yet: give its stage (sal or later)"),
            ("amount", "an MQL has no amount yet: give its stage (sql or later)"),
            ("reason", "only a rejected, lost or recycled lead has a reason"),
        ):
            if cells[column]:
                raise BadHistory(column, problem)
        return History(received, "mql", None, None, None, None)
    if not cells["decided_at"]:
        raise BadHistory("decided_at", f"is required with stage {stage} (when the lead reached it)")
    decided = parse_time(cells["decided_at"], field="decided_at", tz=tz)
    if decided > now + SKEW:
        raise BadHistory("decided_at", f"{cells['decided_at']} is in the future")
    if decided < received:
        raise BadHistory("decided_at", f"{cells['decided_at']} is before received_at ({cells['received_at']})")
    amount: int | None = None
    if cells["amount"]:
        if stage not in WITH_AMOUNT:
            raise BadHistory("amount", f"a lead at stage {stage} has no amount yet (sql or later)")
        try:
            amount = parse_amount(cells["amount"])
        except UserError as exc:
            raise BadHistory("amount", exc.message) from None
    reason = cells["reason"] or None
    if reason is not None:
        if stage not in WITH_REASON:
            raise BadHistory("reason", "only a rejected, lost or recycled lead has a reason")
        if len(reason) > 100:
            raise BadHistory("reason", "is longer than 100 characters")
    return History(received, stage, owner, decided, amount, reason)
