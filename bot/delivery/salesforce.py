"""The write-back to Salesforce: `PATCH {instance}/services/data/vXX.X/sobjects/Lead/{Id}` with a token from the
OAuth 2.0 client-credentials flow of a connected app (`POST {instance}/services/oauth2/token`).

The token is kept in memory and fetched again when Salesforce answers 401 (it expired, or was revoked: one new
token, then the write is tried once more). `REQUEST_LIMIT_EXCEEDED` (Salesforce's rate limit: HTTP 403, or 429)
and 5xx back off; any other refusal (a field that does not exist, a converted lead, a deleted one) fails the row
with Salesforce's own `errorCode: message`, counted in /metrics."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta
from typing import Any

import aiohttp

from bot.delivery.crm import CrmWriter, again, message_of
from bot.delivery.worker import GiveUp
from bot.integrations.crm_outcomes import Fields

API_VERSION = "v61.0"
LIMITED_WAIT = timedelta(minutes=1)
"""How long a `REQUEST_LIMIT_EXCEEDED` waits when Salesforce says nothing more (its limits count per 24 hours)."""


class SalesforceWriter(CrmWriter):
    crm, name, waiting = "salesforce", "Salesforce", "Salesforce's request limit: waiting"
    limited_wait = LIMITED_WAIT

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._token: str | None = None
        self._token_lock = asyncio.Lock()

    async def _send(self, record: str, fields: Fields, queued_at: datetime) -> tuple[int, str | None, str]:
        url = f"{self._settings.salesforce_instance_url}/services/data/{API_VERSION}/sobjects/Lead/{record}"
        answer = await self._patch(url, fields, await self._access_token(queued_at), queued_at)
        if answer[0] == 401:  # the token expired or was revoked: one new token, one more try
            self._token = None
            answer = await self._patch(url, fields, await self._access_token(queued_at), queued_at)
        return answer

    def _limited(self, status: int, text: str) -> bool:
        return status == 429 or "REQUEST_LIMIT_EXCEEDED" in text

    def _hint(self, status: int, text: str) -> str:
        if "INVALID_FIELD" in text or "No such column" in text:
            return " (create Handoff's custom fields on Lead, or rename them in [salesforce.write])"
        if "CANNOT_UPDATE_CONVERTED_LEAD" in text:
            return " (the lead was converted: Salesforce no longer lets it change)"
        if status == 404:
            return " (the lead no longer exists in Salesforce: deleted or merged)"
        if status == 401:
            return " (a new token was refused too: check the connected app's run-as user)"
        return ""

    async def _access_token(self, queued_at: datetime) -> str:
        async with self._token_lock:  # one token request at a time, however many writes wait for it
            if self._token is not None:
                return self._token
            form = {
                "grant_type": "client_credentials",
                "client_id": self._settings.salesforce_client_id,
                "client_secret": self._settings.salesforce_client_secret,
            }
            url = f"{self._settings.salesforce_instance_url}/services/oauth2/token"
            now = self._clock.now()
            try:
                async with self._session().post(url, data=form) as response:
                    status, text = response.status, await response.text(errors="replace")
            except (aiohttp.ClientError, TimeoutError) as exc:
                again(f"Salesforce's token endpoint unreachable: {type(exc).__name__}", queued_at=queued_at,
                      now=now, wait=None)  # fmt: skip
            body = _json_or_none(text)
            token = body.get("access_token") if isinstance(body, dict) else None
            if status == 200 and isinstance(token, str) and token:
                self._token = token
                return token
            if status >= 500:
                again(f"Salesforce's token endpoint answered HTTP {status}", queued_at=queued_at, now=now, wait=None)
            if not isinstance(body, dict):  # another server's page (a 404, a login form): no retry will change it
                self._on_refused("salesforce", status)
                raise GiveUp(
                    f"{url} answered HTTP {status} with no OAuth answer ({message_of(text)[:100]}): check "
                    "SALESFORCE_INSTANCE_URL (your My Domain, https://yourcompany.my.salesforce.com)"
                )
            error = body.get("error_description") or body.get("error")
            self._on_refused("salesforce", status)
            raise GiveUp(
                f"Salesforce refused the client credentials (HTTP {status}: {str(error)[:200]}): check "
                "SALESFORCE_CLIENT_ID, SALESFORCE_CLIENT_SECRET and the connected app's client-credentials flow"
            )


def _json_or_none(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None
