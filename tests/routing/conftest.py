"""Routing scenarios: the team file's [routing], an accept clock of 30 minutes escalating to the manager at once."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.config.team_file import HandoffConfig
from storage.models import LeadEvent, RoutingTurn, SlaTimer
from tests.conftest import Harness, team_config

ACCEPT_SLA: dict[str, Any] = {"accept": {"target": "30m", "escalate": [{"after": "0s", "notify": "manager"}]}}


def routed_config(routing: dict[str, Any], **overrides: Any) -> HandoffConfig:
    return team_config(routing=routing, sla=overrides.pop("sla", ACCEPT_SLA), **overrides)


async def assigned_events(app: Harness) -> list[LeadEvent]:
    async with app.svc.db.session() as session:
        rows = await session.scalars(select(LeadEvent).where(LeadEvent.kind == "assigned").order_by(LeadEvent.id))
        return list(rows)


async def turns(app: Harness) -> list[RoutingTurn]:
    async with app.svc.db.session() as session:
        return list(await session.scalars(select(RoutingTurn).order_by(RoutingTurn.pool, RoutingTurn.user_id)))


async def timers(app: Harness, lead_id: int) -> list[SlaTimer]:
    async with app.svc.db.session() as session:
        rows = await session.scalars(select(SlaTimer).where(SlaTimer.lead_id == lead_id).order_by(SlaTimer.id))
        return list(rows)


async def leads(app: Harness, count: int, **fields: Any) -> list[int]:
    ids = []
    for n in range(count):
        ids.append(await app.new_lead(external_id=f"lead-{fields.get('source', 'x')}-{n}", **fields))
    return ids
