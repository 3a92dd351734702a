"""The small error hierarchy the whole app speaks.

A `UserError` is something the person can fix. It carries data, not markup: a person it names is a `{placeholder}`
in its message with their Slack user id in `people`, and the presenting side names them its own way: a mention in an
ephemeral message (`bot.cards.error_mrkdwn`, through the notice template, whose renderer escapes anything left raw),
the person's name in an inline modal error (plain text: `Team.plain`), the id in a 4xx body. Anything else is a bug:
it is logged with its traceback and a short reference the person sees.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

PERSON = re.compile(r"\{(\w+)\}")


class HandoffError(Exception):
    """Base of every error Handoff raises on purpose."""


class ConfigError(HandoffError):
    """A setting is missing or invalid; start-up stops with this one line (exit code 2)."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key = key
        self.problem = problem


class UserError(HandoffError):
    """Something the person can fix; the message is safe to show them once `text` has named its `people`."""

    def __init__(
        self, message: str, *, field: str | None = None, people: Mapping[str, str | None] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.people = dict(people or {})  # placeholder → Slack user id (None: nobody known)

    def text(self, person: Callable[[str | None], str] = lambda user_id: user_id or "someone") -> str:
        """The message with each `{placeholder}` of `people` replaced by `person(user_id)` (in one pass, so nothing a
        name holds is replaced again); any other brace is left as written."""
        if not self.people:
            return self.message
        return PERSON.sub(lambda m: person(self.people[m[1]]) if m[1] in self.people else m[0], self.message)


class NotFound(UserError):
    """The thing asked for does not exist."""


class Forbidden(UserError):
    """The person may not do this."""


class Conflict(UserError):
    """The thing already moved on (someone else acted first)."""
