"""Button clicks on a lead's post: Accept, Reject (opens the modal), Log contact.

Each listener acks at once and hands the one domain call to the background: the click is answered in well under
Slack's 3 s whatever the database is doing, and the post changes when the outbox delivers the new state.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond

from bot.errors import UserError
from bot.ids import (
    BANT,
    MOVE_BUTTONS,
    MOVE_MODAL_IDS,
    REASSIGN_MODAL_IDS,
    REJECT_MODAL_IDS,
    SNOOZE_MODAL_IDS,
    Action,
)
from bot.services import Services
from storage.models import Lead


def lead_id_of(action: dict[str, Any]) -> int:
    """The id a button carries (a lead's, or an SLA timer's on alarm buttons)."""
    value = str(action.get("value") or "")
    if not value.isdigit():
        raise UserError("This button is from an older version of Handoff; refresh the message.")
    return int(value)


timer_id_of = lead_id_of


def headline(lead: Lead) -> str:
    return f"{lead.name or lead.email or lead.external_id} — {lead.company or 'unknown company'}"


def ephemeral(respond: AsyncRespond) -> Any:
    async def tell(text: str) -> None:
        await respond(text=text, response_type="ephemeral", replace_original=False)

    return tell


def register(app: AsyncApp, svc: Services) -> None:
    async def handle_accept_click(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond
    ) -> None:
        await ack()
        user_id = body["user"]["id"]

        async def accept() -> None:
            await svc.leads.accept(lead_id_of(action), user_id=user_id)

        svc.background.spawn(accept(), tell=ephemeral(respond), what="accept click")

    async def handle_reject_click(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond
    ) -> None:
        await ack()
        user_id, trigger_id = body["user"]["id"], body["trigger_id"]

        async def open_modal() -> None:
            # views.open is the one direct Slack call a listener makes: the trigger_id dies 3 s after the click.
            lead = await svc.leads.check_can_reject(lead_id_of(action), user_id=user_id)
            view = svc.renderer.render(
                "modals/reject.json.j2",
                ids=REJECT_MODAL_IDS,
                metadata=str(lead.id),
                headline=headline(lead),
                reasons=svc.config.reject.reasons,
            )
            await svc.client.views_open(trigger_id=trigger_id, view=view)

        svc.background.spawn(open_modal(), tell=ephemeral(respond), what="reject click")

    async def handle_log_contact_click(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond
    ) -> None:
        await ack()
        user_id = body["user"]["id"]

        async def log_contact() -> None:
            await svc.leads.log_contact(lead_id_of(action), user_id=user_id)

        svc.background.spawn(log_contact(), tell=ephemeral(respond), what="log contact click")

    # --- SLA alarm buttons (in breach DMs): the value is the timer's id --------------------------------------

    async def handle_reassign_click(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond
    ) -> None:
        await ack()
        user_id, trigger_id = body["user"]["id"], body["trigger_id"]

        async def open_modal() -> None:
            lead = await svc.sla.check_can_reassign(timer_id_of(action), user_id=user_id)
            view = svc.renderer.render(
                "modals/reassign.json.j2", ids=REASSIGN_MODAL_IDS, metadata=str(lead.id), headline=headline(lead)
            )
            await svc.client.views_open(trigger_id=trigger_id, view=view)

        svc.background.spawn(open_modal(), tell=ephemeral(respond), what="reassign click")

    async def handle_snooze_click(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond
    ) -> None:
        await ack()
        user_id, trigger_id = body["user"]["id"], body["trigger_id"]

        async def open_modal() -> None:
            timer_id = timer_id_of(action)
            lead = await svc.sla.check_can_snooze(timer_id, user_id=user_id)
            view = svc.renderer.render(
                "modals/snooze.json.j2", ids=SNOOZE_MODAL_IDS, metadata=str(timer_id), headline=headline(lead)
            )
            await svc.client.views_open(trigger_id=trigger_id, view=view)

        svc.background.spawn(open_modal(), tell=ephemeral(respond), what="snooze click")

    async def handle_nudge_click(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond
    ) -> None:
        await ack()
        user_id = body["user"]["id"]
        tell = ephemeral(respond)

        async def nudge() -> None:
            nudged = await svc.sla.nudge(timer_id_of(action), user_id=user_id)
            await tell(f"👋 Nudged {nudged}.")

        svc.background.spawn(nudge(), tell=tell, what="nudge click")

    # --- moving a lead on (the buttons of an accepted lead's post) -----------------------------------------

    async def handle_move_click(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond
    ) -> None:
        await ack()
        user_id, trigger_id = body["user"]["id"], body["trigger_id"]
        to = MOVE_BUTTONS[Action(action["action_id"])]

        async def move() -> None:
            lead_id = lead_id_of(action)
            if to == "recycled":  # one click: nothing to ask
                await svc.leads.move(lead_id, to=to, actor=user_id, via="slack")
                return
            lead = await svc.leads.check_can_move(lead_id, to=to, user_id=user_id)
            titles = {"sql": "Qualified (SQL)", "opportunity": "Opportunity", "won": "Won", "lost": "Lost"}
            amount = f"{lead.amount_cents / 100:.2f}" if lead.amount_cents is not None else ""
            view = svc.renderer.render(
                "modals/move.json.j2", ids=MOVE_MODAL_IDS, metadata=f"{lead.id}:{to}", to=to, title=titles[to],
                headline=headline(lead), definition=svc.config.stages[to], bant=BANT, amount=amount,
                reasons=svc.config.lost.reasons,
            )  # fmt: skip
            await svc.client.views_open(trigger_id=trigger_id, view=view)

        svc.background.spawn(move(), tell=ephemeral(respond), what=f"move to {to}")

    for move_action in MOVE_BUTTONS:
        app.action(move_action)(handle_move_click)
    app.action(Action.SLA_REASSIGN)(handle_reassign_click)
    app.action(Action.SLA_SNOOZE)(handle_snooze_click)
    app.action(Action.SLA_NUDGE)(handle_nudge_click)
    app.action(Action.ACCEPT)(handle_accept_click)
    app.action(Action.REJECT)(handle_reject_click)
    app.action(Action.LOG_CONTACT)(handle_log_contact_click)
