"""Outbound Messages as Salesforce sends them: the SOAP 1.1 envelope of the `notifications` call (the shape of
Salesforce's outbound messaging WSDL and of captured messages), one `Notification` per record."""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

from bot.config.salesforce import id18

ORG_ID_15 = "00D5e000000AbCd"
ORG_ID = "00D5e000000AbCdEAK"  # the 18-character form Salesforce sends
OTHER_ORG = "00D5e000000ZzZzEAK"
ACTION_ID = "04k5e000000TeStAAA"
SOBJECT_NS = "urn:sobject.enterprise.soap.sforce.com"
ENVELOPE_NAMESPACES = (
    'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
)
SESSION_ID = "00D5e000000AbCd!AQ4AQSecretSessionToken.NeverLogged"


def sobject(kind: str, fields: dict[str, Any]) -> str:
    parts = []
    for name, value in fields.items():
        if value is None:
            parts.append(f'<sf:{name} xsi:nil="true"/>')
        else:
            parts.append(f"<sf:{name}>{escape(str(value))}</sf:{name}>")
    inner = "\n     ".join(parts)
    opening = f'<sObject xsi:type="sf:{kind}" xmlns:sf="{SOBJECT_NS}">'
    return f"{opening}\n     {inner}\n    </sObject>"


def message(*sobjects: str, org: str = ORG_ID, session_id: str | None = SESSION_ID) -> bytes:
    notes = "".join(
        f"""
   <Notification>
    <Id>04l5e00000{index:08d}AAA</Id>
    {body}
   </Notification>"""
        for index, body in enumerate(sobjects)
    )
    session = f"<SessionId>{session_id}</SessionId>" if session_id else '<SessionId xsi:nil="true"/>'
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope {ENVELOPE_NAMESPACES}>
 <soapenv:Body>
  <notifications xmlns="http://soap.sforce.com/2005/09/outbound">
   <OrganizationId>{org}</OrganizationId>
   <ActionId>{ACTION_ID}</ActionId>
   {session}
   <EnterpriseUrl>https://acme.my.salesforce.com/services/Soap/c/62.0/{org[:15]}</EnterpriseUrl>
   <PartnerUrl>https://acme.my.salesforce.com/services/Soap/u/62.0/{org[:15]}</PartnerUrl>{notes}
  </notifications>
 </soapenv:Body>
</soapenv:Envelope>
""".encode()


def lead(index: int = 1, **fields: Any) -> str:
    values: dict[str, Any] = {
        "Id": lead_id(index),
        "Company": "Acme Logistics",
        "Email": f"dana{index}@acme.example",
        "FirstName": "Dana",
        "LastName": f"Buyer{index}",
        "LeadSource": "Web",
        "Title": "VP Operations",
    }
    values.update(fields)
    return sobject("Lead", values)


def lead_id(index: int = 1) -> str:
    """A Lead's 18-character Id: the 15 characters (with upper case in them) and the suffix that records it."""
    return id18(f"00Q5e0000{index:04d}Ab")


def opportunity(stage: str, *, lead: str | None, amount: str | None = "50000.0", **fields: Any) -> str:
    values: dict[str, Any] = {
        "Id": "0065e00000Op01AAAA",
        "Amount": amount,
        "CloseDate": "2026-12-31",
        "Converted_Lead_Id__c": lead,
        "StageName": stage,
    }
    values.update(fields)
    return sobject("Opportunity", values)
