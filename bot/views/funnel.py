"""`/funnel`'s answer: the metrics as a message, and the funnel chart as a PNG uploaded through Slack's external
upload flow and shown with an image block's `slack_file` (an ephemeral message cannot carry a file itself).

Everything here runs after the ack; the chart is drawn in a worker thread so the event loop keeps answering.
"""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.config.team_file import HandoffConfig
from bot.content.request_clock import Compliance, compliance_text
from bot.errors import UserError
from bot.reports.metrics import DEFINITIONS, FunnelReport, GroupMetrics, Metrics
from bot.reports.periods import USAGE, FunnelQuery
from bot.reports.reps import rep_line
from message_templates import Renderer, inline, mrkdwn
from message_templates.wording import clock_name, count, humanize, mention, money, percent
from storage.models import Lead

log = logging.getLogger(__name__)

UPLOAD_TIMEOUT = 20  # seconds for the whole upload (three calls); then the numbers go out without the chart
CHART_MISSING = "⚠️ The chart could not be attached: Slack did not take the upload. Every number above is complete."
STAGES = ("MQL", "SAL", "SQL", "Opportunity", "Won")
MAX_GROUPS = 15


def stage_counts(g: GroupMetrics) -> list[int]:
    return [g.mqls, g.accepted, g.sqls, g.opportunities, g.won]


def funnel_figure(counts: list[int], title: str) -> Any:
    """A centred funnel: one bar per stage with its count, and the share of each stage that converted to the next.
    A label that does not fit inside its bar is put just right of it, in dark text, so "SQL 1" stays readable."""
    # Imported on the first chart, not at start-up: matplotlib is ~45 MB of an idle app (144 MB with it, 99 without).
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8, 4), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    widest = max(max(counts), 1)
    colours = ("#1d3557", "#457b9d", "#5e9ebf", "#a8dadc", "#2a9d8f")
    axes.set_xlim(0, widest * 1.25)
    axes.set_ylim(-0.6, len(STAGES) - 0.4)
    axes.axis("off")
    axes.set_title(title, fontsize=12, loc="left")
    figure.tight_layout()
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    for row, (stage, n, colour) in enumerate(zip(STAGES, counts, colours, strict=True)):
        y = len(STAGES) - 1 - row
        [bar] = axes.barh(y, max(n, widest * 0.004), left=(widest - n) / 2, color=colour, height=0.72)
        label = axes.text(widest / 2, y, f"{stage}  {n:,}", ha="center", va="center",
                          color="white" if row < 3 else "black", fontsize=11, fontweight="bold")  # fmt: skip
        box, shape = label.get_window_extent(renderer), bar.get_window_extent(renderer)
        if box.width + 8 > shape.width:  # too thin to hold its label: beside the bar, dark on white
            label.set(x=(widest + n) / 2 + widest * 0.015, ha="left", color="#1d1d1d")
        if row:
            before = counts[row - 1]
            rate = n / before * 100 if before else None
            share = "—" if rate is None else "<1%" if 0 < rate < 0.5 else f"{rate:.0f}%"
            axes.text(widest * 1.03, y + 0.5, f"{share} converted", ha="left", va="center", fontsize=9,
                      color="#555555")  # fmt: skip
    return figure


def funnel_png(counts: list[int], title: str) -> bytes:
    buffer = io.BytesIO()
    funnel_figure(counts, title).savefig(buffer, format="png")
    return buffer.getvalue()


def duration(seconds: float | None) -> str:
    return "—" if seconds is None else humanize(timedelta(seconds=seconds))


def time_to_won(days: float | None) -> str:
    """Under a day in hours and minutes; then days, with one decimal below ten."""
    if days is None:
        return "— days to won"
    if days < 1:
        return f"{humanize(timedelta(days=days))} to won"
    shown = f"{days:.1f}".removesuffix(".0") if days < 10 else f"{days:.0f}"
    return f"{shown} {'day' if shown == '1' else 'days'} to won"


def change(now: float | None, before: float | None, *, points: bool = False) -> str:
    """▲ / ▼ against the previous period: percent change for counts, percentage points for rates."""
    if now is None or before is None:
        return ""
    if points:
        delta = (now - before) * 100
        return "" if round(delta) == 0 else f" {'▲' if delta > 0 else '▼'} {abs(delta):.0f} pts"
    if before == 0:
        return " ▲ new" if now else ""
    delta = (now - before) / before * 100
    return "" if round(delta) == 0 else f" {'▲' if delta > 0 else '▼'} {abs(delta):.0f}%"


def group_name(dimension: str | None, group: str) -> str:
    if dimension == "rep" and group != "not accepted":
        return mention(group)
    return inline(group, 80)


