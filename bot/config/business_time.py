"""Durations, percentages and working time. Pure functions of their inputs: no clock, no I/O.

An SLA clock that is business-hours aware counts only the team's working time: a lead posted on Friday at 17:20
with a 30-minute target is due on Monday at 09:20 (with working hours 09:00-17:30). `WallTime` is the same
interface counting every second, so SLA code never branches on which one it holds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_DAYS_SEARCHED = 3 * 366  # a calendar with no working day in three years is a configuration error


def parse_duration(text: str) -> timedelta:
    """ "90s", "30m", "4h", "2d", or combined largest first ("1h30m"). Raises ValueError with a readable message."""
    match = DURATION.match(text.strip()) if isinstance(text, str) else None
    if not text or match is None or not any(match.groups()):
        raise ValueError(f'{text!r} is not a duration: write a number and a unit, like "90s", "30m", "4h", "2d"')
    days, hours, minutes, seconds = (int(g or 0) for g in match.groups())
    try:
        return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    except OverflowError:  # "99999999999d": a readable refusal, not a crash
        raise ValueError(f"{text!r} is too long a duration") from None


def format_duration(delta: timedelta) -> str:
    """The inverse of `parse_duration`, for messages: 5400 s → "1h30m"."""
    seconds = int(delta.total_seconds())
    if seconds == 0:
        return "0s"
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)


def parse_percent(text: str) -> float:
    """ "75%" → 0.75; strictly between 0 % and 100 % inclusive of 100."""
    value = text.strip() if isinstance(text, str) else ""
    if not value.endswith("%"):
        raise ValueError(f'{text!r} is not a percentage: write it like "75%"')
    try:
        number = float(value[:-1])
    except ValueError:
        raise ValueError(f'{text!r} is not a percentage: write it like "75%"') from None
    if not 0 < number <= 100:
        raise ValueError(f"{text!r} must be above 0% and at most 100%")
    return number / 100


def parse_hours(text: str) -> tuple[time, time]:
    """ "09:00-17:30" → (09:00, 17:30); the end must come after the start on the same day."""
    match = re.match(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$", text)
    if match is None:
        raise ValueError(f'{text!r} is not a range of hours: write it like "09:00-17:30"')
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    try:
        start, end = time(h1, m1), time(h2, m2)
    except ValueError:
        raise ValueError(f"{text!r} has an hour or minute out of range") from None
    if end <= start:
        raise ValueError(f"{text!r} ends before it starts (ranges cannot cross midnight)")
    return start, end


class WorkingTime(Protocol):
    def add(self, start: datetime, delta: timedelta) -> datetime:
        """The moment `delta` of counted time after `start`."""
        ...

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """Counted time between two moments (zero if `end` is before `start`)."""
        ...

    def span(self, configured: timedelta) -> timedelta:
        """The counted time a duration the team file gives stands for: in working time a day ("5d") is a working
        day, not 24 working hours; hours and less count as written."""
        ...

    def unspan(self, counted: timedelta) -> timedelta:
        """The inverse of `span`, for what people read: 42h30m of working time is "5d" with 8h30m working days."""
        ...


class WallTime:
    """Every second counts."""

    def add(self, start: datetime, delta: timedelta) -> datetime:
        return start + delta

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        return max(end - start, timedelta(0))

    def span(self, configured: timedelta) -> timedelta:
        return configured

    def unspan(self, counted: timedelta) -> timedelta:
        return counted


@dataclass(frozen=True)
class BusinessHours:
    """Working days and hours in one timezone, minus holidays. Ranges are sorted and do not overlap."""

    tz: ZoneInfo
    days: frozenset[int]  # 0 = Monday
    ranges: tuple[tuple[time, time], ...]
    holidays: frozenset[date] = frozenset()

    def is_working_day(self, day: date) -> bool:
        return day.weekday() in self.days and day not in self.holidays

    def _windows(self, since: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Working windows (UTC) that end after `since`, in order."""
        day = since.astimezone(self.tz).date()
        for _ in range(MAX_DAYS_SEARCHED):
            if self.is_working_day(day):
                for start, end in self.ranges:
                    opens = datetime.combine(day, start, self.tz).astimezone(UTC)
                    closes = datetime.combine(day, end, self.tz).astimezone(UTC)
                    if closes > since:
                        yield opens, closes
            day += timedelta(days=1)
        raise ValueError("no working time in the next three years: check [business_hours]")

    def add(self, start: datetime, delta: timedelta) -> datetime:
        if delta <= timedelta(0):
            return start
        remaining = delta
        for opens, closes in self._windows(start):
            begin = max(opens, start)
            available = closes - begin
            if remaining <= available:
                return begin + remaining
            remaining -= available
        raise AssertionError("unreachable: _windows raises when it runs out")

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        total = timedelta(0)
        if end <= start:
            return total
        for opens, closes in self._windows(start):
            if opens >= end:
                break
            total += min(closes, end) - max(opens, start)
        return total

    @property
    def day_length(self) -> timedelta:
        """The working time of one working day (8h30m for 09:00-17:30)."""
        anchor = date(2000, 1, 3)
        return sum(
            (datetime.combine(anchor, end) - datetime.combine(anchor, start) for start, end in self.ranges),
            timedelta(0),
        )

    def span(self, configured: timedelta) -> timedelta:
        whole_days = timedelta(days=configured.days)
        return configured.days * self.day_length + (configured - whole_days)

    def unspan(self, counted: timedelta) -> timedelta:
        days, rest = divmod(counted, self.day_length)
        return timedelta(days=days) + rest

    def first_working_day(self, since: date) -> date:
        day = since
        for _ in range(MAX_DAYS_SEARCHED):
            if self.is_working_day(day):
                return day
            day += timedelta(days=1)
        raise ValueError("no working day in the next three years: check [business_hours]")

    def opening(self, day: date) -> datetime:
        """When work starts on `day` (UTC)."""
        return datetime.combine(day, self.ranges[0][0], self.tz).astimezone(UTC)


def check_ranges(ranges: Iterable[tuple[time, time]]) -> tuple[tuple[time, time], ...]:
    """Sort ranges and refuse overlaps, naming the pair."""
    ordered = tuple(sorted(ranges))
    for (s1, e1), (s2, e2) in zip(ordered, ordered[1:], strict=False):
        if s2 < e1:
            raise ValueError(f"{s1:%H:%M}-{e1:%H:%M} overlaps {s2:%H:%M}-{e2:%H:%M}")
    return ordered
