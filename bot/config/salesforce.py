"""Salesforce: the app's secrets from the environment (SalesforceSettings) and the team file's `[salesforce]`.

Salesforce ids come in two forms: 15 characters, case-sensitive (what Setup → Company Information shows), and 18
characters, the 15 plus a 3-character suffix that encodes the case of the first 15 (what the API and Outbound
Messages send). `id18` turns either into the 18-character form, so the two compare correctly.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, field_validator

from bot.config.crm_write import SalesforceWrite
from bot.config.fields import Frozen


@dataclass(frozen=True)
class SalesforceSettings:
    outbound_token: str = field(default="", repr=False)
    """SALESFORCE_OUTBOUND_TOKEN: when set, `POST /api/salesforce` needs it as its `token` query parameter."""

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> SalesforceSettings:
        return cls(outbound_token=env.get("SALESFORCE_OUTBOUND_TOKEN", "").strip())


SALESFORCE_ID = re.compile(r"^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$")
_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
FIELD_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,79}$")
"""An API name of a Salesforce field (`Email`, `Lead_Score__c`, `pi__score__c`)."""
MOVE_STAGES = ("sql", "opportunity", "won", "lost", "recycled")
"""The stages a move may end in (bot.lifecycle.stages.MOVE_TARGETS; config may not import the domain, a test
keeps the two equal)."""


def id18(value: str) -> str:
    """The 18-character form of a 15- or 18-character Salesforce id. An 18-character id gets the case its suffix
    records (it is the form meant for systems that ignore case, so a tool may have changed it); one whose suffix
    Salesforce could not have made is returned as it is."""
    if len(value) == 18:
        return _cased(value)
    suffix = ""
    for start in (0, 5, 10):
        bits = sum(1 << i for i, char in enumerate(value[start : start + 5]) if "A" <= char <= "Z")
        suffix += _SUFFIX[bits]
    return value + suffix


def _cased(value: str) -> str:
    chars = list(value[:15])
    for chunk, mark in enumerate(value[15:].upper()):
        bits = _SUFFIX.find(mark)
        if bits < 0:
            return value
        for i in range(5):
            char = chars[chunk * 5 + i]
            upper = bool(bits >> i & 1)
            if upper and not char.isalpha():
                return value
            chars[chunk * 5 + i] = char.upper() if upper else char.lower()
    return "".join(chars) + value[15:].upper()


def same_id(a: str, b: str) -> bool:
    """Whether two Salesforce ids (15 or 18 characters each) name the same record. The 18-character form is safe to
    compare without regard to case: its suffix records the case of the rest."""
    if not (SALESFORCE_ID.match(a) and SALESFORCE_ID.match(b)):
        return False
    return id18(a).lower() == id18(b).lower()


def _organization_id(value: str) -> str:
    if not SALESFORCE_ID.match(value):
        raise ValueError(
            f"{value[:40]!r} is not a Salesforce id: copy the 15-character Organization ID from Setup → Company "
            "Information (18 characters work too)"
        )
    if len(value) == 18 and id18(id18(value)[:15]) != id18(value):
        raise ValueError(
            f"{value!r}: its last three characters do not match the first 15 (a typo?): copy the 15-character "
            "Organization ID from Setup → Company Information"
        )
    if not id18(value).startswith("00D"):
        raise ValueError(f"{value!r} is not an organization id (those start with 00D): see Setup → Company Information")
    return value


def _field_name(value: str) -> str:
    if not FIELD_NAME.match(value):
        raise ValueError(f"{value[:80]!r} is not a Salesforce field's API name (like Email or Lead_Score__c)")
    return value


def _names(value: Any) -> Any:
    return (value,) if isinstance(value, str) else value


FieldName = Annotated[str, AfterValidator(_field_name)]


class LeadFieldMap(Frozen):
    """`[salesforce.fields]`: Handoff's lead field → the Lead field it is read from (its API name)."""

    external_id: FieldName = "Id"
    email: FieldName | None = "Email"
    name: Annotated[tuple[FieldName, ...], BeforeValidator(_names)] = ("FirstName", "LastName")
    """One field, or several joined with spaces."""
    company: FieldName | None = "Company"
    title: FieldName | None = "Title"
    source: FieldName | None = "LeadSource"
    campaign: FieldName | None = None
    score: FieldName | None = None
    """A number field, e.g. Account Engagement's (Pardot's) `pi__score__c`; clipped to 0–100."""


def _stages(value: dict[str, str]) -> dict[str, str]:
    for stage_name, stage in value.items():
        if stage not in MOVE_STAGES:
            raise ValueError(f"{stage_name!r} = {stage!r}: a Handoff stage is one of {', '.join(MOVE_STAGES)}")
    return value


class SalesforceConfig(Frozen):
    """`[salesforce]`: which organization may send, and how its records map onto leads."""

    organization_id: Annotated[str, AfterValidator(_organization_id)] | None = None
    """Setup → Company Information → Organization ID; `POST /api/salesforce` is off without it."""
    instance_url: str | None = None
    """https://yourcompany.my.salesforce.com: where the "Open in Salesforce" links go."""
    external_id_prefix: str = Field("salesforce:", max_length=40)
    """Put before `fields.external_id`'s value to make the lead's external_id ("" keeps it as it is)."""
    fields: LeadFieldMap = LeadFieldMap()
    stages: Annotated[dict[str, str], AfterValidator(_stages)] = Field(default_factory=dict)
    """Opportunity StageName → Handoff stage, e.g. "Closed Won" = "won"; other stage names are ignored."""
    opportunity_lead_field: FieldName | None = None
    """The Opportunity field holding the Id of the Lead it came from (a custom field, e.g. Converted_Lead_Id__c)."""
    write: SalesforceWrite = SalesforceWrite()
    """`[salesforce.write]`: the Lead fields an outcome sets (with SALESFORCE_CLIENT_SECRET and its companions)."""

    @field_validator("instance_url")
    @classmethod
    def _https(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not re.match(r"^https://[A-Za-z0-9.-]+(:\d+)?/?$", value):
            raise ValueError(f"{value[:80]!r} is not an https address like https://yourcompany.my.salesforce.com")
        return value.rstrip("/")
