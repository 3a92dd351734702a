"""HubSpot: the app's secrets from the environment (HubSpotSettings) and the team file's `[hubspot]` section."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, field_validator

from bot.config.crm_write import HubSpotWrite
from bot.config.fields import Frozen


@dataclass(frozen=True)
class HubSpotSettings:
    client_secret: str = field(default="", repr=False)
    """HUBSPOT_CLIENT_SECRET: the key of HubSpot's v3 request signature; `POST /api/hubspot` is off without it."""

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> HubSpotSettings:
        return cls(client_secret=env.get("HUBSPOT_CLIENT_SECRET", "").strip())


PROPERTY_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$")
"""A HubSpot property's internal name (`hs_analytics_source`, `my_campaign__c`), not its label."""


def _property(value: str) -> str:
    if not PROPERTY_NAME.match(value):
        raise ValueError(
            f"{value[:60]!r} is not a HubSpot property's internal name (letters, digits, _ . -; "
            "Settings → Properties → the property → </> shows it)"
        )
    return value


def _off_when_empty(value: Any) -> Any:
    """TOML has no null: `""` switches a mapping off."""
    return None if isinstance(value, str) and not value.strip() else value


def _properties(value: Any) -> Any:
    if isinstance(value, str):
        return () if not value.strip() else (value,)
    return value


Property = Annotated[str, AfterValidator(_property)]
OptionalProperty = Annotated[Property | None, BeforeValidator(_off_when_empty)]


class HubSpotFields(Frozen):
    """`[hubspot.fields]`: for each of Handoff's lead fields, the HubSpot contact property it is read from (`""`
    reads it from nowhere). The record id always makes `external_id` (see `HubSpotConfig.external_id_prefix`)."""

    email: OptionalProperty = "email"
    name: Annotated[tuple[Property, ...], BeforeValidator(_properties)] = ("firstname", "lastname")
    """Joined with a space, the empty ones left out; one string is one property."""
    company: OptionalProperty = "company"
    title: OptionalProperty = "jobtitle"
    score: OptionalProperty = "hubspotscore"
    """Clipped to 0-100 (HubSpot's score has no upper bound)."""
    source: OptionalProperty = "hs_analytics_source"
    """Lower-cased: ORGANIC_SEARCH becomes organic_search."""
    campaign: OptionalProperty = "hs_analytics_source_data_1"
    """Original source drill-down 1: the campaign's name for email, paid social and other campaigns."""


def _deal_stages(value: dict[str, str]) -> dict[str, str]:
    for stage_id in value:
        if not stage_id.strip() or len(stage_id) > 100:
            raise ValueError(f"{stage_id[:60]!r} is not a deal stage id (1 to 100 characters)")
    return value


class HubSpotConfig(Frozen):
    """`[hubspot]`: how HubSpot's records map onto leads."""

    external_id_prefix: str = Field("hubspot:", max_length=50)
    """A contact's lead has external_id `<prefix><record id>`: `hubspot:901`."""
    portal_id: int | None = Field(None, gt=0, lt=10**15)
    """The HubSpot account id (Hub ID, top right of HubSpot's menu): the post's "Open in HubSpot" link."""
    fields: HubSpotFields = HubSpotFields()
    stages: Annotated[dict[str, str], AfterValidator(_deal_stages)] = Field(default_factory=dict)
    """HubSpot deal stage id → the Handoff stage a lead moves to when its deal enters it. A stage not listed is
    ignored. Which Handoff stages may be named is checked at start-up (bot.integrations.hubspot.check_config)."""
    deal_contact: Property = "contact_id"
    """The key of a deal workflow's customized body that holds the associated contact's record id (several may be
    given, separated by `;` or `,`). A body's `associations` (associatedVids) count too."""
    write: HubSpotWrite = HubSpotWrite()
    """`[hubspot.write]`: the contact properties an outcome sets (with HUBSPOT_ACCESS_TOKEN)."""

    @field_validator("external_id_prefix")
    @classmethod
    def _printable(cls, value: str) -> str:
        if any(ord(char) < 32 or ord(char) == 127 for char in value):
            raise ValueError("must not contain control characters")
        return value
