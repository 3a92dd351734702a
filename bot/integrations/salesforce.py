"""Salesforce Outbound Messages: the SOAP 1.1 `notifications` call read safely, its Leads mapped onto Handoff's lead
input (validated by `parse_leads`, like every other intake) and its Opportunities onto stage moves, and the
answers Salesforce understands (`notificationsResponse` / `<Ack>true</Ack>`, or a SOAP fault).

The XML goes through defusedxml with DTDs forbidden: a DTD, an entity declaration or an external reference is
refused before anything expands. Elements may nest at most MAX_DEPTH deep (a message needs 6). The SessionId an
outbound message may carry is an API credential: it is never kept.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from xml.etree.ElementTree import Element, ParseError
from xml.sax.saxutils import escape

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from bot.config.salesforce import SALESFORCE_ID, SalesforceConfig, id18
from bot.lifecycle.intake_input import InvalidLeads, LeadFields, parse_leads

SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
OUTBOUND_NS = "http://soap.sforce.com/2005/09/outbound"
SOBJECT_NS = "urn:sobject.enterprise.soap.sforce.com"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
MAX_NOTIFICATIONS = 100  # Salesforce puts at most 100 in one message
MAX_DEPTH = 10
MAX_QUOTED = 100
TYPES = ("Lead", "Opportunity")
TEXT_LIMITS = {"name": 200, "company": 200, "title": 200, "campaign": 200, "source": 100}
"""LeadFields' limits: longer Salesforce text (Company holds 255) is clipped rather than refusing the message."""

ACK = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    f'<soapenv:Envelope xmlns:soapenv="{SOAP_NS}">'
    "<soapenv:Body>"
    f'<notificationsResponse xmlns="{OUTBOUND_NS}"><Ack>true</Ack></notificationsResponse>'
    "</soapenv:Body>"
    "</soapenv:Envelope>"
)
"""The answer that tells Salesforce the message arrived (anything else, and it retries for 24 hours)."""

REFUSED = {
    "DTDForbidden": "a DTD (<!DOCTYPE …>)",
    "EntitiesForbidden": "an entity declaration",
    "ExternalReferenceForbidden": "an external reference",
    "NotSupportedError": "a construct Handoff does not parse",
}
_NOT_XML_TEXT = re.compile(r"[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def fault(message: str) -> str:
    """A SOAP 1.1 Client fault whose faultstring says what is wrong (Salesforce's delivery status shows it)."""
    text = escape(_NOT_XML_TEXT.sub("\ufffd", message))
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<soapenv:Envelope xmlns:soapenv="{SOAP_NS}">'
        "<soapenv:Body><soapenv:Fault>"
        f"<faultcode>soapenv:Client</faultcode><faultstring>{text}</faultstring>"
        "</soapenv:Fault></soapenv:Body>"
        "</soapenv:Envelope>"
    )


class MessageError(Exception):
    """What is wrong with a message, worded for the person who set up the outbound message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Notification:
    id: str
    type: str  # "Lead" or "Opportunity"
    fields: dict[str, str | None]  # API name → value; None for xsi:nil


@dataclass(frozen=True)
class OutboundMessage:
    organization_id: str
    action_id: str
    enterprise_url: str | None
    partner_url: str | None
    notifications: tuple[Notification, ...]


@dataclass(frozen=True)
class SalesforceLead:
    record_id: str  # the Lead's 18-character Id
    lead: LeadFields


@dataclass(frozen=True)
class StageMove:
    opportunity_id: str
    stage_name: str
    stage: str | None  # the Handoff stage, None when [salesforce.stages] does not map stage_name
    lead_record_id: str | None  # the linked Lead's 18-character Id, None when the Opportunity has none
    amount_cents: int | None


def _tree(raw: bytes) -> tuple[Element, dict[int, str]]:
    """The document's root and, for each element with an xsi:type, that type resolved to `{namespace}name`."""
    scopes: list[dict[str, str]] = [{}]
    declared: dict[str, str] = {}
    types: dict[int, str] = {}
    root: Element | None = None
    depth = 0
    try:
        for event, item in iterparse(io.BytesIO(raw), events=("start-ns", "start", "end"), forbid_dtd=True):
            if event == "start-ns":
                prefix, uri = item
                declared[prefix] = uri
            elif event == "start":
                depth += 1
                if depth > MAX_DEPTH:
                    raise MessageError(f"elements nest more than {MAX_DEPTH} deep: this is not an outbound message")
                scopes.append({**scopes[-1], **declared})
                declared = {}
                root = item if root is None else root
                if (xsi_type := item.get(f"{{{XSI_NS}}}type")) is not None:
                    prefix, _, local = xsi_type.rpartition(":")
                    types[id(item)] = f"{{{scopes[-1].get(prefix, '')}}}{local}"
            else:
                depth -= 1
                scopes.pop()
    except DefusedXmlException as exc:
        what = REFUSED.get(type(exc).__name__, "construct Handoff does not parse")
        raise MessageError(f"the XML has {what}: refused, outbound messages have none") from None
    except ParseError as exc:
        raise MessageError(f"the body is not well-formed XML ({exc})") from None
    except (LookupError, UnicodeError):  # an encoding Python does not know, or bytes it cannot decode
        raise MessageError("the XML declares an encoding Handoff cannot read: Salesforce sends UTF-8") from None
    assert root is not None  # iterparse raises ParseError on a document without an element
    return root, types


