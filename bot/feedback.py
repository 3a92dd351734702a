"""The closed loop to marketing: every rejection, recycle and stage change POSTed to `[feedback] webhook_url`,
retried through the outbox until the receiver answers 2xx, and signed as Standard Webhooks sign:

- `webhook-id`: the delivery's id (its outbox key), the same on every retry, so the receiver can deduplicate;
- `webhook-timestamp`: when this attempt was sent (Unix seconds), so the receiver can refuse replays;
- `webhook-signature`: `v1,<base64 HMAC-SHA256 over "{id}.{timestamp}.{body}">`, keyed with FEEDBACK_SECRET.

The older `X-Handoff-Signature: sha256=<hex HMAC-SHA256 of the body>` is still sent for one release.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any

import aiohttp

from bot.clock import Clock
from bot.outbox import Retry

SIGNATURE_HEADER = "X-Handoff-Signature"  # deprecated: covers neither a timestamp nor an id
ID_HEADER, TIMESTAMP_HEADER, SIGNATURE_V1_HEADER = "webhook-id", "webhook-timestamp", "webhook-signature"


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

    async def __call__(self, payload: dict[str, Any], *, delivery_id: str) -> None:
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
        async with self._session().post(self._url, data=body, headers=headers) as response:
            if not 200 <= response.status < 300:
                # every answer but 2xx is retried: the receiver may be down or misconfigured for a while
                raise Retry(f"feedback webhook answered HTTP {response.status}")
