"""`/sla`: the agreement between sales and marketing. `/sla` (or `/sla show`) and `/sla history` answer the asker
privately once read; `/sla help` and words it does not know get the usage in the ack. `SUBCOMMANDS` maps each word
to its listener, so `/sla propose` is one more line; handlers/commands.py registers the command."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Final

from slack_bolt.async_app import AsyncAck, AsyncBoltContext, AsyncRespond

from bot.app.services import Services
from bot.views.agreement import AgreementView, AgreementViews
from handlers.context import ephemeral, services
from handlers.proposals import sla_propose

USAGE: Final = (
    "*/sla* shows the agreement in force: each side's terms and this quarter's compliance.\n"
    "• `/sla history`: every version, newest first, with what changed\n"
    "• `/sla propose`: propose a change to the agreement\n"
    "• `/sla help`: this help"
)

Subcommand = Callable[[Services, dict[str, Any], AsyncAck, AsyncRespond], Awaitable[None]]


def _answer(build: Callable[[AgreementViews], Awaitable[AgreementView]], what: str) -> Subcommand:
    async def run(svc: Services, command: dict[str, Any], ack: AsyncAck, respond: AsyncRespond) -> None:
        await ack()
        tell = ephemeral(svc, respond)

        async def answer() -> None:
            view = await build(AgreementViews(svc.db, svc.agreements, svc.config, svc.clock))
            message = svc.renderer.render("ephemeral/agreement.json.j2", view=view)
            await respond(response_type="ephemeral", replace_original=False, **message)

        svc.background.spawn(answer, tell=tell, what=what)

    return run


async def _usage(svc: Services, command: dict[str, Any], ack: AsyncAck, respond: AsyncRespond) -> None:
    await ack(response_type="ephemeral", **svc.renderer.notice(USAGE))


SUBCOMMANDS: Final[dict[str, Subcommand]] = {
    "": _answer(AgreementViews.show, "/sla"),
    "show": _answer(AgreementViews.show, "/sla"),
    "history": _answer(AgreementViews.history, "/sla history"),
    "help": _usage,
    "propose": sla_propose,  # the proposal modal (handlers/proposals.py)
}


async def handle_sla_command(
    ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond, context: AsyncBoltContext
) -> None:
    words = str(command.get("text") or "").split()
    first = words[0].lower() if words else ""
    run = SUBCOMMANDS.get(first, _usage) if len(words) <= 1 or first == "propose" else _usage
    await run(services(context), command, ack, respond)