def _child(parent: Element, tag: str, what: str) -> Element:
    found = parent.find(tag)
    if found is None:
        raise MessageError(f"{what} is missing")
    return found


def _text(parent: Element, name: str, *, required: bool = True) -> str | None:
    found = parent.find(f"{{{OUTBOUND_NS}}}{name}")
    if found is None or found.get(f"{{{XSI_NS}}}nil") == "true" or not (found.text or "").strip():
        if required:
            raise MessageError(f"notifications.{name} is missing")
        return None
    return (found.text or "").strip()


def parse_message(raw: bytes) -> OutboundMessage:
    """The outbound message in `raw`, or a MessageError saying what is wrong with it."""
    root, types = _tree(raw)
    if root.tag != f"{{{SOAP_NS}}}Envelope":
        raise MessageError(f"the root element is {_quoted(root.tag)}, not a SOAP 1.1 Envelope ({SOAP_NS})")
    body = _child(root, f"{{{SOAP_NS}}}Body", "the SOAP Body")
    found = body.find(f"{{{OUTBOUND_NS}}}notifications")
    if found is None:
        names = ", ".join(repr(child.tag) for child in body) or "nothing"
        raise MessageError(f"the SOAP Body holds {names[:200]}, not notifications in namespace {OUTBOUND_NS}")
    org = _text(found, "OrganizationId")
    action = _text(found, "ActionId")
    assert org is not None and action is not None
    items = found.findall(f"{{{OUTBOUND_NS}}}Notification")
    if not items:
        raise MessageError("notifications holds no Notification")
    if len(items) > MAX_NOTIFICATIONS:
        raise MessageError(f"notifications holds {len(items)} Notification elements: Salesforce sends at most 100")
    notes = tuple(_notification(index, item, types) for index, item in enumerate(items))
    return OutboundMessage(
        org, action, _text(found, "EnterpriseUrl", required=False), _text(found, "PartnerUrl", required=False), notes
    )


def _notification(index: int, item: Element, types: dict[int, str]) -> Notification:
    where = f"Notification[{index}]"
    note_id = _text(item, "Id")
    sobject = _child(item, f"{{{OUTBOUND_NS}}}sObject", f"{where}.sObject")
    kind = types.get(id(sobject))
    namespace, _, name = (kind or "").removeprefix("{").partition("}")
    if kind is None or namespace != SOBJECT_NS or name not in TYPES:
        shown = f"{_quoted(name)} in namespace {_quoted(namespace)}" if kind else "no xsi:type"
        raise MessageError(f"{where}.sObject has {shown}: Handoff takes sf:Lead and sf:Opportunity ({SOBJECT_NS})")
    fields: dict[str, str | None] = {}
    for child in sobject:
        namespace, _, field = str(child.tag).removeprefix("{").partition("}")
        if namespace != SOBJECT_NS:
            raise MessageError(f"{where}.sObject has the field {_quoted(child.tag)}, not in namespace {SOBJECT_NS}")
        if len(child):
            continue  # a compound value (an address): Handoff maps none
        fields[field] = None if child.get(f"{{{XSI_NS}}}nil") == "true" else (child.text or "").strip() or None
    assert note_id is not None
    return Notification(note_id, name, fields)


def _quoted(name: str) -> str:
    """A name of the sender's making, quoted in a fault and the log: cut, so one 500 KB tag is not a 500 KB line."""
    return repr(name) if len(name) <= MAX_QUOTED else repr(name[:MAX_QUOTED]) + "…"


def _record_id(value: str | None, what: str) -> str:
    if value is None:
        raise MessageError(f"{what} is missing: include Id in the outbound message's fields")
    if not SALESFORCE_ID.match(value):
        raise MessageError(f"{what} is not a Salesforce id")
    return id18(value)


