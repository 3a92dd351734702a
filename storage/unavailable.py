"""Which database errors mean "not now" rather than "a bug": the database is read-only, another connection holds a
lock past the wait, the file or the server cannot be reached, the disk is full. Those are answered 503 with
Retry-After (HTTP) or "try again" (Slack), and /readyz names them; anything else is still a bug with a traceback.

SQLite says it with its result code (`sqlite_errorcode` on Python's sqlite3 errors), PostgreSQL with its SQLSTATE.
The reason keeps only the driver's first line: SQLAlchemy's text goes on with the statement and its parameters,
lead data among them.
"""

from __future__ import annotations

import sqlite3

from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

BUSY = "database is busy"
READ_ONLY = "database is read-only"
UNREACHABLE = "database unreachable"
FULL = "database is full"

SQLITE = {5: BUSY, 6: BUSY, 8: READ_ONLY, 10: UNREACHABLE, 13: FULL, 14: UNREACHABLE}
"""Primary result codes: SQLITE_BUSY, _LOCKED, _READONLY, _IOERR, _FULL, _CANTOPEN."""

POSTGRES = {
    "55P03": BUSY,  # lock_not_available: lock_timeout passed
    "55006": BUSY,  # object_in_use
    "40P01": BUSY,  # deadlock_detected
    "57014": BUSY,  # query_canceled (statement_timeout)
    "53300": BUSY,  # too_many_connections
    "25006": READ_ONLY,  # read_only_sql_transaction: default_transaction_read_only, a standby
    "53100": FULL,  # disk_full
    "57P01": UNREACHABLE,  # admin_shutdown
    "57P02": UNREACHABLE,  # crash_shutdown
    "57P03": UNREACHABLE,  # cannot_connect_now
}
"""SQLSTATEs; any of class 08 (connection exception) is unreachable too."""


def first_line(exc: BaseException) -> str:
    """The gist of an error, without the SQL statement and parameters SQLAlchemy appends (lead data among them)."""
    return (str(exc).splitlines() or [type(exc).__name__])[0][:300]


def unavailable(exc: BaseException) -> str | None:
    """`database is busy: database is locked` and the like when the database refused for now, else None."""
    if isinstance(exc, PoolTimeout):
        return f"{BUSY}: no connection free in the pool"
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        cause = exc.orig
        state = _state(cause)
        if state is None and exc.connection_invalidated:
            state = UNREACHABLE
        return f"{state}: {first_line(cause)}" if state is not None else None
    if isinstance(exc, OSError):  # a connection refused or timed out before any driver error
        return f"{UNREACHABLE}: {first_line(exc)}"
    return None


def _state(cause: BaseException) -> str | None:
    if isinstance(cause, sqlite3.Error):
        return SQLITE.get(getattr(cause, "sqlite_errorcode", 0) & 0xFF)
    sqlstate = str(getattr(cause, "sqlstate", None) or "")
    return POSTGRES.get(sqlstate) or (UNREACHABLE if sqlstate.startswith("08") else None)
