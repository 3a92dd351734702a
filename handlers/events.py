"""Events API listeners. Bolt acks events itself; the work goes to the background so the answer is immediate."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.app.services import Services
from bot.config.fields import USER_ID

log = logging.getLogger(__name__)


async def nowhere(_text: str) -> None:
    """A Home tab has nobody to answer to: failures are logged (with a reference) by Background."""


def register(app: AsyncApp, svc: Services) -> None:
    async def handle_home_opened(event: dict[str, Any]) -> None:
        if event.get("tab") != "home":
            return
        user_id = str(event.get("user") or "")
        if not USER_ID.match(user_id):  # not a person Slack could show a Home tab to: nothing to publish
            log.warning("app_home_opened without a user id (%r); ignored", user_id[:40])
            return

        async def publish() -> None:
            await svc.home.publish(user_id)

        svc.background.spawn(publish(), tell=nowhere, what="app_home_opened", key=f"home:{user_id}", person=user_id)

    app.event("app_home_opened")(handle_home_opened)
