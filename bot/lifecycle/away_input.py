"""The words of `/handoff`: who is away (no words), `away [@rep] [until DATE]`, `back [@rep]`, `help`.

A DATE is the day the person is back, one of:

- `2026-12-10` (year-month-day)
- `dec 10`, `december 10`, `10 dec`, `dec 10th`, with an optional year (`dec 10 2026`, `dec 10, 2026`): without a year
  it is the next such day to come (today counts), and it must then be within six months, so a day that has just
  passed is not read as next year's
- `monday` … `sunday` or `mon` … `sun`: the next such day after today (on a Friday, `friday` is a week away)
- `today`, `tomorrow`, `yesterday`

The absence ends at the start of that day's business hours in the team's timezone (`[business_hours] hours`, 09:00
by default): "away until Dec 10" is back on Dec 10 at 09:00. A day already begun there (`yesterday`, any past date),
a day more than a year ahead, a date that does not exist and anything else is answered with the usage help.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Literal

from bot.config.fields import USER_ID
from bot.config.team_file import HandoffConfig
from bot.errors import UserError
from message_templates import mrkdwn

MAX_TEXT = 200  # a command longer than this is not one of ours
MAX_AHEAD = timedelta(days=366)  # an absence ends within a year: longer is a typo, or not a job for Handoff
YEARLESS_AHEAD = timedelta(days=183)  # "dec 3" on Dec 4 is a slip, not an absence of a year
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
MONTH_NAMES = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)  # fmt: skip
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
DAY = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?$")
YEAR = re.compile(r"^\d{4}$")
MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")  # Slack escapes a mention as <@U123|name>

USAGE = (
    "*`/handoff`* — who is away, and until when\n"
    "*`/handoff away`* — you are away until you say `/handoff back`\n"
    "*`/handoff away until DATE`* — you are away until that day (back at the start of its business hours)\n"
    "*`/handoff back`* — you are back: new leads and your leads' alarms reach you again\n"
    "A manager may add a rep: `/handoff away @rep until DATE`, `/handoff back @rep`.\n"
    "DATE is `2026-12-10`, `dec 10`, `friday`, `tomorrow`: a day to come, within a year. "
    "While you are away you get no new leads and your open leads' alarms go to your manager."
)


@dataclass(frozen=True)
class HandoffCommand:
    verb: Literal["status", "away", "back", "help"]
    back_on: date | None = None  # away: the day they are back (None: until `/handoff back`)
    rep: str | None = None  # a manager naming someone else: that rep's id
    until: datetime | None = None  # away: the moment `back_on` begins (see `read_command`)


def usage(problem: str) -> UserError:
    return UserError(f"{problem}\n\n{USAGE}")


def quoted(text: str) -> str:
    """What the person typed, quoted back safely: control characters out, escaped, clipped."""
    shown = "".join(char if char.isprintable() else "?" for char in text)
    return f"“{mrkdwn(shown, 40)}”"


def parse_handoff(text: str, today: date) -> HandoffCommand:
    """The command in `text` (`today`: the team's date), or a UserError carrying the usage help."""
    if len(text) > MAX_TEXT or "\x00" in text:
        raise usage("That is not something `/handoff` understands.")
    words = text.replace(",", " ").split()
    if not words:
        return HandoffCommand("status")
    verb, rest = words[0].lower(), words[1:]
    if verb == "help" and not rest:
        return HandoffCommand("help")
    if verb not in ("away", "back"):
        raise usage(f"{quoted(words[0])} is not a `/handoff` command.")
    rep = None
    if rest and rest[0].startswith("@"):  # the app's manifest asks Slack to escape names; an older install does not
        raise usage("Slack sent a name, not the person: pick the rep from the @ list (and see README: /handoff).")
    if rest and rest[0].startswith("<@"):
        match = MENTION.match(rest[0])
        if match is None or not USER_ID.fullmatch(match[1]):
            raise usage("Mention the rep with @ so Slack sends who they are.")
        rep, rest = match[1], rest[1:]
    if verb == "back":
        if rest:
            raise usage("`/handoff back` takes no date: you are back now.")
        return HandoffCommand("back", rep=rep)
    if rest and rest[0].lower() == "until":
        rest = rest[1:]
        if not rest:
            raise usage("Until when? Write a day after `until`.")
    return HandoffCommand("away", back_on=parse_day(rest, today) if rest else None, rep=rep)


def _month(word: str) -> int | None:
    word = word.lower().rstrip(".")
    for number, (short, name) in enumerate(zip(MONTHS, MONTH_NAMES, strict=True), start=1):
        if word == short or word == name or (word == "sept" and number == 9):
            return number
    return None


def _weekday(word: str) -> int | None:
    for number, name in enumerate(WEEKDAYS):
        if word == name or word == name[:3]:
            return number
    return None


def parse_day(words: list[str], today: date) -> date:
    """One of the DATE forms in the module doc; a UserError with the usage help for anything else."""
    said = " ".join(words)
    lowered = [word.lower() for word in words]
    relative = {"today": 0, "tomorrow": 1, "yesterday": -1}
    if len(lowered) == 1:
        word = lowered[0]
        if word in relative:
            return today + timedelta(days=relative[word])
        weekday = _weekday(word)
        if weekday is not None:
            return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)
        match = ISO.match(word)
        if match:
            return _day(int(match[1]), int(match[2]), int(match[3]), said)
    elif len(lowered) in (2, 3):
        year = None
        if len(lowered) == 3:
            if not YEAR.match(lowered[2]):
                raise usage(f"{quoted(said)} is not a date I can read.")
            year = int(lowered[2])
        first, second = lowered[0], lowered[1]
        month, day = (_month(first), DAY.match(second)) if _month(first) else (_month(second), DAY.match(first))
        if month is not None and day is not None:
            if year is not None:
                return _day(year, month, int(day[1]), said)
            found = _next(month, int(day[1]), today, said)
            if found - today > YEARLESS_AHEAD:
                raise usage(f"{quoted(said)} is over six months away: write the year, like `{found.isoformat()}`.")
            return found
    raise usage(f"{quoted(said)} is not a date I can read.")