def _score(value: str | None) -> Any:
    """A number field's value as a whole score from 0 to 100 (Account Engagement's score goes past 100)."""
    if value is None:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        return value  # refused by LeadIn, naming the field
    if not number.is_finite():
        return value
    return int(min(max(number, Decimal(0)), Decimal(100)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _lead_input(note: Notification, config: SalesforceConfig) -> dict[str, Any]:
    fields, names = note.fields, config.fields
    source = names.external_id
    raw_id = fields.get(source)
    if raw_id is None:
        raise MessageError(f"{source} is missing: include it in the outbound message's fields (salesforce.fields)")
    external = id18(raw_id) if source == "Id" and SALESFORCE_ID.match(raw_id) else raw_id
    lead: dict[str, Any] = {"external_id": config.external_id_prefix + external}
    name = " ".join(part for field in names.name if (part := fields.get(field)))
    lead["name"] = name[: TEXT_LIMITS["name"]] or None
    for handoff in ("email", "company", "title", "source", "campaign"):
        field = getattr(names, handoff)
        value = fields.get(field) if field else None
        limit = TEXT_LIMITS.get(handoff)
        lead[handoff] = value[:limit] if value is not None and limit else value
    lead["score"] = _score(fields.get(names.score)) if names.score else None
    return lead


def _salesforce_name(handoff_field: str, config: SalesforceConfig) -> str:
    if handoff_field == "name":
        return " + ".join(config.fields.name)
    return str(getattr(config.fields, handoff_field, None) or handoff_field)


def leads(message: OutboundMessage, config: SalesforceConfig) -> list[SalesforceLead]:
    """The message's Leads as validated lead input, all or none: one invalid Lead refuses them all (MessageError
    naming each Notification and field), since Salesforce retries the whole message anyway."""
    notes = [(index, note) for index, note in enumerate(message.notifications) if note.type == "Lead"]
    if not notes:
        return []
    inputs: list[dict[str, Any]] = []
    records: list[str] = []
    for index, note in notes:
        where = f"Notification[{index}]"
        records.append(_record_id(note.fields.get("Id"), f"{where}.sObject.Id"))
        try:
            inputs.append(_lead_input(note, config))
        except MessageError as exc:
            raise MessageError(f"{where}.sObject.{exc.message}") from None
    try:
        validated, _ = parse_leads(inputs)
    except InvalidLeads as exc:
        problems = [
            f"Notification[{notes[e.get('index', 0)][0]}].sObject.{_salesforce_name(str(e['field']), config)} "
            f"({e['field']}): {e['message']}"
            for e in exc.errors
        ]
        raise MessageError("nothing was stored: " + "; ".join(problems)) from None
    return [SalesforceLead(record, lead) for record, lead in zip(records, validated, strict=True)]


def _amount(value: str | None, where: str) -> int | None:
    if value is None:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite() or number < 0 or number >= Decimal(10) ** 13:
        raise MessageError(f"{where}.sObject.Amount is not an amount Handoff can keep (0 to 10^13)")
    return int((number * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def stage_moves(message: OutboundMessage, config: SalesforceConfig) -> list[StageMove]:
    """The message's Opportunities as stage moves (the caller ignores those without a mapped stage or a lead)."""
    moves: list[StageMove] = []
    for index, note in enumerate(message.notifications):
        if note.type != "Opportunity":
            continue
        where = f"Notification[{index}]"
        link = config.opportunity_lead_field
        if link is None:
            raise MessageError(
                "salesforce.opportunity_lead_field is not set in Handoff's team file: name the Opportunity field "
                "that holds the Id of the Lead it came from"
            )
        opportunity = _record_id(note.fields.get("Id"), f"{where}.sObject.Id")
        if "StageName" not in note.fields:
            raise MessageError(f"{where}.sObject.StageName is missing: include it in the outbound message's fields")
        if link not in note.fields:
            raise MessageError(
                f"{where}.sObject.{link} is missing: include it in the outbound message's fields "
                "(salesforce.opportunity_lead_field)"
            )
        lead_id = note.fields[link]
        if lead_id is not None and not SALESFORCE_ID.match(lead_id):
            raise MessageError(f"{where}.sObject.{link} is not a Salesforce id (salesforce.opportunity_lead_field)")
        stage_name = note.fields["StageName"] or ""
        moves.append(
            StageMove(
                opportunity_id=opportunity,
                stage_name=stage_name,
                stage=config.stages.get(stage_name),
                lead_record_id=id18(lead_id) if lead_id else None,
                amount_cents=_amount(note.fields.get("Amount"), where),
            )
        )
    return moves
