"""The sandbox's clock buttons: time moves forward in steps, and every scheduled job that came due on the way runs
at its own moment, in order — the SLA sweep at each timer's next step, the reviews (pacing, the quarterly review,
the weekly digest) and the outbox prune at each of their interval's slots — as the scheduler would have run them had
that time really passed."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Final

from bot.app.scheduler import SWEEP, ScheduledJob, scheduled_jobs
from bot.app.services import Services
from sandbox.clock import OffsetClock
from storage import content_requests as request_queries
from storage import sla as sla_queries

log = logging.getLogger("handoff.sandbox")

EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
MAX_STEPS: Final = 20_000  # a month of ten-minute slots plus every SLA step of a few hundred leads


def next_slot(after: datetime, every: timedelta) -> datetime:
    """The first multiple of `every` (counted from the epoch) later than `after`."""
    return EPOCH + ((after - EPOCH) // every + 1) * every


async def fast_forward(svc: Services, clock: OffsetClock, delta: timedelta) -> int:
    """Move `clock` forward by `delta`, stopping wherever a job is due; returns how many stops it made."""
    end = clock.offset + delta  # the real time goes on meanwhile: the offset is what must end `delta` further
    jobs = scheduled_jobs(
        svc.db, svc.clock, sweep=svc.sweep_all, sweep_every=svc.config.scheduler.sla_check_interval,
        reviews=svc.run_reviews,
    )  # fmt: skip
    sweep = next(job for job in jobs if job.name == SWEEP)
    timed = [job for job in jobs if job.name != SWEEP]
    slots: dict[str, datetime] = {job.name: next_slot(clock.now(), job.every) for job in timed}
    await run(sweep)  # what was due already
    stops = 0
    while stops < MAX_STEPS:
        stops += 1
        now = clock.now()
        target = now + (end - clock.offset)
        async with svc.db.session() as session:
            dues = [await sla_queries.next_due_after(session=session, after=now),
                    await request_queries.next_due_after(session, after=now)]  # fmt: skip
        timer_due = min((due for due in dues if due is not None), default=None)
        moment = min([target, *slots.values(), *([timer_due] if timer_due else [])])
        clock.advance(max(moment - now, timedelta(0)))
        if timer_due is not None and timer_due <= moment:
            await run(sweep)  # the SLA steps due now, before the announcements that count them
        for job in sorted(timed, key=lambda j: slots[j.name]):
            if slots[job.name] <= moment:
                await run(job)
                slots[job.name] = next_slot(moment, job.every)
        if moment >= target:
            break
    else:
        log.warning("fast-forward stopped after %d steps, %s short", stops, end - clock.offset)
    return stops


async def run(job: ScheduledJob) -> None:
    try:
        await job.run()
    except Exception:
        log.exception("scheduled job %s failed during a fast-forward", job.name)
