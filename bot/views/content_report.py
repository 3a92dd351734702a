"""`/funnel content`'s answer, for the asker's eyes only: the assets used on won and lost leads, and the content
asked for. Titles and needs are people's text: escaped, on one line, clipped (`inline`)."""

from __future__ import annotations

from typing import Any, Final
from zoneinfo import ZoneInfo

from bot.content.assets import KINDS
from bot.content.insight import ContentReport, content_report
from bot.reports.periods import FunnelQuery
from message_templates import Renderer, inline
from message_templates.wording import percent
from storage.db import Database

MAX_ASSETS: Final = 10
MAX_ASKED: Final = 5


def assets_text(report: ContentReport) -> str:
    head = "*Content used on won and lost leads* (shared to the lead or named on an attempt)"
    if not report.assets:
        return f"{head}\nNo lead won or lost in this period had an asset shared or named."
    lines = [head]
    for a in report.assets[:MAX_ASSETS]:
        kind = KINDS.get(a.kind, inline(a.kind, 30))
        lines.append(
            f"• *{inline(a.title, 80)}* ({kind}) — won {a.won} · lost {a.lost} · "
            f"win rate {percent(a.win_rate)} ({a.won} of {a.leads})"
        )
    if len(report.assets) > MAX_ASSETS:
        lines.append(f"_…and {len(report.assets) - MAX_ASSETS} more_")
    return "\n".join(lines)


def asked_text(report: ContentReport) -> str:
    head = "*Content sales asked for* (`/content request`)"
    if not report.requests:
        return f"{head}\nNo content was requested in this period."
    lines = [
        head,
        f"{report.requests} asked · {report.open} open · {report.delivered} delivered · {report.declined} declined",
    ]
    lines += [f"• {inline(a.need, 120)} — {a.times}×" for a in report.asked[:MAX_ASKED]]
    if len(report.asked) > MAX_ASKED:
        more = len(report.asked) - MAX_ASKED
        lines.append(f"_…and {more} more need{'' if more == 1 else 's'}_")
    return "\n".join(lines)


def content_view(report: ContentReport) -> tuple[str, list[str], str]:
    header = f"📚 What content works — {report.period.label}"
    footer = (
        f"{report.period.span()} · leads won or lost in the period, each counted once per asset · "
        "win rate = won ÷ (won + lost) · requests asked in the period · `/funnel help`"
    )
    return header, [assets_text(report), asked_text(report)], footer


async def content_message(db: Database, tz: ZoneInfo, renderer: Renderer, query: FunnelQuery) -> dict[str, Any]:
    header, sections, footer = content_view(await content_report(db, tz, query.period))
    return renderer.render("ephemeral/sections.json.j2", header=header, sections=sections, footer=footer)
