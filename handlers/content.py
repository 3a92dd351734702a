"""`/content`: marketing's content library. `/content <words>` searches it, `/content` alone shows the newest and
most shared assets, both privately; `/content add` opens the add modal (marketing and managers); `/content help`
gives the usage in the ack. `SUBCOMMANDS` maps each word to its listener; any other words are a search.
handlers/commands.py registers the command; the buttons and modals are handlers/content_actions.py's."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Final

from slack_bolt.async_app import AsyncAck, AsyncBoltContext, AsyncRespond

from bot.app.services import Services
from bot.content.search import read_query
from bot.views.content import USAGE, add_modal, browse_answer, results_message, search_answer
from handlers.content_requests import content_request
from handlers.context import ephemeral, services

Subcommand = Callable[[Services, dict[str, Any], AsyncAck, AsyncRespond], Awaitable[None]]


async def _answer(svc: Services, respond: AsyncRespond, message: dict[str, Any]) -> None:
    await respond(response_type="ephemeral", replace_original=False, **message)


async def content_search(svc: Services, command: dict[str, Any], ack: AsyncAck, respond: AsyncRespond) -> None:
    await ack()
    query = read_query(str(command.get("text") or ""))
    user_id = str(command.get("user_id") or "")

    async def answer() -> None:
        found = await svc.library.search(query)
        view = search_answer(query, found, can_expire=await svc.library.may_edit(user_id))
        await _answer(svc, respond, results_message(svc.renderer, view))

    svc.background.spawn(answer, tell=ephemeral(svc, respond), what="/content")


async def content_browse(svc: Services, command: dict[str, Any], ack: AsyncAck, respond: AsyncRespond) -> None:
    await ack()
    user_id = str(command.get("user_id") or "")

    async def answer() -> None:
        newest, shared = await svc.library.browse()
        view = browse_answer(newest, shared, can_expire=await svc.library.may_edit(user_id))
        await _answer(svc, respond, results_message(svc.renderer, view))

    svc.background.spawn(answer, tell=ephemeral(svc, respond), what="/content")


async def content_add(svc: Services, command: dict[str, Any], ack: AsyncAck, respond: AsyncRespond) -> None:
    """The add modal, for marketing and managers (a refusal is told privately beside the command)."""
    await ack()
    user_id, trigger_id = str(command.get("user_id") or ""), str(command.get("trigger_id") or "")
    channel = str(command.get("channel_id") or "")  # where the saved asset is confirmed

    async def open_it() -> None:
        await svc.library.check_can_edit(user_id)
        view = add_modal(svc.renderer, user_id=user_id, today=svc.library.today(), metadata=channel)
        await svc.client.views_open(trigger_id=trigger_id, view=view)  # the trigger_id dies 3 s after the command

    svc.background.spawn(open_it, tell=ephemeral(svc, respond), what="/content add")


async def _usage(svc: Services, command: dict[str, Any], ack: AsyncAck, respond: AsyncRespond) -> None:
    await ack(response_type="ephemeral", **svc.renderer.notice(USAGE))


SUBCOMMANDS: Final[dict[str, Subcommand]] = {
    "": content_browse,
    "add": content_add,
    "request": content_request,  # sales asks marketing for content (handlers/content_requests.py)
    "help": _usage,
}
OPENS_A_MODAL: Final = frozenset({"add", "request"})  # words after these do not make it a search


async def handle_content_command(
    ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond, context: AsyncBoltContext
) -> None:
    words = str(command.get("text") or "").split()
    first = words[0].lower() if words else ""
    run = SUBCOMMANDS.get(first, content_search) if len(words) <= 1 or first in OPENS_A_MODAL else content_search
    await run(services(context), command, ack, respond)