@dataclass(frozen=True)
class FunnelView:
    fallback: str
    header: str
    fields: list[str]
    more_fields: list[str]
    lines: list[str]
    groups: list[str]
    image_file_id: str | None
    image_alt: str
    footer: str


def repeats(n: int) -> str:
    return f" · {n} repeat MQL{'' if n == 1 else 's'}" if n else ""


def funnel_view(report: FunnelReport, *, image_file_id: str | None) -> FunnelView:
    q, t, p = report.query, report.total, report.previous
    by = f" by {q.dimension}" if q.dimension else ""
    mqls = f"{t.mqls:,}"
    if report.mql_target:
        mqls += f" of {report.mql_target:,} target ({t.mqls / report.mql_target * 100:.0f}%)"
    accept_p50, accept_p90 = t.accept_time
    contact_p50, contact_p90 = t.contact_time
    clocks = " · ".join(f"{clock_name(c)} {percent(t.compliance(c))}" for c in sorted(t.sla))
    fields = [
        f"*MQLs*\n{mqls}{repeats(t.repeats)}{change(t.mqls, p.mqls)}",
        f"*Acceptance rate*\n{percent(t.accept_rate)} ({t.accepted:,} of {t.decided:,} decided)"
        + change(t.accept_rate, p.accept_rate, points=True),
        f"*SAL → SQL → Opportunity → Won*\n{t.accepted:,} → {t.sqls:,} → {t.opportunities:,} → {t.won:,}",
        f"*Won revenue*\n{money(t.won_cents)}{change(t.won_cents, p.won_cents)} · conversion {percent(t.conversion)}",
        f"*Time to accept*\nmedian {duration(accept_p50)} · p90 {duration(accept_p90)}",
        f"*Time to first contact*\nmedian {duration(contact_p50)} · p90 {duration(contact_p90)}",
    ]
    velocity = t.velocity_cents_per_day
    more = [
        f"*SLA kept*\n{clocks or 'no clocks ran'}",
        f"*Velocity*\n{time_to_won(t.days_to_won)} · {money(velocity)}/day",
        f"*Marketing-sourced*\npipeline {money(t.pipeline_cents)} · revenue {money(t.won_cents)}",
    ]
    if t.spend_cents is not None:
        more.append(f"*Cost*\n{money(t.cost_per_mql_cents)} per MQL · CAC {money(t.cac_cents)}")
    lines = []
    if top := t.top_reason:
        lines.append(f"Top rejection reason: *{inline(top[0], 100)}* ({top[1]} of {t.rejected} rejected)")
    groups = []
    for g in report.groups[:MAX_GROUPS] if q.dimension else []:
        text = (
            f"*{group_name(q.dimension, g.group)}* — {count(g.mqls, 'MQL')} · "
            f"{percent(g.accept_rate)} accepted · "
            f"{g.sqls:,} SQL · {g.won:,} won · {money(g.won_cents)}"
        )
        if g.spend_cents is not None:
            text += f" · {money(g.cost_per_mql_cents)}/MQL · CAC {money(g.cac_cents)}"
        if top := g.top_reason:
            text += f"\n   top rejection: {inline(top[0], 80)} ({top[1]})"
        if g.group in report.reps:
            text += "\n   " + rep_line(report.reps[g.group])
        groups.append(text)
    shown = {g.group for g in report.groups[:MAX_GROUPS]}
    for rep, figures in sorted(report.reps.items()) if q.dimension == "rep" else ():
        if rep not in shown and len(groups) < MAX_GROUPS:  # assigned, but owning no lead of the cohort
            groups.append(f"*{mention(rep)}* — no MQLs owned\n   {rep_line(figures)}")
    if len(report.groups) > MAX_GROUPS and q.dimension:
        groups.append(f"_…and {len(report.groups) - MAX_GROUPS} more_")
    previous = q.period.previous()
    return FunnelView(
        fallback=f"Funnel {q.period.label}{by}: {count(t.mqls, 'MQL')}, {t.won:,} won",
        header=f"📊 Funnel — {q.period.label}{by}",
        fields=fields,
        more_fields=more,
        lines=lines,
        groups=groups,
        image_file_id=image_file_id,
        image_alt=f"Funnel: {' → '.join(f'{s} {n}' for s, n in zip(STAGES, stage_counts(t), strict=True))}",
        footer=f"{q.period.span()} · ▲▼ against {previous.span()} ({previous.label}) · definitions: `/funnel help`",
    )


