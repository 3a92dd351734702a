"""One wake-up after a commit that queued outbox rows (`Database.wake_after_enqueue`), on the real database: none
after a rollback, none for a savepoint that queued rows and rolled back, one for a retried transaction's commit."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from storage.db import Database
from storage.models import OutboxMessage
from storage.outbox import Outgoing, enqueue_many

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


class Boom(Exception):
    pass


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    database = Database(db_url)
    await database.prepare()
    try:
        yield database
    finally:
        await database.dispose()


@pytest.fixture
def wakes(db: Database) -> list[int]:
    calls: list[int] = []
    db.wake_after_enqueue(lambda *kinds: calls.append(1))
    return calls


async def queued(db: Database) -> int:
    async with db.session() as session:
        return int(await session.scalar(select(func.count(OutboxMessage.id))) or 0)


async def test_a_commit_that_queued_rows_wakes_once(db: Database, wakes: list[int]) -> None:
    async with db.session() as session:
        await enqueue_many(session=session, rows=[Outgoing("lead_post", "lead_post:1")], now=NOW)
        await enqueue_many(session=session, rows=[Outgoing("lead_post", "lead_post:2")], now=NOW)
        assert wakes == []  # not before the commit: the worker would find nothing yet
    assert wakes == [1]


async def test_a_transaction_that_queued_nothing_does_not_wake(db: Database, wakes: list[int]) -> None:
    async with db.session() as session:
        await enqueue_many(session=session, rows=[Outgoing("lead_post", "lead_post:1")], now=NOW)
    async with db.session() as session:  # coalesced into the waiting row: nothing added
        assert await enqueue_many(session=session, rows=[Outgoing("lead_post", "lead_post:1")], now=NOW) == 0
    async with db.session() as session:
        await session.execute(select(1))
    assert (wakes, await queued(db)) == ([1], 1)


async def test_a_rollback_does_not_wake_and_a_retry_that_commits_wakes_once(db: Database, wakes: list[int]) -> None:
    for attempt in range(2):
        try:
            async with db.session() as session:
                await enqueue_many(session=session, rows=[Outgoing("lead_post", "lead_post:1")], now=NOW)
                if attempt == 0:
                    raise Boom
        except Boom:
            assert (wakes, await queued(db)) == ([], 0)
    assert (wakes, await queued(db)) == ([1], 1)


async def test_a_savepoint_counts_only_if_it_is_kept(db: Database, wakes: list[int]) -> None:
    async with db.session() as session:
        with pytest.raises(Boom):
            async with session.begin_nested():
                await enqueue_many(session=session, rows=[Outgoing("lead_post", "lead_post:1")], now=NOW)
                raise Boom
    assert (wakes, await queued(db)) == ([], 0)

    async with db.session() as session:
        async with session.begin_nested():
            await enqueue_many(session=session, rows=[Outgoing("lead_post", "lead_post:2")], now=NOW)
        assert wakes == []  # released, but the outer transaction has not committed yet
    assert (wakes, await queued(db)) == ([1], 1)


async def test_a_failing_wake_up_does_not_undo_or_fail_the_commit(db: Database, wakes: list[int]) -> None:
    def broken(*kinds: str) -> None:
        raise RuntimeError("wake-up broke")

    db.wake_after_enqueue(broken)
    async with db.session() as session:
        await enqueue_many(session=session, rows=[Outgoing("lead_post", "lead_post:1")], now=NOW)
    assert (wakes, await queued(db)) == ([1], 1)


async def test_each_wake_up_names_the_kinds_the_commit_queued(db: Database) -> None:
    woken: list[tuple[str, ...]] = []
    db.wake_after_enqueue(lambda *kinds: woken.append(kinds))
    async with db.session() as session:
        rows = [
            Outgoing("lead_post", "lead_post:1"),
            Outgoing("feedback", "feedback:1:a"),
            Outgoing("lead_post", "lead_post:2"),
        ]
        await enqueue_many(session=session, rows=rows, now=NOW)
    assert woken == [("feedback", "lead_post")]
