"""The closed loop to marketing: every rejection, recycle and stage change POSTed to `[feedback] webhook_url`,
retried through the outbox until the receiver answers 2xx, and signed as Standard Webhooks sign:

- `webhook-id`: the delivery's id (its outbox key), the same on every retry, so the receiver can deduplicate;
- `webhook-timestamp`: when this attempt was sent (Unix seconds), so the receiver can refuse replays;
- `webhook-signature`: `v1,<base64 HMAC-SHA256 over "{id}.{timestamp}.{body}">`, keyed with FEEDBACK_SECRET.

The older `X-Handoff-Signature: sha256=<hex HMAC-SHA256 of the body>` is still sent for one release.

A receiver answering anything but 2xx (or not answering) is tried again with back-off, after its `Retry-After`
when it sends one, for `GIVE_UP_AFTER`; then the delivery fails for good. `410 Gone` fails it at once: the
receiver says the endpoint is gone for good. Either way the outbox logs it once and counts it as failed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, NoReturn

import aiohttp

from bot.clock import Clock
from bot.delivery.retry_after import wait_of
from bot.delivery.worker import GiveUp, Retry

SIGNATURE_HEADER = "X-Handoff-Signature"  # deprecated: covers neither a timestamp nor an id
ID_HEADER, TIMESTAMP_HEADER, SIGNATURE_V1_HEADER = "webhook-id", "webhook-timestamp", "webhook-signature"
GIVE_UP_AFTER = timedelta(days=3)
"""How long a delivery is retried before it fails for good (as long as HubSpot retries its own webhooks)."""
MAX_WAIT = timedelta(hours=1)
"""The longest a receiver's Retry-After is waited for."""


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def sign_v1(secret: str, delivery_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{delivery_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(secret.encode(), signed, hashlib.sha256).digest()).decode()


class FeedbackSender:
    def __init__(self, url: str, secret: str, session: Callable[[], aiohttp.ClientSession], clock: Clock) -> None:
        self._url = url
        self._secret = secret
        self._session = session
        self._clock = clock

    async def __call__(self, payload: dict[str, Any], *, delivery_id: str, queued_at: datetime) -> None:
        body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
        timestamp = int(self._clock.now().timestamp())  # this attempt's: a retry is stamped afresh
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Handoff-feedback/1",
            ID_HEADER: delivery_id,
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_V1_HEADER: sign_v1(self._secret, delivery_id, timestamp, body),
            SIGNATURE_HEADER: sign(self._secret, body),
        }
        try:
            async with self._session().post(self._url, data=body, headers=headers) as response:
                status, wait = response.status, self._wait(response.headers.get("Retry-After"))
        except (aiohttp.ClientError, TimeoutError) as exc:
            self._again(f"feedback webhook unreachable: {type(exc).__name__}", queued_at, None)
        if 200 <= status < 300:
            return
        if status == 410:
            raise GiveUp("feedback webhook answered HTTP 410 Gone: the receiver takes no more deliveries")
        # any other answer is retried: the receiver may be down or misconfigured for a while
        self._again(f"feedback webhook answered HTTP {status}", queued_at, wait)

    def _again(self, reason: str, queued_at: datetime, wait: timedelta | None) -> NoReturn:
        """Retry later, or give up once the delivery has been owed for `GIVE_UP_AFTER`."""
        if self._clock.now() - queued_at >= GIVE_UP_AFTER:
            raise GiveUp(f"{reason}; gave up after retrying for {GIVE_UP_AFTER.days} days")
        raise Retry(reason, after=wait)

    def _wait(self, value: str | None) -> timedelta | None:
        return wait_of(value, now=self._clock.now(), cap=MAX_WAIT)
