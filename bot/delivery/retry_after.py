"""How long a receiver asks to be left alone: an HTTP `Retry-After`, in seconds or as an HTTP date."""

from __future__ import annotations

from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime


def wait_of(value: str | None, *, now: datetime, cap: timedelta) -> timedelta | None:
    """`value` as a wait of at most `cap`; None when there is none to honour (absent, past, or unreadable)."""
    value = (value or "").strip()
    if value.isascii() and value.isdigit():
        wait = timedelta(seconds=min(int(value[:7]), cap.total_seconds()))
    else:
        try:
            wait = parsedate_to_datetime(value) - now
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
    return min(wait, cap) if wait > timedelta(0) else None
