"""Slash commands. `/funnel` parses its words within the ack (bad words get the usage help at once), answers
"crunching…" in the ack, and posts the metrics and chart through `response_url` when they are ready."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond

from bot.app.services import Services
from bot.errors import UserError
from bot.ids import SPEND_MODAL_IDS, WIN_MODAL_IDS
from bot.reports.funnel import help_text
from bot.reports.periods import parse_funnel
from bot.views.lead_cards import error_mrkdwn
from handlers.actions import ephemeral, open_modal


def register(app: AsyncApp, svc: Services) -> None:
    async def handle_funnel(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond) -> None:
        try:
            query = parse_funnel(str(command.get("text") or ""), svc.funnel.metrics.today())
        except UserError as exc:
            await ack(response_type="ephemeral", **svc.renderer.notice(error_mrkdwn(exc)))
            return
        if query.help:
            await ack(response_type="ephemeral", **svc.renderer.notice(help_text(svc.config)))
            return
        if query.spend:
            await ack()
            user_id, trigger_id = str(command.get("user_id")), str(command.get("trigger_id"))
            channel = str(command.get("channel_id") or "")  # where the saved amount is confirmed

            async def spend_modal() -> None:
                await svc.spend.check_can_enter(user_id)
                month = f"{svc.funnel.metrics.today():%Y-%m}"
                sources = await svc.spend.known_sources()
                await open_modal(svc, trigger_id, "modals/spend.json.j2", ids=SPEND_MODAL_IDS, month=month,
                                 sources=sources, metadata=channel)  # fmt: skip

            svc.background.spawn(spend_modal(), tell=ephemeral(svc, respond), what="/funnel spend")
            return
        by = f" by {query.dimension}" if query.dimension else ""
        what = "the wins" if query.wins else "the funnel"
        await ack(
            response_type="ephemeral", **svc.renderer.notice(f"⏳ Crunching {what} for {query.period.label}{by}…")
        )
        channel = str(command.get("channel_id") or "")

        async def answer() -> None:
            message = await svc.funnel.answer(query, share_in=channel)
            if message is not None:  # not shared: the answer is the asker's alone
                await respond(response_type="ephemeral", replace_original=False, **message)

        svc.background.spawn(answer(), tell=ephemeral(svc, respond), what="/funnel")

    async def handle_win(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        trigger_id = str(command.get("trigger_id"))
        channel = str(command.get("channel_id") or "")  # where what was recorded is told, for the person's eyes only
        modal = open_modal(svc, trigger_id, "modals/win.json.j2", ids=WIN_MODAL_IDS, metadata=channel)
        svc.background.spawn(modal, tell=ephemeral(svc, respond), what="/win")

    app.command("/funnel")(handle_funnel)
    app.command("/win")(handle_win)
