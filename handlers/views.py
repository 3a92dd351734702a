"""Modal submissions. The answer to a submission *is* the modal's next state, so the domain call runs before the
ack (well inside 3 s) and anything the person can fix comes back as an inline error under the field."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.errors import UserError
from bot.ids import BANT, Action, Block, Callback
from bot.services import Services
from bot.spend import parse_amount


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

    async def handle_reassign_submission(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        rep = str(_input(view, Block.REASSIGN_REP, Action.REASSIGN_REP).get("selected_user") or "")
        why = str(_input(view, Block.REASSIGN_WHY, Action.REASSIGN_WHY).get("value") or "")
        metadata = str(view.get("private_metadata") or "")
        if not rep:
            await ack(response_action="errors", errors={Block.REASSIGN_REP: "Pick the rep who takes the lead."})
            return
        if not metadata.isdigit():
            await ack(response_action="errors", errors={Block.REASSIGN_REP: "This form is out of date; reopen it."})
            return
        try:
            await svc.leads.reassign(int(metadata), by=body["user"]["id"], to=rep, why=why)
        except UserError as exc:
            block = Block.REASSIGN_WHY if exc.field == "why" else Block.REASSIGN_REP
            await ack(response_action="errors", errors={block: exc.message})
            return
        await ack()

    async def handle_snooze_submission(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        why = str(_input(view, Block.SNOOZE_WHY, Action.SNOOZE_WHY).get("value") or "")
        metadata = str(view.get("private_metadata") or "")
        if not metadata.isdigit():
            await ack(response_action="errors", errors={Block.SNOOZE_WHY: "This form is out of date; reopen it."})
            return
        try:
            await svc.sla.snooze(int(metadata), user_id=body["user"]["id"], why=why)
        except UserError as exc:
            await ack(response_action="errors", errors={Block.SNOOZE_WHY: exc.message})
            return
        await ack()

    async def handle_spend_submission(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        def value(block: str, action: str) -> str:
            return str(_input(view, block, action).get("value") or "")

        blocks = {"month": Block.SPEND_MONTH, "source": Block.SPEND_SOURCE, "amount": Block.SPEND_AMOUNT}
        try:
            await svc.spend.enter(
                user_id=body["user"]["id"],
                month=value(Block.SPEND_MONTH, Action.SPEND_MONTH),
                source=value(Block.SPEND_SOURCE, Action.SPEND_SOURCE),
                amount=value(Block.SPEND_AMOUNT, Action.SPEND_AMOUNT),
            )
        except UserError as exc:
            await ack(response_action="errors", errors={blocks.get(exc.field or "", Block.SPEND_SOURCE): exc.message})
            return
        await ack()

    async def handle_move_submission(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        lead_text, _, to = str(view.get("private_metadata") or "").partition(":")
        first_block = {"sql": Block.MOVE_BANT, "lost": Block.MOVE_REASON}.get(to, Block.MOVE_AMOUNT)
        if not lead_text.isdigit() or to not in ("sql", "opportunity", "won", "lost"):
            await ack(response_action="errors", errors={first_block: "This form is out of date; reopen it."})
            return
        checks: dict[str, bool] | None = None
        amount_cents: int | None = None
        reason: str | None = None
        try:
            if to == "sql":
                picked = {
                    o.get("value")
                    for o in _input(view, Block.MOVE_BANT, Action.MOVE_BANT).get("selected_options") or []
                }
                checks = {value: value in picked for value, _ in BANT}
                if not all(checks.values()):
                    missing = ", ".join(label for value, label in BANT if not checks[value])
                    raise UserError(f"An SQL has all four confirmed; still open: {missing}.", field="bant")
            elif to in ("opportunity", "won"):
                amount_cents = parse_amount(str(_input(view, Block.MOVE_AMOUNT, Action.MOVE_AMOUNT).get("value") or ""))
            else:
                selected = _input(view, Block.MOVE_REASON, Action.MOVE_REASON).get("selected_option") or {}
                reason = str(selected.get("value") or "")
                if reason not in svc.config.lost.reasons:
                    raise UserError("Pick one of the listed reasons.", field="reason")
            await svc.leads.move(
                int(lead_text), to=to, actor=body["user"]["id"], via="slack", amount_cents=amount_cents,
                reason=reason, checks=checks,
            )  # fmt: skip
        except UserError as exc:
            await ack(response_action="errors", errors={first_block: exc.message})
            return
        await ack()

    async def handle_win_submission(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        def value(block: str, action: str, key: str = "value") -> Any:
            return _input(view, block, action).get(key)

        blocks = {"company": Block.WIN_COMPANY, "amount": Block.WIN_AMOUNT, "rep": Block.WIN_REP,
                  "marketers": Block.WIN_MARKETERS}  # fmt: skip
        try:
            await svc.wins.celebrate(
                by=body["user"]["id"],
                company=str(value(Block.WIN_COMPANY, Action.WIN_COMPANY) or ""),
                amount=str(value(Block.WIN_AMOUNT, Action.WIN_AMOUNT) or ""),
                rep=str(value(Block.WIN_REP, Action.WIN_REP, "selected_user") or ""),
                marketers=[str(u) for u in value(Block.WIN_MARKETERS, Action.WIN_MARKETERS, "selected_users") or []],
                campaign=str(value(Block.WIN_CAMPAIGN, Action.WIN_CAMPAIGN) or ""),
            )
        except UserError as exc:
            await ack(response_action="errors", errors={blocks.get(exc.field or "", Block.WIN_COMPANY): exc.message})
            return
        await ack()

    app.view(Callback.REJECT)(handle_reject_submission)
    app.view(Callback.WIN)(handle_win_submission)
    app.view(Callback.MOVE)(handle_move_submission)
    app.view(Callback.SPEND)(handle_spend_submission)
    app.view(Callback.REASSIGN)(handle_reassign_submission)
    app.view(Callback.SNOOZE)(handle_snooze_submission)
