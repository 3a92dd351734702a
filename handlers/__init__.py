"""Slack listeners by surface and the HTTP APIs. Every listener is a module-level function named for its surface
and intent, listed in its surface's module (`ACTIONS`, `VIEWS`, `COMMANDS`, `EVENTS`); one global middleware
hands them the app's services through Bolt's context (handlers/context.py)."""

from __future__ import annotations

from aiohttp import web
from slack_bolt.async_app import AsyncApp

from bot.app.services import Services
from handlers import (
    actions,
    commands,
    content_actions,
    content_requests,
    context,
    events,
    hubspot,
    intake,
    proposals,
    salesforce,
    views,
)


def register(app: AsyncApp, svc: Services) -> None:
    app.use(context.provide(svc))
    for surface in (actions, views, commands, events):
        surface.register(app)
    proposals.register(app)  # a proposal's buttons and modals (/sla propose)
    content_actions.register(app)  # the content library's buttons and modals (/content)
    content_requests.register(app)  # a content request's buttons and modals (/content request)


def routes() -> list[web.RouteDef]:
    return [*intake.routes(), *hubspot.routes(), *salesforce.routes()]
