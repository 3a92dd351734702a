"""The team file (TOML): who is in sales, marketing and management, where leads are posted, the reject catalog.

Parsed once at start-up into frozen, validated objects. Any problem is a `ConfigError` naming the key.
"""

from __future__ import annotations

import re
import tomllib
from datetime import date, timedelta
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.config.business_time import (
    DAY_NAMES,
    BusinessHours,
    WallTime,
    WorkingTime,
    check_ranges,
    parse_hours,
)
from bot.config.campaigns import CampaignConfig, check_keys
from bot.config.content import ContentConfig
from bot.config.content_request import ContentRequestClock
from bot.config.escalation import EscalationStep, in_order
from bot.config.fields import GROUP_ID, ChannelId, Duration, Frozen, MemberId, Percent, UserId, WarnAt
from bot.config.follow_up import FollowUpConfig
from bot.config.hubspot import HubSpotConfig
from bot.config.insight import InsightConfig
from bot.config.intake_fields import IntakeConfig
from bot.config.mql import MqlDefinition
from bot.config.reject import DEFAULT_REJECT_REASONS as DEFAULT_REJECT_REASONS
from bot.config.reject import RejectConfig, select_options
from bot.config.routing import RoutingConfig, check_routing
from bot.config.salesforce import SalesforceConfig
from bot.errors import ConfigError


class SlackConfig(Frozen):
    leads_channel: ChannelId
    wins_channel: ChannelId | None = None  # joint-win celebrations; the leads channel when not set
    # chat.postMessage allows about one message per second per channel, with short bursts: delivery paces itself.
    posts_per_second: float = Field(1.0, gt=0, le=100)
    post_burst: int = Field(3, ge=1, le=100)
    # More MQLs than this within a minute: post them as compact batch messages (0 turns batching off).
    batch_when_over: int = Field(10, ge=0)
    batch_size: int = Field(20, ge=2, le=24)  # leads per batch message (two blocks each; Slack allows 50)


class TeamConfig(Frozen):
    sales: tuple[MemberId, ...] = Field(min_length=1)
    managers: tuple[MemberId, ...] = Field(min_length=1)
    marketing: tuple[MemberId, ...] = ()
    manager_of: dict[UserId, UserId] = Field(default_factory=dict)
    # The two people who approve a change to the agreement (`/sla propose`): both must, for it to take effect.
    sales_head: UserId | None = None
    marketing_head: UserId | None = None

    @model_validator(mode="after")
    def _managers_are_listed(self) -> TeamConfig:
        for rep, manager in self.manager_of.items():
            if manager not in self.managers:
                raise ValueError(f"manager_of.{rep}: {manager} is not listed in team.managers")
        return self


Reasons = Annotated[tuple[str, ...], AfterValidator(select_options)]


class _Target(Frozen):
    """A target and an optional heads-up, shared by a clock and its score bands."""

    target: Duration
    warn_at: WarnAt | None = None

    @field_validator("target")
    @classmethod
    def _positive(cls, value: timedelta) -> timedelta:
        if value <= timedelta(0):
            raise ValueError("must be longer than 0s")
        return value


class BandTarget(_Target):
    """A stricter (or looser) target for leads scoring at least `min_score`."""

    min_score: int = Field(ge=0, le=100)


class ClockConfig(_Target):
    """One SLA clock: how long a step may take, when to warn, and who hears about a breach, in order."""

    business_hours: bool = False
    escalate: tuple[EscalationStep, ...] = ()
    bands: tuple[BandTarget, ...] = ()

    @field_validator("escalate")
    @classmethod
    def _in_order(cls, steps: tuple[EscalationStep, ...]) -> tuple[EscalationStep, ...]:
        return in_order(steps)

    @field_validator("bands")
    @classmethod
    def _distinct_bands(cls, bands: tuple[BandTarget, ...]) -> tuple[BandTarget, ...]:
        scores = [band.min_score for band in bands]
        if len(set(scores)) != len(scores):
            raise ValueError("two bands have the same min_score")
        return tuple(sorted(bands, key=lambda band: band.min_score, reverse=True))

    def for_score(self, score: int | None) -> tuple[timedelta, float | None]:
        """(target, warn_at) for a lead: the band with the highest `min_score` the score reaches, else the default."""
        if score is not None:
            for band in self.bands:
                if score >= band.min_score:
                    return band.target, band.warn_at if band.warn_at is not None else self.warn_at
        return self.target, self.warn_at


class MqlVolumeConfig(Frozen):
    """Marketing's side of the SLA: how many MQLs a month, and an acceptance-rate floor."""

    monthly_target: int | None = Field(default=None, gt=0)
    min_accept_rate: Percent | None = None


