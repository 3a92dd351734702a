"""`/funnel quality`'s answer: what the data says about the leads of a period, for the asker's eyes only.

Every name that comes from a lead (source, campaign, rejection reason) is escaped, put on one line and clipped with
`inline` (a newline in a campaign would start a forged row); the other texts are the app's own. Each table is one
section (at most `MAX_ROWS` rows, each well under Slack's 3,000 characters in all), so the message stays at about ten
blocks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.config.team_file import HandoffConfig
from bot.insight.facts import top_reasons
from bot.insight.quality import QualityReport, quality_report
from bot.insight.speed import SpeedBucket
from bot.reports.metrics import GroupMetrics
from bot.reports.periods import FunnelQuery
from message_templates import Renderer, inline
from message_templates.wording import count, money, percent
from storage.db import Database

MAX_ROWS = 10
MAX_CAMPAIGNS = 5  # of the rejection reasons by campaign
NAME_LIMIT = 60  # escaped characters of a source or campaign name
REASON_LIMIT = 60


@dataclass(frozen=True)
class QualityView:
    fallback: str
    header: str
    summary: str
    bar: str
    tables: list[str]
    speed: str
    footer: str


def tally_line(t: GroupMetrics, name: str) -> str:
    return (
        f"*{name}* — {count(t.mqls, 'MQL')} · {percent(t.accept_rate)} accepted ({t.accepted} of {t.decided}) · "
        f"win rate {percent(t.win_rate)} ({t.won} of {t.won + t.lost}) · {money(t.won_cents)}"
    )


def table(title: str, rows: list[GroupMetrics], *, escape: bool) -> str:
    lines = [f"*{title}*"]
    for t in rows[:MAX_ROWS]:
        lines.append("• " + tally_line(t, inline(t.group, NAME_LIMIT) if escape else t.group))
    if len(rows) > MAX_ROWS:
        lines.append(f"_…and {len(rows) - MAX_ROWS} more_")
    return "\n".join(lines)


def rejections(rows: list[GroupMetrics]) -> str:
    lines = ["*Top rejection reasons by campaign*"]
    for t in rows[:MAX_CAMPAIGNS]:
        reasons = " · ".join(f"{inline(reason, REASON_LIMIT)} ({n})" for reason, n in top_reasons(t))
        lines.append(f"• *{inline(t.group, NAME_LIMIT)}* — {t.rejected} rejected: {reasons}")
    if len(rows) > MAX_CAMPAIGNS:
        lines.append(f"_…and {len(rows) - MAX_CAMPAIGNS} more campaigns with rejections_")
    return "\n".join(lines) if rows else "*Top rejection reasons by campaign*\nNo lead was rejected."


def bar_text(report: QualityReport) -> str:
    rule = (
        f"a cut qualifies when fewer than {percent(report.min_accept_rate)} of its decided leads were accepted and "
        f"it brought at most {percent(report.max_won_share)} of won revenue ([insight])"
    )
    current = f"Current bar: {report.current_bar} ([sla.mql] min_score); {rule}."
    if report.bar is not None:
        return f"*The MQL bar*\n💡 {report.bar.text()}.\n{current}"
    if report.best_cut is not None:
        return (
            f"*The MQL bar*\nNo change: the current bar ({report.current_bar}) already cuts the leads the data says "
            f"to cut (below {report.best_cut.threshold}).\n{current}"
        )
    return f"*The MQL bar*\nNo change: no set of low scorers qualifies.\n{current}"


def bucket_line(b: SpeedBucket) -> str:
    if not b.leads:
        return f"• *{b.name}* — no leads"
    return (
        f"• *{b.name}* — {count(b.leads, 'lead')} · win rate {percent(b.win_rate)} ({b.counts()}) · "
        f"SAL → SQL {percent(b.sql_rate)} ({b.sqls} of {b.leads})"
    )


def speed_text(report: QualityReport) -> str:
    speed = report.speed
    head = "*Speed to lead* (accepted leads, by time from arrival to first contact)"
    if not speed.leads:
        return f"{head}\nNo accepted lead to measure (history imported with its stage is not counted)."
    return "\n".join([head, *(bucket_line(b) for b in speed.buckets), speed.text()])


def quality_view(report: QualityReport) -> QualityView:
    t, period = report.total, report.period
    header = f"🔎 Lead quality — {period.label}"
    footer = (
        f"{period.span()} · the MQLs received in the period · acceptance = accepted ÷ decided · "
        "win rate = won ÷ closed (won + lost) · `/funnel help`"
    )
    if not t.mqls:
        empty = "No MQLs were received in this period: nothing to say yet."
        return QualityView(f"Lead quality {period.label}: no MQLs", header, empty, "", [], "", footer)
    summary = tally_line(t, "All MQLs")
    tables = [
        table("By score band", report.bands, escape=False),
        table("By source", report.sources, escape=True),
        table("By campaign", report.campaigns, escape=True),
        rejections(report.rejections),
    ]
    advice = report.bar.text() if report.bar else "no change to the MQL bar"
    fallback = f"Lead quality {period.label}: {count(t.mqls, 'MQL')}; {advice}"
    return QualityView(fallback, header, summary, bar_text(report), tables, speed_text(report), footer)


async def quality_message(
    db: Database, config: HandoffConfig, renderer: Renderer, query: FunnelQuery, *, current_bar: int | None = None
) -> dict[str, Any]:
    report = await quality_report(db, config, query.period, current_bar=current_bar)
    return renderer.render("ephemeral/quality.json.j2", view=quality_view(report))
