"""The resources one running app shares, built by the factory and handed to every listener and route."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web
from slack_sdk.web.async_client import AsyncWebClient

from bot.agreement.proposals import Proposals
from bot.agreement.registry import Agreements
from bot.app.background import Background
from bot.app.observability import Observability
from bot.clock import Clock
from bot.config.settings import Settings
from bot.config.team import Team
from bot.config.team_file import HandoffConfig
from bot.content.calendar import Calendar
from bot.content.requests import ContentRequests
from bot.content.service import ContentLibrary
from bot.delivery.worker import OutboxWorker
from bot.lifecycle.attempts import AttemptService
from bot.lifecycle.away import AwayService
from bot.lifecycle.intake import Intake
from bot.lifecycle.leads import LeadService
from bot.lifecycle.timeline import Timelines
from bot.lifecycle.wins import ManualWins
from bot.reports.digest import Digest
from bot.reports.spend import SpendService
from bot.routing.service import RoutingService
from bot.sla.clocks import SlaService
from bot.sla.reviews import SlaReviews
from bot.views.funnel import FunnelService
from bot.views.home import HomeService
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
    intake: Intake
    routing: RoutingService
    leads: LeadService
    timelines: Timelines
    sla: SlaService
    reviews: SlaReviews
    funnel: FunnelService
    digest: Digest
    spend: SpendService
    wins: ManualWins
    home: HomeService
    away: AwayService
    outbox: OutboxWorker
    background: Background
    observability: Observability
    attempts: AttemptService  # Log attempt and the follow-up cadence
    agreements: Agreements  # the agreement's versions: the SLA each lead runs on
    proposals: Proposals  # /sla propose: changes to the agreement both heads approve
    library: ContentLibrary  # /content: search, share, add and expire marketing's assets
    content_requests: ContentRequests  # /content request: sales asks marketing, on its own clock
    calendar: Calendar  # the marketing calendar: campaign launches announced once, /campaigns

    async def sweep_all(self) -> None:
        """One scheduled SLA sweep: batches until nothing is due, each batch its own short transaction."""
        await self.routing.router.prepare()  # who is in each routing pool, read before the sweep's transactions
        for _ in range(20):  # bounded: a backlog bigger than 20 batches waits for the next run
            if (await self.sla.sweep()).timers < self.sla.batch:
                break
        for _ in range(20):  # content requests' clocks ([sla.content_request])
            if await self.content_requests.sweep() < self.content_requests.batch:
                return

    async def run_reviews(self) -> None:
        """Scheduled announcements: marketing's pacing, the quarterly review, the weekly digest (each once); and
        proposals to change the agreement that nobody finished answering in 7 days expire; campaigns starting today
        are announced (once, in business hours)."""
        await self.proposals.expire_due()
        await self.reviews.run()
        await self.digest.run()
        await self.library.warn_expiring()  # owners told once, [content] expiry_notice before their asset expires
        await self.calendar.run()


SERVICES = web.AppKey("services", Services)
