"""How long each clock took, for the quarterly review's proposals: the settled clocks of a period, with their target
and their time (in the team file's units: a working day counts one day), and how many breached and are still open."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import SlaTimer


@dataclass(frozen=True)
class ClockTimes:
    clock: str
    target_seconds: int
    settled: tuple[int, ...]  # elapsed seconds of the clocks met or missed, sorted
    met: int
    open_breached: int  # breached and not stopped yet: counted as missed

    @property
    def counted(self) -> int:
        return len(self.settled) + self.open_breached

    @property
    def met_rate(self) -> float | None:
        return self.met / self.counted if self.counted else None


async def clock_times(
    session: AsyncSession, *, clock: str, target_seconds: int, start: datetime, end: datetime
) -> ClockTimes:
    """The clocks `clock` started in [start, end) that ran to `target_seconds` (a score band's stricter target is
    another promise, left out)."""
    rows = await session.execute(
        select(SlaTimer.state, SlaTimer.elapsed_seconds).where(
            SlaTimer.clock == clock,
            SlaTimer.target_seconds == target_seconds,
            SlaTimer.started_at >= start,
            SlaTimer.started_at < end,
            SlaTimer.state.in_(("met", "missed", "breached")),
        )
    )
    settled: list[int] = []
    met = open_breached = 0
    for state, elapsed in rows:
        if state == "breached":
            open_breached += 1
            continue
        settled.append(int(elapsed or 0))
        met += state == "met"
    return ClockTimes(clock, target_seconds, tuple(sorted(settled)), met, open_breached)
