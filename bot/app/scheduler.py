"""APScheduler bootstrap. Jobs are registered explicitly with stable ids; each run is wrapped so a failure is logged
with its traceback (a database refusing for now, in one line) and the next run still happens. Correctness never
rests on one process running a job: the jobs only claim rows in the database (see storage/) and write events and
outbox rows."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import wraps

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.clock import Clock
from storage import outbox as outbox_queries
from storage.db import Database
from storage.unavailable import unavailable

log = logging.getLogger(__name__)

Job = Callable[[], Awaitable[None]]
OUTBOX_RETENTION = timedelta(days=7)


def scheduled(name: str, job: Job) -> Job:
    @wraps(job)
    async def run() -> None:
        try:
            await job()
        except Exception as exc:
            if (reason := unavailable(exc)) is None:
                log.exception("scheduled job %s failed; it runs again at its next time", name)
            else:  # a held lock or a read-only database: one line, not a traceback
                log.warning("scheduled job %s not run: %s; it runs again at its next time", name, reason)

    return run


REVIEW_INTERVAL = timedelta(minutes=10)
PRUNE_INTERVAL = timedelta(hours=6)
SWEEP = "sla_sweep"


@dataclass(frozen=True)
class ScheduledJob:
    name: str
    run: Job
    every: timedelta


def scheduled_jobs(
    db: Database, clock: Clock, *, sweep: Job, sweep_every: timedelta, reviews: Job
) -> list[ScheduledJob]:
    """Every job the app runs on a schedule (the sandbox's fast-forward runs the same ones at simulated times)."""

    async def prune_outbox() -> None:
        async with db.session() as session:
            removed = await outbox_queries.prune_delivered(session=session, before=clock.now() - OUTBOX_RETENTION)
        if removed:
            log.info("pruned %d delivered outbox rows older than %s", removed, OUTBOX_RETENTION)

    # The sweep reads only due timers through an index and handles a bounded batch per run; several replicas may
    # run it at once (rows are claimed in the database), so a missed or doubled run changes nothing. The same holds
    # for the reviews (each announcement is marked once) and the prune.
    return [
        ScheduledJob("prune_outbox", prune_outbox, PRUNE_INTERVAL),
        ScheduledJob(SWEEP, sweep, sweep_every),
        ScheduledJob("sla_reviews", reviews, REVIEW_INTERVAL),
    ]


def create_scheduler(
    db: Database, clock: Clock, *, sweep: Job, sweep_every: timedelta, reviews: Job
) -> AsyncIOScheduler:
    # APScheduler logs every run at INFO ("Running job …"): with a 30 s sweep that drowns the app's own lines.
    logging.getLogger("apscheduler.executors").setLevel(logging.WARNING)
    scheduler = AsyncIOScheduler(
        timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600}
    )
    for job in scheduled_jobs(db, clock, sweep=sweep, sweep_every=sweep_every, reviews=reviews):
        scheduler.add_job(
            scheduled(job.name, job.run),
            "interval",
            seconds=job.every.total_seconds(),
            id=job.name,
            replace_existing=True,
        )
    return scheduler
