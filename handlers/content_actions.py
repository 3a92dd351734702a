"""The content library's buttons and modals: Share to a lead (its modal and submission), Copy link, Open (a URL
button: only acked), Expire, and the add modal's submission. Thin: each reads what Slack sent and makes one call of
bot/content/service.py; who may do what is checked there, when a modal opens and when it is submitted."""

from __future__ import annotations

from typing import Any, Final

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.app.services import Services
from bot.content.ids import ADD_ACTIONS, ADD_BLOCKS, SHARE_BLOCK, ContentAction, ContentCallback
from bot.errors import UserError
from bot.ids import record_id
from bot.views.content import link_text, share_modal
from handlers.actions import OLDER, Click, clicked
from handlers.context import Listener
from handlers.views import STALE, Form, log_only, submitted
from message_templates import inline


def _asset_id(click: Click) -> int:
    if (number := record_id(click.value)) is None:
        raise UserError(OLDER)
    return number


@clicked("content share click")
async def handle_share_click(svc: Services, click: Click) -> None:
    asset, leads = await svc.library.share_choices(_asset_id(click), click.user_id)
    view = share_modal(svc.renderer, asset, leads, user_id=click.user_id, metadata=str(asset.id))
    await svc.client.views_open(trigger_id=click.trigger_id, view=view)


@submitted({"lead": SHARE_BLOCK}, SHARE_BLOCK)
async def handle_share_submission(svc: Services, user_id: str, form: Form) -> None:
    if (asset_id := record_id(form.metadata)) is None:
        raise UserError(STALE, field="lead")
    if (lead_id := record_id(form.selected(SHARE_BLOCK, ContentAction.SHARE_LEAD))) is None:
        raise UserError("Pick a lead from the list.", field="lead")
    said = await svc.library.share(asset_id, lead_id, user_id)
    svc.background.spawn(
        lambda: svc.client.chat_postMessage(channel=user_id, **svc.renderer.notice(said)),
        tell=log_only,
        what="content share confirmation",
    )


@clicked("content copy link click")
async def handle_copy_link_click(svc: Services, click: Click) -> None:
    await click.tell(link_text(await svc.library.asset(_asset_id(click))))


@clicked("content expire click")
async def handle_expire_click(svc: Services, click: Click) -> None:
    await click.tell(await svc.library.expire(_asset_id(click), click.user_id))


async def handle_open_click(ack: AsyncAck) -> None:
    """Open: Slack opens the asset in the browser; the click only needs its ack."""
    await ack()


def _entered(form: Form) -> dict[str, str]:
    """The add modal's fields as read_asset reads them."""
    values: dict[str, Any] = form.view.get("state", {}).get("values", {})

    def element(field: str) -> dict[str, Any]:
        found = (values.get(ADD_BLOCKS[field]) or {}).get(ADD_ACTIONS[field])
        return found if isinstance(found, dict) else {}

    fields = {f: form.raw(ADD_BLOCKS[f], ADD_ACTIONS[f]) for f in ("title", "url", "industries", "tags")}
    fields["kind"] = form.selected(ADD_BLOCKS["kind"], ADD_ACTIONS["kind"])
    fields["stage"] = form.selected(ADD_BLOCKS["stage"], ADD_ACTIONS["stage"])
    fields["owner"] = form.user(ADD_BLOCKS["owner"], ADD_ACTIONS["owner"])
    fields["expires"] = str(element("expires").get("selected_date") or "")
    return fields


@submitted(ADD_BLOCKS, ADD_BLOCKS["title"])
async def handle_add_submission(svc: Services, user_id: str, form: Form) -> None:
    asset, created = await svc.library.add(_entered(form), user_id)
    said = ("📚 Added" if created else "📚 Updated") + f" *{inline(asset.title, 200)}* in the content library."
    if form.metadata:
        message = svc.renderer.notice(said)
        svc.background.spawn(
            lambda: svc.client.chat_postEphemeral(channel=form.metadata, user=user_id, **message),
            tell=log_only,
            what="content add confirmation",
        )


ACTIONS: Final[list[tuple[str, Listener]]] = [
    (ContentAction.SHARE, handle_share_click),
    (ContentAction.COPY_LINK, handle_copy_link_click),
    (ContentAction.EXPIRE, handle_expire_click),
    (ContentAction.OPEN, handle_open_click),
]
VIEWS: Final[list[tuple[str, Listener]]] = [
    (ContentCallback.SHARE, handle_share_submission),
    (ContentCallback.ADD, handle_add_submission),
]


def register(app: AsyncApp) -> None:
    for action, listener in ACTIONS:
        app.action(action)(listener)
    for callback, listener in VIEWS:
        app.view(callback)(listener)
