"""`POST /api/hubspot`: HubSpot workflows' "Send a webhook" action, signed with HubSpot's v3 request signature.

A contact becomes an MQL (201, posted like any other; the same record again is 200 and posts nothing). A deal's stage
moves the lead that came from its contact, through `[hubspot.stages]` and the stage API's rules.

What is answered 2xx and what 4xx follows HubSpot's retries: a failed call is retried for up to three days, except
after a 4xx (bar 429). So a body Handoff will never take is a 4xx naming the field (HubSpot stops, and the workflow's
history shows why), while a deal Handoff has nothing to do with (its stage is not mapped, no lead came from its
contact: a deal sales found themselves) is 200 with the reason in the body: nothing is wrong, and an error in the
workflow's history for every such deal would hide the real ones. Nothing here answers 5xx on purpose.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from aiohttp import web

from bot.app.services import SERVICES, Services
from bot.errors import NotFound, UserError
from bot.integrations.hubspot import BadBody, Contact, DealStage, Ignored, parse_body
from bot.integrations.hubspot_signature import SIGNATURE_HEADER, TIMESTAMP_HEADER, signature_problem, signed_uri
from bot.lifecycle.intake import CrmRecord
from handlers.intake import ingested_json, problem
from handlers.salesforce import read_body

log = logging.getLogger(__name__)

CRM = "hubspot"
MAX_BODY = 1024 * 1024  # a contact with every one of its properties is a few tens of kilobytes


def _constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def read_json(raw: bytes) -> Any:
    """The body, or ValueError / RecursionError. NaN and Infinity, which Python's json takes, are refused."""
    return json.loads(raw, parse_constant=_constant)


async def handle_post_hubspot(request: web.Request) -> web.Response:
    svc = request.app[SERVICES]
    secret = svc.settings.hubspot.client_secret
    if not secret:
        return problem(
            403, "hubspot_not_configured",
            message="POST /api/hubspot is off: set HUBSPOT_CLIENT_SECRET (the client secret of the app whose id "
                    "the webhook action names) and restart Handoff",
        )  # fmt: skip
    raw = await read_body(request, MAX_BODY)  # in chunks: a gzip body is refused once it inflates past MAX_BODY
    if raw is None:
        return problem(413, "body_too_large", message=f"the body is over {MAX_BODY} bytes", field="body")
    uri = signed_uri(
        public_url=svc.settings.public_url, scheme=request.scheme, host=request.host, raw_path_qs=request.raw_path
    )
    refused = signature_problem(
        secret, method=request.method, uri=uri, body=raw, now=svc.clock.now(),
        timestamp=request.headers.get(TIMESTAMP_HEADER), signature=request.headers.get(SIGNATURE_HEADER),
    )  # fmt: skip
    if refused is not None:
        log.warning("HubSpot request refused: %s", refused)
        return problem(401, "unauthorized", message=refused)
    try:
        body = read_json(raw)
    except RecursionError:
        return problem(400, "malformed_json", message="the body is nested too deeply", field="body")
    except (ValueError, UnicodeDecodeError) as exc:
        reason = str(exc).split(":")[0] if "integer string conversion" in str(exc) else str(exc)[:200]
        return problem(400, "malformed_json", message=f"the body is not valid JSON: {reason}", field="body")
    try:
        parsed = parse_body(body, svc.config.hubspot)
    except BadBody as exc:
        return problem(422, "invalid_hubspot_record", message="nothing was stored", errors=exc.errors)
    except RecursionError:
        return problem(400, "malformed_json", message="the body is nested too deeply", field="body")
    if isinstance(parsed, Contact):
        return await _contact(svc, parsed)
    if isinstance(parsed, DealStage):
        return await _deal(svc, parsed)
    return _ignored(parsed)


async def _contact(svc: Services, contact: Contact) -> web.Response:
    lead = contact.lead
    (result,) = await svc.intake.ingest([lead], records={lead.external_id: CrmRecord(CRM, contact.record_id)})
    return web.json_response(ingested_json(result), status=201 if result.created else 202 if result.below_bar else 200)


async def _deal(svc: Services, deal: DealStage) -> web.Response:
    answer: dict[str, Any] = {"deal": deal.deal_id, "dealstage": deal.hubspot_stage, "moved": False}
    if deal.move is None:
        log.info("HubSpot deal %s entered stage %r, which [hubspot.stages] does not map: ignored",
                 deal.deal_id, deal.hubspot_stage)  # fmt: skip
        return web.json_response({**answer, "ignored": f"deal stage {deal.hubspot_stage!r} is not in [hubspot.stages]"})
    move = deal.move
    try:
        moved = await svc.leads.move_by_record(
            CRM, deal.contact_ids, to=move.stage, actor="crm", via=CRM, amount_cents=move.amount_cents,
            reason=move.reason,
        )  # fmt: skip
    except NotFound:
        moved = None
    except UserError as exc:  # the stage API's rules: a lead already closed, a move back down the funnel
        errors = [{"field": exc.field or "stage", "message": exc.text()}]
        return problem(422, "invalid_stage_update", message="nothing changed", errors=errors)
    if moved is None:
        log.info("HubSpot deal %s: no lead came from its contact(s) %s: ignored", deal.deal_id, list(deal.contact_ids))
        shown = ", ".join(deal.contact_ids[:5])
        return web.json_response({**answer, "ignored": f"no lead came from HubSpot contact {shown}"})
    return web.json_response({**answer, "id": moved.lead_id, "stage": moved.stage, "moved": moved.changed})


def _ignored(events: list[Ignored]) -> web.Response:
    for event in events:
        log.info("HubSpot event ignored: %s", event.reason)
    return web.json_response(
        {"ignored": [{"subscriptionType": e.kind, "objectId": e.object_id, "reason": e.reason} for e in events]}
    )


def routes() -> list[web.RouteDef]:
    return [web.post("/api/hubspot", handle_post_hubspot)]