class SlaConfig(Frozen):
    accept: ClockConfig | None = None
    first_touch: ClockConfig | None = None
    follow_up: FollowUpConfig | None = None  # the follow-up cadence (bot/config/follow_up.py)
    mql_volume: MqlVolumeConfig = MqlVolumeConfig()
    mql: MqlDefinition = MqlDefinition()  # the MQL definition: the score bar and the rule (bot/config/mql.py)
    content_request: ContentRequestClock = ContentRequestClock()  # marketing's clock on content requests
    quarterly_review: bool = True
    # How many times one breached clock may be snoozed (an hour each) before only Reassign and Nudge are left.
    max_snoozes: int = Field(2, ge=0, le=20)
    # Who hears about a lead nobody owns (its heads-up, a "channel" step, a nudge): "broadcast" (a thread reply
    # also sent to the channel), "group" (a thread reply mentioning the user groups in team.sales), "dm" (a DM to
    # each rep in team.sales who is not away).
    unowned_notify: Literal["broadcast", "group", "dm"] = "broadcast"

    def clocks(self) -> dict[str, ClockConfig]:
        return {name: clock for name, clock in (("accept", self.accept), ("first_touch", self.first_touch),
                                                ("follow_up", self._follow_up_clock)) if clock}  # fmt: skip

    @cached_property
    def _follow_up_clock(self) -> ClockConfig | None:
        """[sla.follow_up] as the clock the sweep runs: `within` is its target."""
        f = self.follow_up
        if f is None:
            return None
        return ClockConfig(target=f.within, warn_at=f.warn_at, business_hours=f.business_hours, escalate=f.escalate)


class BusinessHoursConfig(Frozen):
    days: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri")
    hours: str | tuple[str, ...] = "09:00-17:00"
    holidays: tuple[date, ...] = ()

    @field_validator("days")
    @classmethod
    def _known_days(cls, days: tuple[str, ...]) -> tuple[str, ...]:
        days = tuple(day.lower() for day in days)
        for day in days:
            if day not in DAY_NAMES:
                raise ValueError(f"{day!r} is not a day: use {', '.join(DAY_NAMES)}")
        if not days:
            raise ValueError("list at least one working day")
        if len(set(days)) != len(days):
            raise ValueError("a day is listed twice")
        return days

    @field_validator("hours")
    @classmethod
    def _valid_ranges(cls, hours: str | tuple[str, ...]) -> str | tuple[str, ...]:
        ranges = [hours] if isinstance(hours, str) else list(hours)
        if not ranges:
            raise ValueError('list at least one range, like "09:00-17:30"')
        check_ranges(parse_hours(text) for text in ranges)
        return hours


class DigestConfig(Frozen):
    """The weekly digest: last week's funnel, rejection reasons, breaches and wins, posted to the leads channel."""

    enabled: bool = True
    day: str = "mon"
    time: str = "09:00"

    @field_validator("day")
    @classmethod
    def _known_day(cls, day: str) -> str:
        if day.lower() not in DAY_NAMES:
            raise ValueError(f"{day!r} is not a day: use {', '.join(DAY_NAMES)}")
        return day.lower()

    @field_validator("time")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value.strip()):
            raise ValueError(f'{value!r} is not a time of day: write it like "09:00"')
        return value.strip()


class SchedulerConfig(Frozen):
    sla_check_interval: Duration = timedelta(seconds=30)

    @field_validator("sla_check_interval")
    @classmethod
    def _sensible(cls, value: timedelta) -> timedelta:
        if not timedelta(seconds=1) <= value <= timedelta(hours=1):
            raise ValueError("must be between 1s and 1h")
        return value


DEFAULT_LOST_REASONS = (
    "Lost to a competitor",
    "No budget",
    "No decision / went dark",
    "Timing: not this quarter",
    "Product gap",
    "Other",
)

DEFAULT_STAGES = {
    "mql": "Marketing qualified: fits the ICP and showed intent (marketing owns it until sales accepts).",
    "sal": "Sales accepted: a rep owns it and will make first contact within the SLA.",
    "sql": "Sales qualified: budget, authority, need and timeline confirmed by the rep (BANT).",
    "opportunity": "Opportunity: a deal with an amount in the pipeline (sales owns it).",
    "won": "Won: the deal closed; both the rep and the campaign are credited.",
    "lost": "Lost: the deal did not close, with a reason from the catalog.",
    "rejected": "Rejected: sales declined the MQL, with a reason marketing learns from.",
    "recycled": "Recycled: back to marketing to nurture; not ready to buy now.",
}


