"""Where a lead's record lives in the CRM it came from: the "Open in HubSpot / Salesforce" link on its post.

The record id comes from the CRM's own request, so it is percent-encoded into the path: whatever it holds, the link
stays a link to that CRM's address and nothing else."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from bot.config.team_file import HandoffConfig
from storage.models import Lead

HUBSPOT_APP = "https://app.hubspot.com"


@dataclass(frozen=True)
class RecordLink:
    label: str
    url: str


def record_link(lead: Lead, config: HandoffConfig) -> RecordLink | None:
    """The link to the lead's CRM record, or None when it came from elsewhere or the CRM's address is not known
    (`[hubspot] portal_id`, `[salesforce] instance_url`)."""
    if not lead.crm_id:
        return None
    record = quote(lead.crm_id, safe="")
    if lead.crm == "hubspot" and config.hubspot.portal_id is not None:
        return RecordLink("Open in HubSpot", f"{HUBSPOT_APP}/contacts/{config.hubspot.portal_id}/record/0-1/{record}")
    if lead.crm == "salesforce" and config.salesforce.instance_url:
        return RecordLink("Open in Salesforce", f"{config.salesforce.instance_url}/lightning/r/Lead/{record}/view")
    return None
