"""The closed loop to marketing: every rejection, recycle and stage change POSTed to `[feedback] webhook_url`,
signed with HMAC-SHA256 over the exact body (`X-Handoff-Signature: sha256=<hex>`), retried through the outbox
until the receiver answers 2xx."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any

import aiohttp

from bot.outbox import Retry

SIGNATURE_HEADER = "X-Handoff-Signature"


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class FeedbackSender:
    def __init__(self, url: str, secret: str, session: Callable[[], aiohttp.ClientSession]) -> None:
        self._url = url
        self._secret = secret
        self._session = session

    async def __call__(self, payload: dict[str, Any]) -> None:
        body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
        headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(self._secret, body),
                   "User-Agent": "Handoff-feedback/1"}  # fmt: skip
        async with self._session().post(self._url, data=body, headers=headers) as response:
            if not 200 <= response.status < 300:
                # every answer but 2xx is retried: the receiver may be down or misconfigured for a while
                raise Retry(f"feedback webhook answered HTTP {response.status}")
