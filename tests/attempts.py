"""Log attempt as a person does it: click the button (on the post, or on any message that shows it), see the modal
open, pick a channel and an outcome, submit. Returns the submission's answer (status, body)."""

from __future__ import annotations

import json
from typing import Any

from bot.ids import Action, Block, Callback
from sandbox.slack_models import Message
from tests.conftest import Harness


def attempt_values(channel: str = "call", outcome: str = "connected", note: str | None = None) -> dict[str, Any]:
    values: dict[str, Any] = {
        Block.ATTEMPT_CHANNEL: {Action.ATTEMPT_CHANNEL: {"selected_option": {"value": channel}}},
        Block.ATTEMPT_OUTCOME: {Action.ATTEMPT_OUTCOME: {"selected_option": {"value": outcome}}},
    }
    if note is not None:
        values[Block.ATTEMPT_NOTE] = {Action.ATTEMPT_NOTE: {"value": note}}
    return values


async def open_attempt(
    app: Harness, lead_id: int, user_id: str, *, on: Message | None = None, settle: bool = True
) -> dict[str, Any] | None:
    """Click Log attempt; the modal Slack opened, or None when the click was refused (the answer is ephemeral).
    Without `settle`, only the click's own work is waited for (the outbox is left as it is)."""
    before = len(app.slack.calls_to("views.open"))
    if on is None:
        await app.click(Action.LOG_CONTACT, lead_id, user_id)
    else:
        await app.press(on, Action.LOG_CONTACT, user_id)
    await (app.settle() if settle else app.svc.background.wait())
    opened = app.slack.calls_to("views.open")[before:]
    if not opened:
        return None
    view = opened[-1].args["view"]
    return json.loads(view) if isinstance(view, str) else dict(view)


async def log_attempt(
    app: Harness,
    lead_id: int,
    user_id: str,
    outcome: str = "connected",
    *,
    channel: str = "call",
    note: str | None = None,
    on: Message | None = None,
    settle: bool = True,
) -> tuple[int, str] | None:
    """The whole flow; None when the click itself was refused (no modal opened)."""
    view = await open_attempt(app, lead_id, user_id, on=on, settle=settle)
    if view is None:
        return None
    assert view["callback_id"] == Callback.ATTEMPT
    values = attempt_values(channel, outcome, note)
    answer = await app.submit(Callback.ATTEMPT, user_id, view["private_metadata"], values)
    if settle:
        await app.settle()
    return answer


async def submit_attempt(
    app: Harness, user_id: str, outcome: str = "connected", *, channel: str = "call", note: str | None = None
) -> tuple[int, str]:
    """Submit the Log attempt modal Slack opened last (after a click made elsewhere, such as on Home)."""
    view = app.slack.calls_to("views.open")[-1].args["view"]
    view = json.loads(view) if isinstance(view, str) else dict(view)
    assert view["callback_id"] == Callback.ATTEMPT
    answer = await app.submit(
        Callback.ATTEMPT, user_id, view["private_metadata"], attempt_values(channel, outcome, note)
    )
    await app.settle()
    return answer
