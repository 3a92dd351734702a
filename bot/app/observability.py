"""Operations: readiness (`/readyz`) and Prometheus metrics (`/metrics`) for one running app.

Every app gets its own `CollectorRegistry`, so several apps in one process (the tests) never share counters.
Counters are fed by the outbox worker and the SLA sweep through plain callbacks; the outbox depth is read from the
database at scrape time, with one query. Labels are bounded sets (routes, outbox kinds, clock names from the team
file); no user ids, lead data or secrets are ever label values.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from datetime import datetime, timedelta

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.exc import SQLAlchemyError

from bot.clock import Clock
from storage import outbox as outbox_queries
from storage.db import Database, SchemaBehind, head_revision
from storage.unavailable import first_line, unavailable

log = logging.getLogger(__name__)

READY_WAIT = 1.0
"""Seconds /readyz waits for the database's write lock before it answers 503: a probe must answer quickly."""
RETRY = {"Retry-After": "5"}

READY_FRESH = timedelta(seconds=2)
"""How long /readyz keeps a good answer: probes may come often, and each check takes the database's write lock."""

OUTCOMES = ("delivered", "retried", "failed")
UNMATCHED = "unmatched"  # the route label of requests no route matched (404s): never the raw path

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

UNREADABLE_LINE = 120
"""Characters kept of the one line that tells of a request aiohttp could not read."""


class UnreadableRequests(logging.Filter):
    """aiohttp logs every request it cannot parse (a 10 KB URL or header, a broken request line) at ERROR with a
    full traceback on `aiohttp.server`, before answering it 400: anyone on the internet could flood the log with
    them. Such a record, an `HttpProcessingError` with a 4xx code, becomes one WARNING line naming the client and
    what was wrong; a 5xx or any other error on that logger stays as it was."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if record.levelno < logging.ERROR or not isinstance(exc, HttpProcessingError) or not 400 <= exc.code < 500:
            return True
        who = record.getMessage().replace("Error handling request", "unreadable request", 1)
        said = " ".join(f"{who} answered {exc.code}: {type(exc).__name__}: {exc.message}".split())
        record.msg = said if len(said) <= UNREADABLE_LINE else said[: UNREADABLE_LINE - 1] + "…"
        record.args = None
        record.levelno, record.levelname = logging.WARNING, logging.getLevelName(logging.WARNING)
        record.exc_info = record.exc_text = None
        return True


UNREADABLE_REQUESTS = UnreadableRequests()
"""One filter for the process: `logging.Logger.addFilter` adds an object once, however many apps are created."""


def quiet_unreadable_requests() -> None:
    logging.getLogger("aiohttp.server").addFilter(UNREADABLE_REQUESTS)


class OutboxCollector(Collector):
    """Outbox depth and the age of its oldest pending row, as of the last `refresh` (done right before a scrape)."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        self._snapshot: tuple[int, float] | None = None

    async def refresh(self) -> None:
        try:
            async with self._db.session() as session:
                pending, oldest = await outbox_queries.pending_summary(session=session)
        except (SQLAlchemyError, OSError) as exc:
            log.warning("metrics: cannot read the outbox (%s)", str(exc).splitlines()[0][:200])
            self._snapshot = None  # absent rather than stale: alert on absence
            return
        self._snapshot = (pending, _age(self._clock.now(), oldest))

    def collect(self) -> Iterator[GaugeMetricFamily]:
        if self._snapshot is None:
            return
        pending, age = self._snapshot
        yield GaugeMetricFamily("handoff_outbox_pending", "Outbox rows not yet delivered or failed.", value=pending)
        yield GaugeMetricFamily(
            "handoff_outbox_oldest_pending_age_seconds",
            "How long the oldest undelivered outbox row has waited (0 when none is pending).",
            value=age,
        )


def _age(now: datetime, oldest: datetime | None) -> float:
    return max((now - oldest).total_seconds(), 0.0) if oldest is not None else 0.0


class WriteCheck:
    """`Database.check_writes`, shared and briefly kept: concurrent probes wait for one check, and a good answer is
    kept for `READY_FRESH` (a load balancer may probe every second; each check takes the write lock). A bad one is
    never kept, so readiness returns as soon as the database does."""

    def __init__(self, db: Database, clock: Clock, head: str) -> None:
        self._db = db
        self._clock = clock
        self._head = head
        self._good: tuple[datetime, str | None] | None = None  # (until, revision)
        self._running: asyncio.Task[str | None] | None = None

    async def revision(self) -> str | None:
        if self._good is not None and self._clock.now() < self._good[0]:
            return self._good[1]
        if self._running is None:
            self._running = asyncio.create_task(self._check(), name="readyz write check")
        running = self._running
        try:
            return await asyncio.shield(running)  # one prober going away does not cancel it for the others
        finally:
            if running.done() and self._running is running:
                self._running = None

    async def _check(self) -> str | None:
        current = await self._db.check_writes(wait=READY_WAIT, head=self._head)
        self._good = (self._clock.now() + READY_FRESH, current)
        return current


