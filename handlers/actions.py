"""Button clicks: on a lead's post (Accept, Reject, Log contact, the moves), on SLA alarms (Reassign, Nudge,
Snooze) and on App Home.

Each listener acks at once and hands the one domain call to the background: the click is answered in well under
Slack's 3 s whatever the database is doing, and the post changes when the outbox delivers the new state.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond

from bot.app.background import Tell
from bot.app.services import Services
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
from bot.lifecycle.stages import LIFECYCLE
from bot.lifecycle.timeline import chunks, timeline_lines
from bot.views.lead_cards import headline
from bot.views.sla_cards import nudged_text


def lead_id_of(action: dict[str, Any]) -> int:
    """The id a button carries (a lead's, or an SLA timer's on alarm buttons)."""
    value = str(action.get("value") or "")
    if not value.isdigit():
        raise UserError("This button is from an older version of Handoff; refresh the message.")
    return int(value)


def ephemeral(svc: Services, respond: AsyncRespond) -> Tell:
    async def tell(text: str) -> None:
        await respond(response_type="ephemeral", replace_original=False, **svc.renderer.notice(text))

    return tell


def answer_to(svc: Services, body: dict[str, Any], respond: AsyncRespond) -> Tell:
    """Where the answer to a click goes: beside the message clicked, seen only by the person; for a click on Home
    or in a modal, which Slack sends without a response_url, into the app's Messages tab."""
    if body.get("response_url"):
        return ephemeral(svc, respond)
    user_id = str(body["user"]["id"])

    async def tell_in_messages_tab(text: str) -> None:
        await svc.client.chat_postMessage(channel=user_id, **svc.renderer.notice(text))

    return tell_in_messages_tab


def on_home(body: dict[str, Any]) -> bool:
    return bool((body.get("view") or {}).get("type") == "home")


@dataclass(frozen=True)
class Click:
    user_id: str
    trigger_id: str
    action: dict[str, Any]
    tell: Tell
    view_id: str | None = None  # the modal or Home tab clicked in

    @property
    def value(self) -> str:
        return str(self.action.get("value") or "")

    @property
    def id(self) -> int:
        """The id the button carries: a lead's, or an SLA timer's on alarm buttons."""
        return lead_id_of(self.action)


Listener = Callable[..., Awaitable[None]]


