"""Work that runs after Slack has its acknowledgement.

Bolt's own lazy listeners would do, but they keep no reference to their tasks (a task can be collected mid-flight),
nobody waits for them at shutdown, and their failures are logged without a traceback. This keeps every task, waits
for them on shutdown, and routes failures to one place: a `UserError` is shown to the person; anything else is
logged with its traceback and a short reference the person is shown too.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from bot.errors import UserError

log = logging.getLogger(__name__)

Tell = Callable[[str], Awaitable[Any]]


def reference() -> str:
    return secrets.token_hex(3)


class Background:
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def spawn(self, work: Coroutine[Any, Any, Any], *, tell: Tell, what: str) -> asyncio.Task[None]:
        task = asyncio.create_task(self._guard(work, tell, what), name=what)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _guard(self, work: Coroutine[Any, Any, Any], tell: Tell, what: str) -> None:
        try:
            await work
        except UserError as exc:
            await self._tell(tell, exc.message, what)
        except Exception:
            ref = reference()
            log.exception("%s failed (ref %s)", what, ref)
            await self._tell(tell, f":warning: Something went wrong on our side (ref `{ref}`). Please try again.", what)

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
