"""The write-back: a lead's outcome written to its record in the CRM it came from, one `crm_write` row at a time.

Like every delivery, at least once: a 429 waits for its Retry-After (and holds back the CRM's other writes until
then, rather than spending the rate limit on answers that will be 429 too), a 5xx or a network error backs off and
is tried again for `GIVE_UP_AFTER`, and any other 4xx fails the row for good with the CRM's own reason kept on it,
counted in /metrics (`handoff_crm_refusals_total`). Writing the same properties twice is harmless, so a retry after
an answer that was lost changes nothing."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, ClassVar, NoReturn, Protocol
from urllib.parse import quote

import aiohttp

from bot.clock import Clock
from bot.config.crm_write import CrmWrite, WriteBackSettings
from bot.delivery.retry_after import wait_of
from bot.delivery.worker import GiveUp, Retry
from bot.integrations.crm_outcomes import Fields, crm_fields, owner_text
from storage.outbox import Claimed

log = logging.getLogger(__name__)

GIVE_UP_AFTER = timedelta(days=3)
MAX_WAIT = timedelta(hours=1)
RATE_LIMITED_WAIT = timedelta(seconds=10)
"""A 429 without a Retry-After waits this long: HubSpot's burst limit counts over a rolling 10 seconds."""


class Writer(Protocol):
    async def __call__(self, outcome: dict[str, Any], *, owner: str | None, queued_at: datetime) -> None: ...


class CrmWrites:
    """Routes each `crm_write` row to its CRM's writer, with the owner's name looked up in Slack."""

    def __init__(self, writers: dict[str, Writer], name: Callable[[str], Awaitable[str | None]]) -> None:
        self._writers = writers
        self._name = name

    async def __call__(self, row: Claimed) -> None:
        crm = str(row.payload.get("crm"))
        writer = self._writers.get(crm)
        if writer is None:
            raise GiveUp(f"no write-back to {crm} is configured any more (its API credentials are not set)")
        owner = row.payload.get("owner")
        shown = owner_text(owner, await self._name(owner)) if isinstance(owner, str) else None
        await writer(row.payload, owner=shown, queued_at=row.created_at)


class CrmWriter:
    """What writing to every CRM shares: the rate-limit gate, the outcome as fields, and what each answer means. A
    CRM's writer says how a write is sent (`_send`), when an answer is its rate limit, and what to hint."""

    crm: ClassVar[str]
    name: ClassVar[str]
    waiting: ClassVar[str]
    """The error kept on a row held back while the CRM's rate limit lasts."""
    limited_wait: ClassVar[timedelta]
    """How long a rate-limited answer without a Retry-After waits."""

    def __init__(
        self,
        settings: WriteBackSettings,
        write: CrmWrite,
        session: Callable[[], aiohttp.ClientSession],
        clock: Clock,
        on_refused: Callable[[str, int], None],
    ) -> None:
        self._settings = settings
        self._write = write
        self._session = session
        self._clock = clock
        self._on_refused = on_refused
        self._closed_until: datetime | None = None

    async def __call__(self, outcome: dict[str, Any], *, owner: str | None, queued_at: datetime) -> None:
        now = self._clock.now()
        if self._closed_until is not None and now < self._closed_until:
            raise Retry(self.waiting, after=self._closed_until - now)
        fields = crm_fields(outcome, self._write, owner=owner)
        if not fields:
            return  # every field this outcome sets is turned off in the CRM's [….write]
        status, retry_after, text = await self._send(quote(str(outcome.get("record")), safe=""), fields, queued_at)
        if 200 <= status < 300:
            return
        reason = f"{self.name} answered HTTP {status}: {message_of(text)}"
        if self._limited(status, text):
            wait = wait_of(retry_after, now=now, cap=MAX_WAIT) or self.limited_wait
            self._closed_until = now + wait
            again(reason, queued_at=queued_at, now=now, wait=wait)
        if status >= 500:
            again(reason, queued_at=queued_at, now=now, wait=None)
        self._on_refused(self.crm, status)
        raise GiveUp(reason + self._hint(status, text))

    async def _send(self, record: str, fields: Fields, queued_at: datetime) -> tuple[int, str | None, str]:
        """Write `fields` to `record` (already percent-encoded): (status, Retry-After, the answer's text)."""
        raise NotImplementedError

    def _limited(self, status: int, text: str) -> bool:
        return status == 429

    def _hint(self, status: int, text: str) -> str:
        return ""

    async def _patch(
        self, url: str, body: dict[str, Any], token: str, queued_at: datetime
    ) -> tuple[int, str | None, str]:
        try:
            async with self._session().patch(url, json=body, headers={"Authorization": f"Bearer {token}"}) as response:
                text = await response.text(errors="replace")  # a proxy's error page, in any encoding
                return response.status, response.headers.get("Retry-After"), text[:2000]
        except (aiohttp.ClientError, TimeoutError) as exc:
            again(
                f"{self.name} unreachable: {type(exc).__name__}", queued_at=queued_at, now=self._clock.now(), wait=None
            )


class HubSpotWriter(CrmWriter):
    """`PATCH crm/v3/objects/contacts/{id}` with a private app's token."""

    crm, name, waiting = "hubspot", "HubSpot", "HubSpot's rate limit: waiting for its Retry-After"
    limited_wait = RATE_LIMITED_WAIT

    async def _send(self, record: str, fields: Fields, queued_at: datetime) -> tuple[int, str | None, str]:
        url = f"{self._settings.hubspot_api_url}crm/v3/objects/contacts/{record}"
        return await self._patch(url, {"properties": fields}, self._settings.hubspot_access_token, queued_at)

    def _hint(self, status: int, text: str) -> str:
        if status == 401:
            return " (HUBSPOT_ACCESS_TOKEN was refused: create a new token in the private app and restart)"
        if status == 403:
            return " (the private app needs the crm.objects.contacts.write scope)"
        if status == 404:
            return " (the contact no longer exists in HubSpot: deleted or merged)"
        if "does not exist" in text:
            return " (run `handoff hubspot setup` to create Handoff's properties)"
        return ""


def again(reason: str, *, queued_at: datetime, now: datetime, wait: timedelta | None) -> NoReturn:
    """Try the write again later, or give up once it has been owed for `GIVE_UP_AFTER`."""
    if now - queued_at >= GIVE_UP_AFTER:
        raise GiveUp(f"{reason}; gave up after retrying for {GIVE_UP_AFTER.days} days")
    raise Retry(reason, after=wait)


def message_of(text: str) -> str:
    """The CRM's own words for a refusal (HubSpot's `message`; Salesforce's first error's `errorCode: message`),
    else the start of its answer."""
    try:
        body = json.loads(text)
    except (ValueError, RecursionError):  # not JSON, or JSON nested deeper than the parser goes
        return text[:300] or "(no body)"
    if isinstance(body, list) and body and isinstance(body[0], dict):  # Salesforce: [{"message", "errorCode"}]
        return f"{body[0].get('errorCode', '')}: {body[0].get('message', '')}"[:300]
    message = body.get("message") if isinstance(body, dict) else None
    if isinstance(message, str):
        return message[:300]
    return text[:300]