def _day(year: int, month: int, day: int, said: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise usage(f"{quoted(said)} is not a day of the calendar.") from None


def _next(month: int, day: int, today: date, said: str) -> date:
    """The next `month`/`day` to come, today counting: this year's, else next year's (Feb 29 may be neither)."""
    for year in (today.year, today.year + 1):
        try:
            found = date(year, month, day)
        except ValueError:
            continue
        if found >= today:
            return found
    raise usage(f"{quoted(said)} is not a day to come within a year.")


def back_at(back_on: date, config: HandoffConfig) -> datetime:
    """The moment an absence "until `back_on`" ends: the start of that day's business hours in the team's timezone."""
    opens = config.calendar.ranges[0][0]
    return datetime.combine(back_on, opens, config.tz).astimezone(UTC)


def check_ahead(back_on: date, config: HandoffConfig, now: datetime) -> datetime:
    """The end of an absence until `back_on`, refused (usage help) when it has begun or is more than a year ahead."""
    shown = f"{back_on:%a %b} {back_on.day}, {back_on.year}"
    today = now.astimezone(config.tz).date()
    if back_on - today > MAX_AHEAD:  # the date first: year 9999 never meets a timezone
        raise usage(f"{shown} is more than a year ahead: Handoff keeps absences within a year.")
    if back_on < today or back_at(back_on, config) <= now:
        raise usage(f"{shown} has already begun: an absence ends on a day to come.")
    return back_at(back_on, config)


def read_command(text: str, config: HandoffConfig, now: datetime) -> HandoffCommand:
    """`/handoff`'s words read at `now`: an absence's end is worked out and checked (a day to come, within a year)."""
    command = parse_handoff(text, now.astimezone(config.tz).date())
    if command.back_on is None:
        return command
    return replace(command, until=check_ahead(command.back_on, config, now))
