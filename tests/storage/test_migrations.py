"""The Alembic migrations build exactly the schema the models describe (so `handoff db upgrade` is the truth)."""

from __future__ import annotations

import asyncio

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection

from storage.db import Database, async_url, head_revision
from storage.models import Base
from storage.search_schema import include_name


async def test_migrating_an_empty_database_matches_the_models(db_url: str) -> None:
    db = Database(db_url)
    await db.prepare()

    def differences(conn: Connection) -> list[object]:
        context = MigrationContext.configure(conn, opts={"include_name": include_name})
        return list(compare_metadata(context, Base.metadata))

    try:
        async with db.engine.connect() as conn:
            diff = await conn.run_sync(differences)
    finally:
        await db.dispose()
    assert diff == []


async def test_replicas_starting_together_on_an_empty_database_create_the_schema_once(db_url: str) -> None:
    replicas = [Database(db_url) for _ in range(4)]
    try:
        await asyncio.gather(*(db.prepare() for db in replicas))
        assert {await db.current_revision() for db in replicas} == {head_revision()}
    finally:
        for db in replicas:
            await db.dispose()


def test_database_urls_without_a_driver_get_the_asyncio_one() -> None:
    assert async_url("postgres://u:p@db:5432/handoff") == "postgresql+asyncpg://u:p@db:5432/handoff"
    assert async_url("postgresql://db/handoff") == "postgresql+asyncpg://db/handoff"
    assert async_url("sqlite:///handoff.db") == "sqlite+aiosqlite:///handoff.db"
    assert async_url("postgresql+asyncpg://db/x") == "postgresql+asyncpg://db/x"
