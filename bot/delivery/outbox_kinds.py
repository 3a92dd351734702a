"""The outbox kinds: what a queued row asks the worker to bring up to date, and the key each coalesces on.

Every module that queues or delivers uses these builders, so a kind's name and key are written once.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage.outbox import Outgoing, enqueue_many
from storage.sla import mark_once

LEAD_POST = "lead_post"  # the lead's one post in the channel: posted, then updated in place
SLA_NOTICE = "sla_notice"  # an SLA alarm (DM or thread reply), re-rendered from current state
WIN_POST = "win_post"  # the joint-win celebration of a won lead
FEEDBACK = "feedback"  # one outcome POSTed to marketing's webhook (never coalesced)
ANNOUNCEMENT = "announcement"  # a one-off channel post whose content is fixed when queued
ALL = (LEAD_POST, SLA_NOTICE, WIN_POST, FEEDBACK, ANNOUNCEMENT)
LANES = (tuple(kind for kind in ALL if kind != FEEDBACK), (FEEDBACK,))
"""What the outbox delivers in separate loops: Slack, and marketing's webhook (a slow receiver holds only its own)."""


def lead_post(lead_id: int) -> Outgoing:
    return Outgoing(LEAD_POST, f"{LEAD_POST}:{lead_id}", lead_id)


def sla_notice(notice_id: int) -> Outgoing:
    return Outgoing(SLA_NOTICE, f"{SLA_NOTICE}:{notice_id}")


def notice_id_of(key: str) -> int:
    return int(key.rsplit(":", 1)[1])


def win_post(lead_id: int) -> Outgoing:
    return Outgoing(WIN_POST, f"{WIN_POST}:{lead_id}", lead_id)


def feedback(lead_id: int, payload: dict[str, Any]) -> Outgoing:
    return Outgoing(FEEDBACK, f"{FEEDBACK}:{lead_id}:{uuid.uuid4().hex}", lead_id, payload)


def announcement(key: str, title: str, lines: list[str], footer: str, channel: str | None = None) -> Outgoing:
    payload: dict[str, Any] = {"title": title, "lines": lines, "footer": footer}
    if channel:
        payload["channel"] = channel
    return Outgoing(ANNOUNCEMENT, f"{ANNOUNCEMENT}:{key}", None, payload)


async def announce_once(session: AsyncSession, row: Outgoing, *, mark: str, now: datetime) -> bool:
    """Queue a scheduled announcement unless `mark` was already made; the mark and the row commit together, so
    it is posted once however often the job runs and however many replicas run it."""
    if not await mark_once(session=session, key=mark, at=now):
        return False
    await enqueue_many(session=session, rows=[row], now=now)
    return True
