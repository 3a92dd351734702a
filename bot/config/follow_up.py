"""[sla.follow_up]: the follow-up cadence sales commits to for every accepted lead.

    [sla.follow_up]
    attempts = 3      # contact attempts per accepted lead, until it connects
    within = "5d"     # from acceptance (five working days with business_hours = true)

Accepting a lead starts a "follow_up" clock. It is met when `attempts` attempts are logged or one connects (a
connected or replied outcome); when `within` runs out first, the escalation chain hears ("2 of 3 attempts in 5 d"),
once per step. Closing a lead that never connected as Lost for a no-response reason, or as Recycled, before the
promised attempts is refused.
"""

from __future__ import annotations

import re
from datetime import timedelta

from pydantic import Field, field_validator

from bot.config.escalation import EscalationStep, in_order
from bot.config.fields import Duration, Frozen, WarnAt

NO_RESPONSE = re.compile(r"no response|unresponsive|no reply|never replied|went dark|ghost", re.IGNORECASE)
MOST_WITHIN = timedelta(days=366)


class FollowUpConfig(Frozen):
    attempts: int = Field(ge=1, le=20, strict=True)  # a whole number, not "3" or true
    within: Duration
    warn_at: WarnAt | None = None
    business_hours: bool = False
    # Who hears when `within` runs out first: by default the owner's manager, at once.
    escalate: tuple[EscalationStep, ...] = (EscalationStep(after=timedelta(0), notify="manager"),)
    # The [lost] reasons that mean "no response" (each must be in the catalog). Unset: every reason whose words say
    # so ("no response", "unresponsive", "no reply", "went dark", …).
    no_response_reasons: tuple[str, ...] | None = None

    @field_validator("within")
    @classmethod
    def _sensible(cls, value: timedelta) -> timedelta:
        if not timedelta(0) < value <= MOST_WITHIN:
            raise ValueError("must be longer than 0s and at most 366d")
        return value

    @field_validator("escalate")
    @classmethod
    def _in_order(cls, steps: tuple[EscalationStep, ...]) -> tuple[EscalationStep, ...]:
        return in_order(steps)

    def means_no_response(self, reason: str | None) -> bool:
        """Whether a Lost reason says the lead never answered."""
        if reason is None:
            return False
        if self.no_response_reasons is not None:
            return reason in self.no_response_reasons
        return bool(NO_RESPONSE.search(reason))

    def check_reasons(self, catalog: tuple[str, ...]) -> str | None:
        """The first `no_response_reasons` entry that is not a [lost] reason, or None."""
        for reason in self.no_response_reasons or ():
            if reason not in catalog:
                return reason
        return None
