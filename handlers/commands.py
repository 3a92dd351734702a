"""Slash commands. `/funnel` parses its words within the ack (bad words get the usage help at once), answers
"crunching…" in the ack, and posts the metrics and chart through `response_url` when they are ready. `/win`
opens its modal. `/handoff` reads its words in the ack too (away, back, who is away) and answers when written.
`COMMANDS` registers them."""

from __future__ import annotations

from typing import Any, Final

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond

from bot.app.services import Services
from bot.errors import UserError
from bot.ids import SPEND_MODAL_IDS, WIN_MODAL_IDS
from bot.lifecycle.away_input import USAGE, read_command
from bot.reports.periods import FunnelQuery, parse_funnel
from bot.views.away import handoff_answer
from bot.views.campaigns import campaigns_message, read_words
from bot.views.content_report import content_message
from bot.views.funnel import help_sections
from bot.views.lead_cards import error_mrkdwn
from bot.views.quality import quality_message
from handlers.agreement import handle_sla_command
from handlers.content import handle_content_command
from handlers.context import Listener, ephemeral, open_modal, services


async def handle_funnel_command(
    ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond, context: AsyncBoltContext
) -> None:
    svc = services(context)
    try:
        query = parse_funnel(str(command.get("text") or ""), svc.funnel.metrics.today())
    except UserError as exc:
        await ack(response_type="ephemeral", **svc.renderer.notice(error_mrkdwn(exc)))
        return
    if query.help:
        sections = help_sections(svc.config)
        await ack(response_type="ephemeral", **svc.renderer.render("ephemeral/funnel_help.json.j2", sections=sections))
    elif query.spend:
        await ack()
        svc.background.spawn(lambda: spend_modal(svc, command), tell=ephemeral(svc, respond), what="/funnel spend")
    elif query.quality:
        notice = svc.renderer.notice(f"⏳ Weighing lead quality for {query.period.label}…")
        await ack(response_type="ephemeral", **notice)
        svc.background.spawn(lambda: quality_answer(svc, query, respond), tell=ephemeral(svc, respond),
                             what="/funnel quality")  # fmt: skip
    elif query.content:
        notice = svc.renderer.notice(f"⏳ Weighing the content used for {query.period.label}…")
        await ack(response_type="ephemeral", **notice)
        svc.background.spawn(lambda: content_answer(svc, query, respond), tell=ephemeral(svc, respond),
                             what="/funnel content")  # fmt: skip
    else:
        by = f" by {query.dimension}" if query.dimension else ""
        what = "the wins" if query.wins else "the funnel"
        await ack(
            response_type="ephemeral", **svc.renderer.notice(f"⏳ Crunching {what} for {query.period.label}{by}…")
        )
        svc.background.spawn(
            lambda: funnel_answer(svc, query, command, respond), tell=ephemeral(svc, respond), what="/funnel"
        )


async def spend_modal(svc: Services, command: dict[str, Any]) -> None:
    """`/funnel spend`: the modal that records a month's spend per source."""
    user_id, trigger_id = str(command.get("user_id")), str(command.get("trigger_id"))
    channel = str(command.get("channel_id") or "")  # where the saved amount is confirmed
    await svc.spend.check_can_enter(user_id)
    month = f"{svc.funnel.metrics.today():%Y-%m}"
    sources = await svc.spend.known_sources()
    await open_modal(svc, trigger_id, "modals/spend.json.j2", ids=SPEND_MODAL_IDS, month=month, sources=sources,
                     metadata=channel)  # fmt: skip


async def funnel_answer(svc: Services, query: FunnelQuery, command: dict[str, Any], respond: AsyncRespond) -> None:
    message = await svc.funnel.answer(query, share_in=str(command.get("channel_id") or ""))
    if message is not None:  # not shared: the answer is the asker's alone
        await respond(response_type="ephemeral", replace_original=False, **message)


async def quality_answer(svc: Services, query: FunnelQuery, respond: AsyncRespond) -> None:
    bar = (await svc.agreements.sla_now()).mql.min_score  # the bar of the agreement in force
    message = await quality_message(svc.db, svc.config, svc.renderer, query, current_bar=bar)
    await respond(response_type="ephemeral", replace_original=False, **message)


async def content_answer(svc: Services, query: FunnelQuery, respond: AsyncRespond) -> None:
    message = await content_message(svc.db, svc.config.tz, svc.renderer, query)
    await respond(response_type="ephemeral", replace_original=False, **message)


async def handle_win_command(
    ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond, context: AsyncBoltContext
) -> None:
    await ack()
    svc = services(context)
    trigger_id = str(command.get("trigger_id"))
    channel = str(command.get("channel_id") or "")  # where what was recorded is told, for the person's eyes only
    svc.background.spawn(
        lambda: open_modal(svc, trigger_id, "modals/win.json.j2", ids=WIN_MODAL_IDS, metadata=channel),
        tell=ephemeral(svc, respond),
        what="/win",
    )


async def handle_handoff_command(
    ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond, context: AsyncBoltContext
) -> None:
    """`/handoff away [until DATE]`, `/handoff back`, `/handoff` (who is away): words it cannot read, or a day that
    has begun or is over a year ahead, get the usage help in the ack and change nothing."""
    svc = services(context)
    user_id = str(command.get("user_id") or "")
    try:
        asked = read_command(str(command.get("text") or ""), svc.config, svc.clock.now())
    except UserError as exc:
        await ack(response_type="ephemeral", **svc.renderer.notice(error_mrkdwn(exc)))
        return
    if asked.verb == "help":
        await ack(response_type="ephemeral", **svc.renderer.notice(USAGE))
        return
    await ack()
    tell = ephemeral(svc, respond)

    async def answer() -> None:
        await tell(await handoff_answer(svc.away, asked, user_id))

    svc.background.spawn(answer, tell=tell, what="/handoff")


async def handle_campaigns_command(
    ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond, context: AsyncBoltContext
) -> None:
    """`/campaigns [all]`: the marketing calendar, privately; other words get the usage in the ack."""
    svc = services(context)
    try:
        everything = read_words(str(command.get("text") or ""))
    except UserError as exc:
        await ack(response_type="ephemeral", **svc.renderer.notice(error_mrkdwn(exc)))
        return
    await ack()
    tell = ephemeral(svc, respond)

    async def answer() -> None:
        found = await svc.calendar.listing(everything=everything)
        today = svc.clock.now().astimezone(svc.config.tz).date()
        message = campaigns_message(svc.renderer, found, today, everything=everything)
        await respond(response_type="ephemeral", replace_original=False, **message)

    svc.background.spawn(answer, tell=tell, what="/campaigns")


COMMANDS: Final[list[tuple[str, Listener]]] = [
    ("/funnel", handle_funnel_command),
    ("/win", handle_win_command),
    ("/handoff", handle_handoff_command),
    ("/sla", handle_sla_command),
    ("/content", handle_content_command),
    ("/campaigns", handle_campaigns_command),
]


def register(app: AsyncApp) -> None:
    for command, listener in COMMANDS:
        app.command(command)(listener)
