"""Bolt's global error handler: a listener that raised answers the person as work after the ack does.

Listeners ack first and hand their work to `Background`, which answers every failure, and a modal's submission
answers its own under the field. What reaches this handler raised in a listener outside those (a payload it could
not read). Left to Bolt, that is an HTTP 500, which Slack shows as "We had some trouble connecting" with nothing to
quote to support. Here it gets `explained` (the reference the log line carries, or the
UserError's own words): under the modal's first field, or as a modal saying so when it has none; beside a clicked
message or a command, through its response_url. An event has nobody to tell: the log has it.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncRespond
from slack_bolt.response import BoltResponse

from bot.app.background import explained
from message_templates import Renderer, as_plain

ErrorHandler = Callable[..., Awaitable[BoltResponse | None]]


def first_input(view: Any) -> str | None:
    blocks = view.get("blocks") if isinstance(view, dict) else None
    if not isinstance(blocks, list):
        return None
    return next((str(b["block_id"]) for b in blocks if isinstance(b, dict) and b.get("type") == "input"), None)


def answer_listener_errors(renderer: Renderer) -> ErrorHandler:
    async def handle_listener_error(
        error: Exception, body: dict[str, Any], respond: AsyncRespond | None
    ) -> BoltResponse | None:
        kind = str(body.get("type") or "event")
        what = f"Slack {kind} listener"
        if kind == "view_submission":
            message = as_plain(explained(error, what, emoji=False))
            if (block := first_input(body.get("view"))) is not None:
                answer: dict[str, Any] = {"response_action": "errors", "errors": {block: message}}
            else:
                answer = {
                    "response_action": "update",
                    "view": renderer.render("modals/failed.json.j2", message=message),
                }
            return BoltResponse(status=200, body=json.dumps(answer), headers={"content-type": "application/json"})
        text = explained(error, what)
        if body.get("response_url") and respond is not None:
            await respond(response_type="ephemeral", replace_original=False, **renderer.notice(text))
            return BoltResponse(status=200, body="")
        return None

    return handle_listener_error
