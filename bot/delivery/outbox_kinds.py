"""The outbox kinds: what a queued row asks the worker to bring up to date, and the key each coalesces on.

Every module that queues or delivers uses these builders, so a kind's name and key are written once.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage.outbox import Outgoing, enqueue_many, key_for, last_part
from storage.sla import mark_once

LEAD_POST = "lead_post"  # the lead's one post in the channel: posted, then updated in place
SLA_NOTICE = "sla_notice"  # an SLA alarm (DM or thread reply), re-rendered from current state
WIN_POST = "win_post"  # the joint-win celebration of a won lead
FEEDBACK = "feedback"  # one outcome POSTed to marketing's webhook (never coalesced)
ANNOUNCEMENT = "announcement"  # a one-off channel post whose content is fixed when queued
CRM_WRITE = "crm_write"  # one outcome written to the lead's CRM record (never coalesced; a lead's go in order)
PROPOSAL_POST = "proposal_post"  # a proposal to change the agreement: its channel post or a head's DM, kept current
CONTENT_REQUEST = "content_request"  # a content request's post in the requests channel (kept current), its DMs
ALL = (LEAD_POST, SLA_NOTICE, WIN_POST, FEEDBACK, ANNOUNCEMENT, CRM_WRITE, PROPOSAL_POST, CONTENT_REQUEST)
LANES = (tuple(kind for kind in ALL if kind not in {FEEDBACK, CRM_WRITE}), (FEEDBACK,), (CRM_WRITE,))
"""What the outbox delivers in separate loops: Slack, marketing's webhook and the CRMs (a slow receiver, or a CRM's
rate limit, holds back only its own)."""


def lead_post(lead_id: int) -> Outgoing:
    return Outgoing(LEAD_POST, key_for(LEAD_POST, lead_id), lead_id)


def sla_notice(notice_id: int) -> Outgoing:
    return Outgoing(SLA_NOTICE, key_for(SLA_NOTICE, notice_id))


def notice_id_of(key: str) -> int:
    return int(last_part(key))


def win_post(lead_id: int) -> Outgoing:
    return Outgoing(WIN_POST, key_for(WIN_POST, lead_id), lead_id)


def feedback(lead_id: int, payload: dict[str, Any]) -> Outgoing:
    return Outgoing(FEEDBACK, key_for(FEEDBACK, lead_id, uuid.uuid4().hex), lead_id, payload)


def crm_write(lead_id: int, payload: dict[str, Any]) -> Outgoing:
    """Keyed by the lead alone: a lead's writes are delivered one at a time, oldest first (see storage.outbox)."""
    return Outgoing(CRM_WRITE, key_for(CRM_WRITE, lead_id), lead_id, payload)


def proposal_post(proposal_id: int, to: str) -> Outgoing:
    """`to`: "channel" (the leads channel's post) or a head's user id (their DM with the buttons)."""
    return Outgoing(
        PROPOSAL_POST, key_for(PROPOSAL_POST, proposal_id, to), None, {"proposal_id": proposal_id, "to": to}
    )


def announcement(
    key: str,
    title: str,
    lines: list[str],
    footer: str,
    channel: str | None = None,
    button: dict[str, str] | None = None,
    *,
    link: dict[str, str] | None = None,
    links: list[dict[str, str]] | None = None,
    thread_ts: str | None = None,
) -> Outgoing:
    """A channel post (or a DM: `channel` a user id); `button` ({"text", "action_id", "value"}) adds one button
    under it, `link` ({"text", "action_id", "url"}) a URL button beside it; `links` ({"line", "text", "action_id",
    "url"}, at most 10) are lines of mrkdwn each with a URL button; `thread_ts` posts it in that thread."""
    payload: dict[str, Any] = {"title": title, "lines": lines, "footer": footer}
    if channel:
        payload["channel"] = channel
    if button:
        payload["button"] = button
    if link:
        payload["link"] = link
    if thread_ts:
        payload["thread_ts"] = thread_ts
    if links:
        payload["links"] = links
    return Outgoing(ANNOUNCEMENT, key_for(ANNOUNCEMENT, key), None, payload)


async def announce_once(session: AsyncSession, row: Outgoing, *, mark: str, now: datetime) -> bool:
    """Queue a scheduled announcement unless `mark` was already made; the mark and the row commit together, so
    it is posted once however often the job runs and however many replicas run it."""
    if not await mark_once(session=session, key=mark, at=now):
        return False
    await enqueue_many(session=session, rows=[row], now=now)
    return True


def content_request(request_id: int, to: str = "channel", event: str = "post") -> Outgoing:
    """`to`: "channel" (its post, updated in place; `event` "post") or "thread" (a reply under it), or a user id
    (a DM about `event`: warn, breach, delivered, declined)."""
    payload = {"request_id": request_id, "to": to, "event": event}
    return Outgoing(CONTENT_REQUEST, key_for(CONTENT_REQUEST, request_id, to, event), None, payload)
