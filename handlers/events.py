"""Events API listeners. Bolt acks events itself; the work goes to the background so the answer is immediate.
`EVENTS` registers them."""

from __future__ import annotations

import logging
from typing import Any, Final

from slack_bolt.async_app import AsyncApp, AsyncBoltContext

from bot.config.fields import USER_ID
from handlers.context import Listener, services

log = logging.getLogger(__name__)


async def nowhere(_text: str) -> None:
    """A Home tab has nobody to answer to: failures are logged (with a reference) by Background."""


async def handle_app_home_opened(event: dict[str, Any], context: AsyncBoltContext) -> None:
    if event.get("tab") != "home":
        return
    user_id = str(event.get("user") or "")
    if not USER_ID.match(user_id):  # not a person Slack could show a Home tab to: nothing to publish
        log.warning("app_home_opened without a user id (%r); ignored", user_id[:40])
        return
    svc = services(context)
    svc.background.spawn(
        lambda: svc.home.publish(user_id), tell=nowhere, what="app_home_opened", key=f"home:{user_id}", person=user_id
    )


EVENTS: Final[list[tuple[str, Listener]]] = [
    ("app_home_opened", handle_app_home_opened),
]


def register(app: AsyncApp) -> None:
    for event, listener in EVENTS:
        app.event(event)(listener)
