"""Modal submissions. The answer to a submission *is* the modal's next state, so the domain call runs before the
ack (well inside 3 s) and anything the person can fix comes back as an inline error under the field: each
`UserError` names its field, and each listener's `@submitted` maps fields to its modal's blocks. `VIEWS` registers
them all."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Final

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext

from bot.app.background import explained
from bot.app.services import Services
from bot.errors import UserError
from bot.ids import BANT, Action, Block, Callback, TimerId, record_id
from bot.lifecycle.intake_input import clean_text
from bot.lifecycle.money import parse_amount
from bot.lifecycle.stages import LIFECYCLE, MOVE_TARGETS, Need, Stage
from bot.views.lead_cards import named
from handlers.context import Listener, named_like, services


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
        """Free text as every database (and every CRM it is written back to) can store it: no NUL, no lone
        surrogate, as intake cleans a lead's text."""
        return str(clean_text(str(self._element(block, action).get("value") or "")))

    def raw(self, block: str, action: str) -> str:
        """Free text exactly as sent, for a field that refuses what `text` would quietly drop."""
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

    def _number(self, field: str) -> int:
        if (number := record_id(self.metadata)) is None:
            raise UserError(STALE, field=field)
        return number

    def lead_id(self, field: str) -> int:
        """The lead the modal was opened for (its private_metadata)."""
        return self._number(field)

    def timer_id(self, field: str) -> TimerId:
        """The SLA timer the modal was opened for (its private_metadata)."""
        return TimerId(self._number(field))


Submit = Callable[[Services, str, Form], Coroutine[Any, Any, None]]


def confirm(svc: Services, form: Form, user_id: str, text: str, *, what: str) -> None:
    """Tell the person what their submission saved, ephemerally in the channel the modal was opened from (its
    private_metadata), after the ack; nothing when it was opened without one."""
    if form.metadata:
        message = svc.renderer.notice(text)
        svc.background.spawn(
            lambda: svc.client.chat_postEphemeral(channel=form.metadata, user=user_id, **message),
            tell=log_only,
            what=what,
        )


def submitted(blocks: dict[str, str], default: str | Callable[[Form], str]) -> Callable[[Submit], Listener]:
    """Make `submit(svc, user_id, form)` a listener that runs it and answers: closed, or the error under its
    field's block (`default`, or `default(form)` for a modal whose blocks vary, when the field has no block of its
    own). Modal errors are plain text: people are named, not mentioned. The listener keeps the submit's name."""

    def listener_for(submit: Submit) -> Listener:
        async def listener(
            ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], context: AsyncBoltContext
        ) -> None:
            svc = services(context)
            form = Form(view)
            fallback = default if isinstance(default, str) else default(form)
            user_id = str(body["user"]["id"])  # a payload it cannot read is bot.app.listener_errors' to answer
            try:
                await submit(svc, user_id, form)
            except Exception as exc:  # a database that refused for now, or a bug: under the modal's first block
                field = exc.field if isinstance(exc, UserError) else None
                what = f"{view.get('callback_id')} submission"
                message = await named(svc.team, explained(exc, what, emoji=False))
                await ack(response_action="errors", errors={blocks.get(field or "", fallback): message})
                return
            await ack()

        return named_like(listener, submit)

    return listener_for


@submitted({"note": Block.REJECT_NOTE}, Block.REJECT_REASON)
async def handle_reject_submission(svc: Services, user_id: str, form: Form) -> None:
    reason = form.selected(Block.REJECT_REASON, Action.REJECT_REASON)
    if not reason:
        raise UserError("Pick a reason: marketing learns from it.", field="reason")
    note = form.text(Block.REJECT_NOTE, Action.REJECT_NOTE) or None
    await svc.leads.reject(form.lead_id("reason"), user_id=user_id, reason=reason, note=note)


@submitted({"why": Block.REASSIGN_WHY}, Block.REASSIGN_REP)
async def handle_reassign_submission(svc: Services, user_id: str, form: Form) -> None:
    rep = form.user(Block.REASSIGN_REP, Action.REASSIGN_REP)
    if not rep:
        raise UserError("Pick the rep who takes the lead.", field="rep")
    why = form.text(Block.REASSIGN_WHY, Action.REASSIGN_WHY)
    await svc.leads.reassign(form.lead_id("rep"), by=user_id, to=rep, why=why)


@submitted({}, Block.SNOOZE_WHY)
async def handle_snooze_submission(svc: Services, user_id: str, form: Form) -> None:
    why = form.text(Block.SNOOZE_WHY, Action.SNOOZE_WHY)
    await svc.sla.snooze(form.timer_id("why"), user_id=user_id, why=why)


@submitted({}, Block.PASS_REASON)
async def handle_pass_submission(svc: Services, user_id: str, form: Form) -> None:
    reason = form.text(Block.PASS_REASON, Action.PASS_REASON)
    await svc.routing.pass_lead(form.lead_id("reason"), user_id=user_id, reason=reason)


