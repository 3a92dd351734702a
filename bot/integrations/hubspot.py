"""What HubSpot sends to `POST /api/hubspot`, read into Handoff's own inputs: a contact becomes the lead dict that
`parse_leads` validates (so its errors come from where the intake API's do, renamed to the HubSpot property they
came from), a deal's stage change a `StageIn`.

Bodies read:
- a workflow's "Send a webhook" with all of the record's properties: `objectId` (or the legacy `vid` / `dealId`)
  and `properties` whose values are `{"value": …}` objects;
- a workflow's customized body: plain keys and values (`hs_object_id`, `firstname`, `dealstage`, `contact_id`…);
- a Webhooks API event array (`[{"subscriptionType": "deal.propertyChange", …}]`): acknowledged and ignored. An event
  names only the record (a deal's id and its new stage, a created contact's id) and HubSpot's API would have to be
  asked for the rest; a workflow sends the whole record. Each event is answered with why it was ignored.

A body with a `dealstage` (or a `dealId`) is a deal; anything else is a contact.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError

from bot.config.hubspot import HubSpotConfig
from bot.errors import ConfigError
from bot.lifecycle.intake_input import InvalidLeads, LeadFields, StageIn, field_errors, parse_leads
from bot.lifecycle.stages import MOVE_TARGETS

MAX_EVENTS = 100  # HubSpot batches at most 100 events in one request
MAX_CONTACTS = 100  # the associated contacts a deal's body may name (the associations read take the first 100)
CONTACT_ID_KEYS = ("objectId", "hs_object_id", "vid", "canonical-vid")
LOST_REASON = "closed_lost_reason"
AMOUNT = "amount"
RECORD_ID = re.compile(r"[0-9]{1,20}")  # HubSpot's record ids are positive 64-bit numbers; ASCII digits only
MAX_NUMBER_TEXT = 400  # a score or amount longer than this is not a number anyone meant


class BadBody(Exception):
    """The body cannot be read as HubSpot's: `errors` name the field, as the intake API's do."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(f"{len(errors)} invalid field(s)")
        self.errors = errors


def _bad(field: str, message: str) -> BadBody:
    return BadBody([{"field": field, "message": message}])


@dataclass(frozen=True)
class Contact:
    record_id: str
    lead: LeadFields


@dataclass(frozen=True)
class DealStage:
    deal_id: str | None
    hubspot_stage: str
    contact_ids: tuple[str, ...]
    move: StageIn | None  # None: the stage is not in [hubspot.stages]


@dataclass(frozen=True)
class Ignored:
    kind: str
    object_id: str | None
    reason: str


def check_config(config: HubSpotConfig) -> None:
    """At start-up: `[hubspot.stages]` may only name stages a CRM can move a lead to."""
    for stage_id, stage in config.stages.items():
        if stage not in MOVE_TARGETS:
            raise ConfigError(
                f"hubspot.stages.{stage_id}",
                f"{stage[:40]!r} is not a stage a deal can move a lead to: use {', '.join(MOVE_TARGETS)}",
            )


def parse_body(body: Any, config: HubSpotConfig) -> Contact | DealStage | list[Ignored]:
    if isinstance(body, list):
        return _events(body)
    if not isinstance(body, dict):
        raise _bad("body", "must be a HubSpot record (a JSON object) or a Webhooks API event array")
    props = properties(body)
    if "dealstage" in props or "dealId" in body:
        return _deal(body, props, config)
    return _contact(body, props, config)


def properties(body: Mapping[str, Any]) -> dict[str, Any]:
    """The record's properties, flat: a customized body's own keys, then `properties` (`{"value": …}` objects or
    plain values) over them."""
    flat = {key: value for key, value in body.items() if key != "properties"}
    nested = body.get("properties")
    if nested is not None and not isinstance(nested, dict):
        raise _bad("properties", "must be an object of property → value (or {'value': …})")
    for key, value in (nested or {}).items():
        if isinstance(value, dict):
            flat[key] = value.get("value")
        else:
            flat[key] = value
    return flat


