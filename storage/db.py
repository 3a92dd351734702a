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

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"
SCHEMA_LOCK = 0x48414E44  # "HAND": the PostgreSQL advisory lock key held while the schema is checked or migrated


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
    cursor.execute("PRAGMA busy_timeout=5000")  # other processes wait for the write lock instead of failing
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin_immediate(conn: Connection) -> None:
    # Take the write lock when the transaction starts: a deferred transaction that reads and then writes can fail
    # with SQLITE_BUSY when another process committed in between, and busy_timeout does not help there.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


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
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
            event.listen(self.engine.sync_engine, "begin", _sqlite_begin_immediate)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._writer = asyncio.Lock() if self.is_sqlite else None

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """One transaction: committed when the block ends, rolled back if it raises.

        On SQLite every transaction takes the database's one write lock when it begins. Transactions of this
        process queue for it here, in order, instead of in SQLite's busy handler, which sleeps and polls (1, 2, 5 …
        100 ms): under load that polling, not the work, set the latency. Other processes still meet busy_timeout."""
        if self._writer is None:
            async with self.sessions.begin() as session:
                yield session
            return
        async with self._writer, self.sessions.begin() as session:
            yield session

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
            await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK})


def _migrate(conn: Connection, revision: str) -> None:
    cfg = alembic_config()
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, revision)
