"""The words of `/funnel`: a period, an optional `by DIMENSION`, an optional `share`. Pure parsing; no clock."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.errors import UserError
from message_templates import clip, escape_mrkdwn

DIMENSIONS = ("source", "campaign", "rep", "band")
YEARS = (2000, 2999)  # a period's years: the calendar cannot go past 9999, and no lead arrived before 2000
USAGE = (
    "*Usage:* `/funnel [period] [by source|campaign|rep|band] [share]`\n"
    "*Periods:* `this month` (default) · `last month` · `this week` · `last week` · `this quarter` · "
    "`last quarter` · `last 30d` · `2026-Q3` · `2026-10` · `2026-10-01..2026-10-31`\n"
    "*Examples:* `/funnel` · `/funnel last month by source` · `/funnel 2026-Q3 by rep share` · `/funnel help`\n"
    "*Spend:* `/funnel spend` (managers and marketing) enters a month's spend for a source\n"
    "*Wins:* `/funnel wins [period]` lists the joint wins (this quarter by default) and the leaderboards\n"
    "*Quality:* `/funnel quality [period]` (this quarter by default): acceptance, wins and revenue by score band, "
    "source and campaign, the MQL bar the data recommends, and speed to lead\n"
    "*Content:* `/funnel content [period]` (this quarter by default): the assets used on leads won and lost, and "
    "the content sales asked for most"
)


@dataclass(frozen=True)
class Period:
    """Local dates [start, end) in the team's timezone, and how to say it. `unit` is "month", "quarter" or "week"
    for a calendar period (whole, or so far); None for a run of days."""

    label: str
    start: date
    end: date
    unit: str | None = None

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def previous(self) -> Period:
        """What the ▲/▼ compare with, labelled in words. A calendar period so far is compared with the one before
        to the same day (Dec 1 with Nov 1; Mar 31 with all of February, since a day the shorter month lacks is its
        last day), a whole one with the whole one before, and a run of days with as many days just before."""
        if self.unit in ("month", "quarter"):
            return self._months_before(1 if self.unit == "month" else 3)
        if self.unit == "week":
            label = "the week before" if self.days == 7 else "the same days of the week before"
            return Period(label, self.start - timedelta(days=7), self.end - timedelta(days=7))
        label = "the day before" if self.days == 1 else f"the {self.days} days before"
        return Period(label, self.start - timedelta(days=self.days), self.start)

    def _months_before(self, months: int) -> Period:
        start = _months_back(self.start, months)
        end = _months_back(self.end - timedelta(days=1), months) + timedelta(days=1)
        name = f"{start:%B}" if months == 1 else f"Q{(start.month - 1) // 3 + 1}"
        return Period(f"all of {name}" if end == self.start else f"{name} to the same day", start, end)

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        return (
            datetime.combine(self.start, time(0), tz).astimezone(UTC),
            datetime.combine(self.end, time(0), tz).astimezone(UTC),
        )

    def span(self) -> str:
        last = self.end - timedelta(days=1)
        if self.start == last:
            return f"{self.start:%b %-d, %Y}"
        if self.start.year == last.year:
            return f"{self.start:%b %-d} – {last:%b %-d, %Y}"
        return f"{self.start:%b %-d, %Y} – {last:%b %-d, %Y}"


@dataclass(frozen=True)
class FunnelQuery:
    period: Period
    dimension: str | None = None
    share: bool = False
    help: bool = False
    spend: bool = False
    wins: bool = False
    quality: bool = False
    content: bool = False


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def _months_back(day: date, months: int) -> date:
    """The same day `months` earlier; a month's last day, or a day the earlier month lacks, becomes its last day."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    first = date(year, month + 1, 1)
    last_day = (_next_month(first) - timedelta(days=1)).day
    is_last = (day + timedelta(days=1)).month != day.month
    return first.replace(day=last_day if is_last else min(day.day, last_day))


def _quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _next_quarter(day: date) -> date:
    start = _quarter_start(day)
    return _next_month(_next_month(_next_month(start)))


def _year(text: str, digits: str) -> int:
    """A period's year as typed, refused outside `YEARS` (year 9999's last day has no day after it to end on)."""
    if not YEARS[0] <= int(digits) <= YEARS[1]:
        raise UserError(f"{quoted(text)}: pick a period between {YEARS[0]} and {YEARS[1]}.")
    return int(digits)


