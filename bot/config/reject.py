"""`[reject]`: the catalog of reasons a rep picks from when rejecting an MQL, and which of them suppress.

Each entry is a reason, or a table `{ reason = "…", suppress = true }`. A rejection with a suppressing reason also
takes the prospect out of marketing's future campaigns: a `suppress` feedback event and, where the CRM write-back
is configured, the CRM's opt-out (see bot.lifecycle.outcomes)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, StrictBool

from bot.config.fields import Frozen

SUPPRESS_BY_DEFAULT = "Student, competitor or personal"
"""The default catalog's one suppressing reason: nobody should market to a student, a competitor or a private
person again."""
DEFAULT_REJECT_REASONS = (
    "Not our ICP / bad fit",
    "No budget or authority",
    SUPPRESS_BY_DEFAULT,
    "Bad contact data",
    "Duplicate or already in pipeline",
    "Not ready — recycle to nurture",
    "Other",
)


def select_options(reasons: tuple[str, ...]) -> tuple[str, ...]:
    """A reason catalog that fits one Slack static select."""
    if not 1 <= len(reasons) <= 100:
        raise ValueError("list between 1 and 100 reasons (a Slack select holds at most 100)")
    for reason in reasons:
        if not 1 <= len(reason) <= 75:
            raise ValueError(f"{reason!r}: each reason is 1 to 75 characters (Slack's option limit)")
    if len(set(reasons)) != len(reasons):
        raise ValueError("reasons must be unique")
    return reasons


class RejectReason(Frozen):
    reason: str
    suppress: StrictBool = False
    """Rejecting with it takes the prospect out of future campaigns (`true` or `false`, not "yes")."""


def _entry(value: Any) -> Any:
    """A plain string is a reason that does not suppress."""
    if isinstance(value, str):
        return {"reason": value}
    if not isinstance(value, dict):
        raise ValueError('each reason is a string, or a table { reason = "…", suppress = true }')
    return value


def _catalog(entries: tuple[RejectReason, ...]) -> tuple[RejectReason, ...]:
    select_options(tuple(entry.reason for entry in entries))
    return entries


Catalog = Annotated[tuple[Annotated[RejectReason, BeforeValidator(_entry)], ...], AfterValidator(_catalog)]
DEFAULT_CATALOG = tuple(
    RejectReason(reason=reason, suppress=reason == SUPPRESS_BY_DEFAULT) for reason in DEFAULT_REJECT_REASONS
)


class RejectConfig(Frozen):
    catalog: Catalog = Field(DEFAULT_CATALOG, alias="reasons")
    """`reasons` in the team file."""

    @property
    def reasons(self) -> tuple[str, ...]:
        """The reasons as the reject modal lists them, in the catalog's order."""
        return tuple(entry.reason for entry in self.catalog)

    @property
    def suppressing(self) -> frozenset[str]:
        """The reasons whose rejection takes the prospect out of future campaigns."""
        return frozenset(entry.reason for entry in self.catalog if entry.suppress)
