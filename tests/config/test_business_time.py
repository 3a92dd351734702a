"""Working-time arithmetic, with answers worked out on a calendar by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.config.business_time import (
    BusinessHours,
    WallTime,
    format_duration,
    parse_duration,
    parse_hours,
    parse_percent,
)

CHICAGO = ZoneInfo("America/Chicago")
HOURS = BusinessHours(
    tz=CHICAGO,
    days=frozenset(range(5)),
    ranges=((time(9), time(17, 30)),),
    holidays=frozenset({date(2026, 12, 25)}),
)
SPLIT = BusinessHours(tz=CHICAGO, days=frozenset(range(5)), ranges=((time(9), time(12)), (time(13), time(17))))


def local(y: int, mo: int, d: int, h: int, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=CHICAGO).astimezone(UTC)


@pytest.mark.parametrize(
    ("start", "delta", "due"),
    [
        (local(2026, 11, 23, 9), timedelta(minutes=30), local(2026, 11, 23, 9, 30)),  # Monday morning
        (local(2026, 11, 27, 17, 20), timedelta(minutes=30), local(2026, 11, 30, 9, 20)),  # Friday → Monday
        (local(2026, 11, 28, 11), timedelta(minutes=30), local(2026, 11, 30, 9, 30)),  # posted on Saturday
        (local(2026, 11, 23, 6), timedelta(minutes=30), local(2026, 11, 23, 9, 30)),  # before opening
        (local(2026, 12, 24, 17), timedelta(hours=1), local(2026, 12, 28, 9, 30)),  # Christmas Friday is off
        (local(2026, 11, 23, 9), timedelta(hours=24), local(2026, 11, 25, 16)),  # 8.5 h + 8.5 h + 7 h
        (local(2026, 11, 23, 17, 30), timedelta(0), local(2026, 11, 23, 17, 30)),
    ],
)
def test_adding_working_time(start: datetime, delta: timedelta, due: datetime) -> None:
    assert HOURS.add(start, delta) == due


def test_a_lunch_break_is_not_counted() -> None:
    assert SPLIT.add(local(2026, 11, 23, 11, 45), timedelta(minutes=30)) == local(2026, 11, 23, 13, 15)
    assert SPLIT.elapsed(local(2026, 11, 23, 11, 45), local(2026, 11, 23, 13, 15)) == timedelta(minutes=30)


def test_elapsed_across_a_weekend_counts_only_the_working_minutes() -> None:
    # Friday 17:20 → Monday 09:20: 10 minutes on Friday, 20 on Monday
    assert HOURS.elapsed(local(2026, 11, 27, 17, 20), local(2026, 11, 30, 9, 20)) == timedelta(minutes=30)
    assert HOURS.elapsed(local(2026, 11, 30, 9), local(2026, 11, 27, 9)) == timedelta(0)


def test_daylight_saving_change_keeps_local_opening_hours() -> None:
    # DST ends Sunday Nov 1 2026: Friday 17:00 CDT (22:00 UTC) + 1 h working → Monday 09:30 CST (15:30 UTC)
    assert HOURS.add(local(2026, 10, 30, 17), timedelta(hours=1)) == datetime(2026, 11, 2, 15, 30, tzinfo=UTC)


def test_first_working_day_skips_weekends_and_holidays() -> None:
    hours = BusinessHours(tz=CHICAGO, days=frozenset(range(5)), ranges=((time(9), time(17)),),
                          holidays=frozenset({date(2027, 1, 1)}))  # fmt: skip
    assert hours.first_working_day(date(2027, 1, 1)) == date(2027, 1, 4)


@given(
    st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2028, 1, 1), timezones=st.just(UTC)),
    st.integers(min_value=0, max_value=200 * 3600),
)
def test_elapsed_undoes_add(start: datetime, seconds: int) -> None:
    due = HOURS.add(start, timedelta(seconds=seconds))
    assert due >= start
    assert HOURS.elapsed(start, due) == timedelta(seconds=seconds) or (seconds == 0 and due == start)


def test_wall_time_counts_everything() -> None:
    start = local(2026, 11, 27, 17, 20)
    assert WallTime().add(start, timedelta(minutes=30)) == start + timedelta(minutes=30)
    assert WallTime().elapsed(start, start - timedelta(1)) == timedelta(0)


@pytest.mark.parametrize(
    ("text", "seconds", "printed"),
    [("90s", 90, "1m30s"), ("30m", 1800, "30m"), ("4h", 14400, "4h"), ("2d", 172800, "2d"), ("1h30m", 5400, "1h30m"),
     ("0s", 0, "0s")],
)  # fmt: skip
def test_durations_parse_and_print_back(text: str, seconds: int, printed: str) -> None:
    assert parse_duration(text).total_seconds() == seconds
    assert format_duration(parse_duration(text)) == printed


@pytest.mark.parametrize("text", ["", "30", "m", "30 min", "1.5h", "-5m", "30m1h"])
def test_bad_durations_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration(text)


def test_percentages_and_hours_parse() -> None:
    assert parse_percent("75%") == 0.75
    assert parse_hours("9:00 - 17:30") == (time(9), time(17, 30))
    for bad in ("0%", "101%", "x%"):
        with pytest.raises(ValueError):
            parse_percent(bad)
    with pytest.raises(ValueError, match="out of range"):
        parse_hours("09:00-25:00")


# --- a day of working time is a working day ----------------------------------------------------------------------


def test_a_configured_day_of_working_time_is_one_working_day_not_24_working_hours() -> None:
    assert HOURS.day_length == timedelta(hours=8, minutes=30)
    assert SPLIT.day_length == timedelta(hours=7)
    assert HOURS.span(timedelta(days=5)) == timedelta(hours=42, minutes=30)
    assert HOURS.span(timedelta(days=1, hours=2)) == timedelta(hours=10, minutes=30)
    assert HOURS.span(timedelta(minutes=30)) == timedelta(minutes=30)  # hours and less count as written
    tuesday_10 = datetime(2026, 12, 1, 16, 0, tzinfo=UTC)  # Tue Dec 1, 10:00 in Chicago
    assert HOURS.add(tuesday_10, HOURS.span(timedelta(days=5))) == datetime(2026, 12, 8, 16, 0, tzinfo=UTC)
    assert WallTime().span(timedelta(days=5)) == timedelta(days=5) == WallTime().unspan(timedelta(days=5))


@given(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=400)))
def test_unspan_reads_back_what_span_counted(configured: timedelta) -> None:
    counted = HOURS.span(configured)
    assert HOURS.span(HOURS.unspan(counted)) == counted
    if configured - timedelta(days=configured.days) < HOURS.day_length:
        assert HOURS.unspan(counted) == configured
