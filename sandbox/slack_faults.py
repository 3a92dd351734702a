"""How ``FakeSlack`` fails on purpose: scripted failures (``fail_next``), an outage (``set_down``), an answer held
after Slack acted (``stall_next``) and a slow Slack (``hold``). Mixed into ``FakeSlack``, which checks them on
every request it serves."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from aiohttp import web

from sandbox.slack_models import Failure


@dataclass(frozen=True)
class Stall:
    """A held answer (see ``FakeSlack.stall_next``): ``arrived`` is set once the call is in, ``release()`` answers."""

    arrived: asyncio.Event
    released: asyncio.Event

    def release(self) -> None:
        self.released.set()


class ScriptedFaults:
    """The failures a test or the sandbox page scripts, and the checks each request makes against them."""

    def _init_faults(self) -> None:
        self._failures: dict[str, list[Failure]] = {}
        self._down = False
        self._stalls: dict[str, Stall] = {}
        self._holds: dict[str, Stall] = {}

    def _notify(self) -> None:
        """Tell change listeners (FakeSlack bumps its version)."""

    def fail_next(
        self,
        method: str,
        *,
        status: int = 500,
        times: int = 1,
        retry_after: int | None = None,
        error: str | None = None,
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail with HTTP ``status``.

        429 answers ``ratelimited`` with a ``Retry-After`` header (default 1 s); 5xx answers ``internal_error``;
        200 needs ``error`` and answers ``{"ok": false, "error": error}``. ``error`` overrides the body's error code.
        ``method`` may also be ``"upload"`` (upload_url POSTs), ``"response_url"``, or ``"*"`` for the next Web API
        call whatever its method (a method's own queued failures come first). Queued failures run in order.
        """
        if times < 1:
            raise ValueError("times must be at least 1")
        if status == 200 and error is None:
            raise ValueError("a status-200 failure needs an error code")
        if status == 429 and retry_after is None:
            retry_after = 1
        default_error = "ratelimited" if status == 429 else "internal_error" if status >= 500 else "invalid_request"
        self._failures.setdefault(method, []).append(Failure(status, times, retry_after, error or default_error))
        self._notify()

    def stall_next(self, method: str) -> Stall:
        """The next call to ``method`` is carried out (the workspace changes, as on Slack) but its answer is held
        until ``release()``: a connection lost after Slack acted, the moment a crashing sender loses the result."""
        stall = Stall(asyncio.Event(), asyncio.Event())
        self._stalls[method] = stall
        return stall

    def hold(self, method: str) -> Stall:
        """Every call to ``method`` (or to ``"response_url"``) from now on is carried out and recorded at once, but its
        answer waits until ``release()``: a slow Slack. ``arrived`` is set by the first such call."""
        held = Stall(asyncio.Event(), asyncio.Event())
        self._holds[method] = held
        return held

    def set_down(self, down: bool = True) -> None:
        """While down, every endpoint answers HTTP 503."""
        self._down = down
        self._notify()

    @property
    def down(self) -> bool:
        return self._down

    def queued_failures(self) -> list[tuple[str, int, int]]:
        """The scripted failures still to come: (method, HTTP status, times)."""
        return [(method, f.status, f.times) for method, queue in self._failures.items() for f in queue]

    def _take_failure(self, key: str) -> Failure | None:
        queue = self._failures.get(key)
        if not queue:
            return None
        failure = queue[0]
        failure.times -= 1
        if failure.times <= 0:
            queue.pop(0)
        return failure

    def _blocked(self, key: str) -> web.Response | None:
        if self._down:
            return web.Response(status=503, text="service_unavailable")
        failure = self._take_failure(key)
        if failure is None:
            return None
        headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else None
        return web.Response(status=failure.status, text=failure.error, headers=headers)

    async def _held(self, method: str) -> None:
        held = self._holds.get(method)
        if held is not None and not held.released.is_set():
            held.arrived.set()
            await held.released.wait()
