"""Slack listeners by surface and the HTTP APIs. Every listener is registered here, explicitly."""

from __future__ import annotations

from aiohttp import web
from slack_bolt.async_app import AsyncApp

from bot.app.services import Services
from handlers import actions, commands, events, intake, views


def register(app: AsyncApp, svc: Services) -> None:
    actions.register(app, svc)
    views.register(app, svc)
    commands.register(app, svc)
    events.register(app, svc)


def routes() -> list[web.RouteDef]:
    return [*intake.routes()]
