"""A local Salesforce, as much of its REST API as Handoff's write-back uses, answering as Salesforce does.

- `POST /services/oauth2/token` (client-credentials flow, form-encoded): 200 `{"access_token", "instance_url",
  "token_type": "Bearer", …}`; 400 `{"error": "invalid_client", …}` for credentials it does not know.
- `PATCH /services/data/vXX.X/sobjects/Lead/{Id}` with JSON fields: 204; 401 `INVALID_SESSION_ID` for a token it
  did not issue (or expired with `expire_tokens`); 404 `NOT_FOUND`; 400 `INVALID_FIELD` for a field Lead does not
  have, `JSON_PARSER_ERROR` for a checkbox (`HasOptedOutOfEmail`) given anything but a boolean,
  `CANNOT_UPDATE_CONVERTED_LEAD` for a converted lead; 403 `REQUEST_LIMIT_EXCEEDED` past `daily_limit`.
  Errors are a JSON list of `{"message", "errorCode"}`.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from aiohttp import web

LEAD_FIELDS = frozenset({"Id", "Email", "FirstName", "LastName", "Company", "Title", "LeadSource", "Status",
                         "Rating", "OwnerId", "Description", "HasOptedOutOfEmail", "DoNotCall"})  # fmt: skip
CHECKBOXES = frozenset({"HasOptedOutOfEmail", "DoNotCall"})
"""Lead's boolean fields: JSON true or false (or the strings "true"/"false", which Salesforce also reads)."""
HANDOFF_FIELDS = ("Handoff_Reject_Reason__c", "Handoff_Reject_Note__c", "Handoff_Owner__c", "Handoff_Stage__c",
                  "Handoff_Outcome__c")  # fmt: skip


@dataclass
class FakeSalesforce:
    client_id: str = "3MVG9-handoff-test-client"
    client_secret: str = field(default="salesforce-client-secret-0123", repr=False)
    custom_fields: set[str] = field(default_factory=lambda: set(HANDOFF_FIELDS))
    daily_limit: int = 100_000
    leads: dict[str, dict[str, str]] = field(default_factory=dict)
    converted: set[str] = field(default_factory=set)
    writes: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    """Every PATCH Salesforce took, in order: (Lead Id, its fields)."""
    tokens_issued: int = 0
    _tokens: set[str] = field(default_factory=set)
    _failures: list[tuple[int, bytes | None]] = field(default_factory=list)
    _requests: int = 0
    _runner: web.AppRunner | None = None
    _port: int = 0
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def add_lead(self, lead_id: str, **fields: str) -> None:
        self.leads[lead_id] = {"Id": lead_id, **fields}

    def expire_tokens(self) -> None:
        """Every token issued so far stops working (a session timeout, or an admin revoking them)."""
        self._tokens.clear()

    def fail_next(self, status: int, *, times: int = 1, body: bytes | None = None) -> None:
        """The next `times` PATCHes answer `status` (503 Server Unavailable, 429, …); with `body`, that as text/html
        instead of Salesforce's JSON error list (what a proxy in front of it answers)."""
        self._failures.extend([(status, body)] * times)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    async def start(self) -> None:
        app = web.Application(client_max_size=1024 * 1024)
        app.router.add_post("/services/oauth2/token", self._token)
        app.router.add_patch("/services/data/{version}/sobjects/Lead/{id}", self._patch_lead)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        self._runner = runner
        self._port = int(runner.addresses[0][1])

    async def stop(self) -> None:
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def _token(self, request: web.Request) -> web.Response:
        form = await request.post()
        if form.get("grant_type") != "client_credentials":
            return web.json_response(
                {"error": "unsupported_grant_type", "error_description": "grant type not supported"}, status=400
            )
        if (form.get("client_id"), form.get("client_secret")) != (self.client_id, self.client_secret):
            return web.json_response(
                {"error": "invalid_client", "error_description": "invalid client credentials"}, status=400
            )
        token = f"00D000000000001!AQ{next(self._ids):08d}"
        self._tokens.add(token)
        self.tokens_issued += 1
        return web.json_response({"access_token": token, "instance_url": self.url, "id": f"{self.url}/id/00D/005",
                                  "token_type": "Bearer", "issued_at": "1764806400000", "signature": "x"})  # fmt: skip

    async def _patch_lead(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization", "").removeprefix("Bearer ") not in self._tokens:
            return _errors(401, "INVALID_SESSION_ID", "Session expired or invalid")
        self._requests += 1
        if self._requests > self.daily_limit:
            return _errors(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
        if self._failures:
            status, body = self._failures.pop(0)
            if body is not None:
                return web.Response(status=status, body=body, content_type="text/html")
            return _errors(status, "SERVER_UNAVAILABLE" if status >= 500 else "REQUEST_LIMIT_EXCEEDED", "scripted")
        lead_id = request.match_info["id"]
        try:
            fields = await request.json()
        except ValueError:
            return _errors(400, "JSON_PARSER_ERROR", "Unexpected character at [line:1, column:1]")
        if not isinstance(fields, dict):
            return _errors(400, "JSON_PARSER_ERROR", "Cannot deserialize instance of Lead from array")
        if lead_id not in self.leads:
            return _errors(404, "NOT_FOUND", "The requested resource does not exist")
        for name in fields:
            if name not in LEAD_FIELDS and name not in self.custom_fields:
                return _errors(400, "INVALID_FIELD", f"No such column '{name}' on sobject of type Lead")
            if name in CHECKBOXES and not (isinstance(fields[name], bool) or fields[name] in ("true", "false")):
                return _errors(400, "JSON_PARSER_ERROR", f"Cannot deserialize instance of boolean from {name}")
        if lead_id in self.converted:
            return _errors(400, "CANNOT_UPDATE_CONVERTED_LEAD", "cannot reference converted lead")
        written = {name: _text(value) for name, value in fields.items()}
        self.leads[lead_id].update(written)
        self.writes.append((lead_id, written))
        return web.Response(status=204)


def _text(value: object) -> str:
    """A field's value as Salesforce reads it back: a checkbox is `true` or `false`."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def _errors(status: int, code: str, message: str) -> web.Response:
    return web.json_response([{"message": message, "errorCode": code}], status=status)
