"""The resources one running app shares, built by the factory and handed to every listener and route."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web
from slack_sdk.web.async_client import AsyncWebClient

from bot.background import Background
from bot.clock import Clock
from bot.config import HandoffConfig
from bot.digest import Digest
from bot.funnel import FunnelService
from bot.home import HomeService
from bot.leads import LeadService
from bot.observability import Observability
from bot.outbox import OutboxWorker
from bot.settings import Settings
from bot.sla import SlaService
from bot.sla_reviews import SlaReviews
from bot.spend import SpendService
from bot.team import Team
from bot.timeline import Timelines
from bot.wins import ManualWins
from message_templates import Renderer
from storage.db import Database


@dataclass
class Services:
    settings: Settings
    config: HandoffConfig
    clock: Clock
    db: Database
    client: AsyncWebClient
    renderer: Renderer
    team: Team
    leads: LeadService
    timelines: Timelines
    sla: SlaService
    reviews: SlaReviews
    funnel: FunnelService
    digest: Digest
    spend: SpendService
    wins: ManualWins
    home: HomeService
    outbox: OutboxWorker
    background: Background
    observability: Observability

    async def sweep_all(self) -> None:
        """One scheduled SLA sweep: batches until nothing is due, each batch its own short transaction."""
        for _ in range(20):  # bounded: a backlog bigger than 20 batches waits for the next run
            if (await self.sla.sweep()).timers < self.sla.batch:
                return

    async def run_reviews(self) -> None:
        """Scheduled announcements: marketing's pacing, the quarterly review, the weekly digest (each once)."""
        await self.reviews.run()
        await self.digest.run()


SERVICES = web.AppKey("services", Services)
