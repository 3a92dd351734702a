"""HubSpot as it calls Handoff: workflow webhooks signed with the v3 request signature, computed here from the raw
bytes sent, the way HubSpot's documentation describes it (not with the app's own code)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.config.hubspot import HubSpotSettings
from bot.config.team_file import HandoffConfig
from storage.models import Lead, OutboxMessage
from tests.conftest import Harness, StartApp

SECRET = "hubspot-client-secret-3f0c9a"
PATH = "/api/hubspot"


def sign(secret: str, method: str, uri: str, body: bytes, timestamp: str) -> str:
    source = method.encode() + uri.encode() + body + timestamp.encode()
    return base64.b64encode(hmac.new(secret.encode(), source, hashlib.sha256).digest()).decode()


def contact(record_id: Any = 901, **properties: Any) -> dict[str, Any]:
    """The contact a workflow sends by default: `{"value": …}` properties (and their history, ignored here)."""
    props = {
        "email": "Dana.Buyer@Example.com", "firstname": "Dana", "lastname": "Buyer", "company": "Acme Freight",
        "jobtitle": "VP Operations", "hubspotscore": "72", "hs_analytics_source": "PAID_SEARCH",
        "hs_analytics_source_data_1": "Q4 Ops Webinar", **properties,
    }  # fmt: skip
    return {
        "vid": record_id,
        "canonical-vid": record_id,
        "portal-id": 62515,
        "is-contact": True,
        "properties": {
            key: {"value": value, "versions": [{"value": value, "source-type": "FORM"}]}
            for key, value in props.items()
            if value is not None
        },
    }


class HubSpot:
    """HubSpot's side: signed POSTs to the app, and a look at what they left in the database."""

    def __init__(self, app: Harness, *, secret: str = SECRET, base: str | None = None) -> None:
        self.app = app
        self.secret = secret
        self.base = base  # the address HubSpot calls (PUBLIC_URL); None: the app's own

    async def post(
        self,
        body: Any = None,
        *,
        raw: bytes | None = None,
        path: str = PATH,
        signed_path: str | None = None,
        secret: str | None = None,
        at: datetime | None = None,
        headers: dict[str, str] | None = None,
        signature: str | None = None,
    ) -> tuple[int, Any]:
        data = raw if raw is not None else json.dumps(body).encode()
        timestamp = str(int((at or self.app.clock.now()).timestamp() * 1000))
        uri = (self.base or str(self.app.server.make_url("")).rstrip("/")) + (signed_path or path)
        sent = {
            "Content-Type": "application/json",
            "X-HubSpot-Request-Timestamp": timestamp,
            "X-HubSpot-Signature-v3": signature or sign(secret or self.secret, "POST", uri, data, timestamp),
            **(headers or {}),
        }
        payload = io.BytesIO(data) if len(data) > 512 * 1024 else data  # aiohttp warns of a big bytes body
        async with self.app.http.post(self.app.url(path), data=payload, headers=sent) as response:
            return response.status, await response.json()

    async def stored(self) -> tuple[int, int]:
        """(leads, outbox rows): what a refused request must leave unchanged."""
        async with self.app.svc.db.session() as session:
            leads = await session.scalar(select(func.count()).select_from(Lead))
            rows = await session.scalar(select(func.count()).select_from(OutboxMessage))
        return int(leads or 0), int(rows or 0)

    async def lead_of(self, external_id: str) -> Lead:
        async with self.app.svc.db.session() as session:
            lead = await session.scalar(select(Lead).where(Lead.external_id == external_id))
        assert lead is not None, f"no lead {external_id}"
        return lead


async def start_hubspot(start_app: StartApp, config: HandoffConfig | None = None, **settings: Any) -> HubSpot:
    settings.setdefault("hubspot", HubSpotSettings(client_secret=SECRET))
    app = await start_app(config, **settings)
    return HubSpot(app, base=settings.get("public_url") or None)


@pytest.fixture
async def hub(start_app: StartApp) -> HubSpot:
    return await start_hubspot(start_app)


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)
