"""Per-channel pacing for chat.postMessage.

Slack allows about one message per second per channel, with short bursts, and answers 429 beyond that. Delivery
takes a slot before each post instead of finding the limit by hitting it; a 429's Retry-After closes the channel
for that long. Real (monotonic) seconds, not the app's clock: the limit is Slack's, in Slack's time.

Each process paces itself; replicas sharing a channel may together exceed the rate, and then Retry-After (which
reschedules the row, see bot/delivery/worker.py) takes over. Nothing is dropped either way.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    at: float
    closed_until: float = 0.0


class Pacer:
    def __init__(
        self,
        rate: float,
        burst: int,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.rate = rate
        self.burst = burst
        self._monotonic = monotonic
        self._sleep = sleep
        self._buckets: dict[str, _Bucket] = {}

    def _wait(self, channel: str) -> float:
        """Reserve the next slot in `channel`; returns how long to wait for it."""
        now = self._monotonic()
        bucket = self._buckets.setdefault(channel, _Bucket(float(self.burst), now))
        bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.at) * self.rate)
        bucket.at = now
        bucket.tokens -= 1.0
        wait = max(-bucket.tokens / self.rate, 0.0)
        return max(wait, bucket.closed_until - now)

    async def slot(self, channel: str) -> None:
        """Wait until a post to `channel` fits the rate."""
        wait = self._wait(channel)
        if wait > 0:
            await self._sleep(wait)

    def close_for(self, channel: str, seconds: float) -> None:
        """Slack said 429 with Retry-After: no post to `channel` before then."""
        bucket = self._buckets.setdefault(channel, _Bucket(0.0, self._monotonic()))
        bucket.closed_until = max(bucket.closed_until, self._monotonic() + seconds)