@submitted({"month": Block.SPEND_MONTH, "amount": Block.SPEND_AMOUNT}, Block.SPEND_SOURCE)
async def handle_spend_submission(svc: Services, user_id: str, form: Form) -> None:
    saved = await svc.spend.enter(
        user_id=user_id,
        month=form.text(Block.SPEND_MONTH, Action.SPEND_MONTH),
        source=form.text(Block.SPEND_SOURCE, Action.SPEND_SOURCE),
        amount=form.text(Block.SPEND_AMOUNT, Action.SPEND_AMOUNT),
    )
    confirm(svc, form, user_id, saved.confirmation(), what="spend confirmation")


@submitted(
    {"outcome": Block.ATTEMPT_OUTCOME, "note": Block.ATTEMPT_NOTE, "assets": Block.ATTEMPT_ASSETS},
    Block.ATTEMPT_CHANNEL,
)
async def handle_attempt_submission(svc: Services, user_id: str, form: Form) -> None:
    """Log attempt's modal; opened from Home (metadata "id:home"), that Home then shows the new state."""
    lead_text, _, where = form.metadata.partition(":")
    if (lead_id := record_id(lead_text)) is None or where not in ("", "home"):
        raise UserError(STALE, field="channel")
    await svc.attempts.log(
        lead_id,
        user_id=user_id,
        channel=form.selected(Block.ATTEMPT_CHANNEL, Action.ATTEMPT_CHANNEL),
        outcome=form.selected(Block.ATTEMPT_OUTCOME, Action.ATTEMPT_OUTCOME),
        note=form.raw(Block.ATTEMPT_NOTE, Action.ATTEMPT_NOTE),
        assets=sorted(form.checked(Block.ATTEMPT_ASSETS, Action.ATTEMPT_ASSETS)),
    )
    if where == "home":
        svc.background.spawn(lambda: svc.home.publish(user_id), tell=log_only, what="home after an attempt")


def move_need(form: Form) -> Need | None:
    to = form.metadata.partition(":")[2]
    return LIFECYCLE[Stage(to)].needs if to in MOVE_TARGETS else None


def move_block(form: Form) -> str:
    """The move modal shows one input, which depends on the stage."""
    return {Need.BANT: Block.MOVE_BANT, Need.LOST_REASON: Block.MOVE_REASON}.get(
        move_need(form) or Need.AMOUNT, Block.MOVE_AMOUNT
    )


@submitted({}, move_block)
async def handle_move_submission(svc: Services, user_id: str, form: Form) -> None:
    lead_text, _, to = form.metadata.partition(":")
    need = move_need(form)
    if (lead_id := record_id(lead_text)) is None or need is None:  # a move that asks nothing has no modal
        raise UserError(STALE)
    amount = form.text(Block.MOVE_AMOUNT, Action.MOVE_AMOUNT)
    await svc.leads.move(
        lead_id, to=to, actor=user_id, via="slack",
        amount_cents=parse_amount(amount) if need == Need.AMOUNT else None,
        reason=form.selected(Block.MOVE_REASON, Action.MOVE_REASON) if need == Need.LOST_REASON else None,
        checks=None if need != Need.BANT else {
            check: check in form.checked(Block.MOVE_BANT, Action.MOVE_BANT) for check, _ in BANT
        },
    )  # fmt: skip


@submitted({"amount": Block.WIN_AMOUNT, "rep": Block.WIN_REP, "marketers": Block.WIN_MARKETERS}, Block.WIN_COMPANY)
async def handle_win_submission(svc: Services, user_id: str, form: Form) -> None:
    recorded = await svc.wins.celebrate(
        by=user_id,
        company=form.text(Block.WIN_COMPANY, Action.WIN_COMPANY),
        amount=form.text(Block.WIN_AMOUNT, Action.WIN_AMOUNT),
        rep=form.user(Block.WIN_REP, Action.WIN_REP),
        marketers=form.users(Block.WIN_MARKETERS, Action.WIN_MARKETERS),
        campaign=form.text(Block.WIN_CAMPAIGN, Action.WIN_CAMPAIGN),
    )
    confirm(svc, form, user_id, recorded.confirmation, what="win confirmation")


VIEWS: Final[list[tuple[Callback, Listener]]] = [
    (Callback.REJECT, handle_reject_submission),
    (Callback.REASSIGN, handle_reassign_submission),
    (Callback.SNOOZE, handle_snooze_submission),
    (Callback.SPEND, handle_spend_submission),
    (Callback.MOVE, handle_move_submission),
    (Callback.WIN, handle_win_submission),
    (Callback.ATTEMPT, handle_attempt_submission),
    (Callback.PASS, handle_pass_submission),
]


def register(app: AsyncApp) -> None:
    for callback, listener in VIEWS:
        app.view(callback)(listener)
