"""[sla.mql]: the MQL definition both teams agreed on, part of the agreement.

    [sla.mql]
    min_score = 40                     # the score bar: a lead scoring below it is not an MQL
    rule = "Director+ at a 50-5,000 employee company that asked for a demo"   # the rest, in words

A lead without a score is judged by the rule alone, by people: the bar does not refuse it.
"""

from __future__ import annotations

from pydantic import Field, field_validator

from bot.config.fields import Frozen


class MqlDefinition(Frozen):
    min_score: int = Field(0, ge=0, le=100, strict=True)
    rule: str | None = None

    @field_validator("rule")
    @classmethod
    def _short(cls, value: str | None) -> str | None:
        if value is not None and not 1 <= len(value) <= 300:
            raise ValueError("the rule is 1 to 300 characters")
        if value is not None and "\x00" in value:
            raise ValueError("the rule holds a NUL character")
        return value

    def admits(self, score: int | None) -> bool:
        """Whether a lead's score clears the bar (an unscored lead always does)."""
        return score is None or score >= self.min_score
