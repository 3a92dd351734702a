"""`/campaigns [all]`: marketing's calendar for sales, privately: each campaign running or coming up (every one with
`all`), its owner, dates, what to say and its leads so far. Names and summaries come from the team file and are
escaped like any text Slack parses."""

from __future__ import annotations

from datetime import date
from typing import Any, Final

from bot.content.calendar import Campaign, dates
from bot.errors import UserError
from message_templates import Renderer, inline, mrkdwn

USAGE: Final = "Usage: `/campaigns` (running and coming up) or `/campaigns all` (ended ones too)."


def read_words(text: str) -> bool:
    """True for `all`; nothing else is understood (the usage, changing nothing)."""
    words = text.strip().lower()
    if words in ("", "all"):
        return words == "all"
    raise UserError(USAGE)


def state(campaign: Campaign, today: date) -> str:
    if campaign.starts is None:
        return "no dates"
    if campaign.starts > today:
        return "coming up"
    return "ended" if campaign.ends is not None and campaign.ends < today else "running"


def section(campaign: Campaign, today: date) -> str:
    leads = f"{campaign.leads} lead{'' if campaign.leads == 1 else 's'} so far"
    lines = [
        f"*{inline(campaign.name, 120)}* · {state(campaign, today)}",
        f"{dates(campaign)} · owner <@{campaign.owner}> · {leads}",
    ]
    if campaign.summary:
        lines.append(f"What to say: {mrkdwn(campaign.summary, 600)}")
    return "\n".join(lines)


def campaigns_message(
    renderer: Renderer, campaigns: list[Campaign], today: date, *, everything: bool
) -> dict[str, Any]:
    header = "Every campaign" if everything else "Campaigns running and coming up"
    sections = [section(c, today) for c in campaigns[:45]]
    if not sections:
        sections = ["No campaign is in the team file." if everything else "No campaign is running or coming up."]
    footer = (
        "Campaigns are set in the team file, [campaigns.<key>]."
        if everything
        else "Ended campaigns are left out: `/campaigns all` lists them too."
    )
    return renderer.render("ephemeral/sections.json.j2", header=header, sections=sections, footer=footer)
