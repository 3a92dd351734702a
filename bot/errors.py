"""The small error hierarchy the whole app speaks.

A `UserError` is something the person can fix; its message is mrkdwn (people as `<@U…>` mentions) and is shown to
them as an ephemeral message (through the notice template, whose renderer escapes anything left raw), as an inline
modal error (plain text: `Team.plain` names the people), or in a 4xx body. Anything else is a bug: it is logged with
its traceback and a short reference the person sees.
"""

from __future__ import annotations


class HandoffError(Exception):
    """Base of every error Handoff raises on purpose."""


class ConfigError(HandoffError):
    """A setting is missing or invalid; start-up stops with this one line (exit code 2)."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key = key
        self.problem = problem


class UserError(HandoffError):
    """Something the person can fix; the message is safe to show them."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(UserError):
    """The thing asked for does not exist."""


class Forbidden(UserError):
    """The person may not do this."""


class Conflict(UserError):
    """The thing already moved on (someone else acted first)."""
