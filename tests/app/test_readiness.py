"""Readiness tells the truth about writes, and a database that refuses or stalls them is a 503, never a 500.

The database refuses for real: on SQLite the file (or its directory) is made read-only, or another connection holds
the write lock (BEGIN IMMEDIATE); on PostgreSQL the test's own database is made read-only, or another connection
holds a lock on `leads` that writes wait for. /readyz tries a write (rolled back) and says why it cannot; intake,
the stage API and the lead record answer 503 with Retry-After within seconds, with nothing half-written; once the
database is back the same lead is stored and posted exactly once.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from bot.app.background import RETRY_DELAYS
from bot.app.observability import READY_FRESH
from bot.app.scheduler import SWEEP, scheduled
from bot.ids import Action, Block, Callback
from tests.conftest import INTAKE_TOKEN, LEADS, REP1, Harness, StartApp
from tests.databases import TEST_DATABASE_URL, dsn, sqlite_write_lock
from tests.lifecycle.test_reject import BUDGET, reject_values

READY_WITHIN = 2.5  # seconds /readyz may take while the write lock is held elsewhere
WRITE_WITHIN = 4.5  # seconds a write may take to give up


class Answer:
    def __init__(self, status: int, body: Any, retry_after: str | None, seconds: float) -> None:
        self.status, self.body, self.retry_after, self.seconds = status, body, retry_after, seconds

    def __repr__(self) -> str:
        return f"Answer({self.status}, {self.body!r}, Retry-After={self.retry_after}, {self.seconds:.2f} s)"

    @property
    def unavailable(self) -> bool:
        """503 with a Retry-After and a reason, as a client that retries needs it."""
        return self.status == 503 and self.retry_after is not None and self.retry_after.isdigit()


async def call(app: Harness, method: str, path: str, body: Any = None) -> Answer:
    headers = {"Authorization": f"Bearer {INTAKE_TOKEN}"}
    started = time.monotonic()
    async with app.http.request(method, app.url(path), json=body, headers=headers) as response:
        payload = await response.json()
        return Answer(response.status, payload, response.headers.get("Retry-After"), time.monotonic() - started)


async def readyz(app: Harness) -> Answer:
    app.clock.advance(READY_FRESH)  # past the last good answer, which /readyz keeps for a moment
    return await call(app, "GET", "/readyz")


def sqlite_path(app: Harness) -> Path:
    path = make_url(app.svc.db.url).database
    assert path
    return Path(path)


@contextmanager
def read_only(path: Path) -> Iterator[None]:
    """`path` cannot be written: chmod a-w, or for root, whom permissions do not stop, the immutable attribute."""
    if os.geteuid() != 0:
        mode = path.stat().st_mode
        path.chmod(mode & ~0o222)
        try:
            yield
        finally:
            path.chmod(mode)
        return
    subprocess.run(["chattr", "+i", str(path)], check=True)
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


@asynccontextmanager
async def writes_refused(app: Harness) -> AsyncIterator[None]:
    """The database stops accepting writes: SQLite's file is read-only, PostgreSQL's database read-only. Connections
    opened before keep what they had, so the pool is emptied both ways (as a restart or a recycled connection)."""
    if app.svc.db.is_sqlite:
        with read_only(sqlite_path(app)):
            await app.svc.db.dispose()
            yield
        await app.svc.db.dispose()
        return
    name = make_url(app.svc.db.url).database
    admin = await asyncpg.connect(dsn(TEST_DATABASE_URL))
    try:
        await admin.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
        await app.svc.db.dispose()
        try:
            yield
        finally:
            await admin.execute(f'ALTER DATABASE "{name}" RESET default_transaction_read_only')
            await app.svc.db.dispose()
    finally:
        await admin.close()


@asynccontextmanager
async def write_lock_held(app: Harness) -> AsyncIterator[None]:
    """Another connection holds what writes wait for: SQLite's write lock, or a SHARE lock on PostgreSQL's `leads`
    (reads go on; every insert or update of a lead waits)."""
    if app.svc.db.is_sqlite:
        async with sqlite_write_lock(sqlite_path(app)):
            yield
        return
    conn = await asyncpg.connect(dsn(app.svc.db.url))
    try:
        async with conn.transaction():
            await conn.execute("LOCK TABLE leads IN SHARE MODE")
            yield
    finally:
        await conn.close()


async def posted_once_each(app: Harness, *external_ids: str) -> None:
    """Every one of these leads has its post, and Slack was asked for no other."""
    for external_id in external_ids:
        answer = await call(app, "GET", f"/api/leads/{external_id}")
        assert answer.status == 200, answer
        await app.post_of(answer.body["lead"]["id"])
    assert len(app.slack.calls_to("chat.postMessage")) == len(external_ids)


async def test_readyz_and_intake_answer_503_while_the_database_refuses_writes(app: Harness) -> None:
    before = await call(app, "POST", "/api/leads", {"external_id": "before-1", "name": "Ann Lee"})
    assert before.status == 201
    await app.settle()
    assert (await readyz(app)).status == 200

    async with writes_refused(app):
        assert (await call(app, "GET", "/readyz")).status == 200  # the last good answer, kept for READY_FRESH
        ready = await readyz(app)
        assert ready.unavailable, ready
        assert ready.body["ok"] is False and ready.body["reason"].startswith("database is read-only:"), ready

        intake = await call(app, "POST", "/api/leads", {"external_id": "during-1", "name": "Bo Chen"})
        assert intake.unavailable, intake
        assert intake.body["error"] == "database_unavailable"
        assert intake.body["message"].startswith("database is read-only:")
        assert "nothing was changed" in intake.body["message"]
        stage = await call(app, "POST", "/api/leads/before-1/stage", {"stage": "won", "amount": 100})
        assert stage.unavailable, stage
        record = await call(app, "GET", "/api/leads/before-1")
        assert record.status == 200, record  # reading needs no write

    assert (await call(app, "GET", "/readyz")).status == 200  # a failure is not kept: ready again at once
    assert (await call(app, "GET", "/api/leads/during-1")).status == 404  # nothing half-written
    assert (await call(app, "GET", "/api/leads/before-1")).body["lead"]["stage"] == "mql"
    after = await call(app, "POST", "/api/leads", {"external_id": "during-1", "name": "Bo Chen"})
    assert after.status == 201 and after.body["created"] is True
    await app.settle()
    await posted_once_each(app, "before-1", "during-1")


async def test_a_held_write_lock_is_503_with_retry_after_within_seconds_and_intake_works_once_it_is_released(
    app: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    assert (await call(app, "POST", "/api/leads", {"external_id": "before-1", "name": "Ann Lee"})).status == 201
    await app.settle()
    assert (await readyz(app)).status == 200

    async with write_lock_held(app):
        ready = await readyz(app)
        assert ready.unavailable and ready.seconds < READY_WITHIN, ready
        assert ready.body["reason"].startswith("database is busy:"), ready

        writes = await asyncio.gather(
            *(call(app, "POST", "/api/leads", {"external_id": f"during-{n}", "name": "Bo Chen"}) for n in range(4)),
            call(app, "POST", "/api/leads/before-1/stage", {"stage": "won", "amount": 100}),
        )
        for answer in writes:  # each gives up on its own deadline, not one after another
            assert answer.unavailable and answer.seconds < WRITE_WITHIN, answer
            assert answer.body["error"] == "database_unavailable"
            assert answer.body["message"].startswith("database is busy:"), answer
        record = await call(app, "GET", "/api/leads/before-1")
        # PostgreSQL reads past a lock writes wait for; on SQLite every transaction takes the write lock
        assert record.status == 200 if not app.svc.db.is_sqlite else record.unavailable, record
        await scheduled(SWEEP, app.svc.sweep_all)()  # as the scheduler runs it
        app.svc.outbox.wake()  # on SQLite the worker meets the lock too, and says so
        for _ in range(500 if app.svc.db.is_sqlite else 0):
            if any(r.name == "bot.delivery.worker" for r in caplog.records):
                break
            await asyncio.sleep(0.01)
    assert not [r.getMessage() for r in caplog.records if r.exc_info], "a refusal for now is no traceback"

    assert (await call(app, "GET", "/readyz")).status == 200
    for n in range(4):
        assert (await call(app, "GET", f"/api/leads/during-{n}")).status == 404
        assert (await call(app, "POST", "/api/leads", {"external_id": f"during-{n}", "name": "Bo"})).status == 201
    await app.settle()
    await posted_once_each(app, "before-1", *(f"during-{n}" for n in range(4)))
    assert (await call(app, "GET", "/api/leads/before-1")).body["lead"]["stage"] == "mql"


class Logged(logging.Handler):
    """Counts the warnings of work after an ack that the database refused for now, to be tried again."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.retries = 0
        self.seen = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if "trying again" in record.getMessage():
            self.retries += 1
            self.seen.set()