class LostConfig(Frozen):
    reasons: Reasons = DEFAULT_LOST_REASONS


class FeedbackConfig(Frozen):
    """Optional outbound webhook: every rejection, recycle and stage change, signed, retried until it succeeds."""

    webhook_url: str | None = None

    @field_validator("webhook_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^\s/]+", value):
            raise ValueError(f"{value!r} is not an http(s) URL")
        return value


def _stages(value: dict[str, str]) -> dict[str, str]:
    unknown = set(value) - set(DEFAULT_STAGES)
    if unknown:
        raise ValueError(f"unknown stage {sorted(unknown)[0]!r}: use {', '.join(DEFAULT_STAGES)}")
    for stage, text in value.items():
        if not 1 <= len(text.strip()) <= 300:
            raise ValueError(f"{stage}: a definition is 1 to 300 characters")
    return {**DEFAULT_STAGES, **value}


class HandoffConfig(Frozen):
    timezone: str = "UTC"
    slack: SlackConfig
    team: TeamConfig
    reject: RejectConfig = RejectConfig()
    sla: SlaConfig = SlaConfig()
    business_hours: BusinessHoursConfig = BusinessHoursConfig()
    scheduler: SchedulerConfig = SchedulerConfig()
    digest: DigestConfig = DigestConfig()
    lost: LostConfig = LostConfig()
    campaigns: Annotated[dict[str, CampaignConfig], AfterValidator(check_keys)] = Field(default_factory=dict)
    feedback: FeedbackConfig = FeedbackConfig()
    stages: Annotated[dict[str, str], AfterValidator(_stages)] = Field(default_factory=lambda: dict(DEFAULT_STAGES))
    intake: IntakeConfig = IntakeConfig()
    hubspot: HubSpotConfig = HubSpotConfig()
    salesforce: SalesforceConfig = SalesforceConfig()
    routing: RoutingConfig = RoutingConfig()
    insight: InsightConfig = InsightConfig()  # /funnel quality's MQL bar advice (bot/config/insight.py)
    content: ContentConfig = ContentConfig()  # the content library's channels (bot/config/content.py)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not an IANA timezone such as 'America/Chicago'") from None
        return value

    @property
    def sales_groups(self) -> tuple[str, ...]:
        return tuple(entry for entry in self.team.sales if GROUP_ID.match(entry))

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @cached_property
    def calendar(self) -> BusinessHours:
        hours = self.business_hours.hours
        return BusinessHours(
            tz=self.tz,
            days=frozenset(DAY_NAMES.index(day) for day in self.business_hours.days),
            ranges=check_ranges(parse_hours(text) for text in ([hours] if isinstance(hours, str) else hours)),
            holidays=frozenset(self.business_hours.holidays),
        )

    def working_time(self, business_hours: bool) -> WorkingTime:
        return self.calendar if business_hours else WallTime()


def _key_of(loc: tuple[int | str, ...]) -> str:
    key = ""
    for part in loc:
        key += f"[{part}]" if isinstance(part, int) else (f".{part}" if key else str(part))
    return key


def config_error(exc: ValidationError, *, source: str, prefix: tuple[str, ...] = ()) -> ConfigError:
    """A pydantic error as the team file's one-line error: the first problem, named by its key."""
    error = exc.errors()[0]
    key = _key_of(prefix + tuple(error["loc"])) or source
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "missing":
        message = "is required"
    elif error["type"] == "extra_forbidden":
        message = "is not a known setting (see handoff.example.toml)"
    return ConfigError(key, message)


def parse_config(data: dict[str, Any], *, source: str = "team file") -> HandoffConfig:
    """Validate a parsed TOML document; the first problem becomes a ConfigError naming its key."""
    try:
        config = HandoffConfig.model_validate(data)
    except ValidationError as exc:
        raise config_error(exc, source=source) from None
    if config.sla.follow_up and (odd := config.sla.follow_up.check_reasons(config.lost.reasons)) is not None:
        raise ConfigError("sla.follow_up.no_response_reasons", f"{odd!r} is not one of the [lost] reasons")
    check_routing(config.routing, config.team.sales)
    if config.sla.unowned_notify == "group" and not config.sales_groups:
        raise ConfigError(
            "sla.unowned_notify", '"group" mentions the sales user groups: list a user-group id (S…) in team.sales'
        )
    return config


def load_config(path: Path) -> HandoffConfig:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError("HANDOFF_CONFIG", f"{path} does not exist (copy handoff.example.toml to start)") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("HANDOFF_CONFIG", f"{path} is not valid TOML: {exc}") from None
    return parse_config(data, source=str(path))
