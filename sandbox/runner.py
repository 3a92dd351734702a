"""`make run` without Slack credentials: the app runs as usual, against the local Slack emulation beside it.

The app cannot tell the difference: it reaches the emulation through SLACK_API_URL like it would reach Slack.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from aiohttp import web

from bot.app import create_app
from bot.config import HandoffConfig
from bot.settings import Settings
from sandbox.slack_api import FakeSlack

log = logging.getLogger("handoff.sandbox")


def run_sandbox(settings: Settings, config: HandoffConfig) -> None:
    slack_port = settings.port + 1 if settings.port else 0

    async def build() -> web.Application:
        fake = FakeSlack(bot_token=settings.slack_bot_token, channels=[config.slack.leads_channel])
        await fake.start(host="127.0.0.1", port=slack_port)
        app = await create_app(replace(settings, slack_api_url=fake.base_url), config)

        async def stop_fake(_app: web.Application) -> None:
            await fake.stop()

        app.on_cleanup.append(stop_fake)
        log.info("Slack emulation listening at %s", fake.base_url)
        return app

    log.info(
        "try it: curl -X POST localhost:%d/api/leads -H 'Authorization: Bearer %s' -H 'Content-Type: application/json' "
        '-d \'{"external_id": "demo-1", "name": "Dana Buyer", "company": "Globex", "score": 87}\'',
        settings.port,
        settings.intake_token,
    )
    web.run_app(build(), host=settings.host, port=settings.port, print=None)
