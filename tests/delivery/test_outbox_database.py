"""A database error during delivery is retried, never final: a post Slack took before the error is found again
through its message metadata and recorded, never posted twice and never left unrecorded.

The errors are real ones: on SQLite another connection holds the write lock past the app's busy timeout; on
PostgreSQL another connection holds the lead's row lock and the app's waiting connection is terminated."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

from bot.delivery.outbox_kinds import LANES, LEAD_POST
from tests.conftest import LEADS, Harness, StartApp, team_config
from tests.databases import dsn, sqlite_write_lock
from tests.sla.test_sla import timers

SLACK_LANE = next(i for i, lane in enumerate(LANES) if LEAD_POST in lane)


class Logged(logging.Handler):
    """Sets `seen` when the outbox worker logs how it settled a failed attempt."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.seen = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        self.seen.set()


@asynccontextmanager
async def the_next_write_fails(app: Harness, lead_id: int, delivering: asyncio.Task[Any]) -> AsyncIterator[None]:
    """The app's next write to the lead fails with a database error; the failure ends when the worker has said how it
    settles the attempt (or delivery stopped), so that settling it can be written."""
    logged = Logged()
    logger = logging.getLogger("bot.delivery.worker")
    logger.addHandler(logged)
    try:
        if app.svc.db.is_sqlite:
            path = make_url(app.svc.db.url).database
            assert path
            async with sqlite_write_lock(path):  # held past the app's busy timeout
                yield
                await _first(logged.seen, delivering)
            return
        holder_conn = await asyncpg.connect(dsn(app.svc.db.url))
        admin = await asyncpg.connect(dsn(app.svc.db.url))
        try:
            locking = holder_conn.transaction()
            await locking.start()
            await holder_conn.execute("SELECT id FROM leads WHERE id = $1 FOR UPDATE", lead_id)
            yield
            waiting = None
            for _ in range(1000):  # until the app's record step waits on that row lock
                waiting = await admin.fetchval(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock' AND pid <> $1",
                    holder_conn.get_server_pid(),
                )
                if waiting is not None:
                    break
                await asyncio.sleep(0.01)
            assert waiting is not None, "the app never waited for the lead's row"
            assert await admin.fetchval("SELECT pg_terminate_backend($1)", waiting)
            await _first(logged.seen, delivering)
            await locking.rollback()
        finally:
            await holder_conn.close()
            await admin.close()
    finally:
        logger.removeHandler(logged)


async def _first(seen: asyncio.Event, delivering: asyncio.Task[Any]) -> None:
    waiter = asyncio.ensure_future(seen.wait())
    await asyncio.wait({waiter, delivering}, timeout=30, return_when=asyncio.FIRST_COMPLETED)
    waiter.cancel()


async def test_a_database_error_after_slack_took_the_post_is_retried_and_records_that_post_once(
    start_app: StartApp,
) -> None:
    app = await start_app(team_config(sla={"accept": {"target": "30m"}}))
    await app.svc.outbox.stop()  # this test drives delivery itself
    stall = app.slack.stall_next("chat.postMessage")  # Slack takes the post; its answer waits for the lock below
    _, body = await app.post_leads({"external_id": "db-lock-1", "name": "Ann Lee"})
    # Slack's lane only: the other lanes' claims would meet the lock below too, and fail the drain, not this post
    delivering = asyncio.create_task(app.svc.outbox.run_once(SLACK_LANE))
    await stall.arrived.wait()

    async with the_next_write_fails(app, body["id"], delivering):
        stall.release()  # the post landed; recording where it landed now meets the database error
    await delivering

    [row] = await app.outbox_rows()
    assert (row.failed_at, row.delivered_at) == (None, None)  # not final: rescheduled with back-off
    assert row.last_error and row.last_error.startswith("database:")
    assert timedelta(0) < row.next_attempt_at - app.clock.now() <= timedelta(seconds=1.2)
    assert (await app.lead(body["id"])).slack_ts is None

    app.clock.advance(2)
    await app.settle()

    posts = [m for m in app.slack.messages[LEADS] if m.thread_ts is None]
    assert len(posts) == 1 and len(app.slack.calls_to("chat.postMessage")) == 1  # found again, not posted twice
    lead = await app.lead(body["id"])
    assert (lead.slack_channel, lead.slack_ts) == (LEADS, posts[0].ts)
    assert [e.kind for e in await app.events(body["id"])] == ["mql_received", "posted"]
    [row, refresh] = await app.outbox_rows()
    assert row.delivered_at is not None and row.attempts == 2
    assert [(t.clock, t.state) for t in await timers(app, body["id"])] == [("accept", "running")]
    # the post was rendered by the first attempt, before its clock started: one update shows the clock's deadline
    assert (refresh.key, refresh.delivered_at is not None) == (f"lead_post:{body['id']}", True)
    [update] = app.slack.calls_to("chat.update")
    assert update.args["ts"] == lead.slack_ts