def _record_id(props: Mapping[str, Any], keys: tuple[str, ...]) -> tuple[str, str]:
    for key in keys:
        value = props.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise _bad(key, "must be the record's id (a whole number or a string)")
        record_id = str(value).strip()
        if not RECORD_ID.fullmatch(record_id):  # it goes into the write-back's URL: `..` would be a path there
            raise _bad(key, "must be the contact's Record ID (hs_object_id: a whole number of up to 20 digits)")
        return key, record_id
    raise _bad(keys[0], f"is required: send the record's id ({' or '.join(keys)})")


def text(value: Any, key: str) -> str | None:
    """A property as text: HubSpot sends strings, numbers for number properties; an object or a list is wrong."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and math.isfinite(value):
        return repr(value)
    raise _bad(key, "must be text, not " + ("a number out of range" if isinstance(value, float) else "an object"))


def number(value: Any, key: str) -> Decimal | None:
    """A number property (a JSON number or its text, as HubSpot sends either), exactly."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise _bad(key, "must be a number, not true or false")
    if isinstance(value, str) and len(value) > MAX_NUMBER_TEXT:
        raise _bad(key, f"must be a number (this one is {len(value)} characters long)")
    if isinstance(value, (int, float, str)):
        try:
            parsed = Decimal(value.strip()) if isinstance(value, str) else Decimal(value)
        except (InvalidOperation, ValueError):
            parsed = Decimal("NaN")
        if parsed.is_finite():
            return parsed
    raise _bad(key, "must be a number")


