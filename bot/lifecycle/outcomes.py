"""What the outside hears about a lead's outcome, queued in the transaction that decides it: marketing's webhook
(`[feedback]`), and the lead's record in the CRM it came from (the write-back), each through the outbox.

A write-back row carries the outcome as it was decided, not the lead's state when it is delivered: an accept and
a later rejection are two writes, delivered in that order (their rows share a key, and the outbox delivers a key's
rows oldest first), never merged into one."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config.team import Team
from bot.delivery import outbox_kinds as kinds
from storage import outbox
from storage.models import Lead

MARKETING_EVENTS = frozenset({"rejected", "suppress", "stage_changed"})
"""The outcomes marketing's webhook hears about (accepting is the SLA working as agreed, not news to marketing)."""
SUPPRESS = "suppress"
"""What follows a rejection whose reason suppresses (`[reject] reasons`, `suppress = true`): the prospect leaves
future campaigns. Queued with the rejection, so a replayed rejection (which changes nothing) queues none."""


class Outcomes:
    def __init__(self, team: Team, clock: Clock, writes_to: Collection[str] = ()) -> None:
        self._team = team
        self._clock = clock
        self._writes_to = frozenset(writes_to)

    async def queue(self, session: AsyncSession, lead: Lead, event: str, **data: object) -> None:
        """One outcome of `lead` (its row as changed): one delivery to each place that hears about it. A rejection
        whose reason suppresses is followed by a `suppress` outcome, to the same places, in the same transaction."""
        now = self._clock.now()
        rows = self._rows(lead, event, now, data)
        if event == "rejected" and data.get("reason") in self._team.config.reject.suppressing:
            rows += self._rows(lead, SUPPRESS, now, {"reason": data.get("reason"), "by": data.get("by")})
        if rows:
            await outbox.enqueue_many(session=session, rows=rows, now=now, coalesce=False)

    def _rows(self, lead: Lead, event: str, now: datetime, data: dict[str, object]) -> list[outbox.Outgoing]:
        rows: list[outbox.Outgoing] = []
        if event in MARKETING_EVENTS and self._team.config.feedback.webhook_url is not None:
            rows.append(kinds.feedback(lead.id, self._feedback(lead, event, now, data)))
        if lead.crm in self._writes_to and lead.crm_id:
            rows.append(kinds.crm_write(lead.id, {
                "crm": lead.crm, "record": lead.crm_id, "event": event, "stage": lead.stage, "owner": lead.owner,
                "at": now.isoformat(), **{k: v for k, v in data.items() if v is not None},
            }))  # fmt: skip
        return rows

    @staticmethod
    def _feedback(lead: Lead, event: str, now: datetime, data: dict[str, object]) -> dict[str, object]:
        return {
            "event": event,
            "lead": {"id": lead.id, "external_id": lead.external_id, "email": lead.email, "source": lead.source,
                     "campaign": lead.campaign},
            "stage": lead.stage,
            "at": now.isoformat(),
            **data,
        }  # fmt: skip
