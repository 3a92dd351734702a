"""Work that runs after Slack has its acknowledgement, bounded so that a flood of clicks cannot pile up.

Bolt's own lazy listeners would do, but they keep no reference to their tasks (a task can be collected mid-flight),
nobody waits for them at shutdown, and their failures are logged without a traceback. This keeps every task, waits
for them on shutdown, and routes failures to one place: a `UserError` is shown to the person; anything else is
logged with its traceback and a short reference the person is shown too.

Backpressure: at most `WORKERS` pieces of work run at once and `BACKLOG` more wait, in arrival order. Work may name
a key (a button on one lead) and the person it is for: a person's click on a key where their earlier click is still
waiting or running is a stale duplicate and is dropped (the earlier one answers them); a key has at most `PER_KEY`
pieces in flight, and anything beyond the bounds is refused at once with `BUSY`. A flood of clicks on one lead so
holds a few workers, never the database for seconds ahead of intake or of other people's clicks.

A database that refused for now (`storage.unavailable`: busy past its lock wait, unreachable for a moment) is not
final: the work, which changed nothing, runs again after `RETRY_DELAYS`, out of its worker slot, and the person is
told it was not done only when the last try fails too. Work is so handed over as a function that starts it afresh.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

from bot.errors import UserError
from bot.views.lead_cards import error_mrkdwn
from storage.unavailable import unavailable

log = logging.getLogger(__name__)

Tell = Callable[[str], Awaitable[Any]]

WORKERS = 8
"""Pieces of work running at once: SQLite writes one transaction at a time, so more would only queue there."""
BACKLOG = 100
"""Pieces of work waiting for a worker; each is a click's few milliseconds, so the last waits well under a second."""
PER_KEY = 3
"""Pieces of work in flight for one key (one button of one lead): enough for reps racing to accept it."""
BUSY = ":hourglass_flowing_sand: Handoff is busy with many clicks right now, so this one was not done. Try again soon."
RETRY_DELAYS = (0.5, 1.0, 2.0)
"""Seconds before each further try of work the database refused for now: with each try's own lock wait
(`storage.db.WRITE_WAIT`), a click is done or refused within about ten seconds, well inside its response_url's
half hour."""
NOT_DONE = "That was not done: Handoff cannot use its database right now. Try again in a minute."
"""What a person is told when the database refused for now (`storage.unavailable`): nothing changed."""


def reference() -> str:
    return secrets.token_hex(3)


def went_wrong(ref: str) -> str:
    return f"Something went wrong on our side (ref `{ref}`). Please try again."


def explained(exc: Exception, what: str, *, emoji: bool = True) -> str:
    """What the person is told about `what` failing with `exc`, logged as it deserves: a UserError is theirs to
    fix and is only told; a database that refused for now is a warning; anything else is a bug, logged with its
    traceback and a reference the person is shown too. Work after an ack (`Background`) and a listener that
    raised (`bot.app.listener_errors`, a modal's submission) answer through this one function. Without `emoji`,
    for a modal's plain-text error, the words come without their leading emoji code."""
    if isinstance(exc, UserError):
        return error_mrkdwn(exc)
    if (reason := unavailable(exc)) is not None:  # not a bug: the database said why, and nothing changed
        log.warning("%s not done: %s", what, reason)
        return f":hourglass_flowing_sand: {NOT_DONE}" if emoji else NOT_DONE
    ref = reference()
    log.error("%s failed (ref %s)", what, ref, exc_info=exc)
    return f":warning: {went_wrong(ref)}" if emoji else went_wrong(ref)


class Background:
    def __init__(
        self,
        *,
        workers: int = WORKERS,
        backlog: int = BACKLOG,
        per_key: int = PER_KEY,
        on_refused: Callable[[str], None] | None = None,
        on_retried: Callable[[], None] | None = None,
    ) -> None:
        self._tasks: set[asyncio.Task[None]] = set()
        self._slots = asyncio.Semaphore(workers)
        self._limit = workers + backlog
        self._admitted = 0  # waiting or running
        self._per_key = per_key
        self._keys: Counter[str] = Counter()  # key → pieces in flight
        self._holders: set[tuple[str, str]] = set()  # (key, person) in flight
        self._on_refused = on_refused or (lambda reason: None)  # reason: "duplicate" or "busy"
        self._on_retried = on_retried or (lambda: None)  # work the database refused for now, to run again

    def spawn(
        self,
        work: Callable[[], Awaitable[Any]],
        *,
        tell: Tell,
        what: str,
        key: str | None = None,
        person: str | None = None,
    ) -> asyncio.Task[None] | None:
        """Run `work()` after the ack, or refuse it at once (None): a duplicate silently, anything over a bound with
        `BUSY` told to the person."""
        holder = (key, person) if key is not None and person is not None else None
        if holder is not None and holder in self._holders:
            self._on_refused("duplicate")
            return None
        if self._admitted >= self._limit or (key is not None and self._keys[key] >= self._per_key):
            log.warning("%s refused: busy (%d pieces of work in flight)", what, self._admitted)
            self._on_refused("busy")
            self._track(asyncio.create_task(self._tell(tell, BUSY, what), name=f"{what}: busy"))
            return None
        self._admitted += 1
        if key is not None:
            self._keys[key] += 1
        if holder is not None:
            self._holders.add(holder)
        return self._track(asyncio.create_task(self._run(work, tell, what, key, holder), name=what))

    def _track(self, task: asyncio.Task[None]) -> asyncio.Task[None]:
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _run(
        self, work: Callable[[], Awaitable[Any]], tell: Tell, what: str, key: str | None, holder: tuple[str, str] | None
    ) -> None:
        try:
            await self._guard(work, tell, what)
        finally:
            self._admitted -= 1
            if key is not None:
                self._keys[key] -= 1
                if not self._keys[key]:
                    del self._keys[key]
            if holder is not None:
                self._holders.discard(holder)

    async def _guard(self, work: Callable[[], Awaitable[Any]], tell: Tell, what: str) -> None:
        for delay in (*RETRY_DELAYS, None):
            async with self._slots:  # telling the person holds the slot too: a slow Slack slows new work down
                try:
                    await work()
                    return
                except Exception as exc:
                    if delay is None or (reason := unavailable(exc)) is None:
                        await self._tell(tell, explained(exc, what), what)
                        return
                    log.warning("%s not done yet: %s; trying again in %.1f s", what, reason, delay)
            self._on_retried()
            await asyncio.sleep(delay)

    @staticmethod
    async def _tell(tell: Tell, text: str, what: str) -> None:
        try:
            await tell(text)
        except Exception:
            log.exception("%s: could not tell the person %r", what, text)

    async def wait(self) -> None:
        """Let in-flight work finish (shutdown, and tests that assert after a click)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
