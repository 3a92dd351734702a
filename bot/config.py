"""The team file (TOML): who is in sales, marketing and management, where leads are posted, the reject catalog.

Parsed once at start-up into frozen, validated objects. Any problem is a `ConfigError` naming the key.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.errors import ConfigError

USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
GROUP_ID = re.compile(r"^S[A-Z0-9]{2,}$")
CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")

DEFAULT_REJECT_REASONS = (
    "Not our ICP / bad fit",
    "No budget or authority",
    "Student, competitor or personal",
    "Bad contact data",
    "Duplicate or already in pipeline",
    "Not ready — recycle to nurture",
    "Other",
)


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


UserId = Annotated[str, AfterValidator(_user_id)]
MemberId = Annotated[str, AfterValidator(_member_id)]
ChannelId = Annotated[str, AfterValidator(_channel_id)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class SlackConfig(_Frozen):
    leads_channel: ChannelId


class TeamConfig(_Frozen):
    sales: tuple[MemberId, ...] = Field(min_length=1)
    managers: tuple[MemberId, ...] = Field(min_length=1)
    marketing: tuple[MemberId, ...] = ()
    manager_of: dict[UserId, UserId] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _managers_are_listed(self) -> TeamConfig:
        for rep, manager in self.manager_of.items():
            if manager not in self.managers:
                raise ValueError(f"manager_of.{rep}: {manager} is not listed in team.managers")
        return self


class RejectConfig(_Frozen):
    reasons: tuple[str, ...] = DEFAULT_REJECT_REASONS

    @field_validator("reasons")
    @classmethod
    def _reasons_fit_a_select(cls, reasons: tuple[str, ...]) -> tuple[str, ...]:
        if not 1 <= len(reasons) <= 100:
            raise ValueError("list between 1 and 100 reasons (a Slack select holds at most 100)")
        for reason in reasons:
            if not 1 <= len(reason) <= 75:
                raise ValueError(f"{reason!r}: each reason is 1 to 75 characters (Slack's option limit)")
        if len(set(reasons)) != len(reasons):
            raise ValueError("reasons must be unique")
        return reasons


class HandoffConfig(_Frozen):
    timezone: str = "UTC"
    slack: SlackConfig
    team: TeamConfig
    reject: RejectConfig = RejectConfig()

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not an IANA timezone such as 'America/Chicago'") from None
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def _key_of(loc: tuple[int | str, ...]) -> str:
    key = ""
    for part in loc:
        key += f"[{part}]" if isinstance(part, int) else (f".{part}" if key else str(part))
    return key


def parse_config(data: dict[str, Any], *, source: str = "team file") -> HandoffConfig:
    """Validate a parsed TOML document; the first problem becomes a ConfigError naming its key."""
    try:
        return HandoffConfig.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        key = _key_of(tuple(error["loc"])) or source
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] == "missing":
            message = "is required"
        elif error["type"] == "extra_forbidden":
            message = "is not a known setting (see handoff.example.toml)"
        raise ConfigError(key, message) from None


def load_config(path: Path) -> HandoffConfig:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError("HANDOFF_CONFIG", f"{path} does not exist (copy handoff.example.toml to start)") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("HANDOFF_CONFIG", f"{path} is not valid TOML: {exc}") from None
    return parse_config(data, source=str(path))