@asynccontextmanager
async def background_log() -> AsyncIterator[Logged]:
    logged = Logged()
    logger = logging.getLogger("bot.app.background")
    logger.addHandler(logged)
    try:
        yield logged
    finally:
        logger.removeHandler(logged)


async def test_a_click_the_database_refused_for_a_moment_is_tried_again_and_done_without_a_word(
    app: Harness,
) -> None:
    lead_id = await app.new_lead(name="click")
    post = await app.post_of(lead_id)

    async with background_log() as logged:
        async with write_lock_held(app):
            status, _ = await app.press(post, Action.ACCEPT, REP1)
            assert status == 200
            await asyncio.wait_for(logged.seen.wait(), timeout=30)  # its first try met the lock and gave up
        await app.settle()

    assert logged.retries == 1
    assert app.slack.responses == []  # done on its second try: nothing to tell
    lead = await app.lead(lead_id)
    assert (lead.stage, lead.owner) == ("sal", REP1)
    assert [e.kind for e in await app.events(lead_id)].count("accepted") == 1
    async with app.http.get(app.url("/metrics")) as response:
        assert "handoff_background_retries_total 1.0" in await response.text()


async def test_a_click_while_the_write_lock_stays_held_is_acked_tried_again_and_the_person_told_to_try_later(
    app: Harness,
) -> None:
    lead_id = await app.new_lead(name="click")
    post = await app.post_of(lead_id)

    async with background_log() as logged, write_lock_held(app):
        started = time.monotonic()
        status, _ = await app.press(post, Action.ACCEPT, REP1)
        assert status == 200 and time.monotonic() - started < 1.0  # the ack never waits for the database
        await app.svc.background.wait()

    assert logged.retries == len(RETRY_DELAYS)
    [answer] = app.slack.responses
    assert answer["response_type"] == "ephemeral"
    assert "was not done" in answer["text"] and "try again" in answer["text"].lower()
    assert "(ref" not in answer["text"]  # not an unexpected error: the database said why
    assert (await app.lead(lead_id)).stage == "mql"

    assert (await app.click(Action.ACCEPT, lead_id, REP1))[0] == 200
    await app.settle()
    assert (await app.lead(lead_id)).owner == REP1
    assert app.slack.messages[LEADS]