def parse_period(text: str, today: date) -> Period:
    words = " ".join(text.lower().split())
    tomorrow = today + timedelta(days=1)
    if words in ("", "this month", "month", "mtd"):
        return Period("this month", _month_start(today), tomorrow, "month")
    if words == "last month":
        start = _month_start(_month_start(today) - timedelta(days=1))
        return Period("last month", start, _month_start(today), "month")
    if words in ("this week", "week", "wtd"):
        return Period("this week", today - timedelta(days=today.weekday()), tomorrow, "week")
    if words == "last week":
        monday = today - timedelta(days=today.weekday())
        return Period("last week", monday - timedelta(days=7), monday, "week")
    if words in ("this quarter", "quarter", "qtd"):
        return Period("this quarter", _quarter_start(today), tomorrow, "quarter")
    if words == "last quarter":
        start = _quarter_start(_quarter_start(today) - timedelta(days=1))
        return Period("last quarter", start, _quarter_start(today), "quarter")
    if words == "today":
        return Period("today", today, tomorrow)
    if match := re.fullmatch(r"last (\d{1,3}) ?d(?:ays?)?", words):
        days = int(match.group(1))
        if not 1 <= days <= 731:
            raise UserError("`last Nd` takes 1 to 731 days.")
        return Period(f"last {days} days", tomorrow - timedelta(days=days), tomorrow)
    if match := re.fullmatch(r"(\d{4})-?q([1-4])", words):
        start = date(_year(text, match.group(1)), 3 * int(match.group(2)) - 2, 1)
        return Period(f"{match.group(1)}-Q{match.group(2)}", start, _next_quarter(start), "quarter")
    if match := re.fullmatch(r"(\d{4})-(\d{2})", words):
        try:
            start = date(_year(text, match.group(1)), int(match.group(2)), 1)
        except ValueError:
            raise UserError(f"{quoted(text)} is not a month.") from None
        return Period(f"{start:%B %Y}", start, _next_month(start), "month")
    if match := re.fullmatch(r"(\d{4}-\d{2}-\d{2}) ?(?:\.\.|to|–|-) ?(\d{4}-\d{2}-\d{2})", words):
        for typed in match.groups():
            _year(text, typed[:4])
        try:
            first, last = date.fromisoformat(match.group(1)), date.fromisoformat(match.group(2))
        except ValueError:
            raise UserError(f"{quoted(text)} has a date that does not exist.") from None
        if last < first:
            raise UserError(f"{quoted(text)} ends before it starts.")
        if (last - first).days > 3 * 366:
            raise UserError("Pick a period of at most three years.")
        period = Period("", first, last + timedelta(days=1))
        return replace(period, label=period.span())
    raise UserError(f"I don't know the period {quoted(text)}.")


def quoted(text: str) -> str:
    """What the person typed, shown back in a code span: escaped for mrkdwn, clipped, its backticks made quotes."""
    shown = escape_mrkdwn(clip(text.replace("`", "'"), 80))
    return f"`{shown}`"


def parse_funnel(text: str, today: date) -> FunnelQuery:
    """Parse the command text; anything unknown raises a UserError whose message includes the usage help."""
    words = text.strip().split()
    lowered = [w.lower() for w in words]
    if lowered in (["help"], ["?"]):
        return FunnelQuery(parse_period("", today), help=True)
    if lowered == ["spend"]:
        return FunnelQuery(parse_period("", today), spend=True)
    share = "share" in lowered
    lowered = [w for w in lowered if w != "share"]
    if lowered[:1] in (["wins"], ["quality"], ["content"]):
        if lowered[0] in ("quality", "content") and share:
            raise UserError(f"`/funnel {lowered[0]}` answers you alone: drop `share`.\n{USAGE}")
        try:
            period = parse_period(" ".join(lowered[1:]) or "this quarter", today)
        except UserError as exc:
            raise UserError(f"{exc.message}\n{USAGE}") from None
        kind = lowered[0]
        return FunnelQuery(
            period, share=share, wins=kind == "wins", quality=kind == "quality", content=kind == "content"
        )
    dimension: str | None = None
    if "by" in lowered:
        at = lowered.index("by")
        if at + 1 >= len(lowered) or lowered[at + 1] not in DIMENSIONS:
            raise UserError(f"Break it down `by source`, `by campaign`, `by rep` or `by band`.\n{USAGE}")
        dimension = lowered[at + 1]
        del lowered[at : at + 2]
    try:
        period = parse_period(" ".join(lowered), today)
    except UserError as exc:
        raise UserError(f"{exc.message}\n{USAGE}") from None
    return FunnelQuery(period, dimension, share)
