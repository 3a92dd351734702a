"""`POST /api/leads`: marketing's automation platform hands over MQLs. The lead is committed before the answer."""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any

from aiohttp import web
from pydantic import ValidationError

from bot.app.services import SERVICES, Services
from bot.errors import NotFound, UserError
from bot.integrations.mapped_json import mapped_body, renamed
from bot.lifecycle.intake import Ingested
from bot.lifecycle.intake_input import InvalidLeads, StageIn, field_errors, id_text, nothing_to_clean, parse_leads
from bot.lifecycle.timeline import timeline_json

log = logging.getLogger(__name__)

MAX_BODY = 5 * 1024 * 1024  # 500 leads with their activity fit comfortably


def problem(status: int, error: str, **extra: Any) -> web.Response:
    return web.json_response({"error": error, **extra}, status=status)


def authorized(request: web.Request, svc: Services) -> bool:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return False
    return hmac.compare_digest(token.strip().encode(), svc.settings.intake_token.encode())


def unauthorized() -> web.Response:
    return web.json_response(
        {"error": "unauthorized", "message": "send Authorization: Bearer <INTAKE_TOKEN>"},
        status=401,
        headers={"WWW-Authenticate": 'Bearer realm="handoff"'},
    )


async def authorized_json(request: web.Request) -> tuple[Services, Any, bytes] | web.Response:
    """The services, the parsed body and the raw one, or the 401 / 400 to answer instead (the token first)."""
    svc = request.app[SERVICES]
    if not authorized(request, svc):
        return unauthorized()
    raw = await request.read()
    try:
        return svc, json.loads(raw), raw
    except RecursionError:
        return problem(400, "malformed_json", message="the body is nested too deeply")
    except (ValueError, UnicodeDecodeError) as exc:  # ValueError also covers an integer of over 4,300 digits
        reason = str(exc).split(":")[0] if "integer string conversion" in str(exc) else str(exc)[:200]
        return problem(400, "malformed_json", message=f"the body is not valid JSON: {reason}")


def id_problem(external_id: str) -> dict[str, str] | None:
    """The error for an `external_id` in a path that no lead can have (a NUL, which PostgreSQL cannot even
    compare), or None."""
    try:
        id_text(external_id)
    except ValueError as exc:
        return {"field": "external_id", "message": str(exc)}
    return None


async def handle_post_leads(request: web.Request) -> web.Response:
    read = await authorized_json(request)
    if isinstance(read, web.Response):
        return read
    svc, body, raw = read
    fields = svc.config.intake
    try:
        items, is_list = parse_leads(mapped_body(body, fields), clean=not nothing_to_clean(raw))
    except InvalidLeads as exc:
        return problem(422, "invalid_lead", message="nothing was stored", errors=renamed(exc.errors, fields))
    results = await svc.intake.ingest(items)
    created = any(r.created for r in results)
    status = 201 if created else 200 if any(r.below_bar is None for r in results) else 202
    if not is_list:
        return web.json_response(ingested_json(results[0]), status=status)
    return web.json_response(
        {
            "created": sum(r.created for r in results),
            "existing": sum(not r.created and r.below_bar is None for r in results),
            "below_mql_bar": sum(r.below_bar is not None for r in results),
            "leads": [ingested_json(r) for r in results],
        },
        status=status,
    )


def ingested_json(result: Ingested) -> dict[str, Any]:
    """One lead's answer: its id, or why it was not stored (its score is below the MQL bar of the agreement)."""
    below = result.below_bar
    if below is None:
        return {"id": result.id, "external_id": result.external_id, "created": result.created}
    return {
        "ok": True, "status": "below_mql_bar", "external_id": result.external_id, "score": below.score,
        "min_score": below.min_score, "agreement_version": below.version,
    }  # fmt: skip


async def handle_post_stage(request: web.Request) -> web.Response:
    """A CRM workflow keeps Handoff in step: 200 on a move or a repeat, 404 unknown lead, 422 naming the field."""
    read = await authorized_json(request)
    if isinstance(read, web.Response):
        return read
    svc, body, _raw = read
    external_id = request.match_info["external_id"]
    if (wrong := id_problem(external_id)) is not None:
        return problem(422, "invalid_stage_update", message="nothing changed", errors=[wrong])
    try:
        update = StageIn.model_validate(body)
    except ValidationError as exc:
        return problem(422, "invalid_stage_update", message="nothing changed", errors=field_errors(exc, in_list=False))
    try:
        moved = await svc.leads.move_by_external_id(
            external_id, to=update.stage, actor="crm", via="crm", amount_cents=update.amount_cents,
            reason=update.reason, at=update.at,
        )  # fmt: skip
    except NotFound as exc:
        return problem(404, "unknown_lead", message=exc.message)
    except UserError as exc:
        errors = [{"field": exc.field or "stage", "message": exc.text()}]
        return problem(422, "invalid_stage_update", message="nothing changed", errors=errors)
    return web.json_response(
        {"id": moved.lead_id, "external_id": external_id, "stage": moved.stage, "changed": moved.changed}
    )


async def handle_get_lead(request: web.Request) -> web.Response:
    """The record: the lead and its timeline, oldest first. 401 without the intake token, 404 for an unknown id."""
    svc = request.app[SERVICES]
    if not authorized(request, svc):
        return unauthorized()
    external_id = request.match_info["external_id"]
    if (wrong := id_problem(external_id)) is not None:
        return problem(422, "invalid_external_id", message="no lead can have this id", errors=[wrong])
    try:
        read = await svc.timelines.read(external_id=external_id)
    except NotFound as exc:
        return problem(404, "unknown_lead", message=exc.message)
    return web.json_response(timeline_json(read))


def routes() -> list[web.RouteDef]:
    return [
        web.post("/api/leads", handle_post_leads),
        web.get("/api/leads/{external_id}", handle_get_lead),
        web.post("/api/leads/{external_id}/stage", handle_post_stage),
    ]
