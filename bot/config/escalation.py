"""An SLA clock's escalation chain: who hears about a breach, in order, each step `after` its delay past the breach.
Shared by every clock's section of the team file ([sla.accept], [sla.first_touch], [sla.follow_up])."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import TypeVar

from pydantic import field_validator

from bot.config.business_time import format_duration
from bot.config.fields import Duration, Frozen, NotifyTarget


class EscalationStep(Frozen):
    after: Duration
    notify: NotifyTarget

    @field_validator("after")
    @classmethod
    def _not_negative(cls, value: timedelta) -> timedelta:
        if value < timedelta(0):
            raise ValueError("cannot be negative")
        return value


Steps = TypeVar("Steps", bound=Sequence[EscalationStep])


def in_order(steps: Steps) -> Steps:
    """The steps as written, if each comes no earlier than the one before; else a ValueError saying which."""
    for index, (earlier, later) in enumerate(zip(steps, steps[1:], strict=False), start=1):
        if later.after < earlier.after:
            raise ValueError(
                f"step {index} ({format_duration(later.after)}) comes before step {index - 1} "
                f"({format_duration(earlier.after)}): list the steps in order"
            )
    return steps
