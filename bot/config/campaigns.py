"""[campaigns.<key>]: marketing's calendar (issue 16). The key is the campaign as leads carry it (`lead.campaign`);
a campaign with `starts` is on the calendar: sales hears on its start day what to expect and what to say.

    [campaigns.q4-ops-webinar]
    owner = "U0MKT00001"          # credited on joint wins; mentioned in /campaigns
    name = "Q4 Ops Webinar"       # how sales reads it (default: the key)
    starts = 2026-11-23           # a TOML date (or "2026-11-23")
    ends = 2026-12-04             # the last day it runs (default: its start day)
    summary = "Ops leaders who watched the webinar: lead with the audit checklist."   # plain text, ≤ 500
"""

from __future__ import annotations

import re
from datetime import date
from typing import Final

from pydantic import Field, field_validator, model_validator

from bot.config.fields import Frozen, UserId

SUMMARY_MAX: Final = 500
NAME_MAX: Final = 100
FIRST_YEAR: Final = 2000
LAST_YEAR: Final = 2100
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _plain(value: str, what: str, limit: int) -> str:
    if CONTROL.search(value):
        raise ValueError(f"the {what} holds a control character (NUL, escape, …): plain text only")
    text = " ".join(value.split())
    if len(text) > limit:
        raise ValueError(f"the {what} is at most {limit} characters (this one is {len(text)})")
    return text


class CampaignConfig(Frozen):
    owner: UserId
    name: str | None = Field(None, min_length=1)
    starts: date | None = None
    ends: date | None = None
    summary: str = ""

    @field_validator("name")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        return None if value is None else _plain(value, "name", NAME_MAX) or None

    @field_validator("summary")
    @classmethod
    def _summary(cls, value: str) -> str:
        return _plain(value, "summary", SUMMARY_MAX)

    @field_validator("starts", "ends")
    @classmethod
    def _sensible_year(cls, value: date | None) -> date | None:
        if value is not None and not FIRST_YEAR <= value.year <= LAST_YEAR:
            raise ValueError(f"{value.isoformat()} is not a year between {FIRST_YEAR} and {LAST_YEAR}")
        return value

    @model_validator(mode="after")
    def _in_order(self) -> CampaignConfig:
        if self.ends is not None and self.starts is None:
            raise ValueError("ends needs starts (the day the campaign begins)")
        if self.starts is not None and self.ends is not None and self.ends < self.starts:
            raise ValueError(f"ends ({self.ends.isoformat()}) is before starts ({self.starts.isoformat()})")
        return self

    @property
    def last_day(self) -> date | None:
        return self.ends or self.starts


def display_name(key: str, campaign: CampaignConfig) -> str:
    return campaign.name or key


def check_keys(campaigns: dict[str, CampaignConfig]) -> dict[str, CampaignConfig]:
    """A key is what leads carry in `campaign`: not blank, no control character."""
    for key in campaigns:
        if not key.strip() or CONTROL.search(key):
            raise ValueError(f"{key[:40]!r} is not a campaign key (plain characters, not blank)")
    return campaigns