def clip_score(value: Any, key: str) -> int | None:
    """HubSpot's score has no upper bound; Handoff's is 0-100: clipped, then rounded."""
    score = number(value, key)
    if score is None:
        return None
    return int(min(max(score, Decimal(0)), Decimal(100)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _contact(body: Mapping[str, Any], props: Mapping[str, Any], config: HubSpotConfig) -> Contact:
    fields = config.fields
    id_key, record_id = _record_id(props, CONTACT_ID_KEYS)
    sources: dict[str, str] = {"external_id": id_key}
    lead: dict[str, Any] = {"external_id": config.external_id_prefix + record_id}
    for name in ("email", "company", "title", "campaign"):
        prop = getattr(fields, name)
        if prop is not None:
            lead[name], sources[name] = text(props.get(prop), prop), prop
    if fields.source is not None:
        source = text(props.get(fields.source), fields.source)
        lead["source"], sources["source"] = (source.lower() if source else source), fields.source
    if fields.score is not None:
        lead["score"], sources["score"] = clip_score(props.get(fields.score), fields.score), fields.score
    if fields.name:
        parts = [text(props.get(prop), prop) for prop in fields.name]
        lead["name"] = " ".join(part.strip() for part in parts if part and part.strip()) or None
        sources["name"] = " + ".join(fields.name)
    try:
        (item,), _ = parse_leads(lead)
    except InvalidLeads as exc:  # the same validation as POST /api/leads, the fields named as HubSpot names them
        raise BadBody([{**e, "field": sources.get(e["field"], e["field"])} for e in exc.errors]) from None
    return Contact(record_id=record_id, lead=item)


def _contact_ids(body: Mapping[str, Any], props: Mapping[str, Any], key: str) -> tuple[str, ...]:
    """The deal's contacts: the customized body's `deal_contact` key, then a default body's associations
    (`associatedVids`, or `contacts` as ids or `{"results": [{"id": …}]}`)."""
    ids: list[str] = []
    given = props.get(key)
    if given is not None:
        if isinstance(given, bool) or not isinstance(given, (int, str)):
            raise _bad(key, "must be the contact's record id (or several, separated by ';')")
        ids += [part.strip() for part in str(given).replace(",", ";").split(";") if part.strip()]
    associations = body.get("associations")
    if isinstance(associations, dict):
        listed = associations.get("associatedVids") or associations.get("contacts") or []
        if isinstance(listed, dict):
            listed = listed.get("results") or []
        if not isinstance(listed, list):
            raise _bad("associations", "must list the contacts' ids")
        for entry in listed[:100]:
            value = entry.get("id") if isinstance(entry, dict) else entry
            if isinstance(value, bool) or not isinstance(value, (int, str)):
                raise _bad("associations", "must list the contacts' ids (whole numbers)")
            ids.append(str(value).strip())
    if not ids:
        raise _bad(key, f"is required: add the associated contact's Record ID to the deal webhook's body as {key!r}")
    if len(set(ids)) > MAX_CONTACTS:  # each is looked up in turn: a megabyte of ids would hold a connection for minutes
        raise _bad(key, f"names {len(set(ids))} contacts: a deal's webhook names at most {MAX_CONTACTS}")
    for contact_id in ids:
        if "\x00" in contact_id or len(contact_id) > 100:
            raise _bad(key, "is not a contact's record id")
    return tuple(dict.fromkeys(ids))


def _deal(body: Mapping[str, Any], props: Mapping[str, Any], config: HubSpotConfig) -> DealStage:
    stage = text(props.get("dealstage"), "dealstage")
    if not stage or not stage.strip():
        raise _bad("dealstage", "is required: a deal webhook's body carries the deal's stage")
    stage = stage.strip()
    ids = (props.get(key) for key in ("objectId", "dealId", "hs_object_id"))
    deal_id = next((str(v)[:100] for v in ids if isinstance(v, (int, str)) and not isinstance(v, bool)), None)
    contacts = _contact_ids(body, props, config.deal_contact)
    to = config.stages.get(stage)
    if to is None:
        return DealStage(deal_id, stage, contacts, None)
    amount = number(props.get(AMOUNT), AMOUNT)
    reason = text(props.get(LOST_REASON), LOST_REASON)
    update: dict[str, Any] = {"stage": to}
    if amount is not None:
        if amount.adjusted() >= 13:
            raise _bad(AMOUNT, "is too large for an amount (at most 13 digits before the point)")
        update["amount"] = str(amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))  # HubSpot keeps more places
    if reason and reason.strip():
        update["reason"] = reason.strip()[:200]
    try:
        move = StageIn.model_validate(update)
    except ValidationError as exc:
        names = {"amount": AMOUNT, "reason": LOST_REASON, "stage": f"hubspot.stages.{stage}"}
        errors = field_errors(exc, in_list=False)
        raise BadBody([{**e, "field": names.get(e["field"], e["field"])} for e in errors]) from None
    return DealStage(deal_id, stage, contacts, move)


def _events(body: list[Any]) -> list[Ignored]:
    if not body:
        raise _bad("body", "is an empty list")
    if len(body) > MAX_EVENTS:
        raise _bad("body", f"has {len(body)} events: HubSpot sends at most {MAX_EVENTS}")
    ignored: list[Ignored] = []
    for index, event in enumerate(body):
        kind = event.get("subscriptionType") if isinstance(event, dict) else None
        if not isinstance(kind, str) or not kind:
            raise _bad(f"[{index}].subscriptionType", "is required: a list must be Webhooks API events")
        object_id = event.get("objectId")
        shown = str(object_id) if isinstance(object_id, (int, str)) and not isinstance(object_id, bool) else None
        if kind == "deal.propertyChange" and event.get("propertyName") == "dealstage":
            why = ("names only the deal, not its contact: send stage changes from a deal workflow's webhook "
                   "with the contact's Record ID in its body")  # fmt: skip
        elif kind == "contact.creation":
            why = "carries no properties: send new contacts from a contact workflow's webhook"
        else:
            why = "is not something Handoff acts on"
        ignored.append(Ignored(kind[:100], shown[:100] if shown else None, f"{kind[:100]} {why}"))
    return ignored
