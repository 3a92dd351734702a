"""[sla.content_request]: the clock marketing runs on when sales asks for content (`/content request`), a term of
the agreement like the lead clocks, but marketing's side of it and not one of `SlaConfig.clocks()` (those run on
leads; this one runs on content requests, bot/content/request_clock.py).

    [sla.content_request]
    target = "2d"              # in business time by default: a "d" is a working day
    warn_at = "75%"            # the heads-up to whoever took it (or to marketing, while nobody has)
    business_hours = true
    escalate = [{ after = "0s", notify = "manager" }]   # "manager": the taker's manager, else [team] marketing_head
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field, field_validator

from bot.config.escalation import EscalationStep, in_order
from bot.config.fields import Duration, Frozen, WarnAt

DEFAULT_ESCALATION = (EscalationStep(after=timedelta(0), notify="manager"),)


class ContentRequestClock(Frozen):
    target: Duration = timedelta(days=2)
    warn_at: WarnAt | None = 0.75
    business_hours: bool = True
    escalate: tuple[EscalationStep, ...] = Field(default=DEFAULT_ESCALATION, max_length=10)

    @field_validator("target")
    @classmethod
    def _sensible(cls, value: timedelta) -> timedelta:
        if not timedelta(minutes=1) <= value <= timedelta(days=90):
            raise ValueError("must be between 1m and 90d")
        return value

    @field_validator("escalate")
    @classmethod
    def _in_order(cls, steps: tuple[EscalationStep, ...]) -> tuple[EscalationStep, ...]:
        return in_order(steps)
