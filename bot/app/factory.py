"""The app factory: builds every resource, wires Bolt and the HTTP routes into one aiohttp application, and owns
start-up and shutdown through a cleanup context. Nothing is created at import time."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import AsyncIterator, Callable

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

import handlers
from bot.agreement.proposals import Proposals
from bot.agreement.registry import Agreements
from bot.app import roles
from bot.app.access_log import redact_access_log
from bot.app.background import Background
from bot.app.database_refusals import database_unavailable
from bot.app.identity import BotIdentity
from bot.app.listener_errors import answer_listener_errors
from bot.app.observability import Observability, quiet_unreadable_requests
from bot.app.scheduler import create_scheduler
from bot.app.services import SERVICES, Services
from bot.app.slack_http import SlackGate
from bot.app.socket_mode import SocketMode
from bot.clock import Clock, SystemClock
from bot.config.settings import Settings
from bot.config.team import Team
from bot.config.team_file import HandoffConfig
from bot.content.calendar import Calendar
from bot.content.requests import ContentRequests
from bot.content.service import ContentLibrary
from bot.delivery import outbox_kinds as kinds
from bot.delivery.crm import CrmWrites, HubSpotWriter, Writer
from bot.delivery.feedback import FeedbackSender
from bot.delivery.salesforce import SalesforceWriter
from bot.delivery.slack import LOOKUP_REFUSALS, SlackDelivery
from bot.delivery.worker import OutboxWorker
from bot.errors import ConfigError
from bot.integrations import hubspot
from bot.lifecycle.attempts import AttemptService
from bot.lifecycle.away import AwayService
from bot.lifecycle.intake import Intake
from bot.lifecycle.leads import LeadService
from bot.lifecycle.outcomes import Outcomes
from bot.lifecycle.timeline import Timelines
from bot.lifecycle.wins import ManualWins
from bot.reports.digest import Digest
from bot.reports.metrics import Metrics
from bot.reports.spend import SpendService
from bot.routing.router import Router
from bot.routing.service import RoutingService
from bot.sla.clocks import SlaService
from bot.sla.reviews import SlaReviews
from bot.views.funnel import FunnelService
from bot.views.home import HomeService
from bot.views.routing_cards import RoutingWords
from bot.views.sla_cards import handover
from handlers.intake import MAX_BODY
from message_templates import Renderer
from storage.db import Database

log = logging.getLogger(__name__)


def build_services(settings: Settings, config: HandoffConfig, clock: Clock) -> Services:
    hubspot.check_config(config.hubspot)
    db = Database(settings.database_url)
    # No retry handlers beyond the SDK's one connection retry: the outbox owns retries, so a 429 never sleeps
    # inside a listener or blocks the worker on one row.
    client = AsyncWebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url, timeout=15)
    renderer = Renderer()
    team = Team(config, client, clock)
    away = AwayService(db, team, clock)
    team.leave_out(away.names_away)  # available_reps skips reps marked away, not only those Slack shows away
    observability = Observability(db, clock, kinds=kinds.ALL, clocks=config.sla.clocks(), refusals=LOOKUP_REFUSALS)

    agreements = Agreements(db, config, clock)
    sla = SlaService(db, team, clock, agreements, on_recorded=observability.sla_recorded)
    metrics = Metrics(db, config, clock, sla_now=agreements.sla_now)
    outcomes = Outcomes(team, clock, writes_to=settings.writeback.crms)
    leads = LeadService(db, team, clock, sla, handover=handover, outcomes=outcomes)
    routing = RoutingService(db, team, clock, Router(team, clock, RoutingWords(config), terms=agreements.sla), sla)
    leads.may_decide, sla.after_advance = routing.check_decide, routing.after_sweep  # [routing]'s hooks

    def http() -> aiohttp.ClientSession:
        assert client.session is not None, "the HTTP session is created when the app starts"
        return client.session

    feedback = None
    if config.feedback.webhook_url:
        if not settings.feedback_secret:
            raise ConfigError("FEEDBACK_SECRET", "is not set: [feedback] webhook_url needs it to sign deliveries")
        feedback = FeedbackSender(config.feedback.webhook_url, settings.feedback_secret, http, clock)
    deliver = SlackDelivery(
        db,
        client,
        renderer,
        config,
        clock,
        leads,
        feedback,
        crm_writes(settings, config, http, clock, team, observability),
        on_lookup_skipped=observability.lookup_skipped,
        terms=agreements.sla,
    )
    worker = OutboxWorker(
        db,
        deliver,
        clock,
        on_settled=observability.delivery_settled,
        lanes=kinds.LANES,
        poll_seconds=roles.poll_seconds(settings.role),
    )
    db.wake_after_enqueue(worker.wake)  # every commit that queued outbox rows, whichever service made it
    content_requests = ContentRequests(db, team, clock, agreements)
    return Services(
        settings=settings,
        config=config,
        clock=clock,
        db=db,
        client=client,
        renderer=renderer,
        team=team,
        intake=Intake(db, clock, agreements, routing.router, on_below_bar=observability.below_mql_bar),
        routing=routing,
        leads=leads,
        timelines=Timelines(db, team),
        sla=sla,
        reviews=SlaReviews(db, config, clock, agreements),
        funnel=FunnelService(metrics, client, renderer, config, content=content_requests.compliance),
        home=HomeService(db, team, metrics, client, renderer, clock),
        away=away,
        digest=Digest(db, config, clock, metrics),
        spend=SpendService(db, team, clock),
        wins=ManualWins(db, team, clock, leads),
        outbox=worker,
        background=Background(on_refused=observability.background_refused, on_retried=observability.background_retried),
        observability=observability,
        attempts=AttemptService(db, team, clock, sla, config.tz),
        agreements=agreements,
        proposals=Proposals(db, config, team, clock, agreements),
        library=ContentLibrary(db, config, team, clock),
        content_requests=content_requests,
        calendar=Calendar(db, config, clock),
    )


def crm_writes(
    settings: Settings,
    config: HandoffConfig,
    http: Callable[[], aiohttp.ClientSession],
    clock: Clock,
    team: Team,
    observability: Observability,
) -> CrmWrites | None:
    """The write-back to each CRM whose API credentials are set, or None when there is none."""
    writers: dict[str, Writer] = {}
    if "hubspot" in settings.writeback.crms:
        writers["hubspot"] = HubSpotWriter(
            settings.writeback, config.hubspot.write, http, clock, on_refused=observability.crm_refused
        )
    if "salesforce" in settings.writeback.crms:
        writers["salesforce"] = SalesforceWriter(
            settings.writeback, config.salesforce.write, http, clock, on_refused=observability.crm_refused
        )
    return CrmWrites(writers, team.name) if writers else None


IDENTITY = web.AppKey("identity", BotIdentity)
SOCKET = web.AppKey("socket", SocketMode)


async def serve(app: web.Application, *, host: str, port: int) -> None:
    """Serve `app` until SIGINT or SIGTERM, then shut it down gracefully (in-flight requests finish, the outbox and
    the scheduler stop, the database closes). Slack refusing the token once it answers again (it was down at
    start-up) shuts the app down the same way and raises that refusal: the process exits 2 with the same line as
    a refusal at start-up, and a supervisor shows the crash instead of a process that can never become ready."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()  # start-up: a token refused now raises here
    identity = app[IDENTITY]
    signals = (signal.SIGINT, signal.SIGTERM)
    for sig in signals:
        loop.add_signal_handler(sig, stop.set)
    try:
        try:
            await web.TCPSite(runner, host, port).start()
        except OSError as exc:  # not the database's fault: say which setting to change
            raise ConfigError("PORT", f"cannot listen on {host}:{port} ({exc.strerror or exc})") from None
        waiting = [asyncio.create_task(stop.wait()), asyncio.create_task(identity.stopped.wait())]
        try:
            await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in waiting:
                task.cancel()
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)
        await runner.cleanup()
    if identity.given_up is not None:
        raise identity.given_up