async def test_a_modal_submitted_while_the_write_lock_is_held_shows_why_under_its_field_in_time(app: Harness) -> None:
    lead_id = await app.new_lead(name="modal")

    async with write_lock_held(app):
        started = time.monotonic()
        status, body = await app.submit(Callback.REJECT, REP1, str(lead_id), reject_values(BUDGET))
        assert status == 200 and time.monotonic() - started < 3.0  # Slack waits 3 s for the answer
        answer = json.loads(body)
        assert answer["response_action"] == "errors"
        assert "was not done" in answer["errors"][Block.REJECT_REASON]

    assert (await app.lead(lead_id)).stage == "mql"
    status, body = await app.submit(Callback.REJECT, REP1, str(lead_id), reject_values(BUDGET))
    assert (status, body) == (200, "")
    assert (await app.lead(lead_id)).stage == "rejected"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_a_read_only_directory_is_503_not_500(start_app: StartApp, tmp_path: Path) -> None:
    folder = tmp_path / "data"
    app = await start_app(database_url=f"sqlite+aiosqlite:///{folder / 'handoff.db'}")
    await app.svc.outbox.stop()  # no connection may reopen the database while its directory changes
    await app.svc.db.dispose()  # the last connection closes: SQLite removes its -wal and -shm files
    assert sorted(p.name for p in folder.iterdir()) == ["handoff.db"]

    with read_only(folder):  # a new connection cannot create the -wal file WAL mode needs
        ready = await readyz(app)
        assert ready.unavailable and ready.body["reason"].startswith("database unreachable:"), ready
        intake = await call(app, "POST", "/api/leads", {"external_id": "dir-1"})
        assert intake.unavailable and intake.body["error"] == "database_unavailable", intake
        await app.svc.db.dispose()

    assert (await call(app, "POST", "/api/leads", {"external_id": "dir-1"})).status == 201
