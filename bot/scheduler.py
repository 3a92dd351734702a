"""APScheduler bootstrap. Jobs are registered explicitly with stable ids; each run is wrapped so a failure is logged
with its traceback and the next run still happens. Correctness never rests on one process running a job: the jobs
only claim rows in the database (see storage/) and write events and outbox rows."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from functools import wraps

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.clock import Clock
from storage import outbox as outbox_queries
from storage.db import Database

log = logging.getLogger(__name__)

Job = Callable[[], Awaitable[None]]
OUTBOX_RETENTION = timedelta(days=7)


def scheduled(name: str, job: Job) -> Job:
    @wraps(job)
    async def run() -> None:
        try:
            await job()
        except Exception:
            log.exception("scheduled job %s failed; it runs again at its next time", name)

    return run


REVIEW_INTERVAL = timedelta(minutes=10)
PRUNE_INTERVAL = timedelta(hours=6)


def create_scheduler(
    db: Database, clock: Clock, *, sweep: Job, sweep_every: timedelta, reviews: Job
) -> AsyncIOScheduler:
    # APScheduler logs every run at INFO ("Running job …"): with a 30 s sweep that drowns the app's own lines.
    logging.getLogger("apscheduler.executors").setLevel(logging.WARNING)
    scheduler = AsyncIOScheduler(
        timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600}
    )

    async def prune_outbox() -> None:
        async with db.session() as session:
            removed = await outbox_queries.prune_delivered(session=session, before=clock.now() - OUTBOX_RETENTION)
        if removed:
            log.info("pruned %d delivered outbox rows older than %s", removed, OUTBOX_RETENTION)

    # The sweep reads only due timers through an index and handles a bounded batch per run; several replicas may
    # run it at once (rows are claimed in the database), so a missed or doubled run changes nothing. The same holds
    # for the reviews (each announcement is marked once) and the prune.
    jobs = (
        ("prune_outbox", prune_outbox, PRUNE_INTERVAL),
        ("sla_sweep", sweep, sweep_every),
        ("sla_reviews", reviews, REVIEW_INTERVAL),
    )
    for name, job, every in jobs:
        scheduler.add_job(
            scheduled(name, job), "interval", seconds=every.total_seconds(), id=name, replace_existing=True
        )
    return scheduler
