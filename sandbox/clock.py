"""The sandbox's clock: the system time plus an offset the page moves forward, so an SLA can be seen to warn and
escalate without waiting. The app (as its injected `Clock`) and the Slack emulation (as a callable) share it."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta


class OffsetClock:
    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def __call__(self) -> float:
        return time.time() + self.offset.total_seconds()

    def advance(self, delta: timedelta) -> datetime:
        if delta < timedelta(0):
            raise ValueError("the sandbox clock only moves forward")
        self.offset += delta
        return self.now()
