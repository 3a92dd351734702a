"""The engine, the session scope, and the schema check that runs at start-up."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, event, inspect, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from storage.models import Base

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"
SCHEMA_LOCK = 0x48414E44  # "HAND": the PostgreSQL advisory lock key held while the schema is checked or migrated
WRITE_WAIT = 2.0
"""Seconds a transaction waits for what it needs to write before it fails as busy: on SQLite its turn in this process
and another process's write lock together (the busy timeout gets what is left), on PostgreSQL each lock
(lock_timeout). Then intake answers 503 with Retry-After, and a Slack modal its error, well inside Slack's 3 s."""


class SchemaBehind(Exception):
    """The database was made by an older Handoff; `handoff db upgrade` brings it forward."""

    def __init__(self, current: str | None, head: str) -> None:
        super().__init__(f"database schema is at {current or 'an unknown revision'}, this Handoff needs {head}")
        self.current = current
        self.head = head


def upsert_for(session: AsyncSession) -> Callable[..., Any]:
    """The dialect's INSERT with ON CONFLICT (PostgreSQL and SQLite spell it the same way in SQLAlchemy)."""
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Autocommit at the driver, so SQLAlchemy's "begin" hook below decides how transactions start.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers never block the writer
    cursor.execute("PRAGMA synchronous=NORMAL")  # durable at checkpoints; safe with WAL
    # Other processes' write lock is waited for instead of failing at once; `Database.session` sets each
    # transaction's own wait, this is for the few paths outside it (start-up's schema check, migrations).
    cursor.execute(f"PRAGMA busy_timeout={int(WRITE_WAIT * 1000)}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def async_url(url: str) -> str:
    """The URL with the asyncio driver Handoff ships: platforms hand out `postgres://…` or `postgresql://…`, and
    a plain `sqlite:///…` is as natural to write as `sqlite+aiosqlite:///…`."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    drivers = {"postgres": "postgresql+asyncpg", "postgresql": "postgresql+asyncpg", "sqlite": "sqlite+aiosqlite"}
    return f"{drivers.get(scheme, scheme)}://{rest}"


class Database:
    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url = async_url(url)
        parsed = make_url(url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        kwargs: dict[str, Any] = {"echo": echo}
        if self.is_sqlite and parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        if not self.is_sqlite:
            kwargs.update(pool_size=10, max_overflow=10, pool_pre_ping=True)
            # A lock held elsewhere (LOCK TABLE, a long transaction on the same row) fails the wait instead of
            # stalling the request forever; the schema lock opts out (`_lock_schema`).
            kwargs["connect_args"] = {"server_settings": {"lock_timeout": str(int(WRITE_WAIT * 1000))}}
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
            event.listen(self.engine.sync_engine, "begin", self._sqlite_begin_immediate)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._writer = asyncio.Lock() if self.is_sqlite else None
        self._busy_ms = int(WRITE_WAIT * 1000)  # the next SQLite transaction's busy timeout (set under `_writer`)

    def _sqlite_begin_immediate(self, conn: Connection) -> None:
        # Take the write lock when the transaction starts: a deferred transaction that reads and then writes can fail
        # with SQLITE_BUSY when another process committed in between, and busy_timeout does not help there.
        info = conn.connection.info
        if info.get("busy_ms") != self._busy_ms:  # mostly unchanged: no extra statement per transaction
            conn.exec_driver_sql(f"PRAGMA busy_timeout={self._busy_ms}")
            info["busy_ms"] = self._busy_ms
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    @asynccontextmanager
    async def _turn(self, wait: float) -> AsyncIterator[None]:
        """On SQLite: this process's turn at the write lock, with the busy timeout set to what is left of `wait`
        (rounded down to 100 ms, so that it rarely changes), so a transaction gives up `wait` after it asked
        however long it queued here. Transactions queued behind one that waits for another process therefore
        fail soon after it, instead of one busy timeout after another."""
        if self._writer is None:
            yield
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        async with self._writer:
            self._busy_ms = max(int((deadline - loop.time()) * 10) * 100, 10)
            try:
                yield
            finally:
                self._busy_ms = int(WRITE_WAIT * 1000)

    @asynccontextmanager
    async def session(self, *, wait: float = WRITE_WAIT) -> AsyncIterator[AsyncSession]:
        """One transaction: committed when the block ends, rolled back if it raises.

        On SQLite every transaction takes the database's one write lock when it begins. Transactions of this
        process queue for it here, in order, instead of in SQLite's busy handler, which sleeps and polls (1, 2, 5 …
        100 ms): under load that polling, not the work, set the latency. Other processes still meet busy_timeout.
        A write lock held elsewhere for longer than `wait` fails the transaction (see `storage.unavailable`)."""
        async with self._turn(wait), self.sessions.begin() as session:
            yield session

    async def check_writes(self, *, wait: float, head: str) -> str | None:
        """The schema revision, read in a transaction that takes what a write needs and writes, then rolls back:
        raises as a write would now (read-only, locked for longer than `wait`, unreachable). Only a schema at
        `head` is written to: an older one may lack tables, and is not ready anyway.

        SQLite has one write lock for the whole database, taken by BEGIN IMMEDIATE; the no-op UPDATE is refused
        by a read-only file. PostgreSQL locks per table: every table is locked in the mode an INSERT takes (which
        waits for a SHARE lock or stronger, and is refused in a read-only transaction)."""
        async with self._turn(wait), self.engine.connect() as conn:
            transaction = await conn.begin()
            try:
                if not self.is_sqlite:
                    await conn.execute(text(f"SET LOCAL lock_timeout = {int(wait * 1000)}"))
                current = await conn.run_sync(lambda c: MigrationContext.configure(c).get_current_revision())
                if current == head:
                    if not self.is_sqlite:
                        tables = ", ".join(f'"{name}"' for name in sorted(Base.metadata.tables))
                        await conn.execute(text(f"LOCK TABLE {tables} IN ROW EXCLUSIVE MODE"))
                    await conn.execute(text("UPDATE alembic_version SET version_num = version_num"))
            finally:
                await transaction.rollback()
        return current

    async def dispose(self) -> None:
        await self.engine.dispose()

    # --- schema -------------------------------------------------------------------------------------------------

    async def current_revision(self) -> str | None:
        async with self.engine.connect() as conn:
            return await conn.run_sync(lambda c: MigrationContext.configure(c).get_current_revision())

    async def upgrade(self, revision: str = "head") -> None:
        async with self.engine.begin() as conn:
            await self._lock_schema(conn)
            await conn.run_sync(_migrate, revision)

    async def prepare(self) -> None:
        """Create and migrate an empty database; refuse one whose schema is behind.

        Replicas starting together on an empty database take turns: the schema lock is held from the check to the
        end of the migration, so one creates the schema and the others find it current."""
        head = head_revision()
        if await self.current_revision() == head:
            return
        async with self.engine.begin() as conn:
            await self._lock_schema(conn)

            def check_and_create(sync: Connection) -> None:
                current = MigrationContext.configure(sync).get_current_revision()
                if current == head:
                    return
                if current is not None or inspect(sync).get_table_names():
                    raise SchemaBehind(current, head)
                log.info("empty database: creating the schema (revision %s)", head)
                _migrate(sync, "head")

            await conn.run_sync(check_and_create)

    async def _lock_schema(self, conn: AsyncConnection) -> None:
        # SQLite: the transaction began with BEGIN IMMEDIATE, so it already holds the database's write lock.
        if not self.is_sqlite:
            await conn.execute(text("SET LOCAL lock_timeout = 0"))  # a replica migrating may take its time
            await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK})


def _migrate(conn: Connection, revision: str) -> None:
    cfg = alembic_config()
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, revision)
