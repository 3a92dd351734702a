"""A local HubSpot CRM API, as much of it as Handoff's write-back uses, answering as HubSpot does.

- `PATCH /crm/v3/objects/contacts/{id}` with `{"properties": {...}}`: 200 and the contact; 404 OBJECT_NOT_FOUND for
  a contact that does not exist; 400 VALIDATION_ERROR naming a property that does not exist, or an option a
  enumeration property does not have (`hs_lead_status`).
- `GET /crm/v3/properties/contacts/{name}` (200 or 404) and `POST /crm/v3/properties/contacts` (201, or 409 CONFLICT
  when the property exists).
- Every call needs `Authorization: Bearer <token>` (401 INVALID_AUTHENTICATION otherwise) and the scope it uses
  (403 MISSING_SCOPES). The burst limit (`burst` calls per rolling 10 seconds of the injected clock) answers 429
  with `Retry-After`, as do the failures a test scripts with `fail_next`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

STANDARD_PROPERTIES = frozenset({
    "email", "firstname", "lastname", "company", "jobtitle", "hubspotscore", "hs_analytics_source", "lifecyclestage",
    "hs_lead_status", "hubspot_owner_id", "hs_object_id",
})  # fmt: skip
LEAD_STATUSES = ("NEW", "OPEN", "IN_PROGRESS", "OPEN_DEAL", "UNQUALIFIED", "ATTEMPTED_TO_CONTACT", "CONNECTED",
                 "BAD_TIMING")  # fmt: skip
WINDOW = timedelta(seconds=10)
AUTHENTICATION_NOT_FOUND = (
    "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details "
    "at https://developers.hubspot.com/docs/methods/auth/oauth-overview"
)


@dataclass
class Failure:
    status: int
    retry_after: str | None
    body: bytes | None = None
    """Not HubSpot's JSON: what a proxy or load balancer in front of it answers (an HTML 502 page)."""


