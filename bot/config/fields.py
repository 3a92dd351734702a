"""The kinds of value a team file holds, each validated with an error that says how to write it: Slack ids (a
user, a user group, a channel), durations ("30m"), percentages ("75%") and escalation targets."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict

from bot.config.business_time import parse_duration, parse_percent

USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
GROUP_ID = re.compile(r"^S[A-Z0-9]{2,}$")
CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")


class Frozen(BaseModel):
    """A section of the team file: immutable once parsed, and an unknown key is an error, not a silent no-op."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


def _user_id(value: str) -> str:
    if not USER_ID.match(value):
        raise ValueError(f"{value!r} is not a Slack user id (U… or W…)")
    return value


def _member_id(value: str) -> str:
    if not (USER_ID.match(value) or GROUP_ID.match(value)):
        raise ValueError(f"{value!r} is not a Slack user id (U…/W…) or user-group id (S…)")
    return value


def _channel_id(value: str) -> str:
    if not CHANNEL_ID.match(value):
        raise ValueError(f"{value!r} is not a Slack channel id (C… or G…); copy it from the channel's details")
    return value


def _duration(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        return value
    if not isinstance(value, str):
        raise ValueError(f'{value!r} is not a duration: write it as a string, like "30m"')
    return parse_duration(value)


def _percent(value: Any) -> float:
    if isinstance(value, float) and 0 < value <= 1:
        return value
    if not isinstance(value, str):
        raise ValueError(f'{value!r} is not a percentage: write it as a string, like "75%"')
    return parse_percent(value)


NOTIFY_KEYWORDS = ("manager", "owner", "channel")


def _notify_target(value: str) -> str:
    if value in NOTIFY_KEYWORDS or USER_ID.match(value) or GROUP_ID.match(value):
        return value
    raise ValueError(
        f'{value!r} is not a notify target: use "manager", "owner", "channel", a user id (U…) or a user-group id (S…)'
    )


def _before_breach(value: float) -> float:
    if value >= 1:
        raise ValueError("must be below 100% (a heads-up after the breach is the escalation)")
    return value


Duration = Annotated[timedelta, BeforeValidator(_duration)]
Percent = Annotated[float, BeforeValidator(_percent)]
WarnAt = Annotated[float, BeforeValidator(_percent), AfterValidator(_before_breach)]  # a heads-up, before the breach
NotifyTarget = Annotated[str, AfterValidator(_notify_target)]
UserId = Annotated[str, AfterValidator(_user_id)]
MemberId = Annotated[str, AfterValidator(_member_id)]
ChannelId = Annotated[str, AfterValidator(_channel_id)]