def help_sections(config: HandoffConfig) -> list[str]:
    """`/funnel help` in three parts (the definitions, the stages, the usage), each within a section's 3,000
    characters: together they are longer than one section holds."""
    lines = [f"• *{name}*: {meaning}" for name, meaning in DEFINITIONS]
    stages = [f"• *{stage.upper()}*: {mrkdwn(text, 300)}" for stage, text in config.stages.items()]
    return [
        "*The shared funnel metrics*\n" + "\n".join(lines),
        "*The stages, as both teams defined them*\n" + "\n".join(stages),
        USAGE,
    ]


class FunnelService:
    def __init__(
        self,
        metrics: Metrics,
        client: AsyncWebClient,
        renderer: Renderer,
        config: HandoffConfig,
        content: Callable[[datetime, datetime], Awaitable[Compliance]] | None = None,
    ) -> None:
        self.metrics = metrics
        self._content = content  # marketing's content-request compliance in a period (a direct query)
        self._client = client
        self._renderer = renderer
        self._config = config

    async def upload_chart(self, png: bytes, title: str) -> str | None:
        """Upload without a channel (an ephemeral reply cannot carry a file) and return the file id, or None when
        Slack does not take it (down, an error, no answer in time): the numbers go out without the chart."""
        try:
            async with asyncio.timeout(UPLOAD_TIMEOUT):
                response = await self._client.files_upload_v2(content=png, filename="funnel.png", title=title)
            return str(response["file"]["id"])
        except (SlackClientError, aiohttp.ClientError, TimeoutError, KeyError, TypeError) as exc:
            log.warning("funnel chart not attached: %s: %s", type(exc).__name__, exc)
            return None

    async def answer(self, query: FunnelQuery, *, share_in: str) -> dict[str, Any] | None:
        """The funnel (or the wins) for `query`. With `share`, post it to `share_in` and return None; otherwise
        return the message for the asker's eyes only."""
        message = await (self.wins(query) if query.wins else self.message(query))
        if not query.share:
            return message
        try:
            await self._client.chat_postMessage(channel=share_in, unfurl_links=False, **message)
        except SlackApiError as exc:
            if exc.response.get("error") in ("not_in_channel", "channel_not_found", "is_archived"):
                raise UserError("I can't post in this channel: invite @handoff to it, or drop `share`.") from None
            raise
        return None

    async def wins(self, query: FunnelQuery) -> dict[str, Any]:
        start, end = query.period.bounds(self._config.tz)
        view = wins_view(await self.metrics.wins(start, end), query)
        return self._renderer.render("ephemeral/wins.json.j2", view=view)

    async def message(self, query: FunnelQuery) -> dict[str, Any]:
        report = await self.metrics.report(query)
        title = f"Funnel — {query.period.label}"
        png = await asyncio.to_thread(funnel_png, stage_counts(report.total), title)
        file_id = await self.upload_chart(png, title)
        view = funnel_view(report, image_file_id=file_id)
        if self._content is not None:  # marketing's clock beside sales' response times
            kept = compliance_text(await self._content(*query.period.bounds(self._config.tz)), self._config)
            view = replace(view, more_fields=[*view.more_fields, f"*Content requests kept (marketing)*\n{kept}"])
        if file_id is None:
            view = replace(view, lines=[*view.lines, CHART_MISSING])
        return self._renderer.render("ephemeral/funnel.json.j2", view=view)


@dataclass(frozen=True)
class WinsView:
    header: str
    lines: list[str]
    boards: list[str]


def wins_view(wins: list[Lead], query: FunnelQuery) -> WinsView:
    """This period's joint wins, and the leaderboards by campaign and by rep (count and revenue)."""
    lines = [
        f"• *{inline(w.company or w.name or w.external_id, 80)}* {money(w.amount_cents)} — {mention(w.owner)}"
        f" with {inline(w.campaign or w.source or 'marketing', 80)}"
        for w in wins[:25]
    ] or ["No wins yet in this period."]
    boards: list[str] = []

    def by_campaign(w: Lead) -> str:
        return inline(w.campaign or "no campaign", 80)

    def by_rep(w: Lead) -> str:
        return mention(w.owner) if w.owner else "no owner"

    for title, key in (("By campaign", by_campaign), ("By rep", by_rep)):
        totals: dict[str, list[int]] = {}
        for w in wins:
            entry = totals.setdefault(key(w), [0, 0])
            entry[0] += 1
            entry[1] += w.amount_cents or 0
        ranked = sorted(totals.items(), key=lambda kv: (-kv[1][1], -kv[1][0], kv[0]))[:10]
        if ranked:
            rows = [f"{i}. {name}: {n} won · {money(cents)}" for i, (name, (n, cents)) in enumerate(ranked, 1)]
            boards.append(f"*{title}*\n" + "\n".join(rows))
    return WinsView(f"🏆 Joint wins — {query.period.label} ({query.period.span()})", lines, boards)