class Observability:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        kinds: Iterable[str] = (),
        clocks: Iterable[str] = (),
        refusals: Iterable[str] = (),
    ) -> None:
        self._db = db
        self.not_ready: list[Callable[[], str | None]] = []
        """More readiness checks (Slack's auth.test): each answers why the app is not ready, or None."""
        self.head = head_revision()  # once: parsing the migration scripts per probe would not be cheap
        self.writes = WriteCheck(db, clock, self.head)
        self.registry = CollectorRegistry()
        self.outbox = OutboxCollector(db, clock)
        self.registry.register(self.outbox)
        self.deliveries = Counter(
            "handoff_outbox_deliveries",
            "Outbox delivery attempts by row kind and outcome (delivered, retried, failed).",
            ["kind", "outcome"],
            registry=self.registry,
        )
        self.breaches = Counter(
            "handoff_sla_breaches", "SLA clocks that breached, by clock.", ["clock"], registry=self.registry
        )
        self.escalations = Counter(
            "handoff_sla_escalations", "SLA escalation steps fired, by clock.", ["clock"], registry=self.registry
        )
        self.lookups_skipped = Counter(
            "handoff_duplicate_check_skipped",
            "Retried posts sent without looking for an earlier copy, because Slack refused the lookup, by reason.",
            ["reason"],
            registry=self.registry,
        )
        self.refused = Counter(
            "handoff_background_refused",
            "Clicks acked but not run: a person's duplicate of a click still in flight, or refused as busy.",
            ["reason"],
            registry=self.registry,
        )
        for reason in ("duplicate", "busy"):
            self.refused.labels(reason=reason)
        self.retried = Counter(
            "handoff_background_retries",
            "Work after an ack that the database refused for now (busy, unreachable), run again after a pause.",
            registry=self.registry,
        )
        self.crm_refusals = Counter(
            "handoff_crm_refusals",
            "Write-backs a CRM refused for good (a 4xx other than 429), by CRM and HTTP status: each is kept on its "
            "outbox row with the CRM's reason.",
            ["crm", "status"],
            registry=self.registry,
        )
        self.below_bar = Counter(
            "handoff_intake_below_mql_bar",
            "Leads intake answered 202 and did not store: their score is below the agreement's MQL bar.",
            registry=self.registry,
        )
        self.latency = Histogram(
            "handoff_http_request_duration_seconds",
            "HTTP request latency by route (the route's pattern, not the raw path), method and status.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        for kind in kinds:  # known series start at 0, so rate() works from the first delivery
            for outcome in OUTCOMES:
                self.deliveries.labels(kind=kind, outcome=outcome)
        for name in clocks:
            self.breaches.labels(clock=name)
            self.escalations.labels(clock=name)
        for reason in refusals:
            self.lookups_skipped.labels(reason=reason)

    # --- fed by the outbox worker and the SLA sweep ----------------------------------------------------------

    def delivery_settled(self, kind: str, outcome: str) -> None:
        self.deliveries.labels(kind=kind, outcome=outcome).inc()

    def crm_refused(self, crm: str, status: int) -> None:
        self.crm_refusals.labels(crm=crm, status=str(status)).inc()

    def lookup_skipped(self, reason: str) -> None:
        self.lookups_skipped.labels(reason=reason).inc()

    def background_refused(self, reason: str) -> None:
        self.refused.labels(reason=reason).inc()

    def background_retried(self) -> None:
        self.retried.inc()

    def below_mql_bar(self) -> None:
        self.below_bar.inc()

    def sla_recorded(self, event: str, clock: str) -> None:
        if event == "sla_breached":
            self.breaches.labels(clock=clock).inc()
        elif event == "sla_escalated":
            self.escalations.labels(clock=clock).inc()

    # --- HTTP ------------------------------------------------------------------------------------------------

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        started = time.perf_counter()
        status = 500
        try:
            response = await handler(request)
            status = response.status
            return response
        except web.HTTPException as exc:
            status = exc.status
            raise
        finally:
            resource = request.match_info.route.resource
            route = resource.canonical if resource is not None else UNMATCHED
            self.latency.labels(route=route, method=request.method, status=str(status)).observe(
                time.perf_counter() - started
            )

    async def handle_readyz(self, _request: web.Request) -> web.Response:
        """Ready when the database accepts a write now and its schema is the one this code needs, and Slack has
        answered auth.test. A write refused or stalled is 503 with Retry-After, as intake answers it then."""
        try:
            current = await self.writes.revision()
        except (SQLAlchemyError, OSError) as exc:
            reason = unavailable(exc) or f"database unreachable: {first_line(exc)}"
            log.warning("not ready: %s", reason)
            return web.json_response({"ok": False, "reason": reason}, status=503, headers=RETRY)
        if current != self.head:
            reason = f"{SchemaBehind(current, self.head)}; run `handoff db upgrade`"
            return web.json_response({"ok": False, "reason": reason, "schema": current, "needs": self.head}, status=503)
        for check in self.not_ready:
            if (why := check()) is not None:
                return web.json_response({"ok": False, "reason": why}, status=503, headers=RETRY)
        return web.json_response({"ok": True, "database": "reachable", "schema": current})

    async def handle_metrics(self, _request: web.Request) -> web.Response:
        await self.outbox.refresh()
        # No await between refresh and generate: two concurrent scrapes cannot mix their snapshots.
        body = generate_latest(self.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    def routes(self) -> list[web.RouteDef]:
        return [web.get("/readyz", self.handle_readyz), web.get("/metrics", self.handle_metrics)]
