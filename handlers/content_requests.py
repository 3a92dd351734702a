"""`/content request` and a content request's buttons and modals: Take it, Delivered…, Decline…, and the three
modals' submissions. Thin: each reads what Slack sent and makes one call of `bot.content.requests`.

`content_request` has the signature of handlers/agreement.py's `Subcommand`: `/content`'s listener (handlers/
content.py) hands it the word "request". `register` hears the buttons and modals (handlers/__init__.py calls it)."""

from __future__ import annotations

from typing import Any, Final

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond

from bot.app.services import Services
from bot.content.request_ids import DECLINE_BLOCKS, DELIVER_BLOCKS, REQUEST_BLOCKS, RequestAction, RequestCallback
from bot.errors import UserError
from bot.ids import record_id
from bot.views.content_requests import decline_modal, deliver_modal, request_modal
from handlers.actions import OLDER, Click, clicked
from handlers.context import Listener, ephemeral
from handlers.views import STALE, Form, confirm, submitted


async def open_request(svc: Services, trigger_id: str, user_id: str, channel: str) -> None:
    leads = await svc.content_requests.check_can_request(user_id)
    await svc.client.views_open(trigger_id=trigger_id, view=request_modal(svc.renderer, leads, channel))


async def content_request(svc: Services, command: dict[str, Any], ack: AsyncAck, respond: AsyncRespond) -> None:
    """`/content request`: acks, then opens the request modal; a refusal is told privately beside the command."""
    await ack()
    user_id, trigger_id = str(command.get("user_id") or ""), str(command.get("trigger_id") or "")
    channel = str(command.get("channel_id") or "")
    svc.background.spawn(
        lambda: open_request(svc, trigger_id, user_id, channel), tell=ephemeral(svc, respond), what="/content request"
    )


def _date(form: Form, block: str, action: str) -> str:
    element = form.view.get("state", {}).get("values", {}).get(block, {}).get(action)
    return str((element or {}).get("selected_date") or "") if isinstance(element, dict) else ""


@submitted(REQUEST_BLOCKS, REQUEST_BLOCKS["need"])
async def handle_request_submission(svc: Services, user_id: str, form: Form) -> None:
    request = await svc.content_requests.submit(
        user_id,
        form.raw(REQUEST_BLOCKS["need"], RequestAction.NEED),
        form.selected(REQUEST_BLOCKS["lead"], RequestAction.LEAD),
        _date(form, REQUEST_BLOCKS["wanted_by"], RequestAction.WANTED_BY),
    )
    confirm(svc, form, user_id, f"Requested (#{request.id}): marketing hears of it in its channel.",
            what="content request confirmation")  # fmt: skip


def _request_id(click: Click) -> int:
    if (number := record_id(click.value)) is None:
        raise UserError(OLDER)
    return number


@clicked("content request take click")
async def handle_take_click(svc: Services, click: Click) -> None:
    await click.tell(await svc.content_requests.take(_request_id(click), click.user_id))


@clicked("content request deliver click")
async def handle_deliver_click(svc: Services, click: Click) -> None:
    request = await svc.content_requests.check_can_answer(_request_id(click), click.user_id, "deliver")
    assets = await svc.content_requests.assets()
    await svc.client.views_open(trigger_id=click.trigger_id, view=deliver_modal(svc.renderer, request, assets))


@clicked("content request decline click")
async def handle_decline_click(svc: Services, click: Click) -> None:
    request = await svc.content_requests.check_can_answer(_request_id(click), click.user_id, "decline")
    await svc.client.views_open(trigger_id=click.trigger_id, view=decline_modal(svc.renderer, request))


async def handle_link_click(ack: AsyncAck) -> None:
    """A URL button: Slack opens the link; the click it also sends needs only its ack."""
    await ack()


def _form_request(form: Form, field: str) -> int:
    if (number := record_id(form.metadata)) is None:
        raise UserError(STALE, field=field)
    return number


@submitted(DELIVER_BLOCKS, DELIVER_BLOCKS["asset"])
async def handle_deliver_submission(svc: Services, user_id: str, form: Form) -> None:
    await svc.content_requests.deliver(
        _form_request(form, "asset"), user_id,
        asset=form.selected(DELIVER_BLOCKS["asset"], RequestAction.ASSET),
        url=form.raw(DELIVER_BLOCKS["url"], RequestAction.URL),
        title=form.raw(DELIVER_BLOCKS["title"], RequestAction.TITLE),
        kind=form.selected(DELIVER_BLOCKS["kind"], RequestAction.KIND),
    )  # fmt: skip


@submitted(DECLINE_BLOCKS, DECLINE_BLOCKS["reason"])
async def handle_decline_submission(svc: Services, user_id: str, form: Form) -> None:
    await svc.content_requests.decline(
        _form_request(form, "reason"), user_id, form.raw(DECLINE_BLOCKS["reason"], RequestAction.REASON)
    )


ACTIONS: Final[list[tuple[str, Listener]]] = [
    (RequestAction.TAKE, handle_take_click),
    (RequestAction.DELIVER, handle_deliver_click),
    (RequestAction.DECLINE, handle_decline_click),
    (RequestAction.OPEN_LINK, handle_link_click),
]
VIEWS: Final[list[tuple[str, Listener]]] = [
    (RequestCallback.REQUEST, handle_request_submission),
    (RequestCallback.DELIVER, handle_deliver_submission),
    (RequestCallback.DECLINE, handle_decline_submission),
]


def register(app: AsyncApp) -> None:
    for action, listener in ACTIONS:
        app.action(action)(listener)
    for callback, listener in VIEWS:
        app.view(callback)(listener)
