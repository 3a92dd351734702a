"""`make run` without Slack credentials: the app runs as usual, against the local Slack emulation beside it, and
the sandbox page at the app's own address shows that workspace in a browser.

The app cannot tell the difference: it reaches the emulation through SLACK_API_URL like it would reach Slack, and
every click on the page reaches it as a signed request to /slack/events.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Final

from aiohttp import web

from bot.app.factory import create_app, serve
from bot.config.settings import Settings
from bot.config.team_file import HandoffConfig
from bot.errors import ConfigError
from sandbox.clock import OffsetClock
from sandbox.demo import PEOPLE
from sandbox.frontend import SlackFrontend
from sandbox.page import Person, SandboxPage
from sandbox.persistence import Persistence, snapshot_path
from sandbox.slack_api import FakeSlack
from storage.db import Database

log = logging.getLogger("handoff.sandbox")

# the slash commands in manifest.yml (a test keeps the two in step)
COMMANDS: Final = ("/funnel", "/win", "/handoff", "/sla", "/content", "/campaigns")


def people_of(config: HandoffConfig) -> list[Person]:
    """Everyone the team file names by user id, with their roles (user groups have no face to show)."""
    roles: dict[str, list[str]] = {}
    team = config.team
    for role, ids in (("rep", team.sales), ("manager", team.managers), ("marketer", team.marketing)):
        for user_id in ids:
            if user_id[0] in "UW":
                roles.setdefault(user_id, []).append(role)
    return [Person(user_id, PEOPLE.get(user_id, user_id), tuple(r)) for user_id, r in roles.items()]


async def build_sandbox(settings: Settings, config: HandoffConfig, *, slack_port: int = 0) -> web.Application:
    """The app on the sandbox clock, wired to a started FakeSlack (stopped with the app), with the page mounted."""
    # Made up for this run: nothing outside this process can sign a request the app would accept.
    settings = replace(
        settings, slack_bot_token=f"xoxb-sandbox-{secrets.token_hex(8)}", slack_signing_secret=secrets.token_hex(16)
    )
    clock = OffsetClock()
    channels = {config.slack.leads_channel: "leads"}
    if config.slack.wins_channel:
        channels.setdefault(config.slack.wins_channel, "wins")
    fake = FakeSlack(bot_token=settings.slack_bot_token, channels=list(channels), clock=clock)
    people = people_of(config)
    for person in people:
        fake.users[person.id] = {"real_name": person.name, "profile": {"real_name": person.name}}
    # The workspace and the clock as the last run left them, before the app (and its outbox) starts.
    persistence = Persistence(snapshot_path(settings.database_url), fake, clock)
    db = Database(settings.database_url)
    try:
        await db.prepare()
        loaded = await persistence.load(db)
    finally:
        await db.dispose()
    try:
        await fake.start(host="127.0.0.1", port=slack_port)
    except OSError as exc:  # the sandbox's Slack takes the port after the page's
        raise ConfigError("PORT", f"cannot listen on 127.0.0.1:{slack_port} for the Slack emulation, PORT + 1 "
                                  f"({exc.strerror or exc})") from None  # fmt: skip
    try:
        app = await create_app(replace(settings, slack_api_url=fake.base_url), config, clock=clock)
    except BaseException:
        await fake.stop()
        raise
    frontend = SlackFrontend(fake, signing_secret=settings.slack_signing_secret, commands=COMMANDS)
    page = SandboxPage(
        fake=fake,
        frontend=frontend,
        clock=clock,
        people=people,
        channels=channels,
        intake_token=settings.intake_token,
        timezone=config.timezone,
        persistence=persistence,
        notice=loaded.notice,
    )
    page.mount(app)

    async def keep_saving(_app: web.Application) -> AsyncIterator[None]:
        saver = asyncio.create_task(persistence.keep_saving(), name="sandbox snapshot")
        yield
        saver.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await saver

    async def stop_fake(_app: web.Application) -> None:
        persistence.save()  # after the outbox stopped: the last posts are in
        await fake.stop()

    app.cleanup_ctx.append(keep_saving)
    app.on_cleanup.append(stop_fake)
    log.info("the sandbox's Slack workspace is kept in %s (Reset sandbox on the page empties it)", persistence.path)
    log.info("Slack emulation listening at %s", fake.base_url)
    return app


def run_sandbox(settings: Settings, config: HandoffConfig) -> None:
    slack_port = settings.port + 1 if settings.port else 0
    log.info("open http://localhost:%d/ to use Handoff as your team would in Slack", settings.port)

    async def run() -> None:
        app = await build_sandbox(settings, config, slack_port=slack_port)
        await serve(app, host=settings.host, port=settings.port)

    asyncio.run(run())
