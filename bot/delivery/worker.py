"""The outbox worker: the only way Slack hears about a state change.

It claims due rows atomically (so several processes may run it), renders each from the *current* state, calls the
Web API, and settles the row: delivered, rescheduled (429 after Retry-After; 5xx and network errors with capped
exponential backoff and jitter) or failed (an error retrying cannot fix, kept with its reason). A restart resumes
where it stopped: claims expire after a lease, so a row held by a process that died is picked up again.

Each lane (a set of row kinds) is claimed and delivered by a loop of its own: marketing's webhook receiver being
slow or down holds back its own deliveries, never a lead's post or an SLA alarm.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import socket
from collections.abc import Callable, Collection, Sequence
from datetime import timedelta
from typing import Protocol

import aiohttp
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import SQLAlchemyError

from bot.clock import Clock
from storage import outbox as queries
from storage.db import Database
from storage.outbox import Claimed
from storage.unavailable import first_line, unavailable

log = logging.getLogger(__name__)


class Delivery(Protocol):
    """Turns claimed rows into Web API calls. `plan` groups a claimed batch into deliveries (one row each, or
    several rows one call covers, such as a burst of leads in one batch message); `many` delivers such a group."""

    async def __call__(self, row: Claimed) -> None: ...

    async def plan(self, rows: list[Claimed]) -> list[list[Claimed]]: ...

    async def many(self, rows: list[Claimed]) -> None: ...


# Slack answers these with HTTP 200 and ok=false, yet a later attempt can succeed.
TRANSIENT_ERRORS = frozenset(
    {"ratelimited", "rate_limited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)
MAX_BACKOFF = timedelta(minutes=5)
STOP_GRACE = 20.0
"""Seconds a stopping worker waits for the batch in hand (a Slack call times out after 15 s) before cancelling it."""


class Retry(Exception):
    """Raised by a deliverer to have its row tried again later."""

    def __init__(self, reason: str, after: timedelta | None = None) -> None:
        super().__init__(reason)
        self.after = after


class GiveUp(Exception):
    """Raised by a deliverer when no later attempt can succeed: the row fails for good, with this reason."""


def backoff(attempts: int) -> timedelta:
    """1 s, 2 s, 4 s … capped at five minutes, with ±20 % jitter so a fleet does not retry in lockstep."""
    base = min(2 ** max(attempts - 1, 0), MAX_BACKOFF.total_seconds())
    return timedelta(seconds=base * random.uniform(0.8, 1.2))


def retry_after(exc: SlackApiError) -> float:
    """The seconds a 429 asks to wait (its Retry-After header; 1 when it sends none that makes sense)."""
    value = str(exc.response.headers.get("Retry-After") or exc.response.headers.get("retry-after") or "")
    return float(value) if value.isdigit() else 1.0


def classify(exc: Exception, attempts: int) -> tuple[timedelta | None, str]:
    """(delay before the next attempt, or None for a permanent failure; the error text to keep)."""
    if isinstance(exc, Retry):
        return (exc.after or backoff(attempts)), str(exc)
    if isinstance(exc, GiveUp):
        return None, str(exc)
    if isinstance(exc, SlackApiError):
        status = exc.response.status_code
        error = str(exc.response.get("error") or f"HTTP {status}")
        if status == 429:
            seconds = retry_after(exc)
            return timedelta(seconds=seconds), f"ratelimited (Retry-After {seconds:g})"
        if status >= 500 or error in TRANSIENT_ERRORS:
            return backoff(attempts), error
        return None, error
    if isinstance(exc, (aiohttp.ClientError, asyncio.TimeoutError, ConnectionError)):
        return backoff(attempts), f"network: {type(exc).__name__}: {exc}"
    if isinstance(exc, SQLAlchemyError):
        # A held lock, a dropped connection, a restarting server: never final. If Slack took the post before the
        # error, the next attempt finds it by its metadata and records it instead of posting again.
        return backoff(attempts), f"database: {type(exc).__name__}: {first_line(exc)}"
    return None, f"{type(exc).__name__}: {exc}"


class OutboxWorker:
    def __init__(
        self,
        db: Database,
        deliver: Delivery,
        clock: Clock,
        *,
        batch: int = 20,
        lease: timedelta = timedelta(seconds=60),
        poll_seconds: float = 1.0,
        on_settled: Callable[[str, str], None] | None = None,
        lanes: Sequence[Collection[str] | None] = (None,),
    ) -> None:
        self._db = db
        self._deliver = deliver
        self._clock = clock
        self._batch = batch
        self._lease = lease
        self._poll = poll_seconds
        self._on_settled = on_settled or (lambda kind, outcome: None)  # (row kind, delivered|retried|failed)
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self._lanes = list(lanes)  # each: the row kinds one loop delivers (None: every kind)
        self._wake = [asyncio.Event() for _ in self._lanes]
        self._tasks: list[asyncio.Task[None]] = []
        self.stopping = asyncio.Event()  # set by stop(): each loop finishes the batch in hand, then ends

    def wake(self, *kinds: str) -> None:
        """Something was queued (or the clock moved): look now instead of at the next poll. Given the kinds queued,
        only the lanes that deliver them look: a lane's claim reads the pending rows in due order past every row of
        the other lanes, so a lane woken for another's rows (intake's posts) pays for that whole backlog to find
        nothing, holding SQLite's one write lock all the while."""
        for lane, event in zip(self._lanes, self._wake, strict=True):
            if not kinds or lane is None or any(kind in lane for kind in kinds):
                event.set()

    async def run_once(self, lane: int = 0) -> int:
        """Claim one batch of the lane's kinds and settle every row of it; returns how many rows were claimed."""
        async with self._db.session() as session:
            claimed = await queries.claim_batch(
                session=session, worker=self.worker_id, now=self._clock.now(), lease=self._lease, limit=self._batch,
                kinds=self._lanes[lane],
            )  # fmt: skip
        groups = await self._deliver.plan(claimed) if claimed else []
        since = self._clock.now()
        while groups:
            if self._clock.now() - since >= self._lease / 2:  # a long batch: keep the rest, or leave what was taken
                groups, since = await self._still_held(groups), self._clock.now()
                if not groups:
                    break
            await self._settle(groups.pop(0))
        return len(claimed)

    async def _still_held(self, groups: list[list[Claimed]]) -> list[list[Claimed]]:
        """Renew the claims on the rest of a batch; rows another worker took over once a lease ran out are dropped
        (it delivers them), so a slow call never makes the rest of a stale batch go out twice."""
        ids = [row.id for group in groups for row in group]
        async with self._db.session() as session:
            held = await queries.renew_claims(
                session=session, ids=ids, worker=self.worker_id, now=self._clock.now(), lease=self._lease
            )
        if len(held) < len(ids):
            log.info(
                "outbox: %d row(s) of a batch were taken over after its lease ran out; leaving them",
                len(ids) - len(held),
            )
        kept = [[row for row in group if row.id in held] for group in groups]
        return [group for group in kept if group]

    async def _settle(self, group: list[Claimed]) -> None:
        """Deliver one row, or several that one call covers, and settle every row of it the same way."""
        try:
            await (self._deliver(group[0]) if len(group) == 1 else self._deliver.many(group))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # every failure is classified and kept on the row; nothing is swallowed
            await self._failed(group, exc)
            return
        async with self._db.session() as session:  # one statement for the group: a batch message covers 20 rows
            await queries.mark_delivered(
                session=session, row_ids=[row.id for row in group], worker=self.worker_id, now=self._clock.now()
            )
        for row in group:
            self._on_settled(row.kind, "delivered")

    async def _failed(self, group: list[Claimed], exc: Exception) -> None:
        """Settle every row of a failed delivery in one transaction (not one each: each takes SQLite's write lock)."""
        outcomes = [(row, *classify(exc, row.attempts)) for row in group]
        async with self._db.session() as session:
            for row, delay, error in outcomes:
                if delay is None:
                    log.error("outbox %s (%s) failed for good: %s", row.id, row.key, error, exc_info=exc)
                    await queries.mark_failed(
                        session=session, row_id=row.id, worker=self.worker_id, now=self._clock.now(), error=error
                    )
                else:
                    log.warning(
                        "outbox %s (%s) attempt %d: %s; retry in %s", row.id, row.key, row.attempts, error, delay
                    )
                    await queries.reschedule(
                        session=session, row_id=row.id, worker=self.worker_id, at=self._clock.now() + delay,
                        error=error,
                    )  # fmt: skip
        for row, delay, _error in outcomes:
            self._on_settled(row.kind, "failed" if delay is None else "retried")

    async def drain(self) -> None:
        """Deliver until nothing is due now in any lane (rows waiting for a later retry stay queued)."""
        await asyncio.gather(*(self._drain(lane) for lane in range(len(self._lanes))))

    async def _drain(self, lane: int, *, stoppable: bool = False) -> None:
        while not (stoppable and self.stopping.is_set()) and await self.run_once(lane):
            pass

    async def _run(self, lane: int) -> None:
        while not self.stopping.is_set():
            self._wake[lane].clear()
            try:
                await self._drain(lane, stoppable=True)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if (reason := unavailable(exc)) is None:
                    log.exception("outbox worker: database error; retrying in %.1f s", self._poll)
                else:  # a held lock or a read-only file: one line per attempt, not a traceback
                    log.warning("outbox worker: %s; retrying in %.1f s", reason, self._poll)
            try:
                await asyncio.wait_for(self._wake[lane].wait(), timeout=self._poll)
            except TimeoutError:
                pass

    def start(self) -> None:
        if not self._tasks:
            self.stopping.clear()
            self._tasks = [
                asyncio.create_task(self._run(lane), name=f"outbox-worker-{lane}") for lane in range(len(self._lanes))
            ]

    async def stop(self, grace: float = STOP_GRACE) -> None:
        """Stop the loops gracefully: each finishes the batch in hand (its deliveries are recorded, so a restart does
        not make them again) and ends; a loop still busy after `grace` seconds is cancelled. Cancelling one in the
        middle of a transaction would leave that connection holding SQLite's write lock."""
        tasks, self._tasks = self._tasks, []
        self.stopping.set()
        self.wake()
        if not tasks:
            return
        _, busy = await asyncio.wait(tasks, timeout=grace)
        if busy:
            log.warning("outbox worker: %d loop(s) still delivering after %.0f s; stopping them now", len(busy), grace)
            for task in busy:
                task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
