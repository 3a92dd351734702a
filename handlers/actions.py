"""Button clicks: on a lead's post (Accept, Reject, Log attempt, the moves, History), on SLA alarms (Reassign,
Nudge, Snooze) and on App Home (the list buttons, a rep's away toggle).

Each listener is `@clicked`: it acks at once and hands its one domain call to the background, so the click is
answered in well under Slack's 3 s whatever the database is doing, and the post changes when the outbox delivers
the new state. `ACTIONS` registers them all.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Final

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond

from bot.app.background import Tell
from bot.app.services import Services
from bot.content.used import offered
from bot.errors import UserError
from bot.ids import (
    ATTEMPT_MODAL_IDS,
    AWAY_BUTTONS,
    BANT,
    LEAD_BUTTONS,
    LINK_BUTTONS,
    LIST_BUTTONS,
    MOVE_BUTTONS,
    MOVE_MODAL_IDS,
    PASS_MODAL_IDS,
    REASSIGN_MODAL_IDS,
    REJECT_MODAL_IDS,
    SNOOZE_MODAL_IDS,
    TIMER_BUTTONS,
    Action,
    TimerId,
    record_id,
)
from bot.lifecycle.attempts import CHANNELS, NOTE_MAX, OUTCOMES
from bot.lifecycle.stages import LIFECYCLE
from bot.lifecycle.timeline import chunks, timeline_lines
from bot.views.lead_cards import headline
from bot.views.sla_cards import nudged_text
from handlers.context import Listener, ephemeral, named_like, open_modal, services

OLDER = "This button is from an older version of Handoff; refresh the message."


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
    def action_id(self) -> Action:
        return Action(self.action["action_id"])

    @property
    def value(self) -> str:
        return str(self.action.get("value") or "")

    def _number(self, family: frozenset[Action]) -> int:
        if self.action_id not in family:  # a listener reading the wrong kind of value: a bug, not the person's
            raise TypeError(f"{self.action_id} does not carry that kind of id")
        if (number := record_id(self.value)) is None:
            raise UserError(OLDER)
        return number

    @property
    def lead_id(self) -> int:
        """The lead a button on its post carries."""
        return self._number(LEAD_BUTTONS)

    @property
    def timer_id(self) -> TimerId:
        """The SLA timer an alarm's button carries."""
        return TimerId(self._number(TIMER_BUTTONS))


Work = Callable[[Services, Click], Coroutine[Any, Any, None]]


def clicked(what: str) -> Callable[[Work], Listener]:
    """Make `work(svc, click)` a listener that acks, then runs it in the background; a UserError reaches the person
    (`answer_to`). The listener keeps the work's name."""

    def listener_for(work: Work) -> Listener:
        async def listener(
            ack: AsyncAck,
            body: dict[str, Any],
            action: dict[str, Any],
            respond: AsyncRespond,
            context: AsyncBoltContext,
        ) -> None:
            await ack()
            svc = services(context)
            view_id = (body.get("view") or {}).get("id")
            tell = answer_to(svc, body, respond)
            click = Click(body["user"]["id"], str(body.get("trigger_id") or ""), action, tell, view_id)
            button = f"{action.get('action_id')}:{action.get('value')}"  # a flood on one button is bounded
            home = on_home(body)

            def job() -> Coroutine[Any, Any, None]:
                return refreshing_home(svc, work, click) if home else work(svc, click)

            svc.background.spawn(job, tell=click.tell, what=what, key=button, person=click.user_id)

        return named_like(listener, work)

    return listener_for


async def refreshing_home(svc: Services, work: Work, click: Click) -> None:
    """A click on Home, then that person's Home again, so it shows what the click changed."""
    await work(svc, click)
    await svc.home.publish(click.user_id)


# --- a lead's post ------------------------------------------------------------------------------------------


@clicked("accept click")
async def handle_accept_click(svc: Services, click: Click) -> None:
    await svc.leads.accept(click.lead_id, user_id=click.user_id)


@clicked("reject click")
async def handle_reject_click(svc: Services, click: Click) -> None:
    lead = await svc.leads.check_can_reject(click.lead_id, user_id=click.user_id)
    await open_modal(
        svc, click.trigger_id, "modals/reject.json.j2", ids=REJECT_MODAL_IDS, metadata=str(lead.id),
        headline=headline(lead), reasons=svc.config.reject.reasons,
    )  # fmt: skip


@clicked("log attempt click")
async def handle_log_contact_click(svc: Services, click: Click) -> None:
    """Log attempt (the button Log contact became): its modal, once the clicker may log one on this lead."""
    progress = await svc.attempts.check_can_log(click.lead_id, user_id=click.user_id)
    metadata = f"{progress.lead.id}:home" if click.view_id else str(progress.lead.id)  # Home shows it: refresh it
    await open_modal(
        svc, click.trigger_id, "modals/attempt.json.j2", ids=ATTEMPT_MODAL_IDS, metadata=metadata,
        headline=headline(progress.lead), progress=progress.text(), channels=CHANNELS, outcomes=OUTCOMES,
        note_max=NOTE_MAX, assets=await offered(svc.db, svc.clock.now().astimezone(svc.config.tz).date()),
    )  # fmt: skip


