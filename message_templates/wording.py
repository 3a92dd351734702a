"""How the app words its figures and people in mrkdwn: durations, money, rates, clocks, mentions.

Pure functions of their arguments, so every layer may word a figure the same way: the domain for the texts it
queues (an announcement's lines, a confirmation), the presenters in bot/views for the rest.
"""

from __future__ import annotations

import re
from datetime import timedelta

from message_templates import escape_mrkdwn

USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")  # as Slack issues them (bot/config/fields.py checks settings with it)
CLOCK_NAMES = {"accept": "Accept", "first_touch": "First contact", "follow_up": "Follow-up cadence"}


def mention(user_id: str | None) -> str:
    """A Slack mention for an id Slack gave us; anything else is shown literally, never as markup."""
    if user_id and USER_ID.match(user_id):
        return f"<@{user_id}>"
    return escape_mrkdwn(user_id or "someone")


def humanize(delta: timedelta) -> str:
    seconds = max(int(delta.total_seconds()), 0)
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{hours // 24} d {hours % 24} h" if hours % 24 else f"{hours // 24} d"


def count(n: int, one: str, many: str | None = None) -> str:
    """ "1 MQL", "2 MQLs", "1,204 opportunities": a number with its noun, singular for exactly one."""
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def money(cents: float | None) -> str:
    return "—" if cents is None else f"${cents / 100:,.0f}"


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def clock_name(clock: str) -> str:
    return CLOCK_NAMES.get(clock, clock)
