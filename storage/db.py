"""The engine, the session scope, and the schema check that runs at start-up."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, event, inspect, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, SessionTransaction
from sqlalchemy.util import await_

from storage.models import Base
from storage.unavailable import BUSY, unavailable

log = logging.getLogger(__name__)
T = TypeVar("T")

MIGRATIONS = Path(__file__).parent / "migrations"
SCHEMA_WAIT = 120.0  # seconds a replica starting on SQLite waits for another one's migration
SCHEMA_LOCK = 0x48414E44  # "HAND": the PostgreSQL advisory lock key held while the schema is checked or migrated
READ_ONLY = "handoff_read_only"  # the execution option of `Database.reading`'s connections
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


ENQUEUED = "handoff.outbox.enqueued"
"""`Session.info` key: the transactions (the innermost open one each time) that queued outbox rows, each with the
kinds it queued."""


def mark_enqueued(session: AsyncSession, *kinds: str) -> None:
    """Note that the current transaction queued outbox rows of `kinds` (`storage.outbox.enqueue_many` and intake's
    set-based insert call it): once the outermost transaction commits, the Database's wake-ups run with the kinds
    queued. Inside a savepoint the mark is the savepoint's, and it goes if the savepoint rolls back."""
    sync = session.sync_session
    current = sync.get_nested_transaction() or sync.get_transaction()
    if current is not None:
        sync.info.setdefault(ENQUEUED, {}).setdefault(current, set()).update(kinds)


def _within(transaction: SessionTransaction | None, ended: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is ended:
            return True
        transaction = transaction.parent
    return False


def upsert_for(session: AsyncSession) -> Callable[..., Any]:
    """The dialect's INSERT with ON CONFLICT (PostgreSQL and SQLite spell it the same way in SQLAlchemy)."""
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


async def on_aiosqlite(call: Awaitable[T], statement: str) -> T:
    """A call of aiosqlite's own (one trip to its thread; SQLAlchemy's bridge takes three for a statement), its
    errors raised as SQLAlchemy's, as a statement through SQLAlchemy would, so `storage.unavailable` tells a busy or
    read-only database from a bug. The parameters are left out of the error: they are lead data."""
    try:
        return await call
    except sqlite3.Error as exc:
        raise DBAPIError.instance(statement, None, exc, sqlite3.Error, hide_parameters=True) from exc


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

        # A Session class of this Database's own, so the commit hooks below see only its sessions.
        class HandoffSession(Session):
            pass

        session_class = HandoffSession
        event.listen(session_class, "after_commit", self._after_commit)
        event.listen(session_class, "after_soft_rollback", self._after_rollback)
        event.listen(session_class, "after_transaction_end", self._after_transaction_end)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False, sync_session_class=session_class)
        self._wakeups: list[Callable[..., None]] = []
        self._readers = async_sessionmaker(
            self.engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False, sync_session_class=session_class
        )
        self._writer = asyncio.Lock() if self.is_sqlite else None
        self._busy_ms = int(WRITE_WAIT * 1000)  # the next SQLite transaction's busy timeout (set under `_writer`)

    def wake_after_enqueue(self, wakeup: Callable[..., None]) -> None:
        """Run `wakeup(*kinds)` (the outbox worker's `wake`) after every commit that queued outbox rows, in whatever
        part of the app it happened, so no domain service has to remember to. Not after a rollback, nor after a
        savepoint that queued rows and rolled back; a transaction retried after a failure wakes once, when it
        commits. The hook runs in this process only: another process (`HANDOFF_ROLE=web`'s worker) finds new rows
        by polling."""
        self._wakeups.append(wakeup)

    def _after_commit(self, session: Session) -> None:
        if session.in_nested_transaction():  # a savepoint released: its marks wait for the outermost commit
            return
        if marks := session.info.pop(ENQUEUED, None):
            kinds = sorted(set().union(*marks.values()))
            for wakeup in self._wakeups:
                try:
                    wakeup(*kinds)
                except Exception:  # the commit is done: a failing hook must not make the caller think otherwise
                    log.exception("the wake-up after an outbox commit failed")

    @staticmethod
    def _after_rollback(session: Session, ended: SessionTransaction) -> None:
        marks: dict[SessionTransaction, set[str]] = session.info.get(ENQUEUED) or {}
        for transaction in [t for t in marks if _within(t, ended)]:
            del marks[transaction]

    @staticmethod
    def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
        if transaction.parent is None:  # the outermost one: nothing it marked outlives it
            session.info.pop(ENQUEUED, None)

    def _sqlite_begin_immediate(self, conn: Connection) -> None:
        # Take the write lock when the transaction starts: a deferred transaction that reads and then writes can fail
        # with SQLITE_BUSY when another process committed in between, and busy_timeout does not help there.
        driver: Any = conn.connection.driver_connection  # aiosqlite's: one trip to its thread a statement, not three
        if conn.get_execution_options().get(READ_ONLY):
            await_(on_aiosqlite(driver.execute("BEGIN"), "BEGIN"))  # deferred: a WAL read takes no lock, waits for none
            return
        info = conn.connection.info
        if info.get("busy_ms") != self._busy_ms:  # mostly unchanged: no extra statement per transaction
            pragma = f"PRAGMA busy_timeout={self._busy_ms}"
            await_(on_aiosqlite(driver.execute(pragma), pragma))
            info["busy_ms"] = self._busy_ms
        await_(on_aiosqlite(driver.execute("BEGIN IMMEDIATE"), "BEGIN IMMEDIATE"))

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

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        """A transaction that only reads, from one snapshot. On SQLite it neither queues for this process's turn at
        the write lock nor takes it: in WAL mode readers and the one writer never wait for each other, so the outbox
        worker reading what it renders does not hold intake back. Writing in it is a mistake (SQLite would refuse
        it as busy when another transaction writes)."""
        async with self._readers.begin() as session:
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
        end of the migration, so one creates the schema and the others find it current. On SQLite a replica that
        meets the migrating one's write lock (even in its connection's first PRAGMA, where SQLite may answer
        "database is locked" at once rather than wait) tries again until `SCHEMA_WAIT` has passed: on PostgreSQL
        the advisory lock waits as long as the migration takes."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + SCHEMA_WAIT
        while True:
            try:
                await self._prepare()
                return
            except DBAPIError as exc:
                busy = self.is_sqlite and (unavailable(exc) or "").startswith(BUSY)
                if not busy or loop.time() >= deadline:
                    raise
                await self.engine.dispose()  # no pooled connection half-set-up
                await asyncio.sleep(0.05)

    async def _prepare(self) -> None:
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
