"""Modal submissions. The answer to a submission *is* the modal's next state, so the domain call runs before the
ack (well inside 3 s) and anything the person can fix comes back as an inline error under the field: each
`UserError` names its field, and each modal maps fields to its blocks."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from sqlalchemy.exc import SQLAlchemyError

from bot.app.background import NOT_DONE
from bot.app.services import Services
from bot.errors import UserError
from bot.ids import BANT, Action, Block, Callback
from bot.lifecycle.money import parse_amount
from bot.lifecycle.stages import LIFECYCLE, MOVE_TARGETS, Need, Stage
from bot.views.lead_cards import error_mrkdwn
from storage.unavailable import unavailable

log = logging.getLogger(__name__)


async def log_only(text: str) -> None:
    """Nobody to tell when a confirmation itself cannot be sent: the background logs it."""


STALE = "This form is out of date; reopen it."


@dataclass(frozen=True)
class Form:
    """What a person entered in a modal, read by block and action id."""

    view: dict[str, Any]

    def _element(self, block: str, action: str) -> dict[str, Any]:
        found = self.view.get("state", {}).get("values", {}).get(block, {}).get(action)
        return found if isinstance(found, dict) else {}

    def text(self, block: str, action: str) -> str:
        return str(self._element(block, action).get("value") or "")

    def selected(self, block: str, action: str) -> str:
        return str((self._element(block, action).get("selected_option") or {}).get("value") or "").strip()

    def checked(self, block: str, action: str) -> set[str]:
        return {str(o.get("value")) for o in self._element(block, action).get("selected_options") or []}

    def user(self, block: str, action: str) -> str:
        return str(self._element(block, action).get("selected_user") or "")

    def users(self, block: str, action: str) -> list[str]:
        return [str(u) for u in self._element(block, action).get("selected_users") or []]

    @property
    def metadata(self) -> str:
        return str(self.view.get("private_metadata") or "")

    def id(self, field: str) -> int:
        """The id the modal was opened for (its private_metadata)."""
        if not self.metadata.isdigit():
            raise UserError(STALE, field=field)
        return int(self.metadata)


Submit = Callable[[str, Form], Coroutine[Any, Any, None]]


def confirm(svc: Services, form: Form, user_id: str, text: str, *, what: str) -> None:
    """Tell the person what their submission saved, ephemerally in the channel the modal was opened from (its
    private_metadata), after the ack; nothing when it was opened without one."""
    if form.metadata:
        message = svc.renderer.notice(text)
        posted = svc.client.chat_postEphemeral(channel=form.metadata, user=user_id, **message)
        svc.background.spawn(posted, tell=log_only, what=what)


def submission(
    svc: Services, submit: Submit, blocks: dict[str, str], default: str | Callable[[Form], str]
) -> Callable[..., Awaitable[None]]:
    """A listener that runs `submit(user_id, form)` and answers: closed, or the error under its field's block
    (`default`, or `default(form)` for a modal whose blocks vary, when the field has no block of its own). Modal
    errors are plain text: people are named, not mentioned."""

    async def listener(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        form = Form(view)
        fallback = default if isinstance(default, str) else default(form)
        try:
            await submit(body["user"]["id"], form)
        except UserError as exc:
            message = await svc.team.plain(error_mrkdwn(exc))
            await ack(response_action="errors", errors={blocks.get(exc.field or "", fallback): message})
            return
        except (SQLAlchemyError, OSError) as exc:
            if (reason := unavailable(exc)) is None:
                raise
            log.warning("%s submission not saved: %s", view.get("callback_id"), reason)
            await ack(response_action="errors", errors={fallback: NOT_DONE})  # the modal stays open to resubmit
            return
        await ack()

    return listener


def register(app: AsyncApp, svc: Services) -> None:
    async def reject(user_id: str, form: Form) -> None:
        reason = form.selected(Block.REJECT_REASON, Action.REJECT_REASON)
        if not reason:
            raise UserError("Pick a reason: marketing learns from it.", field="reason")
        note = form.text(Block.REJECT_NOTE, Action.REJECT_NOTE) or None
        await svc.leads.reject(form.id("reason"), user_id=user_id, reason=reason, note=note)

    async def reassign(user_id: str, form: Form) -> None:
        rep = form.user(Block.REASSIGN_REP, Action.REASSIGN_REP)
        if not rep:
            raise UserError("Pick the rep who takes the lead.", field="rep")
        why = form.text(Block.REASSIGN_WHY, Action.REASSIGN_WHY)
        await svc.leads.reassign(form.id("rep"), by=user_id, to=rep, why=why)

    async def snooze(user_id: str, form: Form) -> None:
        await svc.sla.snooze(form.id("why"), user_id=user_id, why=form.text(Block.SNOOZE_WHY, Action.SNOOZE_WHY))

    async def spend(user_id: str, form: Form) -> None:
        saved = await svc.spend.enter(
            user_id=user_id,
            month=form.text(Block.SPEND_MONTH, Action.SPEND_MONTH),
            source=form.text(Block.SPEND_SOURCE, Action.SPEND_SOURCE),
            amount=form.text(Block.SPEND_AMOUNT, Action.SPEND_AMOUNT),
        )
        confirm(svc, form, user_id, saved.confirmation(), what="spend confirmation")

    async def move(user_id: str, form: Form) -> None:
        lead_text, _, to = form.metadata.partition(":")
        need = LIFECYCLE[Stage(to)].needs if to in MOVE_TARGETS else None
        if not lead_text.isdigit() or need is None:  # a move that asks nothing has no modal
            raise UserError(STALE)
        amount = form.text(Block.MOVE_AMOUNT, Action.MOVE_AMOUNT)
        await svc.leads.move(
            int(lead_text), to=to, actor=user_id, via="slack",
            amount_cents=parse_amount(amount) if need == Need.AMOUNT else None,
            reason=form.selected(Block.MOVE_REASON, Action.MOVE_REASON) if need == Need.LOST_REASON else None,
            checks=None if need != Need.BANT else {
                check: check in form.checked(Block.MOVE_BANT, Action.MOVE_BANT) for check, _ in BANT
            },
        )  # fmt: skip

    async def win(user_id: str, form: Form) -> None:
        recorded = await svc.wins.celebrate(
            by=user_id,
            company=form.text(Block.WIN_COMPANY, Action.WIN_COMPANY),
            amount=form.text(Block.WIN_AMOUNT, Action.WIN_AMOUNT),
            rep=form.user(Block.WIN_REP, Action.WIN_REP),
            marketers=form.users(Block.WIN_MARKETERS, Action.WIN_MARKETERS),
            campaign=form.text(Block.WIN_CAMPAIGN, Action.WIN_CAMPAIGN),
        )
        confirm(svc, form, user_id, recorded.confirmation, what="win confirmation")

    # Which block shows an error about which field; anything else goes under the modal's first block.
    app.view(Callback.REJECT)(submission(svc, reject, {"note": Block.REJECT_NOTE}, Block.REJECT_REASON))
    app.view(Callback.REASSIGN)(submission(svc, reassign, {"why": Block.REASSIGN_WHY}, Block.REASSIGN_REP))
    app.view(Callback.SNOOZE)(submission(svc, snooze, {}, Block.SNOOZE_WHY))
    app.view(Callback.SPEND)(
        submission(svc, spend, {"month": Block.SPEND_MONTH, "amount": Block.SPEND_AMOUNT}, Block.SPEND_SOURCE)
    )

    def move_block(form: Form) -> str:  # the move modal shows one input, which depends on the stage
        to = form.metadata.partition(":")[2]
        need = LIFECYCLE[Stage(to)].needs if to in MOVE_TARGETS else None
        return {Need.BANT: Block.MOVE_BANT, Need.LOST_REASON: Block.MOVE_REASON}.get(
            need or Need.AMOUNT, Block.MOVE_AMOUNT
        )

    app.view(Callback.MOVE)(submission(svc, move, {}, move_block))
    app.view(Callback.WIN)(
        submission(
            svc,
            win,
            {"amount": Block.WIN_AMOUNT, "rep": Block.WIN_REP, "marketers": Block.WIN_MARKETERS},
            Block.WIN_COMPANY,
        )  # fmt: skip
    )