@dataclass
class FakeHubSpot:
    token: str = "pat-na1-00000000-0000-0000-0000-000000000000"
    scopes: frozenset[str] = frozenset(
        {"crm.objects.contacts.read", "crm.objects.contacts.write", "crm.schemas.contacts.write"}
    )
    burst: int = 100
    now: Callable[[], datetime] = lambda: datetime.now(UTC)
    contacts: dict[str, dict[str, str]] = field(default_factory=dict)
    custom_properties: dict[str, dict[str, Any]] = field(default_factory=dict)
    writes: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    """Every PATCH HubSpot took, in order: (contact id, its properties)."""
    calls: list[tuple[str, str, int]] = field(default_factory=list)
    """Every request: (method, path, the status answered)."""
    _failures: list[Failure] = field(default_factory=list)
    _recent: list[datetime] = field(default_factory=list)
    _runner: web.AppRunner | None = None
    _port: int = 0

    def add_contact(self, contact_id: str, **properties: str) -> None:
        self.contacts[contact_id] = {"hs_object_id": contact_id, **properties}

    def fail_next(
        self, status: int, *, times: int = 1, retry_after: str | None = None, body: bytes | None = None
    ) -> None:
        """The next `times` calls answer `status` (429 with `retry_after`, default "1" second; 5xx; 401…); with
        `body`, that as text/html instead of HubSpot's JSON error."""
        if status == 429 and retry_after is None:
            retry_after = "1"
        self._failures.extend(Failure(status, retry_after, body) for _ in range(times))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port}/"

    async def start(self) -> None:
        app = web.Application(client_max_size=1024 * 1024)
        app.router.add_patch("/crm/v3/objects/contacts/{id}", self._patch_contact)
        app.router.add_get("/crm/v3/properties/contacts/{name}", self._get_property)
        app.router.add_post("/crm/v3/properties/contacts", self._create_property)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self._runner = runner
        self._port = int(runner.addresses[0][1])

    async def stop(self) -> None:
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    # --- the API -----------------------------------------------------------------------------------------------

    def _refusal(self, request: web.Request, scope: str) -> web.Response | None:
        header = request.headers.get("Authorization", "")
        if header != f"Bearer {self.token}":
            return _error(401, "INVALID_AUTHENTICATION", AUTHENTICATION_NOT_FOUND)
        if scope not in self.scopes:
            return _error(403, "MISSING_SCOPES", "This app hasn't been granted all required scopes to make this call.")
        if self._failures:
            failure = self._failures.pop(0)
            if failure.body is not None:
                return web.Response(status=failure.status, body=failure.body, content_type="text/html")
            if failure.status == 429:
                return _rate_limited(failure.retry_after)
            return _error(failure.status, "INTERNAL_ERROR" if failure.status >= 500 else "BAD_REQUEST", "scripted")
        now = self.now()
        self._recent = [at for at in self._recent if now - at < WINDOW]
        if len(self._recent) >= self.burst:
            wait = WINDOW - (now - self._recent[0])
            return _rate_limited(str(max(1, int(wait.total_seconds() + 0.999))))
        self._recent.append(now)
        return None

    async def _answer(self, request: web.Request, answer: web.Response) -> web.Response:
        self.calls.append((request.method, request.path, answer.status))
        return answer

    async def _patch_contact(self, request: web.Request) -> web.Response:
        refused = self._refusal(request, "crm.objects.contacts.write")
        if refused is not None:
            return await self._answer(request, refused)
        contact_id = request.match_info["id"]
        try:
            body = await request.json()
        except ValueError:
            return await self._answer(request, _error(400, "VALIDATION_ERROR", "Invalid input JSON on line 1"))
        properties = body.get("properties") if isinstance(body, dict) else None
        if not isinstance(properties, dict):
            return await self._answer(request, _error(400, "VALIDATION_ERROR", "properties is required"))
        if contact_id not in self.contacts:
            return await self._answer(request, _error(404, "OBJECT_NOT_FOUND", "resource not found"))
        problems = [self._invalid(name, value) for name, value in properties.items()]
        if found := [p for p in problems if p is not None]:
            return await self._answer(
                request, _error(400, "VALIDATION_ERROR", f"Property values were not valid: {json.dumps(found)}")
            )
        self.contacts[contact_id].update({name: str(value) for name, value in properties.items()})
        self.writes.append((contact_id, {name: str(value) for name, value in properties.items()}))
        return await self._answer(request, web.json_response({
            "id": contact_id, "properties": self.contacts[contact_id], "archived": False,
            "createdAt": "2026-11-01T00:00:00.000Z", "updatedAt": self.now().isoformat(),
        }))  # fmt: skip

    def _invalid(self, name: str, value: Any) -> dict[str, Any] | None:
        if name not in STANDARD_PROPERTIES and name not in self.custom_properties:
            return {"isValid": False, "message": f'Property "{name}" does not exist', "error": "PROPERTY_DOESNT_EXIST",
                    "name": name}  # fmt: skip
        if name == "hs_lead_status" and value not in LEAD_STATUSES:
            return {"isValid": False, "message": f"{value} was not one of the allowed options: {list(LEAD_STATUSES)}",
                    "error": "INVALID_OPTION", "name": name}  # fmt: skip
        return None

    async def _get_property(self, request: web.Request) -> web.Response:
        refused = self._refusal(request, "crm.objects.contacts.read")
        if refused is not None:
            return await self._answer(request, refused)
        name = request.match_info["name"]
        if name in STANDARD_PROPERTIES:
            options = [{"label": v.replace("_", " ").title(), "value": v} for v in LEAD_STATUSES]
            defined: dict[str, Any] = {"name": name, "hubspotDefined": True, "type": "string", "fieldType": "text"}
            if name == "hs_lead_status":
                defined.update(type="enumeration", fieldType="radio", options=options)
            return await self._answer(request, web.json_response(defined))
        if name in self.custom_properties:
            return await self._answer(request, web.json_response(self.custom_properties[name]))
        return await self._answer(request, _error(404, "OBJECT_NOT_FOUND", f"Unable to find property {name}"))

    async def _create_property(self, request: web.Request) -> web.Response:
        refused = self._refusal(request, "crm.schemas.contacts.write")
        if refused is not None:
            return await self._answer(request, refused)
        body = await request.json()
        name = body.get("name") if isinstance(body, dict) else None
        missing = [key for key in ("name", "label", "type", "fieldType", "groupName") if not (body or {}).get(key)]
        if missing:
            return await self._answer(request, _error(400, "VALIDATION_ERROR", f"{', '.join(missing)} is required"))
        if name in STANDARD_PROPERTIES or name in self.custom_properties:
            return await self._answer(request, _error(409, "CONFLICT", f"A property named '{name}' already exists."))
        self.custom_properties[str(name)] = dict(body)
        return await self._answer(request, web.json_response(dict(body), status=201))


def _error(status: int, category: str, message: str) -> web.Response:
    return web.json_response(
        {"status": "error", "message": message, "correlationId": "00000000-0000-0000-0000-000000000000",
         "category": category},
        status=status,
    )  # fmt: skip


def _rate_limited(retry_after: str | None) -> web.Response:
    headers = {"Retry-After": retry_after} if retry_after else {}
    return web.json_response(
        {"status": "error", "message": "You have reached your ten_secondly_rolling limit.", "errorType": "RATE_LIMIT",
         "correlationId": "00000000-0000-0000-0000-000000000000", "policyName": "TEN_SECONDLY_ROLLING"},
        status=429, headers=headers,
    )  # fmt: skip
