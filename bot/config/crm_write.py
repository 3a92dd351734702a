"""Write-back to the CRM: where a lead's outcome lands on its record (the team file's `[hubspot.write]` and
`[salesforce.write]`), and the credentials for the CRMs' APIs (from the environment)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, ClassVar
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field

from bot.config.fields import Frozen
from bot.errors import ConfigError

HUBSPOT_API_DEFAULT = "https://api.hubapi.com/"
HUBSPOT_NAME = re.compile(r"^[a-z][a-z0-9_]{0,99}$")
SALESFORCE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,79}$")


def _hubspot_name(value: str) -> str:
    if value and not HUBSPOT_NAME.match(value):
        raise ValueError(f"{value!r} is not a HubSpot property's internal name (lower case, digits and _)")
    return value


def _salesforce_name(value: str) -> str:
    if value and not SALESFORCE_NAME.match(value):
        raise ValueError(f"{value!r} is not a Salesforce field's API name (such as Handoff_Reject_Reason__c)")
    return value


HubSpotProperty = Annotated[str, AfterValidator(_hubspot_name)]
SalesforceField = Annotated[str, AfterValidator(_salesforce_name)]


PARTS = ("status", "reason", "note", "owner", "stage", "outcome", "suppress")
"""What an outcome may set on a CRM record; each CRM's section names where each goes (`<part>_property`, `_field`)."""


class CrmWrite(Frozen):
    """What `[hubspot.write]` and `[salesforce.write]` share: two statuses, and a name for each of `PARTS`."""

    suffix: ClassVar[str]
    accepted_status: str
    rejected_status: str

    def targets(self) -> dict[str, str]:
        """Which property or field each part of an outcome goes to ("" when it is off)."""
        return {part: str(getattr(self, f"{part}{self.suffix}")) for part in PARTS}

    def status_for(self, event: str) -> str | None:
        """The lead status an outcome sets: accepted (or assigned by a manager) is being worked; rejected is closed."""
        statuses = {"accepted": self.accepted_status, "reassigned": self.accepted_status,
                    "rejected": self.rejected_status}  # fmt: skip
        return statuses.get(event) or None

    def suppressed(self) -> str | bool:
        """What the suppress part is set to when a rejection's reason suppresses (`[reject] reasons`)."""
        raise NotImplementedError


class HubSpotWrite(CrmWrite):
    """`[hubspot.write]`: the contact properties an outcome sets. An empty name turns that property off."""

    suffix: ClassVar[str] = "_property"
    status_property: HubSpotProperty = "hs_lead_status"
    accepted_status: str = "IN_PROGRESS"
    rejected_status: str = "UNQUALIFIED"
    reason_property: HubSpotProperty = "handoff_reject_reason"
    note_property: HubSpotProperty = "handoff_reject_note"
    owner_property: HubSpotProperty = "handoff_owner"
    stage_property: HubSpotProperty = "handoff_stage"
    outcome_property: HubSpotProperty = "handoff_outcome"
    """`won` or `lost` once the deal closes."""
    suppress_property: HubSpotProperty = "handoff_suppress"
    """Set to `suppress_value` when a rejection's reason suppresses: a list on it excludes the contact from campaigns
    (HubSpot's API cannot make a contact non-marketing; a workflow on this property can)."""
    suppress_value: str = Field("true", min_length=1, max_length=100)

    def suppressed(self) -> str | bool:
        return self.suppress_value

    def custom(self) -> tuple[str, ...]:
        """The properties Handoff creates (`handoff hubspot setup`): the ones HubSpot does not have by itself."""
        return tuple(name for name in self.targets().values() if name and not name.startswith("hs_"))


class SalesforceWrite(CrmWrite):
    """`[salesforce.write]`: the Lead fields an outcome sets. An empty name turns that field off."""

    suffix: ClassVar[str] = "_field"
    status_field: SalesforceField = "Status"
    accepted_status: str = "Working - Contacted"
    rejected_status: str = "Closed - Not Converted"
    reason_field: SalesforceField = "Handoff_Reject_Reason__c"
    note_field: SalesforceField = "Handoff_Reject_Note__c"
    owner_field: SalesforceField = "Handoff_Owner__c"
    stage_field: SalesforceField = "Handoff_Stage__c"
    outcome_field: SalesforceField = "Handoff_Outcome__c"
    suppress_field: SalesforceField = "HasOptedOutOfEmail"
    """A checkbox set to true when a rejection's reason suppresses: email campaigns leave the lead out."""

    def suppressed(self) -> str | bool:
        return True


@dataclass(frozen=True)
class WriteBackSettings:
    """The CRMs' API credentials. A CRM without them gets no write-back (its leads still come in)."""

    hubspot_access_token: str = field(default="", repr=False)
    hubspot_api_url: str = HUBSPOT_API_DEFAULT
    salesforce_instance_url: str = ""
    salesforce_client_id: str = ""
    salesforce_client_secret: str = field(default="", repr=False)

    @property
    def crms(self) -> frozenset[str]:
        """The CRMs whose records Handoff writes to."""
        on = {"hubspot": bool(self.hubspot_access_token), "salesforce": bool(self.salesforce_client_secret)}
        return frozenset(name for name, configured in on.items() if configured)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> WriteBackSettings:
        token = env.get("HUBSPOT_ACCESS_TOKEN", "").strip()
        if token and not token.startswith("pat-"):
            raise ConfigError("HUBSPOT_ACCESS_TOKEN", "must be a private app access token starting with 'pat-'")
        hubspot_url = _url(env, "HUBSPOT_API_URL", HUBSPOT_API_DEFAULT)
        instance = _url(env, "SALESFORCE_INSTANCE_URL", "")
        if (parts := urlsplit(instance)).path.strip("/") or parts.query or parts.fragment:
            raise ConfigError(
                "SALESFORCE_INSTANCE_URL",
                f"{parts.scheme}://{(parts.hostname or '')[:60]}/… is the address of a page: use your My Domain's "
                "address alone, like https://acme.my.salesforce.com",
            )
        client_id = env.get("SALESFORCE_CLIENT_ID", "").strip()
        secret = env.get("SALESFORCE_CLIENT_SECRET", "").strip()
        if secret and not (instance and client_id):
            missing = "SALESFORCE_INSTANCE_URL" if not instance else "SALESFORCE_CLIENT_ID"
            raise ConfigError(
                missing, "is not set: the write-back to Salesforce needs it (SALESFORCE_CLIENT_SECRET is set)"
            )
        return cls(token, hubspot_url, instance.rstrip("/"), client_id, secret)


def _url(env: Mapping[str, str], name: str, default: str) -> str:
    value = env.get(name, "").strip() or default
    if value and not value.startswith(("http://", "https://")):
        shown = value if len(value) <= 60 else value[:60] + "…"
        raise ConfigError(name, f"{shown!r} is not an http(s) URL")
    return value if not value or value.endswith("/") or name != "HUBSPOT_API_URL" else value + "/"
