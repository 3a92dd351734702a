"""`POST /api/salesforce`: Salesforce Outbound Messages. Leads become MQLs, Opportunities move their lead's stage.

Salesforce cannot sign these messages: the message's OrganizationId must be `[salesforce] organization_id`, and
with SALESFORCE_OUTBOUND_TOKEN set the endpoint URL's `token` query parameter must match it. A refused message
gets a SOAP fault (4xx) whose faultstring says what is wrong, and stores nothing; Salesforce shows the failure in
Setup → Outbound Messages and retries for 24 hours. Every message taken gets the Ack, a repeat too.
"""

from __future__ import annotations

import hmac
import logging

from aiohttp import web

from bot.app.services import SERVICES
from bot.config.salesforce import same_id
from bot.errors import NotFound, UserError
from bot.integrations.salesforce import ACK, MessageError, StageMove, fault, leads, parse_message, stage_moves
from bot.lifecycle.intake import CrmRecord
from bot.lifecycle.leads import LeadService

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024  # 100 notifications of the fields Handoff maps take well under 100 KB
XML_TYPES = ("text/xml", "application/xml")


def refuse(status: int, message: str) -> web.Response:
    log.warning("Salesforce outbound message refused (%d): %s", status, message)
    return web.Response(status=status, text=fault(message), content_type="text/xml", charset="utf-8")


def acknowledge() -> web.Response:
    return web.Response(text=ACK, content_type="text/xml", charset="utf-8")


async def read_body(request: web.Request, limit: int = MAX_BODY) -> bytes | None:
    """The body, or None when it is larger than `limit` (read no further than that; a gzip body is counted as it
    inflates)."""
    if request.content_length is not None and request.content_length > limit:
        return None
    body = bytearray()
    while chunk := await request.content.read(64 * 1024):
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)


async def handle_salesforce_message(request: web.Request) -> web.Response:
    svc = request.app[SERVICES]
    config = svc.config.salesforce
    expected = svc.settings.salesforce.outbound_token
    if expected and not hmac.compare_digest(request.query.get("token", "").encode(), expected.encode()):
        return refuse(401, "the token query parameter is missing or wrong: end the endpoint URL with ?token=<token>")
    if config.organization_id is None:
        return refuse(
            403, "salesforce.organization_id is not set in Handoff's team file: Handoff takes no Salesforce messages"
        )
    if request.content_type not in XML_TYPES:
        return refuse(415, f"the content type is {request.content_type!r}: an outbound message is text/xml")
    raw = await read_body(request)
    if raw is None:
        return refuse(413, f"the body is over {MAX_BODY} bytes: send only the fields Handoff maps")
    try:
        message = parse_message(raw)
    except MessageError as exc:
        return refuse(400, exc.message)
    if not same_id(message.organization_id, config.organization_id):  # an org id is no secret: no need for hmac
        return refuse(403, "notifications.OrganizationId is not salesforce.organization_id in Handoff's team file")
    try:
        new_leads = leads(message, config)
        moves = stage_moves(message, config)
    except MessageError as exc:
        return refuse(422, exc.message)
    if new_leads:  # one transaction for all of them: a repeat of a stored message finds them known, posts nothing
        records = {item.lead.external_id: CrmRecord("salesforce", item.record_id) for item in new_leads}
        results = await svc.intake.ingest([item.lead for item in new_leads], records=records)
        log.info(
            "Salesforce outbound message %s: %d new lead(s), %d known",
            message.action_id,
            sum(r.created for r in results),
            sum(not r.created for r in results),
        )
    for move in moves:
        await apply_move(svc.leads, move)
    return acknowledge()


async def apply_move(service: LeadService, move: StageMove) -> None:
    """One Opportunity's stage, through the stage API's rules. A stage not in [salesforce.stages], an Opportunity
    without a lead, a lead Handoff never had or a move the rules refuse is acknowledged and logged all the same:
    Salesforce would only send the same message again for 24 hours, and it would not move either."""
    if move.stage is None:
        log.info(
            "Opportunity %s: stage %r is not in [salesforce.stages], ignored", move.opportunity_id, move.stage_name
        )
        return
    if move.lead_record_id is None:
        log.info(
            "Opportunity %s names no lead (salesforce.opportunity_lead_field is empty), ignored", move.opportunity_id
        )
        return
    try:
        moved = await service.move_by_record(
            "salesforce", [move.lead_record_id], to=move.stage, actor="crm", via="crm", amount_cents=move.amount_cents
        )
    except NotFound:
        log.info("Opportunity %s: no lead came from Lead %s, ignored", move.opportunity_id, move.lead_record_id)
        return
    except UserError as exc:
        log.warning("Opportunity %s: lead not moved to %s: %s", move.opportunity_id, move.stage, exc.text())
        return
    log.info("Opportunity %s: lead %d %s %s", move.opportunity_id, moved.lead_id,
             "moved to" if moved.changed else "already at", moved.stage)  # fmt: skip


def routes() -> list[web.RouteDef]:
    return [web.post("/api/salesforce", handle_salesforce_message)]