def build_bolt(svc: Services, identity: BotIdentity) -> AsyncApp:
    # process_before_response=True: the HTTP answer goes out as soon as the listener returns, instead of Bolt's
    # default of polling for ack() every 10 ms (about 11 ms per click measured, against 0.5 ms). Our listeners
    # only ack and hand work to `Background`, so they return at once; modal submissions do their one short
    # transaction first because the answer carries inline errors. Request verification stays on (the default).
    bolt = AsyncApp(
        client=AsyncWebClient(base_url=svc.settings.slack_api_url),  # its token comes from `authorize`
        authorize=identity.authorizer(),
        signing_secret=svc.settings.slack_signing_secret,
        request_verification_enabled=not svc.settings.socket_mode,  # socket messages are unsigned; HTTP is off
        process_before_response=True,
        logger=logging.getLogger("slack_bolt"),
    )

    bolt.error(answer_listener_errors(svc.renderer))
    handlers.register(bolt, svc)
    return bolt


async def create_app(settings: Settings, config: HandoffConfig, *, clock: Clock | None = None) -> web.Application:
    quiet_unreadable_requests()
    redact_access_log()
    svc = build_services(settings, config, clock or SystemClock())
    identity = BotIdentity(svc)
    svc.observability.not_ready.append(identity.not_ready)
    bolt = build_bolt(svc, identity)
    socket = None  # Socket Mode: only a process that answers Slack connects
    if settings.socket_mode and roles.answers_requests(settings.role):
        socket = SocketMode(bolt, settings.slack_app_token, settings.slack_api_url)
        svc.observability.not_ready.append(socket.not_ready)

    gate = None if settings.socket_mode else SlackGate(settings.slack_signing_secret)

    async def slack_events(request: web.Request) -> web.Response:
        assert gate is not None, "served over HTTP only"
        if (refusal := await gate.refuse(request)) is not None:
            return refusal
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    async def lifecycle(_app: web.Application) -> AsyncIterator[None]:
        await svc.db.prepare()
        await svc.agreements.adopt_file()  # version 1 from the team file, or its edit as a new version
        session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15))
        svc.client.session = session
        try:
            connected = await identity.check()  # a refused token stops start-up here, before anything starts
            if socket is not None:
                await socket.start()  # so does a refused SLACK_APP_TOKEN
        except BaseException:
            await session.close()
            await svc.db.dispose()
            raise
        delivers = roles.delivers(svc.settings.role)
        if delivers:
            svc.outbox.start()
        learning = asyncio.create_task(asyncio.sleep(0) if connected else identity.keep_trying(), name="auth.test")
        scheduler = create_scheduler(
            svc.db,
            svc.clock,
            sweep=svc.sweep_all,
            sweep_every=svc.config.scheduler.sla_check_interval,
            reviews=svc.run_reviews,
        )
        if delivers:
            scheduler.start()
        log.info(
            "Handoff is ready (%s, %s): leads post to %s",
            svc.settings.role,
            roles.describe(svc.settings.role),
            svc.config.slack.leads_channel,
        )
        try:
            yield
        finally:
            if socket is not None:
                await socket.stop()  # no new work arrives while the last of it finishes
            if scheduler.running:
                scheduler.shutdown(wait=False)
            learning.cancel()
            await svc.background.wait()
            await svc.outbox.stop()
            await session.close()
            await svc.db.dispose()

    app = web.Application(client_max_size=MAX_BODY, middlewares=[svc.observability.middleware, database_unavailable])
    app[SERVICES] = svc
    app[IDENTITY] = identity
    app.add_routes([web.get("/healthz", healthz)])
    if socket is not None:
        app[SOCKET] = socket
    if roles.answers_requests(settings.role):
        # In Socket Mode Slack sends nothing here, and an unsigned request must not reach Bolt: not served (404).
        if not settings.socket_mode:
            app.add_routes([web.post("/slack/events", slack_events)])
        app.add_routes(handlers.routes())
    app.add_routes(svc.observability.routes())
    app.cleanup_ctx.append(lifecycle)
    return app