def on_click(svc: Services, what: str, work: Callable[[Click], Coroutine[Any, Any, None]]) -> Listener:
    """A listener that acks, then runs `work` in the background; a UserError reaches the person (`answer_to`)."""

    async def listener(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        view_id = (body.get("view") or {}).get("id")
        tell = answer_to(svc, body, respond)
        click = Click(body["user"]["id"], str(body.get("trigger_id") or ""), action, tell, view_id)
        button = f"{action.get('action_id')}:{action.get('value')}"  # a flood on one button is bounded, not queued
        job = refreshing_home(svc, work, click) if on_home(body) else work(click)
        svc.background.spawn(job, tell=click.tell, what=what, key=button, person=click.user_id)

    return listener


async def refreshing_home(svc: Services, work: Callable[[Click], Coroutine[Any, Any, None]], click: Click) -> None:
    """A click on Home, then that person's Home again, so it shows what the click changed."""
    await work(click)
    await svc.home.publish(click.user_id)


async def open_modal(svc: Services, trigger_id: str, template: str, **context: Any) -> None:
    # views.open is the one direct Slack call a listener makes: the trigger_id dies 3 s after the click.
    await svc.client.views_open(trigger_id=trigger_id, view=svc.renderer.render(template, **context))


def register(app: AsyncApp, svc: Services) -> None:
    async def accept(click: Click) -> None:
        await svc.leads.accept(click.id, user_id=click.user_id)

    async def reject(click: Click) -> None:
        lead = await svc.leads.check_can_reject(click.id, user_id=click.user_id)
        await open_modal(
            svc, click.trigger_id, "modals/reject.json.j2", ids=REJECT_MODAL_IDS, metadata=str(lead.id),
            headline=headline(lead), reasons=svc.config.reject.reasons,
        )  # fmt: skip

    async def log_contact(click: Click) -> None:
        await svc.leads.log_contact(click.id, user_id=click.user_id)

    # SLA alarm buttons (in breach DMs and on a manager's Home): the value is the timer's id

    async def reassign(click: Click) -> None:
        lead = await svc.sla.check_can_reassign(click.id, user_id=click.user_id)
        await open_modal(
            svc, click.trigger_id, "modals/reassign.json.j2", ids=REASSIGN_MODAL_IDS, metadata=str(lead.id),
            headline=headline(lead),
        )  # fmt: skip

    async def snooze(click: Click) -> None:
        lead = await svc.sla.check_can_snooze(click.id, user_id=click.user_id)
        await open_modal(
            svc, click.trigger_id, "modals/snooze.json.j2", ids=SNOOZE_MODAL_IDS, metadata=str(click.id),
            headline=headline(lead),
        )  # fmt: skip

    async def nudge(click: Click) -> None:
        nudged = await svc.sla.nudge(click.id, user_id=click.user_id)
        await click.tell(f"👋 Nudged {nudged_text(nudged)}.")

    # moving a lead on (the buttons of an accepted lead's post)

    async def move(click: Click) -> None:
        to = MOVE_BUTTONS[Action(click.action["action_id"])]
        if LIFECYCLE[to].needs is None:  # one click: nothing to ask
            await svc.leads.move(click.id, to=to, actor=click.user_id, via="slack")
            return
        lead = await svc.leads.check_can_move(click.id, to=to, user_id=click.user_id)
        amount = f"{lead.amount_cents / 100:.2f}" if lead.amount_cents is not None else ""
        await open_modal(
            svc, click.trigger_id, "modals/move.json.j2", ids=MOVE_MODAL_IDS, metadata=f"{lead.id}:{to}", to=to,
            title=LIFECYCLE[to].title, headline=headline(lead), definition=svc.config.stages[to], bant=BANT,
            amount=amount, reasons=svc.config.lost.reasons,
        )  # fmt: skip

    async def history(click: Click) -> None:
        read = await svc.timelines.read_in_slack(click.id, user_id=click.user_id)
        lead = read.lead
        summary = f"Stage: {lead.stage.upper()} · lead #{lead.id} · {len(read.events)} events"
        await open_modal(
            svc, click.trigger_id, "modals/history.json.j2", headline=headline(lead), summary=summary,
            chunks=chunks(timeline_lines(read.events, svc.config.tz)),
        )  # fmt: skip

    # "Show all" under a cut Home list, and the page buttons of the modal it opens

    async def show_all(click: Click) -> None:
        page = await svc.home.page(click.user_id, click.value, 0)
        await svc.client.views_open(trigger_id=click.trigger_id, view=svc.home.list_modal(page))

    async def list_page(click: Click) -> None:
        name, _, start = click.value.partition(":")
        if not start.isdigit() or not click.view_id:
            raise UserError("This button is from an older version of Handoff; reopen Home.")
        page = await svc.home.page(click.user_id, name, int(start))
        await svc.client.views_update(view_id=click.view_id, view=svc.home.list_modal(page))

    app.action(Action.HOME_SHOW_ALL)(on_click(svc, "show all click", show_all))
    app.action(Action.HOME_PREVIOUS)(on_click(svc, "list page click", list_page))
    app.action(Action.HOME_NEXT)(on_click(svc, "list page click", list_page))
    app.action(Action.HISTORY)(on_click(svc, "history click", history))
    for move_action in MOVE_BUTTONS:
        app.action(move_action)(on_click(svc, f"{move_action} click", move))
    app.action(Action.ACCEPT)(on_click(svc, "accept click", accept))
    app.action(Action.REJECT)(on_click(svc, "reject click", reject))
    app.action(Action.LOG_CONTACT)(on_click(svc, "log contact click", log_contact))
    app.action(Action.SLA_REASSIGN)(on_click(svc, "reassign click", reassign))
    app.action(Action.SLA_SNOOZE)(on_click(svc, "snooze click", snooze))
    app.action(Action.SLA_NUDGE)(on_click(svc, "nudge click", nudge))
