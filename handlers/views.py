"""Modal submissions. The answer to a submission *is* the modal's next state, so the domain call runs before the
ack (well inside 3 s) and anything the person can fix comes back as an inline error under the field."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.errors import UserError
from bot.ids import Action, Block, Callback
from bot.services import Services


def _input(view: dict[str, Any], block: str, action: str) -> dict[str, Any]:
    values = view.get("state", {}).get("values", {})
    found = values.get(block, {}).get(action)
    return found if isinstance(found, dict) else {}


def register(app: AsyncApp, svc: Services) -> None:
    async def handle_reject_submission(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        selected = _input(view, Block.REJECT_REASON, Action.REJECT_REASON).get("selected_option") or {}
        reason = str(selected.get("value") or "").strip()
        note = _input(view, Block.REJECT_NOTE, Action.REJECT_NOTE).get("value")
        if not reason:
            await ack(
                response_action="errors", errors={Block.REJECT_REASON: "Pick a reason: marketing learns from it."}
            )
            return
        metadata = str(view.get("private_metadata") or "")
        if not metadata.isdigit():
            await ack(response_action="errors", errors={Block.REJECT_REASON: "This form is out of date; reopen it."})
            return
        try:
            await svc.leads.reject(int(metadata), user_id=body["user"]["id"], reason=reason, note=note)
        except UserError as exc:
            block = Block.REJECT_NOTE if exc.field == "note" else Block.REJECT_REASON
            await ack(response_action="errors", errors={block: exc.message})
            return
        await ack()

    app.view(Callback.REJECT)(handle_reject_submission)
