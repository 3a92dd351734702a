"""`handoff hubspot setup` and `handoff hubspot check`: the contact properties the write-back needs.

`setup` creates each of Handoff's own properties that is missing (a 409 means another run made it meanwhile: fine),
so running it twice changes nothing. `check` only reads, and exits 1 when something the write-back needs is
missing: a property, or a lead status option that `[hubspot.write]` names but HubSpot's `hs_lead_status` lacks."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import aiohttp

from bot.config.crm_write import HubSpotWrite, WriteBackSettings
from bot.errors import ConfigError

LABELS = {
    "reason": ("Handoff reject reason", "text"),
    "note": ("Handoff reject note", "textarea"),
    "owner": ("Handoff owner", "text"),
    "stage": ("Handoff stage", "text"),
    "outcome": ("Handoff outcome", "text"),
    "suppress": ("Handoff suppress from campaigns", "text"),
}
GROUP = "contactinformation"


def _definition(name: str, write: HubSpotWrite) -> dict[str, Any]:
    parts = {target: part for part, target in write.targets().items()}
    label, field_type = LABELS.get(parts.get(name, ""), (name.replace("_", " ").capitalize(), "text"))
    return {"name": name, "label": label, "type": "string", "fieldType": field_type, "groupName": GROUP,
            "description": "Written by Handoff, the marketing-to-sales handoff in Slack."}  # fmt: skip


async def hubspot_properties(
    settings: WriteBackSettings, write: HubSpotWrite, *, create: bool, say: Callable[[str], None]
) -> int:
    """Check (and with `create`, make) the properties; 0 when the write-back has everything it needs, else 1."""
    if not settings.hubspot_access_token:
        raise ConfigError("HUBSPOT_ACCESS_TOKEN", "is not set: create a private app in HubSpot and copy its token")
    base = f"{settings.hubspot_api_url}crm/v3/properties/contacts"
    headers = {"Authorization": f"Bearer {settings.hubspot_access_token}"}
    missing = 0
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(headers=headers, timeout=timeout) as http:
        for name in write.custom():
            status, _ = await _call(http, "GET", f"{base}/{name}")
            if status == 200:
                say(f"  ok       {name}")
                continue
            if not create:
                say(f"  missing  {name}  (run `handoff hubspot setup`)")
                missing += 1
                continue
            status, body = await _call(http, "POST", base, _definition(name, write))
            if status not in (201, 409):
                said = body.get("message") if isinstance(body, dict) else None
                raise ConfigError(
                    "HUBSPOT_ACCESS_TOKEN", f"HubSpot refused to create {name}: HTTP {status} {str(said or '')[:200]}"
                )
            say(f"  created  {name}" if status == 201 else f"  ok       {name}")
        if write.status_property == "hs_lead_status":
            status, body = await _call(http, "GET", f"{base}/hs_lead_status")
            listed = body.get("options") if isinstance(body, dict) else None
            options = (
                {str(o.get("value")) for o in listed if isinstance(o, dict)} if isinstance(listed, list) else set()
            )
            for wanted in (write.accepted_status, write.rejected_status):
                if status == 200 and options and wanted not in options:
                    say(f"  missing  hs_lead_status option {wanted!r}  (add it in HubSpot, or change [hubspot.write])")
                    missing += 1
    say("HubSpot has everything the write-back needs." if not missing else f"{missing} thing(s) missing.")
    return 0 if not missing else 1


async def _call(http: aiohttp.ClientSession, method: str, url: str, body: Any = None) -> tuple[int, Any]:
    try:
        async with http.request(method, url, json=body) as response:
            status = response.status
            text = (await response.read())[:100_000].decode("utf-8", errors="replace")
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise ConfigError("HUBSPOT_API_URL", f"cannot reach HubSpot ({type(exc).__name__})") from None
    try:
        answer = json.loads(text) if text.strip() else None
    except (ValueError, RecursionError):
        answer = None  # not HubSpot's JSON (a proxy's page): the status says what happened
    if status == 401:
        raise ConfigError("HUBSPOT_ACCESS_TOKEN", "was refused by HubSpot (401): copy the private app's token again")
    if status == 403:
        raise ConfigError(
            "HUBSPOT_ACCESS_TOKEN",
            "lacks a scope (403): give the private app crm.objects.contacts.read/write and crm.schemas.contacts.write",
        )
    if status == 429:
        raise ConfigError("HUBSPOT_ACCESS_TOKEN", "HubSpot's rate limit was reached (429): run it again in a minute")
    if status >= 500:
        raise ConfigError("HUBSPOT_API_URL", f"HubSpot answered HTTP {status}: run it again later")
    return status, answer