@clicked("move click")
async def handle_move_click(svc: Services, click: Click) -> None:
    """A move button of an accepted lead's post: at once when the move asks nothing, else its modal."""
    to = MOVE_BUTTONS[click.action_id]
    if LIFECYCLE[to].needs is None:
        await svc.leads.move(click.lead_id, to=to, actor=click.user_id, via="slack")
        return
    lead = await svc.leads.check_can_move(click.lead_id, to=to, user_id=click.user_id)
    amount = f"{lead.amount_cents / 100:.2f}" if lead.amount_cents is not None else ""
    await open_modal(
        svc, click.trigger_id, "modals/move.json.j2", ids=MOVE_MODAL_IDS, metadata=f"{lead.id}:{to}", to=to,
        title=LIFECYCLE[to].title, headline=headline(lead), definition=svc.config.stages[to], bant=BANT,
        amount=amount, reasons=svc.config.lost.reasons,
    )  # fmt: skip


@clicked("pass click")
async def handle_pass_click(svc: Services, click: Click) -> None:
    """Pass: the rep a lead is assigned to hands it on (routing), saying why in a small modal."""
    lead = await svc.routing.check_can_pass(click.lead_id, user_id=click.user_id)
    await open_modal(
        svc, click.trigger_id, "modals/pass.json.j2", ids=PASS_MODAL_IDS, metadata=str(lead.id),
        headline=headline(lead),
    )  # fmt: skip


@clicked("history click")
async def handle_history_click(svc: Services, click: Click) -> None:
    read = await svc.timelines.read_in_slack(click.lead_id, user_id=click.user_id)
    lead = read.lead
    summary = f"Stage: {lead.stage.upper()} · lead #{lead.id} · {len(read.events)} events"
    await open_modal(
        svc, click.trigger_id, "modals/history.json.j2", headline=headline(lead), summary=summary,
        chunks=chunks(timeline_lines(read.events, svc.config.tz)),
    )  # fmt: skip


# --- SLA alarms (breach DMs, a manager's Home): the value is the timer's id -----------------------------------


@clicked("reassign click")
async def handle_reassign_click(svc: Services, click: Click) -> None:
    lead = await svc.sla.check_can_reassign(click.timer_id, user_id=click.user_id)
    await open_modal(
        svc, click.trigger_id, "modals/reassign.json.j2", ids=REASSIGN_MODAL_IDS, metadata=str(lead.id),
        headline=headline(lead),
    )  # fmt: skip


@clicked("snooze click")
async def handle_snooze_click(svc: Services, click: Click) -> None:
    lead = await svc.sla.check_can_snooze(click.timer_id, user_id=click.user_id)
    await open_modal(
        svc, click.trigger_id, "modals/snooze.json.j2", ids=SNOOZE_MODAL_IDS, metadata=str(click.timer_id),
        headline=headline(lead),
    )  # fmt: skip


@clicked("nudge click")
async def handle_nudge_click(svc: Services, click: Click) -> None:
    nudged = await svc.sla.nudge(click.timer_id, user_id=click.user_id)
    await click.tell(f"👋 Nudged {nudged_text(nudged)}.")


# --- "Show all" under a cut Home list, and the page buttons of the modal it opens -------------------------------


@clicked("show all click")
async def handle_show_all_click(svc: Services, click: Click) -> None:
    page = await svc.home.page(click.user_id, click.value, 0)
    await svc.client.views_open(trigger_id=click.trigger_id, view=svc.home.list_modal(page))


@clicked("list page click")
async def handle_list_page_click(svc: Services, click: Click) -> None:
    name, _, start = click.value.partition(":")
    if not start.isdigit() or not click.view_id:
        raise UserError("This button is from an older version of Handoff; reopen Home.")
    page = await svc.home.page(click.user_id, name, int(start))
    await svc.client.views_update(view_id=click.view_id, view=svc.home.list_modal(page))


@clicked("away toggle click")
async def handle_away_toggle_click(svc: Services, click: Click) -> None:
    """A rep's "I'm away" (until they are back) or "I'm back" on Home; Home is published again after it."""
    if click.action_id == Action.HOME_AWAY:
        await svc.away.away(click.user_id, until=None)
    else:
        await svc.away.back(click.user_id)


async def handle_open_record_click(ack: AsyncAck) -> None:
    """ "Open in HubSpot / Salesforce": Slack opens the record in the browser; the click only needs its ack."""
    await ack()


ACTIONS: Final[list[tuple[Action, Listener]]] = [
    (Action.ACCEPT, handle_accept_click),
    (Action.REJECT, handle_reject_click),
    (Action.LOG_CONTACT, handle_log_contact_click),
    *((move, handle_move_click) for move in MOVE_BUTTONS),
    (Action.HISTORY, handle_history_click),
    (Action.PASS, handle_pass_click),
    (Action.SLA_REASSIGN, handle_reassign_click),
    (Action.SLA_SNOOZE, handle_snooze_click),
    (Action.SLA_NUDGE, handle_nudge_click),
    (Action.HOME_SHOW_ALL, handle_show_all_click),
    (Action.HOME_PREVIOUS, handle_list_page_click),
    (Action.HOME_NEXT, handle_list_page_click),
    (Action.OPEN_RECORD, handle_open_record_click),
    (Action.CAMPAIGN_ASSET, handle_open_record_click),  # a launch's asset link: the same bare ack
    *((toggle, handle_away_toggle_click) for toggle in AWAY_BUTTONS),
]
assert {action for action, _ in ACTIONS} == (
    LEAD_BUTTONS | TIMER_BUTTONS | LIST_BUTTONS | LINK_BUTTONS | AWAY_BUTTONS
)  # all heard


def register(app: AsyncApp) -> None:
    for action, listener in ACTIONS:
        app.action(action)(listener)
