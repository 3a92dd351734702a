"""The databases tests run against: a SQLite file always, and a PostgreSQL server when TEST_DATABASE_URL names one.

Each PostgreSQL test gets a database of its own, created empty (so start-up's create-and-migrate path runs exactly
as on a new installation) and dropped afterwards.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Final

import asyncpg
from sqlalchemy.engine import make_url

from storage.db import async_url

TEST_DATABASE_URL: Final = os.environ.get("TEST_DATABASE_URL", "").strip()
BACKENDS: Final = ("sqlite", "postgresql") if TEST_DATABASE_URL else ("sqlite",)
_names = itertools.count(1)


def dsn(url: str) -> str:
    """What asyncpg itself takes: the SQLAlchemy URL without its driver name."""
    return make_url(async_url(url)).set(drivername="postgresql").render_as_string(hide_password=False)


@asynccontextmanager
async def fresh_postgres(server_url: str = TEST_DATABASE_URL) -> AsyncIterator[str]:
    """A new, empty database on the server `server_url` points at; yields its SQLAlchemy URL."""
    name = f"handoff_test_{os.getpid()}_{next(_names)}"
    admin = await asyncpg.connect(dsn(server_url))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield make_url(async_url(server_url)).set(database=name).render_as_string(hide_password=False)
    finally:
        admin = await asyncpg.connect(dsn(server_url))
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


async def fetch(url: str, sql: str) -> list[tuple[object, ...]]:
    """Rows of one read-only query, for tests that look at what a `handoff` command stored."""
    from sqlalchemy import text

    from storage.db import Database

    db = Database(url)
    try:
        async with db.engine.connect() as conn:
            return [tuple(row) for row in await conn.execute(text(sql))]
    finally:
        await db.dispose()


@asynccontextmanager
async def sqlite_write_lock(path: str | os.PathLike[str]) -> AsyncIterator[None]:
    """Another connection holds SQLite's write lock until the block ends.

    The lock is taken off the event loop: taking it waits while one of the app's transactions (on this same loop)
    is writing, and a wait that blocked the loop would stop that transaction from ever ending."""
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
    try:
        await asyncio.to_thread(holder.execute, "BEGIN IMMEDIATE")
        try:
            yield
        finally:
            holder.execute("ROLLBACK")
    finally:
        holder.close()
